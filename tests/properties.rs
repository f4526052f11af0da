//! Property tests: Pod templates generated in every style the editor supports (block with
//! 2 or 4 spaces, indentless or indented lists, flow, JSON one-line and pretty, CRLF,
//! comments, odd scalars, block scalars of every form right before the places the
//! function inserts text, merge keys and aliases where it reads and edits), wrapped in a
//! ResourceList and hardened with the defaults: no internal error (the output check
//! refusing the function's own edit) ever; a resource is refused only for a merge key or
//! an edit through an alias, and then left byte for byte; the output parses, items keep
//! their order, every input scalar keeps its text and style, every other Pod template is
//! hardened, and a second run changes nothing. And never worse than before, over the
//! corpus and over generated token volumes and ServiceAccounts: no token lives longer, no
//! container gains one, unless a statement says so. And `check` is `fix` without writing: on
//! those inputs (with some containers excluded, so that users of one anchored list may
//! differ) and on every file of `../shared/corpus/`, each Pod template's verdict in audit
//! mode (would harden, already, refused) is its outcome in enforce mode (hardened,
//! already, left unchanged).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use harden_sa_token::decide::{self, Automount};
use harden_sa_token::results::RowChange;
use harden_sa_token::yaml::{Document, Node};
use harden_sa_token::{Settings, Severity, evidence, policy, template, workloads};
use proptest::prelude::*;

const TOKEN_PATH: &str = "/var/run/secrets/kubernetes.io/serviceaccount";

/// Scalars whose text a careless round trip would change: (YAML text, JSON text).
const ODD: &[(&str, &str)] = &[
    ("0644", "\"0644\""),
    ("1.10", "1.10"),
    ("'yes'", "\"yes\""),
    ("0x1F", "31"),
    ("~", "null"),
    ("12345678901234567890", "12345678901234567890"),
    ("\"tab\\there\"", "\"tab\\there\""),
    ("2024-01-01", "\"2024-01-01\""),
    ("'it''s'", "\"it's\""),
    ("+12", "12"),
    // Quoted scalars whose lines go on at column 0, no deeper than their block: invalid
    // YAML that go-yaml and libyaml read, and so Kubernetes does.
    ("\"line\nat column 0\"", "\"line at column 0\""),
    ("'one\n\n two'", "\"one\\ntwo\""),
];

/// A tiny document tree that can be written in any style.
#[derive(Debug, Clone)]
enum T {
    /// A scalar: its YAML text and its JSON text.
    S(String, String),
    /// A block scalar: its header (`|`, `>2-`...), its lines, and its JSON text (what
    /// flow and JSON styles write instead).
    B(&'static str, Vec<&'static str>, String),
    Map(Vec<(String, T)>),
    Seq(Vec<T>),
    /// A node with an anchor (`&name`), as a mapping's value; JSON writes the node.
    Anchor(String, Box<T>),
    /// An alias (`*name`) of the node anchored so; JSON writes that node again.
    Alias(String, Box<T>),
}

fn plain(s: &str) -> T {
    T::S(s.to_owned(), format!("{s:?}"))
}

fn odd(i: usize) -> T {
    let (y, j) = ODD[i % ODD.len()];
    T::S(y.into(), j.into())
}

/// Every form of block scalar header.
const HEADERS: &[&str] = &[
    "|", "|-", "|+", ">", ">-", ">+", "|2", "|2-", "|-2", "|4+", ">1", ">3-",
];

/// A block scalar with header `HEADERS[i % HEADERS.len()]`: a shell script, its first
/// line indented more when an indentation indicator allows it; no content line at all
/// for the last third of `0..3 * HEADERS.len()`.
fn script(i: usize) -> T {
    let header = HEADERS[i % HEADERS.len()];
    if i / HEADERS.len() >= 2 {
        return T::B(header, Vec::new(), "\"\"".into());
    }
    let first = if header.contains(|c: char| c.is_ascii_digit()) {
        "  set -e"
    } else {
        "set -e"
    };
    T::B(
        header,
        vec![
            first,
            "echo \"$HOME\" # not a comment",
            "",
            "  indented: x",
            "done",
        ],
        "\"set -e\\necho \\\"$HOME\\\" # not a comment\\n\\n  indented: x\\ndone\\n\"".into(),
    )
}

fn map(entries: Vec<(&str, T)>) -> T {
    T::Map(
        entries
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect(),
    )
}

#[derive(Debug, Clone, Copy)]
struct Style {
    indent: usize,
    indentless: bool,
    comments: bool,
}

fn block(t: &T, style: Style, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match t {
        T::Map(entries) => {
            for (i, (k, v)) in entries.iter().enumerate() {
                if style.comments && i % 2 == 1 {
                    out.push_str(&format!("{pad}# about {k}\n"));
                }
                if i > 0 || !out.ends_with("- ") {
                    out.push_str(&pad);
                }
                out.push_str(k);
                out.push(':');
                value(v, style, indent, false, out);
            }
        }
        T::Seq(items) => {
            for item in items {
                out.push_str(&pad);
                out.push_str("- ");
                match item {
                    T::Map(e) if !e.is_empty() => block(item, style, indent + 2, out),
                    _ => {
                        out.pop();
                        value(item, style, indent + 2, true, out);
                    }
                }
            }
        }
        _ => unreachable!("block() is called on collections"),
    }
}

/// Writes `v` after a key at column `indent`, or (`item`) after a `-` at `indent - 2`.
fn value(v: &T, style: Style, indent: usize, item: bool, out: &mut String) {
    match v {
        T::S(y, _) => {
            out.push(' ');
            out.push_str(y);
            if style.comments && y.len() % 3 == 0 {
                out.push_str(" # note");
            }
            out.push('\n');
        }
        T::B(header, lines, _) => {
            out.push(' ');
            out.push_str(header);
            out.push('\n');
            // An indentation indicator counts from the key's column or the `-`'s.
            let parent = if item { indent - 2 } else { indent };
            let content = match header.chars().find_map(|c| c.to_digit(10)) {
                Some(n) => parent + n as usize,
                None => parent + 2,
            };
            for line in lines {
                if !line.is_empty() {
                    out.push_str(&" ".repeat(content));
                    out.push_str(line);
                }
                out.push('\n');
            }
            if header.contains('+') {
                out.push('\n');
            }
        }
        T::Alias(name, _) => {
            out.push_str(" *");
            out.push_str(name);
            out.push('\n');
        }
        T::Anchor(name, inner) => {
            out.push_str(" &");
            out.push_str(name);
            match &**inner {
                T::Map(e) if !e.is_empty() => {
                    out.push('\n');
                    block(inner, style, indent + style.indent, out);
                }
                T::Seq(i) if !i.is_empty() => {
                    out.push('\n');
                    let extra = if style.indentless { 0 } else { style.indent };
                    block(inner, style, indent + extra, out);
                }
                other => value(other, style, indent, item, out),
            }
        }
        T::Map(e) if e.is_empty() => out.push_str(" {}\n"),
        T::Seq(i) if i.is_empty() => out.push_str(" []\n"),
        T::Map(_) => {
            out.push('\n');
            block(v, style, indent + style.indent, out);
        }
        T::Seq(_) => {
            out.push('\n');
            let extra = if style.indentless { 0 } else { style.indent };
            block(v, style, indent + extra, out);
        }
    }
}

fn flow(t: &T, json: bool, out: &mut String) {
    match t {
        T::S(y, j) => out.push_str(if json { j } else { y }),
        // No block scalar in a flow collection: its value, double-quoted.
        T::B(_, _, j) => out.push_str(j),
        T::Anchor(name, inner) => {
            if !json {
                out.push_str(&format!("&{name} "));
            }
            flow(inner, json, out);
        }
        T::Alias(name, inner) => {
            if json {
                flow(inner, json, out);
            } else {
                out.push_str(&format!("*{name}"));
            }
        }
        T::Map(entries) => {
            out.push('{');
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                if json {
                    out.push_str(&format!("{k:?}: "));
                } else {
                    out.push_str(&format!("{k}: "));
                }
                flow(v, json, out);
            }
            out.push('}');
        }
        T::Seq(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                flow(v, json, out);
            }
            out.push(']');
        }
    }
}

fn pretty_json(t: &T, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent + 2);
    match t {
        T::S(_, j) | T::B(_, _, j) => out.push_str(j),
        T::Anchor(_, inner) | T::Alias(_, inner) => pretty_json(inner, indent, out),
        T::Map(e) if e.is_empty() => out.push_str("{}"),
        T::Seq(i) if i.is_empty() => out.push_str("[]"),
        T::Map(entries) => {
            out.push_str("{\n");
            for (i, (k, v)) in entries.iter().enumerate() {
                out.push_str(&format!("{pad}{k:?}: "));
                pretty_json(v, indent + 2, out);
                out.push_str(if i + 1 < entries.len() { ",\n" } else { "\n" });
            }
            out.push_str(&" ".repeat(indent));
            out.push('}');
        }
        T::Seq(items) => {
            out.push_str("[\n");
            for (i, v) in items.iter().enumerate() {
                out.push_str(&pad);
                pretty_json(v, indent + 2, out);
                out.push_str(if i + 1 < items.len() { ",\n" } else { "\n" });
            }
            out.push_str(&" ".repeat(indent));
            out.push(']');
        }
    }
}

/// What one generated container looks like.
#[derive(Debug, Clone)]
struct Ctr {
    mounts: Vec<u8>,
    odd: usize,
    args: bool,
    /// A block scalar (`script(n)`) as the container's last value: the last item of
    /// `args` for even `n`, an env value for odd `n`.
    script: Option<usize>,
    /// A block scalar as the last value of the last mount (`subPathExpr`).
    mount_script: Option<usize>,
}

/// What one generated workload looks like.
#[derive(Debug, Clone)]
struct Workload {
    kind: u8,
    automount: u8,
    containers: Vec<Ctr>,
    init: Vec<Ctr>,
    volumes: Vec<u8>,
    odd: usize,
    /// A block scalar as the PodSpec's last value (`hostname`).
    host: Option<usize>,
    /// Merge keys and aliases: see [`Quirk`].
    quirk: u8,
}

/// What a workload's `quirk` puts where the function reads and edits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Quirk {
    None,
    /// `<<: {...}` in the PodSpec.
    MergeInPodSpec,
    /// `<<: {...}` in the first container.
    MergeInContainer,
    /// The first container's `env` anchored, the last container's an alias of it: read,
    /// never edited.
    AliasedEnv,
    /// The first container's `volumeMounts` anchored, the last container's an alias of
    /// it: an edit of either is refused.
    AliasedMounts,
}

impl Workload {
    fn quirk(&self) -> Quirk {
        match self.quirk {
            7 => Quirk::MergeInPodSpec,
            8 => Quirk::MergeInContainer,
            9 => Quirk::AliasedEnv,
            10 => Quirk::AliasedMounts,
            _ => Quirk::None,
        }
    }
}

fn container(prefix: &str, i: usize, c: &Ctr, has_token_volume: bool) -> T {
    let mut entries = vec![
        ("name", plain(&format!("{prefix}{i}"))),
        ("image", plain("registry.example/app:1.10")),
    ];
    if c.args && c.script.is_none_or(|n| n % 2 == 1) {
        entries.push(("args", T::Seq(vec![odd(c.odd), odd(c.odd + 1)])));
    }
    let mut mounts = Vec::new();
    let mut seen_token = false;
    for m in &c.mounts {
        let (name, path, ro) = match m % 4 {
            0 => ("data", "/data", false),
            1 | 2 if has_token_volume && !seen_token => {
                seen_token = true;
                ("kube-api-access", TOKEN_PATH, m % 4 == 1)
            }
            _ => ("config", "/etc/config", true),
        };
        let mut mount = vec![("mountPath", plain(path)), ("name", plain(name))];
        if ro {
            mount.push(("readOnly", T::S("true".into(), "true".into())));
        }
        if !mounts.iter().any(|x: &T| matches!(x, T::Map(e) if e.iter().any(|(k, v)| k == "mountPath" && matches!(v, T::S(p, _) if p == path)))) {
            mounts.push(map(mount));
        }
    }
    if let (Some(n), Some(T::Map(last))) = (c.mount_script, mounts.last_mut())
        && !last
            .iter()
            .any(|(_, v)| matches!(v, T::S(y, _) if y == "kube-api-access"))
    {
        last.push(("subPathExpr".into(), script(n)));
    }
    if !mounts.is_empty() || c.odd % 3 == 0 {
        entries.push(("volumeMounts", T::Seq(mounts)));
    }
    match c.script {
        Some(n) if n % 2 == 0 => entries.push(("args", T::Seq(vec![odd(c.odd), script(n)]))),
        Some(n) => entries.push((
            "env",
            T::Seq(vec![map(vec![
                ("name", plain("SCRIPT")),
                ("value", script(n)),
            ])]),
        )),
        None => {}
    }
    map(entries)
}

/// Sets `key` of a generated mapping to `value`, in place or at the end.
fn set(t: &mut T, key: &str, value: T) {
    if let T::Map(entries) = t {
        match entries.iter_mut().find(|(k, _)| k == key) {
            Some((_, v)) => *v = value,
            None => entries.push((key.to_owned(), value)),
        }
    }
}

fn token_volume(expiration: &str) -> T {
    let num = |s: &str| T::S(s.into(), s.into());
    map(vec![
        ("name", plain("kube-api-access")),
        (
            "projected",
            map(vec![
                ("defaultMode", num("420")),
                (
                    "sources",
                    T::Seq(vec![
                        map(vec![(
                            "serviceAccountToken",
                            map(vec![
                                ("expirationSeconds", num(expiration)),
                                ("path", plain("token")),
                            ]),
                        )]),
                        map(vec![(
                            "configMap",
                            map(vec![
                                (
                                    "items",
                                    T::Seq(vec![map(vec![
                                        ("key", plain("ca.crt")),
                                        ("path", plain("ca.crt")),
                                    ])]),
                                ),
                                ("name", plain("kube-root-ca.crt")),
                            ]),
                        )]),
                        map(vec![(
                            "downwardAPI",
                            map(vec![(
                                "items",
                                T::Seq(vec![map(vec![
                                    (
                                        "fieldRef",
                                        map(vec![
                                            ("apiVersion", plain("v1")),
                                            ("fieldPath", plain("metadata.namespace")),
                                        ]),
                                    ),
                                    ("path", plain("namespace")),
                                ])]),
                            )]),
                        )]),
                    ]),
                ),
            ]),
        ),
    ])
}

fn pod_spec(w: &Workload) -> T {
    let mut entries = Vec::new();
    match w.automount % 4 {
        1 => entries.push((
            "automountServiceAccountToken",
            T::S("true".into(), "true".into()),
        )),
        2 => entries.push((
            "automountServiceAccountToken",
            T::S("false".into(), "false".into()),
        )),
        3 => entries.push((
            "automountServiceAccountToken",
            T::S("~".into(), "null".into()),
        )),
        _ => {}
    }
    let mut volumes = Vec::new();
    let mut has_token = false;
    for (i, v) in w.volumes.iter().enumerate() {
        match v % 4 {
            0 => volumes.push(map(vec![
                ("name", plain("data")),
                ("emptyDir", map(vec![])),
            ])),
            1 => volumes.push(map(vec![
                ("name", plain("config")),
                (
                    "configMap",
                    map(vec![("name", plain("app-config")), ("defaultMode", odd(0))]),
                ),
            ])),
            n if !has_token => {
                has_token = true;
                volumes.push(token_volume(if n == 2 { "3607" } else { "7200" }));
            }
            _ => volumes.push(map(vec![
                ("name", plain(&format!("extra-{i}"))),
                ("emptyDir", map(vec![])),
            ])),
        }
    }
    // One volume per name, as Kubernetes requires.
    let mut names = Vec::new();
    volumes.retain(|v| {
        let T::Map(e) = v else { return true };
        let name = format!("{:?}", e[0].1);
        let fresh = !names.contains(&name);
        names.push(name);
        fresh
    });
    let mut containers: Vec<T> = w
        .containers
        .iter()
        .enumerate()
        .map(|(i, c)| container("app-", i, c, has_token))
        .collect();
    let anchor = |what: &str| format!("{what}{}", w.odd);
    let last = containers.len() - 1;
    match w.quirk() {
        Quirk::MergeInContainer => {
            if let Some(T::Map(entries)) = containers.first_mut() {
                entries.insert(
                    1,
                    ("<<".into(), map(vec![("imagePullPolicy", plain("Always"))])),
                );
            }
        }
        Quirk::AliasedEnv if last > 0 => {
            let env = T::Seq(vec![map(vec![("name", plain("A")), ("value", odd(w.odd))])]);
            set(
                &mut containers[0],
                "env",
                T::Anchor(anchor("env"), Box::new(env.clone())),
            );
            set(
                &mut containers[last],
                "env",
                T::Alias(anchor("env"), Box::new(env)),
            );
        }
        Quirk::AliasedMounts if last > 0 => {
            let mounts = match &containers[0] {
                T::Map(e) => e
                    .iter()
                    .find(|(k, _)| k == "volumeMounts")
                    .map_or(T::Seq(Vec::new()), |(_, v)| v.clone()),
                _ => T::Seq(Vec::new()),
            };
            set(
                &mut containers[0],
                "volumeMounts",
                T::Anchor(anchor("mounts"), Box::new(mounts.clone())),
            );
            set(
                &mut containers[last],
                "volumeMounts",
                T::Alias(anchor("mounts"), Box::new(mounts)),
            );
        }
        _ => {}
    }
    entries.push(("containers", T::Seq(containers)));
    if !w.init.is_empty() {
        let init = w
            .init
            .iter()
            .enumerate()
            .map(|(i, c)| container("init-", i, c, has_token))
            .collect();
        entries.push(("initContainers", T::Seq(init)));
    }
    if !volumes.is_empty() || w.odd % 2 == 0 {
        entries.push(("volumes", T::Seq(volumes)));
    }
    if w.quirk() == Quirk::MergeInPodSpec {
        entries.insert(0, ("<<", map(vec![("dnsPolicy", plain("ClusterFirst"))])));
    }
    if let Some(n) = w.host {
        entries.push(("hostname", script(n)));
    }
    map(entries)
}

fn object(i: usize, w: &Workload) -> T {
    let metadata = map(vec![
        ("name", plain(&format!("w{i}"))),
        (
            "annotations",
            map(vec![("odd-a", odd(w.odd)), ("odd-b", odd(w.odd + 3))]),
        ),
    ]);
    let spec = pod_spec(w);
    let (api, kind, body) = match w.kind % 3 {
        0 => (
            "apps/v1",
            "Deployment",
            map(vec![
                ("replicas", odd(3)),
                (
                    "template",
                    map(vec![
                        (
                            "metadata",
                            map(vec![("labels", map(vec![("app", plain("x"))]))]),
                        ),
                        ("spec", spec),
                    ]),
                ),
            ]),
        ),
        1 => ("v1", "Pod", spec),
        _ => (
            "batch/v1",
            "CronJob",
            map(vec![
                (
                    "schedule",
                    T::S("'*/5 * * * *'".into(), "\"*/5 * * * *\"".into()),
                ),
                (
                    "jobTemplate",
                    map(vec![(
                        "spec",
                        map(vec![("template", map(vec![("spec", spec)]))]),
                    )]),
                ),
            ]),
        ),
    };
    map(vec![
        ("apiVersion", plain(api)),
        ("kind", plain(kind)),
        ("metadata", metadata),
        ("spec", body),
    ])
}

/// The ResourceList text in one of the styles.
fn render(items: &[T], style: u8, flow_items: &[bool], block_style: Style, crlf: bool) -> String {
    let list = map(vec![
        ("apiVersion", plain("config.kubernetes.io/v1")),
        ("kind", plain("ResourceList")),
        ("items", T::Seq(items.to_vec())),
    ]);
    let mut out = String::new();
    match style % 3 {
        0 => {
            // Block, some items in flow style.
            out.push_str("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n");
            let pad = if block_style.indentless {
                0
            } else {
                block_style.indent
            };
            for (item, as_flow) in items.iter().zip(flow_items.iter().cycle()) {
                if *as_flow {
                    out.push_str(&" ".repeat(pad));
                    out.push_str("- ");
                    flow(item, false, &mut out);
                    out.push('\n');
                } else {
                    block(&T::Seq(vec![item.clone()]), block_style, pad, &mut out);
                }
            }
        }
        1 => {
            flow(&list, true, &mut out);
            out.push('\n');
        }
        _ => {
            pretty_json(&list, 0, &mut out);
            out.push('\n');
        }
    }
    if crlf {
        out = out.replace('\n', "\r\n");
    }
    out
}

fn ctr() -> impl Strategy<Value = Ctr> {
    (
        prop::collection::vec(0u8..4, 0..3),
        0usize..20,
        any::<bool>(),
        prop::option::weighted(0.3, 0usize..HEADERS.len() * 3),
        prop::option::weighted(0.2, 0usize..HEADERS.len() * 3),
    )
        .prop_map(|(mounts, odd, args, script, mount_script)| Ctr {
            mounts,
            odd,
            args,
            script,
            mount_script,
        })
}

fn workload() -> impl Strategy<Value = Workload> {
    (
        (0u8..3, 0u8..4),
        prop::collection::vec(ctr(), 1..4),
        prop::collection::vec(ctr(), 0..3),
        prop::collection::vec(0u8..4, 0..4),
        0usize..20,
        prop::option::weighted(0.2, 0usize..HEADERS.len() * 3),
        0u8..11,
    )
        .prop_map(
            |((kind, automount), containers, init, volumes, odd, host, quirk)| Workload {
                kind,
                automount,
                containers,
                init,
                volumes,
                odd,
                host,
                quirk,
            },
        )
}

fn templates<'n, 'a>(items: &'n [Node<'a>]) -> Vec<workloads::Found<'n, 'a>> {
    items
        .iter()
        .flat_map(|i| workloads::pod_templates(i, &[]))
        .collect()
}

/// What became of each Pod template of the ResourceList `input` (which has no
/// functionConfig) run with `config` and `mode`: (kind, name, path, verdict), the
/// verdict the same word for audit mode's "would harden" and enforce mode's "hardened";
/// or why the run as a whole failed.
fn verdicts(
    input: &str,
    config: &str,
    mode: &str,
) -> Result<Vec<(String, String, String, &'static str)>, String> {
    let mut with_config = input.to_owned();
    common::push_function_config(
        &mut with_config,
        &format!("apiVersion: v1\nkind: ConfigMap\ndata:\n  mode: {mode}\n{config}"),
    );
    let run = harden_sa_token::run(with_config.as_bytes(), harden_sa_token::Call::Plain)
        .map_err(|e| e.to_string())?;
    Ok(run
        .rows
        .iter()
        .map(|r| {
            let verdict = match r.change {
                RowChange::Hardened | RowChange::WouldHarden => "changes",
                RowChange::Already => "already",
                RowChange::LeftUnchanged => "refused",
            };
            (
                r.resource.kind.clone(),
                r.resource.name.clone(),
                r.path.clone(),
                verdict,
            )
        })
        .collect())
}

#[test]
fn check_verdicts_are_fix_outcomes_on_the_corpus() {
    let Some(files) = common::corpus_files() else {
        common::skip(
            "properties::check_is_fix",
            "../shared/corpus is not beside the repository",
        );
        return;
    };
    let mut templates = 0;
    for file in &files {
        let (input, _) = common::wrap_stream(&std::fs::read_to_string(file).unwrap());
        // The defaults, and a filter that takes the token from some containers, so that
        // containers sharing what they mount may want different edits.
        for config in ["", "  excludeContainers: \"*proxy*,*sidecar*,*init*\"\n"] {
            let check = verdicts(&input, config, "audit");
            let fix = verdicts(&input, config, "enforce");
            assert_eq!(check, fix, "{} with {config:?}", file.display());
            templates += fix.map_or(0, |v| v.len());
        }
    }
    eprintln!(
        "check = fix: {} files, {templates} Pod template verdicts",
        files.len()
    );
    assert!(templates > 100, "{templates}");
}

proptest! {
    // 512 cases by default; PROPTEST_CASES=N for a longer run.
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(512),
        ..ProptestConfig::default()
    })]

    #[test]
    fn hardening_keeps_everything_and_converges(
        workloads in prop::collection::vec(workload(), 1..4),
        style in 0u8..3,
        flow_items in prop::collection::vec(any::<bool>(), 1..3),
        indent in prop::sample::select(vec![2usize, 4]),
        indentless in any::<bool>(),
        comments in any::<bool>(),
        crlf in any::<bool>(),
    ) {
        let items: Vec<T> = workloads.iter().enumerate().map(|(i, w)| object(i, w)).collect();
        let block_style = Style { indent, indentless, comments };
        let input = render(&items, style, &flow_items, block_style, crlf);
        let in_docs = Document::parse(&input).map_err(|e| TestCaseError::fail(format!("generated input does not parse: {e}\n{input}")))?;
        let out = harden_sa_token::run(input.as_bytes(), harden_sa_token::Call::Plain)
            .map_err(|e| TestCaseError::fail(format!("{e}\n{input}")))?;
        let out_text = out.text.to_string();
        // The output check refusing the function's own edit is a bug, whatever else.
        prop_assert!(
            out.internal_error().is_none(),
            "internal error: {:?}\n{input}", out.results
        );
        // Read piece by piece (where it can be cut) or whole, it is one run.
        let whole = harden_sa_token::run_reading(
            input.as_bytes(),
            harden_sa_token::Call::Plain,
            false,
            &[],
            harden_sa_token::Reading::Whole,
        )
        .map_err(|e| TestCaseError::fail(format!("read whole: {e}\n{input}")))?;
        let same = |run: &harden_sa_token::Run| format!("{run:?}").replace("reading: Pieces", "reading: Whole");
        prop_assert_eq!(same(&out), same(&whole), "{}", input);
        // A resource is refused only for what its quirk puts in it, and only where YAML
        // has merge keys and aliases (JSON has neither: `"<<"` is a key like any other).
        let yaml_style = style % 3 == 0;
        let mut refused = vec![false; workloads.len()];
        for r in out.results.iter().filter(|r| r.severity == Severity::Error) {
            let index = r
                .resource_ref
                .as_ref()
                .and_then(|rr| rr.name.strip_prefix('w'))
                .and_then(|n| n.parse::<usize>().ok());
            let Some((i, w)) = index.and_then(|i| workloads.get(i).map(|w| (i, w))) else {
                return Err(TestCaseError::fail(format!("an error about no workload: {r}\n{input}")));
            };
            let explained = yaml_style && match w.quirk() {
                Quirk::MergeInPodSpec | Quirk::MergeInContainer => r.message.contains("has a merge key (`<<`"),
                Quirk::AliasedMounts => r.message.contains("is an alias (*mounts") || r.message.contains("(&mounts"),
                Quirk::AliasedEnv | Quirk::None => false,
            };
            prop_assert!(explained, "unexplained error: {r}\n{input}");
            refused[i] = true;
        }
        for (i, w) in workloads.iter().enumerate() {
            if yaml_style && matches!(w.quirk(), Quirk::MergeInPodSpec | Quirk::MergeInContainer) {
                prop_assert!(refused[i], "merge key not refused in w{i}\n{input}\n{}", out_text);
            }
        }

        // The output parses and keeps the items, in order.
        let out_docs = Document::parse(&out_text).map_err(|e| TestCaseError::fail(format!("{e}\n{}", out_text)))?;
        let in_items = in_docs.roots()[0].get("items").and_then(Node::items).unwrap_or_default();
        let out_items = out_docs.roots()[0].get("items").and_then(Node::items).unwrap_or_default();
        prop_assert_eq!(in_items.len(), workloads.len());
        prop_assert_eq!(
            in_items.iter().map(common::identity).collect::<Vec<_>>(),
            out_items.iter().map(common::identity).collect::<Vec<_>>()
        );

        // Every input scalar keeps its text and style; a refused item keeps every byte.
        for ((a, b), refused) in in_items.iter().zip(out_items).zip(&refused) {
            let (mut want, mut got) = (Vec::new(), Vec::new());
            common::scalars(&input, a, None, &mut want);
            common::scalars(&out_text, b, None, &mut got);
            let lost = common::lost_scalar(&want, &got);
            prop_assert!(lost.is_none(), "lost {:?}\n--- in ---\n{input}\n--- out ---\n{}", lost, out_text);
            if *refused {
                prop_assert_eq!(&input[a.span()], &out_text[b.span()]);
            }
        }

        // Every other Pod template is hardened: automount off and nothing left to do.
        let settings = Settings::default();
        for (item, _) in out_items.iter().zip(&refused).filter(|(_, r)| !**r) {
            let found = templates(std::slice::from_ref(item));
            prop_assert_eq!(found.len(), 1);
            for f in found {
                let (pod, _) = template::read(&out_docs, f.spec).map_err(|e| TestCaseError::fail(format!("{e:?}\n{}", out_text)))?;
                prop_assert_eq!(pod.automount, Automount::Off, "{}", out_text);
                let plan = decide::decide(&pod, &settings.wanted(), None, None);
                prop_assert!(plan.as_ref().is_ok_and(|p| p.is_empty()), "{plan:?}\n{}", out_text);
            }
        }

        // A second run changes nothing.
        let again = harden_sa_token::run(out_text.as_bytes(), harden_sa_token::Call::Plain)
            .map_err(|e| TestCaseError::fail(format!("second run: {e}")))?;
        let again_text = again.text.to_string();
        prop_assert!(
            again.results.iter().all(|r| r.severity == Severity::Warning
                || (r.severity == Severity::Error && !r.is_internal_error())),
            "{:?}", again.results
        );
        prop_assert_eq!(
            again.results.iter().filter(|r| r.severity == Severity::Error).count(),
            refused.iter().filter(|r| **r).count()
        );
        let items_text = |text: &str| -> Result<String, TestCaseError> {
            let docs = Document::parse(text).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let items = docs.roots()[0].get("items").ok_or_else(|| TestCaseError::fail("no items"))?;
            Ok(text[items.span()].to_owned())
        };
        // Only `results` (this run's) may differ.
        prop_assert_eq!(items_text(&again_text)?, items_text(&out_text)?);
    }

    #[test]
    fn check_verdicts_are_fix_outcomes(
        workloads in prop::collection::vec(workload(), 1..4),
        flow_items in prop::collection::vec(any::<bool>(), 1..3),
        indent in prop::sample::select(vec![2usize, 4]),
        indentless in any::<bool>(),
        exclude in prop::option::of(0usize..3),
    ) {
        let items: Vec<T> = workloads.iter().enumerate().map(|(i, w)| object(i, w)).collect();
        let block_style = Style { indent, indentless, comments: false };
        // YAML, where anchors and aliases are (and a functionConfig can be appended).
        let input = render(&items, 0, &flow_items, block_style, false);
        let config = exclude.map_or(String::new(), |i| format!("  excludeContainers: app-{i}\n"));
        let check = verdicts(&input, &config, "audit");
        let fix = verdicts(&input, &config, "enforce");
        prop_assert_eq!(&check, &fix, "{}", input);
        // Something of each kind is compared, over the cases: generated inputs have
        // Pod templates.
        prop_assert!(fix.as_ref().map_or(true, |v| !v.is_empty()), "{}", input);
    }
}

// Never worse than before (docs/guarantees.md): no token volume's lifetime lengthened, no
// container given a token it did not hold, unless a statement about the workload says
// so. Checked over every file of `../shared/corpus/` and over generated inputs.

/// The annotations that state a workload's access or lifetime.
const STATEMENTS: &[&str] = &[policy::API_ACCESS_ANNOTATION, policy::LIFETIME_ANNOTATION];

/// What one Pod template holds, as Kubernetes would run it.
#[derive(Debug, Default)]
struct Holds {
    /// The containers (and init containers) that hold a token.
    containers: BTreeSet<String>,
    /// Each token of a projected token volume, by (volume, path): its effective lifetime.
    lifetimes: BTreeMap<(String, String), i64>,
    /// Whether a statement (annotation) speaks of the workload.
    stated: bool,
}

/// `automountServiceAccountToken` of each ServiceAccount of `items`, by (namespace, name).
fn account_settings(items: &[Node<'_>]) -> HashMap<(Option<String>, String), bool> {
    items
        .iter()
        .filter(|i| {
            i.get_str("apiVersion") == Some("v1") && i.get_str("kind") == Some("ServiceAccount")
        })
        .filter_map(|i| {
            let meta = i.get("metadata")?;
            let key = (
                meta.get_str("namespace").map(str::to_owned),
                meta.get_str("name")?.to_owned(),
            );
            Some((key, i.get("automountServiceAccountToken")?.as_bool()?))
        })
        .collect()
}

fn annotated(meta: Option<&Node<'_>>) -> bool {
    let annotations = meta.and_then(|m| m.get("annotations"));
    STATEMENTS
        .iter()
        .any(|a| annotations.and_then(|n| n.get(a)).is_some())
}

/// What every Pod template of the ResourceList `text` holds, by (item, path).
fn holdings(text: &str) -> BTreeMap<(usize, String), Holds> {
    let doc = Document::parse(text).expect("parses");
    let items = doc.roots()[0]
        .get("items")
        .and_then(Node::items)
        .unwrap_or_default();
    let accounts = account_settings(items);
    let mut out = BTreeMap::new();
    for (index, item) in items.iter().enumerate() {
        for f in workloads::pod_templates_in(&doc, item, &[]) {
            let Ok((pod, _)) = template::read(&doc, f.spec) else {
                continue;
            };
            let sa = evidence::service_account(&doc, &f);
            let key = (sa.namespace.as_str().map(str::to_owned), sa.name.clone());
            let automount = match pod.automount {
                Automount::On => true,
                Automount::Off => false,
                Automount::Unset => accounts.get(&key).copied().unwrap_or(true),
            };
            let mut holds = Holds {
                stated: annotated(f.metadata) || annotated(f.object.get("metadata")),
                ..Holds::default()
            };
            let tokens: Vec<&str> = pod
                .volumes
                .iter()
                .filter(|v| matches!(v.source, decide::VolumeSource::Token(_)))
                .map(|v| v.name.as_str())
                .collect();
            for (i, c) in pod.containers.iter().enumerate() {
                if automount
                    || c.mounts
                        .iter()
                        .any(|m| m.path == TOKEN_PATH && tokens.contains(&m.volume.as_str()))
                {
                    holds.containers.insert(pod.label(i));
                }
            }
            for v in &pod.volumes {
                let decide::VolumeSource::Token(Some(projected)) = &v.source else {
                    continue;
                };
                for t in projected
                    .sources
                    .iter()
                    .flatten()
                    .filter_map(|s| s.service_account_token.as_ref())
                {
                    holds.lifetimes.insert(
                        (v.name.clone(), t.path.clone()),
                        decide::effective_lifetime(t.expiration_seconds, t.audience.as_deref()),
                    );
                }
            }
            out.insert((index, f.path.clone()), holds);
        }
    }
    out
}

/// What got worse from `input` to `output` (ResourceLists), if anything.
fn worse(input: &str, output: &str) -> Option<String> {
    let before = holdings(input);
    let after = holdings(output);
    for (key, was) in &before {
        let Some(now) = after.get(key) else {
            return Some(format!("template {key:?} is gone"));
        };
        if was.stated {
            continue;
        }
        if let Some(gained) = now.containers.difference(&was.containers).next() {
            return Some(format!(
                "template {key:?}: container {gained} gained a token"
            ));
        }
        for (token, lifetime) in &now.lifetimes {
            if let Some(old) = was.lifetimes.get(token)
                && lifetime > old
            {
                return Some(format!(
                    "template {key:?}: token {token:?} lives {lifetime} s, {old} s before"
                ));
            }
        }
    }
    None
}

#[test]
fn no_token_lives_longer_and_no_container_gains_one_over_the_corpus() {
    let Some(files) = common::corpus_files() else {
        common::skip(
            "properties corpus",
            "../shared/corpus is not beside the repository",
        );
        return;
    };
    // The default, and a lifetime shorter than many a token of the corpus.
    let configs = [
        None,
        Some("apiVersion: v1\nkind: ConfigMap\ndata: {expirationSeconds: '1800', rbac: apply}\n"),
    ];
    let (mut templates, mut failures) = (0, Vec::new());
    for file in &files {
        let stream = std::fs::read_to_string(file).unwrap();
        let (input, _) = common::wrap_stream(&stream);
        for config in configs {
            let mut input = input.clone();
            if let Some(config) = config {
                common::push_function_config(&mut input, config);
            }
            let Ok(out) = harden_sa_token::run(input.as_bytes(), harden_sa_token::Call::Plain)
            else {
                continue;
            };
            templates += holdings(&input).len();
            if let Some(why) = worse(&input, &out.text.to_string()) {
                failures.push(format!("{} ({config:?}): {why}", file.display()));
            }
        }
    }
    eprintln!(
        "never worse: {} files, {templates} Pod templates, {} failures",
        files.len(),
        failures.len()
    );
    assert!(templates > 0, "no Pod template in the corpus");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A token volume a Pod template may already have.
#[derive(Debug, Clone)]
struct OldVolume {
    name: &'static str,
    expiration: Option<i64>,
    audience: Option<&'static str>,
    service_ca: bool,
}

fn old_volume() -> impl Strategy<Value = Option<OldVolume>> {
    prop::option::of(
        (
            prop::sample::select(vec!["kube-api-access", "my-token"]),
            prop::option::of(prop::sample::select(vec![
                600i64, 1800, 3600, 3607, 7200, 86400,
            ])),
            prop::option::of(prop::sample::select(vec!["", "vault"])),
            any::<bool>(),
        )
            .prop_map(|(name, expiration, audience, service_ca)| OldVolume {
                name,
                expiration,
                audience,
                service_ca,
            }),
    )
}

/// A ResourceList with a ServiceAccount (perhaps opted out) and a Deployment.
fn never_worse_input(
    account: Option<bool>,
    pod: Option<bool>,
    named: bool,
    volume: &Option<OldVolume>,
    mounts: &[bool],
    config: i64,
) -> String {
    let mut s = String::from("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n");
    s.push_str(
        "- apiVersion: v1\n  kind: ServiceAccount\n  metadata: {name: app, namespace: shop}\n",
    );
    if let Some(a) = account {
        s.push_str(&format!("  automountServiceAccountToken: {a}\n"));
    }
    s.push_str("- apiVersion: apps/v1\n  kind: Deployment\n  metadata: {name: w, namespace: shop}\n  spec:\n    template:\n      spec:\n");
    if named {
        s.push_str("        serviceAccountName: app\n");
    }
    if let Some(p) = pod {
        s.push_str(&format!("        automountServiceAccountToken: {p}\n"));
    }
    s.push_str("        containers:\n");
    for (i, mounted) in mounts.iter().enumerate() {
        s.push_str(&format!("        - name: c{i}\n          image: x\n"));
        if let (true, Some(v)) = (mounted, volume) {
            s.push_str(&format!(
                "          volumeMounts:\n          - {{name: {}, mountPath: {TOKEN_PATH}, readOnly: true}}\n",
                v.name
            ));
        }
    }
    if let Some(v) = volume {
        s.push_str(&format!("        volumes:\n        - name: {}\n          projected:\n            sources:\n            - serviceAccountToken:\n                path: token\n", v.name));
        if let Some(e) = v.expiration {
            s.push_str(&format!("                expirationSeconds: {e}\n"));
        }
        if let Some(a) = v.audience {
            s.push_str(&format!("                audience: {a:?}\n"));
        }
        s.push_str("            - configMap: {name: kube-root-ca.crt, items: [{key: ca.crt, path: ca.crt}]}\n");
        if v.service_ca {
            s.push_str("            - configMap: {name: openshift-service-ca.crt, items: [{key: service-ca.crt, path: service-ca.crt}]}\n");
        }
    }
    s.push_str(&format!(
        "functionConfig:\n  apiVersion: v1\n  kind: ConfigMap\n  data: {{expirationSeconds: '{config}'}}\n"
    ));
    s
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(256),
        ..ProptestConfig::default()
    })]

    #[test]
    fn no_token_lives_longer_and_no_container_gains_one(
        account in prop::option::of(any::<bool>()),
        pod in prop::option::of(any::<bool>()),
        named in any::<bool>(),
        volume in old_volume(),
        mounts in prop::collection::vec(any::<bool>(), 1..4),
        config in prop::sample::select(vec![600i64, 1800, 3600, 3607, 7200, 86400]),
    ) {
        let input = never_worse_input(account, pod, named, &volume, &mounts, config);
        let out = harden_sa_token::run(input.as_bytes(), harden_sa_token::Call::Plain)
            .map_err(|e| TestCaseError::fail(format!("{e}\n{input}")))?;
        let out_text = out.text.to_string();
        prop_assert!(out.internal_error().is_none(), "{:?}\n{input}", out.results);
        let why = worse(&input, &out_text);
        prop_assert!(why.is_none(), "{why:?}\n--- in ---\n{input}\n--- out ---\n{}", out_text);
        // OpenShift's service CA, where the volume had it and a container still holds
        // the token through it, is still there.
        let holders = holdings(&out_text).values().any(|h| !h.containers.is_empty());
        if holders && volume.as_ref().is_some_and(|v| v.service_ca && v.name == "kube-api-access") {
            prop_assert!(out_text.contains("openshift-service-ca.crt"), "{}", out_text);
        }
        // And a second run changes nothing.
        let again = harden_sa_token::run(out_text.as_bytes(), harden_sa_token::Call::Plain)
            .map_err(|e| TestCaseError::fail(format!("second run: {e}")))?;
        prop_assert!(again.results.iter().all(|r| r.severity != Severity::Info), "{:?}\n{}", again.results, out_text);
    }
}
