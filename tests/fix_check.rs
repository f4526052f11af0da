//! `fix` and `check` on a tree of manifests of our own (`tests/fix/tree/`): mixed YAML
//! and JSON, CRLF, a nested `.yml`, a file without a final newline, one with nothing to
//! do, one that is not YAML, a chart's values (not Kubernetes objects), a hidden
//! directory and a text file. `tests/fix/expected/` is the tree after `fix`;
//! `UPDATE_EXPECTED=1 cargo test --test fix_check` rewrites it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{BIN, copy_dir, fixture_tree, harden_in, output, repo_path, stderr, stdout, works};
use harden_sa_token::workloads;
use harden_sa_token::yaml::Document;

/// Every file under `dir`, by path relative to it, with its bytes.
fn files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for entry in fs::read_dir(dir).expect("read dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path.strip_prefix(root).expect("under root").to_owned();
                out.insert(rel, fs::read(&path).expect("read file"));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

#[test]
fn fix_edits_in_place_keeps_permissions_and_leaves_bad_files_alone() {
    let tmp = fixture_tree("fix-tree");
    let dir = &tmp.0;
    let before = files(dir);
    let mode = |p: &str| {
        fs::metadata(dir.join(p))
            .expect("metadata")
            .permissions()
            .mode()
            & 0o777
    };
    let set_mode = |p: &str, m: u32| {
        fs::set_permissions(dir.join(p), fs::Permissions::from_mode(m)).expect("chmod")
    };
    set_mode("k8s/web.yaml", 0o600);
    set_mode("k8s/job.json", 0o755);
    let inode = |p: &str| fs::metadata(dir.join(p)).expect("metadata").ino();
    let untouched = ["k8s/done.yaml", "k8s/values.yaml", "k8s/broken.yaml"];
    let inodes: Vec<u64> = untouched.iter().map(|p| inode(p)).collect();

    let out = harden_in(dir, &["fix", "k8s"]);
    // broken.yaml is not YAML: reported with its position, and the run fails.
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(out.stdout.is_empty(), "fix writes files, not stdout");
    let err = stderr(&out);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(
        lines.first().copied(),
        Some(
            "k8s/broken.yaml:6:15: error: not valid YAML: unclosed bracket '['; file left as it was"
        )
    );
    assert_eq!(
        lines.last().copied(),
        Some(
            "harden-sa-token: 9 files (5 changed, 1 failed): 5 Pod templates hardened, 1 already hardened; 4 warnings, 1 error"
        )
    );
    // `rbac: advise` warns where nothing grants the token anything: the four Pod templates
    // of ServiceAccount `default`, not the web tier, whose binding is in another file.
    let warned: Vec<&str> = lines
        .iter()
        .filter(|l| l.contains(": warning: "))
        .map(|l| l.split(':').next().unwrap_or_default())
        .collect();
    assert_eq!(
        warned,
        [
            "k8s/job.json",
            "k8s/nested/cronjob.yml",
            "k8s/nested/no-final-newline.yaml",
            "k8s/windows.yaml"
        ]
    );

    let expected_dir = repo_path("tests/fix/expected");
    if std::env::var("UPDATE_EXPECTED").is_ok_and(|v| v == "1") {
        let _ = fs::remove_dir_all(&expected_dir);
        copy_dir(dir, &expected_dir);
        // The modes this test sets are its own, not the fixture's.
        for p in ["k8s/web.yaml", "k8s/job.json"] {
            fs::set_permissions(expected_dir.join(p), fs::Permissions::from_mode(0o644))
                .expect("chmod");
        }
    }
    let got = files(dir);
    let want = files(&expected_dir);
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        want.keys().collect::<Vec<_>>()
    );
    for (path, text) in &want {
        assert!(
            got.get(path) == Some(text),
            "{}: differs from tests/fix/expected",
            path.display()
        );
    }
    // Files with nothing to do, or that could not be read, are not written at all; the
    // hidden directory and the text file are not walked.
    assert_eq!(
        untouched.iter().map(|p| inode(p)).collect::<Vec<_>>(),
        inodes
    );
    for path in [
        "k8s/broken.yaml",
        "k8s/.hidden/ignored.yaml",
        "k8s/notes.txt",
    ] {
        assert_eq!(
            got.get(Path::new(path)),
            before.get(Path::new(path)),
            "{path}"
        );
    }
    assert_eq!((mode("k8s/web.yaml"), mode("k8s/job.json")), (0o600, 0o755));
    // CRLF stays CRLF, and a second run changes nothing.
    let windows = String::from_utf8(got[Path::new("k8s/windows.yaml")].clone()).expect("UTF-8");
    assert!(
        windows.split_inclusive('\n').all(|l| l.ends_with("\r\n")),
        "{windows:?}"
    );
    let again = harden_in(dir, &["fix", "k8s"]);
    assert_eq!(files(dir), got, "{}", stderr(&again));
}

#[test]
fn fix_diff_writes_nothing_and_git_applies_it() {
    let tmp = fixture_tree("fix-diff");
    let dir = &tmp.0;
    let before = files(dir);
    let out = harden_in(dir, &["fix", "--diff", "k8s"]);
    assert_eq!(out.status.code(), Some(1), "broken.yaml is an error");
    assert_eq!(files(dir), before, "--diff writes nothing");
    // Nothing was written, so the summary says what fix would do.
    let summary = stderr(&out);
    let summary = summary.lines().last().unwrap_or_default();
    assert!(
        summary.starts_with("harden-sa-token: 9 files (5 would change, 1 failed): 5 Pod templates would be hardened, "),
        "{summary}"
    );
    let diff = stdout(&out);
    assert!(diff.starts_with("--- a/k8s/"), "{diff}");
    if !works("git", &["--version"]) {
        return common::skip("fix_check::diff", "git does not run");
    }
    let git = |args: &[&str]| {
        let out = output(Command::new("git").args(args).current_dir(dir));
        assert!(out.status.success(), "git {args:?}: {}", stderr(&out));
    };
    git(&["init", "-q"]);
    let patch = dir.join("../fix-diff.patch");
    fs::write(&patch, &diff).expect("write patch");
    git(&["apply", "--check", patch.to_str().expect("UTF-8")]);
    git(&["apply", patch.to_str().expect("UTF-8")]);
    let _ = fs::remove_file(&patch);
    let _ = fs::remove_dir_all(dir.join(".git"));
    assert_eq!(files(dir), files(&repo_path("tests/fix/expected")));
}

#[test]
fn check_points_at_each_pod_spec_and_writes_nothing() {
    let tmp = fixture_tree("check-tree");
    let dir = &tmp.0;
    let before = files(dir);
    let out = harden_in(dir, &["check", "k8s"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(files(dir), before, "check writes nothing");
    assert!(out.stdout.is_empty());
    let err = stderr(&out);
    let mut lines: Vec<&str> = err.lines().collect();
    assert_eq!(
        lines.pop(),
        Some(
            "harden-sa-token: 9 files (1 failed): 5 Pod templates not hardened, 1 already hardened; 4 warnings, 6 errors"
        )
    );
    lines.retain(|l| !l.contains(": warning: "));
    // Each finding is `path:line:column: severity: message`, and points at the Pod spec
    // of the workload it names, in that file.
    let mut pointed = 0;
    for line in &lines {
        let mut parts = line.splitn(4, ':');
        let (path, row, column) = (
            parts.next().expect("path"),
            parts
                .next()
                .expect("line")
                .parse::<usize>()
                .expect("a line number"),
            parts
                .next()
                .expect("column")
                .parse::<usize>()
                .expect("a column"),
        );
        let rest = parts.next().expect("message");
        assert!(rest.starts_with(" error: "), "{line}");
        if path == "k8s/broken.yaml" {
            assert_eq!((row, column), (6, 15), "{line}");
            continue;
        }
        let text = fs::read_to_string(dir.join(path)).expect("read");
        let doc = Document::parse(&text).expect("parses");
        let specs: Vec<(usize, usize)> = doc
            .roots()
            .iter()
            .flat_map(|root| workloads::pod_templates(root, &[]))
            .map(|f| (f.spec.line(), f.spec.column()))
            .collect();
        assert!(
            specs.contains(&(row, column)),
            "{line}: not a Pod spec of {path}: {specs:?}"
        );
        pointed += 1;
    }
    assert_eq!(pointed, 5);

    // Under GitHub Actions the same findings are workflow commands, on stdout.
    let out = output(
        Command::new(BIN)
            .args(["check", "k8s"])
            .current_dir(dir)
            .env("GITHUB_ACTIONS", "true"),
    );
    let commands = stdout(&out);
    assert_eq!(commands.lines().count(), 10, "{commands}");
    assert!(
        commands.contains("::error file=k8s/broken.yaml,line=6,col=15,title=harden-sa-token::not valid YAML: unclosed bracket '['; file left as it was\n"),
        "{commands}"
    );
    assert!(
        commands
            .lines()
            .all(|l| l.starts_with("::error file=k8s/") || l.starts_with("::warning file=k8s/")),
        "{commands}"
    );
}

#[test]
fn check_verbose_lists_each_file_and_template_it_looked_at() {
    let tmp = fixture_tree("check-verbose");
    let out = harden_in(&tmp.0, &["check", "-v", "k8s"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    // Every file read, with how many Pod templates it holds (the one that is not YAML
    // is an error instead).
    let listed: Vec<&str> = err
        .lines()
        .filter_map(|l| l.strip_prefix("harden-sa-token: k8s/"))
        .collect();
    assert_eq!(listed.len(), 8, "{err}");
    assert!(
        listed
            .iter()
            .all(|l| l.ends_with(" Pod template") || l.ends_with(" Pod templates")),
        "{err}"
    );
    // Every Pod template, at its Pod spec, with what would become of it.
    let templates: Vec<&str> = err
        .lines()
        .filter(|l| l.contains(": info: ") && l.contains("; runs as ServiceAccount "))
        .collect();
    assert_eq!(templates.len(), 6, "{err}");
    assert_eq!(
        templates
            .iter()
            .filter(|l| l.contains(": not hardened (enforce mode would harden it); "))
            .count(),
        5,
        "{err}"
    );
    assert_eq!(
        templates
            .iter()
            .filter(|l| l.contains(": already hardened; "))
            .count(),
        1,
        "{err}"
    );
}

#[test]
fn all_files_are_one_input_for_the_rbac_evidence() {
    // Under `rbac: apply`, a Pod template keeps its token only when a binding in the
    // input grants its ServiceAccount something: the web tier's binding is in another
    // file (k8s/rbac.yaml) and counts; nothing grants `default` anything.
    let tmp = fixture_tree("fix-rbac");
    let dir = &tmp.0;
    fs::write(
        dir.join("apply.yaml"),
        "apiVersion: v1\nkind: ConfigMap\ndata:\n  rbac: apply\n",
    )
    .expect("write config");
    let windows_before = fs::read_to_string(dir.join("k8s/windows.yaml")).expect("read");
    let out = harden_in(dir, &["fix", "--config", "apply.yaml", "k8s"]);
    assert_eq!(out.status.code(), Some(1), "broken.yaml: {}", stderr(&out));
    let read = |p: &str| fs::read_to_string(dir.join(p)).expect("read");
    let web = read("k8s/web.yaml");
    assert!(web.contains("name: kube-api-access"), "{web}");
    // `automountServiceAccountToken: true` on the Pod template asks for the token, which
    // the evidence says is idle: left as it was, with a warning that says how to decide.
    assert_eq!(read("k8s/windows.yaml"), windows_before);
    let warned = stderr(&out).lines().any(|l| {
        l.starts_with("k8s/windows.yaml:15:7: warning: ")
            && l.contains("rbac: apply left this Pod template as it was")
    });
    assert!(warned, "{}", stderr(&out));
    for path in ["k8s/job.json", "k8s/nested/cronjob.yml"] {
        let text = read(path);
        assert!(!text.contains("kube-api-access"), "{path}: {text}");
        assert!(
            text.contains("automountServiceAccountToken: false")
                || text.contains("\"automountServiceAccountToken\": false"),
            "{path}: {text}"
        );
    }
    // Without the RBAC file, the web tier's ServiceAccount is defined nowhere: the
    // evidence is incomplete, and it keeps its token with a warning that says so.
    let tmp = fixture_tree("fix-rbac-alone");
    let dir = &tmp.0;
    fs::write(
        dir.join("apply.yaml"),
        "apiVersion: v1\nkind: ConfigMap\ndata:\n  rbac: apply\n",
    )
    .expect("write config");
    let out = harden_in(dir, &["fix", "--config", "apply.yaml", "k8s/web.yaml"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("k8s/web.yaml:15:7: warning: "),
        "{}",
        stderr(&out)
    );
    assert!(
        fs::read_to_string(dir.join("k8s/web.yaml"))
            .expect("read")
            .contains("name: kube-api-access")
    );
}

/// kube-state-metrics as its chart renders it: the Deployment and its ServiceAccount in
/// one file, its ClusterRole and ClusterRoleBinding in another.
const KSM_DEPLOYMENT: &str = "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: kube-state-metrics, namespace: monitoring}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: kube-state-metrics, namespace: monitoring}\nspec:\n  template:\n    spec:\n      serviceAccountName: kube-state-metrics\n      containers:\n      - {name: kube-state-metrics, image: ksm}\n---\napiVersion: v1\nkind: ServiceAccount\nmetadata: {name: idle, namespace: monitoring}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: idle, namespace: monitoring}\nspec:\n  template:\n    spec:\n      serviceAccountName: idle\n      containers:\n      - {name: app, image: idle}\n";
const KSM_RBAC: &str = "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: kube-state-metrics}\nrules:\n- {apiGroups: [''], resources: [pods, nodes], verbs: [list, watch]}\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: kube-state-metrics}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: kube-state-metrics}\nsubjects:\n- {kind: ServiceAccount, name: kube-state-metrics, namespace: monitoring}\n";
const APPLY: &str = "apiVersion: v1\nkind: ConfigMap\ndata:\n  rbac: apply\n";

/// A directory with the two files of kube-state-metrics (`rbac.yaml` at `rbac_at`) and
/// the config `apply.yaml`.
fn ksm_tree(test: &str, rbac_at: &str) -> common::TempDir {
    let tmp = common::TempDir::new(test);
    fs::create_dir_all(tmp.join("install")).expect("mkdir");
    fs::write(tmp.join("install/deployment.yaml"), KSM_DEPLOYMENT).expect("write");
    fs::write(tmp.join(rbac_at), KSM_RBAC).expect("write");
    fs::write(tmp.join("apply.yaml"), APPLY).expect("write");
    tmp
}

#[test]
fn a_cluster_role_binding_in_another_file_keeps_the_token() {
    // Bug report: rbac: apply took kube-state-metrics' token when its
    // ClusterRoleBinding lives in another file of the same install.
    let tmp = ksm_tree("ksm-two-files", "install/rbac.yaml");
    let dir = &tmp.0;
    let out = harden_in(dir, &["fix", "--config", "apply.yaml", "install"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = fs::read_to_string(dir.join("install/deployment.yaml")).expect("read");
    let doc = Document::parse(&text).expect("YAML");
    let holds = |name: &str| {
        let root = doc
            .roots()
            .iter()
            .find(|r| {
                r.get_str("kind") == Some("Deployment")
                    && r.get("metadata").and_then(|m| m.get_str("name")) == Some(name)
            })
            .expect("the Deployment");
        let spec = &workloads::pod_templates(root, &[])[0];
        let text = &text[spec.spec.span()];
        text.contains("kube-api-access")
    };
    assert!(holds("kube-state-metrics"), "{text}");
    // The other Deployment's ServiceAccount is bound to nothing in the whole install.
    assert!(!holds("idle"), "{text}");
    // The deployment file alone holds no binding: nothing proves the token idle, and
    // both keep it, with a warning that says what is missing.
    let tmp = ksm_tree("ksm-one-file", "rbac.yaml");
    let dir = &tmp.0;
    let out = harden_in(
        dir,
        &["check", "--config", "apply.yaml", "install/deployment.yaml"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert_eq!(
        err.matches("neither the input nor the evidence holds a RoleBinding or ClusterRoleBinding")
            .count(),
        2,
        "{err}"
    );
    assert!(!err.contains("no container should hold the token"), "{err}");
}

#[test]
fn evidence_files_feed_the_decision_and_are_never_written() {
    // The RBAC comes as evidence: `--evidence` for fix, check and a stream.
    let tmp = ksm_tree("ksm-evidence", "rbac.yaml");
    let dir = &tmp.0;
    let evidence_before = fs::read(dir.join("rbac.yaml")).expect("read");
    let check = harden_in(
        dir,
        &[
            "check",
            "--config",
            "apply.yaml",
            "--evidence",
            "rbac.yaml",
            "install",
        ],
    );
    assert_eq!(check.status.code(), Some(1), "{}", stderr(&check));
    let err = stderr(&check);
    // Only `idle` would lose its token, and the message names the evidence read.
    assert_eq!(
        err.matches("no container should hold the token").count(),
        1,
        "{err}"
    );
    assert!(
        err.contains("evidence read: 2 RBAC objects of the input and 2 of the evidence"),
        "{err}"
    );
    assert!(err.contains("apiAccess: all}`"), "{err}");
    let fix = harden_in(
        dir,
        &[
            "fix",
            "--config",
            "apply.yaml",
            "--evidence",
            "rbac.yaml",
            "install",
        ],
    );
    assert!(fix.status.success(), "{}", stderr(&fix));
    assert_eq!(
        fs::read(dir.join("rbac.yaml")).expect("read"),
        evidence_before
    );
    let text = fs::read_to_string(dir.join("install/deployment.yaml")).expect("read");
    assert_eq!(text.matches("serviceAccountToken:").count(), 1, "{text}");
    // A stream: the evidence is read, not written out.
    let stream = common::output_with_stdin(
        Command::new(BIN)
            .args(["--config", "apply.yaml", "--evidence", "rbac.yaml"])
            .current_dir(dir),
        KSM_DEPLOYMENT.as_bytes(),
    );
    assert!(stream.status.success(), "{}", stderr(&stream));
    let out = stdout(&stream);
    assert_eq!(out.matches("serviceAccountToken:").count(), 1, "{out}");
    assert!(!out.contains("ClusterRoleBinding"), "{out}");
    // An unreadable evidence file is an error, and nothing is written.
    fs::write(dir.join("bad.yaml"), "a: [").expect("write");
    let bad = common::output_with_stdin(
        Command::new(BIN)
            .args(["--evidence", "bad.yaml"])
            .current_dir(dir),
        KSM_DEPLOYMENT.as_bytes(),
    );
    assert_eq!(bad.status.code(), Some(1));
    assert!(stdout(&bad).is_empty());
    assert!(
        stderr(&bad).contains("evidence file bad.yaml: "),
        "{}",
        stderr(&bad)
    );
}

#[test]
fn the_evidence_command_turns_a_snapshot_into_local_config_objects() {
    let tmp = ksm_tree("ksm-snapshot", "rbac.yaml");
    let dir = &tmp.0;
    // `kubectl get ... -o yaml` writes a v1 List with what the API server adds.
    let list = format!(
        "apiVersion: v1\nkind: List\nmetadata: {{resourceVersion: ''}}\nitems:\n{}",
        KSM_RBAC
            .split("---\n")
            .map(|doc| {
                let doc = doc.replace(
                    "metadata: {name: kube-state-metrics}",
                    "metadata: {name: kube-state-metrics, uid: 1f2e, resourceVersion: '42', managedFields: [{manager: helm}]}",
                );
                let mut lines = doc.lines();
                let first = lines.next().unwrap_or_default();
                let rest: Vec<String> = lines.map(|l| format!("  {l}\n")).collect();
                format!("- {first}\n{}", rest.concat())
            })
            .collect::<String>()
    );
    let out = common::output_with_stdin(Command::new(BIN).arg("evidence"), list.as_bytes());
    assert!(out.status.success(), "{}", stderr(&out));
    let evidence = stdout(&out);
    assert_eq!(
        evidence
            .matches("config.kubernetes.io/local-config: \"true\"")
            .count(),
        2,
        "{evidence}"
    );
    for gone in ["uid", "resourceVersion", "managedFields"] {
        assert!(!evidence.contains(gone), "{evidence}");
    }
    assert!(
        stderr(&out).contains("2 objects written"),
        "{}",
        stderr(&out)
    );
    // In the install's directory, the annotated objects are evidence: fix reads them,
    // leaves them as they are, and keeps kube-state-metrics' token.
    fs::write(dir.join("install/rbac-evidence.yaml"), &evidence).expect("write");
    let fix = harden_in(dir, &["fix", "--config", "apply.yaml", "install"]);
    assert!(fix.status.success(), "{}", stderr(&fix));
    assert_eq!(
        fs::read_to_string(dir.join("install/rbac-evidence.yaml")).expect("read"),
        evidence
    );
    let text = fs::read_to_string(dir.join("install/deployment.yaml")).expect("read");
    assert_eq!(text.matches("serviceAccountToken:").count(), 1, "{text}");
    // Not a snapshot: an error that names the command to run.
    let none = common::output_with_stdin(
        Command::new(BIN).arg("evidence"),
        b"apiVersion: v1\nkind: List\nitems: []\n",
    );
    assert_eq!(none.status.code(), Some(1));
    assert!(
        stderr(&none).contains("kubectl get clusterroles"),
        "{}",
        stderr(&none)
    );
}

/// Containers `a` and `b` share one anchored `volumeMounts` list, and the config wants a
/// token only in `a`: the list cannot be edited for one without the other, so `fix`
/// leaves the Deployment unchanged. `check` must say that very thing (not "enforce mode
/// would fix this"), naming the alias and the anchor as `fix` does (issue 17).
const SHARED_MOUNTS: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
      - name: a
        image: x
        volumeMounts: &mounts
        - name: data
          mountPath: /data
      - name: b
        image: y
        volumeMounts: *mounts
";

/// The `path:line:column: severity: message` lines of errors in `out`'s stderr.
fn error_lines(out: &std::process::Output) -> Vec<String> {
    stderr(out)
        .lines()
        .filter(|l| l.contains(": error: "))
        .map(str::to_owned)
        .collect()
}

#[test]
fn check_refuses_what_fix_refuses_in_the_same_words() {
    let tmp = common::TempDir::new("check-equals-fix");
    let dir = &tmp.0;
    fs::write(dir.join("web.yaml"), SHARED_MOUNTS).expect("write");
    fs::write(
        dir.join("config.yaml"),
        "apiVersion: v1\nkind: ConfigMap\ndata:\n  excludeContainers: b\n",
    )
    .expect("write");
    let check = harden_in(dir, &["check", "--config", "config.yaml", "web.yaml"]);
    let fix = harden_in(dir, &["fix", "--config", "config.yaml", "web.yaml"]);
    assert_eq!(check.status.code(), Some(1), "{}", stderr(&check));
    assert_eq!(fix.status.code(), Some(1), "{}", stderr(&fix));
    assert_eq!(
        fs::read_to_string(dir.join("web.yaml")).expect("read"),
        SHARED_MOUNTS
    );
    let (check_errors, fix_errors) = (error_lines(&check), error_lines(&fix));
    assert_eq!(
        check_errors,
        fix_errors,
        "{}\n{}",
        stderr(&check),
        stderr(&fix)
    );
    let [error] = check_errors.as_slice() else {
        panic!("{}", stderr(&check));
    };
    assert!(
        error.contains("(&mounts)")
            && error.contains("anchored at line 11")
            && error.contains("alias at line 16")
            && error.ends_with("resource left unchanged"),
        "{error}"
    );
    assert!(!stderr(&check).contains("enforce mode would fix this"));
}

/// Makes `dir` refuse new files for as long as it lives: `chattr +i` (root ignores
/// permissions), else mode 0555. `None` when neither stops a write here.
struct Unwritable<'a>(&'a Path, bool);

impl<'a> Unwritable<'a> {
    fn new(dir: &'a Path) -> Option<Self> {
        let immutable = works("chattr", &["+i", &dir.display().to_string()]);
        if !immutable {
            fs::set_permissions(dir, fs::Permissions::from_mode(0o555)).ok()?;
        }
        let guard = Unwritable(dir, immutable);
        fs::write(dir.join(".probe"), "").is_err().then_some(guard)
    }
}

impl Drop for Unwritable<'_> {
    fn drop(&mut self) {
        if self.1 {
            let _ = works("chattr", &["-i", &self.0.display().to_string()]);
        }
        let _ = fs::set_permissions(self.0, fs::Permissions::from_mode(0o755));
    }
}

#[test]
fn a_write_that_fails_is_an_error_and_counted_failed_not_changed() {
    let tmp = common::TempDir::new("fix-unwritable");
    let k8s = tmp.join("k8s");
    fs::create_dir(&k8s).expect("mkdir");
    fs::write(k8s.join("web.yaml"), SHARED_MOUNTS.replace("*mounts", "[]")).expect("write");
    let Some(_guard) = Unwritable::new(&k8s) else {
        common::skip(
            "fix_check::a_write_that_fails",
            "neither chattr +i nor chmod makes a directory refuse new files here",
        );
        return;
    };
    let out = harden_in(&tmp.0, &["fix", "--report", "fix.md", "k8s"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("k8s/web.yaml: error: cannot write it: ")
            && err.contains("; file left as it was"),
        "{err}"
    );
    assert_eq!(
        err.lines().last(),
        Some(
            "harden-sa-token: 1 file (0 changed, 1 failed): 1 Pod template not hardened; 1 warning, 1 error"
        ),
        "{err}"
    );
    let report = fs::read_to_string(tmp.join("fix.md")).expect("report");
    assert!(report.contains("| hardened by this run | 0 |"), "{report}");
    assert!(
        report.contains("| left unchanged because of an error | 1 |"),
        "{report}"
    );
}

#[test]
fn a_list_every_container_shares_and_wants_alike_is_edited_once_at_its_anchor() {
    let tmp = common::TempDir::new("edit-at-anchor");
    let dir = &tmp.0;
    fs::write(dir.join("web.yaml"), SHARED_MOUNTS).expect("write");
    // check promises it, in the words of an ordinary Pod template...
    let check = harden_in(dir, &["check", "web.yaml"]);
    assert_eq!(check.status.code(), Some(1), "{}", stderr(&check));
    let [error] = error_lines(&check).try_into().expect("one error");
    assert!(error.ends_with("(enforce mode would fix this)"), "{error}");
    // ...and fix keeps the promise: one mount, at the anchor; the alias stays.
    let fix = harden_in(dir, &["fix", "web.yaml"]);
    assert_eq!(fix.status.code(), Some(0), "{}", stderr(&fix));
    let text = fs::read_to_string(dir.join("web.yaml")).expect("read");
    assert_eq!(text.matches("name: kube-api-access").count(), 2, "{text}");
    assert!(
        text.contains(
            "        volumeMounts: &mounts\n        - name: data\n          mountPath: /data\n        - mountPath: /var/run/secrets/kubernetes.io/serviceaccount\n          name: kube-api-access\n          readOnly: true\n      - name: b\n        image: y\n        volumeMounts: *mounts\n"
        ),
        "{text}"
    );
    // Every container now mounts the token as Kubernetes reads the file: nothing left.
    let again = harden_in(dir, &["check", "web.yaml"]);
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
}
