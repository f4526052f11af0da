//! Which requests a rule lets a token make where it is bound: the API's own facts about
//! resources (which are cluster-scoped, which verbs only admission checks) and what
//! every authenticated identity is given anyway. See the module doc of [`crate::rbac`]
//! for the sources.

use super::model::{PolicyRule, Scope};

/// The built-in cluster-scoped resources, by API group (`NamespaceScoped() == false` in
/// their registry strategies). A RoleBinding's rules on them allow nothing: the
/// authorizer checks a RoleBinding only for requests in its namespace, and requests on
/// these resources have none. `namespaces` is not here: a request about a namespace has
/// that namespace as its own, so a RoleBinding reaches its own namespace.
const CLUSTER_SCOPED: &[(&str, &[&str])] = &[
    ("", &["nodes", "persistentvolumes", "componentstatuses"]),
    (
        "admissionregistration.k8s.io",
        &[
            "mutatingwebhookconfigurations",
            "validatingwebhookconfigurations",
            "validatingadmissionpolicies",
            "validatingadmissionpolicybindings",
            "mutatingadmissionpolicies",
            "mutatingadmissionpolicybindings",
        ],
    ),
    ("apiextensions.k8s.io", &["customresourcedefinitions"]),
    ("apiregistration.k8s.io", &["apiservices"]),
    (
        "authentication.k8s.io",
        &["tokenreviews", "selfsubjectreviews"],
    ),
    (
        "authorization.k8s.io",
        &[
            "subjectaccessreviews",
            "selfsubjectaccessreviews",
            "selfsubjectrulesreviews",
        ],
    ),
    (
        "certificates.k8s.io",
        &[
            "certificatesigningrequests",
            "clustertrustbundles",
            "signers",
        ],
    ),
    ("extensions", &["podsecuritypolicies"]),
    (
        "flowcontrol.apiserver.k8s.io",
        &["flowschemas", "prioritylevelconfigurations"],
    ),
    ("internal.apiserver.k8s.io", &["storageversions"]),
    (
        "networking.k8s.io",
        &["ingressclasses", "ipaddresses", "servicecidrs"],
    ),
    ("node.k8s.io", &["runtimeclasses"]),
    ("policy", &["podsecuritypolicies"]),
    (
        "rbac.authorization.k8s.io",
        &["clusterroles", "clusterrolebindings"],
    ),
    ("resource.k8s.io", &["deviceclasses", "resourceslices"]),
    ("scheduling.k8s.io", &["priorityclasses"]),
    (
        "security.openshift.io",
        &["securitycontextconstraints", "rangeallocations"],
    ),
    (
        "storage.k8s.io",
        &[
            "storageclasses",
            "csidrivers",
            "csinodes",
            "volumeattachments",
            "volumeattributesclasses",
        ],
    ),
    ("storagemigration.k8s.io", &["storageversionmigrations"]),
];

/// Resources whose only use of the `use` verb is an admission plugin's check of the
/// Pod's ServiceAccount (PodSecurityPolicy, OpenShift's SecurityContextConstraints):
/// admission asks the authorizer about the ServiceAccount's name, the token is never
/// sent, so `use` on them is no reason to hold one.
const ADMISSION_USE: &[&str] = &["podsecuritypolicies", "securitycontextconstraints"];

/// What `system:basic-user` gives every authenticated identity: self-review.
/// (`create` is their only verb.)
const EVERYONE_RESOURCES: &[(&str, &str)] = &[
    ("authorization.k8s.io", "selfsubjectaccessreviews"),
    ("authorization.k8s.io", "selfsubjectrulesreviews"),
    ("authentication.k8s.io", "selfsubjectreviews"),
];

/// What `system:discovery` and `system:public-info-viewer` give every authenticated
/// identity: `get` on these URLs (a trailing `*` matches any rest, as in the
/// authorizer's `NonResourceURLMatches`).
const EVERYONE_URLS: &[&str] = &[
    "/api",
    "/api/*",
    "/apis",
    "/apis/*",
    "/healthz",
    "/livez",
    "/openapi",
    "/openapi/*",
    "/readyz",
    "/version",
    "/version/",
];

/// Why a rule that names requests lets the token make none of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Idle {
    /// It allows nothing at all: no verb, or neither an API group and a resource nor a
    /// non-resource URL.
    Empty,
    /// It allows only what every authenticated identity has anyway.
    Everyone,
    /// It allows only admission-time `use` of PodSecurityPolicies or
    /// SecurityContextConstraints.
    AdmissionOnly,
    /// Where it is bound (a RoleBinding), it names only cluster-scoped resources or
    /// non-resource URLs, which no request in a namespace reaches.
    ClusterScoped,
}

/// Whether `resource` (possibly `resource/subresource`) of `group` is a built-in
/// cluster-scoped resource. `*` and unknown resources (custom resources) may be
/// namespaced, which keeps a token: the safe side.
pub fn is_cluster_scoped(group: &str, resource: &str) -> bool {
    let base = resource.split('/').next().unwrap_or(resource);
    CLUSTER_SCOPED
        .iter()
        .any(|(g, resources)| *g == group && resources.contains(&base))
}

fn url_matches(pattern: &str, url: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => url.starts_with(prefix),
        None => pattern == url,
    }
}

/// Whether `get` on `url` (as a rule writes it, possibly ending in `*`) is given to
/// everyone: the rule's URL must be covered by one of theirs.
fn everyone_url(url: &str) -> bool {
    EVERYONE_URLS.iter().any(|pattern| {
        if url.ends_with('*') {
            // `/apis/*` is covered by `/apis/*`, `/apis/apps/*` too; `/*` is not.
            pattern.ends_with('*') && url_matches(pattern, url.trim_end_matches('*'))
        } else {
            url_matches(pattern, url)
        }
    })
}

/// Whether a request on `resource` of `group` with one of `verbs` is one the token can
/// be used for in `scope`, and if not, why. `other_than(v)` says whether `verbs` holds a
/// verb other than `v` (computed once per rule, so that this is linear in the rule).
fn resource_use(
    other_than: impl Fn(&str) -> bool,
    group: &str,
    resource: &str,
    scope: Scope<'_>,
) -> Result<(), Idle> {
    let base = resource.split('/').next().unwrap_or(resource);
    if matches!(scope, Scope::Namespace(_)) && is_cluster_scoped(group, resource) {
        return Err(Idle::ClusterScoped);
    }
    if ADMISSION_USE.contains(&base) && !other_than("use") {
        return Err(Idle::AdmissionOnly);
    }
    if EVERYONE_RESOURCES
        .iter()
        .any(|(g, r)| *g == group && *r == resource)
        && !other_than("create")
    {
        return Err(Idle::Everyone);
    }
    Ok(())
}

impl PolicyRule {
    /// Whether some request the token can make in `scope` is allowed by this rule
    /// (`Ok`), or why none is. Wildcards (`*`) and unknown resources count as usable.
    pub fn usable(&self, scope: Scope<'_>) -> Result<(), Idle> {
        if !self.can_allow(scope) {
            return Err(
                if self.verbs.is_empty()
                    || (self.api_groups.is_empty() || self.resources.is_empty())
                        && self.non_resource_urls.is_empty()
                {
                    Idle::Empty
                } else {
                    Idle::ClusterScoped
                },
            );
        }
        // The most telling reason a part is idle; any usable part makes the rule usable.
        let mut idle = Idle::Empty;
        if !self.api_groups.is_empty() && !self.resources.is_empty() {
            let besides_use = self.verbs.iter().any(|v| v != "use");
            let besides_create = self.verbs.iter().any(|v| v != "create");
            let other_than = |verb: &str| match verb {
                "use" => besides_use,
                _ => besides_create,
            };
            for group in &self.api_groups {
                for resource in &self.resources {
                    match resource_use(other_than, group, resource, scope) {
                        Ok(()) => return Ok(()),
                        Err(why) => idle = idle.max(why),
                    }
                }
            }
        }
        if scope == Scope::Cluster {
            let besides_get = self.verbs.iter().any(|v| v != "get");
            for url in &self.non_resource_urls {
                if besides_get || !everyone_url(url) {
                    return Ok(());
                }
                idle = idle.max(Idle::Everyone);
            }
        } else if !self.non_resource_urls.is_empty() {
            idle = idle.max(Idle::ClusterScoped);
        }
        Err(idle)
    }
}
