//! Where Pod templates live: the built-in kinds of SPEC §3, matched by API group and
//! kind (never by kind alone), and `v1 List` items.

use crate::yaml::tree::Node;

/// A Pod template found in an object.
#[derive(Debug)]
pub struct Found<'n, 'a> {
    /// The object that holds it (an item of a `List` for listed objects).
    pub object: &'n Node<'a>,
    /// The PodSpec mapping.
    pub spec: &'n Node<'a>,
    /// Dotted path of the PodSpec in `object`, e.g. `spec.template.spec`.
    pub path: &'static str,
}

/// (group, kinds, path to the PodSpec).
const BUILT_IN: &[(&str, &[&str], &[&str])] = &[
    ("", &["Pod"], &["spec"]),
    ("", &["PodTemplate"], &["template", "spec"]),
    (
        "",
        &["ReplicationController"],
        &["spec", "template", "spec"],
    ),
    (
        "apps",
        &["Deployment", "ReplicaSet", "StatefulSet", "DaemonSet"],
        &["spec", "template", "spec"],
    ),
    // Served until Kubernetes 1.16; old charts still carry it.
    (
        "extensions",
        &["Deployment", "ReplicaSet", "DaemonSet"],
        &["spec", "template", "spec"],
    ),
    ("batch", &["Job"], &["spec", "template", "spec"]),
    (
        "batch",
        &["CronJob"],
        &["spec", "jobTemplate", "spec", "template", "spec"],
    ),
];

/// The API group of an apiVersion (`apps/v1` -> `apps`, `v1` -> ``).
pub fn group(api_version: &str) -> &str {
    api_version.rsplit_once('/').map_or("", |(g, _)| g)
}

/// The Pod templates of `object`, in document order. Objects of unknown kinds have
/// none; so do known kinds whose template is missing.
pub fn pod_templates<'n, 'a>(object: &'n Node<'a>) -> Vec<Found<'n, 'a>> {
    let mut found = Vec::new();
    collect(object, &mut found, 0);
    found
}

fn collect<'n, 'a>(object: &'n Node<'a>, found: &mut Vec<Found<'n, 'a>>, depth: usize) {
    let api_version = object.get_str("apiVersion").unwrap_or_default();
    let kind = object.get_str("kind").unwrap_or_default();
    let group = group(api_version);
    if (api_version, kind) == ("v1", "List") {
        // Lists nest only by mistake; one level of List inside a List is plenty.
        if depth < 2 {
            for item in object
                .get("items")
                .and_then(Node::items)
                .unwrap_or_default()
            {
                collect(item, found, depth + 1);
            }
        }
        return;
    }
    let Some((_, _, path)) = BUILT_IN
        .iter()
        .find(|(g, kinds, _)| *g == group && kinds.contains(&kind))
    else {
        return;
    };
    let mut node = object;
    for key in *path {
        match node.get(key) {
            Some(next) => node = next,
            None => return,
        }
    }
    if node.is_null() {
        return;
    }
    found.push(Found {
        object,
        spec: node,
        path: dotted(path),
    });
}

fn dotted(path: &[&str]) -> &'static str {
    match path.len() {
        1 => "spec",
        2 => "template.spec",
        3 => "spec.template.spec",
        _ => "spec.jobTemplate.spec.template.spec",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::tree::parse;

    fn paths(text: &str) -> Vec<&'static str> {
        let docs = parse(text).unwrap();
        pod_templates(&docs[0].root)
            .iter()
            .map(|f| f.path)
            .collect()
    }

    #[test]
    fn matched_by_group_and_kind() {
        assert_eq!(
            paths(
                "apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec: {containers: []}\n"
            ),
            ["spec.template.spec"]
        );
        assert_eq!(
            paths(
                "apiVersion: batch/v1\nkind: CronJob\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec: {}\n"
            ),
            ["spec.jobTemplate.spec.template.spec"]
        );
        assert_eq!(paths("apiVersion: v1\nkind: Pod\nspec: {}\n"), ["spec"]);
        // A Knative Service is not a v1 Service, and a Deployment of another group is not ours.
        assert!(
            paths(
                "apiVersion: example.com/v1\nkind: Deployment\nspec:\n  template:\n    spec: {}\n"
            )
            .is_empty()
        );
        assert!(paths("apiVersion: v1\nkind: Service\nspec: {}\n").is_empty());
    }

    #[test]
    fn list_items_are_searched() {
        let text = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  spec: {}\n- apiVersion: v1\n  kind: ConfigMap\n";
        assert_eq!(paths(text), ["spec"]);
    }
}
