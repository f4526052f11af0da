//! The words of the auditors' inventory (`--report FILE.md`) and of a report's fixes:
//! what the run was, its totals, what became of each Pod template. The Markdown around
//! them (headings, table rules) is the renderer's.

use crate::config::Mode;
use crate::results::RowChange;

/// What the inventory is about: the command, this function's version and how many
/// inputs (`inputs`) it read.
pub fn inventory_made_by(command: Option<&str>, inputs: usize) -> String {
    let command = match command {
        Some(command) => format!("harden-sa-token {command}"),
        None => "harden-sa-token".to_owned(),
    };
    format!(
        "Made by `{command}` ({}) over {inputs} {}.",
        env!("CARGO_PKG_VERSION"),
        if inputs == 1 { "input" } else { "inputs" },
    )
}

/// The run's mode in the inventory.
pub fn mode_cell(mode: Mode) -> &'static str {
    match mode {
        Mode::Enforce => "enforce (changes made)",
        Mode::Audit => "audit (nothing changed)",
    }
}

/// A token's audience in the inventory: the one set, or the API server's own.
pub fn audience_cell(audience: Option<&str>) -> String {
    audience.map_or("the API server's own".to_owned(), |a| format!("`{a}`"))
}

/// What the run did to one Pod template, in its row.
pub fn change_cell(change: RowChange) -> &'static str {
    match change {
        RowChange::Hardened => "hardened",
        RowChange::WouldHarden => "not hardened: enforce mode would harden it",
        RowChange::Already => "already hardened",
        RowChange::LeftUnchanged => "left unchanged (error)",
    }
}

/// The Pod templates the run did one thing to, in the totals.
pub fn change_total(change: RowChange) -> &'static str {
    match change {
        RowChange::Hardened => "hardened by this run",
        RowChange::WouldHarden => "not hardened (enforce mode would harden them)",
        RowChange::Already => "already hardened",
        RowChange::LeftUnchanged => "left unchanged because of an error",
    }
}

/// The inputs that could not be read, in the totals.
pub const UNREADABLE_INPUTS: &str = "inputs that could not be read";

/// What a ServiceAccount may do, when the run read no RBAC.
pub const MAY_DO_NOT_READ: &str = "not read (rbac: off)";

/// A report's fix of the resource and field `subject` names.
pub fn fix_description(subject: &str) -> String {
    format!("harden {subject}")
}
