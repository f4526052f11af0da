//! End to end with kubectl's embedded kustomize and the function as a legacy exec
//! plugin, installed where the README says, on the example application
//! `examples/integrations/kustomize-plugin/`:
//! `KUSTOMIZE_PLUGIN_HOME=DIR kubectl kustomize --enable-alpha-plugins APP`.
//!
//! The build must equal kustomize's own rendering of what the stream protocol makes of
//! the plain build with the same config, so the plugin changes exactly what the
//! function changes. An empty application still builds (kustomize calls the plugin
//! with empty stdin), and a bad config fails the build with the function's message.
//!
//! Skipped loudly (failed under `REQUIRE_E2E=1`) without kubectl.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use common::{TempDir, copy_dir, harden, output, repo_path, stderr, stdout, works};

const TEST: &str = "e2e_kustomize";

fn kubectl_kustomize(plugin_home: &Path, app: &Path) -> Output {
    output(
        Command::new("kubectl")
            .args(["kustomize", "--enable-alpha-plugins"])
            .arg(app)
            .env("KUSTOMIZE_PLUGIN_HOME", plugin_home),
    )
}

fn built(out: &Output, what: &str) -> String {
    assert!(
        out.status.success(),
        "{what}: kubectl kustomize failed ({}):\n{}",
        out.status,
        stderr(out)
    );
    stdout(out)
}

/// An application of the given files.
fn app(dir: &Path, files: &[(&str, &str)]) {
    fs::create_dir_all(dir).expect("create app");
    for (name, text) in files {
        fs::write(dir.join(name), text).expect("write app file");
    }
}

#[test]
fn kubectl_kustomize_runs_the_legacy_exec_plugin() {
    if !works("kubectl", &["version", "--client"]) {
        return common::skip(TEST, "`kubectl version --client` does not run");
    }
    let tmp = TempDir::new(TEST);
    // install -D harden-sa-token $KUSTOMIZE_PLUGIN_HOME/fn.harden-sa-token.dev/...
    let home = tmp.join("plugins");
    common::install_kustomize_plugin(&home);

    let example = tmp.join("kustomize-plugin");
    copy_dir(
        &repo_path("examples/integrations/kustomize-plugin"),
        &example,
    );
    let out = kubectl_kustomize(&home, &example);
    let got = built(&out, "the example");

    // The same, by hand: the plain build, hardened as a stream, rendered by kustomize.
    let deployment = fs::read_to_string(example.join("deployment.yaml")).expect("read");
    let plain = tmp.join("plain");
    app(
        &plain,
        &[
            ("kustomization.yaml", "resources:\n- deployment.yaml\n"),
            ("deployment.yaml", &deployment),
        ],
    );
    let plain = built(&kubectl_kustomize(&home, &plain), "the plain build");
    let config = example.join("harden.yaml");
    let hardened = harden(
        &["--config", config.to_str().expect("UTF-8 path")],
        plain.as_bytes(),
    );
    assert!(hardened.status.success(), "{}", stderr(&hardened));
    let by_hand = tmp.join("by-hand");
    app(
        &by_hand,
        &[
            ("kustomization.yaml", "resources:\n- hardened.yaml\n"),
            ("hardened.yaml", &stdout(&hardened)),
        ],
    );
    let want = built(&kubectl_kustomize(&home, &by_hand), "the hardened build");
    assert_eq!(got, want);
    assert!(got.contains("automountServiceAccountToken: false"), "{got}");
    assert!(got.contains("expirationSeconds: 7200"), "{got}");
    assert_eq!(
        got.matches("mountPath: /var/run/secrets/kubernetes.io/serviceaccount")
            .count(),
        1,
        "log-shipper is excluded by harden.yaml:\n{got}"
    );

    // No resources: kustomize still calls the plugin, with empty stdin.
    let harden_yaml = fs::read_to_string(&config).expect("read harden.yaml");
    let empty = tmp.join("empty");
    app(
        &empty,
        &[
            ("kustomization.yaml", "transformers:\n- harden.yaml\n"),
            ("harden.yaml", &harden_yaml),
        ],
    );
    let out = kubectl_kustomize(&home, &empty);
    assert_eq!(built(&out, "the empty application"), "");

    // A bad config fails the build, naming the field.
    let bad = tmp.join("bad");
    copy_dir(&example, &bad);
    fs::write(
        bad.join("harden.yaml"),
        harden_yaml.replace("expirationSeconds: 7200", "expirationSeconds: 60"),
    )
    .expect("write bad config");
    let out = kubectl_kustomize(&home, &bad);
    assert!(!out.status.success(), "a bad config must fail the build");
    assert!(
        stderr(&out).contains("spec.expirationSeconds"),
        "{}",
        stderr(&out)
    );
}
