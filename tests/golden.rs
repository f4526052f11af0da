//! Golden cases: `tests/golden/<case>/` holds `input.yaml` (a ResourceList, YAML or
//! JSON), an optional `config.yaml` (appended as its `functionConfig`), and either
//! `expected.yaml` (the exact output) and/or `expected-error.txt` (text the error must
//! contain; with a ResourceList output, the error results and exit code 1). `UPDATE_EXPECTED=1 cargo test --test golden` rewrites `expected.yaml`.
//! Every case with output is also run again on its own output, which must change nothing.

mod common;

use std::fs;
use std::path::Path;

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
            Ok(out) if harden_sa_token::exit_code(&out.results) != 1 => {
                return Err("expected exit code 1".into());
            }
            Ok(_) => {}
            Err(_) => return Ok(()),
        }
    }
    let out = result.map_err(|e| format!("unexpected error: {e}"))?;
    let expected_file = dir.join("expected.yaml");
    if std::env::var("UPDATE_EXPECTED").is_ok_and(|v| v == "1") {
        fs::write(&expected_file, &out.text).map_err(|e| e.to_string())?;
    }
    let expected = fs::read_to_string(&expected_file)
        .map_err(|e| format!("{}: {e}", expected_file.display()))?;
    if out.text != expected {
        return Err(format!(
            "output differs from expected.yaml:\n--- got ---\n{}\n--- end ---",
            out.text
        ));
    }
    let again = harden_sa_token::run(out.text.as_bytes(), harden_sa_token::Call::Plain)
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

#[test]
fn golden_cases() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let mut dirs: Vec<_> = fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    assert!(
        dirs.len() >= 10,
        "expected golden cases under {}",
        root.display()
    );
    let failures: Vec<String> = dirs
        .iter()
        .filter_map(|d| {
            run_case(d)
                .err()
                .map(|e| format!("{}: {e}", d.file_name().unwrap().to_string_lossy()))
        })
        .collect();
    eprintln!("golden: {} cases, {} failed", dirs.len(), failures.len());
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
