//! The tree builder: events into nodes, each with its id (in document order), its span
//! and where its anchor is.

use std::collections::HashMap;

use super::{
    AliasSite, Aliases, AnchorSite, Ev, Kind, MAX_DEPTH, Node, NodeId, ParseError, Pos, Reader,
    at_line_start, check_unique, too_deep, unexpected,
};

/// What [`parse_piece`] reads from a text: the root of each document, and where each anchor is.
pub(in crate::yaml) struct Parsed<'a> {
    pub(in crate::yaml) roots: Vec<Node<'a>>,
    /// Indexed by anchor id (the parser numbers the anchors of a stream from 1).
    pub(in crate::yaml) anchors: Vec<Option<AnchorSite>>,
}

/// Parses a whole stream.
#[cfg(test)]
pub(in crate::yaml) fn parse(text: &str) -> Result<Parsed<'_>, ParseError> {
    parse_piece(text, 0..text.len(), 1)
}

/// Parses `text[range]` alone, a stream of its own, with positions in `text` (lines from
/// `first_line`): [`Reader::piece`].
pub(in crate::yaml) fn parse_piece(
    text: &str,
    range: std::ops::Range<usize>,
    first_line: usize,
) -> Result<Parsed<'_>, ParseError> {
    let mut events = Events {
        reader: Reader::piece(text, range, first_line),
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
