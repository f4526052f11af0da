//! The authorizer's rules on plain values, one behaviour per test.

use super::*;

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

fn rule(verbs: &[&str], groups: &[&str], resources: &[&str]) -> PolicyRule {
    PolicyRule {
        verbs: strings(verbs),
        api_groups: strings(groups),
        resources: strings(resources),
        ..PolicyRule::default()
    }
}

fn url_rule(verbs: &[&str], urls: &[&str]) -> PolicyRule {
    PolicyRule {
        verbs: strings(verbs),
        non_resource_urls: strings(urls),
        ..PolicyRule::default()
    }
}

fn pods() -> PolicyRule {
    rule(&["get", "list", "watch"], &[""], &["pods", "endpoints"])
}

fn role(name: &str, ns: &str, rules: Vec<PolicyRule>) -> Role {
    Role {
        kind: RoleKind::Role,
        name: name.to_owned(),
        namespace: ns.into(),
        rules,
        aggregated: false,
    }
}

fn cluster_role(name: &str, rules: Vec<PolicyRule>) -> Role {
    Role {
        kind: RoleKind::ClusterRole,
        ..role(name, "", rules)
    }
}

fn subject(kind: &str, name: &str, ns: &str) -> Subject {
    let api_group = match kind {
        "User" | "Group" => "rbac.authorization.k8s.io",
        _ => "",
    };
    Subject {
        kind: kind.into(),
        name: name.to_owned(),
        namespace: ns.into(),
        api_group: api_group.to_owned(),
    }
}

fn sa(name: &str, ns: &str) -> Subject {
    subject("ServiceAccount", name, ns)
}

fn role_binding(
    name: &str,
    ns: &str,
    role_kind: &str,
    role: &str,
    subjects: Vec<Subject>,
) -> Binding {
    Binding {
        kind: BindingKind::RoleBinding,
        name: name.to_owned(),
        namespace: ns.into(),
        role_ref: RoleRef {
            kind: role_kind.into(),
            name: role.to_owned(),
        },
        subjects,
    }
}

fn cluster_binding(name: &str, role_kind: &str, role: &str, subjects: Vec<Subject>) -> Binding {
    Binding {
        kind: BindingKind::ClusterRoleBinding,
        ..role_binding(name, "", role_kind, role, subjects)
    }
}

fn inventory(objects: Vec<Object>) -> Inventory {
    objects.into_iter().collect()
}

fn app() -> ServiceAccount {
    ServiceAccount::new("app", "ns")
}

/// The names of the bindings that surely apply.
fn names<'a>(evidence: &Evidence<'a>) -> Vec<&'a str> {
    evidence
        .grants
        .iter()
        .map(|g| g.binding.name.as_str())
        .collect()
}

fn rules_of<'a>(grant: &'a Grant<'_>) -> Vec<&'a PolicyRule> {
    match &grant.what {
        What::Rules(rules) => rules.clone(),
        other => panic!("expected rules, got {other:?}"),
    }
}

#[test]
fn rbac_role_binding_to_role_grants_its_rules_in_its_namespace() {
    let inv = inventory(vec![
        app().into(),
        role("reader", "ns", vec![pods()]).into(),
        role_binding("rb", "ns", "Role", "reader", vec![sa("app", "ns")]).into(),
    ]);
    let ev = inv.evidence(&app());
    assert_eq!(names(&ev), ["rb"]);
    let grant = &ev.grants[0];
    assert_eq!(grant.via, Via::ServiceAccount);
    assert_eq!(grant.scope(), Scope::Namespace(&"ns".into()));
    assert_eq!(rules_of(grant), [&pods()]);
    assert_eq!(grant.role.map(|r| r.name.as_str()), Some("reader"));
    assert_eq!(ev.presence, Presence::Defined);
    assert_eq!(ev.verdict(), Verdict::Granted);
    assert!(!ev.unset_namespace);
    assert!(ev.gaps().is_empty());
}

#[test]
fn rbac_role_binding_to_role_needs_the_role_in_its_own_namespace() {
    // A Role of the same name in another namespace is not the one referred to: the role
    // is not in the input, which counts as granting something unseen.
    let inv = inventory(vec![
        app().into(),
        role("reader", "other", vec![]).into(),
        role_binding("rb", "ns", "Role", "reader", vec![sa("app", "ns")]).into(),
    ]);
    let ev = inv.evidence(&app());
    assert_eq!(ev.grants[0].what, What::Unseen(Unseen::NotInInput));
    assert!(ev.grants[0].role.is_none());
    assert_eq!(ev.verdict(), Verdict::Granted);
}

#[test]
fn rbac_role_binding_to_cluster_role_grants_its_resource_rules_in_the_binding_namespace() {
    let inv = inventory(vec![
        app().into(),
        cluster_role("cr", vec![pods(), url_rule(&["get"], &["/healthz"])]).into(),
        role_binding("rb", "ns", "ClusterRole", "cr", vec![sa("app", "ns")]).into(),
    ]);
    let ev = inv.evidence(&app());
    // nonResourceURLs are unreachable through a RoleBinding.
    assert_eq!(rules_of(&ev.grants[0]), [&pods()]);
    assert_eq!(ev.grants[0].scope(), Scope::Namespace(&"ns".into()));
}

#[test]
fn rbac_non_resource_urls_only_count_cluster_wide() {
    let healthz = url_rule(&["get"], &["/metrics"]);
    let inv = inventory(vec![
        app().into(),
        cluster_role("probe", vec![healthz.clone()]).into(),
        role_binding("rb", "ns", "ClusterRole", "probe", vec![sa("app", "ns")]).into(),
        cluster_binding("crb", "ClusterRole", "probe", vec![sa("app", "ns")]).into(),
    ]);
    let ev = inv.evidence(&app());
    assert_eq!(names(&ev), ["rb", "crb"]);
    assert_eq!(ev.grants[0].what, What::Nothing(NoRights::ClusterWideOnly));
    assert_eq!(ev.grants[1].scope(), Scope::Cluster);
    assert_eq!(rules_of(&ev.grants[1]), [&healthz]);
    assert_eq!(ev.useful().count(), 1);
}

#[test]
fn rbac_role_binding_in_another_namespace_grants_there() {
    let inv = inventory(vec![
        app().into(),
        role("leases", "kube-system", vec![pods()]).into(),
        role_binding("rb", "kube-system", "Role", "leases", vec![sa("app", "ns")]).into(),
    ]);
    let ev = inv.evidence(&app());
    assert_eq!(names(&ev), ["rb"]);
    assert_eq!(
        ev.grants[0].scope(),
        Scope::Namespace(&"kube-system".into())
    );
    // The same name in a third namespace is another ServiceAccount.
    assert!(
        inv.evidence(&ServiceAccount::new("app", "third"))
            .grants
            .is_empty()
    );
}

#[test]
fn rbac_service_account_subject_without_namespace_is_in_the_role_binding_namespace() {
    let inv = inventory(vec![
        role("reader", "ns", vec![pods()]).into(),
        role_binding("rb", "ns", "Role", "reader", vec![sa("app", "")]).into(),
    ]);
    assert_eq!(names(&inv.evidence(&app())), ["rb"]);
    let elsewhere = inv.evidence(&ServiceAccount::new("app", "other"));
    assert!(elsewhere.grants.is_empty());
    assert!(elsewhere.possible.is_empty());
}

#[test]
fn rbac_cluster_role_binding_by_service_account_subject() {
    let inv = inventory(vec![
        cluster_role("cr", vec![pods()]).into(),
        cluster_binding("crb", "ClusterRole", "cr", vec![sa("app", "ns")]).into(),
    ]);
    let ev = inv.evidence(&app());
    assert_eq!(names(&ev), ["crb"]);
    assert_eq!(ev.grants[0].via, Via::ServiceAccount);
    assert_eq!(ev.grants[0].scope(), Scope::Cluster);
    assert!(
        inv.evidence(&ServiceAccount::new("other", "ns"))
            .grants
            .is_empty()
    );
}

#[test]
fn rbac_cluster_role_binding_by_user_name() {
    let inv = inventory(vec![
        cluster_role("cr", vec![pods()]).into(),
        cluster_binding(
            "crb",
            "ClusterRole",
            "cr",
            vec![subject("User", "system:serviceaccount:ns:app", "")],
        )
        .into(),
    ]);
    let ev = inv.evidence(&app());
    assert_eq!(names(&ev), ["crb"]);
    assert_eq!(ev.grants[0].via, Via::UserName);
    for other in [
        ServiceAccount::new("app", "other"),
        ServiceAccount::new("ap", "ns"),
    ] {
        assert!(inv.evidence(&other).grants.is_empty(), "{other}");
    }
}

#[test]
fn rbac_cluster_role_binding_by_each_group_of_the_token() {
    for (group, via) in [
        ("system:serviceaccounts", Via::AllServiceAccounts),
        ("system:serviceaccounts:ns", Via::NamespaceServiceAccounts),
        ("system:authenticated", Via::Authenticated),
    ] {
        let inv = inventory(vec![
            cluster_role("cr", vec![pods()]).into(),
            cluster_binding(
                "crb",
                "ClusterRole",
                "cr",
                vec![subject("Group", group, "")],
            )
            .into(),
        ]);
        let ev = inv.evidence(&app());
        assert_eq!(names(&ev), ["crb"], "{group}");
        assert_eq!(ev.grants[0].via, via, "{group}");
        assert!(app().groups().contains(&group.to_owned()));
    }
}

#[test]
fn rbac_groups_and_users_of_other_namespaces_do_not_apply() {
    let inv = inventory(vec![
        cluster_role("cr", vec![pods()]).into(),
        cluster_binding(
            "crb",
            "ClusterRole",
            "cr",
            vec![
                subject("Group", "system:serviceaccounts:other", ""),
                subject("User", "system:serviceaccount:other:app", ""),
                // Right namespace, wrong name: the binding is looked at (it names `app`
                // below), so only the name check keeps this out.
                subject("User", "system:serviceaccount:ns:other-app", ""),
                subject("User", "system:serviceaccount:ns", ""),
                subject("Group", "system:serviceaccounts:", ""),
                subject("Group", "system:unauthenticated", ""),
                subject("Group", "system:nodes", ""),
                subject("User", "app", ""),
                sa("app", "other"),
            ],
        )
        .into(),
    ]);
    let ev = inv.evidence(&app());
    assert!(ev.grants.is_empty());
    assert!(ev.possible.is_empty());
}

#[test]
fn rbac_roles_not_in_the_input_are_unseen() {
    // Neither in the input nor among the bootstrap roles (controller roles are not).
    for (kind, name) in [
        ("ClusterRole", "my-operator"),
        ("ClusterRole", "system:controller:job-controller"),
        ("Role", "view"),
        ("Role", "extension-apiserver-authentication-reader"),
    ] {
        let inv = inventory(vec![
            app().into(),
            role_binding("rb", "ns", kind, name, vec![sa("app", "ns")]).into(),
        ]);
        let ev = inv.evidence(&app());
        assert_eq!(
            ev.grants[0].what,
            What::Unseen(Unseen::NotInInput),
            "{name}"
        );
        assert_eq!(ev.verdict(), Verdict::Granted, "{name}");
    }
}

#[test]
fn rbac_aggregated_cluster_role_is_unseen_whatever_its_rules() {
    let aggregated = Role {
        aggregated: true,
        ..cluster_role("monitoring", vec![])
    };
    let inv = inventory(vec![
        app().into(),
        aggregated.into(),
        cluster_binding("crb", "ClusterRole", "monitoring", vec![sa("app", "ns")]).into(),
    ]);
    let ev = inv.evidence(&app());
    assert_eq!(ev.grants[0].what, What::Unseen(Unseen::Aggregated));
    assert_eq!(ev.verdict(), Verdict::Granted);
}

#[test]
fn rbac_built_in_roles_in_the_input_are_unseen() {
    for name in ["system:metrics-server", "system:controller:job-controller"] {
        let inv = inventory(vec![
            app().into(),
            cluster_role(name, vec![]).into(),
            cluster_binding("crb", "ClusterRole", name, vec![sa("app", "ns")]).into(),
        ]);
        let ev = inv.evidence(&app());
        assert_eq!(ev.grants[0].what, What::Unseen(Unseen::Reserved), "{name}");
    }
    // The names are reserved as built-in ClusterRoles only; a Role may be called `view`.
    let inv = inventory(vec![
        app().into(),
        role("view", "ns", vec![]).into(),
        role_binding("rb", "ns", "Role", "view", vec![sa("app", "ns")]).into(),
    ]);
    assert_eq!(
        inv.evidence(&app()).grants[0].what,
        What::Nothing(NoRights::NoRules)
    );
}

#[test]
fn rbac_role_without_rules_grants_nothing() {
    let verbless = rule(&[], &[""], &["pods"]);
    let groupless = rule(&["get"], &[], &["pods"]);
    for rules in [vec![], vec![verbless.clone()], vec![groupless.clone()]] {
        let inv = inventory(vec![
            app().into(),
            role("empty", "ns", rules.clone()).into(),
            role_binding("rb", "ns", "Role", "empty", vec![sa("app", "ns")]).into(),
        ]);
        let ev = inv.evidence(&app());
        assert_eq!(names(&ev), ["rb"]);
        assert_eq!(
            ev.grants[0].what,
            What::Nothing(NoRights::NoRules),
            "{rules:?}"
        );
        assert!(!ev.grants[0].is_useful());
        assert_eq!(ev.verdict(), Verdict::Nothing);
    }
}

#[test]
fn rbac_cluster_role_binding_to_a_role_grants_nothing() {
    let inv = inventory(vec![
        app().into(),
        role("reader", "ns", vec![pods()]).into(),
        cluster_binding("crb", "Role", "reader", vec![sa("app", "ns")]).into(),
        role_binding("odd", "ns", "Secret", "reader", vec![sa("app", "ns")]).into(),
    ]);
    let ev = inv.evidence(&app());
    assert_eq!(
        ev.grants[0].what,
        What::Nothing(NoRights::RoleInClusterBinding)
    );
    assert_eq!(ev.grants[1].what, What::Nothing(NoRights::UnknownRoleKind));
    assert_eq!(ev.verdict(), Verdict::Nothing);
}

#[test]
fn rbac_unset_namespaces_match_each_other_and_say_so() {
    let bare = ServiceAccount::new("app", Namespace::Unset);
    let inv = inventory(vec![
        bare.clone().into(),
        role("reader", "", vec![pods()]).into(),
        role_binding("rb", "", "Role", "reader", vec![sa("app", "")]).into(),
    ]);
    let ev = inv.evidence(&bare);
    assert_eq!(names(&ev), ["rb"]);
    assert_eq!(rules_of(&ev.grants[0]), [&pods()]);
    assert!(ev.grants[0].unset_namespace);
    assert!(ev.unset_namespace);
    assert_eq!(ev.presence, Presence::Defined);
    assert_eq!(ev.verdict(), Verdict::Granted);
}

#[test]
fn rbac_unset_service_account_alone_is_flagged_even_with_nothing_granted() {
    let bare = ServiceAccount::new("app", Namespace::Unset);
    let inv = inventory(vec![bare.clone().into()]);
    let ev = inv.evidence(&bare);
    assert_eq!(ev.presence, Presence::Defined);
    assert!(ev.unset_namespace);
    // Nothing grants it anything, but that is no proof: no binding was read, and its
    // namespace is unknown.
    assert_eq!(ev.gaps(), [Gap::NoNamespace, Gap::NoBindings]);
    assert_eq!(ev.verdict(), Verdict::Incomplete);
    assert!(ev.nothing_found());
    // Defined in a namespace, asked about without one: not the same object for sure.
    let inv = inventory(vec![app().into()]);
    assert_eq!(inv.evidence(&bare).presence, Presence::Undefined);
}

#[test]
fn rbac_unset_against_set_namespace_is_possible_not_granted() {
    // The usual kustomize base: the Deployment and its ServiceAccount have no namespace
    // yet, the ClusterRoleBinding must name one.
    let bare = ServiceAccount::new("app", Namespace::Unset);
    let inv = inventory(vec![
        bare.clone().into(),
        cluster_role("cr", vec![pods()]).into(),
        cluster_binding("by-sa", "ClusterRole", "cr", vec![sa("app", "monitoring")]).into(),
        cluster_binding(
            "by-user",
            "ClusterRole",
            "cr",
            vec![subject("User", "system:serviceaccount:monitoring:app", "")],
        )
        .into(),
        cluster_binding(
            "by-group",
            "ClusterRole",
            "cr",
            vec![subject("Group", "system:serviceaccounts:monitoring", "")],
        )
        .into(),
    ]);
    let ev = inv.evidence(&bare);
    assert!(ev.grants.is_empty());
    let possible: Vec<(&str, Via)> = ev
        .possible
        .iter()
        .map(|g| (g.binding.name.as_str(), g.via))
        .collect();
    assert_eq!(
        possible,
        [
            ("by-sa", Via::ServiceAccount),
            ("by-user", Via::UserName),
            ("by-group", Via::NamespaceServiceAccounts),
        ]
    );
    assert_eq!(ev.gaps(), [Gap::UnsetNamespace, Gap::NoNamespace]);
    assert_eq!(ev.verdict(), Verdict::Incomplete);
}

#[test]
fn rbac_binding_without_namespace_is_possible_for_a_set_service_account() {
    let inv = inventory(vec![
        app().into(),
        role("reader", "", vec![pods()]).into(),
        role_binding("rb", "", "Role", "reader", vec![sa("app", "")]).into(),
    ]);
    let ev = inv.evidence(&app());
    assert!(ev.grants.is_empty());
    assert_eq!(ev.possible.len(), 1);
    // Its role was found by the unset namespace of the binding.
    assert!(ev.possible[0].unset_namespace);
    assert_eq!(ev.verdict(), Verdict::Incomplete);
    // A possible binding that grants nothing leaves nothing to wonder about.
    let inv = inventory(vec![
        app().into(),
        role("reader", "", vec![]).into(),
        role_binding("rb", "", "Role", "reader", vec![sa("app", "")]).into(),
    ]);
    let ev = inv.evidence(&app());
    assert_eq!(ev.possible.len(), 1);
    assert_eq!(ev.verdict(), Verdict::Nothing);
}

#[test]
fn rbac_cluster_role_binding_subject_without_namespace_only_matches_unset() {
    let bare = ServiceAccount::new("app", Namespace::Unset);
    let inv = inventory(vec![
        cluster_role("cr", vec![pods()]).into(),
        cluster_binding("crb", "ClusterRole", "cr", vec![sa("app", "")]).into(),
    ]);
    let ev = inv.evidence(&bare);
    assert_eq!(names(&ev), ["crb"]);
    assert!(ev.unset_namespace);
    let ev = inv.evidence(&app());
    assert!(ev.grants.is_empty());
    assert_eq!(ev.possible.len(), 1);
}

#[test]
fn rbac_a_sure_subject_wins_over_a_possible_one() {
    let inv = inventory(vec![
        app().into(),
        cluster_role("cr", vec![pods()]).into(),
        cluster_binding(
            "crb",
            "ClusterRole",
            "cr",
            vec![
                sa("app", ""),
                subject("Group", "system:serviceaccounts:ns", ""),
            ],
        )
        .into(),
    ]);
    let ev = inv.evidence(&app());
    assert_eq!(names(&ev), ["crb"]);
    assert_eq!(ev.grants[0].via, Via::NamespaceServiceAccounts);
    assert!(!ev.grants[0].unset_namespace);
    assert!(ev.possible.is_empty());
}

#[test]
fn rbac_default_is_present_in_every_namespace() {
    let idle = cluster_binding("crb", "ClusterRole", "cr", vec![sa("other", "ns")]);
    let inv = inventory(vec![idle.into()]);
    let ev = inv.evidence(&ServiceAccount::of_pod_spec(None, None, "anywhere"));
    assert_eq!(ev.account.name, "default");
    assert_eq!(ev.presence, Presence::Default);
    assert!(ev.gaps().is_empty());
    assert_eq!(ev.verdict(), Verdict::Nothing);
}

#[test]
fn rbac_undefined_service_account_is_incomplete_unless_granted() {
    let inv = inventory(vec![ServiceAccount::new("app", "other").into()]);
    let ev = inv.evidence(&app());
    assert_eq!(ev.presence, Presence::Undefined);
    assert_eq!(ev.gaps(), [Gap::Undefined, Gap::NoBindings]);
    assert_eq!(ev.verdict(), Verdict::Incomplete);

    let inv = inventory(vec![
        cluster_role("cr", vec![pods()]).into(),
        cluster_binding("crb", "ClusterRole", "cr", vec![sa("app", "ns")]).into(),
    ]);
    let ev = inv.evidence(&app());
    assert_eq!(ev.gaps(), [Gap::Undefined]);
    assert_eq!(ev.verdict(), Verdict::Granted);

    // A binding that grants nothing does not make up for the missing ServiceAccount.
    let inv = inventory(vec![
        cluster_role("cr", vec![]).into(),
        cluster_binding("crb", "ClusterRole", "cr", vec![sa("app", "ns")]).into(),
    ]);
    assert_eq!(inv.evidence(&app()).verdict(), Verdict::Incomplete);
}

#[test]
fn rbac_service_account_of_a_pod_spec() {
    let cases = [
        (Some("a"), Some("b"), "a"),
        (None, Some("b"), "b"),
        (Some(""), Some("b"), "b"),
        (Some(""), Some(""), "default"),
        (None, None, "default"),
    ];
    for (name, deprecated, expected) in cases {
        let account = ServiceAccount::of_pod_spec(name, deprecated, Namespace::new(Some("")));
        assert_eq!(account.name, expected);
        assert!(account.namespace.is_unset());
    }
}

#[test]
fn rbac_later_duplicate_replaces_the_earlier_and_is_reported() {
    let inv = inventory(vec![
        app().into(),
        app().into(),
        cluster_role("cr", vec![pods()]).into(),
        cluster_role("cr", vec![]).into(),
        cluster_binding("crb", "ClusterRole", "cr", vec![sa("app", "ns")]).into(),
        // Its replacement names someone else: the stale index entry must not bring it back.
        cluster_binding("crb", "ClusterRole", "cr", vec![sa("other", "ns")]).into(),
        role_binding("rb", "ns", "ClusterRole", "cr", vec![sa("other", "ns")]).into(),
        role_binding("rb", "ns", "ClusterRole", "cr", vec![sa("app", "ns")]).into(),
    ]);
    let dups: Vec<String> = inv.duplicates().iter().map(ToString::to_string).collect();
    assert_eq!(
        dups,
        [
            "ServiceAccount ns/app",
            "ClusterRole cr",
            "ClusterRoleBinding crb",
            "RoleBinding ns/rb"
        ]
    );
    let ev = inv.evidence(&app());
    assert_eq!(names(&ev), ["rb"]);
    assert_eq!(ev.grants[0].what, What::Nothing(NoRights::NoRules));
    let other = inv.evidence(&ServiceAccount::new("other", "ns"));
    assert_eq!(names(&other), ["crb"]);
}

#[test]
fn rbac_one_grant_per_binding_from_its_first_matching_subject() {
    let inv = inventory(vec![
        app().into(),
        cluster_role("cr", vec![pods()]).into(),
        cluster_binding(
            "crb",
            "ClusterRole",
            "cr",
            vec![
                subject("Group", "system:authenticated", ""),
                sa("app", "ns"),
                sa("app", "ns"),
            ],
        )
        .into(),
    ]);
    let ev = inv.evidence(&app());
    assert_eq!(names(&ev), ["crb"]);
    assert_eq!(ev.grants[0].via, Via::Authenticated);
}

#[test]
fn rbac_cluster_scoped_objects_ignore_their_namespace() {
    let mut crb = cluster_binding("crb", "ClusterRole", "cr", vec![sa("app", "ns")]);
    crb.namespace = "ns".into();
    let mut cr = cluster_role("cr", vec![pods()]);
    cr.namespace = "elsewhere".into();
    let inv = inventory(vec![app().into(), cr.into(), crb.into()]);
    let ev = inv.evidence(&app());
    assert_eq!(rules_of(&ev.grants[0]), [&pods()]);
    assert_eq!(ev.grants[0].binding.to_string(), "ClusterRoleBinding crb");
}

#[test]
fn rbac_subject_kind_is_exact_and_api_group_ignored() {
    // The API server would reject these apiGroups; the authorizer never reads them.
    let mut odd_sa = sa("app", "ns");
    odd_sa.api_group = "rbac.authorization.k8s.io".to_owned();
    let mut odd_group = subject("Group", "system:serviceaccounts", "");
    odd_group.api_group = String::new();
    let mut odd_user = subject("User", "system:serviceaccount:ns:app", "");
    odd_user.api_group = "example.com".to_owned();
    for (name, s) in [("sa", odd_sa), ("group", odd_group), ("user", odd_user)] {
        let inv = inventory(vec![
            cluster_role("cr", vec![pods()]).into(),
            cluster_binding(name, "ClusterRole", "cr", vec![s]).into(),
        ]);
        assert_eq!(names(&inv.evidence(&app())), [name]);
    }
    for kind in ["serviceaccount", "Serviceaccount", "user", "group", "Pod"] {
        let name = match kind {
            "user" => "system:serviceaccount:ns:app",
            "group" => "system:serviceaccounts",
            _ => "app",
        };
        let inv = inventory(vec![
            cluster_role("cr", vec![pods()]).into(),
            cluster_binding("crb", "ClusterRole", "cr", vec![subject(kind, name, "ns")]).into(),
        ]);
        let ev = inv.evidence(&app());
        assert!(ev.grants.is_empty() && ev.possible.is_empty(), "{kind}");
    }
}

#[test]
fn rbac_grants_come_in_input_order_from_many_bindings() {
    let mut objects: Vec<Object> = vec![app().into(), cluster_role("cr", vec![pods()]).into()];
    for i in 0..200 {
        objects.push(
            role_binding(
                &format!("rb{i}"),
                "ns",
                "ClusterRole",
                "cr",
                vec![sa(&format!("sa{i}"), "ns")],
            )
            .into(),
        );
    }
    objects.push(
        cluster_binding(
            "all",
            "ClusterRole",
            "cr",
            vec![subject("Group", "system:serviceaccounts", "")],
        )
        .into(),
    );
    objects.push(role_binding("mine", "ns", "ClusterRole", "cr", vec![sa("app", "")]).into());
    let inv = inventory(objects);
    assert_eq!(names(&inv.evidence(&app())), ["all", "mine"]);
    assert_eq!(
        names(&inv.evidence(&ServiceAccount::new("sa7", "ns"))),
        ["rb7", "all"]
    );
    assert!(!inv.is_empty());
    assert!(Inventory::new().is_empty());
}

#[test]
fn rbac_user_name_and_groups_of_a_service_account() {
    assert_eq!(
        app().user_name().as_deref(),
        Some("system:serviceaccount:ns:app")
    );
    assert_eq!(
        app().groups(),
        [
            "system:serviceaccounts",
            "system:serviceaccounts:ns",
            "system:authenticated"
        ]
    );
    let bare = ServiceAccount::new("app", Namespace::Unset);
    assert_eq!(bare.user_name(), None);
    assert_eq!(
        bare.groups(),
        ["system:serviceaccounts", "system:authenticated"]
    );
}

#[test]
fn rbac_short_text_of_grants() {
    let many = rule(
        &["get", "list", "watch"],
        &[""],
        &["pods", "endpoints", "services", "nodes", "namespaces"],
    );
    let lease = PolicyRule {
        resource_names: strings(&["my-lock"]),
        ..rule(&["get", "update"], &["coordination.k8s.io"], &["leases"])
    };
    let wild = rule(&["*"], &["*"], &["*"]);
    let mixed = rule(&["get"], &["", "apps"], &["deployments"]);
    let healthz = url_rule(&["get"], &["/healthz", "/metrics"]);
    let inv = inventory(vec![
        app().into(),
        cluster_role(
            "linkerd-destination",
            vec![many, lease, wild, mixed, healthz],
        )
        .into(),
        cluster_binding(
            "linkerd-destination",
            "ClusterRole",
            "linkerd-destination",
            vec![sa("app", "ns")],
        )
        .into(),
        role_binding(
            "rb",
            "ns",
            "ClusterRole",
            "custom-view",
            vec![subject("Group", "system:serviceaccounts:ns", "")],
        )
        .into(),
        cluster_binding("empty", "ClusterRole", "nothing", vec![sa("app", "ns")]).into(),
        cluster_role("nothing", vec![]).into(),
    ]);
    let ev = inv.evidence(&app());
    let short: Vec<String> = ev.grants.iter().map(ToString::to_string).collect();
    assert_eq!(
        short,
        [
            "ClusterRoleBinding linkerd-destination -> ClusterRole linkerd-destination: \
             get,list,watch pods,endpoints,services,nodes,...; \
             get,update leases [coordination.k8s.io] named my-lock; \
             * * [*]; 2 more rules",
            "RoleBinding ns/rb (as group system:serviceaccounts:ns) -> ClusterRole custom-view: \
             unseen (unknown role: in neither the input, the evidence nor the bootstrap roles)",
            "ClusterRoleBinding empty -> ClusterRole nothing: nothing (no rules)",
        ]
    );
    let full = format!("{:#}", ev.grants[0]);
    assert!(
        full.ends_with(
            "get,list,watch pods,endpoints,services,nodes,namespaces; \
             get,update leases [coordination.k8s.io] named my-lock; * * [*]; \
             get deployments [core,apps]; get nonResourceURLs /healthz,/metrics"
        ),
        "{full}"
    );
    assert_eq!(app().to_string(), "ServiceAccount ns/app");
    assert_eq!(
        ServiceAccount::new("app", Namespace::Unset).to_string(),
        "ServiceAccount app (no namespace)"
    );
    assert_eq!(
        Scope::Namespace(&"ns".into()).to_string(),
        "in namespace ns"
    );
}

fn crb(role: &str) -> Binding {
    cluster_binding("crb", "ClusterRole", role, vec![sa("app", "ns")])
}

fn rb(role: &str) -> Binding {
    role_binding("rb", "ns", "ClusterRole", role, vec![sa("app", "ns")])
}

/// What the one binding of `objects` grants `ns/app`.
fn what_of(objects: Vec<Object>) -> String {
    let inv = inventory(objects);
    let ev = inv.evidence(&app());
    assert_eq!(ev.grants.len(), 1, "{ev:?}");
    format!("{:#}", ev.grants[0].what)
}

#[test]
fn rbac_no_binding_read_at_all_is_no_proof() {
    // A defined ServiceAccount, in a namespace, and no binding anywhere: the input
    // holds no RBAC to speak of (bug report: "the message says nothing grants").
    let inv = inventory(vec![app().into()]);
    let ev = inv.evidence(&app());
    assert_eq!(ev.gaps(), [Gap::NoBindings]);
    assert_eq!(ev.verdict(), Verdict::Incomplete);
    assert!(ev.nothing_found());
    let empty = Inventory::new();
    let ev = empty.evidence(&ServiceAccount::new("default", "ns"));
    assert_eq!(ev.verdict(), Verdict::Incomplete);
    // One binding anywhere, even one about someone else, is RBAC read.
    let inv = inventory(vec![app().into(), crb("x").into()]);
    let ev = inv.evidence(&ServiceAccount::new("default", "ns"));
    assert_eq!((ev.gaps(), ev.verdict()), (vec![], Verdict::Nothing));
}

#[test]
fn rbac_evidence_objects_count_as_read_and_apart() {
    let mut inv = Inventory::new();
    inv.push(app());
    inv.add(Origin::Evidence, crb("view"));
    inv.add(Origin::Evidence, ServiceAccount::new("other", "ns"));
    assert_eq!(
        inv.read(),
        Read {
            input: 1,
            evidence: 2,
            bindings: 1
        }
    );
    let ev = inv.evidence(&app());
    assert_eq!(ev.read, inv.read());
    assert_eq!(ev.verdict(), Verdict::Granted);
}

#[test]
fn rbac_role_binding_on_cluster_scoped_resources_grants_nothing() {
    let cluster_only = vec![
        rule(
            &["get", "list", "watch"],
            &[""],
            &["nodes", "nodes/metrics", "persistentvolumes"],
        ),
        rule(
            &["*"],
            &["storage.k8s.io"],
            &["storageclasses", "csidrivers"],
        ),
        rule(&["create"], &["authentication.k8s.io"], &["tokenreviews"]),
        url_rule(&["get"], &["/metrics"]),
    ];
    let objects = |b: Binding| {
        vec![
            app().into(),
            cluster_role("cr", cluster_only.clone()).into(),
            b.into(),
        ]
    };
    assert_eq!(
        what_of(objects(rb("cr"))),
        format!("nothing ({})", NoRights::ClusterWideOnly)
    );
    // Bound cluster-wide, the same rules are rights.
    assert!(what_of(objects(crb("cr"))).starts_with("get,list,watch nodes"));
    // `namespaces` reaches the RoleBinding's own namespace; wildcards and resources
    // this function does not know (custom resources) may be namespaced: rights.
    for usable in [
        rule(&["get"], &[""], &["namespaces"]),
        rule(&["get"], &[""], &["*"]),
        rule(&["get"], &["*"], &["nodes"]),
        rule(&["get"], &["example.com"], &["widgets"]),
        rule(&["get"], &["", "apps"], &["nodes", "deployments"]),
    ] {
        let objects = vec![
            app().into(),
            cluster_role("cr", vec![usable.clone()]).into(),
            rb("cr").into(),
        ];
        assert_eq!(what_of(objects), format!("{usable:#}"));
    }
    assert!(is_cluster_scoped("", "nodes/proxy") && !is_cluster_scoped("", "namespaces"));
    assert!(!is_cluster_scoped("example.com", "nodes"));
}

#[test]
fn rbac_admission_time_use_grants_nothing() {
    for admission in [
        rule(&["use"], &["policy"], &["podsecuritypolicies"]),
        rule(
            &["use"],
            &["extensions", "policy"],
            &["podsecuritypolicies"],
        ),
        rule(
            &["use"],
            &["security.openshift.io"],
            &["securitycontextconstraints"],
        ),
    ] {
        for binding in [rb("psp"), crb("psp")] {
            let objects = vec![
                app().into(),
                cluster_role("psp", vec![admission.clone()]).into(),
                binding.into(),
            ];
            let what = what_of(objects);
            assert!(what.starts_with("nothing ("), "{what}");
        }
        let objects = vec![
            app().into(),
            cluster_role("psp", vec![admission.clone()]).into(),
            crb("psp").into(),
        ];
        assert_eq!(
            what_of(objects),
            format!("nothing ({})", NoRights::AdmissionOnly)
        );
    }
    // Another verb on them, cluster-wide, or `use` of anything else, is a right.
    for usable in [
        rule(&["use", "get"], &["policy"], &["podsecuritypolicies"]),
        rule(&["use"], &["policy"], &["*"]),
        rule(&["use"], &["example.com"], &["gadgets"]),
    ] {
        let objects = vec![
            app().into(),
            cluster_role("cr", vec![usable.clone()]).into(),
            crb("cr").into(),
        ];
        assert_eq!(what_of(objects), format!("{usable:#}"));
    }
}

#[test]
fn rbac_what_every_identity_has_grants_nothing() {
    // The bootstrap roles bound to system:authenticated in every cluster.
    for role in [
        "system:discovery",
        "system:basic-user",
        "system:public-info-viewer",
    ] {
        let what = what_of(vec![app().into(), crb(role).into()]);
        assert_eq!(what, format!("nothing ({})", NoRights::Everyone), "{role}");
    }
    // The same rights written in a role of the input.
    let everyone = vec![
        url_rule(
            &["get"],
            &["/healthz", "/version", "/apis/*", "/apis/apps/v1"],
        ),
        rule(
            &["create"],
            &["authorization.k8s.io"],
            &["selfsubjectaccessreviews"],
        ),
    ];
    let what = what_of(vec![
        app().into(),
        cluster_role("cr", everyone).into(),
        crb("cr").into(),
    ]);
    assert_eq!(what, format!("nothing ({})", NoRights::Everyone));
    // Anything more is a right.
    for usable in [
        url_rule(&["get"], &["/metrics"]),
        url_rule(&["get"], &["/*"]),
        url_rule(&["post"], &["/api"]),
        rule(
            &["create", "get"],
            &["authorization.k8s.io"],
            &["selfsubjectaccessreviews"],
        ),
        rule(
            &["create"],
            &["authorization.k8s.io"],
            &["subjectaccessreviews"],
        ),
    ] {
        let objects = vec![
            app().into(),
            cluster_role("cr", vec![usable.clone()]).into(),
            crb("cr").into(),
        ];
        assert_eq!(what_of(objects), format!("{usable:#}"));
    }
}

#[test]
fn rbac_bootstrap_roles_are_judged_by_their_published_rules() {
    let inv = inventory(vec![app().into(), rb("view").into()]);
    let ev = inv.evidence(&app());
    assert!(ev.grants[0].bootstrap);
    assert_eq!(ev.grants[0].role.map(|r| r.name.as_str()), Some("view"));
    assert!(matches!(&ev.grants[0].what, What::Rules(rules) if rules.len() > 5));
    assert_eq!(ev.verdict(), Verdict::Granted);
    assert!(
        ev.grants[0]
            .to_string()
            .contains("ClusterRole view (a bootstrap role): get,list,watch")
    );
    // A bootstrap role that only names nodes grants nothing in a namespace.
    let what = what_of(vec![app().into(), rb("system:kubelet-api-admin").into()]);
    assert_eq!(what, format!("nothing ({})", NoRights::ClusterWideOnly));
    // Only its namespaced rules count in a namespace.
    let what = what_of(vec![app().into(), rb("system:node-proxier").into()]);
    assert!(
        what.starts_with("list,watch endpoints,services; "),
        "{what}"
    );
    assert!(!what.contains("nodes"), "{what}");
    // Defined in the input too, it grants at least the published rules (the API
    // server reconciles them in).
    let what = what_of(vec![
        app().into(),
        cluster_role("cluster-admin", vec![]).into(),
        crb("cluster-admin").into(),
    ]);
    assert_eq!(what, "* * [*]; * nonResourceURLs *");
    // Aggregated bootstrap roles hold at least what they select in every cluster.
    let what = what_of(vec![app().into(), rb("admin").into()]);
    assert!(
        what.contains("rolebindings,roles") && what.contains("pods/exec"),
        "{what}"
    );
}
