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
    /// Global filter on which containers keep API access: it narrows, never grants.
    pub containers: Option<ContainersSpec>,
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
    /// Global container filter.
    pub containers: ContainerFilter,
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
            containers: ContainerFilter::default(),
        }
    }
}

impl Settings {
    /// The projected volume source the config asks for (SPEC §1).
    pub fn projected(&self) -> ProjectedVolumeSource {
        ProjectedVolumeSource {
            default_mode: Some(self.default_mode),
            sources: Some(vec![
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
                VolumeProjection {
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
                },
            ]),
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
    check(&spec, |field, value, allowed| {
        let path = format!("{prefix}{field}");
        ConfigError::Field {
            at: at(locate(node, &path)),
            field: path,
            problem: format!("{value} is not allowed; {allowed}"),
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
            "initContainers" => {
                containers.init_containers = Some(match text.as_str() {
                    "true" | "True" | "TRUE" => true,
                    "false" | "False" | "FALSE" => false,
                    _ => return Err(bad("expected true or false")),
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

/// Checks ranges and formats and fills in defaults.
fn check(
    spec: &Spec,
    bad: impl Fn(&str, String, &str) -> ConfigError,
) -> Result<Settings, ConfigError> {
    let mut s = Settings::default();
    if let Some(v) = spec.expiration_seconds {
        if !(600..=1i64 << 32).contains(&v) {
            return Err(bad(
                "expirationSeconds",
                v.to_string(),
                "allowed: 600 to 4294967296 (2^32)",
            ));
        }
        s.expiration_seconds = v;
    }
    s.audience = spec.audience.clone().filter(|a| !a.is_empty());
    if let Some(v) = &spec.volume_name {
        if !is_dns_label(v) {
            return Err(bad(
                "volumeName",
                format!("{v:?}"),
                "allowed: a DNS-1123 label (lower-case letters, digits and '-', at most 63, starting and ending with a letter or digit)",
            ));
        }
        s.volume_name = v.clone();
    }
    if let Some(v) = &spec.mount_path {
        if !v.starts_with('/') || v.contains(':') {
            return Err(bad(
                "mountPath",
                format!("{v:?}"),
                "allowed: an absolute path without ':'",
            ));
        }
        s.mount_path = v.clone();
    }
    if let Some(v) = &spec.ca_config_map {
        if !is_dns_subdomain(v) {
            return Err(bad(
                "caConfigMap",
                format!("{v:?}"),
                "allowed: a ConfigMap name (DNS-1123 subdomain, at most 253)",
            ));
        }
        s.ca_config_map = v.clone();
    }
    if let Some(v) = spec.default_mode {
        let mode = i32::try_from(v).ok().filter(|m| (0..=0o777).contains(m));
        s.default_mode = mode.ok_or_else(|| {
            bad(
                "defaultMode",
                v.to_string(),
                "allowed: 0 to 511 (0o777), e.g. 420 or 0644",
            )
        })?;
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
                    return Err(bad(
                        &format!("{field}[{i}]"),
                        format!("{g:?}"),
                        "allowed: a container name or a glob of one (a-z, 0-9, '-', '*', '?')",
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
    Ok(s)
}

fn is_dns_label(s: &str) -> bool {
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
        let err = read("apiVersion: v1\nkind: ConfigMap\ndata:\n  mode: audit\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("data.mode") && err.contains("expirationSeconds"),
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
