//! The plain-stream integrations driven as their clients drive them, through the built
//! binary as a pipe: Helm 3 `--post-renderer` (and Helm 4's post-renderer plugin
//! `plugin.yaml`), Argo CD's config-management plugin `plugin.yaml` (its generate
//! command, run as Argo CD runs it), a plain pipe, and the ResourceList protocol chosen
//! from the same command line. Helm and Argo CD are not on these machines; their
//! contract is: a rendered stream on stdin, the stream on stdout, a non-zero exit fails
//! the release or sync, and empty output is never success.
//!
//! Also: every corpus file as a stream loses nothing and agrees with the ResourceList
//! protocol on the same objects.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use std::process::Command;

use common::{
    TempDir, harden, lines_kept_in_order, output, path_with_bin, repo_file, repo_path, stderr,
    stdout, works,
};
use harden_sa_token::yaml::{Document, Node};
use harden_sa_token::{self as protocol, Call};
use harden_sa_token::{FnResult, Severity};

/// What `helm template` renders for a small chart: a leading `---`, `# Source:`
/// comments, odd scalars, a ServiceAccount that keeps its own automount setting.
const HELM_RENDERED: &str = r#"---
# Source: web/templates/serviceaccount.yaml
apiVersion: v1
kind: ServiceAccount
metadata:
  name: web
automountServiceAccountToken: true
---
# Source: web/templates/configmap.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: web
data:
  version: "1.10"
  mode: 0644
  enabled: 'yes'
---
# Source: web/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    helm.sh/chart: web-0.1.0
spec:
  template:
    spec:
      serviceAccountName: web
      automountServiceAccountToken: true
      containers:
        - name: app
          image: "registry.example.com/web:1.10"
        - name: linkerd-proxy
          image: cr.l5d.io/linkerd/proxy:stable
---
# Source: web/templates/job.yaml
apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
  annotations:
    "helm.sh/hook": pre-install
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: migrate
          image: registry.example.com/web:1.10
"#;

const TOKEN_TRUE: (&str, &str) = (
    "automountServiceAccountToken: true",
    "automountServiceAccountToken: false",
);

fn count(text: &str, needle: &str) -> usize {
    text.matches(needle).count()
}

fn write_config(dir: &TempDir, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write config");
    path.to_str().expect("UTF-8 path").to_owned()
}

#[test]
fn helm_post_renderer_hardens_the_rendered_release() {
    // helm install web ./chart --post-renderer harden-sa-token
    let out = harden(&[], HELM_RENDERED.as_bytes());
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    lines_kept_in_order(HELM_RENDERED, &text, &[TOKEN_TRUE]).unwrap();
    assert_eq!(count(&text, "\n---\n"), count(HELM_RENDERED, "\n---\n"));
    assert!(text.starts_with("---\n# Source: web/templates/serviceaccount.yaml\n"));
    assert_eq!(count(&text, "automountServiceAccountToken: false"), 2);
    assert_eq!(
        count(&text, "automountServiceAccountToken: true"),
        1,
        "the ServiceAccount keeps its own setting"
    );
    assert_eq!(
        count(
            &text,
            "mountPath: /var/run/secrets/kubernetes.io/serviceaccount"
        ),
        3
    );
    // `rbac: advise` (the default): the chart binds its ServiceAccount to nothing, so
    // each of the two Pod templates gets a warning saying how to drop the token.
    let err = stderr(&out);
    let lines: Vec<&str> = err.trim().lines().collect();
    assert_eq!(
        lines.last().copied(),
        Some("harden-sa-token: 4 documents: 2 Pod templates hardened; 2 warnings, 0 errors")
    );
    assert_eq!(lines.len(), 3, "{err}");
    for line in &lines[..2] {
        assert!(
            line.starts_with("[warning] ")
                && line.contains("which no binding in the input grants any right")
                && line.contains("harden-sa-token.dev/api-access: none"),
            "{line}"
        );
    }
    // `helm upgrade` renders the same chart again: the function's output is a fixed point.
    let again = harden(&[], &out.stdout);
    assert!(again.status.success());
    assert_eq!(stdout(&again), text);
    assert!(stderr(&again).contains("2 Pod templates already hardened; 2 warnings"));
}

#[test]
fn helm_post_renderer_args_carry_a_config_file() {
    // helm install ... --post-renderer harden-sa-token --post-renderer-args=--config=harden.yaml
    let tmp = TempDir::new("helm-args");
    let config = write_config(
        &tmp,
        "harden.yaml",
        "apiVersion: v1\nkind: ConfigMap\ndata:\n  expirationSeconds: \"7200\"\n  excludeContainers: linkerd-proxy\n",
    );
    let out = harden(&[&format!("--config={config}")], HELM_RENDERED.as_bytes());
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert_eq!(count(&text, "expirationSeconds: 7200"), 2);
    assert_eq!(
        count(
            &text,
            "mountPath: /var/run/secrets/kubernetes.io/serviceaccount"
        ),
        2,
        "app and migrate keep the API, linkerd-proxy is excluded: {text}"
    );
}

#[test]
fn helm_post_renderer_fails_the_release_on_errors() {
    let tmp = TempDir::new("helm-errors");
    // A bad config: nothing on stdout, exit 1, the field named.
    let bad = write_config(
        &tmp,
        "bad.yaml",
        "apiVersion: v1\nkind: ConfigMap\ndata:\n  expirationSeconds: \"60\"\n",
    );
    let out = harden(&["--config", &bad], HELM_RENDERED.as_bytes());
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(
        stderr(&out).contains("data.expirationSeconds"),
        "{}",
        stderr(&out)
    );
    // Not YAML: nothing on stdout, exit 1, line and column.
    let out = harden(&[], b"apiVersion: v1\nkind: [\n");
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(stderr(&out).contains("line "), "{}", stderr(&out));
    // Empty stdin (a failed render upstream): exit 1 rather than an empty "success".
    let out = harden(&[], b"");
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(stderr(&out).contains("stdin is empty"), "{}", stderr(&out));
    // A conflict: exit 1 (Helm fails the release), the error on stderr, and still the
    // whole stream on stdout with that resource unchanged, never an empty output.
    let conflict = HELM_RENDERED.replace(
        "      restartPolicy: Never\n",
        "      restartPolicy: Never\n      volumes:\n        - name: kube-api-access\n          emptyDir: {}\n",
    );
    let out = harden(&[], conflict.as_bytes());
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    lines_kept_in_order(&conflict, &text, &[TOKEN_TRUE]).unwrap();
    let job = |t: &str| {
        t.split("# Source: web/templates/job.yaml")
            .nth(1)
            .map(str::to_owned)
    };
    assert_eq!(job(&text), job(&conflict), "the Job is left as it was");
    let err = stderr(&out);
    assert!(
        err.contains("[error] batch/v1/Job/migrate spec.template.spec:"),
        "{err}"
    );
    // The warning is `rbac: advise`'s about the Deployment's token.
    assert!(
        err.contains("1 Pod template hardened, 1 not hardened; 1 warning, 1 error"),
        "{err}"
    );
}

/// A scalar at a `/`-separated path of a parsed example file.
fn at<'a>(root: &'a Node<'_>, path: &str) -> &'a Node<'a> {
    let mut node = root;
    for part in path.split('/') {
        node = match part.parse::<usize>() {
            Ok(i) => node.items().and_then(|items| items.get(i)),
            Err(_) => node.get(part),
        }
        .unwrap_or_else(|| panic!("no {part} in {path}"));
    }
    node
}

fn str_at<'a>(root: &'a Node<'_>, path: &str) -> &'a str {
    at(root, path)
        .as_str()
        .unwrap_or_else(|| panic!("{path} is not a scalar"))
}

#[test]
fn helm4_post_renderer_plugin_runs_the_function() {
    let plugin_dir = repo_path("examples/integrations/helm-plugin");
    let text = repo_file("examples/integrations/helm-plugin/plugin.yaml");
    let docs = Document::parse(&text).expect("plugin.yaml parses");
    let root = docs.roots().first().expect("one document");
    assert_eq!(str_at(root, "apiVersion"), "v1");
    assert_eq!(str_at(root, "type"), "postrenderer/v1");
    assert_eq!(str_at(root, "runtime"), "subprocess");
    assert_eq!(str_at(root, "name"), "harden-sa-token");
    assert_eq!(str_at(root, "version"), env!("CARGO_PKG_VERSION"));
    // Helm expands ${HELM_PLUGIN_DIR} and runs the command with --post-renderer-args.
    let command = str_at(root, "runtimeConfig/platformCommand/0/command").replace(
        "${HELM_PLUGIN_DIR}",
        plugin_dir.to_str().expect("UTF-8 path"),
    );
    let direct = harden(&[], HELM_RENDERED.as_bytes());
    let out = common::output_with_stdin(
        Command::new(&command)
            .env("PATH", path_with_bin())
            .env("HELM_PLUGIN_DIR", &plugin_dir),
        HELM_RENDERED.as_bytes(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(out.stdout, direct.stdout);
}

#[test]
fn argocd_cmp_generate_renders_and_hardens() {
    const TEST: &str = "argocd_cmp_generate_renders_and_hardens";
    if !works("kubectl", &["version", "--client"]) {
        return common::skip(TEST, "`kubectl version --client` does not run");
    }
    let text = repo_file("examples/integrations/argocd-cmp/plugin.yaml");
    let docs = Document::parse(&text).expect("plugin.yaml parses");
    let root = docs.roots().first().expect("one document");
    assert_eq!(str_at(root, "kind"), "ConfigManagementPlugin");
    let command: Vec<&str> = at(root, "spec/generate/command")
        .items()
        .expect("command is a list")
        .iter()
        .chain(
            at(root, "spec/generate/args")
                .items()
                .expect("args is a list"),
        )
        .map(|n| n.as_str().expect("scalar"))
        .collect();
    let discover = str_at(root, "spec/discover/fileName");

    let tmp = TempDir::new("argocd");
    let app = tmp.join("app");
    common::copy_dir(&repo_path("examples/integrations/argocd-cmp/app"), &app);
    assert!(
        app.join(discover).is_file(),
        "the example app is discovered"
    );
    // Only kubectl's embedded kustomize is here; the shim gives it kustomize's CLI.
    let path = common::shim(
        &tmp.join("shim"),
        "kustomize",
        "#!/bin/sh\n[ \"$1\" = build ] || exit 2\nshift\nexec kubectl kustomize \"$@\"\n",
        &path_with_bin(),
    );
    let (program, args) = command.split_first().expect("a command");
    let generate = || {
        output(
            Command::new(program)
                .args(args)
                .current_dir(&app)
                .env("PATH", &path),
        )
    };

    let out = generate();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let source = std::fs::read_to_string(app.join("deployment.yaml")).expect("read");
    assert!(
        text.contains("automountServiceAccountToken: false"),
        "{text}"
    );
    assert!(text.contains("expirationSeconds: 7200"), "{text}");
    assert_eq!(
        count(
            &text,
            "mountPath: /var/run/secrets/kubernetes.io/serviceaccount"
        ),
        1,
        "log-shipper is excluded by harden-sa-token.yaml: {text}"
    );
    assert_eq!(count(&source, "image: "), count(&text, "image: "));

    // A broken application: kustomize fails, the function sees nothing, and the
    // generate command fails instead of rendering an empty application.
    std::fs::write(
        app.join("kustomization.yaml"),
        "resources:\n- missing.yaml\n",
    )
    .expect("break kustomization");
    let out = generate();
    assert!(!out.status.success(), "an empty render must fail");
    assert!(out.stdout.is_empty());
    assert!(stderr(&out).contains("stdin is empty"), "{}", stderr(&out));
}

#[test]
fn a_resource_list_on_stdin_gets_a_resource_list_back() {
    // `kpt fn source DIR | harden-sa-token`: the same command line, the KRM protocol.
    let mut input =
        String::from("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n");
    for line in HELM_RENDERED.lines().skip(1) {
        if line == "---" || line.starts_with('#') {
            continue;
        }
        input.push_str(if line.starts_with("apiVersion:") {
            "- "
        } else {
            "  "
        });
        input.push_str(line);
        input.push('\n');
    }
    let out = harden(&[], input.as_bytes());
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n"));
    assert_eq!(count(&text, "  severity: info"), 2, "{text}");
    // Info results stay in the output; stderr has the warnings only (`rbac: advise`).
    let err = stderr(&out);
    assert!(
        err.lines().all(|l| l.starts_with("[warning] ")) && err.lines().count() == 2,
        "{err}"
    );
}

fn by_resource(results: &[FnResult]) -> Vec<String> {
    results
        .iter()
        .filter(|r| r.resource_ref.is_some())
        .map(ToString::to_string)
        .collect()
}

#[test]
fn corpus_streams_lose_nothing_and_agree_with_resource_lists() {
    let Some(files) = common::corpus_files() else {
        return common::skip(
            "stream corpus",
            "../shared/corpus is not beside the repository",
        );
    };
    let (mut documents, mut changed) = (0, 0);
    let mut failures = Vec::new();
    for file in &files {
        let name = file
            .file_name()
            .expect("name")
            .to_string_lossy()
            .to_string();
        let stream = std::fs::read_to_string(file).expect("read corpus file");
        let run = match protocol::run(stream.as_bytes(), Call::Plain) {
            Ok(run) => run,
            Err(e) => {
                failures.push(format!("{name}: {e}"));
                continue;
            }
        };
        let text = &run.text.to_string();
        documents += run.documents;
        changed += run
            .results
            .iter()
            .filter(|r| r.severity == Severity::Info)
            .count();
        if let Err(e) = lines_kept_in_order(&stream, text, &[TOKEN_TRUE]) {
            failures.push(format!("{name}: {e}"));
        }
        let (wrapped, _) = common::wrap_stream(&stream);
        let krm = harden_sa_token::run(wrapped.as_bytes(), harden_sa_token::Call::Plain)
            .expect("the ResourceList runs");
        if by_resource(&krm.results) != by_resource(&run.results) {
            failures.push(format!(
                "{name}: stream and ResourceList results differ:\n{:#?}\n{:#?}",
                by_resource(&run.results),
                by_resource(&krm.results)
            ));
        }
        let again = protocol::run(text.as_bytes(), Call::Plain).expect("second run");
        if &again.text.to_string() != text
            || again.results.iter().any(|r| r.severity == Severity::Info)
        {
            failures.push(format!("{name}: a second run changed something"));
        }
    }
    eprintln!(
        "stream corpus: {} files, {documents} documents, {changed} resources changed",
        files.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(changed > 0);
}

#[test]
fn the_line_check_catches_lost_and_moved_lines() {
    assert!(lines_kept_in_order("a\n# c\nb\n", "a\n# c\nx\nb\n", &[]).is_ok());
    assert!(lines_kept_in_order("a\n# c\nb\n", "a\nb\n", &[]).is_err());
    assert!(lines_kept_in_order("a\nb\n", "b\na\n", &[]).is_err());
    assert!(lines_kept_in_order("  k: true\n", "  k: false\n", &[("k: true", "k: false")]).is_ok());
    assert!(lines_kept_in_order("  k: 1.10\n", "  k: 1.1\n", &[]).is_err());
}
