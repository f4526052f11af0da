//! Who can use a token: a pure model of the RBAC objects in the input
//! (`docs/design.md`, "Who needs the API").
//!
//! A reader fills an [`Inventory`] with the ServiceAccounts, Roles, ClusterRoles,
//! RoleBindings and ClusterRoleBindings it finds; [`Inventory::evidence`] then says, for the
//! ServiceAccount a Pod template runs as ([`ServiceAccount::of_pod_spec`]), which bindings
//! apply to it and what each grants, and a [`Verdict`]. No YAML, no I/O.
//!
//! # The rules, and why
//!
//! The model answers the question the API server's RBAC authorizer answers for a request
//! made with the Pod's token, taken from Kubernetes' source rather than its docs
//! (paths in kubernetes/kubernetes):
//!
//! - **Who the token is.** `staging/src/k8s.io/apiserver/pkg/authentication/serviceaccount/util.go`:
//!   user `system:serviceaccount:<ns>:<name>` (`MakeUsername`), groups
//!   `system:serviceaccounts` and `system:serviceaccounts:<ns>` (`MakeGroupNames`);
//!   `staging/src/k8s.io/apiserver/pkg/authentication/group/authenticated_group_adder.go` adds
//!   `system:authenticated` to every authenticated user. A binding naming any of these
//!   applies, so all of them are looked for.
//! - **Which ServiceAccount.** `serviceAccountName`, else `serviceAccount` when the former
//!   is empty (`pkg/apis/core/v1/conversion.go`), else `default`
//!   (`plugin/pkg/admission/serviceaccount/admission.go`), in the Pod's namespace.
//! - **Which bindings apply.** `pkg/registry/rbac/validation/rule.go` (`VisitRulesFor`,
//!   `appliesTo`, `appliesToUser`): every ClusterRoleBinding, and the RoleBindings of the
//!   request's namespace; a binding applies when one of its subjects does, and the first
//!   that does is the one reported (so [`Grant::subject`] is the first). Subject kinds
//!   are compared exactly (`ServiceAccount`, `User`, `Group`; anything else matches no
//!   one), and a `ServiceAccount` subject's name and namespace must both match. Since the
//!   question here is "anything, anywhere", every RoleBinding counts, granting rights in
//!   its own namespace only, whichever namespace the ServiceAccount is in.
//! - **A ServiceAccount subject without a namespace.** The authorizer fills it with the
//!   namespace it is checking, which for a RoleBinding is the binding's own; for a
//!   ClusterRoleBinding it is empty and the subject matches no one. Nothing fills it
//!   earlier: `pkg/apis/rbac/v1/defaults.go` (`SetDefaults_Subject`) defaults only
//!   `apiGroup`, and `pkg/apis/rbac/validation/validation.go` (`validateRoleBindingSubject`)
//!   accepts the empty namespace in a RoleBinding but rejects it in a ClusterRoleBinding.
//!   So the object is stored without it and the authorizer resolves it on every request;
//!   the model does the same: the binding's namespace for a RoleBinding, unset for a
//!   ClusterRoleBinding, the latter then matching only a ServiceAccount without a
//!   namespace (see below), because kustomize's namespace transformer can fill subjects'
//!   namespaces before the API server sees them.
//! - **`apiGroup` of a subject.** The authorizer never reads it. The API server rejects a
//!   `ServiceAccount` subject with one and a `User`/`Group` with one other than
//!   `rbac.authorization.k8s.io` (after defaulting it); such a binding would never exist,
//!   but the model follows the authorizer and matches it: counting a grant that may not
//!   exist keeps a token, the safe mistake.
//! - **What a binding grants.** `GetRoleReferenceRules`: a `Role` reference is the Role of
//!   the binding's namespace; a `ClusterRole` reference is the ClusterRole of that name,
//!   whose rules a RoleBinding grants in its namespace only. A ClusterRoleBinding to a
//!   `Role` is rejected by validation and would resolve to no Role anyway: it grants
//!   nothing ([`NoRights::RoleInClusterBinding`]). `roleRef.apiGroup` is ignored, as the
//!   authorizer does.
//! - **Which rules count.** `plugin/pkg/auth/authorizer/rbac/rbac.go` (`RuleAllows`) and
//!   `pkg/apis/rbac/v1/evaluation_helpers.go`: a rule allows nothing without a verb, nor
//!   without both an API group and a resource unless it has non-resource URLs; and a
//!   non-resource request has no namespace, so only ClusterRoleBindings reach
//!   `nonResourceURLs`. A role with no rule that can allow anything where it is bound
//!   grants nothing; kept rules are shown as written (`resourceNames` included).
//! - **What the input cannot show.** A role that is not in the input; an aggregated
//!   ClusterRole, whose rules the cluster's aggregation controller writes from other
//!   ClusterRoles; and a role the API server creates at start and keeps adding its own
//!   rules to (`pkg/registry/rbac/rest/storage_rbac.go` reconciling
//!   `plugin/pkg/auth/authorizer/rbac/bootstrappolicy`): any `system:` role,
//!   `cluster-admin`, `admin`, `edit`, `view`, and `kube-system`'s
//!   `extension-apiserver-authentication-reader`. Each counts as granting something.
//! - **What is left out.** The cluster's own bootstrap bindings give every
//!   `system:authenticated` user discovery and self-review (`system:basic-user`,
//!   `system:discovery`, `system:public-info-viewer`); that is no reason to hold a token,
//!   and they are not in the input. Authorizers other than RBAC (Node, webhooks) are out
//!   of scope.
//!
//! # Unset namespaces
//!
//! Manifests often leave `metadata.namespace` for kustomize, `kubectl apply -n` or Helm to
//! set. Two unset namespaces are taken to be the same one, and the evidence says so
//! ([`Evidence::unset_namespace`]). An unset namespace against a set one is neither a match
//! nor a mismatch: such bindings are reported apart ([`Evidence::possible`]) and, when
//! nothing surely grants anything, make the verdict [`Verdict::Incomplete`], since a
//! base whose ClusterRoleBinding names `monitoring/app` while its Deployment has no
//! namespace yet is the usual case, not an error. A Role is looked up in exactly its
//! binding's namespace; when not found it is "not in the input", which counts as granting.
//!
//! # The verdict
//!
//! [`Verdict::Granted`] as soon as one binding grants rules or unseen rights, even to a
//! ServiceAccount defined nowhere in the input; else [`Verdict::Incomplete`] if the
//! ServiceAccount is defined nowhere in the input and is not `default` (someone else
//! creates it and may bind it), or if a binding would grant it rights once namespaces are
//! set; else [`Verdict::Nothing`]. Duplicated objects: the later replaces the earlier, as
//! applying the stream in order would ([`Inventory::duplicates`]).

mod inventory;
mod model;
mod text;

#[cfg(test)]
mod tests;

pub use inventory::{
    Evidence, Gap, Grant, Inventory, NoRights, Presence, Unseen, Verdict, Via, What,
};
pub use model::{
    ALL_SERVICE_ACCOUNTS_GROUP, AUTHENTICATED_GROUP, Binding, BindingKind, DEFAULT_SERVICE_ACCOUNT,
    Namespace, Object, ObjectId, ObjectKind, PolicyRule, Role, RoleKind, RoleRef, RoleRefKind,
    SERVICE_ACCOUNT_GROUP_PREFIX, SERVICE_ACCOUNT_USER_PREFIX, Scope, ServiceAccount, Subject,
    SubjectKind,
};
pub use text::{LIST_ITEMS, RULES, UNSET_NAMESPACE_NOTE};
