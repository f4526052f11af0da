//! Kubernetes' own reader as the oracle: `kubectl kustomize` (go-yaml, as kubectl and
//! kustomize read manifests) over YAML-test-suite-style cases embedded in Pod templates
//! and over every file of `../shared/corpus/`.
//!
//! For each input that kubectl reads:
//! - the function reads it too: no refusal but those `docs/guarantees.md` lists for
//!   reasons of safety (a merge key or an alias where it would edit, a layout it will
//!   not edit, a carriage return without a line feed, nesting past its limit), each of
//!   which has a case written for it;
//! - the function reads the same data from it as kubectl does (values, not text);
//! - kubectl reads the function's output, and reads from it the same data as from the
//!   input once the hardening edits are taken out of both (`automountServiceAccountToken`
//!   and the `kube-api-access` volume and mounts), and the cases' Pod templates carry
//!   `automountServiceAccountToken: false` in the output.
//!
//! Inputs kubectl refuses (a missing `metadata.name`, a duplicate key, ...) are out of
//! scope. Files go to kubectl in batches of distinct object ids and bounded size; when
//! kubectl refuses a batch, the file its message names leaves it (or the batch is
//! halved) and the rest runs again. `--nocapture` prints the figures.
//!
//! Skipped loudly (failed under `REQUIRE_E2E=1`) without kubectl; the corpus part
//! without `../shared/corpus`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;
use std::process::Command;

use common::{TempDir, harden, output, stderr, stdout, works};
use harden_sa_token::yaml::{Document, to_json};
use serde_json::{Map, Value};

const TEST: &str = "oracle";

/// The refusals `docs/guarantees.md` lists for inputs Kubernetes reads: the function
/// leaves such a resource unchanged, with an error result that says why.
const DOCUMENTED_REFUSALS: &[&str] = &[
    "has a merge key",
    "edits through aliases would change every place the anchor is used",
    "which the alias at line",
    "cannot edit a block node preceded on its line by a tag, anchor or key",
    "cannot edit a mapping without braces in a flow list",
    "a carriage return without a line feed after it",
    "recursion limit exceeded",
];

/// YAML-test-suite-style snippets: block mapping entries at column 0, embedded below as
/// the last keys of a container and of a PodSpec (every line indented alike, so a line
/// indented no deeper than its key stays so), where the function inserts next to them.
const SNIPPETS: &[(&str, &str)] = &[
    // The test suite's 9C9N, QB6E and DK95/01: invalid YAML that go-yaml and libyaml read.
    ("9c9n", "x-flow: [a,\nb,\nc]\n"),
    ("qb6e", "x-quoted: \"a\nb\nc\"\n"),
    ("dk95-01", "x-foo: \"bar\n\tbaz\"\n"),
    ("single-blank-line", "x-sq: 'x\n\ny'\n"),
    (
        "quoted-lines-like-syntax",
        "x-dq: \"x\n- y\nz: w\n# c\n[d]\"\n",
    ),
    ("flow-map-closed-lower", "x-fm: {a: 1,\nb: 2\n}\n"),
    ("flow-seq-closed-at-key", "x-fs: [\n  \"-x\", \"-y\",\n]\n"),
    (
        "nested-flows",
        "x-nest: [{a: [1,\n2]},\n{b: \"c\nd\"}, 'e\nf']\n",
    ),
    ("flow-plain-multiline", "x-pf: [echo\nhello, world]\n"),
    (
        "flow-comment-lines",
        "x-fc: [a,\n# a comment\nb, # another\n]\n",
    ),
    ("flow-implicit-pair", "x-fp: [a: b,\nc]\n"),
    ("escaped-line-break", "x-esc: \"a\\\n  b\\tc\"\n"),
    ("plain-multiline", "x-plain: a\n  b\n\n  c\n"),
    ("quoted-key", "\"x-qk\": \"v\nw\"\n"),
    ("explicit-key", "? x-ek\n: [v,\nw]\n"),
    (
        "block-scalars",
        "x-lit: |2-\n   leading\n  x\nx-fold: >\n  a\n  b\n\n  c\nx-keep: |+\n  kept\n\n",
    ),
    ("block-scalar-last-strip", "x-last: >-\n  folded\n  text\n"),
    ("anchors-aliases", "x-anc: &A {a: [1,\n2]}\nx-ali: *A\n"),
    (
        "merge-key-elsewhere",
        "x-m1: &B {a: 1, b: \"two\nlines\"}\nx-m2:\n  <<: *B\n  b: 3\n",
    ),
    (
        "comments-odd-places",
        "x-c: # comment\n  [a, # c1\n  b]  # c2\n# at column 0\nx-d: \"v\" # c\n",
    ),
    (
        "tabs-where-allowed",
        "x-t:\t[a,\tb]\t# tab\nx-tv: \"a\tb\"\t\n",
    ),
    ("empty-values", "x-e:\nx-e2: []\nx-e3: {}\n"),
    ("quoted-then-flow", "x-q1: 'a\nb'\nx-q2: [\"c\nd\"]\n"),
    (
        "block-list-items",
        "x-bs:\n- \"a\nb\"\n- [c,\nd]\n- {e: f,\ng: h}\n",
    ),
    // go-yaml refuses these: out of scope, but the test must get past them.
    ("oracle-refuses-block-entry-in-flow", "x-bad: [a,\n- b]\n"),
    ("oracle-refuses-duplicate-key", "x-dup: 1\nx-dup: 2\n"),
];

/// Whole files: the shapes of the bug report and layouts around the places the
/// function edits.
fn files() -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = [
        // Argo Workflows' example: a shell script in a quoted scalar in a flow list,
        // its lines at column 0.
        (
            "argo-args",
            "apiVersion: v1\nkind: Pod\nmetadata: {name: argo-args}\nspec:\n  containers:\n  - name: main\n    image: alpine\n    command: [sh, -c]\n    args: [\"\necho hello\n\"]\n",
        ),
        // A test Pod whose quoted values go on at column 1.
        (
            "quoted-at-column-1",
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: quoted-at-column-1\n  labels:\n    app: \"dash\n board\"\nspec:\n  containers:\n  - name: test\n    image: 'busybox\n'\n    command: [\"/bin/sh\", \"-c\", \"echo start;\n sleep 3600\"]\n",
        ),
        // Flow collections the function inserts into, closed at a lower indentation,
        // their items at column 0.
        (
            "flow-closed-lower",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: flow-closed-lower\nspec:\n  template:\n    spec:\n      containers:\n      - name: main\n        image: alpine\n        volumeMounts: [\n{name: data, mountPath: /data},\n]\n        env: [{name: A, value: \"x\ny\"}]\n      volumes: [{name: data,\nemptyDir: {}}\n]\n",
        ),
        (
            "flow-containers",
            "apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: flow-containers\nspec:\n  template:\n    spec:\n      containers: [{name: a, image: b,\n  volumeMounts: [{name: data, mountPath: /d}\n]}\n]\n      volumes: [{name: data, emptyDir: {}}\n]\n",
        ),
        (
            "flow-podspec",
            "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: flow-podspec\nspec:\n  template:\n    spec: {containers: [{name: a, image: b, args: [\"x\ny\"]}],\nrestartPolicy: Never\n}\n",
        ),
        // The function's own volume, already there but written differently.
        (
            "own-volume-flow",
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: own-volume-flow\nspec:\n  containers:\n  - name: main\n    image: alpine\n    volumeMounts: [{name: kube-api-access,\nmountPath: /var/run/secrets/kubernetes.io/serviceaccount}]\n  volumes: [{name: kube-api-access, projected: {sources: [\n{serviceAccountToken: {path: token}}]}}\n]\n",
        ),
        (
            "document-markers",
            "---\napiVersion: v1\nkind: Pod\nmetadata: {name: document-markers-a}\nspec:\n  containers:\n  - {name: main, image: \"alp\nine\"}\n...\n--- # second\napiVersion: v1\nkind: Pod\nmetadata: {name: document-markers-b}\nspec:\n  containers:\n  - name: main\n    image: alpine\n...\n",
        ),
        (
            "comments-no-final-break",
            "# head\napiVersion: v1\nkind: Pod\nmetadata:\n  name: comments-no-final-break # trailing\nspec:\n# at column 0\n  containers:\n  # indented\n  - name: main\n    image: alpine\n    args: [a,\nb] # last",
        ),
        (
            "crlf",
            "apiVersion: v1\r\nkind: Pod\r\nmetadata:\r\n  name: crlf\r\nspec:\r\n  containers:\r\n  - name: main\r\n    image: alpine\r\n    args: [\"a\r\nb\",\r\nc]\r\n",
        ),
        (
            "json-pretty",
            "{\"apiVersion\": \"v1\", \"kind\": \"Pod\",\n\"metadata\": {\"name\": \"json-pretty\"},\n\"spec\": {\"containers\": [\n{\"name\": \"main\", \"image\": \"alpine\",\n\"args\": [\"a\nb\"]}\n]}}\n",
        ),
        (
            "list-kind",
            "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: list-kind\n  spec:\n    containers:\n    - name: main\n      image: alpine\n      args: [\"x\ny\"]\n",
        ),
        // Under-indented lines inside the lists the function adds to and converges.
        (
            "mount-quoted-at-column-0",
            "apiVersion: v1\nkind: Pod\nmetadata: {name: mount-quoted-at-column-0}\nspec:\n  containers:\n  - name: main\n    image: alpine\n    volumeMounts:\n    - name: data\n      mountPath: \"/da\nta\"\n  volumes:\n  - name: data\n    configMap: {name: \"cm\nx\"}\n",
        ),
        (
            "own-volume-converged",
            "apiVersion: v1\nkind: Pod\nmetadata: {name: own-volume-converged}\nspec:\n  containers:\n  - name: main\n    image: alpine\n  volumes:\n  - {name: kube-api-access, projected: {defaultMode: 420, sources: [\n{serviceAccountToken: {expirationSeconds: 600,\npath: token}},\n{configMap: {name: kube-root-ca.crt, items: [{key: ca.crt, path: ca.crt}]}}\n]}}\n",
        ),
        // Documented refusals: kubectl reads these, the function leaves them unchanged.
        (
            "merge-key-in-container",
            "apiVersion: v1\nkind: Pod\nmetadata: {name: merge-key-in-container}\nspec:\n  containers:\n  - &c\n    name: main\n    image: alpine\n  - <<: *c\n    name: side\n",
        ),
        (
            "mounts-through-alias",
            "apiVersion: v1\nkind: Pod\nmetadata: {name: mounts-through-alias}\nspec:\n  containers:\n  - name: a\n    image: alpine\n    volumeMounts: &m [{name: data,\nmountPath: /d}]\n  - name: b\n    image: alpine\n    volumeMounts: *m\n  volumes: [{name: data, emptyDir: {}}]\n",
        ),
        (
            // One anchored list used by containers of two Pods: an edit at the anchor
            // would be made for both at once, which is refused.
            "anchor-used-by-another-pod",
            "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: anchor-used-by-another-pod}\n  spec:\n    containers:\n    - name: a\n      image: alpine\n      volumeMounts: &m [{name: data, mountPath: /d}]\n    volumes: [{name: data, emptyDir: {}}]\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: anchor-user}\n  spec:\n    containers:\n    - name: b\n      image: alpine\n      volumeMounts: *m\n    volumes: [{name: data, emptyDir: {}}]\n",
        ),
        (
            "anchor-on-the-first-key-line",
            "apiVersion: v1\nkind: Pod\nmetadata: {name: anchor-on-the-first-key-line}\nspec:\n  containers:\n  - &c name: main\n    image: alpine\n",
        ),
        (
            "mapping-without-braces",
            "apiVersion: v1\nkind: Pod\nmetadata: {name: mapping-without-braces}\nspec:\n  containers: [name: main]\n",
        ),
        (
            "lone-carriage-return-elsewhere",
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: lone-carriage-return-elsewhere}\ndata:\n  a: x\r  b: y\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: lone-carriage-return-elsewhere}\nspec:\n  containers:\n  - name: main\n    image: alpine\n",
        ),
        (
            "lone-carriage-return",
            "apiVersion: v1\nkind: Pod\nmetadata: {name: lone-carriage-return}\nspec:\n  containers:\n  - name: main\r    image: alpine\n",
        ),
    ]
    .iter()
    .map(|(n, t)| ((*n).to_owned(), (*t).to_owned()))
    .collect();
    let deep = format!(
        "apiVersion: v1\nkind: Pod\nmetadata: {{name: deeper-than-200}}\nspec:\n  containers:\n  - name: main\n    image: alpine\n  x-deep: {}{}\n",
        "[".repeat(210),
        "]".repeat(210)
    );
    files.push(("deeper-than-200".into(), deep));
    for (name, snippet) in SNIPPETS {
        files.push((format!("container-{name}"), in_container(name, snippet)));
        files.push((format!("podspec-{name}"), in_pod_spec(name, snippet)));
    }
    files
}

fn indented(snippet: &str, by: usize) -> String {
    let pad = " ".repeat(by);
    snippet
        .split_inclusive('\n')
        .map(|l| {
            if l.trim().is_empty() {
                l.to_owned()
            } else {
                format!("{pad}{l}")
            }
        })
        .collect()
}

/// A Pod whose container ends with the snippet: its `volumeMounts` go right after it.
fn in_container(name: &str, snippet: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: container-{name}\nspec:\n  containers:\n  - name: main\n    image: alpine\n{}",
        indented(snippet, 4)
    )
}

/// A Deployment whose PodSpec ends with the snippet: `volumes` and
/// `automountServiceAccountToken` go right after it.
fn in_pod_spec(name: &str, snippet: &str) -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: podspec-{name}\nspec:\n  selector: {{matchLabels: {{app: a}}}}\n  template:\n    metadata: {{labels: {{app: a}}}}\n    spec:\n      containers:\n      - name: main\n        image: alpine\n{}",
        indented(snippet, 6)
    )
}

/// apiVersion, kind, namespace and name: what kustomize tells objects apart by.
type Id = (String, String, String, String);

fn id_of(v: &Value) -> Id {
    let s = |v: Option<&Value>| v.and_then(Value::as_str).unwrap_or_default().to_owned();
    let meta = v.get("metadata");
    (
        s(v.get("apiVersion")),
        s(v.get("kind")),
        s(meta.and_then(|m| m.get("namespace"))),
        s(meta.and_then(|m| m.get("name"))),
    )
}

/// Applies the merge keys (`<<`) of a value read by `to_json` (aliases already
/// expanded) as go-yaml does: explicit keys win, then the merged mappings in order.
fn merged(v: Value) -> Value {
    match v {
        Value::Object(map) => {
            let mut out = Map::new();
            let mut sources = Vec::new();
            for (k, v) in map {
                if k == "<<" {
                    match merged(v) {
                        Value::Array(items) => sources.extend(items),
                        other => sources.push(other),
                    }
                } else {
                    out.insert(k, merged(v));
                }
            }
            for source in sources {
                if let Value::Object(m) = source {
                    for (k, v) in m {
                        out.entry(k).or_insert(v);
                    }
                }
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.into_iter().map(merged).collect()),
        other => other,
    }
}

/// The objects of a stream as read by this crate's parser, by id: a `List`'s items
/// stand for it, as kustomize reads it.
fn objects(stream: &str) -> Result<BTreeMap<Id, Value>, String> {
    let doc = Document::parse(stream).map_err(|e| e.to_string())?;
    let mut out = BTreeMap::new();
    for root in doc.roots() {
        let value = merged(to_json(root).map_err(|e| e.to_string())?);
        if value.is_null() {
            continue;
        }
        let kind = value
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let items = match value.get("items") {
            Some(Value::Array(items)) if kind.ends_with("List") => items.clone(),
            _ => vec![value],
        };
        for mut item in items {
            // kustomize drops a null `metadata.annotations` or `metadata.labels`.
            if let Some(Value::Object(meta)) = item.get_mut("metadata") {
                meta.retain(|k, v| {
                    !(matches!(k.as_str(), "annotations" | "labels") && v.is_null())
                });
            }
            out.insert(id_of(&item), item);
        }
    }
    Ok(out)
}

/// The data without the hardening edits: `automountServiceAccountToken` anywhere, the
/// `kube-api-access` volume and mounts, and a `volumes` or `volumeMounts` left empty.
fn unhardened(v: &Value) -> Value {
    match v {
        Value::Object(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                if k == "automountServiceAccountToken" {
                    continue;
                }
                if let ("volumes" | "volumeMounts", Value::Array(items)) = (k.as_str(), v) {
                    let kept: Vec<Value> = items
                        .iter()
                        .filter(|i| {
                            i.get("name").and_then(Value::as_str) != Some("kube-api-access")
                        })
                        .map(unhardened)
                        .collect();
                    if !kept.is_empty() {
                        out.insert(k.clone(), Value::Array(kept));
                    }
                    continue;
                }
                out.insert(k.clone(), unhardened(v));
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(unhardened).collect()),
        other => other.clone(),
    }
}

/// Whether a PodSpec under `v` (a mapping with `containers`) has
/// `automountServiceAccountToken: false`, or there is none.
fn has_hardened_pod_spec(v: &Value) -> bool {
    fn pod_specs(v: &Value) -> (usize, usize) {
        match v {
            Value::Object(map) => {
                let own = map.contains_key("containers");
                let hardened =
                    own && map.get("automountServiceAccountToken") == Some(&Value::Bool(false));
                map.values().map(pod_specs).fold(
                    (usize::from(own), usize::from(hardened)),
                    |(a, b), (c, d)| (a + c, b + d),
                )
            }
            Value::Array(items) => items
                .iter()
                .map(pod_specs)
                .fold((0, 0), |(a, b), (c, d)| (a + c, b + d)),
            _ => (0, 0),
        }
    }
    let (specs, hardened) = pod_specs(v);
    specs == hardened
}

/// Runs `kubectl kustomize` over `files` (name, text) in `dir`: the stream it prints.
fn kustomize(dir: &Path, files: &[(&str, &str)]) -> Result<String, String> {
    let _ = fs::remove_dir_all(dir);
    fs::create_dir_all(dir).expect("create kustomization dir");
    let mut k = String::from("resources:\n");
    for (name, text) in files {
        fs::write(dir.join(name), text).expect("write resource");
        k.push_str(&format!("- {name}\n"));
    }
    fs::write(dir.join("kustomization.yaml"), k).expect("write kustomization");
    let out = output(Command::new("kubectl").arg("kustomize").arg(dir));
    if out.status.success() {
        Ok(stdout(&out))
    } else {
        Err(stderr(&out))
    }
}

/// What kubectl reads from each of `files`: its objects by id, or `None` when it refuses
/// the file. A refused batch is split in two until each refused file is alone.
fn kubectl_reads(
    dir: &Path,
    files: &[(&str, &str)],
    runs: &mut usize,
) -> BTreeMap<String, Option<BTreeMap<Id, Value>>> {
    let mut found = BTreeMap::new();
    if files.is_empty() {
        return found;
    }
    *runs += 1;
    match kustomize(dir, files) {
        Ok(stream) => {
            let mut all = match objects(&stream) {
                Ok(all) => all,
                // What this crate refuses to read (deeper than it nests) is alone in its
                // batch: kubectl read it, and there is no data of the function's to
                // compare.
                Err(_) if files.len() == 1 => BTreeMap::new(),
                Err(e) => panic!("kubectl's output does not parse: {e}\n{stream}"),
            };
            // Each object goes back to the file that has it (the batch's files have
            // distinct ids); a file this crate does not read is alone in its batch.
            for (name, text) in files {
                let ids: Vec<Id> = match objects(text) {
                    Ok(objs) => objs.into_keys().collect(),
                    Err(_) => all.keys().cloned().collect(),
                };
                let mine = ids
                    .iter()
                    .filter_map(|id| all.remove_entry(id))
                    .collect::<BTreeMap<_, _>>();
                found.insert((*name).to_owned(), Some(mine));
            }
        }
        Err(_) if files.len() == 1 => {
            found.insert(files[0].0.to_owned(), None);
        }
        Err(why) => {
            // kustomize names the file it refuses: that one goes, the rest run again.
            // Without a name, the batch is halved.
            let named: Vec<usize> = (0..files.len())
                .filter(|&i| why.contains(&format!("'{}'", files[i].0)))
                .collect();
            if let [one] = named[..] {
                found.insert(files[one].0.to_owned(), None);
                let rest: Vec<_> = files
                    .iter()
                    .enumerate()
                    .filter(|&(i, _)| i != one)
                    .map(|(_, f)| *f)
                    .collect();
                found.extend(kubectl_reads(dir, &rest, runs));
            } else {
                let (a, b) = files.split_at(files.len() / 2);
                found.extend(kubectl_reads(dir, a, runs));
                found.extend(kubectl_reads(dir, b, runs));
            }
        }
    }
    found
}

/// kubectl kustomize takes time more than linear in the size of what it reads (a 2 MB
/// file alone takes 4 s here): batches stop growing past this many bytes.
const BATCH_BYTES: usize = 64 * 1024;

/// Splits files into batches whose objects (as this crate reads them) have distinct ids
/// and whose size stays near [`BATCH_BYTES`]; a file this crate does not read goes alone.
fn batches<'f>(files: &[(&'f str, &'f str)]) -> Vec<Vec<(&'f str, &'f str)>> {
    struct Batch<'f> {
        ids: BTreeSet<Id>,
        bytes: usize,
        files: Vec<(&'f str, &'f str)>,
    }
    let mut batches: Vec<Batch<'f>> = Vec::new();
    for &(name, text) in files {
        let alone = |ids| Batch {
            ids,
            bytes: usize::MAX,
            files: vec![(name, text)],
        };
        let Ok(objs) = objects(text) else {
            batches.push(alone(BTreeSet::new()));
            continue;
        };
        let ids: BTreeSet<Id> = objs.into_keys().collect();
        match batches
            .iter_mut()
            .find(|b| b.bytes < BATCH_BYTES && b.ids.is_disjoint(&ids))
        {
            Some(batch) => {
                batch.ids.extend(ids);
                batch.bytes += text.len();
                batch.files.push((name, text));
            }
            None => batches.push(Batch {
                ids,
                bytes: text.len(),
                files: vec![(name, text)],
            }),
        }
    }
    batches.into_iter().map(|b| b.files).collect()
}

fn as_refs(v: &[(String, String)]) -> Vec<(&str, &str)> {
    v.iter().map(|(n, t)| (n.as_str(), t.as_str())).collect()
}

#[derive(Default)]
struct Tally {
    files: usize,
    oracle_refuses: usize,
    read: usize,
    oracle_refused: Vec<String>,
    refused: Vec<String>,
    documented: Vec<String>,
}

/// Runs the whole comparison over `inputs` (name, text), and returns the figures and
/// every failure.
fn compare(tmp: &TempDir, label: &str, inputs: &[(String, String)]) -> (Tally, Vec<String>) {
    let mut failures = Vec::new();
    let mut tally = Tally {
        files: inputs.len(),
        ..Tally::default()
    };
    let started = std::time::Instant::now();
    let mut outputs = Vec::new();
    let mut verdicts = BTreeMap::new();
    for (name, text) in inputs {
        let run = harden(&[], text.as_bytes());
        let err = stderr(&run);
        let refused: Vec<&str> = err
            .lines()
            .filter(|l| l.starts_with("[error]") || l.contains("not valid YAML"))
            .collect();
        let documented = !refused.is_empty()
            && refused
                .iter()
                .all(|l| DOCUMENTED_REFUSALS.iter().any(|d| l.contains(d)));
        let ok = run.status.success() || documented;
        verdicts.insert(name.clone(), (ok, documented, err.clone()));
        // A resource left unchanged is in the output as it was in the input.
        outputs.push((
            name.clone(),
            if run.stdout.is_empty() {
                text.clone()
            } else {
                stdout(&run)
            },
        ));
    }
    let named = |v: &[(String, String)]| -> Vec<(String, String)> {
        v.iter()
            .map(|(n, t)| (format!("{n}.yaml"), t.clone()))
            .collect()
    };
    let (ins, outs) = (named(inputs), named(&outputs));
    let (ins, outs) = (as_refs(&ins), as_refs(&outs));
    eprintln!("{label}: the function ran in {:?}", started.elapsed());
    // An output that is its input byte for byte reads the same; the others go to
    // kubectl beside the inputs, in a second thread.
    let changed: Vec<(&str, &str)> = outs
        .iter()
        .zip(&ins)
        .filter(|(o, i)| o.1 != i.1)
        .map(|(o, _)| *o)
        .collect();
    let read = |dir: &str, files: &[(&str, &str)]| {
        let mut runs = 0;
        let mut read = BTreeMap::new();
        for batch in batches(files) {
            read.extend(kubectl_reads(&tmp.join(dir), &batch, &mut runs));
        }
        (read, runs)
    };
    let ((read_in, runs_in), (mut read_out, runs_out)) = std::thread::scope(|s| {
        let outputs = s.spawn(|| read("out", &changed));
        let inputs = read("in", &ins);
        (inputs, outputs.join().expect("kubectl thread"))
    });
    let runs = runs_in + runs_out;
    for (name, _) in &ins {
        if !read_out.contains_key(*name)
            && let Some(same) = read_in.get(*name)
        {
            read_out.insert((*name).to_owned(), same.clone());
        }
    }
    eprintln!("{label}: kubectl ran in {:?}", started.elapsed());
    for (name, text) in inputs {
        let file = format!("{name}.yaml");
        let Some(Some(want)) = read_in.get(&file) else {
            tally.oracle_refuses += 1;
            tally.oracle_refused.push(name.clone());
            continue;
        };
        tally.read += 1;
        let (ok, documented, err) = &verdicts[name];
        if !ok {
            tally.refused.push(name.clone());
            failures.push(format!(
                "{label} {name}: kubectl reads it, the function refuses it:\n{err}"
            ));
            continue;
        }
        if *documented {
            tally.documented.push(name.clone());
        }
        // The function reads what kubectl reads.
        match objects(text) {
            Ok(mine) => {
                for (id, value) in want {
                    if mine.get(id) != Some(value) {
                        failures.push(format!(
                            "{label} {name} {id:?}: kubectl reads\n{value}\nthe function reads\n{}",
                            mine.get(id).map_or("nothing".into(), Value::to_string)
                        ));
                    }
                }
            }
            // A documented refusal of the whole input.
            Err(_) if *documented => {}
            Err(e) => failures.push(format!("{label} {name}: the function cannot read it: {e}")),
        }
        // kubectl reads from the output what it read from the input, plus the edits.
        let Some(Some(got)) = read_out.get(&file) else {
            failures.push(format!(
                "{label} {name}: kubectl reads the input but not the output"
            ));
            continue;
        };
        let strip = |m: &BTreeMap<Id, Value>| -> BTreeMap<Id, Value> {
            m.iter().map(|(k, v)| (k.clone(), unhardened(v))).collect()
        };
        if strip(want) != strip(got) {
            failures.push(format!(
                "{label} {name}: the output differs from the input beyond the hardening:\nin:  {}\nout: {}",
                serde_json::to_string(&strip(want).into_values().collect::<Vec<_>>())
                    .unwrap_or_default(),
                serde_json::to_string(&strip(got).into_values().collect::<Vec<_>>())
                    .unwrap_or_default(),
            ));
        }
        if label == "case" && !*documented && got.values().any(|v| !has_hardened_pod_spec(v)) {
            failures.push(format!(
                "{label} {name}: a Pod template is not hardened in the output"
            ));
        }
    }
    eprintln!(
        "{label}: {} files, kubectl reads {} ({} kubectl runs); of those the function refuses {} and leaves {} unchanged for a documented reason {:?}; kubectl refuses {} {:?}",
        tally.files,
        tally.read,
        runs,
        tally.refused.len(),
        tally.documented.len(),
        tally.documented,
        tally.oracle_refuses,
        tally.oracle_refused,
    );
    (tally, failures)
}

fn kubectl_runs() -> bool {
    works("kubectl", &["version", "--client"])
}

fn no_failures(failures: &[String]) {
    assert!(
        failures.is_empty(),
        "{} failures:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn what_kubectl_reads_in_the_cases_the_function_reads() {
    if !kubectl_runs() {
        return common::skip(TEST, "`kubectl version --client` does not run");
    }
    let tmp = TempDir::new(TEST);
    let (mut cases, failures) = compare(&tmp, "case", &files());
    no_failures(&failures);
    // Each refusal is of a case written for it, for a reason docs/guarantees.md lists.
    cases.documented.sort();
    assert_eq!(
        cases.documented,
        [
            "anchor-on-the-first-key-line",
            "anchor-used-by-another-pod",
            "deeper-than-200",
            "lone-carriage-return",
            "mapping-without-braces",
            "merge-key-in-container",
        ],
        "documented refusals"
    );
    // The cases kubectl refuses are the two written for it, in both places.
    assert_eq!(cases.oracle_refuses, 4, "cases kubectl refuses");
}

#[test]
fn what_kubectl_reads_in_the_corpus_the_function_reads() {
    if !kubectl_runs() {
        return common::skip(TEST, "`kubectl version --client` does not run");
    }
    let Some(paths) = common::corpus_files() else {
        return common::skip(TEST, "../shared/corpus is not beside the repository");
    };
    let corpus: Vec<(String, String)> = paths
        .iter()
        .map(|p| {
            let dir = p
                .parent()
                .and_then(Path::file_name)
                .map(|d| d.to_string_lossy().into_owned())
                .unwrap_or_default();
            let stem = p
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            (
                format!("{dir}-{stem}"),
                fs::read_to_string(p).expect("read corpus file"),
            )
        })
        .collect();
    let tmp = TempDir::new(TEST);
    let (tally, failures) = compare(&tmp, "corpus", &corpus);
    no_failures(&failures);
    assert!(
        tally.read > 100,
        "kubectl reads {} corpus files",
        tally.read
    );
    // kubectl refuses only files with an object without `metadata.name` (one that uses
    // `generateName`): 6 of 121 when this was written.
    for name in &tally.oracle_refused {
        let text = corpus
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, t)| t.as_str())
            .unwrap_or_default();
        let unnamed = objects(text).is_ok_and(|o| o.keys().any(|id| id.3.is_empty()));
        assert!(
            unnamed,
            "kubectl refuses {name}, whose objects all have names"
        );
    }
    assert!(tally.documented.is_empty(), "{:?}", tally.documented);
}
