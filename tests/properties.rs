//! Property tests: Pod templates generated in every style the editor supports (block with
//! 2 or 4 spaces, indentless or indented lists, flow, JSON one-line and pretty, CRLF,
//! comments, odd scalars), wrapped in a ResourceList and hardened with the defaults:
//! the output parses, items keep their order, every input scalar keeps its text and
//! style, every Pod template is hardened, and a second run changes nothing.

mod common;

use harden_sa_token::decide::{self, Automount};
use harden_sa_token::yaml::{Document, Node};
use harden_sa_token::{Settings, Severity, template, workloads};
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
];

/// A tiny document tree that can be written in any style.
#[derive(Debug, Clone)]
enum T {
    /// A scalar: its YAML text and its JSON text.
    S(String, String),
    Map(Vec<(String, T)>),
    Seq(Vec<T>),
}

fn plain(s: &str) -> T {
    T::S(s.to_owned(), format!("{s:?}"))
}

fn odd(i: usize) -> T {
    let (y, j) = ODD[i % ODD.len()];
    T::S(y.into(), j.into())
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
                value(v, style, indent, out);
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
                        value(item, style, indent + 2, out);
                    }
                }
            }
        }
        T::S(..) => unreachable!("block() is called on collections"),
    }
}

fn value(v: &T, style: Style, indent: usize, out: &mut String) {
    match v {
        T::S(y, _) => {
            out.push(' ');
            out.push_str(y);
            if style.comments && y.len() % 3 == 0 {
                out.push_str(" # note");
            }
            out.push('\n');
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
        T::S(_, j) => out.push_str(j),
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
}

fn container(prefix: &str, i: usize, c: &Ctr, has_token_volume: bool) -> T {
    let mut entries = vec![
        ("name", plain(&format!("{prefix}{i}"))),
        ("image", plain("registry.example/app:1.10")),
    ];
    if c.args {
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
    if !mounts.is_empty() || c.odd % 3 == 0 {
        entries.push(("volumeMounts", T::Seq(mounts)));
    }
    map(entries)
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
    let containers = w
        .containers
        .iter()
        .enumerate()
        .map(|(i, c)| container("app-", i, c, has_token))
        .collect();
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
    )
        .prop_map(|(mounts, odd, args)| Ctr { mounts, odd, args })
}

fn workload() -> impl Strategy<Value = Workload> {
    (
        0u8..3,
        0u8..4,
        prop::collection::vec(ctr(), 1..4),
        prop::collection::vec(ctr(), 0..3),
        prop::collection::vec(0u8..4, 0..4),
        0usize..20,
    )
        .prop_map(
            |(kind, automount, containers, init, volumes, odd)| Workload {
                kind,
                automount,
                containers,
                init,
                volumes,
                odd,
            },
        )
}

fn templates<'n, 'a>(items: &'n [Node<'a>]) -> Vec<workloads::Found<'n, 'a>> {
    items
        .iter()
        .flat_map(|i| workloads::pod_templates(i, &[]))
        .collect()
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
        prop_assert!(
            out.results.iter().all(|r| r.severity != Severity::Error),
            "{:?}\n{input}", out.results
        );

        // The output parses and keeps the items, in order.
        let out_docs = Document::parse(&out.text).map_err(|e| TestCaseError::fail(format!("{e}\n{}", out.text)))?;
        let in_items = in_docs.roots()[0].get("items").and_then(Node::items).unwrap_or_default();
        let out_items = out_docs.roots()[0].get("items").and_then(Node::items).unwrap_or_default();
        prop_assert_eq!(in_items.len(), workloads.len());
        prop_assert_eq!(
            in_items.iter().map(common::identity).collect::<Vec<_>>(),
            out_items.iter().map(common::identity).collect::<Vec<_>>()
        );

        // Every input scalar keeps its text and style.
        for (a, b) in in_items.iter().zip(out_items) {
            let (mut want, mut got) = (Vec::new(), Vec::new());
            common::scalars(&input, a, None, &mut want);
            common::scalars(&out.text, b, None, &mut got);
            let lost = common::lost_scalar(&want, &got);
            prop_assert!(lost.is_none(), "lost {:?}\n--- in ---\n{input}\n--- out ---\n{}", lost, out.text);
        }

        // Every Pod template is hardened: automount off and nothing left to do.
        let settings = Settings::default();
        let found = templates(out_items);
        prop_assert_eq!(found.len(), workloads.len());
        for f in found {
            let (pod, _) = template::read(&out_docs, f.spec).map_err(|e| TestCaseError::fail(format!("{e:?}\n{}", out.text)))?;
            prop_assert_eq!(pod.automount, Automount::Off, "{}", out.text);
            let plan = decide::decide(&pod, &settings.wanted(), None);
            prop_assert!(plan.as_ref().is_ok_and(|p| p.is_empty()), "{plan:?}\n{}", out.text);
        }

        // A second run changes nothing.
        let again = harden_sa_token::run(out.text.as_bytes(), harden_sa_token::Call::Plain)
            .map_err(|e| TestCaseError::fail(format!("second run: {e}")))?;
        prop_assert!(again.results.iter().all(|r| r.severity == Severity::Warning), "{:?}", again.results);
        let items_text = |text: &str| -> Result<String, TestCaseError> {
            let docs = Document::parse(text).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let items = docs.roots()[0].get("items").ok_or_else(|| TestCaseError::fail("no items"))?;
            Ok(text[items.span()].to_owned())
        };
        // Only `results` (this run's) may differ.
        prop_assert_eq!(items_text(&again.text)?, items_text(&out.text)?);
    }
}
