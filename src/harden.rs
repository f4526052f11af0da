//! The filter over a list of objects: finds each Pod template the config is about,
//! asks the decision what to change, and collects the edits (enforce mode) or the
//! findings (audit mode) and results. An object whose template cannot be hardened is
//! left whole and reported, while the rest go through.

use crate::config::{Mode, Settings};
use crate::decide::{self, Automount, MountEdit, Plan, PodTemplate, VolumeChange};
use crate::policy;
use crate::results::{FnResult, Severity};
use crate::template::{self, NewValues};
use crate::workloads::{self, Found};
use crate::yaml;
use crate::yaml::edit::{Editor, Edits};
use crate::yaml::tree::Node;

/// What hardening one object produced.
#[derive(Debug, Default)]
pub struct ItemOutcome {
    /// Edits to the object's text (empty when it is left as it is).
    pub edits: Edits,
    /// Results about it.
    pub results: Vec<FnResult>,
}

/// Hardens every selected Pod template of `object` (and, with `serviceAccounts`, the
/// object itself when it is a ServiceAccount), a node of the document `root` over `text`.
pub fn harden_object(
    text: &str,
    root: &Node<'_>,
    object: &Node<'_>,
    settings: &Settings,
    new: &NewValues,
) -> ItemOutcome {
    let mut outcome = ItemOutcome::default();
    if is_local_config(object) {
        return outcome;
    }
    let found = workloads::pod_templates(object, &settings.pod_spec_paths);
    let account = settings.service_accounts && is_service_account(object);
    if found.is_empty() && !account {
        return outcome;
    }
    let mut editor = Editor::new(text, yaml::measure_layout(text, root, object));
    let result = if account {
        service_account(object, settings, &mut editor, &mut outcome.results)
    } else {
        pod_templates(
            object,
            &found,
            settings,
            new,
            &mut editor,
            &mut outcome.results,
        )
    };
    match result {
        Ok(()) => outcome.edits = editor.finish(),
        Err(error) => {
            // Nothing of this object changes, so nothing of it is reported as done.
            outcome.results.retain(|r| r.severity != Severity::Info);
            outcome.results.push(*error);
        }
    }
    outcome
}

/// Decides and edits (or, in audit mode, reports) each Pod template; the templates of
/// one resource are consecutive in `found`.
fn pod_templates(
    holder: &Node<'_>,
    found: &[Found<'_, '_>],
    settings: &Settings,
    new: &NewValues,
    editor: &mut Editor<'_>,
    results: &mut Vec<FnResult>,
) -> Result<(), Box<FnResult>> {
    for resource in found.chunk_by(|a, b| std::ptr::eq(a.object, b.object)) {
        let Some(first) = resource.first() else {
            continue;
        };
        let workload = policy::facts(first.object);
        if !policy::selected(settings, &workload) {
            continue;
        }
        let mut changed: Vec<(&str, String)> = Vec::new();
        for f in resource {
            let about = |severity, message| {
                FnResult::about(severity, message, f.object, holder, Some(&f.path))
            };
            let left_unchanged = |e: &dyn std::fmt::Display| {
                Box::new(about(
                    Severity::Error,
                    format!("{e}; resource left unchanged"),
                ))
            };
            let statement = policy::statement(settings, &workload, f.metadata)
                .map_err(|e| left_unchanged(&e))?;
            let (pod, nodes) = template::read(f.spec);
            let plan = decide::decide(&pod, settings, statement.as_ref())
                .map_err(|e| left_unchanged(&e))?;
            results.extend(
                plan.warnings
                    .iter()
                    .map(|w| about(Severity::Warning, w.clone())),
            );
            if plan.is_empty() {
                continue;
            }
            match settings.mode {
                Mode::Audit => results.push(about(
                    Severity::Error,
                    format!("not hardened: {}", findings(&plan, &pod, settings)),
                )),
                Mode::Enforce => {
                    template::apply(&plan, &nodes, new, editor).map_err(|e| left_unchanged(&e))?;
                    let mut message = summary(&plan, &pod, settings);
                    if let Some(s) = &statement {
                        message.push_str(&format!(", as {} states", s.by));
                    }
                    changed.push((&f.path, message));
                }
            }
        }
        match changed.as_slice() {
            [] => {}
            [(path, message)] => results.push(FnResult::about(
                Severity::Info,
                message.clone(),
                first.object,
                holder,
                Some(path),
            )),
            many => {
                let message = many
                    .iter()
                    .map(|(path, m)| format!("{path}: {m}"))
                    .collect::<Vec<_>>()
                    .join("; ");
                results.push(FnResult::about(
                    Severity::Info,
                    message,
                    first.object,
                    holder,
                    None,
                ));
            }
        }
    }
    Ok(())
}

/// `serviceAccounts: true`: a selected ServiceAccount gets
/// `automountServiceAccountToken: false`, so Pods that no pipeline hardens get no token.
fn service_account(
    object: &Node<'_>,
    settings: &Settings,
    editor: &mut Editor<'_>,
    results: &mut Vec<FnResult>,
) -> Result<(), Box<FnResult>> {
    const FIELD: &str = "automountServiceAccountToken";
    if !policy::selected(settings, &policy::facts(object)) {
        return Ok(());
    }
    let about = |severity, message: &str| {
        FnResult::about(severity, message.to_owned(), object, object, Some(FIELD))
    };
    let now = match template::automount(object) {
        Automount::Off => return Ok(()),
        Automount::On => "true",
        Automount::Unset => "not set",
    };
    match settings.mode {
        Mode::Audit => results.push(about(
            Severity::Error,
            &format!("not hardened: the ServiceAccount's {FIELD} is {now}"),
        )),
        Mode::Enforce => {
            template::disable_automount(editor, object)
                .map_err(|e| about(Severity::Error, &format!("{e}; resource left unchanged")))?;
            results.push(about(Severity::Info, &format!("{FIELD}: false")));
        }
    }
    Ok(())
}

fn is_service_account(object: &Node<'_>) -> bool {
    object.get_str("apiVersion") == Some("v1") && object.get_str("kind") == Some("ServiceAccount")
}

/// `config.kubernetes.io/local-config: "true"` objects configure the pipeline and are
/// never deployed, so they are not hardened (the kpt convention).
fn is_local_config(object: &Node<'_>) -> bool {
    object
        .get("metadata")
        .and_then(|m| m.get("annotations"))
        .and_then(|a| a.get_str("config.kubernetes.io/local-config"))
        == Some("true")
}

/// The names of the containers (`init == false`) or init containers at `indexes`.
fn names(pod: &PodTemplate, indexes: impl Iterator<Item = usize>, init: bool) -> Vec<String> {
    indexes
        .filter(|&i| pod.containers.get(i).is_some_and(|c| c.init == init))
        .map(|i| pod.label(i))
        .collect()
}

/// What enforce mode did: who can reach the API now, and how.
fn summary(plan: &Plan, pod: &PodTemplate, settings: &Settings) -> String {
    let (regular, init) = (
        names(pod, plan.granted.iter().copied(), false),
        names(pod, plan.granted.iter().copied(), true),
    );
    let mut message = String::new();
    if plan.disable_automount {
        message.push_str("automountServiceAccountToken: false; ");
    }
    if regular.is_empty() && init.is_empty() {
        message.push_str("no container mounts the token");
        return message;
    }
    message.push_str(&format!(
        "token volume {:?} mounted read-only",
        settings.volume_name
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
    message
}

/// What enforce mode would change, for audit mode.
fn findings(plan: &Plan, pod: &PodTemplate, settings: &Settings) -> String {
    let volume = &settings.volume_name;
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
            settings.mount_path
        ));
    }
    if !lose.is_empty() {
        found.push(format!(
            "containers {} mount it but should not",
            lose.join(", ")
        ));
    }
    format!("{} (enforce mode would fix this)", found.join("; "))
}
