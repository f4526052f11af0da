//! End to end with the real kpt: a package made of several corpus files (copied at test
//! time into a temporary git repository, never into this repository) is hardened with
//! `kpt fn eval DIR --exec <binary>`, and `git diff` must show only what the function
//! is allowed to do: added lines, and `automountServiceAccountToken: true` lines
//! replaced. A second run must change nothing.
//!
//! kpt reformats files itself (it unfolds long plain scalars, normalises comment
//! spacing, drops a trailing `---`, and removes blank lines between leading comment
//! blocks one per run), so the identity function `cat` is run first, until kpt's own
//! output is a fixed point, and that is committed as the baseline.
//!
//! Skipped loudly (failed under `REQUIRE_E2E=1`) without kpt, git or `../shared/corpus`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::fs;
use std::path::Path;
use std::process::Command;

use common::{TempDir, run, works};

const TEST: &str = "e2e_kpt";
const BIN: &str = common::BIN;
const PACKAGE_FILES: [&str; 4] = [
    "k8s-examples-guestbook-all-in-one.yaml",
    "argocd-install.yaml",
    "ingress-nginx-cloud-deploy.yaml",
    "istio-samples-bookinfo.yaml",
];
/// kpt needs two passes on some files (see the module docs); give it some slack.
const MAX_IDENTITY_PASSES: usize = 5;
const TOKEN_TRUE: &str = "automountServiceAccountToken: true";

/// Runs git in `dir` and returns its stdout.
fn git(dir: &Path, args: &[&str]) -> String {
    let out = run(Command::new("git").arg("-C").arg(dir).args(args));
    String::from_utf8(out.stdout).expect("git prints UTF-8")
}

/// `git diff` of the work tree against the index, plain and without any pager or tool.
fn git_diff(dir: &Path, context: &str) -> String {
    git(
        dir,
        &[
            "-c",
            "core.quotepath=off",
            "diff",
            "--no-color",
            "--no-ext-diff",
            context,
        ],
    )
}

/// `kpt fn eval DIR --exec EXEC`; returns kpt's stderr (its progress and results).
fn kpt_eval(dir: &Path, exec: &str) -> String {
    let out = run(Command::new("kpt")
        .args(["fn", "eval"])
        .arg(dir)
        .args(["--exec", exec]));
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn commit_all(dir: &Path, message: &str) {
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "--no-verify", "-m", message]);
}

/// The package's YAML files by name, with their text.
fn package_files(dir: &Path) -> BTreeMap<String, String> {
    let mut files = BTreeMap::new();
    for entry in fs::read_dir(dir).expect("read package dir") {
        let path = entry.expect("dir entry").path();
        let name = path
            .file_name()
            .and_then(OsStr::to_str)
            .expect("UTF-8 file name")
            .to_owned();
        if name.starts_with('.') || !path.is_file() {
            continue;
        }
        let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {name}: {e}"));
        files.insert(name, text);
    }
    files
}

/// Number of lines starting with `kind: ` (one per top-level document here).
fn kind_count(text: &str) -> usize {
    text.lines().filter(|l| l.starts_with("kind: ")).count()
}

/// The same files, each with the same number of documents (`kind:` lines).
fn assert_same_documents(a: &BTreeMap<String, String>, b: &BTreeMap<String, String>, who: &str) {
    assert_eq!(
        a.keys().collect::<Vec<_>>(),
        b.keys().collect::<Vec<_>>(),
        "{who} changed the file list"
    );
    for (name, text) in b {
        assert_eq!(
            a.get(name).map(|t| kind_count(t)),
            Some(kind_count(text)),
            "{who} changed the number of `kind:` lines (documents) of {name}"
        );
    }
}

/// The `automountServiceAccountToken: true` lines that are not in a ServiceAccount
/// document (the function hardens Pod templates and leaves ServiceAccounts alone), as
/// 1-based line numbers.
fn token_true_outside_service_accounts(text: &str) -> Vec<usize> {
    let mut found = Vec::new();
    let mut doc: Vec<(usize, &str)> = Vec::new();
    let mut flush = |doc: &mut Vec<(usize, &str)>| {
        let is_sa = doc
            .iter()
            .any(|(_, l)| l.trim_end() == "kind: ServiceAccount");
        if !is_sa {
            found.extend(
                doc.iter()
                    .filter(|(_, l)| l.trim() == TOKEN_TRUE)
                    .map(|(n, _)| n),
            );
        }
        doc.clear();
    };
    for (i, line) in text.lines().enumerate() {
        if line == "---" || line.starts_with("--- ") {
            flush(&mut doc);
        } else {
            doc.push((i + 1, line));
        }
    }
    flush(&mut doc);
    found
}

/// Figures of a `git diff --unified=0`: files changed, added lines, removed lines.
#[derive(Debug, Default)]
struct DiffFigures {
    files: usize,
    added: Vec<String>,
    removed: Vec<String>,
}

/// Parses a unified diff. Header lines (`--- a/x`, `+++ b/x`) are only recognised
/// before a file's first hunk, so a removed YAML `---` separator (`----`) still counts.
fn parse_diff(diff: &str) -> DiffFigures {
    let mut figures = DiffFigures::default();
    let mut in_hunks = false;
    for line in diff.lines() {
        if line.starts_with("diff --git ") {
            figures.files += 1;
            in_hunks = false;
        } else if line.starts_with("@@") {
            in_hunks = true;
        } else if !in_hunks {
            // index, mode, ---/+++ headers, "Binary files ..."
        } else if let Some(added) = line.strip_prefix('+') {
            figures.added.push(added.to_owned());
        } else if let Some(removed) = line.strip_prefix('-') {
            figures.removed.push(removed.to_owned());
        }
    }
    figures
}

#[test]
fn kpt_fn_eval_only_adds_lines_and_is_idempotent() {
    if !works("kpt", &["version"]) {
        return common::skip(TEST, "`kpt version` does not run (kpt not on PATH)");
    }
    if !works("git", &["--version"]) {
        return common::skip(TEST, "`git --version` does not run (git not on PATH)");
    }
    let Some(shared) = common::shared_dir() else {
        return common::skip(TEST, "../shared/corpus is not there");
    };
    let corpus = shared.join("corpus");
    let sources: Vec<&str> = PACKAGE_FILES
        .into_iter()
        .filter(|f| corpus.join(f).is_file())
        .collect();
    if sources.is_empty() {
        return common::skip(TEST, "none of the package files is in ../shared/corpus");
    }

    let tmp = TempDir::new(TEST);
    let dir = tmp.0.join("package");
    fs::create_dir(&dir).expect("create package dir");
    git(&dir, &["init", "-q"]);
    git(&dir, &["config", "user.email", "e2e@example.invalid"]);
    git(&dir, &["config", "user.name", "e2e test"]);
    git(&dir, &["config", "commit.gpgsign", "false"]);
    for file in &sources {
        fs::copy(corpus.join(file), dir.join(file)).unwrap_or_else(|e| panic!("copy {file}: {e}"));
    }
    commit_all(&dir, "corpus files as published");
    let original = package_files(&dir);

    // kpt's own reformatting, until it no longer changes anything.
    let mut passes = 0;
    loop {
        assert!(
            passes < MAX_IDENTITY_PASSES,
            "kpt's identity output did not settle after {MAX_IDENTITY_PASSES} passes:\n{}",
            git_diff(&dir, "--unified=0")
        );
        passes += 1;
        kpt_eval(&dir, "cat");
        if git(&dir, &["status", "--porcelain"]).trim().is_empty() {
            break;
        }
        commit_all(&dir, &format!("kpt identity pass {passes}"));
    }
    let before = package_files(&dir);
    assert_same_documents(&original, &before, "kpt's identity function");
    let expected_removed: usize = before
        .values()
        .map(|t| token_true_outside_service_accounts(t).len())
        .sum();

    // The function, through kpt.
    let results = kpt_eval(&dir, BIN);
    let diff = git_diff(&dir, "--unified=0");
    let figures = parse_diff(&diff);
    eprintln!(
        "{TEST}: {} package files ({}); kpt identity passes until stable: {passes}",
        sources.len(),
        sources.join(", ")
    );
    eprintln!(
        "{TEST}: first run: {} files changed, {} lines added, {} lines removed",
        figures.files,
        figures.added.len(),
        figures.removed.len()
    );
    assert!(
        !figures.added.is_empty(),
        "the function added nothing; kpt said:\n{results}"
    );
    let bad_removals: Vec<&String> = figures
        .removed
        .iter()
        .filter(|l| l.trim() != TOKEN_TRUE)
        .collect();
    assert!(
        bad_removals.is_empty(),
        "lines removed other than `{TOKEN_TRUE}`: {bad_removals:#?}\n{diff}"
    );
    assert_eq!(
        figures.removed.len(),
        expected_removed,
        "every `{TOKEN_TRUE}` outside ServiceAccounts is replaced, and nothing else\n{diff}"
    );

    let after = package_files(&dir);
    assert_same_documents(&before, &after, "the function");
    for (name, text) in &after {
        let left = token_true_outside_service_accounts(text);
        assert!(
            left.is_empty(),
            "{name}: `{TOKEN_TRUE}` left outside ServiceAccounts at lines {left:?}"
        );
    }
    let sa_left: usize = after
        .values()
        .map(|t| t.lines().filter(|l| l.trim() == TOKEN_TRUE).count())
        .sum();
    eprintln!("{TEST}: `{TOKEN_TRUE}` kept on ServiceAccounts (not Pod templates): {sa_left}");

    // Idempotence: a second run changes nothing.
    git(&dir, &["add", "-A"]);
    let results = kpt_eval(&dir, BIN);
    let second = git_diff(&dir, "--unified=3");
    assert!(
        second.is_empty(),
        "the second run changed the package; kpt said:\n{results}\n{second}"
    );
    eprintln!("{TEST}: second run: no change");
}

#[test]
fn diff_parser_counts_removed_separators() {
    let diff = "diff --git a/x.yaml b/x.yaml\nindex 1..2 100644\n--- a/x.yaml\n+++ b/x.yaml\n\
                @@ -1,2 +1,2 @@\n----\n-  a: true\n+  a: false\n+++x\n";
    let f = parse_diff(diff);
    assert_eq!(f.files, 1);
    assert_eq!(f.removed, ["---", "  a: true"]);
    assert_eq!(f.added, ["  a: false", "++x"]);
}

#[test]
fn token_true_in_service_accounts_is_allowed() {
    let text = "apiVersion: v1\nautomountServiceAccountToken: true\nkind: ServiceAccount\n---\n\
                kind: Pod\nspec:\n  automountServiceAccountToken: true\n";
    assert_eq!(token_true_outside_service_accounts(text), [7]);
}
