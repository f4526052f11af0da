use super::*;

fn read(text: &str) -> Result<Settings, ConfigError> {
    let doc = Document::parse(text).unwrap();
    from_node(&doc, doc.roots().first(), Origin::File)
}

#[test]
fn typed_kind_is_read_and_defaults_fill_the_rest() {
    let s = read(
        "apiVersion: fn.harden-sa-token.dev/v1alpha1\nkind: HardenServiceAccountToken\nmetadata: {name: x}\nspec:\n  expirationSeconds: 7200\n  defaultMode: 0640\n  containers: {exclude: [linkerd-proxy], initContainers: false}\n",
    )
    .unwrap();
    assert_eq!(s.expiration_seconds, 7200);
    assert_eq!(s.default_mode, 0o640);
    assert_eq!(s.volume_name, "kube-api-access");
    assert!(!s.containers.keeps("linkerd-proxy", false));
    assert!(s.containers.keeps("app", false));
    assert!(!s.containers.keeps("app", true));
}

#[test]
fn config_map_values_are_converted() {
    let s = read("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: function-input}\ndata:\n  expirationSeconds: \"3600\"\n  containers: app, web\n  initContainers: \"false\"\n").unwrap();
    assert_eq!(s.expiration_seconds, 3600);
    assert_eq!(s.containers.include, vec!["app", "web"]);
    assert!(!s.containers.init_containers);
}

#[test]
fn errors_name_field_value_position_and_what_is_allowed() {
    let err = read("apiVersion: fn.harden-sa-token.dev/v1alpha1\nkind: HardenServiceAccountToken\nspec:\n  expirationSeconds: 30\n").unwrap_err().to_string();
    assert!(
        err.contains("spec.expirationSeconds")
            && err.contains("line 4, column 22")
            && err.contains("30")
            && err.contains("600"),
        "{err}"
    );
    let err = read("apiVersion: fn.harden-sa-token.dev/v1alpha1\nkind: HardenServiceAccountToken\nspec:\n  expirySeconds: 30\n").unwrap_err().to_string();
    assert!(
        err.contains("unknown field `expirySeconds`") && err.contains("expirationSeconds"),
        "{err}"
    );
    let err = read("apiVersion: fn.harden-sa-token.dev/v1alpha1\nkind: HardenServiceAccountToken\nspec:\n  containers:\n    include: [App]\n").unwrap_err().to_string();
    assert!(
        err.contains("spec.containers.include[0]")
            && err.contains("\"App\"")
            && err.contains("line 5"),
        "{err}"
    );
    let err = read("apiVersion: v1\nkind: ConfigMap\ndata:\n  mode: audits\n")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("data.mode") && err.contains("\"audits\"") && err.contains("enforce or audit"),
        "{err}"
    );
    let err = read("apiVersion: v1\nkind: ConfigMap\ndata:\n  targets: Deployment\n")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("data.targets")
            && err.contains("unknown key")
            && err.contains("expirationSeconds"),
        "{err}"
    );
    let err = read("apiVersion: v1\nkind: ConfigMap\ndata:\n  defaultMode: \"999\"\n")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("data.defaultMode") && err.contains("999") && err.contains("511"),
        "{err}"
    );
    let err = read("apiVersion: example.com/v1\nkind: Other\n").unwrap_err();
    assert!(matches!(err, ConfigError::UnknownKind { .. }));
}

const TYPED: &str =
    "apiVersion: fn.harden-sa-token.dev/v1alpha1\nkind: HardenServiceAccountToken\nspec:\n";

fn typed(spec: &str) -> Result<Settings, ConfigError> {
    read(&format!("{TYPED}{spec}"))
}

#[test]
fn targeting_and_policy_fields_are_read() {
    let s = typed(
        "  mode: audit\n  serviceAccounts: true\n  namespaceFile: false\n  targets:\n  - kind: Deployment|StatefulSet\n    labelSelector: app in (web, api)\n  exclude:\n  - namespace: kube-system\n  rules:\n  - target: {name: linkerd-gateway}\n    apiAccess: none\n  - target: {kind: Job}\n    apiAccess: [migrate, init-db]\n  podSpecPaths:\n  - {group: argoproj.io, kind: Experiment, path: \"spec/templates/[]/template/spec\"}\n",
    )
    .unwrap();
    assert_eq!(s.mode, Mode::Audit);
    assert!(s.service_accounts && !s.namespace_file);
    assert_eq!((s.targets.len(), s.exclude.len()), (1, 1));
    assert_eq!(s.rules.len(), 2);
    assert_eq!(s.rules[0].access, Some(ApiAccess::None));
    assert_eq!(
        s.rules[1].access,
        Some(ApiAccess::Containers(vec![
            "migrate".into(),
            "init-db".into()
        ]))
    );
    assert_eq!(
        s.pod_spec_paths[0].steps,
        ["spec", "templates", "[]", "template", "spec"]
    );
    assert_eq!(s.wanted().projected.sources.map(|v| v.len()), Some(2));
}

#[test]
fn targeting_errors_name_the_field_and_what_is_allowed() {
    let cases = [
        (
            "  targets:\n  - name: web(\n",
            "spec.targets[0].name",
            "line 5",
            "regular expression",
        ),
        (
            "  exclude:\n  - labelSelector: app in (a\n",
            "spec.exclude[0].labelSelector",
            "line 5",
            "key in (a,b)",
        ),
        (
            "  targets:\n  - kinds: Deployment\n",
            "spec.targets[0].kinds",
            "line 5",
            "unknown field `kinds`",
        ),
        (
            "  rules:\n  - target: {}\n    apiAccess: some\n",
            "spec.rules[0].apiAccess",
            "line 6",
            "`none`, `all` or a list",
        ),
        (
            "  rules:\n  - target: {}\n    apiAccess: [App]\n",
            "spec.rules[0].apiAccess[0]",
            "line 6",
            "container name",
        ),
        (
            "  rules:\n  - apiAccess: all\n",
            "spec.rules[0]",
            "line 5",
            "missing field `target`",
        ),
        ("  mode: enforcing\n", "spec.mode", "line 4", "`enforce`"),
        (
            "  podSpecPaths:\n  - {kind: X, path: spec//spec}\n",
            "spec.podSpecPaths[0].path",
            "line 5",
            "separated by '/'",
        ),
    ];
    for (spec, field, line, allowed) in cases {
        let err = typed(spec).unwrap_err().to_string();
        assert!(
            err.contains(&format!("`{field}`")) && err.contains(line) && err.contains(allowed),
            "{spec}: {err}"
        );
    }
}

#[test]
fn empty_config_means_defaults() {
    let doc = Document::parse("").unwrap();
    assert_eq!(
        from_node(&doc, None, Origin::File).unwrap(),
        Settings::default()
    );
    assert_eq!(read("{}").unwrap(), Settings::default());
}

#[test]
fn every_default_reads_and_is_what_settings_default_holds() {
    for field in FIELDS {
        let doc = Document::parse(field.default).unwrap();
        let mut settings = Settings::blank();
        assert_eq!(
            (field.read)(&mut settings, Value::Node(&doc.roots()[0]), &doc),
            Ok(()),
            "{}",
            field.path
        );
    }
    let s = Settings::default();
    assert_eq!(
        (s.expiration_seconds, s.volume_name.as_str(), s.default_mode),
        (3607, "kube-api-access", 420)
    );
    assert_eq!(
        s.mount_path,
        "/var/run/secrets/kubernetes.io/serviceaccount"
    );
    assert!(s.namespace_file && s.containers.init_containers && !s.service_accounts);
    assert_eq!(s.containers.include, ["*"]);
    assert_eq!(s.rbac, Rbac::Advise);
}

#[test]
fn rbac_is_read_in_both_forms_with_the_same_errors() {
    assert_eq!(typed("  rbac: apply\n").unwrap().rbac, Rbac::Apply);
    // Unquoted, `off` is a YAML 1.1 boolean to some readers; the text is what counts.
    assert_eq!(typed("  rbac: off\n").unwrap().rbac, Rbac::Off);
    let s = read("apiVersion: v1\nkind: ConfigMap\ndata:\n  rbac: apply\n").unwrap();
    assert_eq!(s.rbac, Rbac::Apply);
    let err = typed("  rbac: aply\n").unwrap_err();
    assert_eq!(
        err.to_string(),
        "functionConfig field `spec.rbac` (line 4, column 9): \"aply\" is not allowed; allowed: advise, apply or off (did you mean `apply`?)"
    );
    let err = read("apiVersion: v1\nkind: ConfigMap\ndata:\n  rbac: \"no\"\n").unwrap_err();
    assert!(
        err.to_string()
            .starts_with("functionConfig field `data.rbac`")
            && err.to_string().contains("allowed: advise, apply or off"),
        "{err}"
    );
    let err = typed("  rbac: [apply]\n").unwrap_err();
    assert!(err.to_string().contains("expects a string"), "{err}");
}

#[test]
fn positions_are_the_key_for_unknown_fields_and_none_in_a_resource_list() {
    let text = "apiVersion: fn.harden-sa-token.dev/v1alpha1\nkind: HardenServiceAccountToken\nspec:\n  expirySeconds: 30\n";
    let err = read(text).unwrap_err();
    assert_eq!(
        err.to_string(),
        "functionConfig field `spec.expirySeconds` (line 4, column 3): unknown field `expirySeconds` (did you mean `expirationSeconds`?); allowed: mode, expirationSeconds, audience, volumeName, mountPath, caConfigMap, defaultMode, namespaceFile, platform, targets, exclude, containers, rules, rbac, serviceAccounts, podSpecPaths"
    );
    let doc = Document::parse(text).unwrap();
    let err = from_node(&doc, doc.roots().first(), Origin::Generated).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("functionConfig field `spec.expirySeconds`: unknown field"),
        "{err}"
    );
}

#[test]
fn type_errors_are_in_plain_words() {
    let err = typed("  expirationSeconds: 1h\n").unwrap_err();
    assert_eq!(
        err.to_string(),
        "functionConfig field `spec.expirationSeconds` (line 4, column 22): expects a number of seconds, got the string \"1h\""
    );
    let err = typed("  containers: [app]\n").unwrap_err();
    assert_eq!(
        err.to_string(),
        "functionConfig field `spec.containers` (line 4, column 15): expects a mapping, got a list"
    );
    let err = typed("  mode: audt\n").unwrap_err();
    assert_eq!(
        err.to_string(),
        "functionConfig field `spec.mode` (line 4, column 9): \"audt\" is not allowed; allowed: enforce or audit (did you mean `audit`?)"
    );
    let err = typed("  containers:\n    initContainer: false\n").unwrap_err();
    assert_eq!(
        err.to_string(),
        "functionConfig field `spec.containers.initContainer` (line 5, column 5): unknown field `initContainer` (did you mean `initContainers`?); allowed: include, exclude, initContainers"
    );
    let err =
        read("apiVersion: v1\nkind: ConfigMap\ndata:\n  expirationSecond: \"600\"\n").unwrap_err();
    assert!(
        err.to_string().starts_with(
            "functionConfig field `data.expirationSecond` (line 4, column 3): unknown key `expirationSecond` (did you mean `expirationSeconds`?)"
        ),
        "{err}"
    );
}

#[test]
fn aliases_inside_the_config_are_followed() {
    let s = typed("  targets: &t\n  - {kind: Job}\n  exclude: *t\n").unwrap();
    assert_eq!((s.targets.len(), s.exclude.len()), (1, 1));
}

#[test]
fn lifetime_rules_and_platform_are_read_and_checked() {
    let s = typed("  platform: openshift\n  rules:\n  - {target: {kind: Job}, expirationSeconds: 7200}\n  - {target: {kind: Job}, apiAccess: none, expirationSeconds: 600}\n").unwrap();
    assert_eq!(s.platform, Some(Platform::OpenShift));
    assert!(s.token().service_ca);
    assert_eq!(
        (s.rules[0].access.clone(), s.rules[0].expiration_seconds),
        (None, Some(7200))
    );
    assert_eq!(s.rules[1].access, Some(ApiAccess::None));
    assert_eq!(Settings::default().platform, None);
    assert_eq!(
        typed("  platform: kubernetes\n").unwrap().platform,
        Some(Platform::Kubernetes)
    );
    let err = typed("  rules:\n  - {target: {kind: Job}, expirationSeconds: 60}\n")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("spec.rules[0].expirationSeconds")
            && err.contains("60 is not allowed")
            && err.contains("600 to 4294967296 (2^32)"),
        "{err}"
    );
    let err = typed("  rules:\n  - {target: {kind: Job}}\n")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("missing field `apiAccess` or `expirationSeconds`"),
        "{err}"
    );
    let err = typed("  platform: openshfit\n").unwrap_err().to_string();
    assert!(err.contains("did you mean `openshift`?"), "{err}");
}

#[test]
fn config_files_are_one_document() {
    assert_eq!(from_file(b"", Origin::File).unwrap(), Settings::default());
    assert_eq!(
        from_file(b"# nothing\n", Origin::File).unwrap(),
        Settings::default()
    );
    let s = from_file(
        b"apiVersion: v1\nkind: ConfigMap\ndata:\n  expirationSeconds: \"7200\"\n",
        Origin::File,
    )
    .unwrap();
    assert_eq!(s.expiration_seconds, 7200);
    assert_eq!(
        from_file(b"a: 1\n---\nb: 2\n", Origin::File).unwrap_err(),
        ConfigFileError::ManyDocuments(2)
    );
    assert!(matches!(
        from_file(b"kind: Secret\n", Origin::File),
        Err(ConfigFileError::Config(ConfigError::UnknownKind { .. }))
    ));
    assert_eq!(
        from_file(b"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n---\napiVersion: v1\nkind: Service\n", Origin::File),
        Err(ConfigFileError::Manifests(vec!["Deployment web".into(), "Service".into()]))
    );
    assert_eq!(
        from_file(
            b"apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {}\n",
            Origin::File
        ),
        Err(ConfigFileError::Manifests(vec!["Pod p".into()]))
    );
    // One object of another kind is a config with a typo, more likely.
    assert!(matches!(
        from_file(
            b"apiVersion: fn.harden-sa-token.dev/v1\nkind: HardenServiceAccountToken\n",
            Origin::File
        ),
        Err(ConfigFileError::Config(ConfigError::UnknownKind { .. }))
    ));
    assert!(matches!(
        from_file(b"a: [\n", Origin::File),
        Err(ConfigFileError::Yaml(_))
    ));
    assert!(matches!(
        from_file(b"a: \xff\n", Origin::File),
        Err(ConfigFileError::NotUtf8(_))
    ));
}
