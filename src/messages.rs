//! The words of every result: what was done or would be, warnings, conflicts, and the
//! stream's summary line. Nothing here decides anything; it only says what the decision
//! and the filter found, so wording can change without touching them.

use crate::decide::{
    Automount, Conflict, Dropped, MountEdit, Plan, PodTemplate, StatedBy, VolumeChange, Wanted,
    Warning, Why,
};
use crate::policy::{API_ACCESS_ANNOTATION, BadAnnotation};
use crate::template::{Shape, TemplateError};

/// Who made a statement.
pub fn stated_by(by: &StatedBy) -> String {
    match by {
        StatedBy::TemplateAnnotation => {
            format!("annotation {API_ACCESS_ANNOTATION} on the Pod template")
        }
        StatedBy::WorkloadAnnotation => {
            format!("annotation {API_ACCESS_ANNOTATION} on the workload")
        }
        StatedBy::Rule(i) => format!("rules[{i}]"),
        StatedBy::NoRbacGrant { account } => {
            format!("rbac: apply (nothing in the input grants ServiceAccount {account} any right)")
        }
    }
}

fn why(why: &Why) -> String {
    match why {
        Why::SaysNone(by) => format!("{} says none", stated_by(by)),
        Why::NotNamed(by) => format!("{} does not name it", stated_by(by)),
        Why::Filter(Dropped::InitContainer) => "containers.initContainers is false".into(),
        Why::Filter(Dropped::Excluded(glob)) => format!("containers.exclude has {glob:?}"),
        Why::Filter(Dropped::NotIncluded) => "containers.include does not match it".into(),
    }
}

/// A warning about one Pod template.
pub fn warning(warning: &Warning, pod: &PodTemplate, wanted: &Wanted) -> String {
    match warning {
        Warning::UnknownContainer { by, name } => format!(
            "{} names container {name:?}, which this Pod template does not have",
            stated_by(by)
        ),
        Warning::ForeignMount { container, volume } => format!(
            "container {:?} already mounts volume {volume:?} at {}; left as it is, without a second mount",
            pod.label(*container),
            wanted.mount_path
        ),
        Warning::KeepsAccess {
            container,
            volume,
            why: reason,
        } => format!(
            "container {:?} keeps API access through volume {volume:?} mounted at {}, which this function does not manage ({})",
            pod.label(*container),
            wanted.mount_path,
            why(reason)
        ),
        Warning::LosesAccess {
            container,
            why: reason,
        } => format!(
            "container {:?} loses API access: {}",
            pod.label(*container),
            why(reason)
        ),
    }
}

/// A Pod template left unchanged because of what it contains.
pub fn conflict(conflict: &Conflict) -> String {
    match conflict {
        Conflict::NotATokenVolume { name } => format!(
            "volume {name:?} is not a projected service-account token volume; rename it or set volumeName to another name"
        ),
        Conflict::DuplicateVolume { name } => format!("volume {name:?} is listed more than once"),
    }
}

/// A malformed access annotation.
pub fn bad_annotation(bad: &BadAnnotation) -> String {
    format!(
        "{}: {:?} is not a container name; allowed: none, all, or a comma list of container names",
        stated_by(&bad.on),
        bad.name
    )
}

/// An error that leaves the resource as it was.
pub fn left_unchanged(error: &dyn std::fmt::Display) -> String {
    format!("{error}; resource left unchanged")
}

/// A resource whose own edits did not check out (a bug of this function's).
pub fn internal_error(error: &dyn std::fmt::Display) -> String {
    format!("internal error, resource left unchanged: {error}")
}

/// The names of the containers (`init == false`) or init containers at `indexes`.
fn names(pod: &PodTemplate, indexes: &[usize], init: bool) -> Vec<String> {
    indexes
        .iter()
        .filter(|&&i| pod.containers.get(i).is_some_and(|c| c.init == init))
        .map(|&i| pod.label(i))
        .collect()
}

/// What enforce mode did to one Pod template: who can reach the API now, and how.
pub fn hardened(plan: &Plan, pod: &PodTemplate, wanted: &Wanted, by: Option<&StatedBy>) -> String {
    let (regular, init) = (
        names(pod, &plan.granted, false),
        names(pod, &plan.granted, true),
    );
    let mut message = String::new();
    if plan.disable_automount {
        message.push_str("automountServiceAccountToken: false; ");
    }
    if regular.is_empty() && init.is_empty() {
        message.push_str("no container mounts the token");
    } else {
        message.push_str(&format!(
            "token volume {:?} mounted read-only",
            wanted.volume_name
        ));
        if !regular.is_empty() {
            message.push_str(&format!(" in containers {}", regular.join(", ")));
        }
        if !init.is_empty() {
            message.push_str(&format!(
                "{} init containers {}",
                if regular.is_empty() { " in" } else { " and" },
                init.join(", ")
            ));
        }
    }
    if let Some(by) = by {
        message.push_str(&format!(", as {} states", stated_by(by)));
    }
    message
}

/// What enforce mode would change in one Pod template, for audit mode.
pub fn not_hardened(plan: &Plan, pod: &PodTemplate, wanted: &Wanted) -> String {
    let volume = &wanted.volume_name;
    let mut found = Vec::new();
    if plan.disable_automount {
        found.push(match pod.automount {
            Automount::On => "automountServiceAccountToken is true".to_owned(),
            _ => "automountServiceAccountToken is not set".to_owned(),
        });
    }
    match plan.volume {
        VolumeChange::Keep => {}
        VolumeChange::Add => found.push(format!("volume {volume:?} is missing")),
        VolumeChange::Update(_) => found.push(format!("volume {volume:?} differs from the config")),
        VolumeChange::Remove(_) => found.push(format!(
            "volume {volume:?} is there but no container should mount it"
        )),
    }
    let (mut gain, mut lose) = (Vec::new(), Vec::new());
    for m in &plan.mounts {
        let list = match m.change {
            MountEdit::Remove(_) => &mut lose,
            MountEdit::Add | MountEdit::Update(_) => &mut gain,
        };
        let label = pod.label(m.container);
        if !list.contains(&label) {
            list.push(label);
        }
    }
    if !gain.is_empty() {
        found.push(format!(
            "containers {} should mount it read-only at {} but do not",
            gain.join(", "),
            wanted.mount_path
        ));
    }
    if !lose.is_empty() {
        found.push(format!(
            "containers {} mount it but should not",
            lose.join(", ")
        ));
    }
    format!(
        "not hardened: {} (enforce mode would fix this)",
        found.join("; ")
    )
}

/// The field a ServiceAccount's hardening is about.
pub const ACCOUNT_FIELD: &str = "automountServiceAccountToken";

/// What enforce mode did to a ServiceAccount.
pub fn account_hardened() -> String {
    format!("{ACCOUNT_FIELD}: false")
}

/// What audit mode found in a ServiceAccount.
pub fn account_not_hardened(now: Automount) -> String {
    let now = match now {
        Automount::On => "true",
        _ => "not set",
    };
    format!("not hardened: the ServiceAccount's {ACCOUNT_FIELD} is {now}")
}

/// Several Pod templates of one resource, each `(path, message)`.
pub fn per_template(messages: &[(&str, String)]) -> String {
    messages
        .iter()
        .map(|(path, m)| format!("{path}: {m}"))
        .collect::<Vec<_>>()
        .join("; ")
}

/// A stream document that is not an object.
pub fn not_an_object(index: usize, line: usize) -> String {
    format!("document {index} (line {line}) is not an object; passed through unchanged")
}

/// `n thing` or `n things`.
fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The stream's one line for a person: how many documents went through, how many
/// resources changed, and how many warnings and errors there are (printed above it).
pub fn stream_summary(documents: usize, changed: usize, warnings: usize, errors: usize) -> String {
    format!(
        "harden-sa-token: {}, {} changed, {}, {}",
        count(documents, "document", "documents"),
        count(changed, "resource", "resources"),
        count(warnings, "warning", "warnings"),
        count(errors, "error", "errors"),
    )
}

/// What a node is, with its article.
fn shape(shape: Shape) -> &'static str {
    match shape {
        Shape::Mapping => "a mapping",
        Shape::List => "a list",
        Shape::Scalar => "a scalar",
        Shape::Null => "empty",
    }
}

/// A field of a PodSpec as messages name it: the path, or the PodSpec itself.
fn field(path: &str) -> String {
    if path.is_empty() {
        "the PodSpec".into()
    } else {
        format!("`{path}`")
    }
}

/// Why a Pod template (or a ServiceAccount) cannot be read or edited the way
/// Kubernetes reads it.
pub fn template_error(error: &TemplateError) -> String {
    const MERGE: &str =
        "Kubernetes reads the keys it brings in, which this function does not; write them out";
    match error {
        TemplateError::NotAList {
            field: f,
            at: (line, column),
            found,
        } => format!(
            "{} (line {line}, column {column}) is {}, not a list; Kubernetes rejects such a Pod template",
            field(f),
            shape(*found)
        ),
        TemplateError::NotAMapping {
            field: f,
            at: (line, column),
            found,
        } => format!(
            "{} (line {line}, column {column}) is {}, not a mapping; Kubernetes rejects such a Pod template",
            field(f),
            shape(*found)
        ),
        // The mapping at the result's path: the PodSpec, or a mapping on the way to it
        // whose merge may bring the PodSpec in.
        TemplateError::MergeKey {
            field: f,
            at: (line, column),
        } if f.is_empty() => {
            format!("the mapping has a merge key (`<<` at line {line}, column {column}): {MERGE}")
        }
        TemplateError::MergeKey {
            field: f,
            at: (line, column),
        } => format!(
            "{} has a merge key (`<<` at line {line}, column {column}): {MERGE}",
            field(f)
        ),
        TemplateError::AccountMergeKey { at: (line, column) } => format!(
            "the ServiceAccount has a merge key (`<<` at line {line}, column {column}): {MERGE}"
        ),
        TemplateError::Shared { field: f, sharing } => {
            let (anchor_line, anchor_column) = sharing.anchor_at;
            if sharing.is_alias {
                let of = match sharing.anchored {
                    Shape::Mapping => "the mapping",
                    Shape::List => "the list",
                    Shape::Scalar | Shape::Null => "the value",
                };
                let (line, column) = sharing.alias_at;
                format!(
                    "{} (line {line}, column {column}) is an alias (*{}) of {of} anchored at line {anchor_line}, column {anchor_column}; edits through aliases would change every place the anchor is used",
                    field(f),
                    sharing.name
                )
            } else {
                let (line, column) = sharing.alias_at;
                format!(
                    "{} is in the node anchored at line {anchor_line}, column {anchor_column} (&{}), which the alias at line {line}, column {column} stands for too; edits to it would change every place the anchor is used",
                    field(f),
                    sharing.name
                )
            }
        }
        TemplateError::Edit(e) => e.to_string(),
    }
}

/// An item of a typed list (`DeploymentList`) without `apiVersion` and `kind`.
pub fn unnamed_list_item(list_kind: &str) -> String {
    let kind = list_kind.strip_suffix("List").unwrap_or(list_kind);
    format!(
        "this item has no apiVersion and kind; Kubernetes reads it as a {kind} of the list's apiVersion, this function does not: not hardened (give it apiVersion and kind)"
    )
}

/// Whether a result's message is [`internal_error`]'s: the check refused the function's
/// own edit, which on valid input is a bug (the tests and fuzz targets fail on it).
pub fn is_internal_error(message: &str) -> bool {
    message.starts_with("internal error, resource left unchanged: ")
}
