//! The functionConfig: its two accepted forms, the typed `HardenServiceAccountToken` and
//! a `v1` ConfigMap of flat keys (what `kpt fn eval -- key=value` sends), read and checked
//! into the [`Settings`] the rest of the function works from.
//!
//! Reading is kept apart from acting: this module turns what the user wrote into a
//! plain, checked struct, and names the field, the value, where it is and what is
//! allowed when it cannot. Each field is defined once, in `fields.rs`. A config file
//! named on the command line is read here too ([`from_file`]), whichever command it
//! serves.

mod config_map;
mod fields;
mod file;
mod read;
mod schema;

pub use file::{ConfigFileError, from_file};
pub use schema::{fields_table, schema_json};

use crate::decide::{ApiAccess, ContainerFilter, TokenVolume, Wanted};
use crate::rbac::Object;
use crate::select::Selector;
use crate::workloads::PodSpecPath;
use crate::yaml::{Document, Node};

use fields::FIELDS;
use read::{Problem, Value};

/// apiVersion of the typed functionConfig.
pub const API_VERSION: &str = "fn.harden-sa-token.dev/v1alpha1";
/// kind of the typed functionConfig.
pub const KIND: &str = "HardenServiceAccountToken";

/// `enforce` or `audit`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Mode {
    /// Change the manifests.
    #[default]
    Enforce,
    /// Change nothing; report what enforce would change, as errors.
    Audit,
}

/// What the RBAC objects in the input do (`docs/design.md`, "Who needs the API").
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Rbac {
    /// Decide as without them; say in results what they grant, and warn where nothing
    /// makes a token useful.
    #[default]
    Advise,
    /// Take the input as the whole truth about RBAC: a ServiceAccount that nothing in it
    /// grants anything gets no token.
    Apply,
    /// Do not read them.
    Off,
}

impl Rbac {
    /// Whether a Pod template's ServiceAccount is judged by what the RBAC objects grant
    /// it. Not under `rbac: off`: this is the one place that says what `off` means, and
    /// [`Rbac::reads`] follows from it.
    pub fn weighs_evidence(self) -> bool {
        !matches!(self, Rbac::Off)
    }

    /// Whether `object`, read from the input or an `--evidence` file, goes into the
    /// run's inventory: every RBAC object, or with `rbac: off` the ServiceAccounts alone,
    /// since their automount setting (whether a Pod has a token today) is not RBAC.
    pub fn reads(self, object: &Object) -> bool {
        self.weighs_evidence() || object.is_account()
    }
}

/// The platform whose token volume the function writes (`docs/design.md`, "Platform").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platform {
    /// Kubernetes' own: token, cluster CA, namespace.
    Kubernetes,
    /// OpenShift's: Kubernetes' and the service CA (`openshift-service-ca.crt`).
    OpenShift,
}

/// A checked rule: a selector and what it says about the workloads it picks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// The workloads it is about.
    pub target: Selector,
    /// Which of their containers get API access, when it says.
    pub access: Option<ApiAccess>,
    /// Their token's lifetime, when it says.
    pub expiration_seconds: Option<i64>,
}

/// Checked settings, with defaults filled in (the defaults are those of `fields.rs`).
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
    /// What the RBAC objects in the input do.
    pub rbac: Rbac,
    /// Whether ServiceAccount objects get `automountServiceAccountToken: false` too.
    pub service_accounts: bool,
    /// Extra places where Pod templates live.
    pub pod_spec_paths: Vec<PodSpecPath>,
    /// The platform, when the config names it (unset means Kubernetes, with a warning
    /// when the input shows OpenShift).
    pub platform: Option<Platform>,
}

impl Default for Settings {
    /// Every field at the default its definition gives.
    fn default() -> Self {
        let mut settings = Settings::blank();
        for field in FIELDS {
            // The defaults are constants, each read by a unit test.
            if let Ok(doc) = Document::parse(field.default)
                && let Some(root) = doc.roots().first()
            {
                let _ = (field.read)(&mut settings, Value::Node(root), &doc);
            }
        }
        settings
    }
}

impl Settings {
    /// Settings before any field is read; never used as they are.
    fn blank() -> Self {
        Settings {
            expiration_seconds: 0,
            audience: None,
            volume_name: String::new(),
            mount_path: String::new(),
            ca_config_map: String::new(),
            default_mode: 0,
            namespace_file: false,
            mode: Mode::Enforce,
            targets: Vec::new(),
            exclude: Vec::new(),
            containers: ContainerFilter {
                include: Vec::new(),
                exclude: Vec::new(),
                init_containers: false,
            },
            rules: Vec::new(),
            rbac: Rbac::Off,
            service_accounts: false,
            pod_spec_paths: Vec::new(),
            platform: None,
        }
    }

    /// The settings of the token volume.
    pub fn token(&self) -> TokenVolume {
        TokenVolume {
            expiration_seconds: self.expiration_seconds,
            audience: self.audience.clone(),
            ca_config_map: self.ca_config_map.clone(),
            default_mode: self.default_mode,
            namespace_file: self.namespace_file,
            service_ca: self.platform == Some(Platform::OpenShift),
        }
    }

    /// What the decision wants of every Pod template, made once per run.
    pub fn wanted(&self) -> Wanted {
        Wanted::new(
            &self.volume_name,
            &self.mount_path,
            &self.token(),
            self.containers.clone(),
        )
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
    /// A field with a bad value, or an unknown field.
    #[error(
        "functionConfig field `{field}`{}: {problem}",
        at.map(|(l, c)| format!(" (line {l}, column {c})")).unwrap_or_default()
    )]
    Field {
        /// Dotted path of the field.
        field: String,
        /// 1-based line and column in the user's file, when there is one.
        at: Option<(usize, usize)>,
        /// What is wrong and what is allowed.
        problem: String,
    },
}

/// Where a functionConfig was written, which decides whether positions mean anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A file of the user's (`--config`, a kustomize plugin's config): errors give the
    /// line and column in it.
    File,
    /// Text a tool wrote from the user's config: a ResourceList's `functionConfig` (kpt,
    /// kustomize), or the temporary copy kustomize hands a legacy exec plugin. Its lines
    /// are not the user's, so errors give the field alone.
    Generated,
}

/// Reads and checks a functionConfig node of `doc`; `None` (or an empty mapping) means
/// the defaults.
pub fn from_node(
    doc: &Document<'_>,
    node: Option<&Node<'_>>,
    origin: Origin,
) -> Result<Settings, ConfigError> {
    let Some(node) = node.filter(|n| !n.is_null() && n.entries().is_none_or(|e| !e.is_empty()))
    else {
        return Ok(Settings::default());
    };
    let problem = |prefix: &str, p: Problem| ConfigError::Field {
        field: format!("{prefix}{}", p.field),
        at: p.at.filter(|_| origin == Origin::File),
        problem: p.message,
    };
    let api_version = node.get_str("apiVersion").unwrap_or_default();
    let kind = node.get_str("kind").unwrap_or_default();
    match (api_version, kind) {
        (API_VERSION, KIND) => typed(doc, node).map_err(|p| problem("", p)),
        ("v1", "ConfigMap") => config_map::read(doc, node).map_err(|p| problem("data.", p)),
        _ => Err(ConfigError::UnknownKind {
            api_version: api_version.to_owned(),
            kind: kind.to_owned(),
        }),
    }
}

/// The top-level keys of the typed form.
const TOP: &[&str] = &["apiVersion", "kind", "metadata", "spec"];

/// Reads the typed form.
fn typed(doc: &Document<'_>, root: &Node<'_>) -> Result<Settings, Problem> {
    let mut settings = Settings::default();
    let mut spec = None;
    for (k, v) in Value::Node(root).entries(doc, "a mapping")? {
        match k.as_str().unwrap_or_default() {
            "spec" => spec = Some(v),
            "apiVersion" | "kind" | "metadata" => {}
            other => {
                return Err(Problem::at_key(
                    k,
                    other.to_owned(),
                    read::unknown(other, "field", TOP),
                ));
            }
        }
    }
    let Some(spec) = spec else {
        return Ok(settings);
    };
    read_fields(doc, spec, "", &mut settings).map_err(|p| p.under("spec"))?;
    Ok(settings)
}

/// Reads the fields under `prefix` (empty, or `containers.`) from the mapping `value`.
fn read_fields(
    doc: &Document<'_>,
    value: Value<'_, '_>,
    prefix: &str,
    settings: &mut Settings,
) -> Result<(), Problem> {
    // The names at this level: fields, and groups of fields (`containers`).
    let mut names: Vec<&str> = Vec::new();
    for field in FIELDS {
        let Some(rest) = field.path.strip_prefix(prefix) else {
            continue;
        };
        let name = rest.split('.').next().unwrap_or(rest);
        if !names.contains(&name) {
            names.push(name);
        }
    }
    for (k, v) in value.entries(doc, "a mapping")? {
        let name = k.as_str().unwrap_or_default();
        let path = format!("{prefix}{name}");
        if let Some(field) = FIELDS.iter().find(|f| f.path == path) {
            (field.read)(settings, v, doc).map_err(|p| p.under(&format!(".{name}")))?;
        } else if names.contains(&name) {
            read_fields(doc, v, &format!("{path}."), settings)
                .map_err(|p| p.under(&format!(".{name}")))?;
        } else {
            return Err(Problem::at_key(
                k,
                format!(".{name}"),
                read::unknown(name, "field", &names),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
