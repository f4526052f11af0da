//! Results as the KRM Functions Specification defines them: findings are data, and the
//! exit code is 1 exactly when one of them is an error.

use serde::Serialize;

use crate::yaml::Node;

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
    /// 1-based line and column, in the text that was read, of the node the result is
    /// about (a Pod spec, a field): where `check` and reports point. Not part of the KRM
    /// result, whose text is the caller's, not the user's.
    #[serde(skip)]
    pub at: Option<(usize, usize)>,
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
        let metadata = object.get("metadata");
        let meta = |key: &str| metadata.and_then(|m| m.get_str(key)).map(str::to_owned);
        FnResult {
            message,
            severity,
            resource_ref: Some(ResourceRef {
                api_version: object.get_str("apiVersion").unwrap_or_default().to_owned(),
                kind: object.get_str("kind").unwrap_or_default().to_owned(),
                name: meta("name").unwrap_or_default(),
                namespace: meta("namespace"),
            }),
            field: path.map(|p| Field { path: p.to_owned() }),
            file: file_of(holder),
            at: None,
        }
    }

    /// The same result, pointing at `node`.
    pub fn at(mut self, node: &Node<'_>) -> Self {
        self.at = Some((node.line(), node.column()));
        self
    }

    /// A result about the whole run.
    pub fn general(severity: Severity, message: String) -> Self {
        FnResult {
            message,
            severity,
            resource_ref: None,
            field: None,
            file: None,
            at: None,
        }
    }
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

/// 1 when any result is an error, else 0.
pub fn exit_code(results: &[FnResult]) -> u8 {
    u8::from(results.iter().any(|r| r.severity == Severity::Error))
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
