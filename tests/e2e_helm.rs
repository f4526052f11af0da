//! End to end with the real Helm 4 and Helm 3: `helm template REL CHART --post-renderer X`
//! (and `--post-renderer-args=--config=FILE`), which needs no cluster and renders exactly
//! what `helm install` and `helm upgrade` would send.
//!
//! Helm 4 (the `helm4_*` tests) takes only post-renderer plugins: the repository's
//! `examples/integrations/helm-plugin` is installed with `helm plugin install` into a
//! Helm home of the test's own, and runs `harden-sa-token` from `PATH`. It sends the
//! chart's hooks through the post-renderer with the templates, in one stream, each
//! document annotated `postrenderer.helm.sh/postrender-filename` (by which it splits the
//! result again): every Pod template of `examples/helm/chart`, the pre-install Job and
//! the `helm test` Pod included, comes out hardened; the annotations reach the function
//! and leave it intact; `helm install --dry-run=client` hardens the same; the README's
//! Helm 4 commands (`<!-- e2e_helm4: begin -->`) run as written from the repository root.
//!
//! Helm 3:
//!
//! * A chart made by `helm create` at test time: the Deployment is hardened and every
//!   other document is byte for byte what `helm template` prints without the
//!   post-renderer, `# Source:` comments included.
//! * `examples/helm/chart` with `examples/helm/harden.yaml`: the config file reaches the
//!   function (the init container keeps no token, tokens live 7200 s).
//! * A config with an unknown field fails the render and Helm shows the function's
//!   message.
//! * The README's Helm 3 commands, between `<!-- e2e_helm: begin -->` and
//!   `<!-- e2e_helm: end -->`, run as written by `sh` from the repository root, with `helm`
//!   and `harden-sa-token` resolved through `PATH` to the helm found below and the binary
//!   cargo built.
//!
//! Hooks: Helm 3.17.3 does not send hooks to a post-renderer at all. `renderResources`
//! (pkg/action/action.go) splits the hooks off before it writes the manifests to the
//! post-renderer's stdin, and `helm template` prints the post-renderer's stdout verbatim
//! followed by every hook as rendered (`---\n# Source: PATH\n...`). So a pre-install Job
//! and the `helm test` Pod of `helm create` keep their token whatever the post-renderer
//! does (helm/helm#7891; Helm 4 sends hooks too). The tests assert that, so that a helm
//! that changes it fails here and the README gets updated.
//!
//! Helm on success also drops the post-renderer's stderr: the function's summary and
//! warnings are not shown to a Helm user unless the render fails.
//!
//! Which helm: `$HARDEN_SA_TOKEN_HELM` (`$HARDEN_SA_TOKEN_HELM4`) when set (a path that
//! does not run skips, which is how to see the skip on a machine that has helm), else
//! `.tools/helm/helm` (`.tools/helm4/helm`) from `scripts/setup-helm.sh`, else `helm` on
//! `PATH`; it must be Helm 3 (Helm 4). Skipped loudly (failed under `REQUIRE_E2E=1`)
//! without one.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{
    BIN, TempDir, harden, lines_kept_in_order, output, path_with_bin, repo_file, repo_path, run,
    stderr, stdout,
};
use harden_sa_token::yaml::{Document, Node};

const TEST: &str = "e2e_helm";
/// Names the helm to run, overriding the search.
const HELM_ENV: &str = "HARDEN_SA_TOKEN_HELM";
const VOLUME: &str = "kube-api-access";
const MOUNT_PATH: &str = "/var/run/secrets/kubernetes.io/serviceaccount";
const RELEASE: &str = "web";
const HOOK_ANNOTATION: &str = "helm.sh/hook";
/// The example chart and config of the README.
const FIXTURES: &str = "examples/helm";

/// A Helm that runs, with its version.
struct Helm {
    path: PathBuf,
    version: String,
}

/// Which Helm a test drives: where `scripts/setup-helm.sh` puts it, the variable that
/// names another, and the version prefix it must report.
#[derive(Clone, Copy)]
struct Major {
    local: &'static str,
    env: &'static str,
    prefix: &'static str,
}

const HELM3: Major = Major {
    local: ".tools/helm/helm",
    env: HELM_ENV,
    prefix: "v3.",
};

const HELM4: Major = Major {
    local: ".tools/helm4/helm",
    env: "HARDEN_SA_TOKEN_HELM4",
    prefix: "v4.",
};

/// The first executable `name` on `PATH`.
fn on_path(name: &str) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|p| fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0))
}

impl Helm {
    /// The helm of `major` to run, or why there is none.
    fn find(major: Major) -> Result<Self, String> {
        let (path, from) = if let Some(path) = std::env::var_os(major.env) {
            (PathBuf::from(path), format!("${}", major.env))
        } else {
            let local = repo_path(major.local);
            if local.is_file() {
                (local, "scripts/setup-helm.sh".to_owned())
            } else if let Some(path) = on_path("helm") {
                (path, "PATH".to_owned())
            } else {
                return Err(format!(
                    "no helm: neither {} (scripts/setup-helm.sh, run by `make test`) \
                     nor helm on PATH; or name one with {}",
                    major.local, major.env
                ));
            }
        };
        let out = Command::new(&path)
            .args(["version", "--template", "{{.Version}}"])
            .output()
            .map_err(|e| format!("{} (from {from}) does not run: {e}", path.display()))?;
        if !out.status.success() {
            return Err(format!(
                "`{} version` (from {from}) failed: {}",
                path.display(),
                stderr(&out).trim()
            ));
        }
        let version = stdout(&out).trim().to_owned();
        if !version.starts_with(major.prefix) {
            // Helm 4 takes only plugins as post-renderers and sends hooks through them.
            return Err(format!(
                "{} (from {from}) reports version {version:?}; these tests want {}*",
                path.display(),
                major.prefix
            ));
        }
        Ok(Self { path, version })
    }

    /// Helm 3, or `None` after saying why the test `name` is skipped.
    fn or_skip(name: &str) -> Option<Self> {
        Self::major_or_skip(HELM3, name)
    }

    /// The helm of `major`, or `None` after saying why the test `name` is skipped.
    fn major_or_skip(major: Major, name: &str) -> Option<Self> {
        Self::find(major)
            .map_err(|why| common::skip(&format!("{TEST}::{name}"), &why))
            .ok()
    }

    /// `helm ARGS`, kept away from the user's Helm configuration and cluster.
    fn command(&self, tmp: &TempDir) -> Command {
        let mut cmd = Command::new(&self.path);
        isolate(&mut cmd, tmp);
        cmd
    }

    /// `helm template web CHART ARGS`, whatever its exit status.
    fn template_output(&self, tmp: &TempDir, chart: &Path, args: &[&OsStr]) -> Output {
        let mut cmd = self.command(tmp);
        cmd.args(["template", RELEASE]).arg(chart).args(args);
        output(&mut cmd)
    }

    /// `helm template web CHART ARGS`; panics unless it succeeds with nothing on stderr,
    /// and returns its stdout.
    fn template(&self, tmp: &TempDir, chart: &Path, args: &[&OsStr]) -> String {
        let out = self.template_output(tmp, chart, args);
        assert!(
            out.status.success(),
            "helm template {args:?} failed ({}):\n{}",
            out.status,
            stderr(&out)
        );
        assert_eq!(stderr(&out), "", "helm template {args:?}");
        stdout(&out)
    }
}

/// Points Helm's configuration, cache and data, and the kubeconfig, into `tmp`, so that
/// nothing of the user's Helm set-up or cluster takes part.
fn isolate(cmd: &mut Command, tmp: &TempDir) {
    cmd.env("HELM_CACHE_HOME", tmp.join("helm/cache"))
        .env("HELM_CONFIG_HOME", tmp.join("helm/config"))
        .env("HELM_DATA_HOME", tmp.join("helm/data"))
        .env("KUBECONFIG", tmp.join("helm/no-kubeconfig"));
}

/// What Helm writes to a post-renderer's stdin for `chart`: rendered through a
/// post-renderer that saves its stdin and prints it unchanged.
fn post_renderer_stdin(helm: &Helm, tmp: &TempDir, chart: &Path) -> String {
    let saved = tmp.join("post-renderer-stdin.yaml");
    let spy = tmp.join("spy/save-stdin");
    common::shim(
        spy.parent().expect("spy dir"),
        "save-stdin",
        "#!/bin/sh\nexec tee \"$1\"\n",
        OsStr::new(""),
    );
    let save_to = format!("--post-renderer-args={}", saved.display());
    helm.template(
        tmp,
        chart,
        &[
            "--post-renderer".as_ref(),
            spy.as_os_str(),
            save_to.as_ref(),
        ],
    );
    fs::read_to_string(&saved).unwrap_or_else(|e| panic!("read {}: {e}", saved.display()))
}

/// The documents of `helm template` output, each from its `# Source:` line on: Helm
/// writes every one as `---\n# Source: PATH\n...`.
fn documents(text: &str) -> Vec<&str> {
    text.strip_prefix("---\n")
        .unwrap_or_else(|| panic!("helm output starts with ---:\n{text}"))
        .split("\n---\n")
        .collect()
}

/// The template a document came from, by its `# Source:` line.
fn source(doc: &str) -> &str {
    doc.lines()
        .next()
        .and_then(|l| l.strip_prefix("# Source: "))
        .unwrap_or_else(|| panic!("document without a # Source: line:\n{doc}"))
}

fn sources<'a>(docs: &[&'a str]) -> Vec<&'a str> {
    docs.iter().map(|d| source(d)).collect()
}

/// The document of `docs` rendered from `template`.
fn from_template<'a>(docs: &[&'a str], template: &str) -> &'a str {
    docs.iter()
        .find(|d| source(d) == template)
        .unwrap_or_else(|| panic!("no document from {template} in {:?}", sources(docs)))
}

/// What the checks need of one object.
struct Object<'a> {
    kind: &'a str,
    name: &'a str,
    hook: bool,
    /// The Pod spec, for the kinds that hold one.
    pod_spec: Option<&'a Node<'a>>,
}

impl<'a> Object<'a> {
    fn new(root: &'a Node<'a>) -> Self {
        let kind = root.get_str("kind").unwrap_or_default();
        let metadata = root.get("metadata");
        let path: &[&str] = match kind {
            "Pod" => &["spec"],
            "CronJob" => &["spec", "jobTemplate", "spec", "template", "spec"],
            "Deployment"
            | "StatefulSet"
            | "DaemonSet"
            | "ReplicaSet"
            | "ReplicationController"
            | "Job" => &["spec", "template", "spec"],
            _ => &[],
        };
        Self {
            kind,
            name: metadata.and_then(|m| m.get_str("name")).unwrap_or_default(),
            hook: metadata
                .and_then(|m| m.get("annotations"))
                .and_then(|a| a.get(HOOK_ANNOTATION))
                .is_some(),
            pod_spec: (!path.is_empty())
                .then(|| path.iter().try_fold(root, |node, key| node.get(key)))
                .flatten(),
        }
    }
}

/// Each container of a Pod spec, init containers first, and whether it mounts the token
/// volume read-only where client libraries look.
fn token_mounts(spec: &Node<'_>) -> Vec<(String, bool)> {
    ["initContainers", "containers"]
        .into_iter()
        .flat_map(|key| spec.get(key).and_then(Node::items).unwrap_or_default())
        .map(|c| {
            let mounted = c
                .get("volumeMounts")
                .and_then(Node::items)
                .unwrap_or_default()
                .iter()
                .any(|m| {
                    m.get_str("name") == Some(VOLUME)
                        && m.get_str("mountPath") == Some(MOUNT_PATH)
                        && m.get("readOnly").and_then(Node::as_bool) == Some(true)
                });
            (c.get_str("name").unwrap_or_default().to_owned(), mounted)
        })
        .collect()
}

/// The `expirationSeconds` of the token volume's serviceAccountToken source.
fn token_expiration<'a>(spec: &'a Node<'a>) -> Option<&'a str> {
    let volume = spec
        .get("volumes")?
        .items()?
        .iter()
        .find(|v| v.get_str("name") == Some(VOLUME))?;
    volume
        .get("projected")?
        .get("sources")?
        .items()?
        .iter()
        .find_map(|s| s.get("serviceAccountToken"))?
        .get_str("expirationSeconds")
}

/// Asserts that the Pod spec of `doc` is hardened: automount off, the token volume with
/// `expiration`, and the token mounted in exactly the containers `mounts` says.
fn assert_hardened(doc: &str, mounts: &[(&str, bool)], expiration: &str) {
    let docs = Document::parse(doc).unwrap_or_else(|e| panic!("{e:?}:\n{doc}"));
    let object = Object::new(docs.roots().first().expect("one document"));
    let spec = object
        .pod_spec
        .unwrap_or_else(|| panic!("no Pod spec in\n{doc}"));
    let what = format!("{}/{}", object.kind, object.name);
    assert_eq!(
        spec.get("automountServiceAccountToken")
            .and_then(Node::as_bool),
        Some(false),
        "{what}:\n{doc}"
    );
    assert_eq!(token_expiration(spec), Some(expiration), "{what}:\n{doc}");
    let want: Vec<(String, bool)> = mounts.iter().map(|(n, m)| ((*n).to_owned(), *m)).collect();
    assert_eq!(token_mounts(spec), want, "{what}:\n{doc}");
}

/// Asserts that `doc` is a hook whose Pod spec the post-renderer never saw: no automount
/// setting, no token volume, no mount.
fn assert_untouched_hook(doc: &str, containers: &[&str]) {
    let docs = Document::parse(doc).unwrap_or_else(|e| panic!("{e:?}:\n{doc}"));
    let object = Object::new(docs.roots().first().expect("one document"));
    assert!(object.hook, "not a hook:\n{doc}");
    let spec = object
        .pod_spec
        .unwrap_or_else(|| panic!("no Pod spec in\n{doc}"));
    assert!(spec.get("automountServiceAccountToken").is_none(), "{doc}");
    assert_eq!(token_expiration(spec), None, "{doc}");
    let want: Vec<(String, bool)> = containers
        .iter()
        .map(|n| ((*n).to_owned(), false))
        .collect();
    assert_eq!(token_mounts(spec), want, "{doc}");
}

/// Asserts that `hardened` is what Helm makes of `plain` with the function as its
/// post-renderer run with `args`: the function's output for what Helm sent it
/// (`stdin`), then the hooks as rendered.
fn assert_post_rendered(hardened: &str, plain: &str, stdin: &str, args: &[&str]) {
    let hooks = plain.strip_prefix(stdin).unwrap_or_else(|| {
        panic!("the post-renderer's stdin is not the start of the plain render:\n{stdin}")
    });
    let direct = harden(args, stdin.as_bytes());
    assert!(direct.status.success(), "{}", stderr(&direct));
    assert_eq!(hardened, format!("{}{hooks}", stdout(&direct)));
}

fn helm_version_note(helm: &Helm) -> String {
    format!(
        "helm {} sent a hook to the post-renderer; 3.17.3 does not (helm/helm#7891): update \
         this test and the README's Helm section",
        helm.version
    )
}

#[test]
fn helm_create_chart_is_hardened_and_nothing_else_changes() {
    let Some(helm) = Helm::or_skip("helm_create_chart_is_hardened_and_nothing_else_changes") else {
        return;
    };
    let tmp = TempDir::new(TEST);
    let chart = tmp.join(RELEASE);
    run(helm.command(&tmp).arg("create").arg(&chart));

    let plain = helm.template(&tmp, &chart, &[]);
    let hardened = helm.template(&tmp, &chart, &["--post-renderer".as_ref(), BIN.as_ref()]);
    let stdin = post_renderer_stdin(&helm, &tmp, &chart);
    assert_post_rendered(&hardened, &plain, &stdin, &[]);

    let plain_docs = documents(&plain);
    let docs = documents(&hardened);
    assert_eq!(sources(&docs), sources(&plain_docs));
    let mut changed = Vec::new();
    for (doc, plain_doc) in docs.iter().zip(&plain_docs) {
        let parsed = Document::parse(plain_doc).unwrap_or_else(|e| panic!("{e:?}:\n{plain_doc}"));
        let object = Object::new(parsed.roots().first().expect("one document"));
        if object.pod_spec.is_some() && !object.hook {
            changed.push(format!("{}/{}", object.kind, object.name));
            lines_kept_in_order(plain_doc, doc, &[]).unwrap();
        } else {
            assert_eq!(doc, plain_doc, "{} {}", object.kind, object.name);
        }
    }
    assert_eq!(changed, ["Deployment/web"]);
    assert_hardened(
        from_template(&docs, "web/templates/deployment.yaml"),
        &[("web", true)],
        "3607",
    );
    let test_pod = "web/templates/tests/test-connection.yaml";
    assert!(
        !documents(&stdin).iter().any(|d| source(d) == test_pod),
        "{}",
        helm_version_note(&helm)
    );
    assert_untouched_hook(from_template(&docs, test_pod), &["wget"]);
}

/// The templates of `examples/helm/chart`, in the order Helm renders them: the
/// ServiceAccount, the Deployment, then the hooks (the `helm test` Pod, the Job).
const CHART_SOURCES: [&str; 4] = [
    "web/templates/serviceaccount.yaml",
    "web/templates/deployment.yaml",
    "web/templates/tests/test-connection.yaml",
    "web/templates/migrate-job.yaml",
];

/// `examples/helm/chart` rendered as the README's commands render it: the ServiceAccount
/// and the hooks (a Job and a `helm test` Pod) untouched, the Deployment hardened with or
/// without the config of `examples/helm/harden.yaml`.
fn assert_fixture_render(hardened: &str, plain: &str, with_config: bool) {
    let docs = documents(hardened);
    let plain_docs = documents(plain);
    let [sa, deployment, test, job] = CHART_SOURCES;
    assert_eq!(sources(&docs), CHART_SOURCES);
    assert_eq!(sources(&plain_docs), CHART_SOURCES);
    assert_eq!(from_template(&docs, sa), from_template(&plain_docs, sa));
    for (hook, container) in [(job, "migrate"), (test, "wget")] {
        assert_eq!(from_template(&docs, hook), from_template(&plain_docs, hook));
        assert_untouched_hook(from_template(&docs, hook), &[container]);
    }
    let doc = from_template(&docs, deployment);
    lines_kept_in_order(from_template(&plain_docs, deployment), doc, &[]).unwrap();
    if with_config {
        // initContainers: false, expirationSeconds: 7200
        assert_hardened(doc, &[("wait-for-db", false), ("app", true)], "7200");
    } else {
        assert_hardened(doc, &[("wait-for-db", true), ("app", true)], "3607");
    }
}

#[test]
fn post_renderer_args_carry_a_typed_config() {
    let Some(helm) = Helm::or_skip("post_renderer_args_carry_a_typed_config") else {
        return;
    };
    let tmp = TempDir::new(TEST);
    let chart = repo_path(&format!("{FIXTURES}/chart"));
    let config = repo_path(&format!("{FIXTURES}/harden.yaml"));
    let config_arg = format!("--config={}", config.display());

    let plain = helm.template(&tmp, &chart, &[]);
    let with_config = format!("--post-renderer-args={config_arg}");
    let hardened = helm.template(
        &tmp,
        &chart,
        &[
            "--post-renderer".as_ref(),
            BIN.as_ref(),
            with_config.as_ref(),
        ],
    );
    let stdin = post_renderer_stdin(&helm, &tmp, &chart);
    assert_eq!(
        sources(&documents(&stdin)),
        [
            "web/templates/serviceaccount.yaml",
            "web/templates/deployment.yaml"
        ],
        "{}",
        helm_version_note(&helm)
    );
    assert_post_rendered(&hardened, &plain, &stdin, &[&config_arg]);
    assert_fixture_render(&hardened, &plain, true);
}

#[test]
fn a_bad_config_fails_the_render_with_the_function_message() {
    let Some(helm) = Helm::or_skip("a_bad_config_fails_the_render_with_the_function_message")
    else {
        return;
    };
    let tmp = TempDir::new(TEST);
    let chart = repo_path(&format!("{FIXTURES}/chart"));
    let bad = tmp.join("bad.yaml");
    fs::write(
        &bad,
        "apiVersion: fn.harden-sa-token.dev/v1alpha1\nkind: HardenServiceAccountToken\n\
         metadata:\n  name: harden\nspec:\n  expirySeconds: 1\n",
    )
    .expect("write bad.yaml");
    let config_arg = format!("--config={}", bad.display());

    let out = helm.template_output(
        &tmp,
        &chart,
        &[
            "--post-renderer".as_ref(),
            BIN.as_ref(),
            format!("--post-renderer-args={config_arg}").as_ref(),
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");

    // Helm wraps the function's stderr, whole, in its own error.
    let stdin = post_renderer_stdin(&helm, &tmp, &chart);
    let direct = harden(&[&config_arg], stdin.as_bytes());
    assert_eq!(direct.status.code(), Some(1));
    let message = stderr(&direct);
    let want_start = format!(
        "harden-sa-token: config file {}: functionConfig field `spec.expirySeconds` (line 6, \
         column 3): unknown field `expirySeconds` (did you mean `expirationSeconds`?); allowed: ",
        bad.display()
    );
    assert!(message.starts_with(&want_start), "{message}");
    assert!(message.ends_with('\n'), "{message:?}");
    assert_eq!(
        stderr(&out),
        format!(
            "Error: error while running post render on files: error while running command \
             {BIN}. error output:\n{message}: exit status 1\n\n\
             Use --debug flag to render out invalid YAML\n"
        )
    );
}

/// The commands of the README's `sh` block between the markers `<!-- NAME: begin -->` and
/// `<!-- NAME: end -->`.
fn readme_commands(name: &str) -> Vec<String> {
    let readme = repo_file("README.md");
    let (begin, end) = (
        format!("<!-- {name}: begin -->\n"),
        format!("<!-- {name}: end -->\n"),
    );
    for marker in [&begin, &end] {
        assert_eq!(
            readme.matches(marker.as_str()).count(),
            1,
            "README.md: {marker:?}"
        );
    }
    let (_, rest) = readme.split_once(&begin).expect("begin marker");
    let (region, _) = rest.split_once(&end).expect("end marker");
    let (block, _) = region
        .strip_prefix("```sh\n")
        .and_then(|b| b.split_once("\n```\n"))
        .unwrap_or_else(|| panic!("README.md: no ```sh block right after {begin:?}"));
    block
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .map(str::to_owned)
        .collect()
}

/// `PATH` on which `helm` is `helm` and `harden-sa-token` the binary cargo built, as for
/// a user who installed both.
fn path_with_helm(helm: &Helm, tmp: &TempDir) -> std::ffi::OsString {
    let helm_path = helm.path.to_str().expect("UTF-8 helm path");
    assert!(!helm_path.contains('\''), "{helm_path}");
    common::shim(
        &tmp.join("bin"),
        "helm",
        &format!("#!/bin/sh\nexec '{helm_path}' \"$@\"\n"),
        &path_with_bin(),
    )
}

/// Runs a README command as written, by `sh` from the repository root with `path`, in
/// `tmp`'s Helm home; panics unless it succeeds.
fn run_readme_command(command: &str, path: &OsStr, tmp: &TempDir) -> Output {
    let mut sh = Command::new("sh");
    sh.args(["-c", command])
        .current_dir(repo_path("."))
        .env("PATH", path);
    isolate(&mut sh, tmp);
    let out = output(&mut sh);
    assert!(
        out.status.success(),
        "README.md: `{command}` failed ({}):\n{}",
        out.status,
        stderr(&out)
    );
    out
}

#[test]
fn readme_helm_commands_run_as_written() {
    let Some(helm) = Helm::or_skip("readme_helm_commands_run_as_written") else {
        return;
    };
    let commands = readme_commands("e2e_helm");
    const CONFIG: &str = "--post-renderer-args=--config=examples/helm/harden.yaml";
    assert!(
        commands.iter().any(|c| !c.contains(CONFIG)) && commands.iter().any(|c| c.contains(CONFIG)),
        "the README shows a command without and one with {CONFIG}: {commands:?}"
    );

    let tmp = TempDir::new(TEST);
    let path = path_with_helm(&helm, &tmp);
    let plain = helm.template(&tmp, &repo_path(FIXTURES).join("chart"), &[]);
    for command in &commands {
        let out = run_readme_command(command, &path, &tmp);
        assert_eq!(stderr(&out), "", "README.md: `{command}`");
        assert_fixture_render(&stdout(&out), &plain, command.contains(CONFIG));
    }
}

/// Helm 4 with the repository's post-renderer plugin installed in `tmp`'s Helm home, and
/// `PATH` for it: `harden-sa-token` is the binary cargo built, `helm` this Helm.
fn helm4_with_plugin(helm: &Helm, tmp: &TempDir) -> std::ffi::OsString {
    let path = path_with_helm(helm, tmp);
    let mut install = helm.command(tmp);
    install
        .args(["plugin", "install"])
        .arg(repo_path("examples/integrations/helm-plugin"))
        .env("PATH", &path);
    run(&mut install);
    path
}

/// `helm ARGS` (Helm 4, from the repository root, with `path`), which must succeed;
/// returns its stdout.
fn helm4(helm: &Helm, tmp: &TempDir, path: &std::ffi::OsStr, args: &[&str]) -> String {
    let mut cmd = helm.command(tmp);
    cmd.args(args).current_dir(repo_path(".")).env("PATH", path);
    let out = run(&mut cmd);
    assert_eq!(stderr(&out), "", "helm {args:?}");
    stdout(&out)
}

/// `examples/helm/chart` as Helm 4 renders it through the function: every Pod template,
/// the hooks' included, hardened (with `harden.yaml`: the init container without a
/// token, tokens of 7200 s); the ServiceAccount's own setting untouched; Helm's
/// annotations gone again. (Helm 4 re-serializes what it sends a post-renderer, so the
/// lines are compared with what it sent, in the spy test, not with the plain render.)
fn assert_helm4_render(hardened: &str, plain: &str, with_config: bool) {
    let docs = documents(hardened);
    let plain_docs = documents(plain);
    let [sa, deployment, test, job] = CHART_SOURCES;
    assert_eq!(sources(&docs), CHART_SOURCES);
    assert_eq!(sources(&plain_docs), sources(&docs));
    assert!(
        from_template(&docs, sa)
            .lines()
            .any(|l| l == "automountServiceAccountToken: true"),
        "{hardened}"
    );
    assert!(!hardened.contains("postrender-filename"), "{hardened}");
    let expiration = if with_config { "7200" } else { "3607" };
    assert_hardened(
        from_template(&docs, deployment),
        &[("wait-for-db", !with_config), ("app", true)],
        expiration,
    );
    assert_hardened(from_template(&docs, job), &[("migrate", true)], expiration);
    assert_hardened(from_template(&docs, test), &[("wget", true)], expiration);
}

#[test]
fn helm4_plugin_hardens_templates_and_hooks_in_one_call() {
    let Some(helm) = Helm::major_or_skip(
        HELM4,
        "helm4_plugin_hardens_templates_and_hooks_in_one_call",
    ) else {
        return;
    };
    let tmp = TempDir::new(TEST);
    let path = helm4_with_plugin(&helm, &tmp);
    let chart = "examples/helm/chart";
    let plain = helm4(&helm, &tmp, &path, &["template", RELEASE, chart]);
    let hardened = helm4(
        &helm,
        &tmp,
        &path,
        &[
            "template",
            RELEASE,
            chart,
            "--post-renderer",
            "harden-sa-token",
        ],
    );
    assert_helm4_render(&hardened, &plain, false);
    let configured = helm4(
        &helm,
        &tmp,
        &path,
        &[
            "template",
            RELEASE,
            chart,
            "--post-renderer",
            "harden-sa-token",
            "--post-renderer-args=--config=examples/helm/harden.yaml",
        ],
    );
    assert_helm4_render(&configured, &plain, true);
}

#[test]
fn helm4_sends_hooks_with_filename_annotations_that_the_function_keeps() {
    let Some(helm) = Helm::major_or_skip(
        HELM4,
        "helm4_sends_hooks_with_filename_annotations_that_the_function_keeps",
    ) else {
        return;
    };
    let tmp = TempDir::new(TEST);
    let path = helm4_with_plugin(&helm, &tmp);
    // A second plugin that saves what Helm sends and what the function answers.
    let (saved_in, saved_out) = (tmp.join("stdin.yaml"), tmp.join("stdout.yaml"));
    let spy = tmp.join("spy");
    fs::create_dir(&spy).expect("spy dir");
    fs::write(
        spy.join("spy.sh"),
        format!(
            "#!/bin/sh\ntee '{}' | harden-sa-token \"$@\" | tee '{}'\n",
            saved_in.display(),
            saved_out.display()
        ),
    )
    .expect("write spy.sh");
    run(Command::new("chmod").arg("+x").arg(spy.join("spy.sh")));
    fs::write(
        spy.join("plugin.yaml"),
        format!(
            "apiVersion: v1\ntype: postrenderer/v1\nname: spy\nversion: 0.1.0\n\
             runtime: subprocess\nruntimeConfig:\n  platformCommand:\n  - command: {}\n",
            spy.join("spy.sh").display()
        ),
    )
    .expect("write plugin.yaml");
    let mut install = helm.command(&tmp);
    install
        .args(["plugin", "install"])
        .arg(&spy)
        .env("PATH", &path);
    run(&mut install);

    let chart = "examples/helm/chart";
    let hardened = helm4(
        &helm,
        &tmp,
        &path,
        &["template", RELEASE, chart, "--post-renderer", "spy"],
    );
    let plain = helm4(&helm, &tmp, &path, &["template", RELEASE, chart]);
    assert_helm4_render(&hardened, &plain, false);

    let sent = fs::read_to_string(&saved_in).expect("saved stdin");
    let answered = fs::read_to_string(&saved_out).expect("saved stdout");
    const ANNOTATION: &str = "postrenderer.helm.sh/postrender-filename: ";
    let marks = |text: &str| -> Vec<String> {
        text.lines()
            .filter(|l| l.contains(ANNOTATION))
            .map(|l| l.trim().to_owned())
            .collect()
    };
    let sent_marks = marks(&sent);
    // Templates and hooks in one stream, each document marked with its file.
    for file in [
        "web/templates/serviceaccount.yaml",
        "web/templates/deployment.yaml",
        "web/templates/migrate-job.yaml",
        "web/templates/tests/test-connection.yaml",
    ] {
        assert!(
            sent_marks.iter().any(|m| m.contains(file)),
            "Helm {} did not send {file} with its annotation: {sent_marks:?}",
            helm.version
        );
    }
    assert_eq!(
        marks(&answered),
        sent_marks,
        "the function keeps Helm's annotations"
    );
    lines_kept_in_order(&sent, &answered, &[]).unwrap();
    // What Helm printed is the function's answer, split again by those annotations.
    let direct = harden(&[], sent.as_bytes());
    assert!(direct.status.success(), "{}", stderr(&direct));
    assert_eq!(stdout(&direct), answered);
}

#[test]
fn helm4_install_dry_run_hardens_the_release_and_its_hooks() {
    let Some(helm) = Helm::major_or_skip(
        HELM4,
        "helm4_install_dry_run_hardens_the_release_and_its_hooks",
    ) else {
        return;
    };
    let tmp = TempDir::new(TEST);
    let path = helm4_with_plugin(&helm, &tmp);
    let out = helm4(
        &helm,
        &tmp,
        &path,
        &[
            "install",
            RELEASE,
            "examples/helm/chart",
            "--dry-run=client",
            "--post-renderer",
            "harden-sa-token",
        ],
    );
    // `helm install --dry-run` prints the hooks under HOOKS: and the rest under MANIFEST:.
    let (_, rest) = out
        .split_once("HOOKS:\n")
        .unwrap_or_else(|| panic!("{out}"));
    let (hooks, manifest) = rest
        .split_once("MANIFEST:\n")
        .unwrap_or_else(|| panic!("{out}"));
    let hooks = documents(hooks);
    let manifest = documents(manifest);
    assert_hardened(
        from_template(&manifest, "web/templates/deployment.yaml"),
        &[("wait-for-db", true), ("app", true)],
        "3607",
    );
    assert_hardened(
        from_template(&hooks, "web/templates/migrate-job.yaml"),
        &[("migrate", true)],
        "3607",
    );
    assert_hardened(
        from_template(&hooks, "web/templates/tests/test-connection.yaml"),
        &[("wget", true)],
        "3607",
    );
}

#[test]
fn helm4_readme_commands_run_as_written() {
    let Some(helm) = Helm::major_or_skip(HELM4, "helm4_readme_commands_run_as_written") else {
        return;
    };
    let commands = readme_commands("e2e_helm4");
    const INSTALL: &str = "helm plugin install examples/integrations/helm-plugin";
    const CONFIG: &str = "--post-renderer-args=--config=examples/helm/harden.yaml";
    assert_eq!(
        commands.first().map(String::as_str),
        Some(INSTALL),
        "{commands:?}"
    );
    let tmp = TempDir::new(TEST);
    let path = path_with_helm(&helm, &tmp);
    let plain = helm4(
        &helm,
        &tmp,
        &path,
        &["template", RELEASE, "examples/helm/chart"],
    );
    let renders = commands.iter().filter(|c| c.starts_with("helm template"));
    assert_eq!(renders.clone().count(), 2, "{commands:?}");
    for command in &commands {
        let out = run_readme_command(command, &path, &tmp);
        if command.starts_with("helm template") {
            assert_eq!(stderr(&out), "", "README.md: `{command}`");
            assert_helm4_render(&stdout(&out), &plain, command.contains(CONFIG));
        }
    }
}
