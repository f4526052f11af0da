//! The editor's operations: replace, converge, insert, append and remove, each recorded
//! in the journal as splices with what they mean; where their text goes is measured in
//! [`super::layout`].

use serde_json::Value;
use std::ops::Range;

use super::journal::{Batch, Splice};
use super::layout::{LINE_BREAKS, convergeable, line_break_before};
use super::{EditError, Edits, Inserted, NewList, NewValue, Op};
use crate::replacement::Replacement;
use crate::yaml::render::{self, Layout};
use crate::yaml::tree::{Kind, Node};

/// Collects edits to one text.
#[derive(Debug)]
pub struct Editor<'t> {
    pub(super) text: &'t str,
    pub(super) layout: Layout,
    pub(super) edits: Edits,
    /// The batch the edits made now go in.
    batch: Batch,
    /// A carriage return without a line feed on the lines of the scope, where edits
    /// could go: the editor's line arithmetic would not see the line break YAML reads
    /// there, so it edits nothing.
    lone_cr: Option<usize>,
}

impl<'t> Editor<'t> {
    /// An editor for the subtree of `scope` in `text`, writing new block text with
    /// `layout`.
    pub(in crate::yaml) fn new(text: &'t str, layout: Layout, scope: &Node<'_>) -> Self {
        let mut editor = Editor {
            text,
            layout,
            edits: Edits::new(scope.id()),
            batch: Batch::NONE,
            lone_cr: None,
        };
        let lines = editor.line_start(scope.start)..editor.line_after(scope.end);
        editor.lone_cr = crate::yaml::tree::lone_carriage_return(text, lines);
        editor
    }

    /// A second editor of the same scope, empty, measured once with this one: audit
    /// mode's proposals are collected beside the edits.
    pub fn another(&self) -> Self {
        Editor {
            text: self.text,
            layout: self.layout,
            edits: Edits::new(self.edits.scope()),
            batch: Batch::NONE,
            lone_cr: self.lone_cr,
        }
    }

    /// Refuses every edit of a scope that holds a carriage return without a line feed.
    fn check_line_ends(&self) -> Result<(), EditError> {
        match self.lone_cr {
            None => Ok(()),
            Some(at) => Err(EditError {
                at: Some(crate::yaml::tree::position(self.text, at)),
                what: "an object with a carriage return without a line feed after it (YAML reads a line break there, the editor finds lines by their line feeds); end its lines with LF or CRLF".into(),
            }),
        }
    }

    /// Declares that the edits inside `anchored` (a node with an anchor that aliases
    /// stand for) are meant for every place that uses it: the caller has made sure each
    /// of them wants exactly these edits. The check then takes the aliases to stand for
    /// the edited node, as they will, instead of refusing the edits.
    pub fn for_every_alias(&mut self, anchored: &Node<'_>) {
        self.edits.for_every_alias.push(anchored.id());
    }

    /// The edits collected so far.
    pub fn finish(mut self) -> Edits {
        self.insert_before_a_final_removal();
        self.edits
    }

    /// A removal of the last lines of a text without a final line break takes the break
    /// before them too, so that the output lacks one as well ([`Self::block_remove`]).
    /// Whole lines removed right before it, ending where its lines start, would overlap
    /// it: they join it, taking the break before them in turn. Lines inserted where the
    /// removed lines start (after the lines before them) would fall inside it: they go
    /// where the removal starts instead, their line break moved from their end to their
    /// front.
    fn insert_before_a_final_removal(&mut self) {
        let len = self.text.len();
        if self.text.ends_with('\n') {
            return;
        }
        let text = self.text;
        let splices = &mut self.edits.splices;
        let Some(last) = splices
            .iter()
            .position(|s| s.is_removal() && s.edit.range.end == len)
        else {
            return;
        };
        let mut start = splices.get(last).map_or(len, |s| s.edit.range.start);
        // Each removal joined leaves an empty splice at the end: it changes nothing.
        while let Some(earlier) = splices.iter_mut().find(|s| {
            s.is_removal()
                && s.edit.range.start < start
                && s.edit.range.end > start
                && s.edit.range.end < len
        }) {
            let Some(newline) = line_break_before(text, earlier.edit.range.start) else {
                return;
            };
            start = earlier.edit.range.start - newline.len();
            earlier.edit.range = len..len;
        }
        if let Some(removal) = splices.get_mut(last) {
            removal.edit.range.start = start;
        }
        let Some(newline) = text
            .get(start..)
            .and_then(|rest| LINE_BREAKS.into_iter().find(|n| rest.starts_with(n)))
        else {
            return;
        };
        // Lines inserted at the start of a removed line, in the order of position.
        let mut inserted: Vec<usize> = (0..splices.len())
            .filter(|&i| {
                splices.get(i).is_some_and(|s| {
                    s.edit.range.is_empty()
                        && s.edit.range.start > start
                        && s.edit.range.start < len
                        && line_break_before(text, s.edit.range.start).is_some()
                        && s.edit.text.ends_with(newline)
                })
            })
            .collect();
        inserted.sort_by_key(|&i| splices.get(i).map_or(len, |s| s.edit.range.start));
        let mut lines = String::new();
        for &i in &inserted {
            if let Some(splice) = splices.get_mut(i) {
                let text = std::mem::take(&mut splice.edit.text);
                lines.push_str(newline);
                lines.push_str(text.strip_suffix(newline).unwrap_or(&text));
                splice.edit.range = len..len;
            }
        }
        if let Some(first) = inserted.first().and_then(|&i| splices.get_mut(i)) {
            first.edit.text = lines;
            first.edit.range = start..start;
        }
    }

    /// Starts a new batch: the edits made from now on, until the next call, are told
    /// apart from the others as the batch returned ([`Edits::replacements_of`]).
    pub fn batch(&mut self) -> Batch {
        self.batch = self.batch.next();
        self.batch
    }

    fn push(&mut self, node: &Node<'_>, at: Range<usize>, mut text: String, op: Op) {
        // New text is written by appending, which leaves up to half of a string's room
        // unused; it is kept until the output is checked, beside everything else.
        text.shrink_to_fit();
        self.push_splice(at, text);
        self.edits.ops.push((node.id(), op));
    }

    /// A change of bytes that no op describes: the check compares what it leaves (the
    /// value of a block scalar whose header it changes) like any untouched node.
    pub(super) fn push_splice(&mut self, range: Range<usize>, text: String) {
        self.edits.splices.push(Splice {
            edit: Replacement { range, text },
            batch: self.batch,
        });
    }

    /// Replaces a scalar's text.
    pub fn replace_scalar(&mut self, node: &Node<'_>, text: &str) -> Result<(), EditError> {
        self.check_line_ends()?;
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
    pub fn replace(
        &mut self,
        node: &Node<'_>,
        value: impl Into<NewValue>,
    ) -> Result<(), EditError> {
        self.check_line_ends()?;
        let value = value.into().shared();
        let text = match node.kind {
            Kind::Map { flow: true, .. } | Kind::Seq { flow: true, .. } => {
                render::flow(&value, self.layout.json)
            }
            Kind::Map { flow: false, .. } => {
                self.check_block_start(node)?;
                render::block_inline(&value, node.col as usize, &self.layout)
            }
            _ => return Err(EditError::at(node, "a node that is not a mapping")),
        };
        let end = self.trim_end(node.start, node.end);
        self.push(node, node.start..end, text, Op::Replace(value));
        Ok(())
    }

    /// Makes `node` read as `want`, changing only what differs: a scalar whose value
    /// differs gets new text, a mapping's missing keys are added after its last entry and
    /// its extra keys removed, a list's items are made to read as the wanted ones in
    /// place, and extra items removed or missing ones appended. An entry whose value is
    /// of another kind (or tagged, an alias, or empty) is removed and added again with
    /// the wanted value, at the end of its mapping. Nothing changes when `node` already
    /// reads as `want` ([`to_json`](crate::yaml::to_json)). When some part cannot be edited,
    /// the error is returned and no edit of this call is kept.
    pub fn converge(&mut self, node: &Node<'_>, want: &Value) -> Result<(), EditError> {
        self.check_line_ends()?;
        let mark = (self.edits.splices.len(), self.edits.ops.len());
        let done = self.converge_node(node, want, 0);
        if done.is_err() {
            self.edits.splices.truncate(mark.0);
            self.edits.ops.truncate(mark.1);
        }
        done
    }

    fn converge_node(
        &mut self,
        node: &Node<'_>,
        want: &Value,
        depth: usize,
    ) -> Result<(), EditError> {
        if depth > crate::yaml::tree::MAX_DEPTH {
            return Err(EditError::at(node, "a value nested too deeply to converge"));
        }
        if crate::yaml::value::to_json(node).is_ok_and(|v| v == *want) {
            return Ok(());
        }
        match (&node.kind, want) {
            (Kind::Map { entries, .. }, Value::Object(wanted)) => {
                if node.merge_key().is_some() {
                    return Err(EditError::at(node, "a mapping with a merge key (`<<`)"));
                }
                // Written anew when it keeps no entry, or loses one in flow style (where
                // removals of neighbours would meet): a mapping of the same keys.
                let kept = |(k, v): &(Node<'_>, Node<'_>)| {
                    k.as_str()
                        .and_then(|key| wanted.get(key))
                        .is_some_and(|w| convergeable(v, w))
                };
                let keeps_all = entries.iter().all(kept);
                if !entries.iter().any(kept) || (node.is_flow() && !keeps_all) {
                    return self.replace(node, want.clone());
                }
                let mut again = Vec::new();
                for (i, (k, v)) in entries.iter().enumerate() {
                    match k.as_str().and_then(|key| wanted.get(key).map(|w| (key, w))) {
                        None => self.remove_entry_at(node, i)?,
                        Some((key, w)) if !convergeable(v, w) => {
                            self.remove_entry_at(node, i)?;
                            again.push((key, w));
                        }
                        Some((_, w)) => self.converge_node(v, w, depth + 1)?,
                    }
                }
                for (key, w) in wanted {
                    if node.get(key).is_none() {
                        self.insert_entry(node, key, w.clone())?;
                    }
                }
                for (key, w) in again {
                    self.insert_entry(node, key, w.clone())?;
                }
                Ok(())
            }
            (Kind::Seq { items, .. }, Value::Array(wanted)) => {
                if node.is_flow() && items.len() > wanted.len() {
                    return self.replace(node, want.clone());
                }
                for (i, item) in items.iter().enumerate() {
                    match wanted.get(i) {
                        Some(w) if convergeable(item, w) => {
                            self.converge_node(item, w, depth + 1)?
                        }
                        Some(_) => {
                            return Err(EditError::at(
                                item,
                                "a list item of another kind than the one it should become",
                            ));
                        }
                        None => self.remove_item_at(node, i)?,
                    }
                }
                for w in wanted.iter().skip(items.len()) {
                    self.append_item(node, w.clone())?;
                }
                Ok(())
            }
            (Kind::Scalar { .. }, w) if convergeable(node, w) => {
                self.replace_scalar(node, &render::flow(w, self.layout.json))
            }
            _ => Err(EditError::at(
                node,
                "a value of another kind than the one it should become",
            )),
        }
    }

    /// Adds `key: value` after the last entry of a mapping.
    pub fn insert_entry(
        &mut self,
        map: &Node<'_>,
        key: &str,
        value: impl Into<NewValue>,
    ) -> Result<(), EditError> {
        self.check_line_ends()?;
        let value = value.into().shared();
        let Kind::Map { flow, entries, .. } = &map.kind else {
            return Err(EditError::at(map, "a value that is not a mapping"));
        };
        if *flow {
            self.check_braces(map)?;
            let entry = format!(
                "{}: {}",
                render::scalar_str(key, self.layout.json),
                render::flow(&value, self.layout.json)
            );
            let (at, text) = self.flow_insert(
                map,
                entries.last().map(|(_, v)| v),
                entries.first().map(|(k, _)| k),
                entry,
            );
            let op = Op::InsertEntry(key.to_owned(), Inserted::Value(value));
            self.push(map, at..at, text, op);
            return Ok(());
        }
        let after_key = |out: &mut String, col: usize, layout: &Layout| {
            render::block_after_key(out, &value, col, layout);
            Some(())
        };
        let op = Op::InsertEntry(key.to_owned(), Inserted::Value(value.clone()));
        self.insert_block_entry(map, entries, key, after_key, op)
    }

    /// Adds `key:` with the items of `list` after the last entry of a mapping, each item
    /// rendered as it is reached; in a flow mapping (JSON), as one value.
    pub fn insert_list(
        &mut self,
        map: &Node<'_>,
        key: &str,
        list: NewList,
    ) -> Result<(), EditError> {
        let Kind::Map {
            flow: false,
            entries,
            ..
        } = &map.kind
        else {
            let items: Option<Vec<Value>> = list.values().collect();
            let items =
                items.ok_or_else(|| EditError::at(map, "a list that does not read back"))?;
            return self.insert_entry(map, key, Value::Array(items));
        };
        self.check_line_ends()?;
        let list = std::sync::Arc::new(list);
        let after_key = |out: &mut String, col: usize, layout: &Layout| {
            render::list_after_key(out, list.values(), col, layout)
        };
        let op = Op::InsertEntry(key.to_owned(), Inserted::List(list.clone()));
        self.insert_block_entry(map, entries, key, after_key, op)
    }

    /// Adds `key` at the keys' column of the block mapping `map` (its `entries`), after
    /// its last entry, and what `after_key` renders for a key at that column with the
    /// editor's layout; `op` is what that means.
    fn insert_block_entry(
        &mut self,
        map: &Node<'_>,
        entries: &[(Node<'_>, Node<'_>)],
        key: &str,
        after_key: impl FnOnce(&mut String, usize, &Layout) -> Option<()>,
        op: Op,
    ) -> Result<(), EditError> {
        let Some((first_key, _)) = entries.first() else {
            return Err(EditError::at(map, "an empty block mapping"));
        };
        if let Some((implicit, _)) = entries.iter().find(|(k, _)| self.explicit_key(k).is_none()) {
            self.check_block_start(implicit)?;
        }
        // The keys' column: an explicit key's (`? key`) is its `?`'s, and its content may
        // sit anywhere right of it.
        let col = entries
            .iter()
            .map(|(k, _)| {
                self.explicit_key(k)
                    .map_or(k.col as usize, |q| self.column(q))
            })
            .min()
            .unwrap_or(first_key.col as usize);
        let mut text = String::new();
        text.extend(std::iter::repeat_n(' ', col));
        text.push_str(&render::scalar_str(key, false));
        // Rendered after the key in place: the text of a `results` list can be megabytes.
        after_key(&mut text, col, &self.layout)
            .ok_or_else(|| EditError::at(map, "a new value that does not read back"))?;
        let at = self.line_after(map.end);
        let text = self.new_lines(map, at, text);
        self.push(map, at..at, text, op);
        Ok(())
    }

    /// Adds `value` after the last item of a sequence.
    pub fn append_item(
        &mut self,
        seq: &Node<'_>,
        value: impl Into<NewValue>,
    ) -> Result<(), EditError> {
        self.check_line_ends()?;
        let value = value.into().shared();
        let Kind::Seq { flow, items, .. } = &seq.kind else {
            return Err(EditError::at(seq, "a value that is not a list"));
        };
        if *flow {
            let item = render::flow(&value, self.layout.json);
            let (at, text) = self.flow_insert(seq, items.last(), items.first(), item);
            self.push(seq, at..at, text, Op::AppendItem(value));
            return Ok(());
        }
        let Some(last) = items.last() else {
            return Err(EditError::at(seq, "an empty block list"));
        };
        let dash = self.dash_before(last)?;
        let dash_col = (last.col as usize).saturating_sub(last.start - dash);
        let content_col = last.col as usize;
        let at = self.line_after(seq.end);
        let mut text = String::new();
        text.extend(std::iter::repeat_n(' ', dash_col));
        text.push('-');
        text.extend(std::iter::repeat_n(
            ' ',
            (content_col - dash_col).saturating_sub(1).max(1),
        ));
        text.push_str(&render::block_inline(
            &value,
            content_col.max(dash_col + 2),
            &self.layout,
        ));
        let text = self.new_lines(seq, at, text);
        self.push(seq, at..at, text, Op::AppendItem(value));
        Ok(())
    }

    /// Removes `item`, an item of the sequence `seq`.
    pub fn remove_item(&mut self, seq: &Node<'_>, item: &Node<'_>) -> Result<(), EditError> {
        self.check_line_ends()?;
        let Some(items) = seq.items() else {
            return Err(EditError::at(seq, "a value that is not a list"));
        };
        match items.iter().position(|i| i.id() == item.id()) {
            Some(index) => self.remove_item_at(seq, index),
            None => Err(EditError::at(seq, "a list without the item to remove")),
        }
    }

    /// Removes the item at `index` of a sequence.
    pub(in crate::yaml) fn remove_item_at(
        &mut self,
        seq: &Node<'_>,
        index: usize,
    ) -> Result<(), EditError> {
        self.check_line_ends()?;
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
            let next = items.get(index + 1).map(|n| n.start);
            if self.extend_removal(item, dash, next)? {
                self.edits.ops.push((seq.id(), Op::RemoveItem(index)));
                return Ok(());
            }
            let previous = index.checked_sub(1).and_then(|i| items.get(i));
            self.block_remove(item, dash, item.end, next, previous)?
        };
        self.push(seq, range, String::new(), Op::RemoveItem(index));
        Ok(())
    }

    /// Removes the entry of the mapping `map` whose key is the scalar `key` (the first,
    /// as [`Node::get`] reads it).
    pub fn remove_entry(&mut self, map: &Node<'_>, key: &str) -> Result<(), EditError> {
        self.check_line_ends()?;
        let Some(entries) = map.entries() else {
            return Err(EditError::at(map, "a value that is not a mapping"));
        };
        match entries.iter().position(|(k, _)| k.as_str() == Some(key)) {
            Some(index) => self.remove_entry_at(map, index),
            None => Err(EditError::at(map, format!("a mapping without `{key}`"))),
        }
    }

    /// Removes the entry at `index` of a mapping.
    pub(in crate::yaml) fn remove_entry_at(
        &mut self,
        map: &Node<'_>,
        index: usize,
    ) -> Result<(), EditError> {
        self.check_line_ends()?;
        let Kind::Map { flow, entries, .. } = &map.kind else {
            return Err(EditError::at(map, "a value that is not a mapping"));
        };
        let Some((key, value)) = entries.get(index) else {
            return Err(EditError::at(map, format!("entry {index}: no such entry")));
        };
        let range = if *flow {
            self.check_braces(map)?;
            self.flow_remove(
                entries
                    .iter()
                    .map(|(k, v)| (k.start, v.end.max(k.end)))
                    .collect(),
                index,
            )
        } else {
            let next = entries
                .get(index + 1)
                .map(|(k, _)| self.explicit_key(k).unwrap_or(k.start));
            let lead = self.explicit_key(key).unwrap_or(key.start);
            if self.extend_removal(key, lead, next)? {
                self.edits.ops.push((map.id(), Op::RemoveEntry(index)));
                return Ok(());
            }
            let previous = index
                .checked_sub(1)
                .and_then(|i| entries.get(i))
                .map(|(_, v)| v);
            self.block_remove(key, lead, value.end.max(key.end), next, previous)?
        };
        self.push(map, range, String::new(), Op::RemoveEntry(index));
        Ok(())
    }
}
