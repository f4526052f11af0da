//! The pre-commit hooks of `.pre-commit-hooks.yaml`, with the real `pre-commit` (from
//! PyPI, in `.venv/`) on a temporary Git repository of manifests: `pre-commit try-repo`
//! installs the hooks from a clone of this repository as a user's `repo:` entry would,
//! then `check` fails on what is not hardened, `fix` hardens it (and fails the commit, as
//! pre-commit does when a hook changes files), and `check` passes afterwards.
//!
//! For the hooks' `language: rust`, pre-commit runs `cargo install --bins --root ENV
//! --path .` in its clone, a release build of the whole crate in a new directory every
//! time (minutes). A `cargo` first on `PATH` takes that one command: it checks that the
//! clone is this crate (the same `Cargo.toml`) and installs the binary cargo already
//! built for the tests; every other cargo command goes to the real cargo. `cargo install
//! --path .` itself is what `make static` runs for the image.
//!
//! Skipped loudly (failed under `REQUIRE_E2E=1`) without pre-commit or git.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use common::{BIN, DEPLOYMENT, TempDir, output, repo_path, stderr, stdout, works};

const TEST: &str = "e2e_precommit";

fn pre_commit(repo: &Path, home: &Path, hook: &str) -> Output {
    output(
        Command::new(repo_path(".venv/bin/pre-commit"))
            .args(["try-repo", "--all-files"])
            .arg(repo_path(""))
            .arg(hook)
            .current_dir(repo)
            .env("PRE_COMMIT_HOME", home)
            .env("PATH", cargo_shim(home))
            .env_remove("GITHUB_ACTIONS"),
    )
}

/// `PATH` with a `cargo` first that installs the binary under test for pre-commit's
/// `cargo install --bins --root ENV --path .` (see the module doc).
fn cargo_shim(home: &Path) -> std::ffi::OsString {
    let real =
        String::from_utf8(output(Command::new("sh").args(["-c", "command -v cargo"])).stdout)
            .expect("UTF-8 cargo path");
    let manifest = repo_path("Cargo.toml");
    let script = format!(
        "#!/bin/sh\n\
         set -eu\n\
         if [ \"$#\" -ne 6 ] || [ \"$1 $2 $3 $5 $6\" != 'install --bins --root --path .' ]; then\n\
         \x20 exec '{real}' \"$@\"\n\
         fi\n\
         cmp -s Cargo.toml '{manifest}' || {{ echo \"cargo shim: $PWD is not this crate\" >&2; exit 1; }}\n\
         mkdir -p \"$4/bin\"\n\
         cp '{BIN}' \"$4/bin/harden-sa-token\"\n",
        real = real.trim(),
        manifest = manifest.display(),
    );
    common::shim(
        &home.join("cargo-shim"),
        "cargo",
        &script,
        &std::env::var_os("PATH").unwrap_or_default(),
    )
}

#[test]
fn pre_commit_runs_the_check_and_fix_hooks() {
    if !works(
        repo_path(".venv/bin/pre-commit")
            .to_str()
            .expect("UTF-8 path"),
        &["--version"],
    ) {
        return common::skip(
            TEST,
            "`.venv/bin/pre-commit` does not run (`make test` installs it from PyPI)",
        );
    }
    if !works("git", &["--version"]) {
        return common::skip(TEST, "git does not run");
    }
    let tmp = TempDir::new(TEST);
    let repo = tmp.join("repo");
    let home = tmp.join("pre-commit-home");
    fs::create_dir_all(repo.join("k8s")).expect("create repo");
    fs::write(repo.join("k8s/web.yaml"), DEPLOYMENT).expect("write manifest");
    fs::write(repo.join("k8s/values.yaml"), "replicas: 2\n").expect("write values");
    let git = |args: &[&str]| {
        let out = output(Command::new("git").args(args).current_dir(&repo));
        assert!(out.status.success(), "git {args:?}: {}", stderr(&out));
    };
    git(&["init", "-q"]);
    git(&["add", "-A"]);

    let check = pre_commit(&repo, &home, "harden-sa-token-check");
    let shown = format!("{}{}", stdout(&check), stderr(&check));
    assert_eq!(check.status.code(), Some(1), "{shown}");
    assert!(
        shown.contains(
            "k8s/web.yaml:8:7: error: apps/v1/Deployment/web spec.template.spec: not hardened"
        ),
        "{shown}"
    );
    assert_eq!(
        fs::read_to_string(repo.join("k8s/web.yaml")).expect("read"),
        DEPLOYMENT,
        "check writes nothing"
    );

    let fix = pre_commit(&repo, &home, "harden-sa-token-fix");
    let shown = format!("{}{}", stdout(&fix), stderr(&fix));
    // pre-commit fails a hook that changed files, so that the change is reviewed.
    assert_eq!(fix.status.code(), Some(1), "{shown}");
    assert!(
        shown.contains("files were modified by this hook"),
        "{shown}"
    );
    let hardened = fs::read_to_string(repo.join("k8s/web.yaml")).expect("read");
    assert!(
        hardened.contains("automountServiceAccountToken: false"),
        "{hardened}"
    );
    assert_eq!(
        fs::read_to_string(repo.join("k8s/values.yaml")).expect("read"),
        "replicas: 2\n"
    );

    git(&["add", "-A"]);
    let again = pre_commit(&repo, &home, "harden-sa-token-check");
    assert!(
        again.status.success(),
        "{}{}",
        stdout(&again),
        stderr(&again)
    );
}
