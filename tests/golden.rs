//! Golden cases: `tests/golden/<case>/` holds `input.yaml` (a ResourceList, YAML or
//! JSON), an optional `config.yaml` (appended as its `functionConfig`), and either
//! `expected.yaml` (the exact output) and/or `expected-error.txt` (text the error must
//! contain; with a ResourceList output, the error results and exit code 1).
//! `UPDATE_EXPECTED=1 cargo test --test golden` rewrites `expected.yaml`. Every case with
//! output is also run again on its own output, which must change nothing. Each case is a
//! test of its own (libtest-mimic, as toml_edit's test suites do): `cargo test --test
//! golden CASE` runs one.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use std::fs;
use std::path::Path;

use libtest_mimic::{Arguments, Failed, Trial};

fn run_case(dir: &Path) -> Result<(), String> {
    let mut input = fs::read_to_string(dir.join("input.yaml")).map_err(|e| e.to_string())?;
    if let Ok(config) = fs::read_to_string(dir.join("config.yaml")) {
        common::push_function_config(&mut input, &config);
    }
    let result = harden_sa_token::run(input.as_bytes(), harden_sa_token::Call::Plain);
    let error_file = dir.join("expected-error.txt");
    if error_file.exists() {
        let want = fs::read_to_string(&error_file).map_err(|e| e.to_string())?;
        let got = match &result {
            Err(e) => e.to_string(),
            Ok(out) => out
                .results
                .iter()
                .filter(|r| r.severity == harden_sa_token::Severity::Error)
                .map(|r| r.to_string())
                .collect::<Vec<_>>()
                .join("\n"),
        };
        for line in want.lines().filter(|l| !l.is_empty()) {
            if !got.contains(line) {
                return Err(format!("error {got:?} does not contain {line:?}"));
            }
        }
        match &result {
            // Resources in conflict are reported and left unchanged; the output with
            // the others hardened is checked below like any other.
            Ok(out) if out.exit_code() != 1 => {
                return Err("expected exit code 1".into());
            }
            Ok(_) => {}
            Err(_) => return Ok(()),
        }
    }
    let out = result.map_err(|e| format!("unexpected error: {e}"))?;
    let out_text = out.text.to_string();
    let expected_file = dir.join("expected.yaml");
    if std::env::var("UPDATE_EXPECTED").is_ok_and(|v| v == "1") {
        fs::write(&expected_file, &out_text).map_err(|e| e.to_string())?;
    }
    let expected = fs::read_to_string(&expected_file)
        .map_err(|e| format!("{}: {e}", expected_file.display()))?;
    if out_text != expected {
        return Err(format!(
            "output differs from expected.yaml:\n--- got ---\n{}\n--- end ---",
            out_text
        ));
    }
    let again = harden_sa_token::run(out_text.as_bytes(), harden_sa_token::Call::Plain)
        .map_err(|e| format!("second run: {e}"))?;
    if let Some(r) = again
        .results
        .iter()
        .find(|r| r.severity == harden_sa_token::Severity::Info)
    {
        return Err(format!("second run changed something: {r}"));
    }
    Ok(())
}

/// Each case directory is its own test, named after it: `cargo test --test golden
/// kind-cronjob` runs the cases whose name contains `kind-cronjob` (`-- --exact NAME`,
/// `--list`, `--skip` and the other flags of the standard harness work too).
fn main() -> std::process::ExitCode {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let mut dirs: Vec<_> = match fs::read_dir(&root) {
        Ok(entries) => entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_dir())
            .collect(),
        Err(e) => {
            eprintln!("golden: cannot read {}: {e}", root.display());
            return std::process::ExitCode::FAILURE;
        }
    };
    dirs.sort();
    if dirs.len() < 10 {
        eprintln!("golden: expected golden cases under {}", root.display());
        return std::process::ExitCode::FAILURE;
    }
    let trials = dirs
        .into_iter()
        .map(|dir| {
            let name = dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            Trial::test(name, move || run_case(&dir).map_err(Failed::from))
        })
        .collect();
    libtest_mimic::run(&Arguments::from_args(), trials).exit_code()
}
