//! The auditors' inventory, in Markdown: which workloads and containers hold a token, as
//! which ServiceAccount, for how long, what that ServiceAccount may do, and what the run
//! changed or would change. Totals first, then one row per Pod template.

use super::Report;
use crate::config::Mode;
use crate::results::{Row, RowChange};

/// A table cell: one line, with the characters Markdown would read as table syntax
/// escaped.
fn cell(text: &str) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.is_empty() {
        return "–".into();
    }
    flat.replace('\\', "\\\\").replace('|', "\\|")
}

fn change(row: &Row) -> &'static str {
    match row.change {
        RowChange::Hardened => "hardened",
        RowChange::WouldHarden => "not hardened: enforce mode would harden it",
        RowChange::Already => "already hardened",
        RowChange::LeftUnchanged => "left unchanged (error)",
    }
}

/// The inventory.
pub(super) fn render(report: &Report<'_>) -> String {
    let rows: Vec<(&str, &Row)> = report
        .artifacts
        .iter()
        .flat_map(|a| a.rows.iter().map(move |r| (a.name.as_str(), r)))
        .collect();
    let count = |wanted: RowChange| rows.iter().filter(|(_, r)| r.change == wanted).count();
    let holding = rows
        .iter()
        .filter(|(_, r)| !r.containers.is_empty())
        .count();
    let containers: usize = rows.iter().map(|(_, r)| r.containers.len()).sum();
    let unreadable = report
        .artifacts
        .iter()
        .filter(|a| a.error.is_some())
        .count();
    let audience = report
        .audience
        .as_deref()
        .map_or("the API server's own".to_owned(), |a| format!("`{a}`"));
    let mut out = String::from("# Service-account tokens: inventory\n\n");
    let command = match report.command {
        Some(command) => format!("harden-sa-token {command}"),
        None => "harden-sa-token".to_owned(),
    };
    out.push_str(&format!(
        "Made by `{command}` ({}) over {} {}.\n\n",
        env!("CARGO_PKG_VERSION"),
        report.artifacts.len(),
        if report.artifacts.len() == 1 {
            "input"
        } else {
            "inputs"
        },
    ));
    // The run that happened: what it read, how, and with which settings.
    out.push_str("| | |\n|---|---:|\n");
    out.push_str(&format!("| protocol | {} |\n", cell(report.protocol)));
    out.push_str(&format!(
        "| mode | {} |\n",
        match report.mode {
            Mode::Enforce => "enforce (changes made)",
            Mode::Audit => "audit (nothing changed)",
        }
    ));
    out.push_str(&format!("| config | {} |\n", cell(&report.config)));
    out.push_str(&format!("| Pod templates | {} |\n", rows.len()));
    out.push_str(&format!(
        "| holding a token (once hardened) | {holding} ({containers} containers) |\n"
    ));
    let mut totals = vec![
        ("hardened by this run", count(RowChange::Hardened)),
        (
            "not hardened (enforce mode would harden them)",
            count(RowChange::WouldHarden),
        ),
        ("already hardened", count(RowChange::Already)),
        (
            "left unchanged because of an error",
            count(RowChange::LeftUnchanged),
        ),
    ];
    if unreadable > 0 {
        totals.push(("inputs that could not be read", unreadable));
    }
    for (what, n) in totals {
        out.push_str(&format!("| {what} | {n} |\n"));
    }
    let mut lifetime = report.lifetime.clone();
    if let Some(first) = lifetime.get(..1) {
        lifetime = format!(
            "{}{}",
            first.to_uppercase(),
            lifetime.get(1..).unwrap_or_default()
        );
    }
    out.push_str(&format!("\n{lifetime}. Audience: {audience}.\n\n"));
    out.push_str("| file | kind | namespace | name | Pod template | ServiceAccount | containers holding a token | token lifetime | audience | what the ServiceAccount may do | this run |\n");
    out.push_str("|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (file, row) in &rows {
        let location = match row.at {
            Some((line, _)) => format!("{file}:{line}"),
            None => (*file).to_owned(),
        };
        let (lifetime, token_audience) = match &row.token {
            _ if row.containers.is_empty() => ("–".to_owned(), "–".to_owned()),
            Some((lifetime, audience)) => (cell(lifetime), cell(audience)),
            None => (cell(&report.lifetime_short), cell(&audience)),
        };
        out.push_str(&format!(
            "| {} | {} | {} | {} | `{}` | {} | {} | {lifetime} | {token_audience} | {} | {} |\n",
            cell(&location),
            cell(&row.resource.kind),
            cell(row.resource.namespace.as_deref().unwrap_or("")),
            cell(&row.resource.name),
            row.path,
            cell(&row.account),
            cell(&row.containers.join(", ")),
            cell(row.may_do.as_deref().unwrap_or("not read (rbac: off)")),
            change(row),
        ));
    }
    for artifact in &report.artifacts {
        if let Some((at, message)) = &artifact.error {
            let place = match at {
                Some((line, column)) => format!("{}:{line}:{column}", artifact.name),
                None => artifact.name.clone(),
            };
            out.push_str(&format!("\n{}: {}", cell(&place), cell(message)));
        }
    }
    if unreadable > 0 {
        out.push('\n');
    }
    out
}
