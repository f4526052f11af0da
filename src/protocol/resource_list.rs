//! The KRM ResourceList protocol: a `config.kubernetes.io/v1` (or `v1beta1`)
//! ResourceList in YAML or JSON, its items hardened in place, `results` written, and the
//! output checked against the input before anyone sees it.

use serde_json::Value;

use super::output::{self, checked};
use super::{ConfigSource, Text};
use crate::config::{self, ConfigError, Origin, Settings};
use crate::filter::{Filter, Outcome};
use crate::rbac;
use crate::results::{FnResult, Row, Tally};
use crate::yaml::{Document, Edits, NewList, Node, Rejected};

/// The apiVersions of ResourceList this function reads.
pub const API_VERSIONS: &[&str] = &["config.kubernetes.io/v1", "config.kubernetes.io/v1beta1"];

/// A ResourceList this function cannot read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// More than one document.
    #[error("expected one ResourceList document, found {0} documents")]
    ManyDocuments(usize),
    /// A ResourceList of a version this function does not read.
    #[error("line {line}: expected kind ResourceList with apiVersion {}, found kind {kind:?} apiVersion {api_version:?}", API_VERSIONS.join(" or "))]
    Version {
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
    /// The functionConfig could not be used.
    #[error(transparent)]
    Config(#[from] ConfigError),
}

/// Whether a document claims to be a ResourceList: any apiVersion of its group counts,
/// so that an unsupported version is refused rather than passed through as a stream.
pub fn claims(root: &Node<'_>) -> bool {
    root.get_str("kind") == Some("ResourceList")
        && root
            .get_str("apiVersion")
            .is_some_and(|v| v.starts_with("config.kubernetes.io/"))
}

/// What the protocol needs to write its output, on the input `'i`.
pub(super) struct Output<'i> {
    pub(super) text: Text<'i>,
    pub(super) results: Vec<FnResult>,
    pub(super) tally: Tally,
    pub(super) sender: Sender,
    /// The settings of its functionConfig, as the run used them.
    pub(super) settings: Settings,
    /// Where they came from.
    pub(super) config: ConfigSource,
    /// Its Pod templates, for a report.
    pub(super) rows: Vec<Row>,
}

/// Who sent a ResourceList, as far as its items tell: kpt and kustomize each annotate
/// every item they send, in their own way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sender {
    /// kpt: items carry `internal.config.kubernetes.io/seqindent`, which kpt writes as
    /// it reads a package.
    Kpt,
    /// kustomize (or kubectl kustomize): items carry `kustomize.config.k8s.io/id`.
    Kustomize,
    /// No item tells (no items, or written by hand).
    Unknown,
}

/// The annotation kustomize gives every item it sends.
pub(super) const KUSTOMIZE_ID: &str = "kustomize.config.k8s.io/id";
/// The annotation kpt gives every item it sends.
pub(super) const KPT_SEQINDENT: &str = "internal.config.kubernetes.io/seqindent";

/// Whether `item` has the annotation `key`.
pub(super) fn annotated(item: &Node<'_>, key: &str) -> bool {
    item.get("metadata")
        .and_then(|m| m.get("annotations"))
        .and_then(|a| a.get(key))
        .is_some()
}

/// The sender, from whether any item has kustomize's annotation and kpt's.
pub(super) fn sender_of(kustomize: bool, kpt: bool) -> Sender {
    if kustomize {
        Sender::Kustomize
    } else if kpt {
        Sender::Kpt
    } else {
        Sender::Unknown
    }
}

fn sender(items: &[Node<'_>]) -> Sender {
    let has = |key: &str| items.iter().any(|item| annotated(item, key));
    sender_of(has(KUSTOMIZE_ID), has(KPT_SEQINDENT))
}

/// Runs the function over `doc`, whose documents include one that [`claims`] to be a
/// ResourceList.
pub(super) fn run<'i>(
    doc: &Document<'i>,
    extra: &[(rbac::Origin, rbac::Object)],
) -> Result<Result<Output<'i>, Rejected>, Error> {
    let root = match doc.roots() {
        [root] => root,
        many => return Err(Error::ManyDocuments(many.len())),
    };
    let api_version = root.get_str("apiVersion").unwrap_or_default();
    if !API_VERSIONS.contains(&api_version) {
        return Err(Error::Version {
            line: root.line(),
            kind: root.get_str("kind").unwrap_or_default().to_owned(),
            api_version: api_version.to_owned(),
        });
    }
    let items = match root.get("items") {
        Some(n) => n.items().ok_or_else(|| Error::BadItems {
            line: n.line(),
            found: "found a value that is not a list".into(),
        })?,
        None => {
            return Err(Error::BadItems {
                line: root.line(),
                found: "there is none".into(),
            });
        }
    };
    if let Some((index, item)) = items
        .iter()
        .enumerate()
        .find(|(_, i)| i.entries().is_none())
    {
        return Err(Error::ItemNotAnObject {
            index,
            line: item.line(),
            column: item.column(),
        });
    }
    let (settings, config) = settings(doc, root)?;
    let inventory = super::inventory(&settings, doc, items, extra);
    let filter = Filter::new(&settings, &inventory);
    let mut outcomes: Vec<Outcome> = items.iter().map(|item| filter.object(doc, item)).collect();
    if let Err(rejected) = output::check_proposals(doc, &mut outcomes) {
        return Ok(Err(rejected));
    }
    Ok(checked(doc, &mut outcomes, |outcomes| {
        let results: Vec<&FnResult> = outcomes.iter().flat_map(|o| &o.results).collect();
        Some(results_edit(doc, root, &results))
    })
    .map(|text| Output {
        text: Text::whole(doc.text(), text),
        results: output::results(&outcomes),
        tally: output::tally(&outcomes),
        sender: sender(items),
        rows: outcomes.into_iter().flat_map(|o| o.rows).collect(),
        settings,
        config,
    }))
}

/// The settings of the ResourceList `root`, a node of `doc`, from its functionConfig,
/// and where they came from.
pub(super) fn settings(
    doc: &Document<'_>,
    root: &Node<'_>,
) -> Result<(Settings, ConfigSource), ConfigError> {
    let function_config = root.get("functionConfig");
    let settings = config::from_node(doc, function_config, Origin::Generated)?;
    let source = match function_config.filter(|n| !n.is_null()) {
        Some(node) => ConfigSource::FunctionConfig {
            kind: node.get_str("kind").unwrap_or_default().to_owned(),
        },
        None => ConfigSource::Defaults,
    };
    Ok((settings, source))
}

/// The edit that writes `results` into the ResourceList: a value the function renders
/// itself into a mapping it has just read, so it cannot fail short of a bug, which the
/// check of the output then reports.
pub(super) fn results_edit(doc: &Document<'_>, root: &Node<'_>, results: &[&FnResult]) -> Edits {
    let mut editor = doc.editor(root);
    let mut ok = true;
    if root.get("results").is_some() {
        ok &= editor.remove_entry(root, "results").is_ok();
    }
    if ok && !results.is_empty() {
        // A result at a time: a tree of every result's value would be the run's largest
        // allocation.
        let mut list = NewList::default();
        if results.iter().try_for_each(|r| list.push(r)).is_ok() {
            let _ = editor.insert_list(root, "results", list);
        } else {
            let _ = editor.insert_entry(root, "results", Value::Null);
        }
    }
    editor.finish()
}
