//! What a new user meets first, through the binary, compared in full so that a doubled
//! or garbled message fails: config errors once, at the key or the value, in plain
//! words, with a suggestion for a near miss; a manifest given where a config is
//! expected; a stream that holds no object; the summary and `--verbose`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use std::fs;

use common::{TempDir, harden, stderr, stdout};

const DEPLOYMENT: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: web\n        image: nginx\n";

/// The config `spec`, as a file of the typed form.
fn typed(spec: &str) -> String {
    format!(
        "apiVersion: fn.harden-sa-token.dev/v1alpha1\nkind: HardenServiceAccountToken\nmetadata:\n  name: harden\nspec:\n{spec}"
    )
}

/// Runs the binary with `--config FILE` holding `config` on the Deployment; its exit
/// code and stderr.
fn with_config(tmp: &TempDir, config: &str) -> (Option<i32>, String) {
    let path = tmp.join("harden.yaml");
    fs::write(&path, config).expect("write config");
    let out = harden(
        &["--config", path.to_str().expect("UTF-8")],
        DEPLOYMENT.as_bytes(),
    );
    assert!(out.stdout.is_empty(), "nothing on stdout on error");
    (
        out.status.code(),
        stderr(&out).replace(path.to_str().expect("UTF-8"), "harden.yaml"),
    )
}

#[test]
fn config_errors_are_printed_once_at_the_right_place_in_plain_words() {
    let tmp = TempDir::new("first-hour-config");
    let cases = [
        (
            typed("  expirySeconds: 3600\n"),
            "harden-sa-token: config file harden.yaml: functionConfig field `spec.expirySeconds` (line 6, column 3): unknown field `expirySeconds` (did you mean `expirationSeconds`?); allowed: mode, expirationSeconds, audience, volumeName, mountPath, caConfigMap, defaultMode, namespaceFile, platform, targets, exclude, containers, rules, rbac, serviceAccounts, podSpecPaths\n",
        ),
        (
            typed("  expirationSeconds: 60\n"),
            "harden-sa-token: config file harden.yaml: functionConfig field `spec.expirationSeconds` (line 6, column 22): 60 is not allowed; allowed: 600 to 4294967296 (2^32)\n",
        ),
        (
            typed("  expirationSeconds: 1h\n"),
            "harden-sa-token: config file harden.yaml: functionConfig field `spec.expirationSeconds` (line 6, column 22): expects a number of seconds, got the string \"1h\"\n",
        ),
        (
            typed("  mode: audt\n"),
            "harden-sa-token: config file harden.yaml: functionConfig field `spec.mode` (line 6, column 9): \"audt\" is not allowed; allowed: enforce or audit (did you mean `audit`?)\n",
        ),
        (
            "apiVersion: example.com/v1\nkind: Harden\n".to_owned(),
            "harden-sa-token: config file harden.yaml: functionConfig of kind \"Harden\" (apiVersion \"example.com/v1\") is not supported; use apiVersion fn.harden-sa-token.dev/v1alpha1 kind HardenServiceAccountToken, or a v1 ConfigMap\n",
        ),
        (
            "apiVersion: v1\nkind: ConfigMap\ndata:\n  excludeContainer: linkerd-proxy\n"
                .to_owned(),
            "harden-sa-token: config file harden.yaml: functionConfig field `data.excludeContainer` (line 4, column 3): unknown key `excludeContainer` (did you mean `excludeContainers`?); allowed: mode, expirationSeconds, audience, volumeName, mountPath, caConfigMap, defaultMode, namespaceFile, platform, containers, excludeContainers, initContainers, rbac, serviceAccounts\n",
        ),
        (
            "apiVersion: v1\n\tkind: ConfigMap\n".to_owned(),
            "harden-sa-token: config file harden.yaml: not valid YAML: line 2, column 1: while scanning a plain scalar, found a tab\n",
        ),
    ];
    for (config, want) in cases {
        assert_eq!(
            with_config(&tmp, &config),
            (Some(1), want.to_owned()),
            "{config}"
        );
    }
}

#[test]
fn a_manifest_given_as_the_config_says_how_to_harden_it() {
    let tmp = TempDir::new("first-hour-manifest");
    let path = tmp.join("manifest.yaml");
    fs::write(&path, DEPLOYMENT).expect("write manifest");
    let path = path.to_str().expect("UTF-8");
    let out = harden(&[path], b"");
    assert_eq!(out.status.code(), Some(2), "a usage error");
    assert!(out.stdout.is_empty());
    assert_eq!(
        stderr(&out),
        format!(
            "harden-sa-token: {path} holds Kubernetes objects (Deployment web), not a harden-sa-token config. To harden it, send it on stdin: `harden-sa-token < {path} > hardened.yaml`, or edit it in place: `harden-sa-token fix {path}` (`harden-sa-token check {path}` only reports). A file given alone is read as a kustomize plugin's config.\n"
        )
    );
}

#[test]
fn a_stream_without_objects_is_an_error() {
    let page = "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\n<body>Bad gateway</body></html>\n";
    let out = harden(&[], page.as_bytes());
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert_eq!(
        stderr(&out),
        "harden-sa-token: stdin holds no Kubernetes object: document 1 (line 1) is the text \"<!DOCTYPE html> <html><head><title>502 B...\"; expected a YAML stream of Kubernetes objects or a ResourceList (is the step before this one failing?)\n"
    );
    let out = harden(&[], b"- a\n- b\n");
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("document 1 (line 1) is a list"));
    // An empty document among objects is fine, and so is a stream of comments.
    let out = harden(&[], format!("---\n{DEPLOYMENT}---\n").as_bytes());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = harden(&[], b"# nothing rendered\n");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn the_summary_counts_pod_templates_and_verbose_says_what_changed() {
    let out = harden(&["--verbose"], DEPLOYMENT.as_bytes());
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("automountServiceAccountToken: false"));
    let err = stderr(&out);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 3, "{err}");
    assert!(lines[0].starts_with("[warning] apps/v1/Deployment/web spec.template.spec: container \"web\" holds a token of ServiceAccount default (no namespace), which no binding in the input grants any right"), "{err}");
    assert!(lines[1].starts_with("[info] apps/v1/Deployment/web spec.template.spec: automountServiceAccountToken: false; token volume \"kube-api-access\" mounted read-only in containers web; token lifetime 3607 s"), "{err}");
    assert_eq!(
        lines[2],
        "harden-sa-token: 1 document: 1 Pod template hardened; 1 warning, 0 errors"
    );
    // Audit mode counts what is not hardened, and its warnings say what enforce mode
    // would do.
    let tmp = TempDir::new("first-hour-audit");
    let config = tmp.join("audit.yaml");
    fs::write(
        &config,
        "apiVersion: v1\nkind: ConfigMap\ndata:\n  mode: audit\n  excludeContainers: web\n",
    )
    .expect("write config");
    let out = harden(
        &["--config", config.to_str().expect("UTF-8")],
        DEPLOYMENT.as_bytes(),
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout(&out), DEPLOYMENT, "audit mode changes nothing");
    let err = stderr(&out);
    assert!(
        err.contains("container \"web\" would lose API access: containers.exclude has \"web\""),
        "{err}"
    );
    assert!(
        err.ends_with(
            "harden-sa-token: 1 document: 1 Pod template not hardened; 1 warning, 1 error\n"
        ),
        "{err}"
    );
}
