//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

use granit_parser::ScalarStyle;
use harden_sa_token::yaml::tree::{Kind, Node};

/// `../shared` beside the repository, if it is there.
pub fn shared_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared");
    dir.join("corpus").is_dir().then_some(dir)
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
    let docs = harden_sa_token::yaml::tree::parse(stream).expect("stream parses");
    let mut items = String::new();
    let mut count = 0;
    for doc in &docs {
        let root = &doc.root;
        if root.entries().is_none_or(|e| e.is_empty()) || root.col != 0 {
            continue;
        }
        let text = stream[root.start..root.end].trim_end_matches(['\n', '\r']);
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
/// (multi-line text is re-indented by the wrapping, its value is not).
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
    match &node.kind {
        Kind::Scalar { value, style, .. } => {
            let raw = &text[node.start..node.end];
            out.push(Scalar {
                value: value.to_string(),
                style: *style,
                text: (!raw.contains('\n')).then(|| raw.to_owned()),
                automount: key == Some("automountServiceAccountToken"),
            });
        }
        Kind::Map { .. } if owned(node) => {}
        Kind::Map { entries, .. } => {
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
        Kind::Seq { items, .. } => items.iter().for_each(|i| scalars(text, i, None, out)),
        Kind::Alias(_) => {}
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
