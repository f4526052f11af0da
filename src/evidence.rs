//! The RBAC evidence of the input (`docs/design.md`, "Who needs the API"): reads
//! the ServiceAccounts, Roles, ClusterRoles, RoleBindings and ClusterRoleBindings among the
//! input's objects into an [`Inventory`], the pure model of [`crate::rbac`], and says which
//! ServiceAccount a Pod template runs as. The model answers the rest
//! ([`Inventory::evidence`]).
//!
//! The inventory is built once per run from every object of the input, before any is
//! hardened, since a binding may come after the workload it applies to. [`objects`] reads
//! one object at a time, so a caller with many files (`fix PATH...`) fills one inventory
//! from all of them with [`Inventory::extend`].
//!
//! Reading follows what the API server stores, and leans the safe way where it cannot:
//! - Kinds are matched by group and kind: `v1` ServiceAccount, and the four RBAC kinds of
//!   `rbac.authorization.k8s.io` in any version (`v1beta1` and `v1alpha1` have the same
//!   fields; a manifest that still carries them holds bindings someone meant, and counting
//!   a grant that may not exist keeps a token, the safe mistake).
//! - `v1 List` items, and the items of a `<Kind>List` (`RoleBindingList`), are read; an
//!   item without `apiVersion` or `kind` takes the list's (the API server's own lists
//!   leave them out). Lists nest one level at most, as in [`crate::workloads`].
//! - Aliases are followed; merge keys (`<<`) are not (the editing library never expands
//!   them either, and RBAC objects do not use them in practice).
//! - Objects marked `config.kubernetes.io/local-config: "true"` are never deployed (kpt's
//!   convention): they are read as evidence ([`Origin::Evidence`]), a snapshot of what
//!   the cluster holds, and, like the objects of `--evidence` files ([`evidence`]),
//!   never hardened. Items of a local-config list are evidence too.
//! - A field of the wrong shape reads as absent, as the API server would reject the
//!   object: a binding without a usable `roleRef` grants nothing
//!   ([`crate::rbac::NoRights::UnknownRoleKind`]), and a role whose `rules` are not a list
//!   has none. A role the API server would reject is thus a role with no rules, which
//!   only matters if a binding refers to it; a missing role counts as granting.

use crate::decide::StatedBy;
use crate::policy::{self, TokenUse, VAULT_AGENT_INJECT};
use crate::rbac::{
    Binding, BindingKind, Inventory, Namespace, Object, Origin, PolicyRule, Role, RoleKind,
    RoleRef, ServiceAccount, Subject,
};
use crate::workloads::{self, Found};
use crate::yaml::{Document, Node};

/// The API group of Roles, ClusterRoles and their bindings.
pub const RBAC_GROUP: &str = "rbac.authorization.k8s.io";

/// How deep lists may nest: a `List` inside a `List` is read, one more level is not.
const MAX_LIST_DEPTH: usize = 2;

/// The inventory of every RBAC object among `objects`, nodes of `doc` (ResourceList items
/// or stream documents).
pub fn inventory<'n, 'a: 'n>(
    doc: &'n Document<'a>,
    objects: impl IntoIterator<Item = &'n Node<'a>>,
) -> Inventory {
    objects
        .into_iter()
        .flat_map(|object| self::objects(doc, object))
        .collect()
}

/// The RBAC objects `object`, a node of `doc`, is or holds (the items of a list), in
/// order, each with where it counts: evidence when marked `local-config`, else input;
/// none for any other object.
pub fn objects(doc: &Document<'_>, object: &Node<'_>) -> Vec<(Origin, Object)> {
    let mut found = Vec::new();
    collect(doc, object, ("", ""), Origin::Input, &mut found, 0);
    found
}

/// The RBAC objects among `objects`, nodes of `doc`, all as evidence whatever their
/// annotations: the objects of an `--evidence` file.
pub fn evidence<'n, 'a: 'n>(
    doc: &'n Document<'a>,
    objects: impl IntoIterator<Item = &'n Node<'a>>,
) -> Vec<(Origin, Object)> {
    let mut found = Vec::new();
    for object in objects {
        collect(doc, object, ("", ""), Origin::Evidence, &mut found, 0);
    }
    found
}

/// `defaults`: the apiVersion and kind an item of a typed list takes when it has none;
/// `origin`: where the object counts, unless it is marked `local-config`.
fn collect(
    doc: &Document<'_>,
    object: &Node<'_>,
    defaults: (&str, &str),
    origin: Origin,
    found: &mut Vec<(Origin, Object)>,
    depth: usize,
) {
    let object = doc.read_through(object);
    if object.entries().is_none() {
        return;
    }
    let origin = if policy::is_local_config(object) {
        Origin::Evidence
    } else {
        origin
    };
    let text = |key: &str| string(doc, object.get(key)).filter(|s| !s.is_empty());
    let api_version = text("apiVersion").unwrap_or(defaults.0);
    let kind = text("kind").unwrap_or(defaults.1);
    if let Some(items) = list_items(doc, object, kind) {
        if depth < MAX_LIST_DEPTH {
            let item_kind = kind.strip_suffix("List").unwrap_or_default();
            for item in items {
                collect(
                    doc,
                    item,
                    (api_version, item_kind),
                    origin,
                    found,
                    depth + 1,
                );
            }
        }
        return;
    }
    let group = workloads::group(api_version);
    let metadata = object.get("metadata").map(|m| doc.read_through(m));
    let meta = |key: &str| string(doc, metadata.and_then(|m| m.get(key)));
    let name = meta("name").unwrap_or_default().to_owned();
    let namespace = Namespace::new(meta("namespace"));
    let read = match (group, kind) {
        // The core group has one version; anything else is not Kubernetes' object.
        ("", "ServiceAccount") if api_version == "v1" => {
            let account = ServiceAccount { name, namespace };
            // Whether its Pods get a token at all (`docs/design.md`, "Access today"); a
            // value that is not a boolean reads as unset, as the API server rejects it.
            let automount = object
                .get("automountServiceAccountToken")
                .and_then(|n| doc.read_through(n).as_bool());
            found.push((origin, Object::ServiceAccount(account.clone())));
            if let Some(on) = automount {
                found.push((origin, Object::ServiceAccountAutomount(account, on)));
            }
            return;
        }
        (RBAC_GROUP, "Role" | "ClusterRole") => Object::Role(Role {
            kind: if kind == "Role" {
                RoleKind::Role
            } else {
                RoleKind::ClusterRole
            },
            name,
            namespace,
            rules: items(doc, object.get("rules"))
                .iter()
                .map(|rule| policy_rule(doc, rule))
                .collect(),
            // Only a ClusterRole can be aggregated; the API server drops the field
            // from anything else.
            aggregated: kind == "ClusterRole"
                && object
                    .get("aggregationRule")
                    .is_some_and(|a| !doc.read_through(a).is_null()),
        }),
        (RBAC_GROUP, "RoleBinding" | "ClusterRoleBinding") => Object::Binding(Binding {
            kind: if kind == "RoleBinding" {
                BindingKind::RoleBinding
            } else {
                BindingKind::ClusterRoleBinding
            },
            name,
            namespace,
            role_ref: role_ref(doc, object.get("roleRef")),
            subjects: items(doc, object.get("subjects"))
                .iter()
                .map(|subject| self::subject(doc, subject))
                .collect(),
        }),
        _ => return,
    };
    found.push((origin, read));
}

/// The items of `object` when it is a list: `v1 List` or any `<Kind>List` with `items`.
fn list_items<'n, 'a>(
    doc: &'n Document<'a>,
    object: &'n Node<'a>,
    kind: &str,
) -> Option<&'n [Node<'a>]> {
    if !kind.ends_with("List") {
        return None;
    }
    doc.read_through(object.get("items")?).items()
}

fn policy_rule(doc: &Document<'_>, rule: &Node<'_>) -> PolicyRule {
    let rule = doc.read_through(rule);
    let strings = |key: &str| strings(doc, rule.get(key));
    PolicyRule {
        verbs: strings("verbs"),
        api_groups: strings("apiGroups"),
        resources: strings("resources"),
        resource_names: strings("resourceNames"),
        non_resource_urls: strings("nonResourceURLs"),
    }
}

fn role_ref(doc: &Document<'_>, node: Option<&Node<'_>>) -> RoleRef {
    let node = node.map(|n| doc.read_through(n));
    let text = |key: &str| string(doc, node.and_then(|n| n.get(key))).unwrap_or_default();
    RoleRef {
        kind: text("kind").into(),
        name: text("name").to_owned(),
    }
}

fn subject(doc: &Document<'_>, node: &Node<'_>) -> Subject {
    let node = doc.read_through(node);
    let text = |key: &str| string(doc, node.get(key));
    Subject {
        kind: text("kind").unwrap_or_default().into(),
        name: text("name").unwrap_or_default().to_owned(),
        namespace: Namespace::new(text("namespace")),
        api_group: text("apiGroup").unwrap_or_default().to_owned(),
    }
}

/// The ServiceAccount the Pod template `found` (of the document `doc`) runs as:
/// `serviceAccountName`, else `serviceAccount`, else `default`, in its workload's
/// namespace.
pub fn service_account(doc: &Document<'_>, found: &Found<'_, '_>) -> ServiceAccount {
    let spec = doc.read_through(found.spec);
    let namespace = found
        .object
        .get("metadata")
        .and_then(|m| doc.read_through(m).get("namespace"));
    ServiceAccount::of_pod_spec(
        string(doc, spec.get("serviceAccountName")),
        string(doc, spec.get("serviceAccount")),
        string(doc, namespace),
    )
}

/// The directory Kubernetes mounts the token in, without `/var` (a symlink to `/run` in
/// most images, so either spelling reads the token).
const TOKEN_DIR: &str = "/run/secrets/kubernetes.io/serviceaccount";

/// The signs, in the Pod template `found` (of `doc`), that its token is used outside
/// RBAC (`docs/design.md`, "Who needs the API"): Vault's agent injector asked for on
/// the template or its workload; a container naming the token's directory in its
/// `command`, `args` or `env` values; a container mounting one file of a projected
/// token volume, or of the token's directory, by `subPath`. (An explicit
/// `automountServiceAccountToken: true` is read with the rest of the template.)
pub fn token_uses(doc: &Document<'_>, found: &Found<'_, '_>) -> Vec<TokenUse> {
    let mut uses = Vec::new();
    let vault = |metadata: Option<&Node<'_>>| {
        let annotations = metadata
            .map(|m| doc.read_through(m))
            .and_then(|m| m.get("annotations"));
        let value =
            annotations.and_then(|a| string(doc, doc.read_through(a).get(VAULT_AGENT_INJECT)));
        value.is_some_and(|v| v.eq_ignore_ascii_case("true"))
    };
    if vault(found.metadata) {
        uses.push(TokenUse::VaultAgent {
            on: StatedBy::TemplateAnnotation,
        });
    } else if vault(found.object.get("metadata")) {
        uses.push(TokenUse::VaultAgent {
            on: StatedBy::WorkloadAnnotation,
        });
    }
    let spec = doc.read_through(found.spec);
    let token_volumes: Vec<&str> = items(doc, spec.get("volumes"))
        .iter()
        .filter(|v| is_token_volume(doc, v))
        .filter_map(|v| string(doc, doc.read_through(v).get("name")))
        .collect();
    for key in ["containers", "initContainers"] {
        for (index, container) in items(doc, spec.get(key)).iter().enumerate() {
            let container = doc.read_through(container);
            let name = || match string(doc, container.get("name")) {
                Some(name) if !name.is_empty() => name.to_owned(),
                _ => format!("{key}[{index}]"),
            };
            let names_path =
                |list: Option<&Node<'_>>| strings(doc, list).iter().any(|s| s.contains(TOKEN_DIR));
            let env = items(doc, container.get("env")).iter().any(|e| {
                string(doc, doc.read_through(e).get("value")).is_some_and(|v| v.contains(TOKEN_DIR))
            });
            for (field, named) in [
                ("command", names_path(container.get("command"))),
                ("args", names_path(container.get("args"))),
                ("env", env),
            ] {
                if named {
                    uses.push(TokenUse::NamesTokenPath {
                        container: name(),
                        field,
                    });
                }
            }
            for mount in items(doc, container.get("volumeMounts")) {
                let mount = doc.read_through(mount);
                let text = |key: &str| string(doc, mount.get(key)).filter(|s| !s.is_empty());
                let sub_path = text("subPath").or_else(|| text("subPathExpr"));
                let volume = text("name").unwrap_or_default();
                let of_token = token_volumes.contains(&volume)
                    || text("mountPath").is_some_and(|p| p.contains(TOKEN_DIR));
                if sub_path.is_some() && of_token {
                    uses.push(TokenUse::SubPathMount {
                        container: name(),
                        volume: volume.to_owned(),
                    });
                }
            }
        }
    }
    uses
}

/// Whether `volume` is a projected volume with a `serviceAccountToken` source.
fn is_token_volume(doc: &Document<'_>, volume: &Node<'_>) -> bool {
    let projected = doc.read_through(volume).get("projected");
    let sources = projected.and_then(|p| doc.read_through(p).get("sources"));
    items(doc, sources)
        .iter()
        .any(|s| doc.read_through(s).get("serviceAccountToken").is_some())
}

/// A scalar's text, following an alias; a null is absent, as Kubernetes reads it.
fn string<'n, 'a>(doc: &'n Document<'a>, node: Option<&'n Node<'a>>) -> Option<&'n str> {
    let node = doc.read_through(node?);
    if node.is_null() {
        return None;
    }
    node.as_str()
}

/// The items of a list, following an alias; anything else has none.
fn items<'n, 'a>(doc: &'n Document<'a>, node: Option<&'n Node<'a>>) -> &'n [Node<'a>] {
    node.and_then(|n| doc.read_through(n).items())
        .unwrap_or_default()
}

/// The strings of a list of scalars; items of another shape are left out.
fn strings(doc: &Document<'_>, node: Option<&Node<'_>>) -> Vec<String> {
    items(doc, node)
        .iter()
        .filter_map(|item| string(doc, Some(item)))
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rbac::{RoleRefKind, SubjectKind, Verdict};

    fn read(text: &str) -> Vec<Object> {
        read_from(text).into_iter().map(|(_, o)| o).collect()
    }

    fn read_from(text: &str) -> Vec<(Origin, Object)> {
        let doc = Document::parse(text).unwrap();
        doc.roots().iter().flat_map(|r| objects(&doc, r)).collect()
    }

    fn inventory_of(text: &str) -> Inventory {
        let doc = Document::parse(text).unwrap();
        inventory(&doc, doc.roots())
    }

    const RBAC: &str = "\
apiVersion: v1
kind: ServiceAccount
metadata: {name: app, namespace: shop}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: reader, namespace: shop}
rules:
- apiGroups: ['']
  resources: [configmaps]
  resourceNames: [settings]
  verbs: [get, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: app-reads, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader}
subjects:
- {kind: ServiceAccount, name: app}
- {kind: Group, apiGroup: rbac.authorization.k8s.io, name: 'system:serviceaccounts:shop'}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: monitoring}
aggregationRule:
  clusterRoleSelectors: [{matchLabels: {rbac.example.com/aggregate-to-monitoring: 'true'}}]
rules: []
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: metrics}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: monitoring}
subjects:
- {kind: User, name: 'system:serviceaccount:shop:app'}
";

    #[test]
    fn the_five_kinds_are_read_as_written() {
        let objects = read(RBAC);
        assert_eq!(objects.len(), 5);
        assert_eq!(
            objects[0],
            Object::ServiceAccount(ServiceAccount::new("app", "shop"))
        );
        let Object::Role(role) = &objects[1] else {
            panic!("{:?}", objects[1]);
        };
        assert_eq!(
            (
                role.kind,
                role.name.as_str(),
                &role.namespace,
                role.aggregated
            ),
            (RoleKind::Role, "reader", &Namespace::from("shop"), false)
        );
        assert_eq!(
            role.rules,
            [PolicyRule {
                verbs: vec!["get".into(), "watch".into()],
                api_groups: vec![String::new()],
                resources: vec!["configmaps".into()],
                resource_names: vec!["settings".into()],
                non_resource_urls: vec![],
            }]
        );
        let Object::Binding(binding) = &objects[2] else {
            panic!("{:?}", objects[2]);
        };
        assert_eq!(binding.kind, BindingKind::RoleBinding);
        assert_eq!(
            binding.role_ref,
            RoleRef {
                kind: RoleRefKind::Role,
                name: "reader".into()
            }
        );
        assert_eq!(binding.subjects.len(), 2);
        assert_eq!(binding.subjects[0].kind, SubjectKind::ServiceAccount);
        // Unwritten, the subject's namespace stays unset: the model resolves it.
        assert!(binding.subjects[0].namespace.is_unset());
        assert_eq!(binding.subjects[1].api_group, RBAC_GROUP);
        let Object::Role(cluster_role) = &objects[3] else {
            panic!("{:?}", objects[3]);
        };
        assert!(cluster_role.aggregated && cluster_role.kind == RoleKind::ClusterRole);
        let Object::Binding(cluster_binding) = &objects[4] else {
            panic!("{:?}", objects[4]);
        };
        assert_eq!(cluster_binding.kind, BindingKind::ClusterRoleBinding);
        assert_eq!(cluster_binding.subjects[0].kind, SubjectKind::User);
    }

    #[test]
    fn the_inventory_answers_for_the_service_account() {
        let inventory = inventory_of(RBAC);
        let evidence = inventory.evidence(&ServiceAccount::new("app", "shop"));
        assert_eq!(evidence.verdict(), Verdict::Granted);
        // The RoleBinding (its ServiceAccount subject and its group) and the
        // ClusterRoleBinding (the user name) all apply.
        assert_eq!(evidence.grants.len(), 2);
        let other = inventory.evidence(&ServiceAccount::new("default", "web"));
        assert_eq!(other.verdict(), Verdict::Nothing);
        let undefined = inventory.evidence(&ServiceAccount::new("ghost", "web"));
        assert_eq!(undefined.verdict(), Verdict::Incomplete);
    }

    #[test]
    fn other_kinds_and_groups_are_not_rbac() {
        let text = "\
apiVersion: example.com/v1
kind: Role
metadata: {name: r}
rules: [{apiGroups: ['*'], resources: ['*'], verbs: ['*']}]
---
apiVersion: v2
kind: ServiceAccount
metadata: {name: a}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBindingSpec
metadata: {name: b}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
---
- not an object
";
        assert_eq!(read(text), []);
        assert!(inventory_of(text).is_empty());
    }

    #[test]
    fn older_rbac_versions_are_read_too() {
        let objects = read(
            "apiVersion: rbac.authorization.k8s.io/v1beta1\nkind: ClusterRoleBinding\nmetadata: {name: old}\nroleRef: {kind: ClusterRole, name: view}\nsubjects: [{kind: ServiceAccount, name: a, namespace: n}]\n",
        );
        assert!(
            matches!(&objects[..], [Object::Binding(b)] if b.kind == BindingKind::ClusterRoleBinding)
        );
    }

    #[test]
    fn list_items_are_read_with_the_list_kind_when_they_have_none() {
        let text = "\
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: ServiceAccount
  metadata: {name: a, namespace: n}
- apiVersion: v1
  kind: List
  items:
  - {apiVersion: v1, kind: ServiceAccount, metadata: {name: nested}}
  - apiVersion: v1
    kind: List
    items: [{apiVersion: v1, kind: ServiceAccount, metadata: {name: too-deep}}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBindingList
items:
- metadata: {name: b, namespace: n}
  roleRef: {kind: ClusterRole, name: view}
  subjects: [{kind: ServiceAccount, name: a}]
---
apiVersion: v1
kind: ServiceAccountList
items:
- metadata: {name: c, namespace: n}
- kind: ServiceAccount
  metadata: {name: d, namespace: n}
";
        let names: Vec<String> = read(text)
            .into_iter()
            .map(|o| match o {
                Object::ServiceAccount(sa) => format!("sa {}", sa.name),
                Object::ServiceAccountAutomount(sa, on) => format!("automount {} {on}", sa.name),
                Object::Binding(b) => format!("binding {:?} {}", b.kind, b.name),
                Object::Role(r) => format!("role {}", r.name),
            })
            .collect();
        assert_eq!(
            names,
            ["sa a", "sa nested", "binding RoleBinding b", "sa c", "sa d"]
        );
    }

    #[test]
    fn aliases_are_followed_and_bad_shapes_read_as_absent() {
        let text = "\
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: r}
rules:
- apiGroups: &core ['']
  resources: [pods]
  verbs: &read [get, list]
- apiGroups: *core
  resources: [services]
  verbs: *read
- verbs: get
  apiGroups: ['']
  resources: [nodes, {odd: 1}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: b, namespace: ~}
roleRef: [ClusterRole, r]
subjects: {kind: ServiceAccount, name: a}
";
        let objects = read(text);
        let Object::Role(role) = &objects[0] else {
            panic!("{objects:?}");
        };
        assert_eq!(role.rules[1].verbs, ["get", "list"]);
        assert_eq!(role.rules[1].api_groups, [""]);
        // `verbs: get` is not a list: no verb, so the rule allows nothing.
        assert!(role.rules[2].verbs.is_empty());
        assert_eq!(role.rules[2].resources, ["nodes"]);
        let Object::Binding(binding) = &objects[1] else {
            panic!("{objects:?}");
        };
        assert!(binding.namespace.is_unset());
        assert_eq!(binding.role_ref.kind, RoleRefKind::Other(String::new()));
        assert!(binding.subjects.is_empty());
    }

    #[test]
    fn local_config_objects_are_evidence() {
        let text = "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: b\n  annotations: {config.kubernetes.io/local-config: 'true'}\nroleRef: {kind: ClusterRole, name: cluster-admin}\nsubjects: [{kind: Group, name: 'system:serviceaccounts'}]\n---\napiVersion: v1\nkind: List\nmetadata:\n  annotations: {config.kubernetes.io/local-config: 'true'}\nitems:\n- {apiVersion: v1, kind: ServiceAccount, metadata: {name: a, namespace: n}}\n---\napiVersion: v1\nkind: ServiceAccount\nmetadata: {name: deployed, namespace: n}\n";
        let origins: Vec<Origin> = read_from(text).into_iter().map(|(o, _)| o).collect();
        assert_eq!(origins, [Origin::Evidence, Origin::Evidence, Origin::Input]);
        let doc = Document::parse(text).unwrap();
        let all: Vec<Origin> = evidence(&doc, doc.roots())
            .into_iter()
            .map(|(o, _)| o)
            .collect();
        assert_eq!(all, [Origin::Evidence; 3]);
        let inventory = inventory_of(text);
        assert_eq!((inventory.read().input, inventory.read().evidence), (1, 2));
    }

    #[test]
    fn token_uses_outside_rbac_are_found() {
        let uses = |text: &str| {
            let doc = Document::parse(text).unwrap();
            let found = workloads::pod_templates(&doc.roots()[0], &[]);
            found
                .iter()
                .flat_map(|f| token_uses(&doc, f))
                .collect::<Vec<_>>()
        };
        let vault = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: w}\nspec:\n  template:\n    metadata:\n      annotations: {vault.hashicorp.com/agent-inject: 'true', vault.hashicorp.com/role: app}\n    spec:\n      containers: [{name: app}]\n";
        assert_eq!(
            uses(vault),
            [TokenUse::VaultAgent {
                on: StatedBy::TemplateAnnotation
            }]
        );
        let on_workload = vault
            .replace(
                "metadata: {name: w}",
                "metadata: {name: w, annotations: {vault.hashicorp.com/agent-inject: 'true'}}",
            )
            .replace("'true', vault", "'false', vault");
        assert_eq!(
            uses(&on_workload),
            [TokenUse::VaultAgent {
                on: StatedBy::WorkloadAnnotation
            }]
        );
        let reads = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  volumes:\n  - name: token\n    projected: {sources: [{serviceAccountToken: {path: token}}]}\n  initContainers:\n  - name: login\n    command: [sh, -c, 'vault login jwt=$(cat /var/run/secrets/kubernetes.io/serviceaccount/token)']\n  containers:\n  - name: app\n    args: [--token-file=/run/secrets/kubernetes.io/serviceaccount/token]\n    env: [{name: T, value: /var/run/secrets/kubernetes.io/serviceaccount/token}, {name: U, value: x}]\n    volumeMounts:\n    - {name: token, mountPath: /etc/token, subPath: token}\n    - {name: data, mountPath: /data, subPath: d}\n  - volumeMounts: [{name: other, mountPath: /var/run/secrets/kubernetes.io/serviceaccount/ca.crt, subPathExpr: ca}]\n";
        let found = uses(reads);
        let short: Vec<String> = found
            .iter()
            .map(|u| match u {
                TokenUse::NamesTokenPath { container, field } => format!("{container} {field}"),
                TokenUse::SubPathMount { container, volume } => {
                    format!("{container} mounts {volume}")
                }
                other => format!("{other:?}"),
            })
            .collect();
        assert_eq!(
            short,
            [
                "app args",
                "app env",
                "app mounts token",
                "containers[1] mounts other",
                "login command"
            ]
        );
        let plain = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: app, args: [--secrets=/var/run/secrets/other], volumeMounts: [{name: token, mountPath: /t}]}\n";
        assert_eq!(uses(plain), []);
    }

    #[test]
    fn a_pod_template_runs_as_its_service_account_in_its_workload_namespace() {
        let account = |text: &str| {
            let doc = Document::parse(text).unwrap();
            let found = workloads::pod_templates(&doc.roots()[0], &[]);
            found
                .iter()
                .map(|f| service_account(&doc, f))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            account(
                "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: w, namespace: shop}\nspec:\n  template:\n    spec: {serviceAccountName: app, serviceAccount: old}\n"
            ),
            [ServiceAccount::new("app", "shop")]
        );
        assert_eq!(
            account(
                "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c}\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec: {serviceAccountName: '', serviceAccount: old}\n"
            ),
            [ServiceAccount::new("old", Namespace::Unset)]
        );
        assert_eq!(
            account(
                "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: p, namespace: &ns jobs}\n  spec: {}\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: q, namespace: *ns}\n  spec: {serviceAccountName: ~}\n"
            ),
            [
                ServiceAccount::new("default", "jobs"),
                ServiceAccount::new("default", "jobs")
            ]
        );
    }

    #[test]
    fn a_service_accounts_automount_setting_is_recorded_and_a_later_definition_wins() {
        let sa = |ns: &str| ServiceAccount::new("batch", ns);
        let inventory = inventory_of(
            "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: batch, namespace: jobs}\nautomountServiceAccountToken: false\n---\napiVersion: v1\nkind: ServiceAccount\nmetadata: {name: batch, namespace: other}\nautomountServiceAccountToken: false\n---\napiVersion: v1\nkind: ServiceAccount\nmetadata: {name: batch, namespace: other}\n",
        );
        assert_eq!(inventory.automount(&sa("jobs")), Some(false));
        assert_eq!(inventory.automount(&sa("other")), None);
        assert_eq!(inventory.automount(&sa("elsewhere")), None);
        // With rbac: off, the ServiceAccounts alone are read.
        let doc = Document::parse(
            "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: batch, namespace: jobs}\nautomountServiceAccountToken: false\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: r, namespace: jobs}\n",
        )
        .unwrap();
        let accounts: Inventory = (doc.roots().iter())
            .flat_map(|root| objects(&doc, root))
            .filter(|(_, object)| crate::config::Rbac::Off.reads(object))
            .collect();
        assert_eq!(accounts.automount(&sa("jobs")), Some(false));
        assert_eq!(accounts.evidence(&sa("jobs")).grants.len(), 0);
    }
}
