//! The words of every result: what was done or would be, warnings, conflicts, and the
//! stream's summary line. Nothing here decides anything; it only says what the decision
//! and the filter found, so wording can change without touching them.

use crate::decide::{
    Automount, Conflict, Dropped, MountEdit, Plan, PodTemplate, StatedBy, VolumeChange, Wanted,
    Warning, Why,
};
use crate::policy::{API_ACCESS_ANNOTATION, BadAnnotation};
use crate::results::Tally;

/// How results speak of what the function finds: as done (enforce mode), or as what
/// enforce mode would do (audit mode, which changes nothing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tense {
    /// It was done.
    Done,
    /// It would be done.
    Would,
}

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
pub fn warning(warning: &Warning, pod: &PodTemplate, wanted: &Wanted, tense: Tense) -> String {
    let (keeps, loses, no_second) = match tense {
        Tense::Done => (
            "keeps",
            "loses",
            "it keeps that mount and gets no second one",
        ),
        Tense::Would => (
            "would keep",
            "would lose",
            "it would keep that mount and get no second one",
        ),
    };
    match warning {
        Warning::UnknownContainer { by, name } => format!(
            "{} names container {name:?}, which this Pod template does not have",
            stated_by(by)
        ),
        Warning::ForeignMount { container, volume } => format!(
            "container {:?} already mounts volume {volume:?} at {}; {no_second}",
            pod.label(*container),
            wanted.mount_path
        ),
        Warning::KeepsAccess {
            container,
            volume,
            why: reason,
        } => format!(
            "container {:?} {keeps} API access through volume {volume:?} mounted at {}, which this function does not manage ({})",
            pod.label(*container),
            wanted.mount_path,
            why(reason)
        ),
        Warning::LosesAccess {
            container,
            why: reason,
        } => format!(
            "container {:?} {loses} API access: {}",
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

/// The stream's one line for a person: how many documents went through, what became
/// of their Pod templates, and how many warnings and errors there are (printed above).
pub fn stream_summary(documents: usize, tally: &Tally, warnings: usize, errors: usize) -> String {
    summary_line(
        &count(documents, "document", "documents"),
        tally,
        warnings,
        errors,
    )
}

/// The last line of `fix` (`changed` files written or shown) and `check`.
pub fn files_summary(
    files: usize,
    changed: Option<usize>,
    tally: &Tally,
    warnings: usize,
    errors: usize,
) -> String {
    let mut what = count(files, "file", "files");
    if let Some(changed) = changed {
        what.push_str(&format!(" ({changed} changed)"));
    }
    summary_line(&what, tally, warnings, errors)
}

fn summary_line(what: &str, tally: &Tally, warnings: usize, errors: usize) -> String {
    let mut parts: Vec<String> = Vec::new();
    for (n, what) in [
        (tally.hardened, "hardened"),
        (tally.not_hardened, "not hardened"),
        (tally.already, "already hardened"),
    ] {
        if n > 0 {
            // The first part names what is counted.
            let noun = if parts.is_empty() {
                if n == 1 {
                    " Pod template"
                } else {
                    " Pod templates"
                }
            } else {
                ""
            };
            parts.push(format!("{n}{noun} {what}"));
        }
    }
    if parts.is_empty() {
        parts.push("no Pod templates".into());
    }
    for (n, what) in [
        (tally.accounts_hardened, "hardened"),
        (tally.accounts_not_hardened, "not hardened"),
    ] {
        if n > 0 {
            parts.push(format!(
                "{} {what}",
                count(n, "ServiceAccount", "ServiceAccounts")
            ));
        }
    }
    format!(
        "harden-sa-token: {what}: {}; {}, {}",
        parts.join(", "),
        count(warnings, "warning", "warnings"),
        count(errors, "error", "errors"),
    )
}

/// Kubernetes objects given where a config file was expected (`origin`).
pub fn manifests_as_config(origin: &str, objects: &[String]) -> String {
    const SHOWN: usize = 3;
    let mut named = objects
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if objects.len() > SHOWN {
        named.push_str(&format!(" and {} more", objects.len() - SHOWN));
    }
    format!(
        "{origin} holds Kubernetes objects ({named}), not a harden-sa-token config. To harden it, send it on stdin: `harden-sa-token < {origin} > hardened.yaml`, or edit it in place: `harden-sa-token fix {origin}` (`harden-sa-token check {origin}` only reports). A file given alone is read as a kustomize plugin's config."
    )
}

/// What a document that is not an object is: `document 1 (line 1) is the text "<!DOCTYPE
/// html> ..."` or `... is a list`.
pub fn not_an_object_is(index: usize, line: usize, text: &str, list: bool) -> String {
    if list {
        return format!("document {index} (line {line}) is a list");
    }
    const SHOWN: usize = 40;
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut shown: String = flat.chars().take(SHOWN).collect();
    if flat.chars().count() > SHOWN {
        shown.push_str("...");
    }
    format!("document {index} (line {line}) is the text {shown:?}")
}

/// A stream without a single object.
pub fn no_objects(first: &str) -> String {
    format!(
        "stdin holds no Kubernetes object: {first}; expected a YAML stream of Kubernetes objects or a ResourceList (is the step before this one failing?)"
    )
}
