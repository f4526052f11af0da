//! Each caller shows each finding once (`docs/protocols.md`, "Where findings are
//! shown"): kpt prints a ResourceList's `results` and, under `Stderr:`, everything the
//! function writes to stderr, so under kpt findings go into `results` only; kubectl
//! kustomize shows only stderr, so there they are printed. Driven with the real kpt
//! (`fn eval` and `fn render`) and kubectl kustomize (the legacy exec plugin, whose
//! stderr kubectl shows only when the plugin fails); the image variants (kpt `--image`,
//! a kustomize container transformer) are in `e2e_image.rs`.
//!
//! Skipped loudly (failed under `REQUIRE_E2E=1`) without kpt or kubectl.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use std::fs;
use std::path::Path;
use std::process::Command;

use common::{BIN, DEPLOYMENT, FINDING, TempDir, once, output, stderr, stdout, works};

fn package(dir: &Path) {
    fs::create_dir_all(dir).expect("create package");
    fs::write(dir.join("deployment.yaml"), DEPLOYMENT).expect("write deployment");
}

#[test]
fn kpt_shows_each_finding_once() {
    const TEST: &str = "e2e_findings::kpt";
    if !works("kpt", &["version"]) {
        return common::skip(TEST, "`kpt version` does not run (kpt not on PATH)");
    }
    let tmp = TempDir::new("findings-kpt");

    let eval = tmp.join("eval");
    package(&eval);
    let out = output(Command::new("kpt").args(["fn", "eval"]).arg(&eval).args([
        "--exec",
        BIN,
        "--",
        "excludeContainers=linkerd-proxy",
    ]));
    assert!(out.status.success(), "{}", stderr(&out));
    once(
        &format!("{}{}", stdout(&out), stderr(&out)),
        FINDING,
        "kpt fn eval",
    );

    let render = tmp.join("render");
    package(&render);
    fs::write(
        render.join("Kptfile"),
        format!(
            "apiVersion: kpt.dev/v1\nkind: Kptfile\nmetadata:\n  name: render\npipeline:\n  mutators:\n  - exec: {BIN}\n    configMap:\n      excludeContainers: linkerd-proxy\n"
        ),
    )
    .expect("write Kptfile");
    let out = output(
        Command::new("kpt")
            .args(["fn", "render"])
            .arg(&render)
            .arg("--allow-exec"),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    once(
        &format!("{}{}", stdout(&out), stderr(&out)),
        FINDING,
        "kpt fn render",
    );
}

#[test]
fn kubectl_kustomize_shows_each_finding_once() {
    const TEST: &str = "e2e_findings::kustomize";
    if !works("kubectl", &["version", "--client"]) {
        return common::skip(TEST, "`kubectl version --client` does not run");
    }
    let tmp = TempDir::new("findings-kustomize");
    let home = tmp.join("plugins");
    common::install_kustomize_plugin(&home);
    let app = tmp.join("app");
    package(&app);
    fs::write(
        app.join("harden.yaml"),
        "apiVersion: fn.harden-sa-token.dev/v1alpha1\nkind: HardenServiceAccountToken\nmetadata:\n  name: harden\nspec:\n  containers:\n    exclude: [linkerd-proxy]\n",
    )
    .expect("write config");
    fs::write(
        app.join("kustomization.yaml"),
        "resources:\n- deployment.yaml\ntransformers:\n- harden.yaml\n",
    )
    .expect("write kustomization");
    let build = || {
        output(
            Command::new("kubectl")
                .args(["kustomize", "--enable-alpha-plugins"])
                .arg(&app)
                .env("KUSTOMIZE_PLUGIN_HOME", &home),
        )
    };
    // kubectl drops a legacy plugin's stderr when it succeeds: a warning cannot be shown
    // there at all (docs/protocols.md says so). If kubectl ever shows it, it must be once.
    let out = build();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).matches(FINDING).count() <= 1,
        "{}",
        stderr(&out)
    );

    // A build that fails shows the function's stderr: the error, once.
    fs::write(
        app.join("deployment.yaml"),
        format!(
            "{DEPLOYMENT}      volumes:\n      - name: kube-api-access\n        emptyDir: {{}}\n"
        ),
    )
    .expect("write deployment");
    let out = build();
    assert!(!out.status.success(), "the conflict fails the build");
    once(
        &stderr(&out),
        "is not a projected service-account token volume",
        "kubectl kustomize (plugin, failing)",
    );
}

#[test]
fn config_errors_are_shown_once_and_placed_only_in_the_users_file() {
    const TEST: &str = "e2e_findings::config_errors";
    if !works("kpt", &["version"]) || !works("kubectl", &["version", "--client"]) {
        return common::skip(TEST, "kpt or kubectl does not run");
    }
    let tmp = TempDir::new("findings-config");
    let config = "apiVersion: fn.harden-sa-token.dev/v1alpha1\nkind: HardenServiceAccountToken\nmetadata:\n  name: harden\nspec:\n  expirySeconds: 3600\n";
    let message = "functionConfig field `spec.expirySeconds`";

    // kpt puts the file into a ResourceList it generates: its lines are not the user's,
    // so the error names the field alone.
    let eval = tmp.join("eval");
    package(&eval);
    fs::write(tmp.join("harden.yaml"), config).expect("write config");
    let out = output(
        Command::new("kpt")
            .args(["fn", "eval"])
            .arg(&eval)
            .args(["--exec", BIN, "--fn-config"])
            .arg(tmp.join("harden.yaml")),
    );
    assert!(!out.status.success());
    let shown = format!("{}{}", stdout(&out), stderr(&out));
    once(&shown, message, "kpt fn eval --fn-config");
    assert!(
        shown.contains("functionConfig field `spec.expirySeconds`: unknown field `expirySeconds` (did you mean `expirationSeconds`?)"),
        "{shown}"
    );

    // kubectl kustomize hands the plugin a temporary copy it wrote of the user's file: its
    // lines are kustomize's, so the error names the field alone there too.
    let home = tmp.join("plugins");
    common::install_kustomize_plugin(&home);
    let app = tmp.join("app");
    package(&app);
    fs::write(app.join("harden.yaml"), config).expect("write config");
    fs::write(
        app.join("kustomization.yaml"),
        "resources:\n- deployment.yaml\ntransformers:\n- harden.yaml\n",
    )
    .expect("write kustomization");
    let out = output(
        Command::new("kubectl")
            .args(["kustomize", "--enable-alpha-plugins"])
            .arg(&app)
            .env("KUSTOMIZE_PLUGIN_HOME", &home),
    );
    assert!(!out.status.success());
    once(&stderr(&out), message, "kubectl kustomize (plugin)");
    assert!(
        stderr(&out).contains("functionConfig field `spec.expirySeconds`: unknown field"),
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains("(line "), "{}", stderr(&out));
}

/// A Deployment whose `containers` is a mapping, at line 8 of `c1.yaml` (after a
/// comment block, so that its line in the ResourceList kpt writes is another).
const CONTAINERS_MAPPING: &str = "# A workload the function must refuse:\n# `containers` is not a list.\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: odd\nspec:\n  template:\n    spec:\n      containers: {name: app}\n";

#[test]
fn under_kpt_a_finding_names_the_file_and_field_not_a_line_of_kpts_input() {
    const TEST: &str = "e2e_findings::kpt_positions";
    if !works("kpt", &["version"]) {
        return common::skip(TEST, "`kpt version` does not run (kpt not on PATH)");
    }
    let tmp = TempDir::new("findings-kpt-positions");
    let pkg = tmp.join("pkg");
    fs::create_dir_all(&pkg).expect("create package");
    fs::write(pkg.join("c1.yaml"), CONTAINERS_MAPPING).expect("write c1.yaml");
    fs::write(pkg.join("other.yaml"), DEPLOYMENT).expect("write other.yaml");
    let results = tmp.join("results");
    let out = output(
        Command::new("kpt")
            .args(["fn", "eval"])
            .arg(&pkg)
            .args(["--exec", BIN, "--results-dir"])
            .arg(&results),
    );
    assert!(!out.status.success(), "the refusal is an error");
    let shown = format!("{}{}", stdout(&out), stderr(&out));
    let written = fs::read_to_string(results.join("results.yaml")).expect("results.yaml");
    for text in [&shown, &written] {
        assert!(
            text.contains("spec.template.spec.containers"),
            "the field is named down to the key:\n{text}"
        );
        assert!(
            text.contains("`containers` is a mapping, not a list"),
            "{text}"
        );
        assert!(
            !text.contains("(line "),
            "no line of kpt's ResourceList:\n{text}"
        );
    }
    assert!(written.contains("path: c1.yaml"), "{written}");
}
