//! Where Pod templates live (`docs/design.md`, "Where Pod templates are"): the
//! built-in kinds of Kubernetes and well-known custom workloads, matched by API group and kind (never by kind alone), the user's
//! `podSpecPaths`, and the items of lists (`v1 List`, `DeploymentList`, ...).

use crate::yaml::{Document, Node};

/// A Pod template found in an object.
#[derive(Debug)]
pub struct Found<'n, 'a> {
    /// The object that holds it (an item of a `List` for listed objects).
    pub object: &'n Node<'a>,
    /// The PodSpec mapping.
    pub spec: &'n Node<'a>,
    /// The Pod template's `metadata`, when it has one (the object's own for a Pod).
    pub metadata: Option<&'n Node<'a>>,
    /// Path of the PodSpec in `object`, e.g. `spec.template.spec` or
    /// `spec.replicatedJobs[0].template.spec.template.spec`.
    pub path: String,
}

/// A place where Pod templates live in objects of one group and kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodSpecPath {
    /// API group (`""` for core).
    pub group: String,
    /// Kind.
    pub kind: String,
    /// Keys, `[]` (every item of a list) and `*` (every value of a map).
    pub steps: Vec<String>,
}

/// Paths longer than this are surely mistakes; the cap keeps the walk small.
const MAX_STEPS: usize = 32;

impl PodSpecPath {
    /// Reads `spec/template/spec`-style paths; the error says what is allowed.
    pub fn new(group: &str, kind: &str, path: &str) -> Result<Self, String> {
        if kind.is_empty() {
            return Err("kind is empty; allowed: the kind of the objects, e.g. Rollout".into());
        }
        let steps: Vec<String> = path.split('/').map(str::to_owned).collect();
        if path.is_empty() || steps.iter().any(String::is_empty) || steps.len() > MAX_STEPS {
            return Err(format!(
                "path {path:?} is not allowed; allowed: up to {MAX_STEPS} keys separated by '/', with [] for every item of a list and * for every value of a map, e.g. spec/template/spec"
            ));
        }
        Ok(PodSpecPath {
            group: group.to_owned(),
            kind: kind.to_owned(),
            steps,
        })
    }
}

/// (group, kinds, paths to the PodSpec).
type Table = &'static [(
    &'static str,
    &'static [&'static str],
    &'static [&'static [&'static str]],
)];

const TEMPLATE: &[&str] = &["spec", "template", "spec"];

/// The built-in kinds of Kubernetes itself.
const CORE: Table = &[
    ("", &["Pod"], &[&["spec"]]),
    ("", &["PodTemplate"], &[&["template", "spec"]]),
    ("", &["ReplicationController"], &[TEMPLATE]),
    (
        "apps",
        &["Deployment", "ReplicaSet", "StatefulSet", "DaemonSet"],
        &[TEMPLATE],
    ),
    // Served until Kubernetes 1.16; old charts still carry it.
    (
        "extensions",
        &["Deployment", "ReplicaSet", "DaemonSet"],
        &[TEMPLATE],
    ),
    ("batch", &["Job"], &[TEMPLATE]),
    (
        "batch",
        &["CronJob"],
        &[&["spec", "jobTemplate", "spec", "template", "spec"]],
    ),
];

/// Well-known custom workloads.
const CUSTOM: Table = &[
    // Argo Rollouts; a Rollout with `workloadRef` has no template of its own.
    ("argoproj.io", &["Rollout"], &[TEMPLATE]),
    // OpenKruise: CloneSet, Advanced StatefulSet and DaemonSet, BroadcastJob.
    (
        "apps.kruise.io",
        &["CloneSet", "StatefulSet", "DaemonSet", "BroadcastJob"],
        &[TEMPLATE],
    ),
    // Knative Serving: the template's spec is a RevisionSpec, a PodSpec with extras.
    (
        "serving.knative.dev",
        &["Service", "Configuration"],
        &[TEMPLATE],
    ),
    (
        "jobset.x-k8s.io",
        &["JobSet"],
        &[&[
            "spec",
            "replicatedJobs",
            "[]",
            "template",
            "spec",
            "template",
            "spec",
        ]],
    ),
    (
        "leaderworkerset.x-k8s.io",
        &["LeaderWorkerSet"],
        &[
            &["spec", "leaderWorkerTemplate", "leaderTemplate", "spec"],
            &["spec", "leaderWorkerTemplate", "workerTemplate", "spec"],
        ],
    ),
    // Kubeflow training operator v1: one map of replica specs per framework.
    (
        "kubeflow.org",
        &[
            "PyTorchJob",
            "TFJob",
            "MPIJob",
            "XGBoostJob",
            "PaddleJob",
            "MXJob",
            "JAXJob",
        ],
        &[
            &["spec", "pytorchReplicaSpecs", "*", "template", "spec"],
            &["spec", "tfReplicaSpecs", "*", "template", "spec"],
            &["spec", "mpiReplicaSpecs", "*", "template", "spec"],
            &["spec", "xgbReplicaSpecs", "*", "template", "spec"],
            &["spec", "paddleReplicaSpecs", "*", "template", "spec"],
            &["spec", "mxReplicaSpecs", "*", "template", "spec"],
            &["spec", "jaxReplicaSpecs", "*", "template", "spec"],
        ],
    ),
    // KubeRay: a RayCluster's head and worker groups, also inside RayJob and RayService.
    (
        "ray.io",
        &["RayCluster"],
        &[
            &["spec", "headGroupSpec", "template", "spec"],
            &["spec", "workerGroupSpecs", "[]", "template", "spec"],
        ],
    ),
    (
        "ray.io",
        &["RayJob"],
        &[
            &[
                "spec",
                "rayClusterSpec",
                "headGroupSpec",
                "template",
                "spec",
            ],
            &[
                "spec",
                "rayClusterSpec",
                "workerGroupSpecs",
                "[]",
                "template",
                "spec",
            ],
            &["spec", "submitterPodTemplate", "spec"],
        ],
    ),
    (
        "ray.io",
        &["RayService"],
        &[
            &[
                "spec",
                "rayClusterConfig",
                "headGroupSpec",
                "template",
                "spec",
            ],
            &[
                "spec",
                "rayClusterConfig",
                "workerGroupSpecs",
                "[]",
                "template",
                "spec",
            ],
        ],
    ),
];

/// A Pod template a built-in kind of Kubernetes must have (its API server rejects the
/// object without one) and that this object lacks, as Kubernetes would read it: it is
/// reported, since there is nothing to harden (a patch, a partial manifest).
#[derive(Debug)]
pub struct Missing<'n, 'a> {
    /// The object (an item of a `List` for listed objects).
    pub object: &'n Node<'a>,
    /// Path of the PodSpec its kind has, e.g. `spec.template.spec`.
    pub path: String,
    /// The part of the path that is absent, or not a mapping, e.g. `spec.template`.
    pub absent: String,
    /// The last node on the path that is there: where results point.
    pub at: &'n Node<'a>,
}

/// The Pod templates `object` (a node of `doc`) lacks although its kind, one of
/// Kubernetes' own, must have them ([`Missing`]). Aliases on the way are read through;
/// a mapping with a merge key where a key is absent is not counted as lacking it (it is
/// found, and refused, by [`pod_templates_in`]).
pub fn missing_in<'n, 'a>(doc: &'n Document<'a>, object: &'n Node<'a>) -> Vec<Missing<'n, 'a>> {
    let mut missing = Vec::new();
    for_each_object(object, 0, &mut |object| {
        collect_missing(doc, object, &mut missing);
    });
    missing
}

/// `object` itself, or the items of a list (`v1 List`, `DeploymentList`...), to `f`.
fn for_each_object<'n, 'a>(object: &'n Node<'a>, depth: usize, f: &mut impl FnMut(&'n Node<'a>)) {
    if !is_list(object) {
        return f(object);
    }
    // Lists nest only by mistake; one level of List inside a List is plenty.
    if depth < 2 {
        for item in object
            .get("items")
            .and_then(Node::items)
            .unwrap_or_default()
        {
            for_each_object(item, depth + 1, f);
        }
    }
}

/// The Pod templates `object`, not a list, lacks.
fn collect_missing<'n, 'a>(
    doc: &'n Document<'a>,
    object: &'n Node<'a>,
    missing: &mut Vec<Missing<'n, 'a>>,
) {
    let group = group(object.get_str("apiVersion").unwrap_or_default());
    let kind = object.get_str("kind").unwrap_or_default();
    let paths = CORE
        .iter()
        .filter(|(g, kinds, _)| *g == group && kinds.contains(&kind))
        .flat_map(|(_, _, paths)| paths.iter());
    'paths: for steps in paths {
        let mut node = object;
        for (i, step) in steps.iter().enumerate() {
            let map = doc.read_through(node);
            match map.get(step) {
                Some(next) => node = next,
                None if map.merge_key().is_some() => continue 'paths,
                None => {
                    missing.push(Missing {
                        object,
                        path: steps.join("."),
                        absent: steps.get(..=i).unwrap_or_default().join("."),
                        at: node,
                    });
                    continue 'paths;
                }
            }
        }
        if doc.read_through(node).entries().is_none() {
            missing.push(Missing {
                object,
                path: steps.join("."),
                absent: steps.join("."),
                at: node,
            });
        }
    }
}

/// The API group of an apiVersion (`apps/v1` -> `apps`, `v1` -> ``).
pub fn group(api_version: &str) -> &str {
    api_version.rsplit_once('/').map_or("", |(g, _)| g)
}

/// The Pod templates of `object`, in document order of the paths that find them:
/// built-in kinds first, then `extra` (the config's `podSpecPaths`). Objects of other
/// kinds have none; neither do known kinds whose template is missing. Aliases on the
/// way are not followed: see [`pod_templates_in`].
pub fn pod_templates<'n, 'a>(object: &'n Node<'a>, extra: &[PodSpecPath]) -> Vec<Found<'n, 'a>> {
    let mut found = Vec::new();
    for_each_object(object, 0, &mut |object| {
        collect(None, object, extra, &mut found)
    });
    found
}

/// The Pod templates of `object`, a node of `doc`, as [`pod_templates`] finds them, but
/// read the way Kubernetes reads them: through aliases on the way to the PodSpec (an
/// edit of one found so is then refused, as an edit of what an alias stands for), and
/// a mapping on the way that lacks the next key but has a merge key (`<<`, which may
/// bring it in) is found in the PodSpec's place, to be refused for its merge key.
pub fn pod_templates_in<'n, 'a>(
    doc: &'n Document<'a>,
    object: &'n Node<'a>,
    extra: &[PodSpecPath],
) -> Vec<Found<'n, 'a>> {
    let mut found = Vec::new();
    for_each_object(object, 0, &mut |object| {
        collect(Some(doc), object, extra, &mut found)
    });
    found
}

/// Whether `object` is a list of objects as Kubernetes' clients read one (apimachinery's
/// unstructured decoding, which `kubectl apply` flattens): a kind ending in `List` (the
/// generic `v1 List`, or a typed one such as `DeploymentList`) with an `items` list.
/// A ResourceList is the protocol's, not an object's.
pub fn is_list(object: &Node<'_>) -> bool {
    let kind = object.get_str("kind").unwrap_or_default();
    kind.ends_with("List")
        && kind != "ResourceList"
        && object.get("items").and_then(Node::items).is_some()
}

/// The items of a list of objects ([`is_list`]) that carry neither `apiVersion` nor
/// `kind`: apimachinery reads them as the list's kind without `List`, which this
/// function does not, so they are reported, not hardened. Each with its index.
pub fn unnamed_items<'n, 'a>(object: &'n Node<'a>) -> Vec<(usize, &'n Node<'a>)> {
    if !is_list(object) || object.get_str("kind") == Some("List") {
        return Vec::new();
    }
    object
        .get("items")
        .and_then(Node::items)
        .unwrap_or_default()
        .iter()
        .enumerate()
        .filter(|(_, item)| {
            item.entries().is_some()
                && item.get("apiVersion").is_none()
                && item.get("kind").is_none()
        })
        .collect()
}

/// The Pod templates of `object`, not a list.
fn collect<'n, 'a>(
    doc: Option<&'n Document<'a>>,
    object: &'n Node<'a>,
    extra: &[PodSpecPath],
    found: &mut Vec<Found<'n, 'a>>,
) {
    let api_version = object.get_str("apiVersion").unwrap_or_default();
    let kind = object.get_str("kind").unwrap_or_default();
    let group = group(api_version);
    let built_in = CORE
        .iter()
        .chain(CUSTOM)
        .filter(|(g, kinds, _)| *g == group && kinds.contains(&kind))
        .flat_map(|(_, _, paths)| paths.iter());
    for steps in built_in {
        walk(doc, object, object, None, steps, String::new(), found);
    }
    for added in extra.iter().filter(|p| p.group == group && p.kind == kind) {
        walk(
            doc,
            object,
            object,
            None,
            &added.steps,
            String::new(),
            found,
        );
    }
}

/// Follows `steps` from `node`; `parent` is the mapping that holds `node`, whose
/// `metadata` is the Pod template's when `node` is its `spec`. With `doc`, aliases on
/// the way are read through.
fn walk<'n, 'a>(
    doc: Option<&'n Document<'a>>,
    object: &'n Node<'a>,
    node: &'n Node<'a>,
    parent: Option<&'n Node<'a>>,
    steps: &[impl AsRef<str>],
    path: String,
    found: &mut Vec<Found<'n, 'a>>,
) {
    let mut push = |spec: &'n Node<'a>, path: String| {
        // Two paths may reach the same PodSpec; it is hardened once.
        if !found.iter().any(|f| std::ptr::eq(f.spec, spec)) {
            found.push(Found {
                object,
                spec,
                metadata: parent.and_then(|p| p.get("metadata")),
                path,
            });
        }
    };
    let Some((step, rest)) = steps.split_first() else {
        // The PodSpec as written: an alias of one is found too, and read through it.
        let read = doc.map_or(node, |d| d.read_through(node));
        if read.entries().is_some() {
            push(node, path);
        }
        return;
    };
    let node = doc.map_or(node, |d| d.read_through(node));
    let join = |key: &str| {
        if path.is_empty() {
            key.to_owned()
        } else {
            format!("{path}.{key}")
        }
    };
    match step.as_ref() {
        "[]" => {
            for (i, item) in node.items().unwrap_or_default().iter().enumerate() {
                walk(doc, object, item, None, rest, format!("{path}[{i}]"), found);
            }
        }
        "*" => {
            for (key, value) in node.entries().unwrap_or_default() {
                if let Some(key) = key.as_str() {
                    walk(doc, object, value, None, rest, join(key), found);
                }
            }
        }
        key => match node.get(key) {
            Some(next) => walk(doc, object, next, Some(node), rest, join(key), found),
            None if doc.is_some() && node.merge_key().is_some() => push(node, path),
            None => {}
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::Document;

    fn paths(text: &str) -> Vec<String> {
        let docs = Document::parse(text).unwrap();
        pod_templates(&docs.roots()[0], &[])
            .iter()
            .map(|f| f.path.clone())
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

    #[test]
    fn typed_lists_are_lists_too() {
        // As apimachinery decodes them and kubectl applies them: any kind ending in List
        // with items, whatever its apiVersion.
        let text = "apiVersion: v1\nkind: ReplicationControllerList\nitems:\n- apiVersion: v1\n  kind: ReplicationController\n  spec:\n    template:\n      spec: {}\n- metadata: {name: unnamed}\n";
        assert_eq!(paths(text), ["spec.template.spec"]);
        let docs = Document::parse(text).unwrap();
        let unnamed: Vec<usize> = unnamed_items(&docs.roots()[0])
            .iter()
            .map(|(i, _)| *i)
            .collect();
        assert_eq!(unnamed, [1]);
        let text = "apiVersion: apps/v1\nkind: DeploymentList\nitems:\n- apiVersion: apps/v1\n  kind: Deployment\n  spec:\n    template:\n      spec: {}\n";
        assert_eq!(paths(text), ["spec.template.spec"]);
        // A kind that only ends in List without items, and a ResourceList, are not.
        assert!(!is_list(
            &Document::parse("kind: PodList\n").unwrap().roots()[0]
        ));
        assert!(!is_list(
            &Document::parse("kind: ResourceList\nitems: []\n")
                .unwrap()
                .roots()[0]
        ));
    }

    #[test]
    fn aliases_on_the_way_are_read_through_and_merges_found() {
        let text = "apiVersion: apps/v1\nkind: Deployment\nx: &t\n  spec: {containers: []}\nspec:\n  template: *t\n";
        let docs = Document::parse(text).unwrap();
        let root = &docs.roots()[0];
        assert!(pod_templates(root, &[]).is_empty());
        let found = pod_templates_in(&docs, root, &[]);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].path, "spec.template.spec");
        let text = "apiVersion: apps/v1\nkind: Deployment\nx: &t\n  spec: {containers: []}\nspec:\n  template:\n    <<: *t\n";
        let docs = Document::parse(text).unwrap();
        let found = pod_templates_in(&docs, &docs.roots()[0], &[]);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].path, "spec.template");
        assert!(found[0].spec.merge_key().is_some());
    }
}
