//! The objects of the model, as a reader fills them from the manifests.

/// The group every ServiceAccount token carries (`MakeGroupNames`).
pub const ALL_SERVICE_ACCOUNTS_GROUP: &str = "system:serviceaccounts";
/// The prefix of the group of one namespace's ServiceAccounts (`MakeNamespaceGroupName`).
pub const SERVICE_ACCOUNT_GROUP_PREFIX: &str = "system:serviceaccounts:";
/// The group the API server adds to every authenticated user but `system:anonymous`.
pub const AUTHENTICATED_GROUP: &str = "system:authenticated";
/// The prefix of a ServiceAccount's user name (`MakeUsername`).
pub const SERVICE_ACCOUNT_USER_PREFIX: &str = "system:serviceaccount:";
/// The ServiceAccount a Pod runs as when its spec names none, present in every namespace.
pub const DEFAULT_SERVICE_ACCOUNT: &str = "default";

/// `metadata.namespace` (or a subject's `namespace`), with "not written" explicit.
///
/// `Unset` is not "the default namespace": kustomize, `kubectl apply -n`, Helm or Flux may
/// set it later. Two `Unset`s are taken to be the same namespace (see the module doc).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum Namespace {
    /// Absent or empty.
    #[default]
    Unset,
    /// A namespace name, never empty.
    Set(String),
}

impl Namespace {
    /// From a field as read: absent and `""` are both unset, as for Kubernetes.
    pub fn new(namespace: Option<&str>) -> Self {
        match namespace {
            Some(ns) if !ns.is_empty() => Namespace::Set(ns.to_owned()),
            _ => Namespace::Unset,
        }
    }

    /// The name, if set.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Namespace::Set(ns) => Some(ns),
            Namespace::Unset => None,
        }
    }

    /// Whether no namespace is written.
    pub fn is_unset(&self) -> bool {
        matches!(self, Namespace::Unset)
    }
}

impl From<&str> for Namespace {
    fn from(namespace: &str) -> Self {
        Namespace::new(Some(namespace))
    }
}

impl From<Option<&str>> for Namespace {
    fn from(namespace: Option<&str>) -> Self {
        Namespace::new(namespace)
    }
}

/// A ServiceAccount: an object in the input, or the one a Pod template runs as.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ServiceAccount {
    /// `metadata.name`.
    pub name: String,
    /// `metadata.namespace`; for a Pod template, its workload's.
    pub namespace: Namespace,
}

impl ServiceAccount {
    /// A ServiceAccount by name and namespace.
    pub fn new(name: impl Into<String>, namespace: impl Into<Namespace>) -> Self {
        ServiceAccount {
            name: name.into(),
            namespace: namespace.into(),
        }
    }

    /// The ServiceAccount a Pod template runs as: `serviceAccountName`, else the
    /// deprecated `serviceAccount`, else `default`; empty strings count as absent, as in
    /// the API server's conversion and ServiceAccount admission.
    pub fn of_pod_spec(
        service_account_name: Option<&str>,
        service_account: Option<&str>,
        namespace: impl Into<Namespace>,
    ) -> Self {
        let name = [service_account_name, service_account]
            .into_iter()
            .flatten()
            .find(|n| !n.is_empty())
            .unwrap_or(DEFAULT_SERVICE_ACCOUNT);
        ServiceAccount::new(name, namespace)
    }

    /// Whether this is the `default` ServiceAccount, which every namespace has.
    pub fn is_default(&self) -> bool {
        self.name == DEFAULT_SERVICE_ACCOUNT
    }

    /// `system:serviceaccount:<ns>:<name>`, when the namespace is known.
    pub fn user_name(&self) -> Option<String> {
        let ns = self.namespace.as_str()?;
        Some(format!("{SERVICE_ACCOUNT_USER_PREFIX}{ns}:{}", self.name))
    }

    /// The groups its token carries, as far as they are known: `system:serviceaccounts`,
    /// `system:serviceaccounts:<ns>` when the namespace is set, `system:authenticated`.
    pub fn groups(&self) -> Vec<String> {
        let mut groups = vec![ALL_SERVICE_ACCOUNTS_GROUP.to_owned()];
        if let Some(ns) = self.namespace.as_str() {
            groups.push(format!("{SERVICE_ACCOUNT_GROUP_PREFIX}{ns}"));
        }
        groups.push(AUTHENTICATED_GROUP.to_owned());
        groups
    }
}

/// One entry of a role's `rules`, as written.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PolicyRule {
    /// `verbs`.
    pub verbs: Vec<String>,
    /// `apiGroups` (`""` is the core group).
    pub api_groups: Vec<String>,
    /// `resources`, possibly `resource/subresource`.
    pub resources: Vec<String>,
    /// `resourceNames`; empty means any name.
    pub resource_names: Vec<String>,
    /// `nonResourceURLs`.
    pub non_resource_urls: Vec<String>,
}

impl PolicyRule {
    /// Whether some request in `scope` could be allowed by this rule, as the authorizer's
    /// `RuleAllows` matches: a verb, and either an API group and a resource, or (only
    /// cluster-wide: non-resource requests have no namespace) a non-resource URL.
    pub fn can_allow(&self, scope: Scope<'_>) -> bool {
        let resource = !self.api_groups.is_empty() && !self.resources.is_empty();
        let non_resource = !self.non_resource_urls.is_empty() && scope == Scope::Cluster;
        !self.verbs.is_empty() && (resource || non_resource)
    }
}

/// Where a binding grants rights.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope<'a> {
    /// Everywhere: a ClusterRoleBinding.
    Cluster,
    /// In one namespace (possibly unset): a RoleBinding's own.
    Namespace(&'a Namespace),
}

/// Whether a role is namespaced or cluster-wide.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RoleKind {
    /// `Role`.
    Role,
    /// `ClusterRole`.
    ClusterRole,
}

/// A `Role` or `ClusterRole` in the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    /// Which of the two.
    pub kind: RoleKind,
    /// `metadata.name`.
    pub name: String,
    /// `metadata.namespace`; ignored for a ClusterRole.
    pub namespace: Namespace,
    /// `rules`.
    pub rules: Vec<PolicyRule>,
    /// Whether it has an `aggregationRule` (a ClusterRole whose rules the cluster writes).
    pub aggregated: bool,
}

/// Whether a binding is namespaced or cluster-wide.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BindingKind {
    /// `RoleBinding`.
    RoleBinding,
    /// `ClusterRoleBinding`.
    ClusterRoleBinding,
}

/// `roleRef.kind`. `From<&str>` compares exactly, as the authorizer does.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RoleRefKind {
    /// `Role`.
    Role,
    /// `ClusterRole`.
    ClusterRole,
    /// Anything else, as written: the API server rejects it.
    Other(String),
}

impl From<&str> for RoleRefKind {
    fn from(kind: &str) -> Self {
        match kind {
            "Role" => RoleRefKind::Role,
            "ClusterRole" => RoleRefKind::ClusterRole,
            other => RoleRefKind::Other(other.to_owned()),
        }
    }
}

/// A binding's `roleRef` (its `apiGroup` plays no part in the authorizer's resolution).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RoleRef {
    /// `kind`.
    pub kind: RoleRefKind,
    /// `name`.
    pub name: String,
}

/// `subjects[].kind`. `From<&str>` compares exactly, as the authorizer does.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SubjectKind {
    /// `ServiceAccount`.
    ServiceAccount,
    /// `User`.
    User,
    /// `Group`.
    Group,
    /// Anything else, as written: it matches no one.
    Other(String),
}

impl From<&str> for SubjectKind {
    fn from(kind: &str) -> Self {
        match kind {
            "ServiceAccount" => SubjectKind::ServiceAccount,
            "User" => SubjectKind::User,
            "Group" => SubjectKind::Group,
            other => SubjectKind::Other(other.to_owned()),
        }
    }
}

/// One entry of a binding's `subjects`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Subject {
    /// `kind`.
    pub kind: SubjectKind,
    /// `name`.
    pub name: String,
    /// `namespace` (meaningful for a ServiceAccount only).
    pub namespace: Namespace,
    /// `apiGroup`, as written; the authorizer does not look at it (see the module doc).
    pub api_group: String,
}

/// A `RoleBinding` or `ClusterRoleBinding` in the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    /// Which of the two.
    pub kind: BindingKind,
    /// `metadata.name`.
    pub name: String,
    /// `metadata.namespace`; ignored for a ClusterRoleBinding.
    pub namespace: Namespace,
    /// `roleRef`.
    pub role_ref: RoleRef,
    /// `subjects`, in order.
    pub subjects: Vec<Subject>,
}

impl Binding {
    /// Where it grants rights: its namespace for a RoleBinding, everywhere for a
    /// ClusterRoleBinding.
    pub fn scope(&self) -> Scope<'_> {
        match self.kind {
            BindingKind::RoleBinding => Scope::Namespace(&self.namespace),
            BindingKind::ClusterRoleBinding => Scope::Cluster,
        }
    }

    /// Its identity.
    pub fn id(&self) -> ObjectId {
        let kind = match self.kind {
            BindingKind::RoleBinding => ObjectKind::RoleBinding,
            BindingKind::ClusterRoleBinding => ObjectKind::ClusterRoleBinding,
        };
        ObjectId::new(kind, &self.name, &self.namespace)
    }
}

impl Role {
    /// Its identity.
    pub fn id(&self) -> ObjectId {
        let kind = match self.kind {
            RoleKind::Role => ObjectKind::Role,
            RoleKind::ClusterRole => ObjectKind::ClusterRole,
        };
        ObjectId::new(kind, &self.name, &self.namespace)
    }
}

/// The kinds of object the model holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ObjectKind {
    /// `v1` ServiceAccount.
    ServiceAccount,
    /// Role.
    Role,
    /// ClusterRole.
    ClusterRole,
    /// RoleBinding.
    RoleBinding,
    /// ClusterRoleBinding.
    ClusterRoleBinding,
}

impl ObjectKind {
    /// Whether objects of this kind live in a namespace.
    pub fn is_namespaced(self) -> bool {
        matches!(
            self,
            ObjectKind::ServiceAccount | ObjectKind::Role | ObjectKind::RoleBinding
        )
    }
}

/// Kind, name and namespace of an object (namespace `Unset` for cluster-wide kinds).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ObjectId {
    /// The kind.
    pub kind: ObjectKind,
    /// `metadata.name`.
    pub name: String,
    /// `metadata.namespace`; always `Unset` for cluster-wide kinds.
    pub namespace: Namespace,
}

impl ObjectId {
    /// The identity of an object; the namespace is dropped for cluster-wide kinds.
    pub fn new(kind: ObjectKind, name: &str, namespace: &Namespace) -> Self {
        let namespace = if kind.is_namespaced() {
            namespace.clone()
        } else {
            Namespace::Unset
        };
        ObjectId {
            kind,
            name: name.to_owned(),
            namespace,
        }
    }
}

/// Anything the model holds, for [`Inventory::push`](super::Inventory::push).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Object {
    /// A ServiceAccount.
    ServiceAccount(ServiceAccount),
    /// A ServiceAccount's `automountServiceAccountToken`, pushed after the ServiceAccount
    /// when it is set. Not RBAC: it says whether its Pods get a token at all.
    ServiceAccountAutomount(ServiceAccount, bool),
    /// A Role or ClusterRole.
    Role(Role),
    /// A RoleBinding or ClusterRoleBinding.
    Binding(Binding),
}

impl Object {
    /// Whether it is about a ServiceAccount itself (the ServiceAccount, its automount
    /// setting) rather than RBAC.
    pub fn is_account(&self) -> bool {
        matches!(
            self,
            Object::ServiceAccount(_) | Object::ServiceAccountAutomount(..)
        )
    }
}

impl From<ServiceAccount> for Object {
    fn from(sa: ServiceAccount) -> Self {
        Object::ServiceAccount(sa)
    }
}

impl From<Role> for Object {
    fn from(role: Role) -> Self {
        Object::Role(role)
    }
}

impl From<Binding> for Object {
    fn from(binding: Binding) -> Self {
        Object::Binding(binding)
    }
}
