//! The KRM ResourceList protocol: reads a `config.kubernetes.io/v1` (or `v1beta1`)
//! ResourceList in YAML or JSON, hardens its items in place, writes `results`, and
//! checks the output against the input before anyone sees it.

use std::sync::Arc;

use serde_json::Value;

use crate::compose::{self, Refused};
use crate::config::{self, ConfigError};
use crate::harden::{self, ItemOutcome};
use crate::results::FnResult;
use crate::template::NewValues;
use crate::yaml::edit::Editor;
use crate::yaml::tree::{self, Document, Node, ParseError};
use crate::yaml::verify::Mismatch;
use crate::yaml::{self as yml};

/// The apiVersions of ResourceList this function reads.
pub const API_VERSIONS: &[&str] = &["config.kubernetes.io/v1", "config.kubernetes.io/v1beta1"];

/// Input that is not a ResourceList this function can read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    /// Bytes that are not UTF-8.
    #[error("input is not UTF-8: line {line}, column {column}")]
    NotUtf8 {
        /// 1-based line of the first bad byte.
        line: usize,
        /// 1-based column (in bytes) of the first bad byte.
        column: usize,
    },
    /// Not YAML. The parse error is part of the message, not a separate source, so that
    /// it is printed once.
    #[error("input is not valid YAML: {0}")]
    Yaml(ParseError),
    /// No document at all.
    #[error("input is empty; expected a ResourceList")]
    Empty,
    /// More than one document.
    #[error("expected one ResourceList document, found {0} documents")]
    ManyDocuments(usize),
    /// A document that is not a ResourceList.
    #[error("line {line}: expected kind ResourceList with apiVersion {}, found kind {kind:?} apiVersion {api_version:?}", API_VERSIONS.join(" or "))]
    NotAResourceList {
        /// 1-based line of the document.
        line: usize,
        /// kind as written.
        kind: String,
        /// apiVersion as written.
        api_version: String,
    },
    /// No `items`, or `items` that is not a list.
    #[error("line {line}: ResourceList `items` must be a list of objects; {found}")]
    BadItems {
        /// 1-based line.
        line: usize,
        /// What was found instead.
        found: String,
    },
    /// An item that is not a mapping.
    #[error(
        "line {line}, column {column}: ResourceList items[{index}] is not an object (a mapping)"
    )]
    ItemNotAnObject {
        /// Index in `items`.
        index: usize,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
    },
}

impl From<ParseError> for InputError {
    fn from(err: ParseError) -> Self {
        InputError::Yaml(err)
    }
}

/// Why a run produced no output.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The input could not be read.
    #[error(transparent)]
    Input(#[from] InputError),
    /// The functionConfig could not be used.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The edited text did not check out; nothing was written (a bug: please report it).
    #[error(transparent)]
    Verify(#[from] Refused),
}

/// A finished run.
#[derive(Debug)]
pub struct Output {
    /// The ResourceList to write to stdout.
    pub text: String,
    /// The results it carries.
    pub results: Vec<FnResult>,
}

/// Reads input bytes as UTF-8, naming the position of the first bad byte.
pub fn utf8(input: &[u8]) -> Result<&str, InputError> {
    std::str::from_utf8(input).map_err(|e| {
        let good = input.get(..e.valid_up_to()).unwrap_or_default();
        let line_start = good.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        InputError::NotUtf8 {
            line: good.iter().filter(|&&b| b == b'\n').count() + 1,
            column: good.len() - line_start + 1,
        }
    })
}

/// Whether `root` is a ResourceList document.
pub fn is_resource_list(root: &Node<'_>) -> bool {
    root.get_str("kind") == Some("ResourceList")
        && root
            .get_str("apiVersion")
            .is_some_and(|v| API_VERSIONS.contains(&v))
}

/// Runs the function over a ResourceList.
pub fn run(input: &[u8]) -> Result<Output, Error> {
    let text = utf8(input)?;
    let docs = tree::parse(text).map_err(InputError::from)?;
    run_documents(text, &docs)
}

/// Runs the function over a ResourceList already parsed: `docs` are the documents of
/// `text`, and there must be exactly one.
pub fn run_documents(text: &str, docs: &[Document<'_>]) -> Result<Output, Error> {
    let root = match docs {
        [] => return Err(InputError::Empty.into()),
        [doc] => &doc.root,
        many => return Err(InputError::ManyDocuments(many.len()).into()),
    };
    if !is_resource_list(root) {
        return Err(InputError::NotAResourceList {
            line: root.line,
            kind: root.get_str("kind").unwrap_or_default().to_owned(),
            api_version: root.get_str("apiVersion").unwrap_or_default().to_owned(),
        }
        .into());
    }
    let items = match root.get("items") {
        Some(n) => n.items().ok_or_else(|| InputError::BadItems {
            line: n.line,
            found: "found a value that is not a list".into(),
        })?,
        None => {
            return Err(InputError::BadItems {
                line: root.line,
                found: "there is none".into(),
            }
            .into());
        }
    };
    if let Some((index, item)) = items
        .iter()
        .enumerate()
        .find(|(_, i)| i.entries().is_none())
    {
        return Err(InputError::ItemNotAnObject {
            index,
            line: item.line,
            column: item.col + 1,
        }
        .into());
    }
    let settings = config::from_node(root.get("functionConfig"))?;
    let new = NewValues::new(&settings);

    let mut outcomes: Vec<ItemOutcome> = items
        .iter()
        .map(|item| harden::harden_object(text, root, item, &settings, &new))
        .collect();
    let output = compose::with_fallback(text, docs, &mut outcomes, |outcomes| {
        compose(text, docs, root, outcomes)
    })?;
    Ok(output)
}

/// The output text: every object's edits plus `results`, checked.
fn compose(
    text: &str,
    docs: &[Document<'_>],
    root: &Node<'_>,
    outcomes: &[ItemOutcome],
) -> Result<Output, Mismatch> {
    let results: Vec<FnResult> = compose::results(outcomes);
    let mut edits = compose::edits(outcomes);
    let mut editor = Editor::new(text, yml::measure_layout(text, root, root));
    let fail = |e: crate::yaml::edit::EditError| Mismatch {
        line: e.line,
        what: e.to_string(),
    };
    if let Some((index, _)) = root.entry("results") {
        editor.remove_entry(root, index).map_err(fail)?;
    }
    if !results.is_empty() {
        let value = serde_json::to_value(&results).unwrap_or(Value::Null);
        editor
            .insert_entry(root, "results", Arc::new(value))
            .map_err(fail)?;
    }
    let own = editor.finish();
    edits.push(&own);
    let text = compose::check(text, docs, &edits)?;
    Ok(Output { text, results })
}
