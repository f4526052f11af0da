//! Edits as splices into the original text.
//!
//! Each edit names a node of the [`tree`](super::tree) it changes and becomes new text at
//! a byte range of the original; every byte outside those ranges is copied as it was.
//! Each edit also records what it means (an [`Op`]) so that [`verify`](super::verify)
//! can check the output against the input plus exactly these changes.

use std::collections::HashMap;
use std::ops::Range;

use serde_json::Value;

use super::render::{self, Layout};
use super::tree::{Kind, Node};

/// A layout this editor does not know how to change without touching other bytes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {column}: cannot edit {what}")]
pub struct EditError {
    /// 1-based line of the node.
    pub line: usize,
    /// 1-based column of the node.
    pub column: usize,
    /// What could not be edited, and why.
    pub what: String,
}

impl EditError {
    fn at(node: &Node<'_>, what: impl Into<String>) -> Self {
        EditError {
            line: node.line,
            column: node.col + 1,
            what: what.into(),
        }
    }
}

/// What an edit means for the node it changes; the verifier's view of the edit.
#[derive(Debug, Clone)]
pub enum Op {
    /// A scalar's text becomes this text.
    ReplaceScalar(String),
    /// The node becomes this value.
    Replace(Value),
    /// A new entry goes after the mapping's last entry.
    InsertEntry(String, Value),
    /// The mapping's entry at this index is removed.
    RemoveEntry(usize),
    /// A new item goes after the sequence's last item.
    AppendItem(Value),
    /// The sequence's item at this index is removed.
    RemoveItem(usize),
}

/// New text for a byte range of the original.
#[derive(Debug, Clone)]
struct Splice {
    at: Range<usize>,
    text: String,
}

/// Identifies a node of the input tree by address: nodes live as long as the tree and
/// are never moved while edits are collected.
pub type NodeId = usize;

/// The identity of a node, for looking up its ops.
pub fn node_id(node: &Node<'_>) -> NodeId {
    std::ptr::from_ref(node) as usize
}

/// A set of edits to one text, applied all at once.
#[derive(Debug, Default, Clone)]
pub struct Edits {
    splices: Vec<Splice>,
    ops: HashMap<NodeId, Vec<Op>>,
}

impl Edits {
    /// Whether there is nothing to change.
    pub fn is_empty(&self) -> bool {
        self.splices.is_empty()
    }

    /// Adds all of `other`'s edits after this set's own.
    pub fn append(&mut self, other: Edits) {
        self.splices.extend(other.splices);
        for (id, ops) in other.ops {
            self.ops.entry(id).or_default().extend(ops);
        }
    }

    /// The ops recorded for each node.
    pub fn ops(&self) -> &HashMap<NodeId, Vec<Op>> {
        &self.ops
    }

    /// The text with every splice applied. Splices at the same position keep the order
    /// they were made in.
    pub fn apply(&self, text: &str) -> Result<String, EditError> {
        let mut order: Vec<&Splice> = self.splices.iter().collect();
        order.sort_by_key(|s| (s.at.start, s.at.end));
        let extra: usize = order.iter().map(|s| s.text.len()).sum();
        let mut out = String::with_capacity(text.len() + extra);
        let mut pos = 0;
        for splice in order {
            let (Some(before), true) =
                (text.get(pos..splice.at.start), splice.at.end <= text.len())
            else {
                return Err(EditError {
                    line: 0,
                    column: 0,
                    what: format!("overlapping changes at byte {}", splice.at.start),
                });
            };
            out.push_str(before);
            out.push_str(&splice.text);
            pos = splice.at.end;
        }
        out.push_str(text.get(pos..).unwrap_or_default());
        Ok(out)
    }
}

/// Collects edits to one text.
pub struct Editor<'t> {
    text: &'t str,
    layout: Layout,
    edits: Edits,
}

impl<'t> Editor<'t> {
    /// An editor for `text`, writing new block text with `layout`.
    pub fn new(text: &'t str, layout: Layout) -> Self {
        Editor {
            text,
            layout,
            edits: Edits::default(),
        }
    }

    /// The edits collected so far.
    pub fn finish(self) -> Edits {
        self.edits
    }

    fn push(&mut self, node: &Node<'_>, at: Range<usize>, text: String, op: Op) {
        self.edits.splices.push(Splice { at, text });
        self.edits.ops.entry(node_id(node)).or_default().push(op);
    }

    /// Replaces a scalar's text.
    pub fn replace_scalar(&mut self, node: &Node<'_>, text: &str) -> Result<(), EditError> {
        if !matches!(node.kind, Kind::Scalar { .. }) || node.start == node.end {
            return Err(EditError::at(node, "a value that is not a written scalar"));
        }
        self.push(
            node,
            node.start..node.end,
            text.to_owned(),
            Op::ReplaceScalar(text.to_owned()),
        );
        Ok(())
    }

    /// Replaces a mapping or sequence node, in place, by `value`.
    pub fn replace(&mut self, node: &Node<'_>, value: &Value) -> Result<(), EditError> {
        let text = match node.kind {
            Kind::Map { flow: true, .. } | Kind::Seq { flow: true, .. } => {
                render::flow(value, self.layout.json)
            }
            Kind::Map { flow: false, .. } => {
                self.check_block_start(node)?;
                render::block_inline(value, node.col, &self.layout)
            }
            _ => return Err(EditError::at(node, "a node that is not a mapping")),
        };
        let end = self.trim_end(node.start, node.end);
        self.push(node, node.start..end, text, Op::Replace(value.clone()));
        Ok(())
    }

    /// Adds `key: value` after the last entry of a mapping.
    pub fn insert_entry(
        &mut self,
        map: &Node<'_>,
        key: &str,
        value: &Value,
    ) -> Result<(), EditError> {
        let Kind::Map { flow, entries, .. } = &map.kind else {
            return Err(EditError::at(map, "a value that is not a mapping"));
        };
        let op = Op::InsertEntry(key.to_owned(), value.clone());
        if *flow {
            let entry = format!(
                "{}: {}",
                render::scalar_str(key, self.layout.json),
                render::flow(value, self.layout.json)
            );
            let (at, text) = self.flow_insert(
                map,
                entries.last().map(|(_, v)| v),
                entries.first().map(|(k, _)| k),
                entry,
            );
            self.push(map, at..at, text, op);
            return Ok(());
        }
        let Some((first_key, _)) = entries.first() else {
            return Err(EditError::at(map, "an empty block mapping"));
        };
        self.check_block_start(first_key)?;
        let col = first_key.col;
        let at = self.line_after(map.end);
        let mut text = self.break_before(at);
        text.extend(std::iter::repeat_n(' ', col));
        text.push_str(&render::scalar_str(key, false));
        text.push_str(&render::block_after_key(value, col, &self.layout));
        text.push_str(self.layout.newline);
        self.push(map, at..at, text, op);
        Ok(())
    }

    /// Adds `value` after the last item of a sequence.
    pub fn append_item(&mut self, seq: &Node<'_>, value: &Value) -> Result<(), EditError> {
        let Kind::Seq { flow, items, .. } = &seq.kind else {
            return Err(EditError::at(seq, "a value that is not a list"));
        };
        let op = Op::AppendItem(value.clone());
        if *flow {
            let item = render::flow(value, self.layout.json);
            let (at, text) = self.flow_insert(seq, items.last(), items.first(), item);
            self.push(seq, at..at, text, op);
            return Ok(());
        }
        let Some(last) = items.last() else {
            return Err(EditError::at(seq, "an empty block list"));
        };
        let dash = self.dash_before(last)?;
        let dash_col = last.col.saturating_sub(last.start - dash);
        let content_col = last.col;
        let at = self.line_after(seq.end);
        let mut text = self.break_before(at);
        text.extend(std::iter::repeat_n(' ', dash_col));
        text.push('-');
        text.extend(std::iter::repeat_n(
            ' ',
            (content_col - dash_col).saturating_sub(1).max(1),
        ));
        text.push_str(&render::block_inline(
            value,
            content_col.max(dash_col + 2),
            &self.layout,
        ));
        text.push_str(self.layout.newline);
        self.push(seq, at..at, text, op);
        Ok(())
    }

    /// Removes the item at `index` of a sequence.
    pub fn remove_item(&mut self, seq: &Node<'_>, index: usize) -> Result<(), EditError> {
        let Kind::Seq { flow, items, .. } = &seq.kind else {
            return Err(EditError::at(seq, "a value that is not a list"));
        };
        let Some(item) = items.get(index) else {
            return Err(EditError::at(seq, format!("item {index}: no such item")));
        };
        let range = if *flow {
            self.flow_remove(items.iter().map(|n| (n.start, n.end)).collect(), index)
        } else {
            let dash = self.dash_before(item)?;
            self.block_remove(item, dash, item.end, items.get(index + 1).map(|n| n.start))?
        };
        self.push(seq, range, String::new(), Op::RemoveItem(index));
        Ok(())
    }

    /// Removes the entry at `index` of a mapping.
    pub fn remove_entry(&mut self, map: &Node<'_>, index: usize) -> Result<(), EditError> {
        let Kind::Map { flow, entries, .. } = &map.kind else {
            return Err(EditError::at(map, "a value that is not a mapping"));
        };
        let Some((key, value)) = entries.get(index) else {
            return Err(EditError::at(map, format!("entry {index}: no such entry")));
        };
        let range = if *flow {
            self.flow_remove(
                entries
                    .iter()
                    .map(|(k, v)| (k.start, v.end.max(k.end)))
                    .collect(),
                index,
            )
        } else {
            let next = entries.get(index + 1).map(|(k, _)| k.start);
            self.block_remove(key, key.start, value.end.max(key.end), next)?
        };
        self.push(map, range, String::new(), Op::RemoveEntry(index));
        Ok(())
    }

    /// Where and what to insert into a flow collection after `last` (or after the opening
    /// bracket when it is empty), keeping one-line collections on one line and putting
    /// new entries of multi-line ones on a line of their own, aligned with `first`.
    fn flow_insert(
        &self,
        coll: &Node<'_>,
        last: Option<&Node<'_>>,
        first: Option<&Node<'_>>,
        item: String,
    ) -> (usize, String) {
        match (last, first) {
            (Some(last), Some(first)) if first.line != coll.line => {
                let mut text = format!(",{}", self.layout.newline);
                text.extend(std::iter::repeat_n(' ', first.col));
                text.push_str(&item);
                (last.end, text)
            }
            (Some(last), _) => (last.end, format!(", {item}")),
            _ => (coll.start + 1, item),
        }
    }

    /// The byte range to delete to remove child `index` of a flow collection whose
    /// children span `spans`: up to the next child, or back to the previous one.
    fn flow_remove(&self, spans: Vec<(usize, usize)>, index: usize) -> Range<usize> {
        let Some(&(start, end)) = spans.get(index) else {
            return 0..0;
        };
        if let Some(&(next, _)) = spans.get(index + 1) {
            start..next
        } else if let Some(&(_, prev_end)) = index.checked_sub(1).and_then(|i| spans.get(i)) {
            prev_end..end
        } else {
            start..end
        }
    }

    /// The byte range to delete to remove a block item or entry that starts at `lead`
    /// (its `-` or key) and ends at `end`: its whole lines when it starts a line, else up
    /// to the next sibling, which then takes its place on the line.
    fn block_remove(
        &self,
        node: &Node<'_>,
        lead: usize,
        end: usize,
        next: Option<usize>,
    ) -> Result<Range<usize>, EditError> {
        let line_start = self.line_start(lead);
        let prefix = self.text.get(line_start..lead).unwrap_or_default();
        if prefix.bytes().all(|b| b == b' ') {
            return Ok(line_start..self.line_after(end));
        }
        match next {
            Some(next) => Ok(lead..next),
            None => Err(EditError::at(
                node,
                "the last entry of a collection that shares its first line with its parent",
            )),
        }
    }

    /// The `-` that introduces a block sequence item, with only spaces between.
    fn dash_before(&self, item: &Node<'_>) -> Result<usize, EditError> {
        let before = self.text.get(..item.start).unwrap_or_default();
        let trimmed = before.trim_end_matches(' ');
        if trimmed.ends_with('-') {
            Ok(trimmed.len() - 1)
        } else {
            Err(EditError::at(
                item,
                "a list item whose `-` is not on its first line",
            ))
        }
    }

    /// Refuses block nodes that share their line with a tag, anchor or key we would have
    /// to reproduce, since new lines are aligned by column.
    fn check_block_start(&self, node: &Node<'_>) -> Result<(), EditError> {
        let line_start = self.line_start(node.start);
        let prefix = self.text.get(line_start..node.start).unwrap_or_default();
        if prefix.bytes().all(|b| matches!(b, b' ' | b'-')) {
            Ok(())
        } else {
            Err(EditError::at(
                node,
                "a block node preceded on its line by a tag, anchor or key",
            ))
        }
    }

    fn line_start(&self, pos: usize) -> usize {
        self.text
            .get(..pos)
            .and_then(|t| t.rfind('\n'))
            .map_or(0, |i| i + 1)
    }

    /// The start of the line after the one that holds `pos - 1` (the last byte of a node),
    /// or the end of the text.
    fn line_after(&self, pos: usize) -> usize {
        if pos > 0 && self.text.as_bytes().get(pos - 1) == Some(&b'\n') {
            return pos;
        }
        self.text
            .get(pos..)
            .and_then(|t| t.find('\n'))
            .map_or(self.text.len(), |i| pos + i + 1)
    }

    /// A line break to write first when inserting at the very end of a text that does not
    /// end with one.
    fn break_before(&self, at: usize) -> String {
        if at == self.text.len() && !self.text.is_empty() && !self.text.ends_with('\n') {
            self.layout.newline.to_owned()
        } else {
            String::new()
        }
    }

    /// `end` moved back over trailing line breaks and spaces (which a block scalar's span
    /// includes), but not before `start`.
    fn trim_end(&self, start: usize, end: usize) -> usize {
        let t = self.text.get(start..end).unwrap_or_default();
        start + t.trim_end_matches([' ', '\n', '\r']).len()
    }
}
