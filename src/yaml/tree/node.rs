//! The nodes of the tree: their kinds, spans, styles and ids, how they are read
//! (`get`, `items`, `as_str`...), where anchors and aliases are, and the limits input
//! is held to.

use std::borrow::Cow;
use std::ops::Range;

/// Deepest nesting of collections accepted, flow and block alike.
///
/// Real manifests nest a few dozen levels at most; the bound keeps recursion over the
/// tree (and the parser's own stack) small whatever the input.
pub const MAX_DEPTH: usize = 200;

/// Most nodes that the aliases of one document may stand for, were they expanded.
///
/// Nothing here expands aliases, but whoever reads the output may (kpt and kustomize do),
/// so a document whose aliases stand for more than this (an alias bomb: each anchor
/// repeating the one before several times) is refused. Real manifests that use anchors
/// repeat a few env lists or labels, hundreds of nodes at most.
pub const MAX_ALIAS_EXPANSION: u64 = 100_000;

/// A parse failure, with the 1-based line and column where the parser stopped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {column}: {message}")]
pub struct ParseError {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What went wrong.
    pub message: String,
}

/// How a scalar is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScalarStyle {
    /// `value`, without quotes.
    Plain,
    /// `'value'`.
    SingleQuoted,
    /// `"value"`.
    DoubleQuoted,
    /// `|` block.
    Literal,
    /// `>` block.
    Folded,
}

impl From<granit_parser::ScalarStyle> for ScalarStyle {
    fn from(style: granit_parser::ScalarStyle) -> Self {
        match style {
            granit_parser::ScalarStyle::Plain => ScalarStyle::Plain,
            granit_parser::ScalarStyle::SingleQuoted => ScalarStyle::SingleQuoted,
            granit_parser::ScalarStyle::DoubleQuoted => ScalarStyle::DoubleQuoted,
            granit_parser::ScalarStyle::Literal => ScalarStyle::Literal,
            granit_parser::ScalarStyle::Folded => ScalarStyle::Folded,
        }
    }
}

/// Identifies a node of one parsed text: ids are given in document order (a node before
/// its children, a key before its value), so edits can be found by id, and in order, as
/// the tree is walked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeId(pub(in crate::yaml) u32);

/// One node of the tree.
#[derive(Debug, Clone)]
pub struct Node<'a> {
    /// Byte offset of the first byte of the node's content (after any tag or anchor).
    pub(in crate::yaml) start: usize,
    /// Byte offset just past the node's content. For a block collection this is the end
    /// of its last child, not the start of whatever follows; for a block scalar, the end
    /// of its last line.
    pub(in crate::yaml) end: usize,
    /// 1-based line of `start`.
    pub(in crate::yaml) line: u32,
    /// 0-based column (in characters) of `start`.
    pub(in crate::yaml) col: u32,
    /// Given at parse time, in document order.
    pub(in crate::yaml) id: NodeId,
    /// What the node is.
    pub(in crate::yaml) kind: Kind<'a>,
}

/// The shape of a node.
#[derive(Debug, Clone)]
pub(in crate::yaml) enum Kind<'a> {
    /// A scalar with its value after escape processing.
    Scalar {
        /// The value, borrowed from the text where no escape had to be processed.
        value: Cow<'a, str>,
        /// Plain, quoted, literal or folded.
        style: ScalarStyle,
        /// Whether an explicit tag (`!!str 5`) is attached.
        tagged: bool,
        /// The anchor id defined on this node, 0 for none.
        anchor: u32,
    },
    /// A mapping; keys and values in source order.
    Map {
        /// `{...}` rather than indented `key: value` lines.
        flow: bool,
        /// Key and value nodes.
        entries: Box<[(Node<'a>, Node<'a>)]>,
        /// The anchor id defined on this node, 0 for none.
        anchor: u32,
    },
    /// A sequence; items in source order.
    Seq {
        /// `[...]` rather than `- item` lines.
        flow: bool,
        /// Item nodes.
        items: Box<[Node<'a>]>,
        /// The anchor id defined on this node, 0 for none.
        anchor: u32,
    },
    /// `*name`: a reference to an anchored node, never expanded here.
    Alias(u32),
}

/// The merge key of YAML 1.1, which Kubernetes' reader honours.
const MERGE_KEY: &str = "<<";

impl<'a> Node<'a> {
    /// The node's id in the text it was parsed from.
    pub fn id(&self) -> NodeId {
        self.id
    }

    /// The bytes of the text the node's content spans.
    pub fn span(&self) -> Range<usize> {
        self.start..self.end
    }

    /// 1-based line where the node's content starts.
    pub fn line(&self) -> usize {
        self.line as usize
    }

    /// 1-based column (in characters) where the node's content starts.
    pub fn column(&self) -> usize {
        self.col as usize + 1
    }

    /// The value of a scalar node, whatever its style.
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Scalar { value, .. } => Some(value),
            _ => None,
        }
    }

    /// How a scalar node is written; `None` for anything else.
    pub fn style(&self) -> Option<ScalarStyle> {
        match &self.kind {
            Kind::Scalar { style, .. } => Some(*style),
            _ => None,
        }
    }

    /// Whether this is a literal (`|`) or folded (`>`) block scalar, whose last line
    /// break is part of its value.
    pub(in crate::yaml) fn is_block_scalar(&self) -> bool {
        matches!(
            self.style(),
            Some(ScalarStyle::Literal | ScalarStyle::Folded)
        )
    }

    /// Whether this is a null: an empty value, or a plain `~`, `null`, `Null` or `NULL`.
    pub fn is_null(&self) -> bool {
        match &self.kind {
            Kind::Scalar {
                value,
                style: ScalarStyle::Plain,
                tagged: false,
                ..
            } => self.start == self.end || matches!(&**value, "~" | "null" | "Null" | "NULL"),
            _ => false,
        }
    }

    /// A plain scalar read as a boolean the way Kubernetes' YAML 1.1 reader does.
    pub fn as_bool(&self) -> Option<bool> {
        match &self.kind {
            Kind::Scalar {
                value,
                style: ScalarStyle::Plain,
                ..
            } => match &**value {
                "true" | "True" | "TRUE" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "y"
                | "Y" => Some(true),
                "false" | "False" | "FALSE" | "no" | "No" | "NO" | "off" | "Off" | "OFF" | "n"
                | "N" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }

    /// The entries of a mapping node.
    pub fn entries(&self) -> Option<&[(Node<'a>, Node<'a>)]> {
        match &self.kind {
            Kind::Map { entries, .. } => Some(entries),
            _ => None,
        }
    }

    /// The items of a sequence node.
    pub fn items(&self) -> Option<&[Node<'a>]> {
        match &self.kind {
            Kind::Seq { items, .. } => Some(items),
            _ => None,
        }
    }

    /// Whether an explicit tag (`!!str 5`) is attached to a scalar node.
    pub(in crate::yaml) fn is_tagged(&self) -> bool {
        matches!(self.kind, Kind::Scalar { tagged: true, .. })
    }

    /// Whether the node is an alias (`*name`).
    pub fn is_alias(&self) -> bool {
        matches!(self.kind, Kind::Alias(_))
    }

    /// The value of the first entry whose key is the scalar `key`.
    pub fn get(&self, key: &str) -> Option<&Node<'a>> {
        self.entries()?
            .iter()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(_, v)| v)
    }

    /// The scalar value at `key`, if there is one.
    pub fn get_str(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(Node::as_str)
    }

    /// The key node of a mapping's merge key (`<<: *base`), if it has one.
    pub fn merge_key(&self) -> Option<&Node<'a>> {
        self.entries()?
            .iter()
            .map(|(k, _)| k)
            .find(|k| k.is_merge_key())
    }

    /// Whether this is the merge key `<<` (plain and untagged, as YAML 1.1 wants it).
    pub fn is_merge_key(&self) -> bool {
        matches!(&self.kind, Kind::Scalar {
            value,
            style: ScalarStyle::Plain,
            tagged: false,
            ..
        } if value == MERGE_KEY)
    }

    /// Whether the node is written in flow style (`{}`/`[]`); scalars are not.
    pub fn is_flow(&self) -> bool {
        matches!(
            self.kind,
            Kind::Map { flow: true, .. } | Kind::Seq { flow: true, .. }
        )
    }

    /// The anchor defined on this node, 0 for none.
    pub(in crate::yaml) fn anchor(&self) -> u32 {
        match &self.kind {
            Kind::Scalar { anchor, .. } | Kind::Map { anchor, .. } | Kind::Seq { anchor, .. } => {
                *anchor
            }
            Kind::Alias(_) => 0,
        }
    }
}

/// Where an anchor is defined, for messages about its aliases, and what stands for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(in crate::yaml) struct AnchorSite {
    /// Byte offset of the anchored node's content.
    pub(in crate::yaml) start: usize,
    /// 1-based line of the anchored node.
    pub(in crate::yaml) line: u32,
    /// 0-based column of the anchored node.
    pub(in crate::yaml) col: u32,
    /// The anchored node's id and the last id of its subtree: ids are given in document
    /// order, so a node is inside it when its id is in this range.
    pub(in crate::yaml) ids: (NodeId, NodeId),
    /// The first alias of the anchor, if any: editing inside the anchored node would
    /// change what the alias stands for too.
    pub(in crate::yaml) alias: Option<AliasSite>,
}

/// Where an alias is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(in crate::yaml) struct AliasSite {
    /// Byte offsets of `*name`.
    pub(in crate::yaml) start: usize,
    pub(in crate::yaml) end: usize,
    /// 1-based line.
    pub(in crate::yaml) line: u32,
    /// 0-based column.
    pub(in crate::yaml) col: u32,
}
