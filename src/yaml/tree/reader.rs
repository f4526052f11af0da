//! The event reader: `granit-parser` events reduced to what the tree needs ([`Ev`]),
//! each with the position it starts at, the true ends of block scalars, and the
//! positions and lines of byte offsets.

use std::borrow::Cow;
use std::ops::Range;

use granit_parser::{Event, Options, Parser, StructureStyle};

use super::{MAX_DEPTH, ParseError, ScalarStyle};

/// The first carriage return in `text[range]` that no line feed follows. YAML reads one
/// as a line break (old Mac line ends), Kubernetes too, but the editor finds lines by
/// their line feeds, so an edit next to one could take the wrong bytes: the editor
/// refuses to edit an object that holds one ([`crate::yaml::edit`]); objects it does not edit
/// are copied as they are.
pub(in crate::yaml) fn lone_carriage_return(text: &str, range: Range<usize>) -> Option<usize> {
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
pub(in crate::yaml) enum Ev<'a> {
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
    pub(in crate::yaml) fn anchor(&self) -> u32 {
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
pub(in crate::yaml) struct Pos {
    pub(in crate::yaml) start: usize,
    pub(in crate::yaml) end: usize,
    pub(in crate::yaml) line: usize,
    pub(in crate::yaml) col: usize,
}

/// The parser's events over one text, as every reader in this crate runs it: comments
/// off, nesting bounded by [`MAX_DEPTH`], errors with their line and column.
pub(in crate::yaml) struct Reader<'a> {
    parser: Parser<'a, granit_parser::StrInput<'a>>,
    text: &'a str,
    /// The part of `text` the parser reads (a piece: see [`Reader::piece`]).
    range: Range<usize>,
    /// The line `range` starts on, less one: added to the parser's lines.
    lines_before: usize,
}

impl<'a> Reader<'a> {
    /// A reader of `text[range]` alone, as if it were the whole text, that reports
    /// positions in `text`: byte offsets from the start of `text`, lines counted from
    /// `first_line`, the line `range` starts on. `range` starts at the start of a line,
    /// so columns are the same either way (the caller makes sure; see
    /// `docs/performance.md` for when a piece parses alone as it parses in its text).
    pub(in crate::yaml) fn piece(text: &'a str, range: Range<usize>, first_line: usize) -> Self {
        let end = range.end.min(text.len());
        let start = range.start.min(end);
        let piece = text.get(start..end).unwrap_or_default();
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
            parser: Parser::new_from_str_with_options(piece, options),
            text,
            range: start..end,
            lines_before: first_line.saturating_sub(1),
        }
    }

    /// The text read.
    pub(in crate::yaml) fn text(&self) -> &'a str {
        self.text
    }

    pub(in crate::yaml) fn next(&mut self) -> Result<(Ev<'a>, Pos), ParseError> {
        let (event, span) = match self.parser.next() {
            Some(Ok(pair)) => pair,
            Some(Err(err)) => {
                let message = err.info().to_string();
                let (mut line, mut column) = (
                    err.marker().line() + self.lines_before,
                    err.marker().col() + 1,
                );
                // The scanner reports a tab at the start of the token it was reading,
                // which may be the line before: point at the tab itself.
                if message.contains("tab")
                    && let Some(at) = err.marker().byte_offset().map(|at| self.range.start + at)
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
                let (line, column) =
                    end_position(self.text.get(..self.range.end).unwrap_or(self.text));
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
            line: span.start.line() + self.lines_before,
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
        // The parser reports byte offsets for string input, from the start of the piece;
        // clamp so a missing offset can never index out of it.
        marker
            .byte_offset()
            .map_or(self.range.end, |at| self.range.start.saturating_add(at))
            .min(self.range.end)
    }
}

/// The 1-based line and column just past the end of `text`.
fn end_position(text: &str) -> (usize, usize) {
    position(text, text.len())
}

/// The 1-based line and column (in characters) of byte `offset` of `text`.
pub(in crate::yaml) fn position(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let last = before
        .get(line_start(before, before.len())..)
        .unwrap_or_default();
    (line, last.chars().count() + 1)
}

/// The byte offset of the start of the line that holds byte `at` of `text`.
pub(in crate::yaml) fn line_start(text: &str, at: usize) -> usize {
    text.get(..at)
        .and_then(|t| t.rfind('\n'))
        .map_or(0, |i| i + 1)
}

/// The start of the line that holds `at` when only spaces come before `at` on it (`at`
/// is where the line's first node starts), else `at`.
pub(super) fn at_line_start(text: &str, at: usize) -> usize {
    let line_start = line_start(text, at);
    match text.get(line_start..at) {
        Some(indent) if indent.bytes().all(|b| b == b' ') => line_start,
        _ => at,
    }
}
