//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use harden_sa_token::yaml::Node;
use harden_sa_token::yaml::ScalarStyle;

/// `../shared` beside the repository, if it is there.
pub fn shared_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared");
    dir.join("corpus").is_dir().then_some(dir)
}

/// The directories of `../shared` whose YAML files make the corpus.
pub const CORPUS_DIRS: [&str; 2] = ["corpus", "corpus/seed-linkerd"];

/// Every YAML file of the corpus (`CORPUS_DIRS` under `../shared`), sorted by path;
/// `None` when `../shared` is not beside the repository (the caller skips).
pub fn corpus_files() -> Option<Vec<PathBuf>> {
    let shared = shared_dir()?;
    let mut files: Vec<PathBuf> = CORPUS_DIRS
        .iter()
        .flat_map(|d| {
            fs::read_dir(shared.join(d)).unwrap_or_else(|e| panic!("read ../shared/{d}: {e}"))
        })
        .map(|e| e.expect("corpus directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    Some(files)
}

/// Says loudly that a test is skipped, and fails instead under `REQUIRE_E2E=1`.
pub fn skip(test: &str, why: &str) {
    if std::env::var("REQUIRE_E2E").is_ok_and(|v| v == "1") {
        panic!("{test}: required (REQUIRE_E2E=1) but cannot run: {why}");
    }
    eprintln!("\n*** SKIPPED {test}: {why} ***\n");
}

/// Wraps the documents of a YAML stream into a ResourceList as text, each document's
/// own lines indented under `- `, so every scalar keeps its text. Returns the
/// ResourceList and the number of documents wrapped.
pub fn wrap_stream(stream: &str) -> (String, usize) {
    let docs = harden_sa_token::yaml::Document::parse(stream).expect("stream parses");
    let mut items = String::new();
    let mut count = 0;
    for root in docs.roots() {
        if root.entries().is_none_or(|e| e.is_empty()) || root.column() != 1 {
            continue;
        }
        let text = stream[root.span()].trim_end_matches(['\n', '\r']);
        for (i, line) in text.split('\n').enumerate() {
            items.push_str(if i == 0 {
                "- "
            } else if line.trim().is_empty() {
                ""
            } else {
                "  "
            });
            items.push_str(line);
            items.push('\n');
        }
        count += 1;
    }
    let items_key = if count == 0 {
        "items: []\n"
    } else {
        "items:\n"
    };
    (format!("{RESOURCE_LIST_HEAD}{items_key}{items}"), count)
}

const RESOURCE_LIST_HEAD: &str = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n";

/// Appends `config` to a block-style ResourceList text as its `functionConfig`.
pub fn push_function_config(resource_list: &mut String, config: &str) {
    resource_list.push_str("functionConfig:\n");
    for line in config.lines() {
        resource_list.push_str("  ");
        resource_list.push_str(line);
        resource_list.push('\n');
    }
}

/// An empty ResourceList text with `config` as its `functionConfig`.
pub fn empty_resource_list_with(config: &str) -> String {
    let mut text = format!("{RESOURCE_LIST_HEAD}items: []\n");
    push_function_config(&mut text, config);
    text
}

/// A scalar as the tests compare it: value, style, and its text when on one line
/// (multi-line text is re-indented by the wrapping, its value is not; a block scalar's
/// text runs to its last line break, and text inserted after it may add one).
#[derive(Debug, PartialEq)]
pub struct Scalar {
    pub value: String,
    pub style: ScalarStyle,
    pub text: Option<String>,
    pub automount: bool,
}

/// Whether `node` is an entry the function owns and may rewrite or remove: its token
/// volume or a mount of it (named `kube-api-access`).
fn owned(node: &Node<'_>) -> bool {
    node.get_str("name") == Some("kube-api-access")
}

/// Every scalar under `node`, in document order, but those of entries the function owns
/// (its token volume and mounts, and a `volumes` or `volumeMounts` list of nothing else,
/// which comes and goes with them).
pub fn scalars(text: &str, node: &Node<'_>, key: Option<&str>, out: &mut Vec<Scalar>) {
    if let (Some(value), Some(style)) = (node.as_str(), node.style()) {
        let raw = &text[node.span()];
        out.push(Scalar {
            value: value.to_owned(),
            style,
            text: (!raw.contains('\n')
                && !matches!(style, ScalarStyle::Literal | ScalarStyle::Folded))
            .then(|| raw.to_owned()),
            automount: key == Some("automountServiceAccountToken"),
        });
    } else if let Some(entries) = node.entries() {
        if !owned(node) {
            for (k, v) in entries {
                let ours = matches!(k.as_str(), Some("volumes" | "volumeMounts"))
                    && v.items().is_some_and(|i| i.iter().all(owned));
                if ours {
                    continue;
                }
                scalars(text, k, None, out);
                scalars(text, v, k.as_str(), out);
            }
        }
    } else if let Some(items) = node.items() {
        items.iter().for_each(|i| scalars(text, i, None, out));
    }
}

/// apiVersion, kind and name of an object.
pub fn identity(item: &Node<'_>) -> (String, String, String) {
    let get = |n: &Node<'_>, k: &str| n.get_str(k).unwrap_or_default().to_owned();
    let name = item
        .get("metadata")
        .map(|m| get(m, "name"))
        .unwrap_or_default();
    (get(item, "apiVersion"), get(item, "kind"), name)
}

/// Whether every scalar of `want` is in `got`, in order, with its text and style; only
/// an `automountServiceAccountToken` may have become `false`. Returns the first one lost.
pub fn lost_scalar<'w>(want: &'w [Scalar], got: &[Scalar]) -> Option<&'w Scalar> {
    let mut rest = got.iter();
    for s in want {
        if rest.any(|g| g == s) {
            continue;
        }
        if s.automount && s.value != "false" {
            rest = got.iter();
            continue;
        }
        return Some(s);
    }
    None
}

/// The function binary cargo built for these tests.
pub const BIN: &str = env!("CARGO_BIN_EXE_harden-sa-token");

/// A temporary directory, removed on drop unless the test is failing (then it is kept
/// for inspection and its path printed).
pub struct TempDir(pub PathBuf);

impl TempDir {
    /// A new, empty directory named after `test`.
    pub fn new(test: &str) -> Self {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let name = format!(
            "harden-sa-token-{test}-{}-{nanos}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let dir = std::env::temp_dir().join(name);
        fs::create_dir(&dir).unwrap_or_else(|e| panic!("create {}: {e}", dir.display()));
        Self(dir)
    }

    /// A path inside the directory.
    pub fn join(&self, path: impl AsRef<Path>) -> PathBuf {
        self.0.join(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("left for inspection: {}", self.0.display());
        } else if let Err(e) = fs::remove_dir_all(&self.0) {
            eprintln!("could not remove {}: {e}", self.0.display());
        }
    }
}

/// True when `program args...` can be started and exits successfully.
pub fn works(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Runs a command, panics with its stderr unless it succeeds, and returns its output.
pub fn run(cmd: &mut Command) -> Output {
    let out = output(cmd);
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}):\n--- stderr ---\n{}\n--- stdout ---\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    out
}

/// Runs a command whatever its exit status (stdin closed unless the command says
/// otherwise), panicking only when it cannot be started.
pub fn output(cmd: &mut Command) -> Output {
    cmd.output()
        .unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}"))
}

/// Runs `cmd` with `stdin` as its standard input.
pub fn output_with_stdin(cmd: &mut Command, stdin: &[u8]) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}"));
    let mut pipe = child.stdin.take().expect("stdin is piped");
    let input = stdin.to_vec();
    // Written from another thread so that a large input cannot deadlock against a
    // child that fills its stdout before reading all of stdin.
    let writer = std::thread::spawn(move || {
        // A child that exits early closes the pipe; its exit status tells why.
        let _ = pipe.write_all(&input);
    });
    let out = child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("wait for {cmd:?}: {e}"));
    writer.join().expect("stdin writer");
    out
}

/// `PATH` with the directory of the function binary first, so that `harden-sa-token`
/// resolves to it as it would for a user who installed it.
pub fn path_with_bin() -> std::ffi::OsString {
    let dir = Path::new(BIN).parent().expect("binary has a directory");
    let mut dirs = vec![dir.to_path_buf()];
    dirs.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    std::env::join_paths(dirs).expect("PATH joins")
}

/// Copies the files of `from` (recursively) into `to`, which is created.
pub fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap_or_else(|e| panic!("create {}: {e}", to.display()));
    for entry in fs::read_dir(from).unwrap_or_else(|e| panic!("read {}: {e}", from.display())) {
        let path = entry.expect("dir entry").path();
        let target = to.join(path.file_name().expect("file name"));
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            fs::copy(&path, &target).unwrap_or_else(|e| panic!("copy {}: {e}", path.display()));
        }
    }
}

/// A file of the repository, by path from its root.
pub fn repo_file(path: &str) -> String {
    let full = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    fs::read_to_string(&full).unwrap_or_else(|e| panic!("read {}: {e}", full.display()))
}

/// A path of the repository, from its root.
pub fn repo_path(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// Runs the function binary on `stdin` with `args`.
pub fn harden(args: &[&str], stdin: &[u8]) -> Output {
    output_with_stdin(Command::new(BIN).args(args), stdin)
}

/// stdout as text.
pub fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("stdout is UTF-8")
}

/// stderr as text.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Whether every line of `input` is in `output` in the same order, the way a pure
/// insertion of lines leaves it; `replaced` lines of the input may stand changed.
pub fn lines_kept_in_order(
    input: &str,
    output: &str,
    replaced: &[(&str, &str)],
) -> Result<(), String> {
    let mut out = output.split('\n').enumerate();
    for (n, line) in input.split('\n').enumerate() {
        let want = replaced
            .iter()
            .find(|(from, _)| line.trim() == *from)
            .map_or(line.to_owned(), |(from, to)| line.replacen(from, to, 1));
        if !out.any(|(_, l)| l == line || l == want) {
            return Err(format!(
                "input line {} {line:?} is missing or out of order",
                n + 1
            ));
        }
    }
    Ok(())
}

/// Where kustomize looks for the legacy exec plugin of the typed config's apiVersion
/// and kind, under `$KUSTOMIZE_PLUGIN_HOME`.
pub const KUSTOMIZE_PLUGIN_PATH: &str =
    "fn.harden-sa-token.dev/v1alpha1/hardenserviceaccounttoken/HardenServiceAccountToken";

/// `install -D harden-sa-token $home/<plugin path>`, as the README says.
pub fn install_kustomize_plugin(home: &Path) {
    let plugin = home.join(KUSTOMIZE_PLUGIN_PATH);
    fs::create_dir_all(plugin.parent().expect("plugin dir")).expect("create plugin dir");
    fs::copy(BIN, &plugin).expect("install the plugin");
}

/// Writes an executable shell script `name` into `dir` (created) and returns `PATH` with
/// `dir` first, then `rest`.
pub fn shim(dir: &Path, name: &str, script: &str, rest: &std::ffi::OsStr) -> std::ffi::OsString {
    use std::os::unix::fs::PermissionsExt;
    fs::create_dir_all(dir).expect("create shim dir");
    let path = dir.join(name);
    fs::write(&path, script).expect("write shim");
    fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).expect("chmod shim");
    let mut dirs = vec![dir.to_path_buf()];
    dirs.extend(std::env::split_paths(rest));
    std::env::join_paths(dirs).expect("PATH joins")
}

/// A Deployment whose `linkerd-proxy` container loses the token when a config excludes
/// it, for the tests of where findings are shown.
pub const DEPLOYMENT: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: app\n        image: app\n      - name: linkerd-proxy\n        image: proxy\n";

/// The warning the config gives about it, as it appears in every caller's output.
pub const FINDING: &str = "loses API access: containers.exclude has";

/// Asserts that `needle` appears exactly once in `shown`.
pub fn once(shown: &str, needle: &str, who: &str) {
    let count = shown.matches(needle).count();
    assert_eq!(
        count, 1,
        "{who}: {needle:?} shown {count} times in:\n{shown}"
    );
}

/// A fresh copy of the `fix`/`check` fixture tree (`tests/fix/tree/`) in a temporary
/// directory.
pub fn fixture_tree(test: &str) -> TempDir {
    let tmp = TempDir::new(test);
    copy_dir(&repo_path("tests/fix/tree"), &tmp.0);
    tmp
}

/// Runs the function binary with `args` in `dir`.
pub fn harden_in(dir: &Path, args: &[&str]) -> Output {
    output(Command::new(BIN).args(args).current_dir(dir))
}

/// A `docker` that execs podman, first on `PATH`, for the clients that call docker:
/// returns that `PATH`.
pub fn docker_shim(dir: &Path) -> std::ffi::OsString {
    shim(
        dir,
        "docker",
        "#!/bin/sh\nexec podman \"$@\"\n",
        &std::env::var_os("PATH").unwrap_or_default(),
    )
}
