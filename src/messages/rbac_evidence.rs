//! What the input's RBAC (`rbac: advise` and `rbac: apply`) says of the ServiceAccount a
//! Pod template runs as, in results and in the auditors' inventory, with the exact
//! statement that would change the outcome.

use super::UNSET_NAMESPACE_NOTE;
use super::hardening::{hardened, not_hardened, stated_by};
use super::token_lifetime::{lifetime, token_lifetime};
use crate::decide::{Plan, PodTemplate, StatedBy, Wanted};
use crate::policy::{API_ACCESS_ANNOTATION, TokenUse, VAULT_AGENT_INJECT};
use crate::rbac::{Evidence, Grant, Read, Verdict};
use crate::select::ObjectFacts;

/// How many bindings a result names before it counts the rest.
const GRANTS_SHOWN: usize = 3;

/// Bindings and what each grants, short, at most [`GRANTS_SHOWN`] of them.
fn grants(grants: &[&Grant<'_>]) -> String {
    let mut text = grants
        .iter()
        .take(GRANTS_SHOWN)
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; and ");
    match grants.len().saturating_sub(GRANTS_SHOWN) {
        0 => {}
        1 => text.push_str("; and 1 more binding"),
        more => text.push_str(&format!("; and {more} more bindings")),
    }
    text
}

/// Which ServiceAccount a Pod template runs as, and what the input's RBAC grants it.
pub fn runs_as(evidence: &Evidence<'_>) -> String {
    let mut text = format!("runs as {}", evidence.account);
    match evidence.verdict() {
        Verdict::Granted => {
            let useful: Vec<&Grant<'_>> = evidence.useful().collect();
            text.push_str(&format!(", granted rights by {}", grants(&useful)));
        }
        Verdict::Nothing => {
            text.push_str(", which no binding in the input grants any right");
            let idle: Vec<&Grant<'_>> = evidence.grants.iter().collect();
            if !idle.is_empty() {
                text.push_str(&format!(" ({})", grants(&idle)));
            }
        }
        Verdict::Incomplete => {
            let gaps: Vec<String> = evidence.gaps().iter().map(ToString::to_string).collect();
            text.push_str(&format!(
                ", which no binding in the input grants any right, but the input may not be the whole story: {}",
                gaps.join("; and ")
            ));
        }
    }
    if evidence.unset_namespace {
        text.push_str(&format!(" ({UNSET_NAMESPACE_NOTE})"));
    }
    text
}

/// What enforce mode did to one Pod template ([`hardened`]), with the token lifetime in
/// force when a container mounts the token, and what the input's RBAC says of its
/// ServiceAccount unless that is already the reason given.
pub fn hardened_with_evidence(
    plan: &Plan,
    pod: &PodTemplate,
    wanted: &Wanted,
    by: Option<&StatedBy>,
    evidence: Option<&Evidence<'_>>,
    workload: &ObjectFacts<'_>,
) -> String {
    let mut message = hardened(plan, pod, wanted, by);
    match &plan.lifetime {
        Some(l) => message.push_str(&format!("; {}", lifetime(l))),
        None if !plan.granted.is_empty() => {
            message.push_str(&format!("; {}", token_lifetime(wanted)));
        }
        None => {}
    }
    match (evidence, by) {
        (Some(evidence), Some(StatedBy::NoRbacGrant { .. })) => {
            message.push_str(&format!(
                "; {}; {}",
                evidence_read(evidence.read),
                keep_token(workload)
            ));
        }
        (Some(evidence), _) => message.push_str(&format!("; {}", runs_as(evidence))),
        (None, _) => {}
    }
    message
}

/// What an `rbac` decision rests on: how many RBAC objects were read, and where.
pub fn evidence_read(read: Read) -> String {
    let objects = |n: usize| if n == 1 { "object" } else { "objects" };
    format!(
        "evidence read: {} RBAC {} of the input and {} of the evidence, with the Kubernetes bootstrap roles",
        read.input,
        objects(read.input),
        read.evidence
    )
}

/// The `rules:` entry that states `access` for `workload` (all its Pod templates).
fn rules_entry(workload: &ObjectFacts<'_>, access: &str) -> String {
    let mut target = vec![format!("kind: {}", workload.kind)];
    if !workload.name.is_empty() {
        target.push(format!("name: {}", pattern(workload.name)));
    }
    if !workload.namespace.is_empty() {
        target.push(format!("namespace: {}", pattern(workload.namespace)));
    }
    format!(
        "- {{target: {{{}}}, apiAccess: {access}}}",
        target.join(", ")
    )
}

/// How to keep a token that `rbac: apply` removes: the statements that win over it.
fn keep_token(workload: &ObjectFacts<'_>) -> String {
    format!(
        "to keep the token, annotate the Pod template with `{API_ACCESS_ANNOTATION}: all` (or the names of the containers that call the API), or add the `rules:` entry `{}`",
        rules_entry(workload, "all")
    )
}

/// A use of the token outside RBAC, as found in a Pod template.
pub fn token_use(token_use: &TokenUse) -> String {
    match token_use {
        TokenUse::AutomountTrue => {
            "the Pod template sets automountServiceAccountToken: true".to_owned()
        }
        TokenUse::VaultAgent { on } => {
            let on = match on {
                StatedBy::WorkloadAnnotation => "the workload",
                _ => "the Pod template",
            };
            format!(
                "Vault's agent injector ({VAULT_AGENT_INJECT} on {on}) logs in to Vault with the token"
            )
        }
        TokenUse::NamesTokenPath { container, field } => {
            format!("container {container:?} names the token's path in its {field}")
        }
        TokenUse::SubPathMount { container, volume } => {
            format!("container {container:?} mounts a file of volume {volume:?} by subPath")
        }
    }
}

/// `rbac: apply` keeps a token nothing grants anything, because the Pod template uses it
/// outside RBAC.
pub fn token_used_outside_rbac(evidence: &Evidence<'_>, uses: &[TokenUse]) -> String {
    let uses: Vec<String> = uses.iter().map(token_use).collect();
    format!(
        "rbac: apply kept this Pod template's token, though no binding grants {} any right ({}), since the token is used outside Kubernetes RBAC: {}; if it is not, remove the token with the annotation `{API_ACCESS_ANNOTATION}: none` on the Pod template",
        evidence.account,
        evidence_read(evidence.read),
        uses.join("; and ")
    )
}

/// `rbac: apply` leaves a Pod template that writes `automountServiceAccountToken: true`
/// as it was when nothing grants its token anything: the manifest asks for the token,
/// the evidence says it is idle, and only a statement can say which is right.
pub fn automount_true_left(evidence: &Evidence<'_>, workload: &ObjectFacts<'_>) -> String {
    format!(
        "rbac: apply left this Pod template as it was: no binding grants {} any right ({}), but the Pod template sets automountServiceAccountToken: true; state which containers need the API with the annotation `{API_ACCESS_ANNOTATION}` on the Pod template (all, none or container names), or the `rules:` entry `{}`",
        evidence.account,
        evidence_read(evidence.read),
        rules_entry(workload, "all")
    )
}

/// A selector pattern that matches exactly `name`, a Kubernetes name: only its `.` means
/// something else in a regular expression.
pub(super) fn pattern(name: &str) -> String {
    name.replace('.', "\\.")
}

/// `rbac: advise`: a token that nothing in the input makes useful, and the exact
/// annotation, or `rules:` entry when the workload has this one Pod template, that would
/// remove it.
pub fn token_without_grant(
    evidence: &Evidence<'_>,
    plan: &Plan,
    pod: &PodTemplate,
    workload: &ObjectFacts<'_>,
    one_template: bool,
) -> String {
    let (holders, they) = match plan.granted.as_slice() {
        [one] => (
            format!("container {:?} holds", pod.label(*one)),
            "it never calls",
        ),
        many => {
            let names: Vec<String> = many.iter().map(|&i| pod.label(i)).collect();
            (
                format!("containers {} hold", names.join(", ")),
                "they never call",
            )
        }
    };
    let mut message = format!(
        "{holders} a token of {}, which no binding in the input grants any right",
        evidence.account
    );
    if evidence.read.input + evidence.read.evidence == 0 {
        message.push_str(" (the input holds no RBAC objects at all)");
    }
    message.push_str(&format!(
        "; if {they} the Kubernetes API, remove the token with the annotation `{API_ACCESS_ANNOTATION}: none` on the Pod template"
    ));
    if one_template {
        message.push_str(&format!(
            ", or the `rules:` entry `{}`",
            rules_entry(workload, "none")
        ));
    }
    let gaps: Vec<String> = evidence.gaps().iter().map(ToString::to_string).collect();
    if gaps.is_empty() {
        message.push_str(" (rbac: apply does so for every such Pod template)");
    } else {
        message.push_str(&format!(
            " (rbac: apply does so only on complete evidence, and here {})",
            gaps.join("; and ")
        ));
    }
    message
}

/// `rbac: apply` on a ServiceAccount the input cannot tell all about: left to the other
/// settings.
pub fn incomplete_evidence(evidence: &Evidence<'_>) -> String {
    let gaps: Vec<String> = evidence.gaps().iter().map(ToString::to_string).collect();
    format!(
        "rbac: apply left this Pod template's token to the other settings, since no binding in the input or the evidence grants {} any right but the evidence is incomplete: {} ({}); rbac: apply assumes the whole install is in the input or the evidence: add the rest, or the cluster's RBAC (`harden-sa-token evidence`), or state the workload's need",
        evidence.account,
        gaps.join("; and "),
        evidence_read(evidence.read)
    )
}

/// Audit mode under `rbac: apply`: what enforce mode would change ([`not_hardened`]),
/// and that no container should hold a token nothing grants anything.
pub fn not_hardened_without_grant(
    plan: &Plan,
    pod: &PodTemplate,
    wanted: &Wanted,
    by: &StatedBy,
    evidence: Option<&Evidence<'_>>,
    workload: &ObjectFacts<'_>,
) -> String {
    let mut message = format!(
        "{}; no container should hold the token, as {} states",
        not_hardened(plan, pod, wanted),
        stated_by(by)
    );
    if let Some(evidence) = evidence {
        message.push_str(&format!("; {}", evidence_read(evidence.read)));
    }
    message.push_str(&format!("; {}", keep_token(workload)));
    message
}

/// What a ServiceAccount may do, as far as the RBAC objects of the input tell: every
/// binding that grants it something, in full, for the auditors' inventory.
pub fn may_do(evidence: &Evidence<'_>) -> String {
    let mut text = match evidence.verdict() {
        Verdict::Granted => evidence
            .useful()
            .map(|grant| format!("{grant:#}"))
            .collect::<Vec<_>>()
            .join("; "),
        Verdict::Nothing => "nothing: no binding in the input grants it any right".to_owned(),
        Verdict::Incomplete => {
            let gaps: Vec<String> = evidence.gaps().iter().map(ToString::to_string).collect();
            format!("unknown: {}", gaps.join("; and "))
        }
    };
    if evidence.unset_namespace {
        text.push_str(&format!(" ({UNSET_NAMESPACE_NOTE})"));
    }
    text
}

/// A ServiceAccount as the inventory names it: `namespace/name`.
pub fn account_name(account: &crate::rbac::ServiceAccount) -> String {
    match account.namespace.as_str() {
        Some(ns) => format!("{ns}/{}", account.name),
        None => format!("{} (no namespace)", account.name),
    }
}
