//! What was done to a Pod template or a ServiceAccount, or would be in audit mode: the
//! message of each result, the parts a report splits it into, and the warnings and
//! conflicts of the decision.

use super::Tense;
use super::token_lifetime::{lifetime, lifetime_by};
use crate::decide::{
    Automount, Conflict, Dropped, Lifetime, LifetimeWhy, MountEdit, Plan, PodTemplate, StatedBy,
    VolumeChange, Wanted, Warning, Why,
};
use crate::policy::{API_ACCESS_ANNOTATION, BadAnnotation, BadLifetime};
use crate::results::Rule;

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
            format!(
                "rbac: apply (nothing in the input or the evidence grants ServiceAccount {account} any right)"
            )
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

/// A malformed lifetime annotation.
pub fn bad_lifetime(bad: &BadLifetime) -> String {
    format!(
        "{}: {:?} is not a token lifetime; allowed: a number of seconds from 600 to 4294967296 (2^32)",
        lifetime_by(&bad.on),
        bad.value
    )
}

/// The input shows OpenShift (`what`: the object or annotation that does) while the
/// config leaves `platform` unset.
pub fn openshift_without_platform(what: &str) -> String {
    format!(
        "the input looks meant for OpenShift ({what}), but platform is not set, so token volumes are written as Kubernetes mounts them, without the ConfigMap openshift-service-ca.crt that OpenShift's own projects as service-ca.crt (workloads that read it would miss it); set platform: openshift, or platform: kubernetes to say this is intended"
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
    let parts: Vec<String> = not_hardened_parts(plan, pod, wanted)
        .into_iter()
        .map(|(_, part)| part)
        .collect();
    format!(
        "not hardened: {} (enforce mode would fix this)",
        parts.join("; ")
    )
}

/// Each thing enforce mode would change in one Pod template, with its kind.
pub fn not_hardened_parts(plan: &Plan, pod: &PodTemplate, wanted: &Wanted) -> Vec<(Rule, String)> {
    let volume = &wanted.volume_name;
    let mut found = Vec::new();
    if plan.disable_automount {
        found.push((
            Rule::AutomountNotDisabled,
            match pod.automount {
                Automount::On => "automountServiceAccountToken is true".to_owned(),
                _ => "automountServiceAccountToken is not set".to_owned(),
            },
        ));
    }
    match plan.volume {
        VolumeChange::Keep => {}
        VolumeChange::Add => found.push((
            Rule::TokenVolumeMissing,
            format!("volume {volume:?} is missing"),
        )),
        VolumeChange::Update(_) => found.push((
            Rule::TokenVolumeDiffers,
            match &plan.lifetime {
                Some(
                    l @ Lifetime {
                        why: LifetimeWhy::Tightened { .. } | LifetimeWhy::Stated(_),
                        ..
                    },
                ) => format!(
                    "volume {volume:?} differs from the config ({})",
                    lifetime(l)
                ),
                _ => format!("volume {volume:?} differs from the config"),
            },
        )),
        VolumeChange::Remove(_) => found.push((
            Rule::TokenVolumeUnused,
            format!("volume {volume:?} is there but no container should mount it"),
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
        found.push((
            Rule::TokenMountMissing,
            format!(
                "containers {} should mount it read-only at {} but do not",
                gain.join(", "),
                wanted.mount_path
            ),
        ));
    }
    if !lose.is_empty() {
        found.push((
            Rule::TokenMountUnwanted,
            format!("containers {} mount it but should not", lose.join(", ")),
        ));
    }
    found
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
