//! A read-only syntax tree over YAML text: every node keeps its byte span, its style and
//! an id given at parse time.
//!
//! The tree is built from `granit-parser` events and never owns the text it describes,
//! so the editor can splice new text into the original bytes and the verifier can compare
//! two texts node by node. Aliases are kept as aliases, never expanded, so an alias bomb
//! costs no more than its own text.

use std::borrow::Cow;
use std::collections::HashMap;
use std::ops::Range;

use granit_parser::{Event, Options, Parser, StructureStyle};

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
pub struct NodeId(pub(super) u32);

/// One node of the tree.
#[derive(Debug, Clone)]
pub struct Node<'a> {
    /// Byte offset of the first byte of the node's content (after any tag or anchor).
    pub(super) start: usize,
    /// Byte offset just past the node's content. For a block collection this is the end
    /// of its last child, not the start of whatever follows; for a block scalar, the end
    /// of its last line.
    pub(super) end: usize,
    /// 1-based line of `start`.
    pub(super) line: u32,
    /// 0-based column (in characters) of `start`.
    pub(super) col: u32,
    /// Given at parse time, in document order.
    pub(super) id: NodeId,
    /// What the node is.
    pub(super) kind: Kind<'a>,
}

/// The shape of a node.
#[derive(Debug, Clone)]
pub(super) enum Kind<'a> {
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
pub const MERGE_KEY: &str = "<<";

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
    pub(super) fn is_block_scalar(&self) -> bool {
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
    pub(super) fn is_tagged(&self) -> bool {
        matches!(self.kind, Kind::Scalar { tagged: true, .. })
    }

    /// Whether the node is an alias (`*name`).
    pub fn is_alias(&self) -> bool {
        matches!(self.kind, Kind::Alias(_))
    }

    /// The index and value of the first entry whose key is the scalar `key`.
    pub fn entry(&self, key: &str) -> Option<(usize, &Node<'a>)> {
        self.entries()?
            .iter()
            .enumerate()
            .find(|(_, (k, _))| k.as_str() == Some(key))
            .map(|(i, (_, v))| (i, v))
    }

    /// The value of the first entry whose key is the scalar `key`.
    pub fn get(&self, key: &str) -> Option<&Node<'a>> {
        self.entry(key).map(|(_, v)| v)
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
    pub(super) fn anchor(&self) -> u32 {
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
pub(super) struct AnchorSite {
    /// Byte offset of the anchored node's content.
    pub(super) start: usize,
    /// 1-based line of the anchored node.
    pub(super) line: u32,
    /// 0-based column of the anchored node.
    pub(super) col: u32,
    /// The anchored node's id and the last id of its subtree: ids are given in document
    /// order, so a node is inside it when its id is in this range.
    pub(super) ids: (NodeId, NodeId),
    /// The first alias of the anchor, if any: editing inside the anchored node would
    /// change what the alias stands for too.
    pub(super) alias: Option<AliasSite>,
}

/// Where an alias is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct AliasSite {
    /// Byte offsets of `*name`.
    pub(super) start: usize,
    pub(super) end: usize,
    /// 1-based line.
    pub(super) line: u32,
    /// 0-based column.
    pub(super) col: u32,
}

/// What [`parse`] reads from a text: the root of each document, and where each anchor is.
pub(super) struct Parsed<'a> {
    pub(super) roots: Vec<Node<'a>>,
    /// Indexed by anchor id (the parser numbers the anchors of a stream from 1).
    pub(super) anchors: Vec<Option<AnchorSite>>,
}

/// Parses a whole stream.
pub(super) fn parse(text: &str) -> Result<Parsed<'_>, ParseError> {
    let mut events = Events {
        reader: Reader::new(text),
        aliases: Aliases::default(),
        items: Vec::new(),
        entries: Vec::new(),
        next_id: 0,
        anchors: Vec::new(),
    };
    let mut roots = Vec::new();
    loop {
        let (event, pos) = events.reader.next()?;
        match event {
            Ev::StreamStart | Ev::DocumentEnd => {}
            Ev::DocumentStart => {
                let (event, pos) = events.reader.next()?;
                events.aliases.new_document();
                let (root, _) = events.node(event, pos, 0)?;
                roots.push(root);
            }
            Ev::StreamEnd => {
                return Ok(Parsed {
                    roots,
                    anchors: events.anchors,
                });
            }
            other => return Err(unexpected(&other, pos)),
        }
    }
}

/// The first carriage return in `text[range]` that no line feed follows. YAML reads one
/// as a line break (old Mac line ends), Kubernetes too, but the editor finds lines by
/// their line feeds, so an edit next to one could take the wrong bytes: the editor
/// refuses to edit an object that holds one ([`super::edit`]); objects it does not edit
/// are copied as they are.
pub(super) fn lone_carriage_return(text: &str, range: Range<usize>) -> Option<usize> {
    let bytes = text.as_bytes();
    let end = range.end.min(bytes.len());
    let start = range.start.min(end);
    bytes
        .get(start..end)?
        .iter()
        .enumerate()
        .position(|(i, &b)| b == b'\r' && bytes.get(start + i + 1) != Some(&b'\n'))
        .map(|i| start + i)
}

/// One parser event, reduced to what this crate reads. The parser's own events carry
/// tags and spans that make them several times larger, and an event is moved at every
/// step from the parser to a node.
#[derive(Debug)]
pub(super) enum Ev<'a> {
    StreamStart,
    StreamEnd,
    DocumentStart,
    DocumentEnd,
    Scalar {
        value: Cow<'a, str>,
        style: ScalarStyle,
        anchor: u32,
        tagged: bool,
    },
    SeqStart {
        flow: bool,
        anchor: u32,
    },
    SeqEnd,
    MapStart {
        flow: bool,
        anchor: u32,
    },
    MapEnd,
    Alias(u32),
}

impl Ev<'_> {
    /// The anchor defined on the node this event starts, 0 for none.
    pub(super) fn anchor(&self) -> u32 {
        match self {
            Ev::Scalar { anchor, .. }
            | Ev::SeqStart { anchor, .. }
            | Ev::MapStart { anchor, .. } => *anchor,
            _ => 0,
        }
    }
}

/// Where an event is: byte offsets, 1-based line and 0-based column of its start.
#[derive(Debug, Clone, Copy)]
pub(super) struct Pos {
    pub(super) start: usize,
    pub(super) end: usize,
    pub(super) line: usize,
    pub(super) col: usize,
}

/// The parser's events over one text, as every reader in this crate runs it: comments
/// off, nesting bounded by [`MAX_DEPTH`], errors with their line and column.
pub(super) struct Reader<'a> {
    parser: Parser<'a, granit_parser::StrInput<'a>>,
    text: &'a str,
}

impl<'a> Reader<'a> {
    pub(super) fn new(text: &'a str) -> Self {
        let mut options = Options::default();
        options.set_emit_comments(false);
        options.flow_nesting_limit = MAX_DEPTH;
        options.block_nesting_limit = MAX_DEPTH;
        // Kubernetes reads YAML with go-yaml, a port of libyaml: a block scalar whose last
        // line ends the input without a line break has no final line feed (`a: |\n  x` is
        // "x"), where the YAML test suite (L24T) wants one. Values here are what the
        // cluster will see.
        options.block_scalar_eof_without_line_feed = true;
        // Lines of a flow collection or a quoted scalar indented no deeper than the block
        // they are in are invalid YAML that go-yaml and libyaml read, and real manifests
        // write (docs/guarantees.md): read them as those readers do, not strictly.
        options.strict_indentation = false;
        Reader {
            parser: Parser::new_from_str_with_options(text, options),
            text,
        }
    }

    /// The text read.
    pub(super) fn text(&self) -> &'a str {
        self.text
    }

    pub(super) fn next(&mut self) -> Result<(Ev<'a>, Pos), ParseError> {
        let (event, span) = match self.parser.next() {
            Some(Ok(pair)) => pair,
            Some(Err(err)) => {
                let message = err.info().to_string();
                let (mut line, mut column) = (err.marker().line(), err.marker().col() + 1);
                // The scanner reports a tab at the start of the token it was reading,
                // which may be the line before: point at the tab itself.
                if message.contains("tab")
                    && let Some(at) = err.marker().byte_offset()
                {
                    let before = self.text.get(..at).unwrap_or_default();
                    let tab = if before.ends_with('\t') {
                        Some(at - 1)
                    } else {
                        self.text
                            .get(at..)
                            .and_then(|rest| rest.find('\t'))
                            .map(|i| at + i)
                    };
                    if let Some(tab) = tab {
                        (line, column) = position(self.text, tab);
                    }
                }
                return Err(ParseError {
                    line,
                    column,
                    message,
                });
            }
            None => {
                let (line, column) = end_position(self.text);
                return Err(ParseError {
                    line,
                    column,
                    message: "unexpected end of the event stream".into(),
                });
            }
        };
        let mut pos = Pos {
            start: self.offset(span.start),
            end: self.offset(span.end),
            line: span.start.line(),
            col: span.start.col(),
        };
        // Anchor ids count the anchors of the stream: more than fit in 32 bits would
        // take a text of more than 4 GiB.
        let id = |n: usize| {
            u32::try_from(n).map_err(|_| ParseError {
                line: pos.line,
                column: pos.col + 1,
                message: "more anchors than this function counts".into(),
            })
        };
        let event = match event {
            Event::StreamStart => Ev::StreamStart,
            Event::StreamEnd => Ev::StreamEnd,
            Event::DocumentStart(..) => Ev::DocumentStart,
            Event::DocumentEnd => Ev::DocumentEnd,
            Event::Scalar(value, style, anchor, tag) => {
                let style = ScalarStyle::from(style);
                if matches!(style, ScalarStyle::Literal | ScalarStyle::Folded) {
                    if pos.start == pos.end {
                        pos.start = self.empty_block_scalar_at(pos.start);
                        pos.end = pos.start;
                    } else if value.bytes().all(|b| b == b'\n')
                        && let Some(content) = self.past_header(pos.start, pos.end)
                    {
                        pos.start = content;
                    }
                    pos.end = self.block_scalar_end(pos.start, pos.end);
                }
                Ev::Scalar {
                    value,
                    style,
                    anchor: id(anchor)?,
                    tagged: tag.is_some(),
                }
            }
            Event::SequenceStart(style, anchor, _) => Ev::SeqStart {
                flow: style == StructureStyle::Flow,
                anchor: id(anchor)?,
            },
            Event::SequenceEnd => Ev::SeqEnd,
            Event::MappingStart(style, anchor, _) => Ev::MapStart {
                flow: style == StructureStyle::Flow,
                anchor: id(anchor)?,
            },
            Event::MappingEnd => Ev::MapEnd,
            Event::Alias(anchor) => Ev::Alias(id(anchor)?),
            // Comments, anchor names and unresolved aliases are off in the options.
            other => {
                return Err(ParseError {
                    line: pos.line,
                    column: pos.col + 1,
                    message: format!("unexpected YAML event {other:?}"),
                });
            }
        };
        Ok((event, pos))
    }

    /// A block scalar's span as the parser reports it runs into the indentation of the
    /// line after it when that line is less indented (`echo hi\n    next:`); it ends at
    /// its last line break instead, so that what follows, and text inserted there, is not
    /// taken for part of it. Spaces on its last line, when no break follows, are content.
    fn block_scalar_end(&self, start: usize, end: usize) -> usize {
        let span = self.text.get(start..end).unwrap_or_default();
        match span.rfind('\n') {
            Some(nl)
                if span
                    .get(nl + 1..)
                    .is_some_and(|rest| rest.bytes().all(|b| b == b' ')) =>
            {
                start + nl + 1
            }
            _ => end,
        }
    }

    /// Where an empty block scalar (a header and no content line) is. The parser puts
    /// it where the next node starts, past the next line's indentation; it is moved back
    /// to the start of that line, right after its header's line break (and any blank
    /// lines), so that it, and the collections that end with it, end before the next
    /// node's line, where text inserted after them goes.
    fn empty_block_scalar_at(&self, at: usize) -> usize {
        at_line_start(self.text, at)
    }

    /// Where the content of a block scalar without content lines (its value is line
    /// breaks at most) starts when the parser's span begins at its header (as it does at
    /// the end of the input): past the header's line break, or at the end of the span
    /// when there is none. `None` when the span does not start with a header.
    fn past_header(&self, start: usize, end: usize) -> Option<usize> {
        let span = self.text.get(start..end)?;
        if !span.starts_with(['|', '>']) {
            return None;
        }
        Some(span.find('\n').map_or(end, |nl| start + nl + 1))
    }

    fn offset(&self, marker: granit_parser::Marker) -> usize {
        // The parser reports byte offsets for string input; clamp so a missing offset can
        // never index out of the text.
        marker
            .byte_offset()
            .unwrap_or(self.text.len())
            .min(self.text.len())
    }
}

/// The 1-based line and column just past the end of `text`.
fn end_position(text: &str) -> (usize, usize) {
    position(text, text.len())
}

/// The 1-based line and column (in characters) of byte `offset` of `text`.
pub(super) fn position(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let last = before
        .get(line_start(before, before.len())..)
        .unwrap_or_default();
    (line, last.chars().count() + 1)
}

/// The byte offset of the start of the line that holds byte `at` of `text`.
pub(super) fn line_start(text: &str, at: usize) -> usize {
    text.get(..at)
        .and_then(|t| t.rfind('\n'))
        .map_or(0, |i| i + 1)
}

/// What the aliases of a document stand for, to refuse alias bombs
/// ([`MAX_ALIAS_EXPANSION`]) without expanding anything.
#[derive(Default)]
pub(super) struct Aliases {
    /// How many nodes each anchored node stands for, aliases expanded.
    sizes: HashMap<u32, u64>,
    /// How many nodes the current document's aliases stand for.
    aliased: u64,
}

impl Aliases {
    pub(super) fn new_document(&mut self) {
        self.aliased = 0;
    }

    /// Records that the node anchored as `anchor` (0: none) stands for `size` nodes.
    pub(super) fn anchored(&mut self, anchor: u32, size: u64) {
        if anchor != 0 {
            self.sizes.insert(anchor, size);
        }
    }

    /// Counts an alias of `anchor` at `pos`; returns how many nodes it stands for.
    pub(super) fn alias(&mut self, anchor: u32, pos: Pos) -> Result<u64, ParseError> {
        // An alias of an anchor still being read (one that contains itself) has no size
        // yet: it would expand forever.
        let size = self.sizes.get(&anchor).copied().unwrap_or(u64::MAX);
        self.aliased = self.aliased.saturating_add(size);
        if self.aliased > MAX_ALIAS_EXPANSION {
            return Err(ParseError {
                line: pos.line,
                column: pos.col + 1,
                message: format!(
                    "the document's aliases stand for more than {MAX_ALIAS_EXPANSION} nodes (an alias bomb, or an alias inside its own anchor); refusing it"
                ),
            });
        }
        Ok(size)
    }
}

/// The error for nesting deeper than [`MAX_DEPTH`], at `pos`.
pub(super) fn too_deep(pos: Pos) -> ParseError {
    ParseError {
        line: pos.line,
        column: pos.col + 1,
        message: format!("nesting deeper than {MAX_DEPTH} levels"),
    }
}

/// The error for an event where it cannot be.
pub(super) fn unexpected(event: &Ev<'_>, pos: Pos) -> ParseError {
    ParseError {
        line: pos.line,
        column: pos.col + 1,
        message: format!("unexpected YAML event {event:?}"),
    }
}

struct Events<'a> {
    reader: Reader<'a>,
    aliases: Aliases,
    /// The items of the sequences being read, innermost last. Each collection takes its
    /// own children off the top when it ends, in one allocation of the exact size: most
    /// collections are small, and a vector grown one child at a time would reserve room
    /// for four children at least and copy them as it grows.
    items: Vec<Node<'a>>,
    /// The same for the entries of mappings.
    entries: Vec<(Node<'a>, Node<'a>)>,
    /// The id the next node gets.
    next_id: u32,
    /// Where each anchor is, by anchor id.
    anchors: Vec<Option<AnchorSite>>,
}

impl<'a> Events<'a> {
    /// Builds the node that starts with `event`, and says how many nodes it stands for
    /// with its aliases expanded.
    fn node(
        &mut self,
        event: Ev<'a>,
        pos: Pos,
        depth: usize,
    ) -> Result<(Node<'a>, u64), ParseError> {
        let anchor = event.anchor();
        // Every node takes at least one event, and an event at least one byte but for
        // empty scalars, of which a text has fewer than it has bytes: ids run out only
        // for a text of more than 2 GiB.
        let id = NodeId(self.next_id);
        self.next_id = self.next_id.checked_add(1).ok_or_else(|| ParseError {
            line: pos.line,
            column: pos.col + 1,
            message: "more nodes than this function counts".into(),
        })?;
        let (node, size) = self.unsized_node(id, event, pos, depth)?;
        self.aliases.anchored(anchor, size);
        if anchor != 0 {
            let index = anchor as usize;
            if self.anchors.len() <= index {
                self.anchors.resize(index + 1, None);
            }
            // The subtree's ids were given while it was read: the last is the one before
            // the next to give.
            let last = NodeId(self.next_id.saturating_sub(1));
            if let Some(slot) = self.anchors.get_mut(index) {
                *slot = Some(AnchorSite {
                    start: node.start,
                    line: node.line,
                    col: node.col,
                    ids: (id, last),
                    alias: None,
                });
            }
        }
        Ok((node, size))
    }

    fn unsized_node(
        &mut self,
        id: NodeId,
        event: Ev<'a>,
        pos: Pos,
        depth: usize,
    ) -> Result<(Node<'a>, u64), ParseError> {
        if depth > MAX_DEPTH {
            return Err(too_deep(pos));
        }
        let Pos { start, .. } = pos;
        // Lines and columns past 2^32 would need a text larger than the ids allow.
        let line = u32::try_from(pos.line).unwrap_or(u32::MAX);
        let col = u32::try_from(pos.col).unwrap_or(u32::MAX);
        let end = pos.end.max(start);
        let node = |end: usize, kind| Node {
            start,
            end,
            line,
            col,
            id,
            kind,
        };
        match event {
            Ev::Scalar {
                value,
                style,
                anchor,
                tagged,
            } => Ok((
                node(
                    end,
                    Kind::Scalar {
                        value,
                        style,
                        tagged,
                        anchor,
                    },
                ),
                1,
            )),
            Ev::Alias(anchor) => {
                let size = self.aliases.alias(anchor, pos)?;
                if let Some(Some(site)) = self.anchors.get_mut(anchor as usize)
                    && site.alias.is_none()
                {
                    site.alias = Some(AliasSite {
                        start,
                        end,
                        line,
                        col,
                    });
                }
                Ok((node(end, Kind::Alias(anchor)), size))
            }
            Ev::SeqStart { flow, anchor } => {
                let base = self.items.len();
                let mut size: u64 = 1;
                loop {
                    let (event, pos) = self.reader.next()?;
                    if let Ev::SeqEnd = event {
                        let items = self
                            .items
                            .split_off(base.min(self.items.len()))
                            .into_boxed_slice();
                        let end = if flow {
                            pos.end
                        } else {
                            items.last().map_or(start, |n: &Node<'_>| n.end)
                        };
                        let kind = Kind::Seq {
                            flow,
                            items,
                            anchor,
                        };
                        return Ok((node(end.max(start), kind), size));
                    }
                    let (item, item_size) = self.node(event, pos, depth + 1)?;
                    size = size.saturating_add(item_size);
                    self.items.push(item);
                }
            }
            Ev::MapStart { flow, anchor } => {
                let base = self.entries.len();
                let mut seen = HashMap::new();
                let mut size: u64 = 1;
                loop {
                    let (event, pos) = self.reader.next()?;
                    if let Ev::MapEnd = event {
                        let entries = self
                            .entries
                            .split_off(base.min(self.entries.len()))
                            .into_boxed_slice();
                        let end = if flow {
                            pos.end
                        } else {
                            entries
                                .last()
                                .map_or(start, |(k, v): &(Node<'_>, Node<'_>)| v.end.max(k.end))
                        };
                        let kind = Kind::Map {
                            flow,
                            entries,
                            anchor,
                        };
                        return Ok((node(end.max(start), kind), size));
                    }
                    let (mut key, key_size) = self.node(event, pos, depth + 1)?;
                    if !flow && key.is_null() && key.start == key.end && key.anchor() == 0 {
                        // `?` and nothing: the parser puts the empty key where the next
                        // node starts, perhaps on a later line, past comments; it sits
                        // right after its `?`.
                        let text = self.reader.text();
                        let from = self
                            .entries
                            .get(base..)
                            .and_then(<[_]>::last)
                            .map_or(start, |(k, v): &(Node<'_>, Node<'_>)| v.end.max(k.end));
                        key.start = question_mark(text, from, key.start)
                            .map_or_else(|| at_line_start(text, key.start), |q| q + 1);
                        key.end = key.start;
                    }
                    let (event, pos) = self.reader.next()?;
                    let (mut value, value_size) = self.node(event, pos, depth + 1)?;
                    size = size.saturating_add(key_size).saturating_add(value_size);
                    if value.is_null() && value.start == value.end && value.anchor() == 0 {
                        // An empty value is reported at the end of its key; move it past
                        // the `:` so that the entry's span covers all of its text. One
                        // with an anchor is reported past its anchor, where it ends.
                        let text = self.reader.text();
                        let rest = text.get(key.end..).unwrap_or_default();
                        let gap = rest.len() - rest.trim_start_matches([' ', '\t']).len();
                        if rest.get(gap..).is_some_and(|r| r.starts_with(':')) {
                            value.start = key.end + gap + 1;
                        } else if text.get(value.start..).is_some_and(|r| r.starts_with(':')) {
                            // `? key` with the `:` on a line of its own.
                            value.start += 1;
                        } else if value.start > key.end {
                            // `? key` and no `:` at all: the parser puts the value where
                            // the next node starts, perhaps on a later line; it belongs
                            // at the end of the key's line, before that line.
                            let line_start = at_line_start(text, value.start);
                            if line_start >= key.end {
                                value.start = line_start;
                            }
                        }
                        value.end = value.start;
                    }
                    check_unique(
                        self.entries.get(base..).unwrap_or_default(),
                        &key,
                        &mut seen,
                    )?;
                    self.entries.push((key, value));
                }
            }
            other => Err(unexpected(&other, pos)),
        }
    }
}

/// The first `?` in `text[from..to]` outside comments: the indicator of an explicit key
/// whose key is empty (between two nodes there are only spaces, line breaks, comments
/// and indicators).
fn question_mark(text: &str, from: usize, to: usize) -> Option<usize> {
    let gap = text.get(from..to)?;
    let mut chars = gap.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '?' => return Some(from + i),
            '#' => {
                for (_, c) in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
            }
            _ => {}
        }
    }
    None
}

/// The start of the line that holds `at` when only spaces come before `at` on it (`at`
/// is where the line's first node starts), else `at`.
fn at_line_start(text: &str, at: usize) -> usize {
    let line_start = line_start(text, at);
    match text.get(line_start..at) {
        Some(indent) if indent.bytes().all(|b| b == b' ') => line_start,
        _ => at,
    }
}

/// Mappings with more entries than this look up keys in a map rather than a scan.
const SCAN_KEYS: usize = 16;

/// Refuses a key that the mapping already has. YAML forbids it and Kubernetes' reader
/// fails on it ("key already set in map"), and a reader that took the first entry (as
/// [`Node::get`] does) would not see what the cluster sees. `seen` maps key values to
/// the lines of their entries once the mapping is large.
fn check_unique<'a>(
    entries: &[(Node<'a>, Node<'a>)],
    key: &Node<'a>,
    seen: &mut HashMap<Cow<'a, str>, usize>,
) -> Result<(), ParseError> {
    let Kind::Scalar { value, .. } = &key.kind else {
        return Ok(());
    };
    let first = if entries.len() < SCAN_KEYS {
        entries
            .iter()
            .find(|(k, _)| k.as_str() == Some(value))
            .map(|(k, _)| k.line())
    } else {
        if entries.len() == SCAN_KEYS {
            for (k, _) in entries {
                if let Kind::Scalar { value, .. } = &k.kind {
                    seen.entry(value.clone()).or_insert(k.line());
                }
            }
        }
        seen.insert(value.clone(), key.line())
    };
    match first {
        Some(line) => Err(ParseError {
            line: key.line(),
            column: key.column(),
            message: format!(
                "duplicate key {value:?} (first at line {line}); YAML and Kubernetes refuse duplicate keys"
            ),
        }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn root(text: &str) -> Node<'_> {
        parse(text).unwrap().roots.remove(0)
    }

    #[test]
    fn block_collections_end_at_their_last_child() {
        let text = "a:\n  b: 1\n  c: [x]\n# after\nd: 2\n";
        let doc = root(text);
        let a = doc.get("a").unwrap();
        assert_eq!(&text[a.span()], "b: 1\n  c: [x]");
        assert_eq!(a.column(), 3);
        let c = a.get("c").unwrap();
        assert_eq!(&text[c.span()], "[x]");
    }

    #[test]
    fn an_empty_value_with_an_anchor_ends_past_its_anchor() {
        // Found by fuzzing: the root mapping ended before `&x`, so an entry added to it
        // went between the key and its anchor.
        for (text, end) in [("a:\n  &x\n", 7), ("a: &x\nb: 1\n", 5), ("a: &x # c\n", 5)] {
            let doc = root(text);
            let a = doc.get("a").unwrap();
            assert!(a.is_null(), "{text:?}");
            assert_eq!(a.end, end, "{text:?}");
        }
        assert_eq!(root("a:\n  &x\n").end, 7);
    }

    #[test]
    fn block_scalars_end_at_their_last_line_break() {
        for (text, want) in [
            ("a:\n  - |\n    echo hi\n  - x\n", "echo hi\n"),
            ("a:\n    - |\n      echo hi\nb: 1\n", "echo hi\n"),
            ("a: |+\n  x\n\n\nb: 1\n", "x\n\n\n"),
            ("a: >-\n  x\n  y\n\nb: 1\n", "x\n  y\n\n"),
            ("a: |\n  x  ", "x  "),
        ] {
            let doc = root(text);
            let a = doc.get("a").unwrap();
            let scalar = a.items().map_or(a, |i| &i[0]);
            assert_eq!(&text[scalar.span()], want, "{text:?}");
        }
    }

    #[test]
    fn a_block_scalar_at_the_end_without_a_break_has_no_final_line_feed() {
        // As go-yaml (libyaml) reads it, and so Kubernetes; the YAML test suite's L24T
        // wants a line feed there.
        for (text, want) in [
            ("a: |\n  x", "x"),
            ("a: |+\n  x", "x"),
            ("a: >\n  x\n  y", "x y"),
            ("a: |\n  x\n", "x\n"),
            ("a: |+\n  x\n\n", "x\n\n"),
        ] {
            assert_eq!(root(text).get_str("a"), Some(want), "{text:?}");
        }
    }

    #[test]
    fn an_explicit_key_without_a_value_ends_its_mapping_on_its_line() {
        // Found by fuzzing (resource_list target): the parser puts the missing value of
        // `? key` where the next node starts; when that is on a less indented line, the
        // mapping seemed to end inside that line, and a key added to it went after it.
        let text = "a:\n  b:\n    c: 1\n    ? k\n  d: 2\n";
        let doc = root(text);
        let b = doc.get("a").unwrap().get("b").unwrap();
        let d_line = text.find("  d: 2").unwrap();
        assert!(b.end <= d_line, "{:?}", &text[b.span()]);
        // An empty key as well (`?` and a comment): found by fuzzing too.
        let text = "a:\n  b:\n    c: 1\n    ? # note\n  d: 2\n";
        let doc = root(text);
        let b = doc.get("a").unwrap().get("b").unwrap();
        let d_line = text.find("  d: 2").unwrap();
        assert!(b.end <= d_line, "{:?}", &text[b.span()]);
        // With the value indicator on a line of its own, the value follows it.
        let text = "a:\n  ? k\n  :\nb: 1\n";
        let a = root(text).entries().unwrap()[0].1.clone();
        let (_, v) = &a.entries().unwrap()[0];
        assert_eq!(v.span(), 12..12);
    }

    #[test]
    fn an_empty_block_scalar_ends_after_its_header() {
        // Found by fuzzing (resource_list target): the parser puts an empty block scalar
        // at the start of the next node, so the list holding it seemed to end inside the
        // next entry's line, and an item appended to it went after that line.
        for (text, at) in [
            ("p:\n  c:\n  - |\n  b: 2\n", 14),
            ("p:\n  c:\n  - |-1\n  b: 2\n", 16),
            ("p:\n  c: |\n\n  b: 2\n", 11),
            ("p:\n  c: >+\n  b: 2\n", 11),
        ] {
            let doc = root(text);
            let c = doc.get("p").unwrap().get("c").unwrap();
            let scalar = c.items().map_or(c, |i| &i[0]);
            assert_eq!(scalar.span(), at..at, "{text:?}");
            assert_eq!(scalar.as_str(), Some(""), "{text:?}");
            assert!(c.end <= at, "{text:?}");
        }
        // At the very end (where the parser's span is the header), and with content
        // that starts like a header.
        assert_eq!(root("a: |").get("a").unwrap().span(), 4..4);
        assert_eq!(root("a: |+\n\n").get("a").unwrap().span(), 6..7);
        assert_eq!(root("a: |\n  x\nb: 1\n").get("a").unwrap().span(), 7..9);
        assert_eq!(root("a: |\n  |x\nb: 1\n").get("a").unwrap().span(), 7..10);
    }

    #[test]
    fn a_carriage_return_without_a_line_feed_is_read_as_a_line_break() {
        // Kubernetes reads it so; the editor refuses to edit next to one (edit.rs).
        let doc = root("a:\n  b: x\r  c: y\n");
        assert_eq!(doc.get("a").and_then(|a| a.get_str("c")), Some("y"));
        let text = "a: x\r\nb: \"x\\ry\"\nc: y\rd: z\n";
        assert_eq!(lone_carriage_return(text, 0..text.len()), Some(20));
        assert_eq!(
            lone_carriage_return(text, 0..20),
            None,
            "CRLF and an escape"
        );
        assert_eq!(lone_carriage_return(text, 20..999), Some(20));
    }

    #[test]
    fn under_indented_continuation_lines_read_as_kubernetes_reads_them() {
        // Lines of a multi-line flow collection or quoted scalar indented no deeper than
        // the block they are in: invalid YAML (the YAML test suite's 9C9N, QB6E and
        // DK95/01), but libyaml and go-yaml read them, and so Kubernetes does. Each value
        // is what PyYAML's CSafeLoader (libyaml) and `kubectl kustomize` (go-yaml) read.
        for (text, want) in [
            ("---\nflow: [a,\nb,\nc]\n", json!({"flow": ["a", "b", "c"]})),
            ("---\nquoted: \"a\nb\nc\"\n", json!({"quoted": "a b c"})),
            ("foo: \"bar\n\tbaz\"\n", json!({"foo": "bar baz"})),
            ("a:\n  b: 'x\n\n y'\n", json!({"a": {"b": "x\ny"}})),
            (
                "a:\n  args: [\"\necho hello\n\"]\n",
                json!({"a": {"args": [" echo hello "]}}),
            ),
            ("a:\n  b: \"x\n y\n z\"\n", json!({"a": {"b": "x y z"}})),
            ("a:\n  b: \"x\n- y\"\n", json!({"a": {"b": "x - y"}})),
            ("a:\n  b: \"x\n# y\"\n", json!({"a": {"b": "x # y"}})),
            (
                "- name: x\n  args: [\"a\",\n  \"b\"]\n",
                json!([{"name": "x", "args": ["a", "b"]}]),
            ),
            ("a:\n- [x,\ny]\n", json!({"a": [["x", "y"]]})),
            ("- &a [x,\ny]\n", json!([["x", "y"]])),
            (
                "a:\n  b: [x,\n    y,\n ]\n",
                json!({"a": {"b": ["x", "y"]}}),
            ),
            (
                "a:\n  b: {x: 1,\ny: 2\n}\n",
                json!({"a": {"b": {"x": 1, "y": 2}}}),
            ),
            (
                "a:\n  b: [x,\nc: d]\n",
                json!({"a": {"b": ["x", {"c": "d"}]}}),
            ),
            ("a:\n  b: [x,\n# y\n z]\n", json!({"a": {"b": ["x", "z"]}})),
            (
                "a:\n  b: [echo\nhello]\n",
                json!({"a": {"b": ["echo hello"]}}),
            ),
        ] {
            let value = parse(text)
                .map_err(|e| format!("{text:?}: {e}"))
                .and_then(|p| {
                    let root = p.roots.first().ok_or("no document")?;
                    crate::yaml::to_json(root).map_err(|e| e.to_string())
                });
            assert_eq!(value, Ok(want), "{text:?}");
        }
        // What libyaml refuses there too: a line that does not continue the block at
        // all, a document marker inside a quoted scalar.
        for text in ["a:\n  b: x\n  y\n", "a: \"x\n--- y\"\n"] {
            assert!(parse(text).is_err(), "{text:?} accepted");
        }
    }

    #[test]
    fn ids_follow_document_order() {
        let doc = root("a: [x, y]\nb: {c: d}\n");
        let mut ids = Vec::new();
        fn walk(n: &Node<'_>, ids: &mut Vec<u32>) {
            ids.push(n.id().0);
            for (k, v) in n.entries().unwrap_or_default() {
                walk(k, ids);
                walk(v, ids);
            }
            for i in n.items().unwrap_or_default() {
                walk(i, ids);
            }
        }
        walk(&doc, &mut ids);
        assert_eq!(ids, (0..ids.len() as u32).collect::<Vec<_>>());
    }

    #[test]
    fn scalars_keep_style_and_null_is_recognised() {
        let text = "a: 'x'\nb:\nc: ~\nd: off\n";
        let doc = root(text);
        let b = doc.get("b").unwrap();
        assert_eq!(b.span(), 9..9, "an empty value sits after its `:`");
        assert_eq!(
            doc.get("a").unwrap().style(),
            Some(ScalarStyle::SingleQuoted)
        );
        assert!(doc.get("b").unwrap().is_null());
        assert!(doc.get("c").unwrap().is_null());
        assert_eq!(doc.get("d").unwrap().as_bool(), Some(false));
    }

    #[test]
    fn errors_name_line_and_column() {
        let err = parse("a: 1\nb: [\n").err().unwrap();
        assert!(err.line >= 2, "{err}");
    }

    #[test]
    fn a_tab_is_reported_where_it_is() {
        let err = parse("apiVersion: v1\n\tkind: Pod\n").err().unwrap();
        assert_eq!((err.line, err.column), (2, 1), "{err}");
        let err = parse("a:\n\tb: 1\n").err().unwrap();
        assert_eq!((err.line, err.column), (2, 1), "{err}");
    }

    #[test]
    fn deep_nesting_is_refused_not_overflowed() {
        let text = "[".repeat(100_000);
        assert!(parse(&text).is_err());
    }

    #[test]
    fn alias_bombs_are_refused_with_their_position() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let prev = format!("*a{}", i - 1);
            text.push_str(&format!("a{i}: &a{i} [{}]\n", vec![prev; 10].join(", ")));
        }
        let err = parse(&text).err().unwrap();
        assert!(err.message.contains("alias bomb"), "{err}");
        assert!(err.line > 1, "{err}");
        // A few aliases of a small anchor are fine.
        assert!(parse("env: &env [{name: A, value: b}]\nother: *env\nmore: *env\n").is_ok());
    }

    #[test]
    fn duplicate_keys_are_refused_in_small_and_large_mappings() {
        // Found by fuzzing (manifests target): the first `volumeMounts` was edited, the
        // second stayed, and a second run edited again.
        let err = parse("spec:\n  containers:\n  -\n      volumeMounts:\n      volumeMounts:\n")
            .err()
            .unwrap();
        assert_eq!((err.line, err.column), (5, 7), "{err}");
        assert!(
            err.message
                .contains("duplicate key \"volumeMounts\" (first at line 4)")
        );
        let mut big: String = (0..40).map(|i| format!("k{i}: {i}\n")).collect();
        assert!(parse(&big).is_ok());
        big.push_str("'k7': again\n");
        let err = parse(&big).err().unwrap();
        assert_eq!(err.line, 41, "{err}");
        assert!(err.message.contains("first at line 8"), "{err}");
        assert!(parse("{a: 1, b: 2}\n---\n{a: 1}\n").is_ok());
    }

    #[test]
    fn aliases_are_not_expanded_and_anchors_are_located() {
        let text = "a: &x [1, 2]\nb: *x\n";
        let parsed = parse(text).unwrap();
        let doc = &parsed.roots[0];
        assert!(doc.get("b").unwrap().is_alias());
        let Kind::Alias(id) = doc.get("b").unwrap().kind else {
            panic!("not an alias")
        };
        assert_eq!(
            parsed.anchors[id as usize],
            Some(AnchorSite {
                start: 6,
                line: 1,
                col: 6,
                ids: (NodeId(2), NodeId(4)),
                alias: Some(AliasSite {
                    start: 16,
                    end: 18,
                    line: 2,
                    col: 3
                }),
            })
        );
    }

    #[test]
    fn merge_keys_are_found() {
        let doc = root("a: &a {x: 1}\nb:\n  <<: *a\n  y: 2\nc: {'<<': 1}\n");
        assert!(doc.get("a").unwrap().merge_key().is_none());
        assert_eq!(doc.get("b").unwrap().merge_key().map(Node::line), Some(3));
        assert!(
            doc.get("c").unwrap().merge_key().is_none(),
            "quoted is a key"
        );
    }
}
