//! Self-description: `--help` shows the protocol rule and a real example per
//! integration, `--version` the crate version, `--schema` the committed JSON Schema,
//! and `metadata.yaml` agrees with the crate and the Makefile. Usage errors exit 2.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use common::{harden, repo_file, repo_path, stderr, stdout};
use harden_sa_token::yaml::{Document, Node};

#[test]
fn help_names_every_integration_and_the_protocol_rule() {
    let out = harden(&["--help"], b"");
    assert!(out.status.success());
    let help = stdout(&out);
    for needle in [
        // the rule
        "harden-sa-token CONFIG_FILE",
        "stdin is a ResourceList",
        "empty stdin is an error",
        "usage error",
        // one example per integration
        "kpt fn eval ./pkg --exec harden-sa-token",
        "-- expirationSeconds=7200",
        "--fn-config harden.yaml",
        "--image localhost/harden-sa-token:",
        "kpt fn render ./pkg --allow-exec",
        "kustomize build --enable-alpha-plugins --enable-exec",
        "fn.harden-sa-token.dev/v1alpha1/hardenserviceaccounttoken/HardenServiceAccountToken",
        "kubectl kustomize --enable-alpha-plugins",
        "--post-renderer harden-sa-token",
        "examples/integrations/helm-plugin",
        "examples/integrations/argocd-cmp/plugin.yaml",
        "| harden-sa-token --config",
        "harden-sa-token --schema",
        // rbac: apply's evidence beyond the input
        "| harden-sa-token evidence > rbac-evidence.yaml",
        "--evidence rbac-evidence.yaml",
    ] {
        assert!(help.contains(needle), "--help lacks {needle:?}:\n{help}");
    }
    for path in [
        "examples/integrations/helm-plugin",
        "examples/integrations/argocd-cmp/plugin.yaml",
    ] {
        assert!(
            repo_path(path).exists(),
            "--help names {path}, which is missing"
        );
    }
    let image = format!("localhost/harden-sa-token:{}", env!("CARGO_PKG_VERSION"));
    assert!(help.contains(&image), "--help should name {image}");
}

#[test]
fn version_and_schema() {
    let out = harden(&["--version"], b"");
    assert_eq!(
        stdout(&out),
        format!("harden-sa-token {}\n", env!("CARGO_PKG_VERSION"))
    );
    let out = harden(&["--schema"], b"");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), repo_file("function-config/schema.json"));
}

#[test]
fn usage_errors_exit_2_with_nothing_on_stdout() {
    let resource_list = b"apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\n";
    let config = repo_path("function-config/examples/typed.yaml");
    let config = config.to_str().expect("UTF-8 path");
    for (args, stdin, why) in [
        (vec!["--config", config], &resource_list[..], "ResourceList"),
        (vec![config], &resource_list[..], "ResourceList"),
        (vec![config, "extra"], &b"a: 1\n"[..], "unexpected argument"),
        (
            vec!["--config", config, config],
            &b"a: 1\n"[..],
            "cannot be used",
        ),
        (
            vec!["--no-such-flag"],
            &b"a: 1\n"[..],
            "unexpected argument",
        ),
    ] {
        let out = harden(&args, stdin);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(out.stdout.is_empty(), "{args:?}");
        assert!(stderr(&out).contains(why), "{args:?}: {}", stderr(&out));
    }
}

/// A report file whose format cannot be told is the command line's fault, as `--help`
/// says of usage errors: exit 2, for the function and for `fix` and `check`.
#[test]
fn report_format_errors_exit_2() {
    let dir = common::TempDir::new("cli-report-format");
    std::fs::write(
        dir.join("a.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n",
    )
    .expect("write a.yaml");
    let report = dir.join("r.txt");
    let report = report.to_str().expect("UTF-8 path");
    let manifest = dir.join("a.yaml");
    let manifest = manifest.to_str().expect("UTF-8 path");
    for args in [
        vec!["--report", report],
        vec!["check", "--report", report, manifest],
        vec!["fix", "--report", report, manifest],
    ] {
        let out = harden(&args, b"a: 1\n");
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(out.stdout.is_empty(), "{args:?}");
        assert!(
            stderr(&out).contains("cannot tell the format from the extension"),
            "{args:?}: {}",
            stderr(&out)
        );
        assert!(!dir.join("r.txt").exists(), "{args:?}");
    }
}

fn scalar<'a>(node: &'a Node<'_>, key: &str) -> &'a str {
    node.get_str(key)
        .unwrap_or_else(|| panic!("metadata.yaml: no scalar {key}"))
}

fn list<'a>(node: &'a Node<'_>, key: &str) -> Vec<&'a str> {
    node.get(key)
        .and_then(Node::items)
        .unwrap_or_else(|| panic!("metadata.yaml: no list {key}"))
        .iter()
        .filter_map(Node::as_str)
        .collect()
}

#[test]
fn metadata_yaml_is_catalog_style_and_agrees_with_the_build() {
    let text = repo_file("metadata.yaml");
    let docs = Document::parse(&text).expect("metadata.yaml parses");
    let [root] = docs.roots() else {
        panic!("metadata.yaml has {} documents", docs.roots().len())
    };
    let makefile = repo_file("Makefile");
    let image = scalar(root, "image");
    assert!(
        makefile.contains(&format!("IMAGE ?= {image}:")),
        "metadata.yaml image {image} is not the Makefile's IMAGE"
    );
    assert_eq!(list(root, "tags"), ["mutator", "validator"]);
    assert_eq!(scalar(root, "license"), env!("CARGO_PKG_LICENSE"));
    assert!(!scalar(root, "description").is_empty());
    for package in list(root, "examplePackageURLs") {
        assert!(
            repo_path(package).is_dir(),
            "example package {package} is missing"
        );
    }
}

#[test]
fn help_says_what_the_default_token_lifetime_means() {
    let help = stdout(&harden(&["--help"], b""));
    for needle in [
        "expirationSeconds defaults to 3607",
        "extends to a year for legacy clients",
        "--service-account-extend-token-expiration",
        "really expire",
    ] {
        assert!(help.contains(needle), "--help lacks {needle:?}:\n{help}");
    }
}

/// Run bare with a terminal as stdin it says how to use it and exits 2, instead of
/// waiting silently for a stream. `script` (util-linux) gives the binary a terminal.
#[test]
fn bare_on_a_terminal_prints_usage_and_exits_2() {
    if !common::works("script", &["--version"]) {
        return common::skip(
            "cli::bare_on_a_terminal_prints_usage_and_exits_2",
            "`script` (util-linux) is not installed, so no terminal can be given",
        );
    }
    let out = common::output(
        std::process::Command::new("script")
            .args([
                "-qec",
                &format!("'{}'; echo exit=$?", common::BIN),
                "/dev/null",
            ])
            .stdin(std::process::Stdio::null()),
    );
    // script copies the terminal's output (stdout and stderr) to its stdout.
    let shown = stdout(&out).replace("\r\n", "\n");
    assert!(
        shown.starts_with("harden-sa-token reads manifests on stdin"),
        "{shown}"
    );
    assert!(shown.contains("See harden-sa-token --help.\n"), "{shown}");
    assert!(shown.trim_end().ends_with("exit=2"), "{shown}");
}
