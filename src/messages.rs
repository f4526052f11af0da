//! The words of every result: what was done or would be, warnings, conflicts, and the
//! stream's summary line. Nothing here decides anything; it only says what the decision
//! and the filter found, so wording can change without touching them.

use crate::decide::{
    Automount, Conflict, DEFAULT_EXPIRATION_SECONDS, Dropped, EXTENDED_EXPIRATION_SECONDS,
    EXTENDED_TO_SECONDS, Lifetime, LifetimeBy, LifetimeWhy, MountEdit, Plan, PodTemplate, StatedBy,
    VolumeChange, Wanted, Warning, Why, effective_lifetime, is_own_audience, token_of,
};
use crate::policy::{
    API_ACCESS_ANNOTATION, BadAnnotation, BadLifetime, LIFETIME_ANNOTATION, TokenUse,
    VAULT_AGENT_INJECT,
};
use crate::rbac::{Evidence, Grant, Read, UNSET_NAMESPACE_NOTE, Verdict};
use crate::results::{Rule, Tally};
use crate::select::ObjectFacts;

/// How results speak of what the function finds: as done (enforce mode), or as what
/// enforce mode would do (audit mode, which changes nothing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tense {
    /// It was done.
    Done,
    /// It would be done.
    Would,
}
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
        Tense::Done,
    )
}

/// What to say about input that is not YAML and holds a Go template action at `line`, as
/// the templates of a Helm chart do.
pub fn chart_template_hint(line: usize) -> String {
    format!(
        "it looks like a Helm chart template (`{{{{` at line {line}): harden what `helm template` renders instead (as a post-renderer), and leave the chart's templates out of `fix` and `check` (e.g. pre-commit's `exclude: ^charts/.*/templates/`)"
    )
}

/// What `-v` says about a file it read.
pub fn looked_at_file(path: &std::path::Path, templates: usize) -> String {
    format!(
        "{}: {}",
        path.display(),
        count(templates, "Pod template", "Pod templates")
    )
}

/// What `-v` says about a Pod template it looked at.
pub fn looked_at(row: &crate::results::Row) -> String {
    use crate::results::RowChange;
    let change = match row.change {
        RowChange::Hardened => "hardened",
        RowChange::WouldHarden => "not hardened (enforce mode would harden it)",
        RowChange::Already => "already hardened",
        RowChange::LeftUnchanged => "left unchanged (see the error)",
    };
    let holders = if row.containers.is_empty() {
        "no container holds a token".to_owned()
    } else {
        format!("token held by {}", row.containers.join(", "))
    };
    format!(
        "{change}; runs as ServiceAccount {}; {holders}",
        row.account
    )
}

/// What `harden-sa-token` run with no argument on a terminal says instead of waiting for
/// stdin.
pub const BARE_TERMINAL_USAGE: &str = "\
harden-sa-token reads manifests on stdin and writes them hardened on stdout, e.g.:
  kubectl kustomize ./app | harden-sa-token > hardened.yaml
  harden-sa-token --config harden.yaml < rendered.yaml > hardened.yaml
  harden-sa-token check k8s/        harden-sa-token fix k8s/
  kpt fn eval ./pkg --exec harden-sa-token
See harden-sa-token --help.
";

/// The last line of `fix` (`changed` files written or shown) and `check`; `failed` files
/// were left as they were because of an error (unreadable, refused, not written).
/// With `tense` [`Tense::Would`] (`fix --diff`, which writes nothing), the changes are
/// what `fix` would make.
pub fn files_summary(
    files: usize,
    changed: Option<usize>,
    failed: usize,
    tally: &Tally,
    warnings: usize,
    errors: usize,
    tense: Tense,
) -> String {
    let mut what = count(files, "file", "files");
    let mut counts = Vec::new();
    match (changed, tense) {
        (Some(changed), Tense::Done) => counts.push(format!("{changed} changed")),
        (Some(changed), Tense::Would) => counts.push(format!("{changed} would change")),
        (None, _) => {}
    }
    if failed > 0 {
        counts.push(format!("{failed} failed"));
    }
    if !counts.is_empty() {
        what.push_str(&format!(" ({})", counts.join(", ")));
    }
    summary_line(&what, tally, warnings, errors, tense)
}

/// A run's config, for reports: the defaults.
pub fn config_defaults() -> String {
    "the defaults (no config)".into()
}

/// A run's config, for reports: a file named on the command line.
pub fn config_file(origin: &str) -> String {
    format!("the config file {origin}")
}

/// A run's config, for reports: the ResourceList's functionConfig.
pub fn config_function_config(kind: &str) -> String {
    format!("the ResourceList's functionConfig ({kind})")
}

/// Why a file `fix` changed could not be written (it is as it was): the step that
/// failed and what the system said.
pub fn not_written(step: &dyn std::fmt::Display, io: &std::io::Error) -> String {
    format!("cannot write it: {step}: {io}")
}

fn summary_line(what: &str, tally: &Tally, warnings: usize, errors: usize, tense: Tense) -> String {
    let hardened = match tense {
        Tense::Done => "hardened",
        Tense::Would => "would be hardened",
    };
    let mut parts: Vec<String> = Vec::new();
    for (n, what) in [
        (tally.hardened, hardened),
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
        (tally.accounts_hardened, hardened),
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
/// What `harden-sa-token evidence` wrote, by kind (in the order of
/// `protocol::snapshot::KINDS`), for stderr.
pub fn snapshot_summary(counts: &[usize; 5]) -> String {
    let kinds = [
        "ServiceAccount",
        "Role",
        "ClusterRole",
        "RoleBinding",
        "ClusterRoleBinding",
    ];
    let parts: Vec<String> = kinds
        .iter()
        .zip(counts)
        .map(|(kind, n)| format!("{n} {kind}{}", if *n == 1 { "" } else { "s" }))
        .collect();
    format!(
        "harden-sa-token evidence: {} objects written, annotated config.kubernetes.io/local-config: \"true\": {}",
        counts.iter().sum::<usize>(),
        parts.join(", ")
    )
}

// What the input's RBAC says (`rbac`), and the token lifetime in force.

/// How long a token projected with `written` for `audience` lives, as a person reads it.
fn lives(written: Option<i64>, audience: Option<&str>) -> String {
    let for_audience = match audience.filter(|a| !a.is_empty()) {
        Some(a) => format!(" (audience {a:?})"),
        None => String::new(),
    };
    match written {
        Some(EXTENDED_EXPIRATION_SECONDS) if is_own_audience(audience) => format!(
            "{EXTENDED_EXPIRATION_SECONDS} s, which the API server extends to a year for legacy clients"
        ),
        // Only the cluster knows whether the audience is one of the API server's own
        // (`--api-audiences`), whose tokens it extends.
        Some(EXTENDED_EXPIRATION_SECONDS) => format!(
            "{EXTENDED_EXPIRATION_SECONDS} s{for_audience}, or a year if the API server counts that audience as its own"
        ),
        Some(seconds) => format!(
            "{seconds} s{for_audience}, after which it really expires: clients must reload it"
        ),
        None => format!(
            "{DEFAULT_EXPIRATION_SECONDS} s{for_audience} (no expirationSeconds: the API's default), after which it really expires: clients must reload it"
        ),
    }
}

/// How long a token lived, short: `a year (expirationSeconds 3607)`.
fn lived(written: Option<i64>, audience: Option<&str>) -> String {
    match written {
        None => format!("{DEFAULT_EXPIRATION_SECONDS} s (no expirationSeconds)"),
        Some(seconds) if effective_lifetime(written, audience) == EXTENDED_TO_SECONDS => {
            format!("a year (expirationSeconds {seconds}, extended by the API server)")
        }
        Some(seconds) => format!("{seconds} s"),
    }
}

/// Who stated a lifetime.
fn lifetime_by(by: &LifetimeBy) -> String {
    match by {
        LifetimeBy::TemplateAnnotation => {
            format!("annotation {LIFETIME_ANNOTATION} on the Pod template")
        }
        LifetimeBy::WorkloadAnnotation => {
            format!("annotation {LIFETIME_ANNOTATION} on the workload")
        }
        LifetimeBy::Rule(i) => format!("rules[{i}]"),
    }
}

/// The lifetime of the token a Pod template's volume holds after the run, and why: the
/// configured one, one shortened to it, the volume's own kept, or a statement's.
pub fn lifetime(lifetime: &Lifetime) -> String {
    let audience = lifetime.audience.as_deref();
    let now = lives(lifetime.written, audience);
    match &lifetime.why {
        LifetimeWhy::Configured => format!("token lifetime {now}"),
        LifetimeWhy::Tightened { from, .. } => format!(
            "token lifetime {now}; shortened from {} to the configured one",
            lived(*from, audience)
        ),
        LifetimeWhy::Kept {
            configured,
            configured_effective,
        } => {
            let had = match lifetime.written {
                None => "the volume had no expirationSeconds".to_owned(),
                Some(_) => "the volume's own".to_owned(),
            };
            let compared = if *configured_effective == EXTENDED_TO_SECONDS {
                "would be extended to a year".to_owned()
            } else if *configured_effective > lifetime.effective {
                "would be longer".to_owned()
            } else {
                "would be no shorter".to_owned()
            };
            let kept = match lifetime.written {
                None => format!("{DEFAULT_EXPIRATION_SECONDS} s"),
                Some(_) => lived(lifetime.written, audience),
            };
            format!(
                "token lifetime {kept} kept ({had}; the configured {configured} s {compared}); a longer one takes the annotation {LIFETIME_ANNOTATION} or a rule's expirationSeconds"
            )
        }
        LifetimeWhy::Stated(by) => {
            format!("token lifetime {now}, as {} states", lifetime_by(by))
        }
    }
}

/// How many bindings a result names before it counts the rest.
const GRANTS_SHOWN: usize = 3;

/// The lifetime of the token `wanted` mounts in a new volume, as it really is in a
/// cluster.
pub fn token_lifetime(wanted: &Wanted) -> String {
    let token = token_of(&wanted.projected);
    format!(
        "token lifetime {}",
        lives(
            token.and_then(|t| t.expiration_seconds),
            token.and_then(|t| t.audience.as_deref())
        )
    )
}

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
fn pattern(name: &str) -> String {
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

#[cfg(test)]
mod rbac_tests {
    use super::*;
    use crate::decide::{ContainerFilter, TokenVolume};

    fn wanted(expiration_seconds: i64, audience: Option<&str>) -> Wanted {
        let token = TokenVolume {
            expiration_seconds,
            audience: audience.map(str::to_owned),
            ca_config_map: "kube-root-ca.crt".into(),
            default_mode: 420,
            namespace_file: true,
            service_ca: false,
        };
        let filter = ContainerFilter {
            include: vec!["*".into()],
            exclude: vec![],
            init_containers: true,
        };
        Wanted::new("kube-api-access", "/var/run/secrets", &token, filter)
    }

    #[test]
    fn only_3607_for_the_api_servers_own_audience_is_extended() {
        assert!(token_lifetime(&wanted(3607, None)).contains("extends to a year"));
        assert!(token_lifetime(&wanted(3607, Some(""))).contains("extends to a year"));
        // isKubeAudiences: a token for another audience keeps its lifetime.
        let vault = token_lifetime(&wanted(3607, Some("vault")));
        assert!(
            vault.contains("(audience \"vault\"), or a year if"),
            "{vault}"
        );
        let short = token_lifetime(&wanted(3600, None));
        assert_eq!(
            short,
            "token lifetime 3600 s, after which it really expires: clients must reload it"
        );
    }

    #[test]
    fn a_rules_entry_matches_exactly_the_names_it_was_made_for() {
        assert_eq!(pattern("web"), "web");
        assert_eq!(pattern("api.v2-web"), "api\\.v2-web");
        let selector = crate::select::Pattern::new(&pattern("api.v2-web")).unwrap();
        assert!(selector.matches("api.v2-web") && !selector.matches("apixv2-web"));
    }
}

/// What a rule is about, for reports: its name, a one-line description, a full one, and
/// what to do about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleText {
    /// A short name, in the manner of SARIF's `name` (PascalCase).
    pub name: &'static str,
    /// One line.
    pub short: &'static str,
    /// What the finding means.
    pub full: &'static str,
    /// What to do.
    pub help: &'static str,
}

/// The words of each rule.
pub fn rule_text(rule: Rule) -> RuleText {
    let (name, short, full, help) = match rule {
        Rule::AutomountNotDisabled => (
            "AutomountNotDisabled",
            "A Pod template's automountServiceAccountToken is not false.",
            "With automountServiceAccountToken unset or true, Kubernetes mounts the service-account token into every container and init container of the Pod, whether it needs the API or not.",
            "Set automountServiceAccountToken: false and mount the token explicitly where it is needed (`harden-sa-token fix`).",
        ),
        Rule::TokenVolumeMissing => (
            "TokenVolumeMissing",
            "A container needs the API but the Pod template has no explicit token volume.",
            "Once automount is off, the containers that need the API read their token from an explicit projected volume (token, cluster CA, namespace).",
            "Add the projected token volume the config describes (`harden-sa-token fix`).",
        ),
        Rule::TokenVolumeDiffers => (
            "TokenVolumeDiffers",
            "The token volume differs from the config.",
            "The projected token volume's lifetime, audience, CA ConfigMap, mode or sources are not those the config asks for.",
            "Bring the volume to the configured settings (`harden-sa-token fix` changes only what differs).",
        ),
        Rule::TokenVolumeUnused => (
            "TokenVolumeUnused",
            "A token volume no container should mount.",
            "No container of the Pod template needs the Kubernetes API, yet the token volume is there.",
            "Remove the volume and its mounts (`harden-sa-token fix`).",
        ),
        Rule::TokenMountMissing => (
            "TokenMountMissing",
            "A container that needs the API does not mount the token read-only at the mount path.",
            "The container can reach the Kubernetes API today (or a statement says it needs it), so it must mount the token volume read-only where client libraries look for it.",
            "Mount the token volume read-only at the mount path (`harden-sa-token fix`).",
        ),
        Rule::TokenMountUnwanted => (
            "TokenMountUnwanted",
            "A container mounts the token where it would not be.",
            "The config, a rule, an annotation or the RBAC evidence says this container does not need the Kubernetes API, yet it mounts the token.",
            "Remove the mount (`harden-sa-token fix`), or state that the container needs the API.",
        ),
        Rule::ServiceAccountAutomount => (
            "ServiceAccountAutomount",
            "A ServiceAccount's automountServiceAccountToken is not false.",
            "With serviceAccounts: true, the selected ServiceAccounts are to turn automount off for every Pod that runs as them.",
            "Set automountServiceAccountToken: false on the ServiceAccount (`harden-sa-token fix`).",
        ),
        Rule::TokenGrantsNothing => (
            "TokenGrantsNothing",
            "A Pod template holds a token that nothing in the input grants any right.",
            "Under rbac: apply the input and the evidence are the whole truth about RBAC: no RoleBinding or ClusterRoleBinding in them grants the Pod template's ServiceAccount anything it can use, so its token is only a credential to steal.",
            "Remove the token (`harden-sa-token fix`), or bind the ServiceAccount, or state that the workload needs the API.",
        ),
        Rule::LeftUnchanged => (
            "LeftUnchanged",
            "A resource the function cannot harden safely was left unchanged.",
            "A volume of the token volume's name that is not a token volume, a malformed api-access annotation, a Pod template Kubernetes would reject, or a layout the editor will not change without touching other bytes.",
            "Read the message: rename the volume, fix the annotation or the manifest, then run again.",
        ),
        Rule::InternalError => (
            "InternalError",
            "The function's own edit of a resource did not check out; the resource was left unchanged.",
            "Every output is parsed again and compared with the input plus the intended edits before it is written. A resource whose edits do not check out is left exactly as it was: on input the function accepts, this is a bug of its editor.",
            "Please report it with the resource; the other resources are hardened as usual.",
        ),
        Rule::NoPodTemplate => (
            "NoPodTemplate",
            "A workload has no Pod template where its kind must have one.",
            "Kubernetes rejects a Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job, CronJob or PodTemplate without its PodSpec (spec, spec.template.spec, ...). The function finds nothing to harden in it: it is a patch or a partial manifest, or it is broken.",
            "If it is a whole manifest, add its Pod template; a patch is hardened where it is applied (run the function on the rendered output).",
        ),
        Rule::AccessLost => (
            "AccessLost",
            "A container loses the API access it had.",
            "The container could reach the Kubernetes API before, and the config, a statement or the RBAC evidence takes that away.",
            "Check that the container does not call the API; if it does, state it with the annotation harden-sa-token.dev/api-access or a rule.",
        ),
        Rule::ForeignMount => (
            "ForeignMount",
            "A container mounts another volume at the token's mount path.",
            "Kubernetes rejects two mounts at one path, so the container keeps its own mount and gets no second one.",
            "Leave it, or remove the container's own mount to let the function manage its token.",
        ),
        Rule::UnmanagedToken => (
            "UnmanagedToken",
            "A container keeps API access through a token volume this function does not manage.",
            "The container mounts a projected token volume of another name at the mount path; it keeps access whatever the config says.",
            "Remove that volume and mount, or rename it to the configured volume name.",
        ),
        Rule::UnknownContainer => (
            "UnknownContainer",
            "A statement names a container the Pod template does not have.",
            "The annotation harden-sa-token.dev/api-access or a rule lists a container name that is not among the Pod template's containers and init containers.",
            "Correct the name.",
        ),
        Rule::TokenWithoutGrant => (
            "TokenWithoutGrant",
            "A Pod template keeps a token that nothing in the input grants any right.",
            "No RoleBinding or ClusterRoleBinding in the input grants the Pod template's ServiceAccount anything (rbac: advise).",
            "If the workload never calls the API, annotate it with harden-sa-token.dev/api-access: none, or use rbac: apply.",
        ),
        Rule::TokenUsedOutsideRbac => (
            "TokenUsedOutsideRbac",
            "A Pod template uses its token outside Kubernetes RBAC, so rbac: apply keeps it.",
            "Nothing in the input or the evidence grants the Pod template's ServiceAccount any right, but the Pod template asks for the token (automountServiceAccountToken: true) or uses it elsewhere: Vault's agent injector, or a container that reads the token's path itself.",
            "State the workload's need with the annotation harden-sa-token.dev/api-access or a rule.",
        ),
        Rule::IncompleteEvidence => (
            "IncompleteEvidence",
            "The input does not show enough RBAC to decide who needs the token.",
            "The input and the evidence hold no binding at all, the ServiceAccount is defined nowhere in them or has no namespace, or bindings would apply once namespaces are set; the decision is left to the other settings.",
            "Run over the whole install, with its ServiceAccounts and bindings, add the cluster's RBAC as evidence (harden-sa-token evidence), or state the workload's need.",
        ),
        Rule::PlatformUnset => (
            "PlatformUnset",
            "The input looks meant for OpenShift, but the config does not name the platform.",
            "OpenShift's own token volume also projects the ConfigMap openshift-service-ca.crt as service-ca.crt; with platform unset the function writes Kubernetes' volume, without it.",
            "Set platform: openshift (or platform: kubernetes if that is intended).",
        ),
        Rule::Hardened => (
            "Hardened",
            "A Pod template was hardened.",
            "automountServiceAccountToken: false, and the token volume mounted read-only in exactly the containers that need the API.",
            "Review the change.",
        ),
        Rule::NotAnObject => (
            "NotAnObject",
            "A document of the stream is not a Kubernetes object.",
            "A document whose root is a scalar or a list is passed through unchanged.",
            "Check what produced the stream.",
        ),
    };
    RuleText {
        name,
        short,
        full,
        help,
    }
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

/// The token's lifetime in a table cell: `3607 s (a year for legacy clients)`.
pub fn lifetime_short(wanted: &Wanted) -> String {
    let text = token_lifetime(wanted);
    let seconds = wanted
        .projected
        .sources
        .iter()
        .flatten()
        .find_map(|s| s.service_account_token.as_ref()?.expiration_seconds)
        .unwrap_or_default();
    if text.contains("extends to a year") {
        format!("{seconds} s (a year for legacy clients)")
    } else {
        format!("{seconds} s")
    }
}

/// A Pod template's token in the inventory's cells: its lifetime (`3607 s (a year for
/// legacy clients)`, `3600 s (no expirationSeconds)`) and its audience.
pub fn token_cells(lifetime: &Lifetime) -> (String, String) {
    let audience = lifetime.audience.as_deref();
    let seconds = match lifetime.written {
        None => format!("{DEFAULT_EXPIRATION_SECONDS} s (no expirationSeconds)"),
        Some(s) if lifetime.effective == EXTENDED_TO_SECONDS => {
            format!("{s} s (a year for legacy clients)")
        }
        Some(s) => format!("{s} s"),
    };
    let audience = match audience.filter(|a| !a.is_empty()) {
        Some(a) => format!("`{a}`"),
        None => "the API server's own".to_owned(),
    };
    (seconds, audience)
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
/// Kubernetes reads it. With `positions`, the lines and columns of what it names; without,
/// for objects whose lines are not the user's (an item of a kpt package: the ResourceList
/// kpt wrote), where the result's field path says where instead.
pub fn template_error(error: &TemplateError, positions: bool) -> String {
    const MERGE: &str =
        "Kubernetes reads the keys it brings in, which this function does not; write them out";
    // ` (line L, column C)`, or nothing.
    let at = |(line, column): (usize, usize)| {
        if positions {
            format!(" (line {line}, column {column})")
        } else {
            String::new()
        }
    };
    // ` at line L, column C`, or nothing.
    let at_line = |(line, column): (usize, usize)| {
        if positions {
            format!(" at line {line}, column {column}")
        } else {
            String::new()
        }
    };
    match error {
        TemplateError::NotAList {
            field: f,
            at: position,
            found,
        } => format!(
            "{}{} is {}, not a list; Kubernetes rejects such a Pod template",
            field(f),
            at(*position),
            shape(*found)
        ),
        TemplateError::NotAMapping {
            field: f,
            at: position,
            found,
        } => format!(
            "{}{} is {}, not a mapping; Kubernetes rejects such a Pod template",
            field(f),
            at(*position),
            shape(*found)
        ),
        // The mapping at the result's path: the PodSpec, or a mapping on the way to it
        // whose merge may bring the PodSpec in.
        TemplateError::MergeKey { field: f, at: key } if f.is_empty() => {
            format!(
                "the mapping has a merge key (`<<`{}): {MERGE}",
                at_line(*key)
            )
        }
        TemplateError::MergeKey { field: f, at: key } => format!(
            "{} has a merge key (`<<`{}): {MERGE}",
            field(f),
            at_line(*key)
        ),
        TemplateError::AccountMergeKey { at: key } => format!(
            "the ServiceAccount has a merge key (`<<`{}): {MERGE}",
            at_line(*key)
        ),
        TemplateError::Shared { field: f, sharing } => {
            let anchor = at_line(sharing.anchor_at);
            if sharing.is_alias {
                let of = match sharing.anchored {
                    Shape::Mapping => "the mapping",
                    Shape::List => "the list",
                    Shape::Scalar | Shape::Null => "the value",
                };
                format!(
                    "{}{} is an alias (*{}) of {of} anchored{anchor}; edits through aliases would change every place the anchor is used",
                    field(f),
                    at(sharing.alias_at),
                    sharing.name
                )
            } else {
                format!(
                    "{} is in the node anchored{anchor} (&{}), which the alias{} stands for too; edits to it would change every place the anchor is used",
                    field(f),
                    sharing.name,
                    at_line(sharing.alias_at)
                )
            }
        }
        TemplateError::Edit(e) if positions => e.to_string(),
        TemplateError::Edit(e) => e.what.clone(),
    }
}

/// A workload of one of Kubernetes' own kinds without its Pod template: `absent` (a
/// prefix of `path`, or `path` itself) is not there, or not a mapping.
pub fn no_pod_template(kind: &str, path: &str, absent: &str) -> String {
    format!(
        "{kind} without a Pod template: `{absent}` is missing or not a mapping, so nothing was hardened in it (Kubernetes rejects a {kind} without `{path}`; a patch is hardened where it is applied)"
    )
}

/// An item of a typed list (`DeploymentList`) without `apiVersion` and `kind`.
pub fn unnamed_list_item(list_kind: &str) -> String {
    let kind = list_kind.strip_suffix("List").unwrap_or(list_kind);
    format!(
        "this item has no apiVersion and kind; Kubernetes reads it as a {kind} of the list's apiVersion, this function does not: not hardened (give it apiVersion and kind)"
    )
}
