//! `harden-sa-token evidence`: a snapshot of a cluster's RBAC (`kubectl get
//! clusterroles,clusterrolebindings,roles,rolebindings,serviceaccounts -A -o yaml`, a
//! `v1 List`, or any stream of such objects) turned into evidence a pipeline can carry
//! (`docs/protocols.md`): each ServiceAccount, Role, ClusterRole, RoleBinding and
//! ClusterRoleBinding as an object of its own, marked `config.kubernetes.io/local-config:
//! "true"` (kpt's mark for objects that are never deployed, which the function reads as
//! evidence), with only what the decision reads: names, namespaces, rules, aggregation,
//! role references and subjects. Status, `managedFields`, uids, resource versions,
//! labels and a ServiceAccount's `secrets` are left out.
//!
//! Unlike the rest of the function, this writes new YAML: these are new objects, not
//! edits of the input. Keys come in alphabetical order, as `kubectl -o yaml` writes them. Strings that a YAML 1.1 reader (go-yaml, libyaml) could take for
//! anything else are written double-quoted, in JSON's escapes, which YAML reads alike.

use serde_json::{Map, Value};

use crate::evidence::RBAC_GROUP;
use crate::input::{self, InputError};
use crate::workloads;
use crate::yaml::{ValueError, to_json};

/// kpt's annotation for objects that configure a pipeline and are never deployed.
pub const LOCAL_CONFIG: &str = "config.kubernetes.io/local-config";

/// How deep lists may nest: a `List` inside a `List` is read, one more level is not (as
/// the evidence reader does).
const MAX_LIST_DEPTH: usize = 2;

/// Why no snapshot was written.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    /// The input is not UTF-8 or not YAML.
    #[error(transparent)]
    Input(#[from] InputError),
    /// A document that cannot be read as plain data.
    #[error("document {index} (line {line}): {error}")]
    Value {
        /// 1-based.
        index: usize,
        /// 1-based line where it starts.
        line: usize,
        /// What is wrong.
        error: ValueError,
    },
    /// Nothing to write: the wrong command's output, or an empty one.
    #[error(
        "stdin holds no ServiceAccount, Role, ClusterRole, RoleBinding or ClusterRoleBinding; expected the output of `kubectl get clusterroles,clusterrolebindings,roles,rolebindings,serviceaccounts -A -o yaml`"
    )]
    NoRbac,
}

/// The evidence written, and how many objects of each kind it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// The YAML stream.
    pub text: String,
    /// Objects of each kind, in the order of [`KINDS`].
    pub counts: [usize; 5],
}

impl Snapshot {
    /// [`crate::results::exit_code`] of the command: a snapshot that could be read has
    /// no finding and nothing failed (one that cannot be read is an error instead).
    pub fn exit_code(&self) -> u8 {
        crate::results::exit_code(&[], 0)
    }
}

/// The kinds kept, in the order of [`Snapshot::counts`].
pub const KINDS: [&str; 5] = [
    "ServiceAccount",
    "Role",
    "ClusterRole",
    "RoleBinding",
    "ClusterRoleBinding",
];

/// Reads `input` and writes the evidence it holds.
pub fn run(input: &[u8]) -> Result<Snapshot, SnapshotError> {
    let text = input::utf8(input)?;
    let doc = input::parse(text)?;
    let mut objects = Vec::new();
    for (index, root) in doc.roots().iter().enumerate() {
        let value = to_json(root).map_err(|error| SnapshotError::Value {
            index: index + 1,
            line: root.line(),
            error,
        })?;
        collect(&value, ("", ""), 0, &mut objects);
    }
    if objects.is_empty() {
        return Err(SnapshotError::NoRbac);
    }
    let mut counts = [0; 5];
    let mut text = String::new();
    for (i, (kind, object)) in objects.iter().enumerate() {
        if let Some(count) = counts.get_mut(*kind) {
            *count += 1;
        }
        if i > 0 {
            text.push_str("---\n");
        }
        render_map(object, 0, false, &mut text);
    }
    Ok(Snapshot { text, counts })
}

fn str_of<'v>(value: &'v Value, key: &str) -> Option<&'v str> {
    value
        .get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// Adds the RBAC objects `value` is or holds to `out`, each with its index in [`KINDS`].
fn collect(value: &Value, defaults: (&str, &str), depth: usize, out: &mut Vec<(usize, Value)>) {
    if !value.is_object() {
        return;
    }
    let api_version = str_of(value, "apiVersion").unwrap_or(defaults.0);
    let kind = str_of(value, "kind").unwrap_or(defaults.1);
    if let (Some(items), true) = (
        value.get("items").and_then(Value::as_array),
        kind.ends_with("List"),
    ) {
        if depth < MAX_LIST_DEPTH {
            let item_kind = kind.strip_suffix("List").unwrap_or_default();
            for item in items {
                collect(item, (api_version, item_kind), depth + 1, out);
            }
        }
        return;
    }
    let group = workloads::group(api_version);
    let index = match (group, kind) {
        ("", "ServiceAccount") if api_version == "v1" => 0,
        (RBAC_GROUP, "Role") => 1,
        (RBAC_GROUP, "ClusterRole") => 2,
        (RBAC_GROUP, "RoleBinding") => 3,
        (RBAC_GROUP, "ClusterRoleBinding") => 4,
        _ => return,
    };
    let namespaced = matches!(index, 0 | 1 | 3);
    let mut object = Map::new();
    object.insert("apiVersion".into(), api_version.into());
    object.insert("kind".into(), kind.into());
    let metadata = value.get("metadata").cloned().unwrap_or(Value::Null);
    let mut meta = Map::new();
    for key in ["name", "namespace"] {
        if let Some(text) = str_of(&metadata, key)
            && (key == "name" || namespaced)
        {
            meta.insert(key.into(), text.into());
        }
    }
    let mut annotations = Map::new();
    annotations.insert(LOCAL_CONFIG.into(), "true".into());
    meta.insert("annotations".into(), annotations.into());
    object.insert("metadata".into(), meta.into());
    let keep = |object: &mut Map<String, Value>, key: &str, fields: &[&str]| {
        let Some(found) = value.get(key).filter(|v| !v.is_null()) else {
            return;
        };
        let trim = |v: &Value| -> Value {
            match v.as_object() {
                Some(map) => fields
                    .iter()
                    .filter_map(|f| Some(((*f).to_owned(), map.get(*f)?.clone())))
                    .collect::<Map<String, Value>>()
                    .into(),
                None => v.clone(),
            }
        };
        let kept = match found {
            Value::Array(items) if !fields.is_empty() => items.iter().map(trim).collect(),
            other if !fields.is_empty() => trim(other),
            other => other.clone(),
        };
        object.insert(key.into(), kept);
    };
    match index {
        0 => {
            if let Some(automount) = value
                .get("automountServiceAccountToken")
                .filter(|v| v.is_boolean())
            {
                object.insert("automountServiceAccountToken".into(), automount.clone());
            }
        }
        1 | 2 => {
            if index == 2 {
                keep(&mut object, "aggregationRule", &[]);
            }
            keep(
                &mut object,
                "rules",
                &[
                    "apiGroups",
                    "resources",
                    "resourceNames",
                    "nonResourceURLs",
                    "verbs",
                ],
            );
        }
        _ => {
            keep(&mut object, "roleRef", &["apiGroup", "kind", "name"]);
            keep(
                &mut object,
                "subjects",
                &["kind", "apiGroup", "name", "namespace"],
            );
        }
    }
    out.push((index, object.into()));
}

/// Whether `text` reads back as this very string, unquoted, in YAML 1.1 and 1.2: a
/// conservative set (no leading digit or sign: numbers, times and dates; no booleans or
/// nulls of YAML 1.1; no indicator characters; no trailing `:`).
fn is_plain(text: &str) -> bool {
    const KEYWORDS: &[&str] = &[
        "y", "n", "yes", "no", "true", "false", "on", "off", "null", "~",
    ];
    let mut chars = text.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    (first.is_ascii_alphabetic() || first == '/' || first == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || "._/-:".contains(c))
        && !text.ends_with(':')
        && !KEYWORDS.contains(&text.to_ascii_lowercase().as_str())
}

fn scalar(value: &Value) -> String {
    match value {
        Value::String(text) if is_plain(text) => text.clone(),
        // A JSON string is a YAML double-quoted scalar with the same meaning.
        Value::String(text) => serde_json::to_string(text).unwrap_or_else(|_| "\"\"".into()),
        Value::Array(items) if items.is_empty() => "[]".into(),
        Value::Object(map) if map.is_empty() => "{}".into(),
        other => other.to_string(),
    }
}

fn is_block(value: &Value) -> bool {
    match value {
        Value::Array(items) => !items.is_empty(),
        Value::Object(map) => !map.is_empty(),
        _ => false,
    }
}

/// Writes `map` in block style at `indent`; with `inline`, its first entry goes on the
/// current line (after a sequence's `- `).
fn render_map(value: &Value, indent: usize, inline: bool, out: &mut String) {
    let Some(map) = value.as_object() else {
        out.push_str(&scalar(value));
        out.push('\n');
        return;
    };
    for (i, (key, value)) in map.iter().enumerate() {
        if i > 0 || !inline {
            out.push_str(&" ".repeat(indent));
        }
        out.push_str(&scalar(&Value::String(key.clone())));
        out.push(':');
        match value {
            Value::Object(_) if is_block(value) => {
                out.push('\n');
                render_map(value, indent + 2, false, out);
            }
            Value::Array(items) if is_block(value) => {
                out.push('\n');
                render_items(items, indent, out);
            }
            scalar_value => {
                out.push(' ');
                out.push_str(&scalar(scalar_value));
                out.push('\n');
            }
        }
    }
}

/// Writes a block sequence at `indent` (kubectl's layout: items at the key's indent).
fn render_items(items: &[Value], indent: usize, out: &mut String) {
    for item in items {
        out.push_str(&" ".repeat(indent));
        out.push_str("- ");
        match item {
            Value::Object(_) if is_block(item) => render_map(item, indent + 2, true, out),
            Value::Array(inner) if is_block(item) => {
                out.push('\n');
                render_items(inner, indent + 2, out);
            }
            other => {
                out.push_str(&scalar(other));
                out.push('\n');
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence;
    use crate::rbac::{Origin, ServiceAccount, Verdict};
    use crate::yaml::Document;

    const SNAPSHOT: &str = r#"apiVersion: v1
items:
- apiVersion: rbac.authorization.k8s.io/v1
  kind: ClusterRole
  metadata:
    creationTimestamp: "2024-01-01T00:00:00Z"
    labels: {kubernetes.io/bootstrapping: rbac-defaults}
    managedFields: [{manager: kube-apiserver}]
    name: "system:aggregate-to-view"
    resourceVersion: "12"
    uid: 8c0e
  rules:
  - apiGroups: [""]
    resources: [pods]
    verbs: [get, list, watch]
- apiVersion: rbac.authorization.k8s.io/v1
  kind: ClusterRole
  metadata: {name: view}
  aggregationRule:
    clusterRoleSelectors:
    - matchLabels: {rbac.authorization.k8s.io/aggregate-to-view: "true"}
  rules: []
- apiVersion: rbac.authorization.k8s.io/v1
  kind: ClusterRoleBinding
  metadata: {name: kube-state-metrics, namespace: ignored}
  roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: kube-state-metrics}
  subjects:
  - {kind: ServiceAccount, name: kube-state-metrics, namespace: monitoring}
- apiVersion: v1
  kind: ServiceAccount
  metadata: {name: kube-state-metrics, namespace: monitoring}
  automountServiceAccountToken: true
  secrets: [{name: kube-state-metrics-token-abcde}]
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: other}
  data: {password: hunter2}
kind: List
metadata:
  resourceVersion: ""
"#;

    #[test]
    fn a_list_becomes_annotated_objects_with_only_what_the_decision_reads() {
        let snapshot = run(SNAPSHOT.as_bytes()).unwrap();
        assert_eq!(snapshot.counts, [1, 0, 2, 0, 1]);
        assert_eq!(
            snapshot.text,
            r#"apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  annotations:
    config.kubernetes.io/local-config: "true"
  name: system:aggregate-to-view
rules:
- apiGroups:
  - ""
  resources:
  - pods
  verbs:
  - get
  - list
  - watch
---
aggregationRule:
  clusterRoleSelectors:
  - matchLabels:
      rbac.authorization.k8s.io/aggregate-to-view: "true"
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  annotations:
    config.kubernetes.io/local-config: "true"
  name: view
rules: []
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  annotations:
    config.kubernetes.io/local-config: "true"
  name: kube-state-metrics
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: kube-state-metrics
subjects:
- kind: ServiceAccount
  name: kube-state-metrics
  namespace: monitoring
---
apiVersion: v1
automountServiceAccountToken: true
kind: ServiceAccount
metadata:
  annotations:
    config.kubernetes.io/local-config: "true"
  name: kube-state-metrics
  namespace: monitoring
"#
        );
        for secret in [
            "managedFields",
            "uid",
            "resourceVersion",
            "secrets",
            "hunter2",
        ] {
            assert!(!snapshot.text.contains(secret), "{secret}");
        }
        // Read back, it is evidence that says the same.
        let doc = Document::parse(&snapshot.text).unwrap();
        let objects: Vec<_> = doc
            .roots()
            .iter()
            .flat_map(|r| evidence::objects(&doc, r))
            .collect();
        // Four objects, and the ServiceAccount's automount setting as a record of its own.
        assert_eq!(objects.len(), 5);
        assert!(
            objects
                .iter()
                .all(|(origin, _)| *origin == Origin::Evidence)
        );
        let inventory: crate::rbac::Inventory = objects.into_iter().collect();
        let ev = inventory.evidence(&ServiceAccount::new("kube-state-metrics", "monitoring"));
        assert_eq!(ev.verdict(), Verdict::Granted);
    }

    #[test]
    fn strings_a_yaml_1_1_reader_would_misread_are_quoted() {
        for plain in ["pods", "system:serviceaccounts", "/healthz", "a.b/c-d"] {
            assert!(is_plain(plain), "{plain}");
        }
        for quoted in [
            "", "*", "/api/*", "yes", "No", "on", "null", "~", "1:20", "0x1F", "1e3", "a b", "a:",
            "#x", "-x", ".inf", "'",
        ] {
            assert!(!is_plain(quoted), "{quoted}");
        }
        assert_eq!(scalar(&Value::String("a\"b\n".into())), r#""a\"b\n""#);
    }

    #[test]
    fn no_rbac_is_an_error_that_names_the_command() {
        let err = run(b"apiVersion: v1\nkind: List\nitems: []\n").unwrap_err();
        assert!(
            err.to_string().contains("kubectl get clusterroles"),
            "{err}"
        );
        assert!(run(b"\xff").is_err());
    }
}
