//! End to end with the container image (`make image`, named by `HARDEN_SA_TOKEN_IMAGE`,
//! which `make test` sets) under podman, the three ways users run it:
//! `podman run -i --rm --network none --read-only IMAGE` on a ResourceList,
//! `KPT_FN_RUNTIME=podman kpt fn eval DIR --image IMAGE`, and kubectl kustomize with the
//! image as a `container:` KRM transformer, through a `docker` shim that runs podman.
//! Each must give exactly what the host binary gives on the same input.
//!
//! Skipped loudly (failed under `REQUIRE_E2E=1`) without podman, without the image, or
//! (for the kpt and kustomize parts) without kpt or kubectl.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{
    BIN, DEPLOYMENT, FINDING, TempDir, copy_dir, harden, once, output, output_with_stdin,
    repo_path, stderr, stdout, works,
};

/// The image and the CONTAINERS_CONF to run podman with, or why the tests cannot run.
fn image(test: &str) -> Option<(String, PathBuf)> {
    let conf = std::env::var_os("CONTAINERS_CONF")
        .map_or_else(|| repo_path("scripts/containers.conf"), PathBuf::from);
    let podman_works = Command::new("podman")
        .arg("version")
        .env("CONTAINERS_CONF", &conf)
        .output()
        .is_ok_and(|o| o.status.success());
    if !podman_works {
        common::skip(
            test,
            "`podman version` does not run (`make test` installs podman from apt when it can)",
        );
        return None;
    }
    let Ok(image) = std::env::var("HARDEN_SA_TOKEN_IMAGE") else {
        common::skip(
            test,
            "HARDEN_SA_TOKEN_IMAGE is not set (`make test` and `make e2e` build the image and set it)",
        );
        return None;
    };
    let exists = Command::new("podman")
        .args(["image", "exists", &image])
        .env("CONTAINERS_CONF", &conf)
        .status()
        .is_ok_and(|s| s.success());
    if !exists {
        common::skip(
            test,
            &format!("image {image} does not exist (`make image`)"),
        );
        return None;
    }
    Some((image, conf))
}

fn podman(conf: &Path) -> Command {
    let mut cmd = Command::new("podman");
    cmd.env("CONTAINERS_CONF", conf);
    cmd
}

fn succeeded(out: Output, what: &str) -> Output {
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{}",
        out.status,
        stderr(&out)
    );
    out
}

/// A ResourceList of the kpt-render example's Deployment.
fn resource_list() -> String {
    let deployment = fs::read_to_string(repo_path(
        "examples/integrations/kpt-render/deployment.yaml",
    ))
    .expect("read example");
    common::wrap_stream(&deployment).0
}

#[test]
fn the_image_is_a_static_binary_on_scratch_run_as_nobody() {
    let Some((image, conf)) = image("image_metadata") else {
        return;
    };
    let inspect = |format: &str| {
        let out = output(podman(&conf).args(["image", "inspect", "--format", format, &image]));
        stdout(&succeeded(out, "podman image inspect"))
            .trim()
            .to_owned()
    };
    assert_eq!(inspect("{{.Config.User}}"), "65534:65534");
    assert_eq!(
        inspect("{{json .Config.Entrypoint}}"),
        r#"["/harden-sa-token"]"#
    );
    assert_eq!(
        inspect(r#"{{index .Config.Labels "org.opencontainers.image.version"}}"#),
        env!("CARGO_PKG_VERSION")
    );
    assert_eq!(
        inspect(r#"{{index .Config.Labels "org.opencontainers.image.licenses"}}"#),
        env!("CARGO_PKG_LICENSE")
    );
    let size: u64 = inspect("{{.Size}}").parse().expect("a size");
    eprintln!("image {image}: {size} bytes");
    assert!(size < 8_000_000, "the image grew to {size} bytes");
    // The README's figure is kept true: within 10% of the image built.
    let readme = common::repo_file("README.md");
    let stated = readme
        .split("The image is about **")
        .nth(1)
        .and_then(|rest| rest.split(" MB**").next())
        .and_then(|mb| mb.parse::<f64>().ok())
        .expect("the README states the image size as `about **N MB**`");
    let actual = size as f64 / 1e6;
    assert!(
        (actual - stated).abs() <= stated * 0.1,
        "the README says the image is about {stated} MB; it is {actual:.2} MB: update the README"
    );
    // Nothing but the binary and /etc/passwd: no shell to run.
    let out = output(podman(&conf).args(["run", "--rm", "--entrypoint", "/bin/sh", &image]));
    assert!(!out.status.success(), "the image has a shell");
    let out = output(podman(&conf).args(["run", "--rm", &image, "--version"]));
    assert_eq!(
        stdout(&succeeded(out, "podman run --version")),
        format!("harden-sa-token {}\n", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn podman_run_reads_a_resource_list_like_the_binary() {
    let Some((image, conf)) = image("podman_run") else {
        return;
    };
    let input = resource_list();
    // podman run -i --rm --network none --read-only IMAGE < resource-list.yaml
    let out = podman_run(&conf, &image, "--read-only", input.as_bytes());
    let native = harden(&[], input.as_bytes());
    assert!(native.status.success());
    assert_eq!(stdout(&out), stdout(&native));
    assert!(stdout(&out).contains("automountServiceAccountToken: false"));
    // As nobody, like kpt and kustomize run it, and with a stream on stdin.
    let stream = fs::read(repo_path(
        "examples/integrations/kpt-render/deployment.yaml",
    ))
    .expect("read example");
    let out = podman_run(&conf, &image, "--user=nobody", &stream);
    assert_eq!(out.stdout, harden(&[], &stream).stdout);
}

/// `podman run -i --rm --network none OPTION IMAGE` on `stdin`, which must succeed.
fn podman_run(conf: &Path, image: &str, option: &str, stdin: &[u8]) -> Output {
    let args = ["run", "-i", "--rm", "--network", "none", option, image];
    let out = output_with_stdin(podman(conf).args(args), stdin);
    succeeded(out, &format!("podman {}", args.join(" ")))
}

#[test]
fn kpt_runs_the_image_with_podman() {
    const TEST: &str = "kpt_image";
    let Some((image, conf)) = image(TEST) else {
        return;
    };
    if !works("kpt", &["version"]) {
        return common::skip(TEST, "`kpt version` does not run (kpt not on PATH)");
    }
    let tmp = TempDir::new(TEST);
    let kpt = |args: &[&str]| {
        let out = output(
            Command::new("kpt")
                .args(args)
                .current_dir(&tmp.0)
                .env("KPT_FN_RUNTIME", "podman")
                .env("CONTAINERS_CONF", &conf),
        );
        succeeded(out, &format!("kpt {}", args.join(" ")));
    };
    let files = |dir: &str| -> Vec<(OsString, Vec<u8>)> {
        let mut files: Vec<_> = fs::read_dir(tmp.join(dir))
            .expect("read package")
            .map(|e| e.expect("entry").path())
            .map(|p| {
                (
                    p.file_name().expect("name").to_owned(),
                    fs::read(&p).expect("read"),
                )
            })
            .collect();
        files.sort();
        files
    };

    // KPT_FN_RUNTIME=podman kpt fn eval DIR --image IMAGE, against --exec of the binary.
    for dir in ["image", "exec"] {
        copy_dir(&repo_path("examples/package"), &tmp.join(dir));
    }
    kpt(&["fn", "eval", "image", "--image", &image]);
    kpt(&["fn", "eval", "exec", "--exec", BIN]);
    let hardened = files("image");
    assert_eq!(hardened, files("exec"));
    assert!(
        hardened.iter().any(
            |(_, t)| String::from_utf8_lossy(t).contains("automountServiceAccountToken: false")
        )
    );

    // kpt fn render with `image:` in place of `exec:` in the Kptfile: no --allow-exec.
    for dir in ["render-image", "render-exec"] {
        copy_dir(
            &repo_path("examples/integrations/kpt-render"),
            &tmp.join(dir),
        );
    }
    let kptfile = tmp.join("render-image/Kptfile");
    let text = fs::read_to_string(&kptfile).expect("read Kptfile");
    assert!(text.contains("  - exec: harden-sa-token\n"));
    fs::write(
        &kptfile,
        text.replace(
            "  - exec: harden-sa-token\n",
            &format!("  - image: {image}\n"),
        ),
    )
    .expect("write Kptfile");
    kpt(&["fn", "render", "render-image"]);
    fs::copy(BIN, tmp.join("harden-sa-token")).expect("copy binary");
    let kptfile = tmp.join("render-exec/Kptfile");
    let text = fs::read_to_string(&kptfile).expect("read Kptfile");
    fs::write(
        &kptfile,
        text.replace("exec: harden-sa-token", "exec: ./harden-sa-token"),
    )
    .expect("write Kptfile");
    kpt(&["fn", "render", "render-exec", "--allow-exec"]);
    let deployment = |dir: &str| fs::read(tmp.join(dir).join("deployment.yaml")).expect("read");
    assert_eq!(deployment("render-image"), deployment("render-exec"));
}

#[test]
fn kubectl_kustomize_runs_the_image_as_a_container_transformer() {
    const TEST: &str = "kustomize_container";
    let Some((image, conf)) = image(TEST) else {
        return;
    };
    if !works("kubectl", &["version", "--client"]) {
        return common::skip(TEST, "`kubectl version --client` does not run");
    }
    let tmp = TempDir::new(TEST);
    // kubectl runs `docker run ...`; the shim hands that to podman.
    let path = common::docker_shim(&tmp.join("shim"));

    let app = tmp.join("kustomize-container");
    copy_dir(
        &repo_path("examples/integrations/kustomize-container"),
        &app,
    );
    let config = fs::read_to_string(app.join("harden.yaml")).expect("read harden.yaml");
    let example_image = format!(
        "image: localhost/harden-sa-token:{}",
        env!("CARGO_PKG_VERSION")
    );
    assert!(
        config.contains(&example_image),
        "the example names the image `make image` builds"
    );
    fs::write(
        app.join("harden.yaml"),
        config.replace(&example_image, &format!("image: {image}")),
    )
    .expect("write harden.yaml");
    let out = output(
        Command::new("kubectl")
            .args(["kustomize", "--enable-alpha-plugins"])
            .arg(&app)
            .env("PATH", &path)
            .env("CONTAINERS_CONF", &conf),
    );
    let got = stdout(&succeeded(out, "kubectl kustomize (container)"));

    // The legacy exec plugin example has the same settings; both builds must agree.
    let home = tmp.join("plugins");
    common::install_kustomize_plugin(&home);
    let out = output(
        Command::new("kubectl")
            .args(["kustomize", "--enable-alpha-plugins"])
            .arg(repo_path("examples/integrations/kustomize-plugin"))
            .env("KUSTOMIZE_PLUGIN_HOME", &home),
    );
    let want = stdout(&succeeded(out, "kubectl kustomize (plugin)"));
    assert_eq!(got, want);
    assert!(got.contains("expirationSeconds: 7200"), "{got}");
}

#[test]
fn each_finding_is_shown_once_through_the_image() {
    const TEST: &str = "findings_image";
    let Some((image, conf)) = image(TEST) else {
        return;
    };
    if !works("kpt", &["version"]) || !works("kubectl", &["version", "--client"]) {
        return common::skip(TEST, "kpt or kubectl does not run");
    }
    let tmp = TempDir::new(TEST);

    // kpt runs image functions with no environment of its own: the annotations it puts
    // on every item tell that the results will be shown.
    let package = tmp.join("package");
    fs::create_dir_all(&package).expect("create package");
    fs::write(package.join("deployment.yaml"), DEPLOYMENT).expect("write deployment");
    let out = output(
        Command::new("kpt")
            .args(["fn", "eval"])
            .arg(&package)
            .args(["--image", &image, "--", "excludeContainers=linkerd-proxy"])
            .env("KPT_FN_RUNTIME", "podman")
            .env("CONTAINERS_CONF", &conf),
    );
    let out = succeeded(out, "kpt fn eval --image");
    once(
        &format!("{}{}", stdout(&out), stderr(&out)),
        FINDING,
        "kpt fn eval --image",
    );

    // kubectl kustomize shows a container function's stderr and never its results.
    let path = common::docker_shim(&tmp.join("shim"));
    let app = tmp.join("app");
    fs::create_dir_all(&app).expect("create app");
    fs::write(app.join("deployment.yaml"), DEPLOYMENT).expect("write deployment");
    fs::write(
        app.join("harden.yaml"),
        format!(
            "apiVersion: fn.harden-sa-token.dev/v1alpha1\nkind: HardenServiceAccountToken\nmetadata:\n  name: harden\n  annotations:\n    config.kubernetes.io/function: |\n      container:\n        image: {image}\nspec:\n  containers:\n    exclude: [linkerd-proxy]\n"
        ),
    )
    .expect("write config");
    fs::write(
        app.join("kustomization.yaml"),
        "resources:\n- deployment.yaml\ntransformers:\n- harden.yaml\n",
    )
    .expect("write kustomization");
    let out = output(
        Command::new("kubectl")
            .args(["kustomize", "--enable-alpha-plugins"])
            .arg(&app)
            .env("PATH", &path)
            .env("CONTAINERS_CONF", &conf),
    );
    let out = succeeded(out, "kubectl kustomize (container)");
    once(&stderr(&out), FINDING, "kubectl kustomize (container)");
}
