//! What a run tells people and tools, beyond the protocol's own output: the lines of
//! `check` and `fix` (with GitHub's workflow commands), the patch of `fix --diff`
//! ([`patch`], rendered in `diff.rs`), and the `--report` files: SARIF for dashboards
//! (`sarif.rs`, its regions from `position.rs`), the KRM results as JSON for scripts,
//! and a Markdown inventory for auditors (`markdown.rs`).

mod diff;
mod lines;
mod markdown;
mod position;
mod sarif;

use std::path::{Path, PathBuf};

pub use diff::{Changed, DiffError, patch};
pub use lines::{finding, github_command};

use crate::config::Mode;
use crate::results::{FnResult, Row};

/// A report file's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// SARIF 2.1.0.
    Sarif,
    /// The KRM results list.
    Json,
    /// The auditors' inventory.
    Markdown,
}

impl Format {
    /// The names `--report-format` takes.
    pub const NAMES: &'static [&'static str] = &["sarif", "json", "md"];

    /// The format a name (`sarif`, `json`, `md`) or a file's extension says.
    pub fn named(name: &str) -> Option<Format> {
        match name.to_ascii_lowercase().as_str() {
            "sarif" => Some(Format::Sarif),
            "json" => Some(Format::Json),
            "md" | "markdown" => Some(Format::Markdown),
            _ => None,
        }
    }

    /// The format of a report file, from its extension.
    pub fn of(path: &Path) -> Option<Format> {
        path.extension()
            .and_then(|e| e.to_str())
            .and_then(Format::named)
    }

    /// The format of the report file `path`: the one `name` (`--report-format`) says
    /// when given, else its extension's.
    pub fn wanted(path: &Path, name: Option<&str>) -> Result<Format, UnknownFormat> {
        match name {
            Some(name) => Format::named(name),
            None => Format::of(path),
        }
        .ok_or_else(|| UnknownFormat(path.to_owned()))
    }
}

/// A report file whose format cannot be told: the command line is at fault (a usage
/// error, exit 2), not the input.
#[derive(Debug, thiserror::Error)]
#[error(
    "--report {}: cannot tell the format from the extension; name it .sarif, .json or .md, or give --report-format",
    .0.display()
)]
pub struct UnknownFormat(pub PathBuf);

/// One input a report is about: a file, or the stream.
#[derive(Debug)]
pub struct Artifact<'a> {
    /// How reports name it for people: a path relative to where the run was, or
    /// `stdin`.
    pub name: String,
    /// The file, as the walk named it (relative to where the run was, or absolute);
    /// `None` for stdin. SARIF makes its URI from this.
    pub path: Option<PathBuf>,
    /// Its text as read, which the positions of its results are in.
    pub text: &'a str,
    /// What the function found in it.
    pub results: &'a [FnResult],
    /// Its Pod templates.
    pub rows: &'a [Row],
    /// Why it was left as it was, when it could not be read: where and what.
    pub error: Option<(Option<(usize, usize)>, String)>,
}

/// Everything a report says.
#[derive(Debug)]
pub struct Report<'a> {
    /// The subcommand the run was (`fix`, `check`); `None` for a run over stdin.
    pub command: Option<&'a str>,
    /// The protocol it spoke (`files` for `fix` and `check`).
    pub protocol: &'a str,
    /// Where its settings came from, in words.
    pub config: String,
    /// Enforce (changes made) or audit (changes that would be).
    pub mode: Mode,
    /// Where the run was (the working directory): SARIF's `%SRCROOT%`, which the URIs of
    /// the files under it are relative to.
    pub root: Option<PathBuf>,
    /// The token's lifetime in force, in words.
    pub lifetime: String,
    /// The same, in a few words for a table.
    pub lifetime_short: String,
    /// The token's audience, when one is set.
    pub audience: Option<String>,
    /// The inputs.
    pub artifacts: Vec<Artifact<'a>>,
}

/// The report in `format`.
pub fn render(format: Format, report: &Report<'_>) -> String {
    match format {
        Format::Sarif => sarif::render(report),
        Format::Json => {
            let results: Vec<&FnResult> = report
                .artifacts
                .iter()
                .flat_map(|a| a.results.iter())
                .collect();
            let mut text = serde_json::to_string_pretty(&results).unwrap_or_default();
            text.push('\n');
            text
        }
        Format::Markdown => markdown::render(report),
    }
}
