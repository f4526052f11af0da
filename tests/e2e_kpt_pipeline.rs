//! End to end with the real kpt, the way the README shows it: `kpt fn render
//! --allow-exec` on the example packages of `examples/integrations/` (the function as a
//! Kptfile mutator with its settings in `configMap:`, and as a validator in audit mode),
//! and `kpt fn eval --exec` with `--fn-config` and with `-- key=value`.
//!
//! Each run is checked against the stream protocol on the same files with the same
//! settings: kpt must write exactly what `harden-sa-token --config` prints, so the
//! ResourceList and stream protocols agree byte for byte, and kpt adds nothing.
//! The example files are in kpt's own formatting; other packages first get one pass of
//! the identity function `cat` so that kpt's reformatting stays out of the comparison.
//!
//! `harden-sa-token` is found on `PATH`, as a user who installed it would have it.
//! Skipped loudly (failed under `REQUIRE_E2E=1`) without kpt.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use common::{TempDir, copy_dir, output, path_with_bin, repo_path, stderr, works};
use harden_sa_token::yaml::Document;

/// kpt, with the function on PATH, in `cwd`.
fn kpt(cwd: &Path, args: &[&str]) -> Output {
    output(
        Command::new("kpt")
            .args(args)
            .current_dir(cwd)
            .env("PATH", path_with_bin()),
    )
}

fn kpt_ok(cwd: &Path, args: &[&str]) -> String {
    let out = kpt(cwd, args);
    assert!(
        out.status.success(),
        "kpt {args:?} failed ({}):\n{}",
        out.status,
        stderr(&out)
    );
    stderr(&out)
}

fn have_kpt(test: &str) -> bool {
    let ok = works("kpt", &["version"]);
    if !ok {
        common::skip(test, "`kpt version` does not run (kpt not on PATH)");
    }
    ok
}

/// The package's files by name (Kptfile included).
fn files(dir: &Path) -> BTreeMap<String, String> {
    fs::read_dir(dir)
        .expect("read package")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_file())
        .map(|p| {
            let name = p.file_name().expect("name").to_string_lossy().into_owned();
            (name, fs::read_to_string(&p).expect("read file"))
        })
        .collect()
}

/// What the stream protocol makes of each YAML file of `before` with `config`.
fn expected(before: &BTreeMap<String, String>, config: &str) -> BTreeMap<String, String> {
    let tmp = TempDir::new("kpt-pipeline-config");
    let config_path = tmp.join("config.yaml");
    fs::write(&config_path, config).expect("write config");
    let config_path = config_path.to_str().expect("UTF-8 path");
    before
        .iter()
        .map(|(name, text)| {
            if name == "Kptfile" || !name.ends_with(".yaml") {
                return (name.clone(), text.clone());
            }
            let out = common::harden(&["--config", config_path], text.as_bytes());
            assert!(out.status.success(), "{name}: {}", stderr(&out));
            (name.clone(), common::stdout(&out))
        })
        .collect()
}

/// A ConfigMap with `data` from `key=value` pairs, as kpt builds it.
fn config_map(pairs: &[(&str, &str)]) -> String {
    let mut text =
        String::from("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: function-input\ndata:\n");
    for (k, v) in pairs {
        text.push_str(&format!("  {k}: {v:?}\n"));
    }
    text
}

/// The `configMap:` of the Kptfile's first `section` step, as `key=value` pairs.
fn kptfile_config(kptfile: &str, section: &str) -> Vec<(String, String)> {
    let docs = Document::parse(kptfile).expect("Kptfile parses");
    let step = docs
        .roots()
        .first()
        .and_then(|d| d.get("pipeline"))
        .and_then(|p| p.get(section))
        .and_then(|s| s.items())
        .and_then(|s| s.first())
        .expect("a pipeline step");
    assert_eq!(step.get_str("exec"), Some("harden-sa-token"));
    step.get("configMap")
        .and_then(|c| c.entries())
        .expect("configMap")
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().expect("key").to_owned(),
                v.as_str().expect("value").to_owned(),
            )
        })
        .collect()
}

fn as_refs(pairs: &[(String, String)]) -> Vec<(&str, &str)> {
    pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

#[test]
fn kpt_fn_render_runs_the_kptfile_mutator() {
    const TEST: &str = "kpt_fn_render_runs_the_kptfile_mutator";
    if !have_kpt(TEST) {
        return;
    }
    let tmp = TempDir::new("kpt-render");
    let pkg = tmp.join("kpt-render");
    copy_dir(&repo_path("examples/integrations/kpt-render"), &pkg);
    let before = files(&pkg);
    let settings = kptfile_config(&before["Kptfile"], "mutators");
    assert!(!settings.is_empty());

    // kpt fn render examples/integrations/kpt-render --allow-exec
    let said = kpt_ok(&tmp.0, &["fn", "render", "kpt-render", "--allow-exec"]);
    assert!(said.contains("[PASS] \"harden-sa-token\""), "{said}");
    let after = files(&pkg);
    assert_eq!(after, expected(&before, &config_map(&as_refs(&settings))));
    assert_ne!(after, before, "the render hardened nothing");

    // kpt re-runs the pipeline over its own output on every render.
    kpt_ok(&tmp.0, &["fn", "render", "kpt-render", "--allow-exec"]);
    assert_eq!(files(&pkg), after, "a second render changed the package");

    // Without --allow-exec, kpt refuses to run the function.
    let out = kpt(&tmp.0, &["fn", "render", "kpt-render"]);
    assert!(!out.status.success());
}

#[test]
fn kpt_fn_render_runs_the_kptfile_validator_in_audit_mode() {
    const TEST: &str = "kpt_fn_render_runs_the_kptfile_validator_in_audit_mode";
    if !have_kpt(TEST) {
        return;
    }
    let tmp = TempDir::new("kpt-validate");
    let pkg = tmp.join("kpt-validate");
    copy_dir(&repo_path("examples/integrations/kpt-validate"), &pkg);
    let validator = fs::read_to_string(pkg.join("Kptfile")).expect("read Kptfile");
    let mutator = fs::read_to_string(repo_path("examples/integrations/kpt-render/Kptfile"))
        .expect("read the mutator Kptfile");
    let audit = kptfile_config(&validator, "validators");
    assert!(audit.iter().any(|(k, v)| k == "mode" && v == "audit"));
    let enforce: Vec<_> = audit.iter().filter(|(k, _)| k != "mode").cloned().collect();
    assert_eq!(
        enforce,
        kptfile_config(&mutator, "mutators"),
        "the validator checks the settings the mutator applies"
    );
    let unhardened = files(&pkg);

    // kpt fn render examples/integrations/kpt-validate --allow-exec: fails, naming the
    // Pod template that is not hardened, and changes nothing.
    let out = kpt(&tmp.0, &["fn", "render", "kpt-validate", "--allow-exec"]);
    let said = stderr(&out);
    assert!(
        !out.status.success(),
        "the gate passed an unhardened package:\n{said}"
    );
    assert!(
        said.contains("[error] apps/v1/Deployment/shop/web"),
        "no error result for the Deployment:\n{said}"
    );
    assert_eq!(files(&pkg), unhardened);

    // The mutator hardens the package ...
    fs::write(pkg.join("Kptfile"), &mutator).expect("write Kptfile");
    kpt_ok(&tmp.0, &["fn", "render", "kpt-validate", "--allow-exec"]);
    fs::write(pkg.join("Kptfile"), &validator).expect("write Kptfile");
    let hardened = files(&pkg);
    assert_ne!(hardened, unhardened);

    // ... and then the gate passes, still changing nothing.
    let said = kpt_ok(&tmp.0, &["fn", "render", "kpt-validate", "--allow-exec"]);
    assert!(said.contains("[PASS] \"harden-sa-token\""), "{said}");
    assert_eq!(files(&pkg), hardened);
}

#[test]
fn kpt_fn_eval_takes_fn_config_and_key_values() {
    const TEST: &str = "kpt_fn_eval_takes_fn_config_and_key_values";
    if !have_kpt(TEST) {
        return;
    }
    let typed = repo_path("function-config/examples/typed.yaml");
    let typed_text = fs::read_to_string(&typed).expect("read typed.yaml");
    let pairs = [
        ("expirationSeconds", "7200"),
        ("excludeContainers", "linkerd-proxy"),
    ];
    let key_values: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let typed = typed.to_str().expect("UTF-8 path");

    // kpt fn eval ./my-package --exec harden-sa-token --fn-config function-config/examples/typed.yaml
    // kpt fn eval ./my-package --exec harden-sa-token -- expirationSeconds=7200 excludeContainers=linkerd-proxy
    let cases = [
        ("--fn-config", vec!["--fn-config", typed], typed_text),
        (
            "-- key=value",
            std::iter::once("--")
                .chain(key_values.iter().map(String::as_str))
                .collect(),
            config_map(&pairs),
        ),
    ];
    for (how, extra, config) in &cases {
        let tmp = TempDir::new("kpt-eval");
        let pkg = tmp.join("my-package");
        copy_dir(&repo_path("examples/package"), &pkg);
        // kpt's own formatting first (see the module docs).
        kpt_ok(&tmp.0, &["fn", "eval", "my-package", "--exec", "cat"]);
        let before = files(&pkg);
        let mut args = vec!["fn", "eval", "my-package", "--exec", "harden-sa-token"];
        args.extend(extra);
        kpt_ok(&tmp.0, &args);
        let after = files(&pkg);
        assert_ne!(after, before, "{how}: nothing was hardened");
        assert_eq!(after, expected(&before, config), "{how}");
    }
}

#[test]
fn kpt_fn_source_pipe_sink() {
    const TEST: &str = "kpt_fn_source_pipe_sink";
    if !have_kpt(TEST) {
        return;
    }
    let tmp = TempDir::new("kpt-pipe");
    copy_dir(&repo_path("examples/package"), &tmp.join("my-package"));
    kpt_ok(&tmp.0, &["fn", "eval", "my-package", "--exec", "cat"]);
    copy_dir(&tmp.join("my-package"), &tmp.join("by-eval"));
    // kpt fn source my-package | harden-sa-token | kpt fn sink hardened
    let out = output(
        Command::new("bash")
            .args([
                "-c",
                "set -o pipefail; kpt fn source my-package | harden-sa-token | kpt fn sink hardened",
            ])
            .current_dir(&tmp.0)
            .env("PATH", path_with_bin()),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    kpt_ok(
        &tmp.0,
        &["fn", "eval", "by-eval", "--exec", "harden-sa-token"],
    );
    // kpt fn source reads only the KRM files (no README.md).
    let yaml = |dir: &str| -> BTreeMap<String, String> {
        files(&tmp.join(dir))
            .into_iter()
            .filter(|(name, _)| name.ends_with(".yaml"))
            .collect()
    };
    let piped = yaml("hardened");
    assert_ne!(piped, yaml("my-package"));
    assert_eq!(piped, yaml("by-eval"));
}
