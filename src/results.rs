//! Results as the KRM Functions Specification defines them: findings are data, and the
//! exit code is 1 exactly when one of them is an error.

use serde::Serialize;

use crate::replacement::Replacement;
use crate::yaml::{Batch, Node};

/// How serious a result is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The run failed for this resource (or as a whole).
    Error,
    /// Something the user should look at.
    Warning,
    /// What was done.
    Info,
}

/// The object a result is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceRef {
    /// apiVersion.
    pub api_version: String,
    /// kind.
    pub kind: String,
    /// metadata.name.
    pub name: String,
    /// metadata.namespace, when set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

impl ResourceRef {
    /// The reference of `object`.
    pub fn of(object: &Node<'_>) -> Self {
        let metadata = object.get("metadata");
        let meta = |key: &str| metadata.and_then(|m| m.get_str(key)).map(str::to_owned);
        ResourceRef {
            api_version: object.get_str("apiVersion").unwrap_or_default().to_owned(),
            kind: object.get_str("kind").unwrap_or_default().to_owned(),
            name: meta("name").unwrap_or_default(),
            namespace: meta("namespace"),
        }
    }
}

/// The field a result is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Field {
    /// Dotted path, e.g. `spec.template.spec`.
    pub path: String,
}

/// The file the object came from (kpt's `internal.config.kubernetes.io/path` and `index`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct File {
    /// Path relative to the package.
    pub path: String,
    /// Index of the document in that file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<u64>,
}

/// One result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FnResult {
    /// What happened.
    pub message: String,
    /// How serious it is.
    pub severity: Severity,
    /// The object it is about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_ref: Option<ResourceRef>,
    /// The field it is about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<Field>,
    /// The file the object came from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<File>,
    /// What reports need beyond the KRM fields; not part of the KRM result.
    #[serde(skip)]
    pub detail: Detail,
}

/// What `check`, `fix` and the report files need to know about a result beyond what a
/// KRM result says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Detail {
    /// 1-based line and column, in the text that was read, of the node the result is
    /// about (a Pod spec, a field): where lines and reports point. A ResourceList's
    /// results carry none in the ResourceList, whose text is the caller's.
    pub at: Option<(usize, usize)>,
    /// What kind of finding it is.
    pub rule: Option<Rule>,
    /// The findings of a result that says several things at once (audit mode's "not
    /// hardened: automount is on; the volume is missing; ..."), each of its own kind.
    pub parts: Vec<(Rule, String)>,
    /// Which of its object's edits make the change the result is about (the batches
    /// they were made in), until the protocol turns them into `fix`.
    pub edits: Vec<Batch>,
    /// The exact change the result is about: byte ranges of the input and their new
    /// text, in order of position, checked like any output (what `fix` writes, or
    /// would write).
    pub fix: Vec<Replacement>,
}

/// One Pod template as the auditors' inventory lists it: who it runs as, which of its
/// containers hold a token, what that token may do, and what the run did to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The workload that holds it.
    pub resource: ResourceRef,
    /// Path of the PodSpec in the workload.
    pub path: String,
    /// 1-based line and column of the PodSpec, in the text that was read.
    pub at: Option<(usize, usize)>,
    /// Its ServiceAccount, as `namespace/name` (or `name` without a namespace).
    pub account: String,
    /// The containers and init containers that hold a token once hardened as the config
    /// asks (or still, when the template was left unchanged).
    pub containers: Vec<String>,
    /// What the run did to it.
    pub change: RowChange,
    /// What the ServiceAccount may do, as far as the RBAC objects of the input tell;
    /// `None` with `rbac: off`.
    pub may_do: Option<String>,
    /// Its token's lifetime and audience, short, when a container holds the token: an
    /// existing volume may keep its own, so this is per Pod template.
    pub token: Option<(String, String)>,
}

/// What a run did to one Pod template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowChange {
    /// Hardened now.
    Hardened,
    /// Not hardened; enforce mode would harden it.
    WouldHarden,
    /// Already as the config asks.
    Already,
    /// Left unchanged because of an error.
    LeftUnchanged,
}

/// What kind of finding a result is: the rules of a SARIF report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rule {
    /// A Pod template whose `automountServiceAccountToken` is not `false`.
    AutomountNotDisabled,
    /// A token volume is needed and missing.
    TokenVolumeMissing,
    /// The token volume differs from the config.
    TokenVolumeDiffers,
    /// A token volume no container should mount.
    TokenVolumeUnused,
    /// A container that should mount the token (read-only, at the mount path) does not.
    TokenMountMissing,
    /// A container mounts the token where it would not be.
    TokenMountUnwanted,
    /// A ServiceAccount whose `automountServiceAccountToken` is not `false`.
    ServiceAccountAutomount,
    /// Under `rbac: apply`, a token nothing in the input grants any right.
    TokenGrantsNothing,
    /// A resource the function left unchanged: a conflict, a malformed annotation, a
    /// layout it will not edit.
    LeftUnchanged,
    /// The output check refused the function's own edits of a resource, which was left
    /// unchanged: on input the function accepts, a bug of its editor.
    InternalError,
    /// A container loses (or would lose) the API access it had.
    AccessLost,
    /// A container mounts another volume at the token's mount path.
    ForeignMount,
    /// A container keeps API access through a token volume this function does not manage.
    UnmanagedToken,
    /// A statement names a container the Pod template does not have.
    UnknownContainer,
    /// Under `rbac: advise`, a token nothing in the input makes useful.
    TokenWithoutGrant,
    /// Under `rbac: apply`, evidence too incomplete to decide.
    IncompleteEvidence,
    /// The input shows OpenShift while `platform` is unset.
    PlatformUnset,
    /// Under `rbac: apply`, a token nothing grants anything, kept because the Pod
    /// template uses it outside RBAC.
    TokenUsedOutsideRbac,
    /// A workload of Kubernetes' own kinds without the Pod template its kind must have.
    NoPodTemplate,
    /// What was hardened.
    Hardened,
    /// A stream document that is not an object.
    NotAnObject,
}

impl Rule {
    /// Every rule, in the order reports list them.
    pub const ALL: &'static [Rule] = &[
        Rule::AutomountNotDisabled,
        Rule::TokenVolumeMissing,
        Rule::TokenVolumeDiffers,
        Rule::TokenVolumeUnused,
        Rule::TokenMountMissing,
        Rule::TokenMountUnwanted,
        Rule::ServiceAccountAutomount,
        Rule::TokenGrantsNothing,
        Rule::LeftUnchanged,
        Rule::InternalError,
        Rule::AccessLost,
        Rule::ForeignMount,
        Rule::UnmanagedToken,
        Rule::UnknownContainer,
        Rule::TokenWithoutGrant,
        Rule::IncompleteEvidence,
        Rule::PlatformUnset,
        Rule::TokenUsedOutsideRbac,
        Rule::NoPodTemplate,
        Rule::Hardened,
        Rule::NotAnObject,
    ];

    /// The rule's id: stable across versions, as reports and dashboards key on it.
    pub fn id(self) -> &'static str {
        match self {
            Rule::AutomountNotDisabled => "HST001",
            Rule::TokenVolumeMissing => "HST002",
            Rule::TokenVolumeDiffers => "HST003",
            Rule::TokenVolumeUnused => "HST004",
            Rule::TokenMountMissing => "HST005",
            Rule::TokenMountUnwanted => "HST006",
            Rule::ServiceAccountAutomount => "HST007",
            Rule::TokenGrantsNothing => "HST008",
            Rule::LeftUnchanged => "HST010",
            Rule::InternalError => "HST011",
            Rule::AccessLost => "HST020",
            Rule::ForeignMount => "HST021",
            Rule::UnmanagedToken => "HST022",
            Rule::UnknownContainer => "HST023",
            Rule::TokenWithoutGrant => "HST024",
            Rule::IncompleteEvidence => "HST025",
            Rule::PlatformUnset => "HST026",
            Rule::TokenUsedOutsideRbac => "HST027",
            Rule::NoPodTemplate => "HST028",
            Rule::Hardened => "HST100",
            Rule::NotAnObject => "HST101",
        }
    }
}

impl FnResult {
    /// A result about `object` (and the PodSpec at `path`, when given); `holder` carries
    /// the file annotations (the object itself, or the `List` it is in).
    pub fn about(
        severity: Severity,
        message: String,
        object: &Node<'_>,
        holder: &Node<'_>,
        path: Option<&str>,
    ) -> Self {
        FnResult {
            message,
            severity,
            resource_ref: Some(ResourceRef::of(object)),
            field: path.map(|p| Field { path: p.to_owned() }),
            file: file_of(holder),
            detail: Detail::default(),
        }
    }

    /// The same result, pointing at `node`.
    pub fn at(mut self, node: &Node<'_>) -> Self {
        self.detail.at = Some((node.line(), node.column()));
        self
    }

    /// The same result, of the kind `rule`.
    pub fn rule(mut self, rule: Rule) -> Self {
        self.detail.rule = Some(rule);
        self
    }

    /// Whether the output check refused the function's own edits of the object this
    /// result is about ([`Rule::InternalError`]).
    pub fn is_internal_error(&self) -> bool {
        self.detail.rule == Some(Rule::InternalError)
    }

    /// A result about the whole run.
    pub fn general(severity: Severity, message: String) -> Self {
        FnResult {
            message,
            severity,
            resource_ref: None,
            field: None,
            file: None,
            detail: Detail::default(),
        }
    }
}

/// Whether `object` carries the path of the file it was read from (kpt's and kustomize's
/// annotations): its lines in the input are then not the lines of the user's file.
pub fn carries_file(object: &Node<'_>) -> bool {
    file_of(object).is_some()
}

fn file_of(object: &Node<'_>) -> Option<File> {
    let annotations = object.get("metadata")?.get("annotations")?;
    let get = |new: &str, legacy: &str| {
        annotations
            .get_str(new)
            .or_else(|| annotations.get_str(legacy))
    };
    let path = get(
        "internal.config.kubernetes.io/path",
        "config.kubernetes.io/path",
    )?;
    Some(File {
        path: path.to_owned(),
        index: get(
            "internal.config.kubernetes.io/index",
            "config.kubernetes.io/index",
        )
        .and_then(|i| i.parse().ok()),
    })
}

/// How many Pod templates (and ServiceAccounts) were hardened, were so already, or are
/// not: changed in audit mode, or left unchanged because of an error.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Pod templates changed (enforce mode).
    pub hardened: usize,
    /// Pod templates already as the config asks.
    pub already: usize,
    /// Pod templates that are not as the config asks and were not changed.
    pub not_hardened: usize,
    /// ServiceAccounts changed (enforce mode).
    pub accounts_hardened: usize,
    /// ServiceAccounts not as the config asks and not changed.
    pub accounts_not_hardened: usize,
}

impl std::ops::Add for Tally {
    type Output = Tally;

    fn add(self, other: Tally) -> Tally {
        Tally {
            hardened: self.hardened + other.hardened,
            already: self.already + other.already,
            not_hardened: self.not_hardened + other.not_hardened,
            accounts_hardened: self.accounts_hardened + other.accounts_hardened,
            accounts_not_hardened: self.accounts_not_hardened + other.accounts_not_hardened,
        }
    }
}

impl Tally {
    /// The tally of an object left unchanged after all: nothing of it was hardened.
    pub fn left_unchanged(self) -> Tally {
        Tally {
            hardened: 0,
            already: self.already,
            not_hardened: self.not_hardened + self.hardened,
            accounts_hardened: 0,
            accounts_not_hardened: self.accounts_not_hardened + self.accounts_hardened,
        }
    }
}

/// The exit status of every command that runs to the end (the stream, a ResourceList,
/// `fix`, `check`, `evidence`): 1 when any result is an error or anything (a file, a
/// path, an input) `failed`, else 0. A run that cannot finish is an error `main` turns
/// into 1, or 2 when the command line is at fault.
pub fn exit_code<'a>(results: impl IntoIterator<Item = &'a FnResult>, failed: usize) -> u8 {
    u8::from(failed > 0 || results.into_iter().any(|r| r.severity == Severity::Error))
}

impl std::fmt::Display for FnResult {
    /// The way kpt prints a result: `[error] apps/v1/Deployment/ns/name field: message`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let severity = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        };
        write!(f, "[{severity}]")?;
        if let Some(r) = &self.resource_ref {
            write!(f, " {}/{}/", r.api_version, r.kind)?;
            if let Some(ns) = &r.namespace {
                write!(f, "{ns}/")?;
            }
            write!(f, "{}", r.name)?;
        }
        if let Some(field) = &self.field {
            write!(f, " {}", field.path)?;
        }
        if self.resource_ref.is_some() || self.field.is_some() {
            write!(f, ":")?;
        }
        write!(f, " {}", self.message)
    }
}
