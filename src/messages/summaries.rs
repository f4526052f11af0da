//! The lines a run ends with and what `-v` lists, for a person: how many documents or
//! files, what became of their Pod templates, the counts of warnings and errors; the
//! words that describe a run's config in reports; the command line's own usage text.

use super::Tense;
use crate::results::Tally;

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

/// An argument after a kustomize plugin's config file (`first`): clap's usage error.
pub fn args_after_plugin_config(first: &str) -> String {
    format!(
        "unexpected argument '{first}' after CONFIG_FILE: as a kustomize plugin the function takes the config file alone (its config has no argsOneLiner or argsFromFile); `fix` and `check` come first: harden-sa-token fix PATH..."
    )
}

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
