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
//!   `nonResourceURLs`. Kept rules are shown as written (`resourceNames` included).
//! - **Rights the token cannot use** are no grant ([`Idle`]):
//!   - *Cluster-scoped resources under a RoleBinding.* `VisitRulesFor` visits RoleBindings
//!     only for a request with a namespace, and a request on a cluster-scoped resource
//!     has none (`NamespaceScoped()` returns false in the resource's
//!     `pkg/registry/<group>/<resource>/strategy.go`; the list is in `resources.rs`).
//!     `namespaces` is the exception: `staging/src/k8s.io/apiserver/pkg/endpoints/request/requestinfo.go`
//!     gives a request about a namespace that namespace, so a RoleBinding reaches its
//!     own. `*` and resources not in the list (custom resources) may be namespaced and
//!     count, the safe side.
//!   - *Admission-time `use`.* `use` of a PodSecurityPolicy
//!     (`plugin/pkg/admission/security/podsecuritypolicy/admission.go`, up to 1.24) or an
//!     OpenShift SecurityContextConstraints (openshift/apiserver-library-go,
//!     `pkg/securitycontextconstraints/sccadmission`) is asked of the authorizer by
//!     admission, for the Pod's ServiceAccount by name: the token is never sent.
//!   - *What every authenticated identity has.* `plugin/pkg/auth/authorizer/rbac/bootstrappolicy/policy.go`
//!     (`ClusterRoleBindings`) binds `system:basic-user` (self-review),
//!     `system:discovery` and `system:public-info-viewer` (`get` on `/api`, `/apis`,
//!     `/healthz`, `/version`...) to `system:authenticated` in every cluster; a rule
//!     that allows no more than those (URLs matched as `NonResourceURLMatches` does)
//!     adds nothing a token is needed for.
//! - **Bootstrap roles.** The ClusterRoles the API server creates at start
//!   (`plugin/pkg/auth/authorizer/rbac/bootstrappolicy/testdata/cluster-roles.yaml`,
//!   trimmed into `bootstrap/cluster-roles.txt`, Apache 2.0, see `bootstrap/NOTICE`) are
//!   known: a binding to one the input and the evidence do not define is judged by its
//!   published rules. One they define is reconciled by the API server
//!   (`pkg/registry/rbac/rest/storage_rbac.go`, `pkg/registry/rbac/reconciliation`,
//!   which adds missing rules to roles marked `autoupdate`): it grants its own rules and
//!   the published ones. `admin`, `edit` and `view` aggregate; they hold the rules of
//!   the bootstrap roles they select, which is at least what they grant anywhere.
//! - **What the input cannot show.** A role neither in the input, the evidence nor the
//!   bootstrap roles; an aggregated ClusterRole of the input, whose rules the cluster's
//!   aggregation controller writes from other ClusterRoles; and a `system:` role (or
//!   `kube-system`'s `extension-apiserver-authentication-reader`) that is not a bootstrap
//!   ClusterRole known here (controller roles, namespaced ones), which the API server may
//!   also reconcile. Each counts as granting something.
//! - **What is left out.** Authorizers other than RBAC (Node, webhooks), and tokens used
//!   outside Kubernetes' API (Vault's Kubernetes auth), which the caller looks for.
//!
//! # Evidence
//!
//! Objects are read from the input ([`Origin::Input`]) or as evidence only
//! ([`Origin::Evidence`]: `local-config` objects, `--evidence` files); both describe the
//! same cluster and count alike, and [`Read`] says how many of each an answer rests on.
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
//! ServiceAccount defined nowhere; else [`Verdict::Nothing`] only on complete, positive
//! evidence; else [`Verdict::Incomplete`], naming each [`Gap`]: the ServiceAccount is
//! defined nowhere and is not `default` (someone else creates it and may bind it); a
//! binding would grant it rights once namespaces are set; its own namespace is unset;
//! or no RoleBinding or ClusterRoleBinding was read at all (an input without RBAC says
//! nothing about RBAC). Duplicated objects: the later replaces the earlier, as applying
//! the stream in order would ([`Inventory::duplicates`]).

mod bootstrap;
mod inventory;
mod model;
mod resources;

#[cfg(test)]
mod tests;

pub use inventory::{
    Evidence, Gap, Grant, Inventory, NoRights, Origin, Presence, Read, Unseen, Verdict, Via, What,
};
pub use model::{
    ALL_SERVICE_ACCOUNTS_GROUP, AUTHENTICATED_GROUP, Binding, BindingKind, DEFAULT_SERVICE_ACCOUNT,
    Namespace, Object, ObjectId, ObjectKind, PolicyRule, Role, RoleKind, RoleRef, RoleRefKind,
    SERVICE_ACCOUNT_GROUP_PREFIX, SERVICE_ACCOUNT_USER_PREFIX, Scope, ServiceAccount, Subject,
    SubjectKind,
};
pub use resources::{Idle, is_cluster_scoped};
