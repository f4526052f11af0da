//! Independent checks on the whole corpus: every file of `../shared/corpus/` is hardened
//! by the binary in stream mode (as Helm and pipes run it), and then
//! - `kubernetes-validate --strict` against the Kubernetes 1.30 schemas finds no
//!   resource that the function made invalid: what passed before passes after, and what
//!   failed before (an upstream file's own mistake) fails the same way;
//! - `checkov --check CKV_K8S_38` ("service-account tokens only where needed") fails on
//!   the corpus as it is and passes on every workload afterwards.
//!
//! Both tools come from PyPI into `.venv/` (`scripts/setup-validators.sh`, run by `make
//! test`); without them the test says SKIPPED, and fails under `REQUIRE_E2E=1`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::TempDir;

const TEST: &str = "validators";

/// A validator from `.venv/bin`, else from `PATH`.
fn tool(name: &str) -> Option<PathBuf> {
    let venv = common::repo_path(".venv/bin").join(name);
    if venv.is_file() {
        return Some(venv);
    }
    common::works(name, &["--version"]).then(|| PathBuf::from(name))
}

/// Hardens every corpus file with the binary, writing `before/NAME` and `after/NAME`.
fn harden_corpus(corpus: &[PathBuf], tmp: &TempDir) -> usize {
    let (before, after) = (tmp.join("before"), tmp.join("after"));
    fs::create_dir_all(&before).unwrap();
    fs::create_dir_all(&after).unwrap();
    for path in corpus {
        let name = path.file_name().unwrap().to_owned();
        let input = fs::read(path).unwrap();
        let out = common::harden(&[], &input);
        assert!(
            out.status.success(),
            "{}: {}",
            path.display(),
            common::stderr(&out)
        );
        fs::write(before.join(&name), &input).unwrap();
        fs::write(after.join(&name), &out.stdout).unwrap();
    }
    corpus.len()
}

/// `kubernetes-validate --strict -k 1.30.0` over every file of `dir`: for each
/// `file resource`, `Ok(())` when it passed, `Err(reason)` when it did not. Resources
/// without a 1.30 schema (custom resources, removed API versions) are not listed.
fn validate(tool: &Path, dir: &Path) -> BTreeMap<String, Result<(), String>> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let out = Command::new(tool)
        .args(["--strict", "-k", "1.30.0"])
        .args(&files)
        .output()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", tool.display()));
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    let mut found = BTreeMap::new();
    for line in text.lines() {
        // "INFO DIR/F passed for resource KIND/NAME against version 1.30"
        // "ERROR DIR/F did not validate for resource KIND/NAME against version 1.30: WHY"
        let file_and_rest = |prefix: &str| {
            line.strip_prefix(prefix).map(|rest| {
                let rest = rest
                    .strip_prefix(dir.to_str().unwrap_or_default())
                    .unwrap_or(rest);
                rest.trim_start_matches('/').to_owned()
            })
        };
        if let Some(rest) = file_and_rest("INFO ") {
            if let Some((file, resource)) = rest.split_once(" passed for resource ") {
                let resource = resource.split(" against").next().unwrap_or_default();
                found.insert(format!("{file} {resource}"), Ok(()));
            }
        } else if let Some(rest) = file_and_rest("ERROR ") {
            if let Some((file, resource)) = rest.split_once(" did not validate for resource ") {
                let (resource, why) = resource.split_once(" against").unwrap_or((resource, ""));
                found.insert(format!("{file} {resource}"), Err(why.to_owned()));
            }
        }
    }
    assert!(
        !found.is_empty(),
        "kubernetes-validate printed no verdicts:\n{text}"
    );
    found
}

/// checkov's CKV_K8S_38 over `dir`: (passed, failed).
fn checkov(tool: &Path, dir: &Path) -> (usize, usize) {
    let out = Command::new(tool)
        .arg("-d")
        .arg(dir)
        .args([
            "--framework",
            "kubernetes",
            "--check",
            "CKV_K8S_38",
            "--compact",
            "--skip-download",
        ])
        .output()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", tool.display()));
    let text = String::from_utf8_lossy(&out.stdout);
    let count = |label: &str| -> usize {
        text.lines()
            .find_map(|l| l.split_once(label).map(|(_, r)| r))
            .and_then(|r| r.split(',').next())
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or_else(|| panic!("checkov printed no {label:?}:\n{text}"))
    };
    (count("Passed checks:"), count("Failed checks:"))
}

#[test]
fn hardened_corpus_passes_kubernetes_validate_and_checkov() {
    let Some(corpus) = common::corpus_files() else {
        common::skip(TEST, "../shared/corpus is not beside the repository");
        return;
    };
    let (Some(validate_tool), Some(checkov_tool)) = (tool("kubernetes-validate"), tool("checkov"))
    else {
        common::skip(
            TEST,
            "kubernetes-validate or checkov is missing (make test installs them into .venv/)",
        );
        return;
    };
    let tmp = TempDir::new(TEST);
    let files = harden_corpus(&corpus, &tmp);

    // The four runs are independent and each is mostly one busy Python process.
    let (before_dir, after_dir) = (tmp.join("before"), tmp.join("after"));
    let (before, after, (passed_before, failed_before), (passed_after, failed_after)) =
        std::thread::scope(|s| {
            let before = s.spawn(|| validate(&validate_tool, &before_dir));
            let after = s.spawn(|| validate(&validate_tool, &after_dir));
            let checkov_before = s.spawn(|| checkov(&checkov_tool, &before_dir));
            let checkov_after = s.spawn(|| checkov(&checkov_tool, &after_dir));
            (
                before.join().expect("kubernetes-validate runs"),
                after.join().expect("kubernetes-validate runs"),
                checkov_before.join().expect("checkov runs"),
                checkov_after.join().expect("checkov runs"),
            )
        });
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>(),
        "the same resources are validated before and after"
    );
    let mut upstream_mistakes = Vec::new();
    for (resource, verdict) in &after {
        match (&before[resource], verdict) {
            (Ok(()), Ok(())) => {}
            (Err(was), Err(is)) if was == is => upstream_mistakes.push(resource.clone()),
            (was, is) => panic!("{resource}: {was:?} before hardening, {is:?} after"),
        }
    }
    let passed = after.values().filter(|v| v.is_ok()).count();

    eprintln!(
        "validators: {files} files; kubernetes-validate --strict 1.30: {passed} resources pass after hardening, \
         {} fail before and after the same way ({upstream_mistakes:?}); \
         checkov CKV_K8S_38: {passed_before} passed / {failed_before} failed before, {passed_after} passed / {failed_after} failed after",
        upstream_mistakes.len()
    );
    assert!(
        failed_before > 0,
        "checkov must fail on the corpus as it is"
    );
    assert_eq!(failed_after, 0, "checkov CKV_K8S_38 fails after hardening");
    assert_eq!(passed_after, passed_before + failed_before);
}
