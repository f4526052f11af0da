//! The functionConfig: its two accepted shapes (SPEC §2), their validation, and the
//! [`Settings`] the rest of the function works from.
//!
//! Reading is kept apart from acting: this module turns what the user wrote into a
//! plain, checked struct and names the field, the value and what is allowed when it
//! cannot.

use k8s_openapi::api::core::v1::{
    ConfigMapProjection, DownwardAPIProjection, DownwardAPIVolumeFile, KeyToPath,
    ObjectFieldSelector, ProjectedVolumeSource, ServiceAccountTokenProjection, Volume, VolumeMount,
    VolumeProjection,
};
use schemars::JsonSchema;
use serde::Deserialize;

use crate::decide::ApiAccess;
use crate::select::{LabelSelector, Pattern, Selector};
use crate::workloads::PodSpecPath;
use crate::yaml::tree::Node;
use crate::yaml::value;

/// apiVersion of the typed functionConfig.
pub const API_VERSION: &str = "fn.harden-sa-token.dev/v1alpha1";
/// kind of the typed functionConfig.
pub const KIND: &str = "HardenServiceAccountToken";

/// The typed functionConfig, as users write it.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(title = "HardenServiceAccountToken")]
pub struct HardenServiceAccountToken {
    /// Always `fn.harden-sa-token.dev/v1alpha1`.
    pub api_version: String,
    /// Always `HardenServiceAccountToken`.
    pub kind: String,
    /// Object metadata; only `name` is customary, nothing here is read.
    #[serde(default)]
    #[schemars(with = "Option<serde_json::Map<String, serde_json::Value>>")]
    pub metadata: Option<serde_json::Value>,
    /// What to do; every field is optional.
    #[serde(default)]
    pub spec: Spec,
}

/// The settings of the typed functionConfig. Every field is optional.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Spec {
    /// Lifetime of the projected token in seconds (Kubernetes allows 600 to 2^32).
    /// Default 3607, what kubelet's own kube-api-access volume uses.
    #[schemars(range(min = 600, max = 4_294_967_296i64))]
    pub expiration_seconds: Option<i64>,
    /// Audience of the token; empty or absent means the API server's default audience.
    pub audience: Option<String>,
    /// Name of the projected volume (a DNS-1123 label). Default `kube-api-access`.
    #[schemars(regex(pattern = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"), length(max = 63))]
    pub volume_name: Option<String>,
    /// Where the token is mounted (absolute). Default
    /// `/var/run/secrets/kubernetes.io/serviceaccount`, where client libraries look.
    #[schemars(regex(pattern = "^/"))]
    pub mount_path: Option<String>,
    /// ConfigMap holding the cluster CA as `ca.crt`. Default `kube-root-ca.crt`.
    #[schemars(length(max = 253))]
    pub ca_config_map: Option<String>,
    /// Mode bits of the projected files, 0 to 511 (0o777). Default 420 (0o644).
    #[schemars(range(min = 0, max = 511))]
    pub default_mode: Option<i64>,
    /// Project the Pod's namespace as the file `namespace` (a `downwardAPI` source), as
    /// kubelet's own volume does. Default `true`; `false` for Knative Serving before
    /// 1.10, whose webhook rejects `downwardAPI` sources in projected volumes.
    pub namespace_file: Option<bool>,
    /// `enforce` (default) changes the manifests; `audit` changes nothing and reports
    /// every Pod template that enforce would change as an error.
    pub mode: Option<Mode>,
    /// Objects to work on; empty or absent means every Pod template.
    pub targets: Option<Vec<SelectorSpec>>,
    /// Objects to leave alone, even when targeted.
    pub exclude: Option<Vec<SelectorSpec>>,
    /// Global filter on which containers keep API access: it narrows, never grants.
    pub containers: Option<ContainersSpec>,
    /// Per-workload statements of which containers get API access; the last matching
    /// rule wins, and a rule may grant access.
    pub rules: Option<Vec<RuleSpec>>,
    /// Also set `automountServiceAccountToken: false` on the selected ServiceAccount
    /// objects. Default `false`.
    pub service_accounts: Option<bool>,
    /// More places where Pod templates live: `{group, kind, path}`, the path written
    /// `spec/template/spec`, with `[]` for every item of a list and `*` for every value
    /// of a map.
    pub pod_spec_paths: Option<Vec<PodSpecPathSpec>>,
}

/// `enforce` or `audit`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Change the manifests.
    #[default]
    Enforce,
    /// Change nothing; report what enforce would change, as errors.
    Audit,
}

/// Selects objects, as kustomize's `target` does: every field that is set must match.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SelectorSpec {
    /// API group, a regular expression matched against the whole group (`""` is core).
    pub group: Option<String>,
    /// API version, a regular expression.
    pub version: Option<String>,
    /// Kind, a regular expression.
    pub kind: Option<String>,
    /// `metadata.name`, a regular expression.
    pub name: Option<String>,
    /// `metadata.namespace`, a regular expression.
    pub namespace: Option<String>,
    /// A Kubernetes label selector: `app=web,tier in (a,b),!legacy`.
    pub label_selector: Option<String>,
    /// The same syntax, over annotations.
    pub annotation_selector: Option<String>,
}

/// A statement about the workloads a selector picks.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RuleSpec {
    /// The workloads it is about.
    pub target: SelectorSpec,
    /// Which of their containers get API access: `none`, `all`, or a list of container
    /// (or init container) names.
    pub api_access: ApiAccessSpec,
}

/// `none`, `all`, or a list of container names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiAccessSpec(pub ApiAccess);

impl<'de> Deserialize<'de> for ApiAccessSpec {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = ApiAccess;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("`none`, `all` or a list of container names")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<ApiAccess, E> {
                match v {
                    "none" => Ok(ApiAccess::None),
                    "all" => Ok(ApiAccess::All),
                    _ => Err(E::invalid_value(serde::de::Unexpected::Str(v), &self)),
                }
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<ApiAccess, A::Error> {
                let mut names = Vec::new();
                while let Some(name) = seq.next_element::<String>()? {
                    names.push(name);
                }
                Ok(ApiAccess::Containers(names))
            }
        }
        d.deserialize_any(Visitor).map(ApiAccessSpec)
    }
}

impl JsonSchema for ApiAccessSpec {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "ApiAccess".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "`none`, `all`, or a list of container (or init container) names.",
            "anyOf": [
                {"type": "string", "enum": ["none", "all"]},
                {"type": "array", "items": {"type": "string"}}
            ]
        })
    }
}

/// A place where Pod templates live in objects of one group and kind.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PodSpecPathSpec {
    /// API group; empty or absent for the core group.
    #[serde(default)]
    pub group: String,
    /// Kind.
    pub kind: String,
    /// Path of the PodSpec, keys separated by `/`; `[]` walks every item of a list and
    /// `*` every value of a map, e.g. `spec/replicaSpecs/*/template/spec`.
    pub path: String,
}

/// The global container filter.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ContainersSpec {
    /// Container names or globs (`*`, `?`) that keep access. Default `["*"]`.
    pub include: Option<Vec<String>>,
    /// Container names or globs that lose access, even when included.
    pub exclude: Option<Vec<String>>,
    /// `false`: init containers lose access. Default `true`.
    pub init_containers: Option<bool>,
}

/// Which containers keep the access they have today.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerFilter {
    /// Names or globs that keep access.
    pub include: Vec<String>,
    /// Names or globs that lose access.
    pub exclude: Vec<String>,
    /// Whether init containers keep access.
    pub init_containers: bool,
}

impl Default for ContainerFilter {
    fn default() -> Self {
        ContainerFilter {
            include: vec!["*".into()],
            exclude: vec![],
            init_containers: true,
        }
    }
}

impl ContainerFilter {
    /// Whether a container of this name (an init container when `init`) keeps access.
    pub fn keeps(&self, name: &str, init: bool) -> bool {
        (!init || self.init_containers)
            && self.include.iter().any(|g| glob_match(g, name))
            && !self.exclude.iter().any(|g| glob_match(g, name))
    }

    /// Why a container is not kept, for messages (meaningful when [`Self::keeps`] is false).
    pub fn why_dropped(&self, name: &str, init: bool) -> String {
        if init && !self.init_containers {
            "containers.initContainers is false".into()
        } else if let Some(g) = self.exclude.iter().find(|g| glob_match(g, name)) {
            format!("containers.exclude has {g:?}")
        } else {
            "containers.include does not match it".into()
        }
    }
}

/// A checked rule: a selector and what it says about the workloads it picks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// The workloads it is about.
    pub target: Selector,
    /// Which of their containers get API access.
    pub access: ApiAccess,
}

/// Checked settings, with defaults filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Token lifetime in seconds.
    pub expiration_seconds: i64,
    /// Token audience, if any.
    pub audience: Option<String>,
    /// Name of the projected volume.
    pub volume_name: String,
    /// Where it is mounted.
    pub mount_path: String,
    /// ConfigMap with the cluster CA.
    pub ca_config_map: String,
    /// Mode bits of the projected files.
    pub default_mode: i32,
    /// Whether the volume projects the namespace file.
    pub namespace_file: bool,
    /// Enforce or audit.
    pub mode: Mode,
    /// Objects to work on; empty means all.
    pub targets: Vec<Selector>,
    /// Objects to leave alone.
    pub exclude: Vec<Selector>,
    /// Global container filter.
    pub containers: ContainerFilter,
    /// Per-workload statements, in order (the last match wins).
    pub rules: Vec<Rule>,
    /// Whether ServiceAccount objects get `automountServiceAccountToken: false` too.
    pub service_accounts: bool,
    /// Extra places where Pod templates live.
    pub pod_spec_paths: Vec<PodSpecPath>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            expiration_seconds: 3607,
            audience: None,
            volume_name: "kube-api-access".into(),
            mount_path: "/var/run/secrets/kubernetes.io/serviceaccount".into(),
            ca_config_map: "kube-root-ca.crt".into(),
            default_mode: 420,
            namespace_file: true,
            mode: Mode::Enforce,
            targets: vec![],
            exclude: vec![],
            containers: ContainerFilter::default(),
            rules: vec![],
            service_accounts: false,
            pod_spec_paths: vec![],
        }
    }
}

impl Settings {
    /// The projected volume source the config asks for (SPEC §1).
    pub fn projected(&self) -> ProjectedVolumeSource {
        let mut sources = vec![
            VolumeProjection {
                service_account_token: Some(ServiceAccountTokenProjection {
                    audience: self.audience.clone(),
                    expiration_seconds: Some(self.expiration_seconds),
                    path: "token".into(),
                }),
                ..Default::default()
            },
            VolumeProjection {
                config_map: Some(ConfigMapProjection {
                    name: self.ca_config_map.clone(),
                    items: Some(vec![KeyToPath {
                        key: "ca.crt".into(),
                        path: "ca.crt".into(),
                        mode: None,
                    }]),
                    optional: None,
                }),
                ..Default::default()
            },
        ];
        if self.namespace_file {
            sources.push(VolumeProjection {
                downward_api: Some(DownwardAPIProjection {
                    items: Some(vec![DownwardAPIVolumeFile {
                        path: "namespace".into(),
                        field_ref: Some(ObjectFieldSelector {
                            api_version: Some("v1".into()),
                            field_path: "metadata.namespace".into(),
                        }),
                        ..Default::default()
                    }]),
                }),
                ..Default::default()
            });
        }
        ProjectedVolumeSource {
            default_mode: Some(self.default_mode),
            sources: Some(sources),
        }
    }

    /// The whole volume entry.
    pub fn volume(&self) -> Volume {
        Volume {
            name: self.volume_name.clone(),
            projected: Some(self.projected()),
            ..Default::default()
        }
    }

    /// The mount each selected container gets.
    pub fn mount(&self) -> VolumeMount {
        VolumeMount {
            name: self.volume_name.clone(),
            mount_path: self.mount_path.clone(),
            read_only: Some(true),
            ..Default::default()
        }
    }
}

/// A functionConfig that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// Not one of the accepted kinds.
    #[error(
        "functionConfig of kind {kind:?} (apiVersion {api_version:?}) is not supported; use apiVersion {API_VERSION} kind {KIND}, or a v1 ConfigMap"
    )]
    UnknownKind {
        /// apiVersion as written.
        api_version: String,
        /// kind as written.
        kind: String,
    },
    /// A field with a bad value, an unknown field, or unreadable YAML.
    #[error("functionConfig field `{field}`{at}: {problem}")]
    Field {
        /// Dotted path of the field.
        field: String,
        /// ` (line L, column C)` when the position is known.
        at: String,
        /// What is wrong and what is allowed.
        problem: String,
    },
}

fn at(node: Option<&Node<'_>>) -> String {
    node.map(|n| format!(" (line {}, column {})", n.line, n.col + 1))
        .unwrap_or_default()
}

/// The node at a dotted serde path (`spec.containers.include[0]`), for error positions.
fn locate<'n, 'a>(root: &'n Node<'a>, path: &str) -> Option<&'n Node<'a>> {
    let mut node = root;
    for part in path.split('.').filter(|p| !p.is_empty() && *p != "?") {
        let (key, index) = match part.split_once('[') {
            Some((k, rest)) => (k, rest.trim_end_matches(']').parse::<usize>().ok()),
            None => (part, None),
        };
        if !key.is_empty() {
            node = node.get(key)?;
        }
        if let Some(i) = index {
            node = node.items()?.get(i)?;
        }
    }
    Some(node)
}

/// Reads and checks a functionConfig node; `None` (or an empty mapping) means defaults.
pub fn from_node(node: Option<&Node<'_>>) -> Result<Settings, ConfigError> {
    let Some(node) = node.filter(|n| !n.is_null() && n.entries().is_none_or(|e| !e.is_empty()))
    else {
        return Ok(Settings::default());
    };
    let field_error = |field: &str, problem: String| ConfigError::Field {
        field: field.to_owned(),
        at: at(locate(node, field)),
        problem,
    };
    let json = value::to_json(node).map_err(|e| field_error("", e.to_string()))?;
    let api_version = json
        .get("apiVersion")
        .and_then(|v| v.as_str())
        .unwrap_or_default();
    let kind = json
        .get("kind")
        .and_then(|v| v.as_str())
        .unwrap_or_default();
    let (spec, prefix) = match (api_version, kind) {
        (API_VERSION, KIND) => {
            let typed: HardenServiceAccountToken = serde_path_to_error::deserialize(&json)
                .map_err(|e| {
                    let path = e.path().to_string();
                    field_error(&path, e.into_inner().to_string())
                })?;
            (typed.spec, "spec.")
        }
        ("v1", "ConfigMap") => (spec_from_config_map(node, &json)?, "data."),
        _ => {
            return Err(ConfigError::UnknownKind {
                api_version: api_version.to_owned(),
                kind: kind.to_owned(),
            });
        }
    };
    check(&spec, |field, problem| {
        let path = format!("{prefix}{field}");
        ConfigError::Field {
            at: at(locate(node, &path)),
            field: path,
            problem,
        }
    })
}

/// The flat `data` keys of the ConfigMap form, mapped onto the typed spec.
const CONFIG_MAP_KEYS: &[&str] = &[
    "expirationSeconds",
    "audience",
    "volumeName",
    "mountPath",
    "caConfigMap",
    "defaultMode",
    "containers",
    "excludeContainers",
    "initContainers",
    "namespaceFile",
    "mode",
    "serviceAccounts",
];

fn spec_from_config_map(node: &Node<'_>, json: &serde_json::Value) -> Result<Spec, ConfigError> {
    let mut spec = Spec::default();
    let Some(data) = json.get("data").filter(|d| !d.is_null()) else {
        return Ok(spec);
    };
    let data_node = node.get("data");
    let Some(data) = data.as_object() else {
        return Err(ConfigError::Field {
            field: "data".into(),
            at: at(data_node),
            problem: "must be a mapping of keys to strings".into(),
        });
    };
    let mut containers = ContainersSpec::default();
    for (key, value) in data {
        let here = || at(data_node.and_then(|d| d.get(key)));
        // ConfigMap values are strings; accept what YAML made of an unquoted one too.
        let text = match value {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Number(_) | serde_json::Value::Bool(_) => data_node
                .and_then(|d| d.get_str(key))
                .map(str::to_owned)
                .unwrap_or_else(|| value.to_string()),
            _ => {
                return Err(ConfigError::Field {
                    field: format!("data.{key}"),
                    at: here(),
                    problem: format!("{value} is not a string"),
                });
            }
        };
        let bad = |allowed: &str| ConfigError::Field {
            field: format!("data.{key}"),
            at: here(),
            problem: format!("{text:?} is not allowed; {allowed}"),
        };
        let flag = || match text.as_str() {
            "true" | "True" | "TRUE" => Ok(true),
            "false" | "False" | "FALSE" => Ok(false),
            _ => Err(bad("expected true or false")),
        };
        let list = |s: &str| -> Vec<String> {
            s.split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(str::to_owned)
                .collect()
        };
        match key.as_str() {
            "expirationSeconds" => {
                spec.expiration_seconds =
                    Some(value::parse_int(&text).ok_or_else(|| bad("expected an integer"))?);
            }
            "defaultMode" => {
                spec.default_mode = Some(
                    value::parse_int(&text)
                        .ok_or_else(|| bad("expected an integer such as 420 or 0644"))?,
                );
            }
            "audience" => spec.audience = Some(text),
            "volumeName" => spec.volume_name = Some(text),
            "mountPath" => spec.mount_path = Some(text),
            "caConfigMap" => spec.ca_config_map = Some(text),
            "containers" => containers.include = Some(list(&text)),
            "excludeContainers" => containers.exclude = Some(list(&text)),
            "initContainers" => containers.init_containers = Some(flag()?),
            "namespaceFile" => spec.namespace_file = Some(flag()?),
            "serviceAccounts" => spec.service_accounts = Some(flag()?),
            "mode" => {
                spec.mode = Some(match text.as_str() {
                    "enforce" => Mode::Enforce,
                    "audit" => Mode::Audit,
                    _ => return Err(bad("expected enforce or audit")),
                });
            }
            _ => {
                return Err(ConfigError::Field {
                    field: format!("data.{key}"),
                    at: here(),
                    problem: format!(
                        "unknown key; expected one of {}",
                        CONFIG_MAP_KEYS.join(", ")
                    ),
                });
            }
        }
    }
    spec.containers = Some(containers);
    Ok(spec)
}

/// Checks ranges and formats and fills in defaults. `bad` builds the error for a field
/// (relative to `spec`) from what is wrong with it.
fn check(spec: &Spec, bad: impl Fn(&str, String) -> ConfigError) -> Result<Settings, ConfigError> {
    let not_allowed = |field: &str, value: String, allowed: &str| {
        bad(field, format!("{value} is not allowed; allowed: {allowed}"))
    };
    let mut s = Settings::default();
    if let Some(v) = spec.expiration_seconds {
        if !(600..=1i64 << 32).contains(&v) {
            return Err(not_allowed(
                "expirationSeconds",
                v.to_string(),
                "600 to 4294967296 (2^32)",
            ));
        }
        s.expiration_seconds = v;
    }
    s.audience = spec.audience.clone().filter(|a| !a.is_empty());
    if let Some(v) = &spec.volume_name {
        if !is_dns_label(v) {
            return Err(not_allowed(
                "volumeName",
                format!("{v:?}"),
                "a DNS-1123 label (lower-case letters, digits and '-', at most 63, starting and ending with a letter or digit)",
            ));
        }
        s.volume_name = v.clone();
    }
    if let Some(v) = &spec.mount_path {
        if !v.starts_with('/') || v.contains(':') {
            return Err(not_allowed(
                "mountPath",
                format!("{v:?}"),
                "an absolute path without ':'",
            ));
        }
        s.mount_path = v.clone();
    }
    if let Some(v) = &spec.ca_config_map {
        if !is_dns_subdomain(v) {
            return Err(not_allowed(
                "caConfigMap",
                format!("{v:?}"),
                "a ConfigMap name (DNS-1123 subdomain, at most 253)",
            ));
        }
        s.ca_config_map = v.clone();
    }
    if let Some(v) = spec.default_mode {
        let mode = i32::try_from(v).ok().filter(|m| (0..=0o777).contains(m));
        s.default_mode = mode.ok_or_else(|| {
            not_allowed(
                "defaultMode",
                v.to_string(),
                "0 to 511 (0o777), e.g. 420 or 0644",
            )
        })?;
    }
    s.namespace_file = spec.namespace_file.unwrap_or(true);
    s.mode = spec.mode.unwrap_or_default();
    s.service_accounts = spec.service_accounts.unwrap_or(false);
    for (field, list, out) in [
        ("targets", &spec.targets, &mut s.targets),
        ("exclude", &spec.exclude, &mut s.exclude),
    ] {
        for (i, selector) in list.iter().flatten().enumerate() {
            out.push(compile(selector, &format!("{field}[{i}]"), &bad)?);
        }
    }
    if let Some(c) = &spec.containers {
        for (field, list) in [
            ("containers.include", &c.include),
            ("containers.exclude", &c.exclude),
        ] {
            for (i, g) in list.iter().flatten().enumerate() {
                if g.is_empty()
                    || !g.chars().all(|ch| {
                        ch.is_ascii_lowercase()
                            || ch.is_ascii_digit()
                            || matches!(ch, '-' | '*' | '?')
                    })
                {
                    return Err(not_allowed(
                        &format!("{field}[{i}]"),
                        format!("{g:?}"),
                        "a container name or a glob of one (a-z, 0-9, '-', '*', '?')",
                    ));
                }
            }
        }
        if let Some(include) = &c.include {
            s.containers.include = include.clone();
        }
        if let Some(exclude) = &c.exclude {
            s.containers.exclude = exclude.clone();
        }
        if let Some(init) = c.init_containers {
            s.containers.init_containers = init;
        }
    }
    for (i, rule) in spec.rules.iter().flatten().enumerate() {
        let target = compile(&rule.target, &format!("rules[{i}].target"), &bad)?;
        if let ApiAccess::Containers(names) = &rule.api_access.0 {
            if let Some((j, name)) = names.iter().enumerate().find(|(_, n)| !is_dns_label(n)) {
                return Err(not_allowed(
                    &format!("rules[{i}].apiAccess[{j}]"),
                    format!("{name:?}"),
                    "a container name (a DNS-1123 label)",
                ));
            }
        }
        s.rules.push(Rule {
            target,
            access: rule.api_access.0.clone(),
        });
    }
    for (i, p) in spec.pod_spec_paths.iter().flatten().enumerate() {
        let path = PodSpecPath::new(&p.group, &p.kind, &p.path)
            .map_err(|problem| bad(&format!("podSpecPaths[{i}]"), problem))?;
        s.pod_spec_paths.push(path);
    }
    Ok(s)
}

/// Compiles one selector; `field` is where it is in the spec, for errors.
fn compile(
    spec: &SelectorSpec,
    field: &str,
    bad: &impl Fn(&str, String) -> ConfigError,
) -> Result<Selector, ConfigError> {
    let pattern = |name: &str, source: &Option<String>| {
        source
            .as_deref()
            .map(Pattern::new)
            .transpose()
            .map_err(|e| bad(&format!("{field}.{name}"), e.problem))
    };
    let labels = |name: &str, source: &Option<String>| {
        source
            .as_deref()
            .map(LabelSelector::parse)
            .transpose()
            .map_err(|e| bad(&format!("{field}.{name}"), e.problem))
    };
    Ok(Selector {
        group: pattern("group", &spec.group)?,
        version: pattern("version", &spec.version)?,
        kind: pattern("kind", &spec.kind)?,
        name: pattern("name", &spec.name)?,
        namespace: pattern("namespace", &spec.namespace)?,
        labels: labels("labelSelector", &spec.label_selector)?,
        annotations: labels("annotationSelector", &spec.annotation_selector)?,
    })
}

/// A DNS-1123 label, as Kubernetes requires of container and volume names.
pub fn is_dns_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

fn is_dns_subdomain(s: &str) -> bool {
    s.len() <= 253 && s.split('.').all(is_dns_label)
}

/// Matches `name` against a glob where `*` is any run of characters and `?` any one.
/// Linear in practice: one backtrack point, as in the classic wildcard matcher.
pub fn glob_match(glob: &str, name: &str) -> bool {
    let (g, n) = (glob.as_bytes(), name.as_bytes());
    let (mut gi, mut ni) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        match g.get(gi) {
            Some(b'*') => {
                star = Some((gi, ni));
                gi += 1;
            }
            Some(&c) if c == b'?' || Some(&c) == n.get(ni) => {
                gi += 1;
                ni += 1;
            }
            _ => match star {
                Some((sg, sn)) => {
                    gi = sg + 1;
                    ni = sn + 1;
                    star = Some((sg, sn + 1));
                }
                None => return false,
            },
        }
    }
    g.get(gi..)
        .is_some_and(|rest| rest.iter().all(|&c| c == b'*'))
}

/// The JSON Schema of the typed functionConfig, as written to `function-config/`.
pub fn schema_json() -> String {
    let schema = schemars::schema_for!(HardenServiceAccountToken);
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::tree::parse;

    fn read(text: &str) -> Result<Settings, ConfigError> {
        let docs = parse(text).unwrap();
        from_node(Some(&docs[0].root))
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
            err.contains("data.mode")
                && err.contains("\"audits\"")
                && err.contains("enforce or audit"),
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
        assert_eq!(s.rules[0].access, ApiAccess::None);
        assert_eq!(
            s.rules[1].access,
            ApiAccess::Containers(vec!["migrate".into(), "init-db".into()])
        );
        assert_eq!(
            s.pod_spec_paths[0].steps,
            ["spec", "templates", "[]", "template", "spec"]
        );
        assert_eq!(s.projected().sources.map(|v| v.len()), Some(2));
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
                "spec.podSpecPaths[0]",
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
        assert_eq!(from_node(None).unwrap(), Settings::default());
        assert_eq!(read("{}").unwrap(), Settings::default());
    }

    #[test]
    fn globs() {
        assert!(glob_match("*", "anything"));
        assert!(glob_match("linkerd-*", "linkerd-proxy"));
        assert!(!glob_match("linkerd-*", "app"));
        assert!(glob_match("a?c*", "abcdef"));
        assert!(glob_match("*-proxy", "linkerd-proxy"));
        assert!(!glob_match("", "x"));
        assert!(glob_match("**", ""));
    }
}
