//! The filter over a list of objects: finds each Pod template, asks the decision what
//! to change, and collects the edits and results. An object whose template cannot be
//! hardened is left whole and reported, while the rest go through.

use crate::config::Settings;
use crate::decide::{self, Plan, PodTemplate};
use crate::results::{FnResult, Severity};
use crate::template::{self, NewValues};
use crate::workloads;
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

/// Hardens every Pod template of `object`, a node of the document `root` over `text`.
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
    let found = workloads::pod_templates(object);
    if found.is_empty() {
        return outcome;
    }
    let mut editor = Editor::new(text, yaml::measure_layout(text, root, object));
    for f in &found {
        let about =
            |severity, message| FnResult::about(severity, message, f.object, object, Some(f.path));
        let (pod, nodes) = template::read(f.spec);
        let plan = match decide::decide(&pod, settings) {
            Ok(plan) => plan,
            Err(conflict) => {
                outcome.results.push(about(
                    Severity::Error,
                    format!("{conflict}; resource left unchanged"),
                ));
                outcome.edits = Edits::default();
                return outcome;
            }
        };
        outcome.results.extend(
            plan.warnings
                .iter()
                .map(|w| about(Severity::Warning, w.clone())),
        );
        if plan.is_empty() {
            continue;
        }
        if let Err(err) = template::apply(&plan, &nodes, new, &mut editor) {
            outcome.results.push(about(
                Severity::Error,
                format!("{err}; resource left unchanged"),
            ));
            outcome.edits = Edits::default();
            return outcome;
        }
        outcome
            .results
            .push(about(Severity::Info, summary(&plan, &pod, settings)));
    }
    outcome.edits = editor.finish();
    outcome
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

fn summary(plan: &Plan, pod: &PodTemplate, settings: &Settings) -> String {
    let names = |init: bool| -> Vec<&str> {
        plan.granted
            .iter()
            .filter_map(|&i| pod.containers.get(i))
            .filter(|c| c.init == init)
            .map(|c| c.name.as_str())
            .collect()
    };
    let (regular, init) = (names(false), names(true));
    let mut message = String::from("automountServiceAccountToken: false");
    if regular.is_empty() && init.is_empty() {
        message.push_str("; no container mounts the token");
    } else {
        message.push_str(&format!(
            "; token volume {:?} mounted read-only",
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
    }
    message
}
