//! The layout rule of `ARCHITECTURE.md`: no source file holds more than
//! [`MAX_LINES`] lines outside its `#[cfg(test)] mod` block, every line counted
//! (comments and blank ones too). Files that are tests only (`#[cfg(test)] mod name;`)
//! are not held to it, and neither are those of [`PENDING`], each with its reason; a
//! file listed there that has come under the limit fails too, so the list shrinks.
//! And `src/yaml/` is a library of its own in all but its crate: it uses nothing of the
//! crate but [`YAML_MAY_USE_OF_THE_CRATE`] and no dependency but [`YAML_MAY_USE`].

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

/// The most lines a file may hold outside its test module.
const MAX_LINES: usize = 800;

/// Files over the limit for now (paths from the repository's root), and why.
const PENDING: &[(&str, &str)] = &[];

/// The directories whose Rust files are held to the rule (test crates are tests only).
const ROOTS: &[&str] = &["src", "benches", "fuzz/fuzz_targets"];

/// What of the crate `src/yaml/` may use: itself, and the leaf `replacement` (the one
/// shape of an edit, which uses nothing of the crate and would go with yaml into a crate
/// of its own).
const YAML_MAY_USE_OF_THE_CRATE: &[&str] = &["yaml", "replacement"];

/// The dependencies `src/yaml/` may use: none that knows of Kubernetes. `serde` for its
/// `Serialize` alone: a `NewList` takes any item that serializes, as `serde_json` does.
const YAML_MAY_USE: &[&str] = &["granit_parser", "serde", "serde_json", "thiserror"];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The name of the module `line` declares, when it is `mod name {` or `mod name;`
/// (with or without `pub`).
fn declared_module(line: &str) -> Option<(&str, bool)> {
    let rest = line.trim_start_matches("pub ").strip_prefix("mod ")?;
    if let Some(name) = rest.strip_suffix(" {") {
        return Some((name, true));
    }
    rest.strip_suffix(';').map(|name| (name, false))
}

/// Lines of `text` outside its `#[cfg(test)] mod name { ... }` blocks (rustfmt closes a
/// top-level block with `}` alone on a line), and the modules it declares as
/// `#[cfg(test)] mod name;`, which are files of tests only.
fn measure(text: &str) -> (usize, Vec<String>) {
    let lines: Vec<&str> = text.lines().collect();
    let (mut outside, mut test_files) = (0, Vec::new());
    let mut i = 0;
    while i < lines.len() {
        if lines[i] == "#[cfg(test)]" {
            let mut j = i + 1;
            while j < lines.len() && lines[j].starts_with("#[") {
                j += 1;
            }
            match lines.get(j).and_then(|l| declared_module(l)) {
                Some((_, true)) => {
                    let close = (j + 1..lines.len())
                        .find(|&k| lines[k] == "}")
                        .unwrap_or(lines.len());
                    i = close + 1;
                    continue;
                }
                Some((name, false)) => test_files.push(name.to_owned()),
                None => {}
            }
        }
        outside += 1;
        i += 1;
    }
    (outside, test_files)
}

#[test]
fn no_file_is_longer_than_the_limit_outside_its_tests() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ROOTS {
        rust_files(&root.join(dir), &mut files);
    }
    files.sort();
    assert!(files.len() > 20, "found only {} files", files.len());
    let measured: Vec<(PathBuf, usize, Vec<String>)> = files
        .into_iter()
        .map(|path| {
            let (outside, test_files) = measure(&fs::read_to_string(&path).unwrap());
            (path, outside, test_files)
        })
        .collect();
    // A module declared from `a/mod.rs` (or a crate root) is `a/name.rs` or
    // `a/name/mod.rs`; from `a/b.rs`, `a/b/name.rs` or `a/b/name/mod.rs`.
    let mut tests_only = BTreeSet::new();
    for (path, _, names) in &measured {
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        let parent = path.parent().unwrap();
        let dir = if ["mod", "lib", "main"].contains(&stem) {
            parent.to_path_buf()
        } else {
            parent.join(stem)
        };
        for name in names {
            tests_only.insert(dir.join(format!("{name}.rs")));
            tests_only.insert(dir.join(name).join("mod.rs"));
        }
    }
    let mut failures = Vec::new();
    for (path, outside, _) in &measured {
        if tests_only.contains(path) {
            continue;
        }
        let name = path.strip_prefix(root).unwrap().to_string_lossy();
        let pending = PENDING.iter().find(|(p, _)| *p == name);
        match pending {
            None if *outside > MAX_LINES => failures.push(format!(
                "{name}: {outside} lines outside its test module, more than {MAX_LINES}: split it (ARCHITECTURE.md)"
            )),
            Some((_, why)) if *outside <= MAX_LINES => failures.push(format!(
                "{name}: {outside} lines, within the limit: take it off PENDING ({why})"
            )),
            _ => {}
        }
    }
    for (pending, _) in PENDING {
        if !measured.iter().any(|(p, _, _)| p.ends_with(pending)) {
            failures.push(format!("{pending}: in PENDING but not found"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn test_modules_are_not_counted() {
    let text = "//! doc\nfn a() {}\n\n#[cfg(test)]\nmod tests {\n    #[test]\n    fn t() {}\n}\n";
    assert_eq!(measure(text), (3, vec![]));
    let text = "fn a() {}\n#[cfg(test)]\nmod tests;\n";
    assert_eq!(measure(text), (3, vec!["tests".to_owned()]));
}

#[test]
fn yaml_uses_nothing_else_of_the_crate() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let manifest = fs::read_to_string(root.join("Cargo.toml")).unwrap();
    let others: Vec<String> = manifest
        .lines()
        .skip_while(|l| *l != "[dependencies]")
        .skip(1)
        .take_while(|l| !l.starts_with('['))
        .filter_map(|l| l.split_once(" = "))
        .map(|(name, _)| name.trim().replace('-', "_"))
        .filter(|name| !YAML_MAY_USE.contains(&name.as_str()))
        .collect();
    assert!(others.iter().any(|d| d == "k8s_openapi"), "{others:?}");
    let mut files = Vec::new();
    rust_files(&root.join("src/yaml"), &mut files);
    assert!(files.len() > 5, "found only {} files", files.len());
    let leaf = fs::read_to_string(root.join("src/replacement.rs")).unwrap();
    assert!(
        !leaf.contains("crate::") && !others.iter().any(|d| leaf.contains(&format!("{d}::"))),
        "src/replacement.rs, which yaml uses, uses nothing of the crate"
    );
    let mut failures = Vec::new();
    for path in &files {
        let name = path.strip_prefix(root).unwrap().to_string_lossy();
        for (n, line) in fs::read_to_string(path).unwrap().lines().enumerate() {
            // `super::` of the module's root is the crate's.
            let outside = line.match_indices("crate::").any(|(i, c)| {
                let path = &line[i + c.len()..];
                !YAML_MAY_USE_OF_THE_CRATE
                    .iter()
                    .any(|m| path.starts_with(m))
            }) || (name == "src/yaml/mod.rs" && line.contains("super::"));
            if outside || others.iter().any(|d| line.contains(&format!("{d}::"))) {
                failures.push(format!("{name}:{}: {}", n + 1, line.trim()));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "src/yaml/ uses nothing of the crate but {YAML_MAY_USE_OF_THE_CRATE:?}, and no dependency but {YAML_MAY_USE:?}:\n{}",
        failures.join("\n")
    );
}

#[test]
fn no_two_modules_have_one_name() {
    // A name says which room is meant: `tree` or `lifetime` twice makes every mention of
    // it a question. Test-only modules (`tests.rs`) are the exception.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    let mut seen: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for path in &files {
        let rel = path.strip_prefix(root.join("src")).unwrap();
        let module = match rel.file_stem().and_then(|s| s.to_str()) {
            Some("mod") => rel.parent().and_then(|p| p.file_name()),
            _ => rel.file_stem(),
        };
        let name = module.unwrap().to_string_lossy().into_owned();
        if !["tests", "lib", "main"].contains(&name.as_str()) {
            seen.entry(name)
                .or_default()
                .push(rel.display().to_string());
        }
    }
    let clashes: Vec<String> = seen
        .into_iter()
        .filter(|(_, paths)| paths.len() > 1)
        .map(|(name, paths)| format!("{name}: {}", paths.join(", ")))
        .collect();
    assert!(
        clashes.is_empty(),
        "modules sharing a name:\n{}",
        clashes.join("\n")
    );
}
