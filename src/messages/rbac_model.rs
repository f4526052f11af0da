//! How the values of the RBAC model read (`Display`): bindings, roles, rules, grants and
//! the gaps in the evidence.
//!
//! `{}` is short, for one line of a result: at most [`LIST_ITEMS`] resources, names or
//! URLs per rule and [`RULES`] rules per grant (verbs are never cut: `delete` matters).
//! `{:#}` is complete, for an auditor's report.

use std::fmt::{self, Display, Formatter};

use crate::rbac::{
    Binding, BindingKind, Gap, Grant, Namespace, NoRights, ObjectId, ObjectKind, PolicyRule,
    RoleRef, RoleRefKind, Scope, ServiceAccount, SubjectKind, Unseen, Via, What,
};

/// How many resources, resource names or URLs of a rule the short form shows.
pub const LIST_ITEMS: usize = 4;
/// How many rules of a grant the short form shows.
pub const RULES: usize = 3;

/// Said once for a result whose evidence relies on two unset namespaces being the same.
pub const UNSET_NAMESPACE_NOTE: &str =
    "objects without a namespace were taken to be in the same namespace";

fn list(f: &mut Formatter<'_>, items: &[String], cut: bool) -> fmt::Result {
    if items.is_empty() {
        return f.write_str("none");
    }
    let shown = if cut {
        items.len().min(LIST_ITEMS)
    } else {
        items.len()
    };
    let head = items.get(..shown).unwrap_or(items);
    f.write_str(&head.join(","))?;
    if shown < items.len() {
        f.write_str(",...")?;
    }
    Ok(())
}

fn named(f: &mut Formatter<'_>, kind: &str, name: &str, namespace: &Namespace) -> fmt::Result {
    match namespace.as_str() {
        Some(ns) => write!(f, "{kind} {ns}/{name}"),
        None => write!(f, "{kind} {name}"),
    }
}

impl Display for ServiceAccount {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        named(f, "ServiceAccount", &self.name, &self.namespace)?;
        if self.namespace.is_unset() {
            f.write_str(" (no namespace)")?;
        }
        Ok(())
    }
}

impl Display for ObjectKind {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ObjectKind::ServiceAccount => "ServiceAccount",
            ObjectKind::Role => "Role",
            ObjectKind::ClusterRole => "ClusterRole",
            ObjectKind::RoleBinding => "RoleBinding",
            ObjectKind::ClusterRoleBinding => "ClusterRoleBinding",
        })
    }
}

impl Display for ObjectId {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        named(f, &self.kind.to_string(), &self.name, &self.namespace)
    }
}

impl Display for Binding {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let kind = match self.kind {
            BindingKind::RoleBinding => "RoleBinding",
            BindingKind::ClusterRoleBinding => "ClusterRoleBinding",
        };
        named(f, kind, &self.name, &self.namespace)
    }
}

impl Display for RoleRef {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let kind = match &self.kind {
            RoleRefKind::Role => "Role",
            RoleRefKind::ClusterRole => "ClusterRole",
            RoleRefKind::Other(kind) => kind,
        };
        write!(f, "{kind} {}", self.name)
    }
}

impl Display for Scope<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Scope::Cluster => f.write_str("cluster-wide"),
            Scope::Namespace(Namespace::Set(ns)) => write!(f, "in namespace {ns}"),
            Scope::Namespace(Namespace::Unset) => f.write_str("in its namespace (unset)"),
        }
    }
}

/// `get,list,watch pods,endpoints`, `get,update leases [coordination.k8s.io] named a`,
/// `get nonResourceURLs /healthz`; the core group is not named.
impl Display for PolicyRule {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let cut = !f.alternate();
        let resource = !self.resources.is_empty() || self.non_resource_urls.is_empty();
        if resource {
            f.write_str(&self.verbs.join(","))?;
            f.write_str(" ")?;
            list(f, &self.resources, cut)?;
            if self.api_groups.len() != 1 || self.api_groups.iter().any(|g| !g.is_empty()) {
                let groups: Vec<String> = self
                    .api_groups
                    .iter()
                    .map(|g| {
                        if g.is_empty() {
                            "core".to_owned()
                        } else {
                            g.clone()
                        }
                    })
                    .collect();
                f.write_str(" [")?;
                list(f, &groups, false)?;
                f.write_str("]")?;
            }
            if !self.resource_names.is_empty() {
                f.write_str(" named ")?;
                list(f, &self.resource_names, cut)?;
            }
        }
        if !self.non_resource_urls.is_empty() {
            if resource {
                f.write_str("; ")?;
            }
            f.write_str(&self.verbs.join(","))?;
            f.write_str(" nonResourceURLs ")?;
            list(f, &self.non_resource_urls, cut)?;
        }
        Ok(())
    }
}

impl Display for NoRights {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NoRights::NoRules => "no rules",
            NoRights::ClusterWideOnly => {
                "its rules only name cluster-scoped resources or URLs, which a RoleBinding does not reach"
            }
            NoRights::AdmissionOnly => {
                "its rules only allow admission-time use of pod security policies, for which the token is never sent"
            }
            NoRights::Everyone => {
                "its rules only allow what every authenticated identity has (discovery, self-review)"
            }
            NoRights::RoleInClusterBinding => "a ClusterRoleBinding cannot refer to a Role",
            NoRights::UnknownRoleKind => "roleRef kind is neither Role nor ClusterRole",
        })
    }
}

impl Display for Unseen {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Unseen::NotInInput => {
                "unknown role: in neither the input, the evidence nor the bootstrap roles"
            }
            Unseen::Aggregated => "aggregated: the cluster writes its rules",
            Unseen::Reserved => "built in: the API server keeps its rules",
        })
    }
}

impl Display for What<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            What::Rules(rules) => {
                let shown = if f.alternate() {
                    rules.len()
                } else {
                    rules.len().min(RULES)
                };
                for (i, rule) in rules.iter().take(shown).enumerate() {
                    if i > 0 {
                        f.write_str("; ")?;
                    }
                    if f.alternate() {
                        write!(f, "{rule:#}")?;
                    } else {
                        write!(f, "{rule}")?;
                    }
                }
                match rules.len().saturating_sub(shown) {
                    0 => Ok(()),
                    1 => f.write_str("; 1 more rule"),
                    more => write!(f, "; {more} more rules"),
                }
            }
            What::Nothing(why) => write!(f, "nothing ({why})"),
            What::Unseen(why) => write!(f, "unseen ({why})"),
        }
    }
}

impl Display for Via {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Via::ServiceAccount => "the ServiceAccount",
            Via::UserName => "its user name",
            Via::AllServiceAccounts => "all ServiceAccounts",
            Via::NamespaceServiceAccounts => "its namespace's ServiceAccounts",
            Via::Authenticated => "all authenticated users",
        })
    }
}

/// `ClusterRoleBinding linkerd-destination -> ClusterRole linkerd-destination: get,list,watch pods,endpoints`;
/// a subject other than the ServiceAccount itself is named: `RoleBinding ns/x (as group
/// system:serviceaccounts) -> Role x: get configmaps`.
impl Display for Grant<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.binding)?;
        match &self.subject.kind {
            SubjectKind::User => write!(f, " (as user {})", self.subject.name)?,
            SubjectKind::Group => write!(f, " (as group {})", self.subject.name)?,
            SubjectKind::ServiceAccount | SubjectKind::Other(_) => {}
        }
        write!(f, " -> {}", self.binding.role_ref)?;
        if self.bootstrap {
            f.write_str(" (a bootstrap role)")?;
        }
        f.write_str(": ")?;
        if f.alternate() {
            write!(f, "{:#}", self.what)
        } else {
            write!(f, "{}", self.what)
        }
    }
}

impl Display for Gap {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Gap::Undefined => {
                "it is defined nowhere in the input, and whoever creates it may also bind it"
            }
            Gap::UnsetNamespace => {
                "bindings in the input would apply to it if unset namespaces were set"
            }
            Gap::NoBindings => {
                "neither the input nor the evidence holds a RoleBinding or ClusterRoleBinding, so bindings made elsewhere cannot be ruled out"
            }
            Gap::NoNamespace => {
                "its namespace is not set, so bindings naming a namespace cannot be ruled out"
            }
        })
    }
}
