//! The inventory of RBAC objects in the input, and the question asked of it: what grants a
//! ServiceAccount rights.

use std::collections::{HashMap, HashSet};

use super::bootstrap;
use super::model::{
    ALL_SERVICE_ACCOUNTS_GROUP, AUTHENTICATED_GROUP, Binding, BindingKind, Namespace, Object,
    ObjectId, ObjectKind, PolicyRule, Role, RoleKind, RoleRefKind, SERVICE_ACCOUNT_GROUP_PREFIX,
    SERVICE_ACCOUNT_USER_PREFIX, Scope, ServiceAccount, Subject, SubjectKind,
};
use super::resources::Idle;

/// Everything RBAC found in the input, indexed once so that asking about one
/// ServiceAccount only looks at the bindings that can name it.
///
/// When the same object (kind, namespace, name) is pushed twice, the later one replaces
/// the earlier, as applying the stream in order would, and [`Inventory::duplicates`]
/// says so.
#[derive(Debug, Clone, Default)]
pub struct Inventory {
    accounts: HashSet<(Namespace, String)>,
    roles: HashMap<(Namespace, String), Role>,
    cluster_roles: HashMap<String, Role>,
    bindings: Vec<Binding>,
    slots: HashMap<(BindingKind, Namespace, String), usize>,
    /// Bindings with a ServiceAccount subject, or a `User` subject that is a
    /// ServiceAccount's user name, by the ServiceAccount's name.
    by_account_name: HashMap<String, Vec<usize>>,
    /// Bindings with a `Group` subject a ServiceAccount can be in, by group.
    by_group: HashMap<String, Vec<usize>>,
    /// Bindings with a `system:serviceaccounts:<ns>` subject, for any namespace.
    namespace_groups: Vec<usize>,
    duplicates: Vec<ObjectId>,
    /// `automountServiceAccountToken` of the ServiceAccounts that set it.
    automount: HashMap<(Namespace, String), bool>,
    read: Read,
}

/// Where an object was read: among the objects to deploy, or as evidence only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Origin {
    /// The input: objects that are deployed.
    #[default]
    Input,
    /// Evidence: objects read only to decide (`local-config` objects, `--evidence`
    /// files), never deployed.
    Evidence,
}

/// How many RBAC objects were read, and from where, for the messages that say what a
/// decision rests on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Read {
    /// Objects of the input.
    pub input: usize,
    /// Objects of the evidence.
    pub evidence: usize,
    /// RoleBindings and ClusterRoleBindings, of either.
    pub bindings: usize,
}

/// Whether a ServiceAccount exists, as far as the input says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    /// Defined in the input.
    Defined,
    /// Not defined in the input, but `default`, which every namespace has.
    Default,
    /// Defined nowhere in the input: someone else creates it, and may bind it.
    Undefined,
}

/// Which of the identities a ServiceAccount's token carries a binding named.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// A `ServiceAccount` subject.
    ServiceAccount,
    /// A `User` subject `system:serviceaccount:<ns>:<name>`.
    UserName,
    /// A `Group` subject `system:serviceaccounts`.
    AllServiceAccounts,
    /// A `Group` subject `system:serviceaccounts:<ns>`.
    NamespaceServiceAccounts,
    /// A `Group` subject `system:authenticated`.
    Authenticated,
}

/// Why a binding that applies grants nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoRights {
    /// The role has no rule that allows any request (none at all, or only rules missing
    /// verbs or resources).
    NoRules,
    /// The role's rules only allow requests outside a namespace (cluster-scoped
    /// resources, `nonResourceURLs`), and a RoleBinding grants rights in its namespace
    /// only.
    ClusterWideOnly,
    /// A ClusterRoleBinding refers to a Role: the API server rejects it, and the
    /// authorizer would find no Role outside a namespace anyway.
    RoleInClusterBinding,
    /// `roleRef.kind` is neither `Role` nor `ClusterRole`.
    UnknownRoleKind,
    /// The role's rules only allow admission-time `use` of PodSecurityPolicies or
    /// SecurityContextConstraints, which admission checks by the ServiceAccount's name:
    /// the token is never sent.
    AdmissionOnly,
    /// The role's rules only allow what every authenticated identity has anyway
    /// (discovery, health, version, self-review).
    Everyone,
}

impl From<Idle> for NoRights {
    fn from(idle: Idle) -> Self {
        match idle {
            Idle::Empty => NoRights::NoRules,
            Idle::Everyone => NoRights::Everyone,
            Idle::AdmissionOnly => NoRights::AdmissionOnly,
            Idle::ClusterScoped => NoRights::ClusterWideOnly,
        }
    }
}

/// Why the rights a binding grants cannot be seen in the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unseen {
    /// The role is not in the input (`view`, `cluster-admin`, `system:…`, or made by
    /// someone else).
    NotInInput,
    /// An aggregated ClusterRole: the cluster writes its rules from other ClusterRoles.
    Aggregated,
    /// A role the API server creates and keeps adding its own rules to, whatever the
    /// input says.
    Reserved,
}

/// What a binding that applies grants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum What<'a> {
    /// The role's rules that can allow a request in the binding's scope (never empty).
    Rules(Vec<&'a PolicyRule>),
    /// Nothing.
    Nothing(NoRights),
    /// Something the input does not show.
    Unseen(Unseen),
}

/// One binding that applies to a ServiceAccount, and what it grants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant<'a> {
    /// The binding.
    pub binding: &'a Binding,
    /// Its first subject that names the ServiceAccount (the one the authorizer reports).
    pub subject: &'a Subject,
    /// How that subject names it.
    pub via: Via,
    /// The role it refers to, when that is in the input, the evidence or the bootstrap
    /// roles.
    pub role: Option<&'a Role>,
    /// Whether that role is a bootstrap role the input and the evidence do not define.
    pub bootstrap: bool,
    /// What it grants.
    pub what: What<'a>,
    /// Whether it applies only by taking two unset namespaces to be the same one.
    pub unset_namespace: bool,
}

impl<'a> Grant<'a> {
    /// Where it grants rights.
    pub fn scope(&self) -> Scope<'a> {
        self.binding.scope()
    }

    /// Whether it makes a token worth having: rules, or rights the input does not show.
    pub fn is_useful(&self) -> bool {
        !matches!(self.what, What::Nothing(_))
    }
}

/// What keeps the input from being the whole truth about a ServiceAccount.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gap {
    /// It is defined nowhere in the input and is not `default`.
    Undefined,
    /// Bindings in the input would grant it rights if an unset namespace, theirs or its
    /// own, turned out to be the other side's ([`Evidence::possible`]).
    UnsetNamespace,
    /// Neither the input nor the evidence holds a RoleBinding or ClusterRoleBinding: no
    /// RBAC was read, so nothing says the token is idle.
    NoBindings,
    /// Its namespace is not set, so no binding naming a namespace can be ruled out.
    NoNamespace,
}

/// The conclusion for a ServiceAccount.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// A binding in the input grants it rules, or rights the input does not show.
    Granted,
    /// Nothing in the input grants it anything, and the input is the whole story.
    Nothing,
    /// Nothing in the input grants it anything, but the input is not the whole story
    /// ([`Evidence::gaps`]).
    Incomplete,
}

/// Everything the input says about the rights of one ServiceAccount.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence<'a> {
    /// The ServiceAccount asked about.
    pub account: ServiceAccount,
    /// Whether it exists, as far as the input says.
    pub presence: Presence,
    /// The bindings that apply to it, in input order.
    pub grants: Vec<Grant<'a>>,
    /// Bindings that would apply to it if an unset namespace were set to the other
    /// side's: `ns/app` against a binding without a namespace, or an `app` without a
    /// namespace against a subject naming `ns`.
    pub possible: Vec<Grant<'a>>,
    /// Whether [`presence`](Self::presence) or a grant relies on two unset namespaces
    /// being the same one.
    pub unset_namespace: bool,
    /// How many RBAC objects the answer rests on.
    pub read: Read,
}

impl Evidence<'_> {
    /// The grants that make its token worth having.
    pub fn useful(&self) -> impl Iterator<Item = &Grant<'_>> {
        self.grants.iter().filter(|g| g.is_useful())
    }

    /// What keeps the input from being the whole truth about it (reported whatever the
    /// verdict).
    pub fn gaps(&self) -> Vec<Gap> {
        let mut gaps = Vec::new();
        if self.presence == Presence::Undefined {
            gaps.push(Gap::Undefined);
        }
        if self.possible.iter().any(Grant::is_useful) {
            gaps.push(Gap::UnsetNamespace);
        }
        if self.account.namespace.is_unset() {
            gaps.push(Gap::NoNamespace);
        }
        if self.read.bindings == 0 {
            gaps.push(Gap::NoBindings);
        }
        gaps
    }

    /// Whether nothing that was read grants it anything and nothing read points at a
    /// grant elsewhere (it is defined, or `default`, and no binding waits for a
    /// namespace): what `rbac: advise` warns about, even where [`Gap::NoBindings`] or
    /// [`Gap::NoNamespace`] keep `rbac: apply` from acting on it.
    pub fn nothing_found(&self) -> bool {
        self.useful().next().is_none()
            && !self
                .gaps()
                .iter()
                .any(|g| matches!(g, Gap::Undefined | Gap::UnsetNamespace))
    }

    /// The conclusion: granted as soon as one grant is useful, whatever the gaps; else
    /// incomplete if there are gaps; else nothing: complete, positive evidence that the
    /// token is idle.
    pub fn verdict(&self) -> Verdict {
        if self.useful().next().is_some() {
            Verdict::Granted
        } else if self.gaps().is_empty() {
            Verdict::Nothing
        } else {
            Verdict::Incomplete
        }
    }
}

/// How two namespaces compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Same {
    /// Both set, equal.
    Yes,
    /// Both unset.
    BothUnset,
    /// One set, one unset.
    Maybe,
    /// Both set, different.
    No,
}

fn same(a: &Namespace, b: &Namespace) -> Same {
    match (a, b) {
        (Namespace::Set(a), Namespace::Set(b)) if a == b => Same::Yes,
        (Namespace::Set(_), Namespace::Set(_)) => Same::No,
        (Namespace::Unset, Namespace::Unset) => Same::BothUnset,
        _ => Same::Maybe,
    }
}

/// `<ns>` and `<name>` of `system:serviceaccount:<ns>:<name>`.
fn split_user_name(user: &str) -> Option<(&str, &str)> {
    let (ns, name) = user
        .strip_prefix(SERVICE_ACCOUNT_USER_PREFIX)?
        .split_once(':')?;
    (!ns.is_empty() && !name.is_empty()).then_some((ns, name))
}

/// `<ns>` of `system:serviceaccounts:<ns>`.
fn group_namespace(group: &str) -> Option<&str> {
    group
        .strip_prefix(SERVICE_ACCOUNT_GROUP_PREFIX)
        .filter(|ns| !ns.is_empty())
}

/// Whether `subject` of `binding` names `account`, and how (the authorizer's
/// `appliesToUser`, with unset namespaces).
fn names(binding: &Binding, subject: &Subject, account: &ServiceAccount) -> Option<(Via, Same)> {
    match &subject.kind {
        SubjectKind::ServiceAccount => {
            if subject.name != account.name {
                return None;
            }
            // Without a namespace, a RoleBinding's subject is in the binding's namespace;
            // a ClusterRoleBinding's is unset (the API server rejects it as it stands).
            let ns = match (&subject.namespace, binding.kind) {
                (Namespace::Unset, BindingKind::RoleBinding) => &binding.namespace,
                (ns, _) => ns,
            };
            Some((Via::ServiceAccount, same(ns, &account.namespace)))
        }
        SubjectKind::User => {
            let (ns, name) = split_user_name(&subject.name)?;
            if name != account.name {
                return None;
            }
            Some((
                Via::UserName,
                same(&Namespace::from(ns), &account.namespace),
            ))
        }
        SubjectKind::Group => match subject.name.as_str() {
            ALL_SERVICE_ACCOUNTS_GROUP => Some((Via::AllServiceAccounts, Same::Yes)),
            AUTHENTICATED_GROUP => Some((Via::Authenticated, Same::Yes)),
            group => {
                let ns = group_namespace(group)?;
                Some((
                    Via::NamespaceServiceAccounts,
                    same(&Namespace::from(ns), &account.namespace),
                ))
            }
        },
        SubjectKind::Other(_) => None,
    }
}

/// Roles the API server creates at start and keeps adding its own rules to
/// (`bootstrappolicy`), whatever the input says they contain, and whose rules are not
/// among the bootstrap roles known here (controller roles, namespaced ones).
fn is_reserved(role: &Role) -> bool {
    role.name.starts_with("system:")
        || match role.kind {
            RoleKind::ClusterRole => {
                matches!(
                    role.name.as_str(),
                    "cluster-admin" | "admin" | "edit" | "view"
                )
            }
            RoleKind::Role => {
                role.namespace.as_str() == Some("kube-system")
                    && role.name == "extension-apiserver-authentication-reader"
            }
        }
}

/// What `rules` grant in `scope`: those that let the token make a request there, else
/// nothing, with the most telling reason.
fn judge<'a>(rules: impl IntoIterator<Item = &'a PolicyRule>, scope: Scope<'_>) -> What<'a> {
    let mut usable = Vec::new();
    let mut idle = Idle::Empty;
    for rule in rules {
        match rule.usable(scope) {
            Ok(()) => usable.push(rule),
            Err(why) => idle = idle.max(why),
        }
    }
    if usable.is_empty() {
        What::Nothing(idle.into())
    } else {
        What::Rules(usable)
    }
}

/// What `role`'s rules grant in `scope`. A bootstrap ClusterRole the input defines is
/// reconciled by the API server, which adds the published rules to it: it grants both.
fn what_role_grants<'a>(role: &'a Role, scope: Scope<'_>) -> What<'a> {
    if role.aggregated {
        return What::Unseen(Unseen::Aggregated);
    }
    let published = match role.kind {
        RoleKind::ClusterRole => bootstrap::cluster_role(&role.name),
        RoleKind::Role => None,
    };
    if let Some(published) = published {
        return judge(role.rules.iter().chain(&published.rules), scope);
    }
    if is_reserved(role) {
        return What::Unseen(Unseen::Reserved);
    }
    judge(&role.rules, scope)
}

/// Where an index entry goes.
enum Key {
    Account(String),
    Group(String),
    NamespaceGroup(String),
}

fn keys(binding: &Binding) -> Vec<Key> {
    binding
        .subjects
        .iter()
        .filter_map(|s| match s.kind {
            SubjectKind::ServiceAccount => Some(Key::Account(s.name.clone())),
            SubjectKind::User => split_user_name(&s.name).map(|(_, n)| Key::Account(n.to_owned())),
            SubjectKind::Group => match s.name.as_str() {
                ALL_SERVICE_ACCOUNTS_GROUP | AUTHENTICATED_GROUP => {
                    Some(Key::Group(s.name.clone()))
                }
                g => group_namespace(g).map(|_| Key::NamespaceGroup(s.name.clone())),
            },
            SubjectKind::Other(_) => None,
        })
        .collect()
}

fn add(list: &mut Vec<usize>, slot: usize) {
    if list.last() != Some(&slot) {
        list.push(slot);
    }
}

impl Inventory {
    /// An empty inventory.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether nothing was pushed.
    pub fn is_empty(&self) -> bool {
        self.accounts.is_empty()
            && self.roles.is_empty()
            && self.cluster_roles.is_empty()
            && self.bindings.is_empty()
    }

    /// `automountServiceAccountToken` of `account`, when a ServiceAccount of exactly its
    /// name and namespace (both unset counting as the same) sets it.
    pub fn automount(&self, account: &ServiceAccount) -> Option<bool> {
        self.automount
            .get(&(account.namespace.clone(), account.name.clone()))
            .copied()
    }

    /// Objects pushed more than once, each time it was pushed again.
    pub fn duplicates(&self) -> &[ObjectId] {
        &self.duplicates
    }

    /// How many RBAC objects were read, and from where.
    pub fn read(&self) -> Read {
        self.read
    }

    /// Adds an object found in the input.
    pub fn push(&mut self, object: impl Into<Object>) {
        self.add(Origin::Input, object);
    }

    /// Adds an object read from `origin`. Evidence and input are one view of the
    /// cluster: an object of either replaces the same object read before.
    pub fn add(&mut self, origin: Origin, object: impl Into<Object>) {
        let object = object.into();
        if let Object::ServiceAccountAutomount(sa, on) = object {
            // A setting of a ServiceAccount counted when it was read, not an object.
            self.automount.insert((sa.namespace, sa.name), on);
            return;
        }
        match origin {
            Origin::Input => self.read.input += 1,
            Origin::Evidence => self.read.evidence += 1,
        }
        if matches!(object, Object::Binding(_)) {
            self.read.bindings += 1;
        }
        match object {
            Object::ServiceAccountAutomount(..) => {}
            Object::ServiceAccount(sa) => {
                // A later definition replaces the earlier one, automount setting and all.
                self.automount
                    .remove(&(sa.namespace.clone(), sa.name.clone()));
                if !self
                    .accounts
                    .insert((sa.namespace.clone(), sa.name.clone()))
                {
                    let id = ObjectId::new(ObjectKind::ServiceAccount, &sa.name, &sa.namespace);
                    self.duplicates.push(id);
                }
            }
            Object::Role(role) => self.push_role(role),
            Object::Binding(binding) => self.push_binding(binding),
        }
    }

    fn push_role(&mut self, mut role: Role) {
        let id = role.id();
        let replaced = match role.kind {
            RoleKind::Role => self
                .roles
                .insert((role.namespace.clone(), role.name.clone()), role),
            RoleKind::ClusterRole => {
                role.namespace = Namespace::Unset;
                self.cluster_roles.insert(role.name.clone(), role)
            }
        };
        if replaced.is_some() {
            self.duplicates.push(id);
        }
    }

    fn push_binding(&mut self, mut binding: Binding) {
        if binding.kind == BindingKind::ClusterRoleBinding {
            binding.namespace = Namespace::Unset;
        }
        let keys = keys(&binding);
        let key = (
            binding.kind,
            binding.namespace.clone(),
            binding.name.clone(),
        );
        let slot = match self.slots.get(&key) {
            Some(&slot) => {
                self.duplicates.push(binding.id());
                // Entries the replaced binding left in the index stay: a query checks
                // every candidate's subjects, so a stale candidate only costs a look.
                if let Some(old) = self.bindings.get_mut(slot) {
                    *old = binding;
                }
                slot
            }
            None => {
                self.bindings.push(binding);
                let slot = self.bindings.len() - 1;
                self.slots.insert(key, slot);
                slot
            }
        };
        for key in keys {
            match key {
                Key::Account(name) => add(self.by_account_name.entry(name).or_default(), slot),
                Key::Group(group) => add(self.by_group.entry(group).or_default(), slot),
                Key::NamespaceGroup(group) => {
                    add(self.by_group.entry(group).or_default(), slot);
                    add(&mut self.namespace_groups, slot);
                }
            }
        }
    }

    /// Whether `account` exists, as far as the input says.
    fn presence(&self, account: &ServiceAccount) -> Presence {
        if self
            .accounts
            .contains(&(account.namespace.clone(), account.name.clone()))
        {
            Presence::Defined
        } else if account.is_default() {
            Presence::Default
        } else {
            Presence::Undefined
        }
    }

    /// The bindings that may name `account`, in input order.
    fn candidates(&self, account: &ServiceAccount) -> Vec<usize> {
        let mut slots: Vec<usize> = Vec::new();
        let mut take = |key: &str| {
            if let Some(list) = self.by_group.get(key) {
                slots.extend(list);
            }
        };
        take(ALL_SERVICE_ACCOUNTS_GROUP);
        take(AUTHENTICATED_GROUP);
        match account.namespace.as_str() {
            Some(ns) => take(&format!("{SERVICE_ACCOUNT_GROUP_PREFIX}{ns}")),
            None => slots.extend(&self.namespace_groups),
        }
        if let Some(list) = self.by_account_name.get(&account.name) {
            slots.extend(list);
        }
        slots.sort_unstable();
        slots.dedup();
        slots
    }

    /// The role `binding` refers to, if known, what it grants, whether finding it took two
    /// unset namespaces to be the same one, and whether it is a bootstrap role known only
    /// as such.
    fn resolve<'a>(&'a self, binding: &'a Binding) -> (Option<&'a Role>, What<'a>, bool, bool) {
        let name = &binding.role_ref.name;
        let (role, unset) = match (&binding.role_ref.kind, binding.kind) {
            (RoleRefKind::ClusterRole, _) => (self.cluster_roles.get(name), false),
            (RoleRefKind::Role, BindingKind::RoleBinding) => {
                let role = self.roles.get(&(binding.namespace.clone(), name.clone()));
                (role, role.is_some() && binding.namespace.is_unset())
            }
            (RoleRefKind::Role, BindingKind::ClusterRoleBinding) => {
                return (
                    None,
                    What::Nothing(NoRights::RoleInClusterBinding),
                    false,
                    false,
                );
            }
            (RoleRefKind::Other(_), _) => {
                return (None, What::Nothing(NoRights::UnknownRoleKind), false, false);
            }
        };
        if let Some(role) = role {
            return (
                Some(role),
                what_role_grants(role, binding.scope()),
                unset,
                false,
            );
        }
        let published = match binding.role_ref.kind {
            RoleRefKind::ClusterRole => bootstrap::cluster_role(name),
            _ => None,
        };
        match published {
            Some(role) => (Some(role), judge(&role.rules, binding.scope()), false, true),
            None => (None, What::Unseen(Unseen::NotInInput), false, false),
        }
    }

    /// What the input says about the rights of `account`: which bindings apply to it as
    /// the RBAC authorizer resolves them, and what each grants.
    pub fn evidence(&self, account: &ServiceAccount) -> Evidence<'_> {
        let presence = self.presence(account);
        let mut unset_namespace = presence == Presence::Defined && account.namespace.is_unset();
        let mut grants = Vec::new();
        let mut possible = Vec::new();
        for slot in self.candidates(account) {
            let Some(binding) = self.bindings.get(slot) else {
                continue;
            };
            // The first subject that surely names the account is the one the authorizer
            // reports; failing that, the first that would if a namespace were set.
            let mut sure = None;
            let mut maybe = None;
            for subject in &binding.subjects {
                match names(binding, subject, account) {
                    Some((via, Same::Yes)) => {
                        sure = Some((subject, via, false));
                        break;
                    }
                    Some((via, Same::BothUnset)) => {
                        sure = Some((subject, via, true));
                        break;
                    }
                    Some((via, Same::Maybe)) if maybe.is_none() => maybe = Some((subject, via)),
                    _ => {}
                }
            }
            let (subject, via, by_unset, list) = match (sure, maybe) {
                (Some((subject, via, by_unset)), _) => (subject, via, by_unset, &mut grants),
                (None, Some((subject, via))) => (subject, via, false, &mut possible),
                (None, None) => continue,
            };
            let (role, what, role_by_unset, bootstrap) = self.resolve(binding);
            list.push(Grant {
                binding,
                subject,
                via,
                role,
                bootstrap,
                what,
                unset_namespace: by_unset || role_by_unset,
            });
        }
        unset_namespace |= grants.iter().any(|g| g.unset_namespace);
        Evidence {
            account: account.clone(),
            presence,
            grants,
            possible,
            unset_namespace,
            read: self.read,
        }
    }
}

impl Extend<(Origin, Object)> for Inventory {
    fn extend<I: IntoIterator<Item = (Origin, Object)>>(&mut self, objects: I) {
        for (origin, object) in objects {
            self.add(origin, object);
        }
    }
}

impl FromIterator<(Origin, Object)> for Inventory {
    fn from_iter<I: IntoIterator<Item = (Origin, Object)>>(objects: I) -> Self {
        let mut inventory = Inventory::new();
        inventory.extend(objects);
        inventory
    }
}

impl Extend<Object> for Inventory {
    fn extend<I: IntoIterator<Item = Object>>(&mut self, objects: I) {
        for object in objects {
            self.push(object);
        }
    }
}

impl FromIterator<Object> for Inventory {
    fn from_iter<I: IntoIterator<Item = Object>>(objects: I) -> Self {
        let mut inventory = Inventory::new();
        inventory.extend(objects);
        inventory
    }
}
