//! The fields of the functionConfig, each defined once: its name under `spec`, its
//! ConfigMap key, its default, what it allows, what it does, its schema and how it is
//! read and checked. `Settings::default`, both readers, the JSON Schema and the table of
//! `docs/configuration.md` all come from [`FIELDS`].

use serde_json::{Value as Json, json};

use super::read::{Problem, Value, expects, not_allowed};
use super::{Mode, Platform, Rbac, Rule, Settings};
use crate::decide::{
    ApiAccess, is_container_glob, is_dns_label, is_dns_subdomain, is_valid_lifetime,
};
use crate::select::{LabelSelector, Pattern, Selector};
use crate::workloads::PodSpecPath;
use crate::yaml::Document;

/// One field of the functionConfig.
pub(super) struct Field {
    /// Its path under `spec`, e.g. `containers.include`.
    pub(super) path: &'static str,
    /// Its key under `data` in the ConfigMap form, when it has one.
    pub(super) config_map: Option<&'static str>,
    /// Its default, as YAML: what the docs show and what `Settings::default` holds.
    pub(super) default: &'static str,
    /// What values it allows.
    pub(super) allowed: &'static str,
    /// What it does.
    pub(super) doc: &'static str,
    /// The JSON Schema of its value (without description and default, added from above).
    pub(super) schema: fn() -> Json,
    /// Reads and checks a value into the settings.
    pub(super) read:
        for<'n, 'a> fn(&mut Settings, Value<'n, 'a>, &'n Document<'a>) -> Result<(), Problem>,
}

const SELECTORS: &str = "a list of selectors: `{group, version, kind, name, namespace, labelSelector, annotationSelector}`";

/// Every field, in the order the docs list them.
pub(super) const FIELDS: &[Field] = &[
    Field {
        path: "mode",
        config_map: Some("mode"),
        default: "enforce",
        allowed: "enforce or audit",
        doc: "`enforce` changes the manifests; `audit` changes nothing and reports each Pod template that enforce would change as an error (exit 1)",
        schema: || json!({"type": "string", "enum": ["enforce", "audit"]}),
        read: |s, v, _| {
            let text = v.string()?;
            s.mode = match text {
                "enforce" => Mode::Enforce,
                "audit" => Mode::Audit,
                _ => return Err(one_of(&v, text, &["enforce", "audit"], "enforce or audit")),
            };
            Ok(())
        },
    },
    Field {
        path: "expirationSeconds",
        config_map: Some("expirationSeconds"),
        default: "3607",
        allowed: "600 to 4294967296 (2^32)",
        doc: "Lifetime of the projected token, in seconds, for new token volumes; an existing one keeps its own unless this is shorter (no `expirationSeconds` is 3600 s; 3607 without an audience is a year), and a `rules:` entry or the annotation `harden-sa-token.dev/expiration-seconds` sets it for a workload, longer too. Keep the default: 3607, kubelet's own value (and Linkerd's), is the drop-in equivalent of automount, since the API server extends a token of its own audience with exactly that lifetime to a year for legacy clients (`--service-account-extend-token-expiration`, on by default). Any other value, or an `audience`, gives tokens that really expire, which clients must reload (client-go does)",
        schema: || json!({"type": "integer", "minimum": 600, "maximum": 4_294_967_296i64}),
        read: |s, v, _| {
            s.expiration_seconds = lifetime(&v)?;
            Ok(())
        },
    },
    Field {
        path: "audience",
        config_map: Some("audience"),
        default: "\"\"",
        allowed: "any string; empty means the API server's own audience",
        doc: "Audience of the token of new token volumes; an existing one keeps its own",
        schema: || json!({"type": "string"}),
        read: |s, v, _| {
            s.audience = Some(v.string()?.to_owned()).filter(|a| !a.is_empty());
            Ok(())
        },
    },
    Field {
        path: "volumeName",
        config_map: Some("volumeName"),
        default: "kube-api-access",
        allowed: VOLUME_NAME,
        doc: "Name of the projected volume",
        schema: || json!({"type": "string", "maxLength": 63, "pattern": "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"}),
        read: |s, v, _| {
            let name = v.string()?;
            if !is_dns_label(name) {
                return Err(not_allowed(&v, format!("{name:?}"), VOLUME_NAME));
            }
            s.volume_name = name.to_owned();
            Ok(())
        },
    },
    Field {
        path: "mountPath",
        config_map: Some("mountPath"),
        default: "/var/run/secrets/kubernetes.io/serviceaccount",
        allowed: "an absolute path without ':'",
        doc: "Where the token is mounted; client libraries look for it here",
        schema: || json!({"type": "string", "pattern": "^/[^:]*$"}),
        read: |s, v, _| {
            let path = v.string()?;
            if !path.starts_with('/') || path.contains(':') {
                return Err(not_allowed(
                    &v,
                    format!("{path:?}"),
                    "an absolute path without ':'",
                ));
            }
            s.mount_path = path.to_owned();
            Ok(())
        },
    },
    Field {
        path: "caConfigMap",
        config_map: Some("caConfigMap"),
        default: "kube-root-ca.crt",
        allowed: "a ConfigMap name (DNS-1123 subdomain, at most 253)",
        doc: "ConfigMap holding the cluster CA as `ca.crt`",
        schema: || json!({"type": "string", "maxLength": 253}),
        read: |s, v, _| {
            let name = v.string()?;
            if !is_dns_subdomain(name) {
                return Err(not_allowed(
                    &v,
                    format!("{name:?}"),
                    "a ConfigMap name (DNS-1123 subdomain, at most 253)",
                ));
            }
            s.ca_config_map = name.to_owned();
            Ok(())
        },
    },
    Field {
        path: "defaultMode",
        config_map: Some("defaultMode"),
        default: "420",
        allowed: "0 to 511 (0o777), e.g. 420 or 0644",
        doc: "Mode bits of the projected files; `0644` and `0o644` are octal, as Kubernetes reads them",
        schema: || json!({"type": "integer", "minimum": 0, "maximum": 511}),
        read: |s, v, _| {
            let n = v.int("a number such as 420 or 0644")?;
            s.default_mode = i32::try_from(n)
                .ok()
                .filter(|m| (0..=0o777).contains(m))
                .ok_or_else(|| not_allowed(&v, n, "0 to 511 (0o777), e.g. 420 or 0644"))?;
            Ok(())
        },
    },
    Field {
        path: "namespaceFile",
        config_map: Some("namespaceFile"),
        default: "true",
        allowed: "true or false",
        doc: "Project the Pod's namespace as the file `namespace`, as kubelet's own volume does; `false` for Knative Serving before 1.10, whose webhook rejects `downwardAPI` sources in projected volumes",
        schema: || json!({"type": "boolean"}),
        read: |s, v, _| {
            s.namespace_file = v.bool()?;
            Ok(())
        },
    },
    Field {
        path: "platform",
        config_map: Some("platform"),
        default: "\"\"",
        allowed: "kubernetes or openshift; empty (the default) means kubernetes",
        doc: "Whose token volume to write: `kubernetes` (token, cluster CA, namespace) or `openshift`, whose admission also projects the ConfigMap `openshift-service-ca.crt` as `service-ca.crt`. Left empty, it is `kubernetes`, with a warning when the input shows OpenShift (its API groups or `openshift.io/` annotations)",
        schema: || json!({"type": "string", "enum": ["", "kubernetes", "openshift"]}),
        read: |s, v, _| {
            let text = v.string()?;
            s.platform = match text {
                "" => None,
                "kubernetes" => Some(Platform::Kubernetes),
                "openshift" => Some(Platform::OpenShift),
                _ => {
                    return Err(one_of(
                        &v,
                        text,
                        &["kubernetes", "openshift"],
                        "kubernetes or openshift",
                    ));
                }
            };
            Ok(())
        },
    },
    Field {
        path: "targets",
        config_map: None,
        default: "[]",
        allowed: SELECTORS,
        doc: "Objects to work on; empty means every Pod template",
        schema: || json!({"type": "array", "items": selector_schema()}),
        read: |s, v, doc| {
            s.targets = selectors(&v, doc)?;
            Ok(())
        },
    },
    Field {
        path: "exclude",
        config_map: None,
        default: "[]",
        allowed: SELECTORS,
        doc: "Objects to leave alone, even when targeted",
        schema: || json!({"type": "array", "items": selector_schema()}),
        read: |s, v, doc| {
            s.exclude = selectors(&v, doc)?;
            Ok(())
        },
    },
    Field {
        path: "containers.include",
        config_map: Some("containers"),
        default: "[\"*\"]",
        allowed: "container names or globs of them (a-z, 0-9, '-', '*', '?'); a comma list in the ConfigMap",
        doc: "Containers that keep the API access they have today (it narrows, never grants)",
        schema: || json!({"type": "array", "items": {"type": "string"}}),
        read: |s, v, doc| {
            s.containers.include = globs(&v, doc)?;
            Ok(())
        },
    },
    Field {
        path: "containers.exclude",
        config_map: Some("excludeContainers"),
        default: "[]",
        allowed: "container names or globs of them; a comma list in the ConfigMap",
        doc: "Containers that lose API access, even when included",
        schema: || json!({"type": "array", "items": {"type": "string"}}),
        read: |s, v, doc| {
            s.containers.exclude = globs(&v, doc)?;
            Ok(())
        },
    },
    Field {
        path: "containers.initContainers",
        config_map: Some("initContainers"),
        default: "true",
        allowed: "true or false",
        doc: "`false` takes API access from init containers",
        schema: || json!({"type": "boolean"}),
        read: |s, v, _| {
            s.containers.init_containers = v.bool()?;
            Ok(())
        },
    },
    Field {
        path: "rules",
        config_map: None,
        default: "[]",
        allowed: "a list of `{target: selector, apiAccess: none | all | [container names], expirationSeconds: 600 to 2^32}`, each with `apiAccess`, `expirationSeconds` or both",
        doc: "Statements about the workloads a selector picks: `apiAccess` says which of their containers get API access, exactly (it may grant it); `expirationSeconds` sets their token's lifetime, longer than before too. For each, the last match that says it wins",
        schema: || {
            json!({"type": "array", "items": {
                "type": "object",
                "additionalProperties": false,
                "required": ["target"],
                "anyOf": [{"required": ["apiAccess"]}, {"required": ["expirationSeconds"]}],
                "properties": {
                    "target": selector_schema(),
                    "expirationSeconds": {
                        "description": "Lifetime of these workloads' token, in seconds; it may be longer than the token had.",
                        "type": "integer", "minimum": 600, "maximum": 4_294_967_296i64
                    },
                    "apiAccess": {
                        "description": "`none`, `all`, or a list of container (or init container) names.",
                        "anyOf": [
                            {"type": "string", "enum": ["none", "all"]},
                            {"type": "array", "items": {"type": "string"}}
                        ]
                    }
                }
            }})
        },
        read: |s, v, doc| {
            s.rules = rules(&v, doc)?;
            Ok(())
        },
    },
    Field {
        path: "rbac",
        config_map: Some("rbac"),
        default: "advise",
        allowed: "advise, apply or off",
        doc: "What the RBAC objects in the input (ServiceAccounts, Roles, ClusterRoles and their bindings) do. `advise` changes no decision: results say which ServiceAccount each Pod template runs as and what grants it rights, and warn where nothing in the input makes its token useful. `apply` takes the input and the evidence (`local-config` RBAC objects, `--evidence` files, the Kubernetes bootstrap roles) as the whole truth about RBAC: a Pod template whose ServiceAccount nothing there grants a usable right gets no token, as if a statement said `none`, but only on complete, positive evidence (bindings were read, the ServiceAccount is defined or `default`, its namespace is set) and when the Pod template neither sets `automountServiceAccountToken: true` nor uses the token outside RBAC (Vault's agent injector, the token path in a container); otherwise it keeps the token, with a warning. Annotations and rules still win; in audit mode such a token is an error. `off` reads no RBAC",
        schema: || json!({"type": "string", "enum": ["advise", "apply", "off"]}),
        read: |s, v, _| {
            let text = v.string()?;
            s.rbac = match text {
                "advise" => Rbac::Advise,
                "apply" => Rbac::Apply,
                "off" => Rbac::Off,
                _ => {
                    return Err(one_of(
                        &v,
                        text,
                        &["advise", "apply", "off"],
                        "advise, apply or off",
                    ));
                }
            };
            Ok(())
        },
    },
    Field {
        path: "serviceAccounts",
        config_map: Some("serviceAccounts"),
        default: "false",
        allowed: "true or false",
        doc: "`true` also sets `automountServiceAccountToken: false` on the selected ServiceAccount objects",
        schema: || json!({"type": "boolean"}),
        read: |s, v, _| {
            s.service_accounts = v.bool()?;
            Ok(())
        },
    },
    Field {
        path: "podSpecPaths",
        config_map: None,
        default: "[]",
        allowed: "a list of `{group, kind, path}`, the path written `spec/template/spec` with `[]` for every item of a list and `*` for every value of a map",
        doc: "More places where Pod templates live, for kinds that are not built in",
        schema: || {
            json!({"type": "array", "items": {
                "type": "object",
                "additionalProperties": false,
                "required": ["kind", "path"],
                "properties": {
                    "group": {"type": "string", "description": "API group; empty or absent for the core group."},
                    "kind": {"type": "string"},
                    "path": {"type": "string", "description": "Keys separated by `/`; `[]` walks every item of a list and `*` every value of a map, e.g. `spec/replicaSpecs/*/template/spec`."}
                }
            }})
        },
        read: |s, v, doc| {
            s.pod_spec_paths = pod_spec_paths(&v, doc)?;
            Ok(())
        },
    },
];

/// What a token lifetime may be, as Kubernetes allows it.
pub(crate) const LIFETIME_ALLOWED: &str = "600 to 4294967296 (2^32)";

/// A token lifetime in seconds, as Kubernetes allows it.
fn lifetime(v: &Value<'_, '_>) -> Result<i64, Problem> {
    let n = v.int("a number of seconds")?;
    if !is_valid_lifetime(n) {
        return Err(not_allowed(v, n, LIFETIME_ALLOWED));
    }
    Ok(n)
}

const VOLUME_NAME: &str = "a DNS-1123 label (lower-case letters, digits and '-', at most 63, starting and ending with a letter or digit)";

/// `text` is not one of `values`: says what is allowed, and what was likely meant.
fn one_of(v: &Value<'_, '_>, text: &str, values: &[&str], allowed: &str) -> Problem {
    let mut problem = not_allowed(v, format!("{text:?}"), allowed);
    if let Some(near) = super::read::did_you_mean(text, values.iter().copied()) {
        problem
            .message
            .push_str(&format!(" (did you mean `{near}`?)"));
    }
    problem
}

fn globs(v: &Value<'_, '_>, doc: &Document<'_>) -> Result<Vec<String>, Problem> {
    let names = v.names(doc)?;
    for (i, (name, item)) in names.iter().enumerate() {
        if !is_container_glob(name) {
            let problem = not_allowed(
                item,
                format!("{name:?}"),
                "a container name or a glob of one (a-z, 0-9, '-', '*', '?')",
            );
            return Err(match v {
                Value::Node(_) => problem.under(&format!("[{i}]")),
                Value::Text(..) => problem,
            });
        }
    }
    Ok(names.into_iter().map(|(name, _)| name).collect())
}

/// The fields of a selector.
const SELECTOR_FIELDS: &[&str] = &[
    "group",
    "version",
    "kind",
    "name",
    "namespace",
    "labelSelector",
    "annotationSelector",
];

fn selector_schema() -> Json {
    let pattern = |what: &str| json!({"type": "string", "description": format!("{what}, a regular expression matched against the whole value.")});
    json!({
        "type": "object",
        "additionalProperties": false,
        "description": "Selects objects, as kustomize's `target` does: every field that is set must match.",
        "properties": {
            "group": pattern("API group (`\"\"` is core)"),
            "version": pattern("API version"),
            "kind": pattern("Kind"),
            "name": pattern("`metadata.name`"),
            "namespace": pattern("`metadata.namespace`"),
            "labelSelector": {"type": "string", "description": "A Kubernetes label selector: `app=web,tier in (a,b),!legacy`."},
            "annotationSelector": {"type": "string", "description": "The same syntax, over annotations."}
        }
    })
}

/// Reads `v` as a mapping whose keys must be among `known`.
fn mapping<'n, 'a>(
    v: &Value<'n, 'a>,
    doc: &'n Document<'a>,
    known: &[&str],
) -> Result<Vec<(&'n str, Value<'n, 'a>)>, Problem> {
    let entries = v.entries(doc, "a mapping")?;
    entries
        .into_iter()
        .map(|(k, value)| {
            let key = k.as_str().unwrap_or_default();
            if known.contains(&key) {
                Ok((key, value))
            } else {
                Err(Problem::at_key(
                    k,
                    format!(".{key}"),
                    super::read::unknown(key, "field", known),
                ))
            }
        })
        .collect()
}

fn selector(v: &Value<'_, '_>, doc: &Document<'_>) -> Result<Selector, Problem> {
    let mut selector = Selector::default();
    for (key, value) in mapping(v, doc, SELECTOR_FIELDS)? {
        let text = value.string().map_err(|p| p.under(&format!(".{key}")))?;
        let bad = |problem: String| Problem::at(&value, problem).under(&format!(".{key}"));
        match key {
            "labelSelector" | "annotationSelector" => {
                let parsed = LabelSelector::parse(text).map_err(|e| bad(e.problem))?;
                if key == "labelSelector" {
                    selector.labels = Some(parsed);
                } else {
                    selector.annotations = Some(parsed);
                }
            }
            _ => {
                let pattern = Pattern::new(text).map_err(|e| bad(e.problem))?;
                let slot = match key {
                    "group" => &mut selector.group,
                    "version" => &mut selector.version,
                    "kind" => &mut selector.kind,
                    "name" => &mut selector.name,
                    _ => &mut selector.namespace,
                };
                *slot = Some(pattern);
            }
        }
    }
    Ok(selector)
}

fn selectors(v: &Value<'_, '_>, doc: &Document<'_>) -> Result<Vec<Selector>, Problem> {
    v.list(doc, SELECTORS)?
        .iter()
        .enumerate()
        .map(|(i, item)| selector(item, doc).map_err(|p| p.under(&format!("[{i}]"))))
        .collect()
}

fn rules(v: &Value<'_, '_>, doc: &Document<'_>) -> Result<Vec<Rule>, Problem> {
    let mut out = Vec::new();
    for (i, item) in v.list(doc, "a list of rules")?.iter().enumerate() {
        let at = |p: Problem| p.under(&format!("[{i}]"));
        let (mut target, mut access, mut expiration_seconds) = (None, None, None);
        for (key, value) in
            mapping(item, doc, &["target", "apiAccess", "expirationSeconds"]).map_err(at)?
        {
            let under = |p: Problem| at(p.under(&format!(".{key}")));
            match key {
                "target" => target = Some(selector(&value, doc).map_err(under)?),
                "apiAccess" => access = Some(api_access(&value, doc).map_err(under)?),
                _ => expiration_seconds = Some(lifetime(&value).map_err(under)?),
            }
        }
        let missing = |field: &str| at(Problem::at(item, format!("missing field `{field}`")));
        if access.is_none() && expiration_seconds.is_none() {
            return Err(missing("apiAccess` or `expirationSeconds"));
        }
        out.push(Rule {
            target: target.ok_or_else(|| missing("target"))?,
            access,
            expiration_seconds,
        });
    }
    Ok(out)
}

fn api_access(v: &Value<'_, '_>, doc: &Document<'_>) -> Result<ApiAccess, Problem> {
    const ALLOWED: &str = "`none`, `all` or a list of container names";
    if let Value::Node(n) = v
        && n.items().is_some()
    {
        let names = v.names(doc)?;
        for (i, (name, item)) in names.iter().enumerate() {
            if !is_dns_label(name) {
                return Err(not_allowed(
                    item,
                    format!("{name:?}"),
                    "a container name (a DNS-1123 label)",
                )
                .under(&format!("[{i}]")));
            }
        }
        return Ok(ApiAccess::Containers(
            names.into_iter().map(|(name, _)| name).collect(),
        ));
    }
    match v.string().map_err(|_| expects(v, ALLOWED))? {
        "none" => Ok(ApiAccess::None),
        "all" => Ok(ApiAccess::All),
        other => Err(one_of(v, other, &["none", "all"], ALLOWED)),
    }
}

fn pod_spec_paths(v: &Value<'_, '_>, doc: &Document<'_>) -> Result<Vec<PodSpecPath>, Problem> {
    let mut out = Vec::new();
    for (i, item) in v
        .list(doc, "a list of `{group, kind, path}`")?
        .iter()
        .enumerate()
    {
        let at = |p: Problem| p.under(&format!("[{i}]"));
        let (mut group, mut kind, mut path) = ("", None, None);
        for (key, value) in mapping(item, doc, &["group", "kind", "path"]).map_err(at)? {
            let text = value
                .string()
                .map_err(|p| at(p.under(&format!(".{key}"))))?;
            match key {
                "group" => group = text,
                "kind" => kind = Some((text, value)),
                _ => path = Some((text, value)),
            }
        }
        let missing = |field: &str| at(Problem::at(item, format!("missing field `{field}`")));
        let (kind, kind_at) = kind.ok_or_else(|| missing("kind"))?;
        let (path, path_at) = path.ok_or_else(|| missing("path"))?;
        out.push(PodSpecPath::new(group, kind, path).map_err(|problem| {
            let (field, value) = if kind.is_empty() {
                ("kind", kind_at)
            } else {
                ("path", path_at)
            };
            at(Problem::at(&value, problem).under(&format!(".{field}")))
        })?);
    }
    Ok(out)
}
