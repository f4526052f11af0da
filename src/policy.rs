//! What the config says about one object (`docs/design.md`, "Who gets the token"):
//! `targets` and `exclude` decide whether it is worked on at all; the annotation
//! `harden-sa-token.dev/api-access` (on the Pod template, else on the workload), else
//! the last matching rule, is the statement that sets a workload's access exactly. Under
//! `rbac: apply`, the RBAC evidence makes one more, weaker statement
//! ([`evidence_statement`]).

use crate::config::{Rbac, Rule, Settings};
use crate::decide::{
    ApiAccess, LifetimeBy, LifetimeStatement, StatedBy, Statement, is_valid_lifetime,
};
use crate::rbac::{Evidence, Verdict};
use crate::select::ObjectFacts;
use crate::workloads;
use crate::yaml::Node;

/// An access annotation whose value is not `none`, `all` or a list of container names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadAnnotation {
    /// Where it is.
    pub on: StatedBy,
    /// The part that is not a container name.
    pub name: String,
}

/// The annotation with which a workload states which of its containers need the API.
pub const API_ACCESS_ANNOTATION: &str = "harden-sa-token.dev/api-access";

/// The annotation with which a workload states its token's lifetime, in seconds.
pub const LIFETIME_ANNOTATION: &str = "harden-sa-token.dev/expiration-seconds";

/// A lifetime annotation whose value is not a number of seconds Kubernetes allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadLifetime {
    /// Where it is.
    pub on: LifetimeBy,
    /// Its value.
    pub value: String,
}

/// Vault's agent injector annotation: with `"true"`, an injected agent logs in to Vault
/// with the Pod's token (Vault's Kubernetes auth), whatever RBAC grants it.
pub const VAULT_AGENT_INJECT: &str = "vault.hashicorp.com/agent-inject";

/// A sign, found in a Pod template, that its token is wanted whatever RBAC grants it
/// (`docs/design.md`, "Who needs the API"). Under `rbac: apply`, any of these keeps the
/// token that evidence alone would remove.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenUse {
    /// `automountServiceAccountToken: true` written on the Pod template.
    AutomountTrue,
    /// Vault's agent injector is asked for, on the Pod template or the workload.
    VaultAgent {
        /// Where the annotation is.
        on: StatedBy,
    },
    /// A container names the token's directory in its `command`, `args` or `env` values.
    NamesTokenPath {
        /// The container, as messages name it.
        container: String,
        /// `command`, `args` or `env`.
        field: &'static str,
    },
    /// A container mounts one file of a token volume, or of the token's directory, by
    /// `subPath`.
    SubPathMount {
        /// The container, as messages name it.
        container: String,
        /// The volume mounted.
        volume: String,
    },
}

/// What selectors look at in `object`.
pub fn facts<'n>(object: &'n Node<'_>) -> ObjectFacts<'n> {
    let api_version = object.get_str("apiVersion").unwrap_or_default();
    let metadata = object.get("metadata");
    let meta = |key: &str| metadata.and_then(|m| m.get_str(key)).unwrap_or_default();
    ObjectFacts {
        group: workloads::group(api_version),
        version: api_version.rsplit('/').next().unwrap_or_default(),
        kind: object.get_str("kind").unwrap_or_default(),
        name: meta("name"),
        namespace: meta("namespace"),
        labels: pairs(metadata.and_then(|m| m.get("labels"))),
        annotations: pairs(metadata.and_then(|m| m.get("annotations"))),
    }
}

/// The string entries of a mapping such as `metadata.labels`.
fn pairs<'n>(map: Option<&'n Node<'_>>) -> Vec<(&'n str, &'n str)> {
    map.and_then(Node::entries)
        .unwrap_or_default()
        .iter()
        .filter_map(|(k, v)| Some((k.as_str()?, v.as_str()?)))
        .collect()
}

/// Whether `object` is marked `config.kubernetes.io/local-config: "true"`: it configures
/// the pipeline and is never deployed (the kpt convention), so it is not hardened, and
/// the RBAC it holds grants nothing.
pub fn is_local_config(object: &Node<'_>) -> bool {
    object
        .get("metadata")
        .and_then(|m| m.get("annotations"))
        .and_then(|a| a.get_str("config.kubernetes.io/local-config"))
        == Some("true")
}

/// Whether the config works on this object: targeted (or no targets) and not excluded.
pub fn selected(settings: &Settings, object: &ObjectFacts<'_>) -> bool {
    (settings.targets.is_empty() || settings.targets.iter().any(|s| s.matches(object)))
        && !settings.exclude.iter().any(|s| s.matches(object))
}

/// The annotation `key` on the Pod template's metadata, else on the workload's (the
/// template's wins): its value, with `by`'s first for the template and second for the
/// workload.
fn annotation<'v, B>(
    workload: &ObjectFacts<'v>,
    template_metadata: Option<&'v Node<'_>>,
    key: &str,
    [on_template, on_workload]: [B; 2],
) -> Option<(&'v str, B)> {
    let value = template_metadata
        .and_then(|m| m.get("annotations"))
        .and_then(|a| a.get_str(key));
    match value {
        Some(value) => Some((value, on_template)),
        None => workload
            .annotations
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| (*v, on_workload)),
    }
}

/// The statement about a workload's Pod template, if any: the annotation on the
/// template, else on the workload, else the last matching rule. A malformed annotation
/// is an error naming where it is and what is allowed.
pub fn statement(
    settings: &Settings,
    workload: &ObjectFacts<'_>,
    template_metadata: Option<&Node<'_>>,
) -> Result<Option<Statement>, BadAnnotation> {
    let found = annotation(
        workload,
        template_metadata,
        API_ACCESS_ANNOTATION,
        [StatedBy::TemplateAnnotation, StatedBy::WorkloadAnnotation],
    );
    if let Some((value, by)) = found {
        let access = ApiAccess::parse(value).map_err(|name| BadAnnotation {
            on: by.clone(),
            name,
        })?;
        return Ok(Some(Statement { access, by }));
    }
    Ok(
        last_rule(settings, workload, |r| r.access.clone()).map(|(i, access)| Statement {
            access,
            by: StatedBy::Rule(i),
        }),
    )
}

/// What the last rule that targets `workload` and says something of it (`says`) says,
/// with that rule's index: a later rule wins.
fn last_rule<T>(
    settings: &Settings,
    workload: &ObjectFacts<'_>,
    says: impl Fn(&Rule) -> Option<T>,
) -> Option<(usize, T)> {
    settings
        .rules
        .iter()
        .enumerate()
        .rev()
        .filter(|(_, r)| r.target.matches(workload))
        .find_map(|(i, r)| Some((i, says(r)?)))
}

/// The statement of a workload's token lifetime, if any: the annotation on the
/// template, else on the workload, else the last matching rule that sets one. A value
/// that is not a number of seconds from 600 to 2^32 is an error.
pub fn lifetime_statement(
    settings: &Settings,
    workload: &ObjectFacts<'_>,
    template_metadata: Option<&Node<'_>>,
) -> Result<Option<LifetimeStatement>, BadLifetime> {
    let found = annotation(
        workload,
        template_metadata,
        LIFETIME_ANNOTATION,
        [
            LifetimeBy::TemplateAnnotation,
            LifetimeBy::WorkloadAnnotation,
        ],
    );
    if let Some((value, by)) = found {
        return match value.trim().parse::<i64>() {
            Ok(seconds) if is_valid_lifetime(seconds) => {
                Ok(Some(LifetimeStatement { seconds, by }))
            }
            _ => Err(BadLifetime {
                on: by,
                value: value.to_owned(),
            }),
        };
    }
    Ok(
        last_rule(settings, workload, |r| r.expiration_seconds).map(|(i, seconds)| {
            LifetimeStatement {
                seconds,
                by: LifetimeBy::Rule(i),
            }
        }),
    )
}

/// What in `object` (or an item of it, when it is a list) shows that the input is meant
/// for OpenShift, if anything: an apiVersion of an `openshift.io` group
/// (SecurityContextConstraints, Route...), or an annotation of an `openshift.io` prefix
/// (`openshift.io/display-name`...).
pub fn shows_openshift(object: &Node<'_>) -> Option<String> {
    if object.get_str("kind").is_some_and(|k| k.ends_with("List")) {
        // Lists nest one level: their items are objects, not lists of lists.
        let items = object
            .get("items")
            .and_then(Node::items)
            .unwrap_or_default();
        if let Some(found) = items.iter().find_map(shows_openshift_object) {
            return Some(found);
        }
    }
    shows_openshift_object(object)
}

fn shows_openshift_object(object: &Node<'_>) -> Option<String> {
    let is_openshift = |group: &str| group == "openshift.io" || group.ends_with(".openshift.io");
    let api_version = object.get_str("apiVersion").unwrap_or_default();
    if is_openshift(workloads::group(api_version)) {
        let kind = object.get_str("kind").unwrap_or_default();
        return Some(format!("{kind} of apiVersion {api_version}"));
    }
    let metadata = object.get("metadata");
    pairs(metadata.and_then(|m| m.get("annotations")))
        .into_iter()
        .map(|(key, _)| key)
        .find(|key| {
            key.split_once('/')
                .is_some_and(|(prefix, _)| is_openshift(prefix))
        })
        .map(|key| format!("annotation {key}"))
}

/// The statement the RBAC evidence makes about a Pod template, for when no annotation or
/// rule makes one (those always win): under `rbac: apply`, `none` when nothing in the
/// input and the evidence grants its ServiceAccount anything, on complete, positive
/// evidence ([`Verdict::Nothing`]), and the Pod template shows no use of its token
/// outside RBAC (`uses`); no statement otherwise, which leaves the Pod template to the
/// container filter, as without RBAC.
pub fn evidence_statement(
    rbac: Rbac,
    evidence: &Evidence<'_>,
    uses: &[TokenUse],
) -> Option<Statement> {
    if rbac != Rbac::Apply || evidence.verdict() != Verdict::Nothing || !uses.is_empty() {
        return None;
    }
    let sa = &evidence.account;
    let account = match sa.namespace.as_str() {
        Some(ns) => format!("{ns}/{}", sa.name),
        None => sa.name.clone(),
    };
    Some(Statement {
        access: ApiAccess::None,
        by: StatedBy::NoRbacGrant { account },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Rule;
    use crate::select::{Pattern, Selector};
    use crate::yaml::Document;

    const DEPLOYMENT: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\n  labels: {app: web}\n  annotations: {harden-sa-token.dev/api-access: 'app, sidecar'}\nspec:\n  template:\n    metadata:\n      annotations:\n        harden-sa-token.dev/api-access: none\n";

    fn rule(name: &str, access: ApiAccess) -> Rule {
        Rule {
            target: Selector {
                name: Some(Pattern::new(name).unwrap()),
                ..Selector::default()
            },
            access: Some(access),
            expiration_seconds: None,
        }
    }

    #[test]
    fn lifetime_statements_and_openshift_markers() {
        let docs = Document::parse(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  annotations: {harden-sa-token.dev/expiration-seconds: '7200', openshift.io/display-name: Web}\n",
        )
        .unwrap();
        let root = &docs.roots()[0];
        let f = facts(root);
        let mut s = Settings::default();
        let mut lifetime_rule = rule("web", ApiAccess::All);
        lifetime_rule.access = None;
        lifetime_rule.expiration_seconds = Some(600);
        s.rules = vec![lifetime_rule];
        assert_eq!(
            lifetime_statement(&s, &f, None).unwrap(),
            Some(LifetimeStatement {
                seconds: 7200,
                by: LifetimeBy::WorkloadAnnotation
            })
        );
        // A rule without apiAccess states no access.
        assert_eq!(statement(&s, &f, None).unwrap(), None);
        assert_eq!(
            shows_openshift(root).as_deref(),
            Some("annotation openshift.io/display-name")
        );
        let bad = Document::parse(
            "kind: Pod\nmetadata:\n  annotations: {harden-sa-token.dev/expiration-seconds: '60'}\n",
        )
        .unwrap();
        let f = facts(&bad.roots()[0]);
        let err = lifetime_statement(&s, &f, None).unwrap_err();
        assert_eq!(err.value, "60");
        let plain = Document::parse("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n").unwrap();
        assert_eq!(
            lifetime_statement(&s, &facts(&plain.roots()[0]), None).unwrap(),
            None
        );
        assert_eq!(shows_openshift(&plain.roots()[0]), None);
        let route = Document::parse("apiVersion: route.openshift.io/v1\nkind: Route\n").unwrap();
        assert!(shows_openshift(&route.roots()[0]).is_some());
        let list = Document::parse(
            "apiVersion: v1\nkind: List\nitems:\n- {apiVersion: security.openshift.io/v1, kind: SecurityContextConstraints}\n",
        )
        .unwrap();
        assert_eq!(
            shows_openshift(&list.roots()[0]).as_deref(),
            Some("SecurityContextConstraints of apiVersion security.openshift.io/v1")
        );
    }

    #[test]
    fn facts_are_read_from_the_object() {
        let docs = Document::parse(DEPLOYMENT).unwrap();
        let f = facts(&docs.roots()[0]);
        assert_eq!(
            (f.group, f.version, f.kind, f.name, f.namespace),
            ("apps", "v1", "Deployment", "web", "shop")
        );
        assert_eq!(f.labels, vec![("app", "web")]);
    }

    #[test]
    fn targets_then_exclude() {
        let docs = Document::parse(DEPLOYMENT).unwrap();
        let f = facts(&docs.roots()[0]);
        let mut s = Settings::default();
        assert!(selected(&s, &f));
        s.targets = vec![rule("db", ApiAccess::All).target];
        assert!(!selected(&s, &f));
        s.targets.push(rule("w.*", ApiAccess::All).target);
        assert!(selected(&s, &f));
        s.exclude = vec![rule("web", ApiAccess::All).target];
        assert!(!selected(&s, &f));
    }

    #[test]
    fn template_annotation_then_workload_annotation_then_last_rule() {
        let docs = Document::parse(DEPLOYMENT).unwrap();
        let root = &docs.roots()[0];
        let f = facts(root);
        let template_meta = root
            .get("spec")
            .and_then(|s| s.get("template"))
            .and_then(|t| t.get("metadata"));
        let s = Settings::default();
        let st = statement(&s, &f, template_meta).unwrap().unwrap();
        assert_eq!(st.access, ApiAccess::None);
        assert_eq!(st.by, StatedBy::TemplateAnnotation);
        let st = statement(&s, &f, None).unwrap().unwrap();
        assert_eq!(
            st.access,
            ApiAccess::Containers(vec!["app".into(), "sidecar".into()])
        );

        let plain =
            Document::parse("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n")
                .unwrap();
        let f = facts(&plain.roots()[0]);
        let mut s = Settings::default();
        assert_eq!(statement(&s, &f, None).unwrap(), None);
        s.rules = vec![
            rule("web", ApiAccess::All),
            rule("other", ApiAccess::None),
            rule("w.*", ApiAccess::Containers(vec!["app".into()])),
        ];
        let st = statement(&s, &f, None).unwrap().unwrap();
        assert_eq!(st.by, StatedBy::Rule(2));
        assert_eq!(st.access, ApiAccess::Containers(vec!["app".into()]));
    }

    #[test]
    fn evidence_states_none_only_under_apply_and_only_when_complete() {
        use crate::rbac::{
            Binding, BindingKind, Inventory, RoleRef, RoleRefKind, ServiceAccount, Subject,
            SubjectKind,
        };
        let mut inventory = Inventory::new();
        inventory.push(ServiceAccount::new("idle", "shop"));
        inventory.push(ServiceAccount::new("busy", "shop"));
        inventory.push(Binding {
            kind: BindingKind::RoleBinding,
            name: "busy".into(),
            namespace: "shop".into(),
            role_ref: RoleRef {
                kind: RoleRefKind::ClusterRole,
                name: "view".into(),
            },
            subjects: vec![Subject {
                kind: SubjectKind::ServiceAccount,
                name: "busy".into(),
                namespace: "shop".into(),
                api_group: String::new(),
            }],
        });
        let statement = |rbac, name: &str, ns: &str| {
            let evidence = inventory.evidence(&ServiceAccount::new(name, ns));
            evidence_statement(rbac, &evidence, &[])
        };
        assert_eq!(
            statement(Rbac::Apply, "idle", "shop"),
            Some(Statement {
                access: ApiAccess::None,
                by: StatedBy::NoRbacGrant {
                    account: "shop/idle".into()
                }
            })
        );
        // `default` is in every namespace.
        assert_eq!(
            statement(Rbac::Apply, "default", "web").map(|s| s.by),
            Some(StatedBy::NoRbacGrant {
                account: "web/default".into()
            })
        );
        // Without a namespace, bindings naming one cannot be ruled out.
        assert_eq!(statement(Rbac::Apply, "default", ""), None);
        // A use of the token outside RBAC keeps it.
        let idle = inventory.evidence(&ServiceAccount::new("idle", "shop"));
        for uses in [
            TokenUse::AutomountTrue,
            TokenUse::VaultAgent {
                on: StatedBy::TemplateAnnotation,
            },
        ] {
            assert_eq!(evidence_statement(Rbac::Apply, &idle, &[uses]), None);
        }
        assert_eq!(statement(Rbac::Apply, "busy", "shop"), None);
        // Defined nowhere in the input: someone else may bind it.
        assert_eq!(statement(Rbac::Apply, "ghost", "shop"), None);
        assert_eq!(statement(Rbac::Advise, "idle", "shop"), None);
        assert_eq!(statement(Rbac::Off, "idle", "shop"), None);
    }

    #[test]
    fn malformed_annotation_is_an_error_that_says_what_is_allowed() {
        let docs = Document::parse(
            "kind: Pod\nmetadata:\n  annotations:\n    harden-sa-token.dev/api-access: 'App,'\n",
        )
        .unwrap();
        let f = facts(&docs.roots()[0]);
        let err = statement(&Settings::default(), &f, None).unwrap_err();
        assert_eq!(
            err,
            BadAnnotation {
                on: StatedBy::WorkloadAnnotation,
                name: "App".into()
            }
        );
        let err = crate::messages::bad_annotation(&err);
        assert!(
            err.contains(API_ACCESS_ANNOTATION)
                && err.contains("\"App\"")
                && err.contains("allowed: none, all"),
            "{err}"
        );
    }
}
