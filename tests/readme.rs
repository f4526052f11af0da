//! Every `sh` block of the README and of `docs/*.md` runs as written, so that what a new
//! user copies works: from the repository root, as the text says, with `harden-sa-token`
//! (the binary under test) and the project's helm on `PATH`, and a home directory and a
//! `TMPDIR` of its own (where `mktemp -d` puts what a block writes). A block must leave the
//! repository as it found it: no file added, removed or changed (`.git` and `target/`
//! aside). A block is skipped only when an HTML comment just above it says why (`<!-- not
//! run: ... -->`) or which test runs it (`<!-- run by: ... -->`); `<!-- exit: N -->` says
//! the exit status it must end with (a `check` that finds something).
//!
//! A block that needs kpt, kubectl, podman, helm or git is skipped loudly when the tool
//! is missing (and fails under `REQUIRE_E2E=1`); podman blocks also need the image that
//! `make test` builds.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{BIN, TempDir, output, repo_file, repo_path, stderr, stdout};

/// One `sh` block of the README.
#[derive(Debug)]
struct Block {
    /// 1-based line of its opening fence.
    line: usize,
    script: String,
    /// Why it is not run here, if it is not.
    skip: Option<String>,
    /// The exit status it must end with.
    exit: i32,
}

fn blocks(readme: &str) -> Vec<Block> {
    let lines: Vec<&str> = readme.lines().collect();
    let mut blocks = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if lines[i].trim_end() != "```sh" {
            i += 1;
            continue;
        }
        let line = i + 1;
        // The HTML comments right above the fence (blank lines between are allowed).
        let mut comments = Vec::new();
        let mut j = i;
        while j > 0 {
            j -= 1;
            let above = lines[j].trim();
            if above.is_empty() {
                continue;
            }
            if above.starts_with("<!--") && above.ends_with("-->") {
                comments.push(above);
                continue;
            }
            break;
        }
        let mut skip = None;
        let mut exit = 0;
        for comment in comments {
            let body = comment
                .trim_start_matches("<!--")
                .trim_end_matches("-->")
                .trim();
            if let Some(why) = body.strip_prefix("not run:") {
                skip = Some(format!("not run: {}", why.trim()));
            } else if let Some(by) = body.strip_prefix("run by:") {
                skip = Some(format!("run by {}", by.trim()));
            } else if let Some(code) = body.strip_prefix("exit:") {
                exit = code.trim().parse().expect("an exit status after `exit:`");
            }
        }
        let mut script = String::new();
        i += 1;
        while i < lines.len() && lines[i].trim_end() != "```" {
            script.push_str(lines[i]);
            script.push('\n');
            i += 1;
        }
        blocks.push(Block {
            line,
            script,
            skip,
            exit,
        });
        i += 1;
    }
    blocks
}

/// What a block may not change: every file under `root` (but `.git` and the top-level
/// `target`, and the cargo target directory wherever it is) with its size and modification
/// time, and every directory.
fn snapshot(root: &Path) -> BTreeMap<PathBuf, Option<(u64, std::time::SystemTime)>> {
    let target = std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from);
    let mut files = BTreeMap::new();
    let mut dirs = vec![root.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        let entries =
            std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("read {}: {e}", dir.display()));
        for entry in entries {
            let entry = entry.expect("dir entry");
            let path = entry.path();
            let rel = path.strip_prefix(root).expect("under root").to_path_buf();
            if rel == Path::new(".git")
                || rel == Path::new("target")
                || target.as_deref() == Some(path.as_path())
            {
                continue;
            }
            let meta = std::fs::symlink_metadata(&path).expect("metadata");
            if meta.is_dir() {
                dirs.push(path);
                files.insert(rel, None);
            } else {
                let modified = meta.modified().expect("mtime");
                files.insert(rel, Some((meta.len(), modified)));
            }
        }
    }
    files
}

/// What differs between two snapshots, one line per path.
fn changes(
    before: &BTreeMap<PathBuf, Option<(u64, std::time::SystemTime)>>,
    after: &BTreeMap<PathBuf, Option<(u64, std::time::SystemTime)>>,
) -> Vec<String> {
    let mut out = Vec::new();
    for (path, was) in before {
        match after.get(path) {
            None => out.push(format!("removed {}", path.display())),
            Some(now) if now != was => out.push(format!("changed {}", path.display())),
            Some(_) => {}
        }
    }
    for path in after.keys().filter(|p| !before.contains_key(*p)) {
        out.push(format!("left behind {}", path.display()));
    }
    out
}

/// The Markdown files whose blocks are run: the README, then `docs/*.md`.
fn documents() -> Vec<String> {
    let mut docs: Vec<String> = std::fs::read_dir(repo_path("docs"))
        .expect("read docs/")
        .map(|e| {
            e.expect("dir entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|name| name.ends_with(".md"))
        .map(|name| format!("docs/{name}"))
        .collect();
    docs.sort();
    docs.insert(0, "README.md".to_owned());
    docs
}

/// The tools a script calls that these machines may lack, with a command that shows
/// whether one runs.
const TOOLS: &[(&str, &[&str])] = &[
    ("kpt", &["version"]),
    ("kubectl", &["version", "--client"]),
    ("podman", &["version"]),
    ("helm", &["version"]),
    ("git", &["--version"]),
];

#[test]
fn readme_blocks_run_as_written() {
    let documents: Vec<(String, Vec<Block>)> = documents()
        .into_iter()
        .map(|doc| {
            let blocks = blocks(&repo_file(&doc));
            (doc, blocks)
        })
        .collect();
    let readme_blocks = documents[0].1.len();
    assert!(
        readme_blocks >= 10,
        "found {readme_blocks} sh blocks in README.md"
    );
    let total: usize = documents.iter().map(|(_, b)| b.len()).sum();
    let tmp = TempDir::new("readme");
    let home = tmp.join("home");
    let scratch = tmp.join("tmp");
    for dir in [&home, &scratch] {
        std::fs::create_dir_all(dir).expect("create a directory of the test");
    }
    let root = repo_path(".");
    let bin_dir = Path::new(BIN).parent().expect("binary has a directory");
    let mut path = vec![bin_dir.to_path_buf(), repo_path(".tools/helm")];
    path.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    let path = std::env::join_paths(path).expect("PATH joins");
    let image = format!("localhost/harden-sa-token:{}", env!("CARGO_PKG_VERSION"));

    let mut ran = 0;
    for (doc, blocks) in &documents {
        for block in blocks {
            let at = format!("{doc} line {}", block.line);
            if let Some(why) = &block.skip {
                eprintln!("{at}: {why}");
                continue;
            }
            let words: Vec<&str> = block
                .script
                .split(|c: char| !(c.is_alphanumeric() || c == '-'))
                .collect();
            let missing = TOOLS.iter().find(|(tool, args)| {
                words.contains(tool)
                    && !Command::new(tool)
                        .args(*args)
                        .env("PATH", &path)
                        .env("CONTAINERS_CONF", repo_path("scripts/containers.conf"))
                        .output()
                        .is_ok_and(|o| o.status.success())
            });
            if let Some((tool, _)) = missing {
                common::skip(&at, &format!("`{tool}` does not run"));
                continue;
            }
            if words.contains(&"podman")
                && !Command::new("podman")
                    .args(["image", "exists", &image])
                    .env("CONTAINERS_CONF", repo_path("scripts/containers.conf"))
                    .status()
                    .is_ok_and(|s| s.success())
            {
                common::skip(
                    &at,
                    &format!("image {image} does not exist (`make test` builds it)"),
                );
                continue;
            }
            let before = snapshot(&root);
            let out = output(
                Command::new("timeout")
                    .args(["300", "bash", "-e", "-o", "pipefail", "-c", &block.script])
                    .current_dir(&root)
                    .env("PATH", &path)
                    .env("HOME", &home)
                    .env("TMPDIR", &scratch)
                    .env_remove("KUSTOMIZE_PLUGIN_HOME")
                    .env_remove("CONTAINERS_CONF")
                    .env_remove("GITHUB_ACTIONS")
                    .env_remove("KPT_FN_RUNTIME"),
            );
            assert_eq!(
                out.status.code(),
                Some(block.exit),
                "{at}:\n{}--- stdout ---\n{}--- stderr ---\n{}",
                block.script,
                stdout(&out),
                stderr(&out)
            );
            let changed = changes(&before, &snapshot(&root));
            assert!(
                changed.is_empty(),
                "{at}: the block must leave the repository as it found it (write to \
                 `$(mktemp -d)` instead):\n{}{}",
                block.script,
                changed.join("\n")
            );
            ran += 1;
        }
    }
    eprintln!("readme: ran {ran} of {total} sh blocks");
}

#[test]
fn a_file_left_behind_is_seen() {
    let tmp = TempDir::new("readme-snapshot");
    std::fs::create_dir_all(tmp.join("examples")).expect("create");
    std::fs::write(tmp.join("examples/a.yaml"), "a: 1\n").expect("write");
    std::fs::create_dir_all(tmp.join("target")).expect("create");
    let before = snapshot(&tmp.0);
    assert!(changes(&before, &snapshot(&tmp.0)).is_empty());
    std::fs::write(tmp.join("hardened.yaml"), "").expect("write");
    std::fs::write(tmp.join("target/ignored"), "").expect("write");
    std::fs::write(tmp.join("examples/a.yaml"), "a: 22\n").expect("write");
    assert_eq!(
        changes(&before, &snapshot(&tmp.0)),
        ["changed examples/a.yaml", "left behind hardened.yaml"]
    );
}

#[test]
fn markers_are_read() {
    let got = blocks(
        "x\n<!-- not run: no docker -->\n```sh\ndocker ps\n```\n\n<!-- exit: 1 -->\n\n```sh\nfalse\n```\n```sh\ntrue\n```\n",
    );
    assert_eq!(got.len(), 3);
    assert_eq!(got[0].skip.as_deref(), Some("not run: no docker"));
    assert_eq!((got[1].exit, got[1].skip.is_none()), (1, true));
    assert_eq!((got[2].script.as_str(), got[2].exit), ("true\n", 0));
    // A comment that is not a marker, or text between, changes nothing.
    let got = blocks("<!-- a note -->\nsome text\n```sh\nls\n```\n");
    assert!(got[0].skip.is_none());
}
