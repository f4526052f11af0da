//! The auditors' inventory, in Markdown: which workloads and containers hold a token, as
//! which ServiceAccount, for how long, what that ServiceAccount may do, and what the run
//! changed or would change. Totals first, then one row per Pod template.

use super::Report;
use crate::messages;
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
    let audience = messages::audience_cell(report.audience.as_deref());
    let mut out = String::from("# Service-account tokens: inventory\n\n");
    out.push_str(&messages::inventory_made_by(
        report.command,
        report.artifacts.len(),
    ));
    out.push_str("\n\n");
    // The run that happened: what it read, how, and with which settings.
    out.push_str("| | |\n|---|---:|\n");
    out.push_str(&format!("| protocol | {} |\n", cell(report.protocol)));
    out.push_str(&format!(
        "| mode | {} |\n",
        messages::mode_cell(report.mode)
    ));
    out.push_str(&format!("| config | {} |\n", cell(&report.config)));
    out.push_str(&format!("| Pod templates | {} |\n", rows.len()));
    out.push_str(&format!(
        "| holding a token (once hardened) | {holding} ({containers} containers) |\n"
    ));
    let mut totals: Vec<(&str, usize)> = [
        RowChange::Hardened,
        RowChange::WouldHarden,
        RowChange::Already,
        RowChange::LeftUnchanged,
    ]
    .into_iter()
    .map(|change| (messages::change_total(change), count(change)))
    .collect();
    if unreadable > 0 {
        totals.push((messages::UNREADABLE_INPUTS, unreadable));
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
            cell(row.may_do.as_deref().unwrap_or(messages::MAY_DO_NOT_READ)),
            messages::change_cell(row.change),
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
