//! Edits as splices into the original text.
//!
//! Each edit names a node of the [`tree`](super::tree) it changes and becomes new text at
//! a byte range of the original; every byte outside those ranges is copied as it was.
//! Each edit also records what it means (an [`Op`]) so that [`verify`](super::verify)
//! can check the output against the input plus exactly these changes.

use std::ops::Range;
use std::sync::Arc;

use serde_json::Value;

use super::render::{self, Layout};
use super::tree::{Kind, Node, NodeId};

/// A layout this editor does not know how to change without touching other bytes, or
/// sets of edits that cannot be combined.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}cannot edit {what}", at.map(|(l, c)| format!("line {l}, column {c}: ")).unwrap_or_default())]
pub struct EditError {
    /// 1-based line and column of the node, when the error is about one.
    pub at: Option<(usize, usize)>,
    /// What could not be edited, and why.
    pub what: String,
}

impl EditError {
    pub(super) fn at(node: &Node<'_>, what: impl Into<String>) -> Self {
        EditError {
            at: Some((node.line(), node.column())),
            what: what.into(),
        }
    }

    fn general(what: impl Into<String>) -> Self {
        EditError {
            at: None,
            what: what.into(),
        }
    }
}

/// What an edit means for the node it changes; the verifier's view of the edit.
///
/// New values are shared, not copied: every Pod template gets the same token volume.
#[derive(Debug, Clone)]
pub(super) enum Op {
    /// A scalar's text becomes this text.
    ReplaceScalar(String),
    /// The node becomes this value.
    Replace(Arc<Value>),
    /// A new entry goes after the mapping's last entry.
    InsertEntry(String, Arc<Value>),
    /// The mapping's entry at this index is removed.
    RemoveEntry(usize),
    /// A new item goes after the sequence's last item.
    AppendItem(Arc<Value>),
    /// The sequence's item at this index is removed.
    RemoveItem(usize),
}

/// New text for a byte range of the original.
#[derive(Debug, Clone)]
struct Splice {
    at: Range<usize>,
    text: String,
}

impl Splice {
    /// Whether it changes nothing (what is left of one joined to another).
    fn is_noop(&self) -> bool {
        self.at.is_empty() && self.text.is_empty()
    }

    /// Whether it removes bytes and writes none.
    fn is_removal(&self) -> bool {
        self.text.is_empty() && !self.at.is_empty()
    }
}

/// `splices` in order of position, as they are applied: those at one position in the
/// order they were made, without the ones that change nothing, and with two that replace
/// the same bytes with the same text taken once (two sets, or two insertions of one
/// set, may each end a block scalar's header with the same strip indicator when they
/// insert after it at the very end of the text: they agree).
fn in_order<'s>(splices: impl Iterator<Item = &'s Splice>) -> Vec<&'s Splice> {
    let mut order: Vec<&Splice> = splices.filter(|s| !s.is_noop()).collect();
    order.sort_by_key(|s| (s.at.start, s.at.end));
    order.dedup_by(|b, a| !a.at.is_empty() && a.at == b.at && a.text == b.text);
    order
}

/// A set of edits to the subtree of one node (one object's, usually), applied and
/// checked together: when the output does not check out, the sets whose own subtree
/// differs are known, and the others can still be written.
#[derive(Debug, Clone)]
pub struct Edits {
    /// The node whose subtree every edit of the set is in.
    scope: NodeId,
    splices: Vec<Splice>,
    /// Each op with the node it changes, in the order they were made.
    ops: Vec<(NodeId, Op)>,
    /// Anchored nodes edited on purpose for every alias that stands for them: the caller
    /// found that every place using the anchor wants this very edit.
    for_every_alias: Vec<NodeId>,
}

impl Edits {
    /// An empty set of edits to the subtree of `scope`.
    pub(super) fn new(scope: NodeId) -> Self {
        Edits {
            scope,
            splices: Vec::new(),
            ops: Vec::new(),
            for_every_alias: Vec::new(),
        }
    }

    /// Whether there is nothing to change.
    pub fn is_empty(&self) -> bool {
        self.splices.is_empty()
    }

    /// Forgets every edit, as when the object is left as it is.
    pub fn clear(&mut self) {
        self.splices.clear();
        self.ops.clear();
        self.for_every_alias.clear();
    }

    /// The text with every splice applied, unchecked: for tests of the check itself.
    #[cfg(test)]
    pub(super) fn apply(&self, text: &str) -> Result<String, EditError> {
        Combined::new(&[self])?.apply(text)
    }

    /// The replacements made between two marks of the [`Editor`] ([`Editor::mark`]), in
    /// order of position: the exact change one part of an object's edits makes.
    pub fn replacements_between(&self, marks: Range<usize>) -> Vec<(Range<usize>, String)> {
        in_order(self.splices.get(marks).unwrap_or_default().iter())
            .into_iter()
            .map(|s| (s.at.clone(), s.text.clone()))
            .collect()
    }

    /// The first byte of the original where two of its splices overlap, if any: edits
    /// that cannot all be made.
    pub(super) fn overlap(&self) -> Option<usize> {
        let mut end = 0;
        for splice in in_order(self.splices.iter()) {
            if splice.at.start < end {
                return Some(splice.at.start);
            }
            end = end.max(splice.at.end);
        }
        None
    }

    /// The byte ranges of the original and what replaces each, in order of position:
    /// the exact change, for a diff or a report's fix.
    pub fn replacements(&self) -> impl Iterator<Item = (Range<usize>, &str)> {
        in_order(self.splices.iter())
            .into_iter()
            .map(|s| (s.at.clone(), s.text.as_str()))
    }
}

/// Several sets of edits to one text, borrowed and applied together. Sets are
/// independent of each other: each touches only nodes of its own scope, so their byte
/// ranges are disjoint, and two sets that both change one node are refused.
#[derive(Debug)]
pub(super) struct Combined<'e> {
    /// Every splice, in the order of the sets and, within a set, made.
    splices: Vec<&'e Splice>,
    /// Every op with its node, ordered by node (and, for one node, as made).
    ops: Vec<(NodeId, &'e Op)>,
    /// The scope of each set with the set's index, ordered by node.
    scopes: Vec<(NodeId, usize)>,
    /// The anchored nodes edited for every alias of theirs, ordered.
    for_every_alias: Vec<NodeId>,
}

/// Where a walk in document order has got to in the ops and scopes of a [`Combined`]:
/// nodes are visited in the order of their ids, so each lookup moves forward only.
#[derive(Debug, Default)]
pub(super) struct Cursor {
    op: usize,
    scope: usize,
}

impl<'e> Combined<'e> {
    /// The edits of every set of `sets`, in order.
    pub(super) fn new(sets: &[&'e Edits]) -> Result<Self, EditError> {
        let splices = sets.iter().flat_map(|e| &e.splices).collect();
        let mut all: Vec<(NodeId, usize, &Op)> = sets
            .iter()
            .enumerate()
            .flat_map(|(set, e)| e.ops.iter().map(move |(id, op)| (*id, set, op)))
            .collect();
        // Stable: each node's ops stay in the order they were made.
        all.sort_by_key(|(id, set, _)| (*id, *set));
        if all
            .windows(2)
            .any(|w| matches!(w, [a, b] if a.0 == b.0 && a.1 != b.1))
        {
            return Err(EditError::general(
                "two objects' edits change the same node",
            ));
        }
        let mut scopes: Vec<(NodeId, usize)> = sets
            .iter()
            .enumerate()
            .filter(|(_, e)| !e.is_empty())
            .map(|(set, e)| (e.scope, set))
            .collect();
        scopes.sort_by_key(|(id, _)| *id);
        let mut for_every_alias: Vec<NodeId> = sets
            .iter()
            .flat_map(|e| e.for_every_alias.iter().copied())
            .collect();
        for_every_alias.sort_unstable();
        Ok(Combined {
            splices,
            ops: all.into_iter().map(|(id, _, op)| (id, op)).collect(),
            scopes,
            for_every_alias,
        })
    }

    /// The ops recorded for `node`, in the order they were made, for a walk in document
    /// order that has reached `node`.
    pub(super) fn ops(&self, cursor: &mut Cursor, node: NodeId) -> &[(NodeId, &'e Op)] {
        let rest = self.ops.get(cursor.op..).unwrap_or_default();
        let skip = rest.iter().take_while(|(id, _)| *id < node).count();
        cursor.op += skip;
        let rest = self.ops.get(cursor.op..).unwrap_or_default();
        let here = rest.iter().take_while(|(id, _)| *id == node).count();
        rest.get(..here).unwrap_or_default()
    }

    /// Whether an op changes a node whose id is in `first..=last` (a subtree).
    pub(super) fn changes_any(&self, first: NodeId, last: NodeId) -> bool {
        let at = self.ops.partition_point(|(id, _)| *id < first);
        self.ops.get(at).is_some_and(|(id, _)| *id <= last)
    }

    /// Whether the anchored node `anchored` is edited on purpose for every alias of it
    /// ([`Editor::for_every_alias`]).
    pub(super) fn for_every_alias(&self, anchored: NodeId) -> bool {
        self.for_every_alias.binary_search(&anchored).is_ok()
    }

    /// The index of the set whose scope is `node`, for the same walk.
    pub(super) fn scope(&self, cursor: &mut Cursor, node: NodeId) -> Option<usize> {
        let rest = self.scopes.get(cursor.scope..).unwrap_or_default();
        cursor.scope += rest.iter().take_while(|(id, _)| *id < node).count();
        match self.scopes.get(cursor.scope) {
            Some((id, set)) if *id == node => Some(*set),
            _ => None,
        }
    }

    /// The text with every splice applied ([`in_order`]).
    pub(super) fn apply(&self, text: &str) -> Result<String, EditError> {
        let order = in_order(self.splices.iter().copied());
        let extra: usize = order.iter().map(|s| s.text.len()).sum();
        let mut out = String::with_capacity(text.len() + extra);
        let mut pos = 0;
        for splice in order {
            let (Some(before), true) =
                (text.get(pos..splice.at.start), splice.at.end <= text.len())
            else {
                return Err(EditError::general(format!(
                    "overlapping changes at byte {}",
                    splice.at.start
                )));
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
#[derive(Debug)]
pub struct Editor<'t> {
    text: &'t str,
    layout: Layout,
    edits: Edits,
    /// A carriage return without a line feed on the lines of the scope, where edits
    /// could go: the editor's line arithmetic would not see the line break YAML reads
    /// there, so it edits nothing.
    lone_cr: Option<usize>,
}

impl<'t> Editor<'t> {
    /// An editor for the subtree of `scope` in `text`, writing new block text with
    /// `layout`.
    pub(super) fn new(text: &'t str, layout: Layout, scope: &Node<'_>) -> Self {
        let mut editor = Editor {
            text,
            layout,
            edits: Edits::new(scope.id()),
            lone_cr: None,
        };
        let lines = editor.line_start(scope.start)..editor.line_after(scope.end);
        editor.lone_cr = super::tree::lone_carriage_return(text, lines);
        editor
    }

    /// Refuses every edit of a scope that holds a carriage return without a line feed.
    fn check_line_ends(&self) -> Result<(), EditError> {
        match self.lone_cr {
            None => Ok(()),
            Some(at) => Err(EditError {
                at: Some(super::tree::position(self.text, at)),
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
            .position(|s| s.is_removal() && s.at.end == len)
        else {
            return;
        };
        let mut start = splices.get(last).map_or(len, |s| s.at.start);
        // Each removal joined leaves an empty splice at the end: it changes nothing.
        while let Some(earlier) = splices
            .iter_mut()
            .find(|s| s.is_removal() && s.at.start < start && s.at.end > start && s.at.end < len)
        {
            let Some(newline) = line_break_before(text, earlier.at.start) else {
                return;
            };
            start = earlier.at.start - newline.len();
            earlier.at = len..len;
        }
        if let Some(removal) = splices.get_mut(last) {
            removal.at.start = start;
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
                    s.at.is_empty()
                        && s.at.start > start
                        && s.at.start < len
                        && line_break_before(text, s.at.start).is_some()
                        && s.text.ends_with(newline)
                })
            })
            .collect();
        inserted.sort_by_key(|&i| splices.get(i).map_or(len, |s| s.at.start));
        let mut lines = String::new();
        for &i in &inserted {
            if let Some(splice) = splices.get_mut(i) {
                let text = std::mem::take(&mut splice.text);
                lines.push_str(newline);
                lines.push_str(text.strip_suffix(newline).unwrap_or(&text));
                splice.at = len..len;
            }
        }
        if let Some(first) = inserted.first().and_then(|&i| splices.get_mut(i)) {
            first.text = lines;
            first.at = start..start;
        }
    }

    /// A mark of how far the edits have got, to name the ones made between two marks
    /// ([`Edits::replacements_between`]).
    pub fn mark(&self) -> usize {
        self.edits.splices.len()
    }

    fn push(&mut self, node: &Node<'_>, at: Range<usize>, mut text: String, op: Op) {
        // New text is written by appending, which leaves up to half of a string's room
        // unused; it is kept until the output is checked, beside everything else.
        text.shrink_to_fit();
        self.edits.splices.push(Splice { at, text });
        self.edits.ops.push((node.id(), op));
    }

    /// A change of bytes that no op describes: the check compares what it leaves (the
    /// value of a block scalar whose header it changes) like any untouched node.
    fn push_splice(&mut self, at: Range<usize>, text: String) {
        self.edits.splices.push(Splice { at, text });
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
    pub fn replace(&mut self, node: &Node<'_>, value: Arc<Value>) -> Result<(), EditError> {
        self.check_line_ends()?;
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
    /// reads as `want` ([`to_json`](super::to_json)). When some part cannot be edited,
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
        if depth > super::tree::MAX_DEPTH {
            return Err(EditError::at(node, "a value nested too deeply to converge"));
        }
        if super::value::to_json(node).is_ok_and(|v| v == *want) {
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
                    return self.replace(node, Arc::new(want.clone()));
                }
                let mut again = Vec::new();
                for (i, (k, v)) in entries.iter().enumerate() {
                    match k.as_str().and_then(|key| wanted.get(key).map(|w| (key, w))) {
                        None => self.remove_entry(node, i)?,
                        Some((key, w)) if !convergeable(v, w) => {
                            self.remove_entry(node, i)?;
                            again.push((key, w));
                        }
                        Some((_, w)) => self.converge_node(v, w, depth + 1)?,
                    }
                }
                for (key, w) in wanted {
                    if node.get(key).is_none() {
                        self.insert_entry(node, key, Arc::new(w.clone()))?;
                    }
                }
                for (key, w) in again {
                    self.insert_entry(node, key, Arc::new(w.clone()))?;
                }
                Ok(())
            }
            (Kind::Seq { items, .. }, Value::Array(wanted)) => {
                if node.is_flow() && items.len() > wanted.len() {
                    return self.replace(node, Arc::new(want.clone()));
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
                        None => self.remove_item(node, i)?,
                    }
                }
                for w in wanted.iter().skip(items.len()) {
                    self.append_item(node, Arc::new(w.clone()))?;
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
        value: Arc<Value>,
    ) -> Result<(), EditError> {
        self.check_line_ends()?;
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
            self.push(map, at..at, text, Op::InsertEntry(key.to_owned(), value));
            return Ok(());
        }
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
        let at = self.line_after(map.end);
        let mut text = String::new();
        text.extend(std::iter::repeat_n(' ', col));
        text.push_str(&render::scalar_str(key, false));
        text.push_str(&render::block_after_key(&value, col, &self.layout));
        let text = self.new_lines(map, at, text);
        self.push(map, at..at, text, Op::InsertEntry(key.to_owned(), value));
        Ok(())
    }

    /// Adds `value` after the last item of a sequence.
    pub fn append_item(&mut self, seq: &Node<'_>, value: Arc<Value>) -> Result<(), EditError> {
        self.check_line_ends()?;
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

    /// Removes the item at `index` of a sequence.
    pub fn remove_item(&mut self, seq: &Node<'_>, index: usize) -> Result<(), EditError> {
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

    /// Removes the entry at `index` of a mapping.
    pub fn remove_entry(&mut self, map: &Node<'_>, index: usize) -> Result<(), EditError> {
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
                text.extend(std::iter::repeat_n(' ', first.col as usize));
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

    /// When the sibling before a block item or entry (starting at `lead`) was removed up
    /// to `lead`, so that this one would take its place on a line it shares with a `-`,
    /// and this one goes too: that removal now runs to `next` instead, whose node takes
    /// the place (removing this one's whole line would overlap it). Returns whether it
    /// did; an error when there is no next sibling to take the place.
    fn extend_removal(
        &mut self,
        node: &Node<'_>,
        lead: usize,
        next: Option<usize>,
    ) -> Result<bool, EditError> {
        let Some(earlier) = self
            .edits
            .splices
            .iter_mut()
            .find(|s| s.is_removal() && s.at.end == lead)
        else {
            return Ok(false);
        };
        match next {
            Some(next) => {
                earlier.at.end = next;
                Ok(true)
            }
            None => Err(EditError::at(
                node,
                "every entry of a collection that shares its first line with its parent",
            )),
        }
    }

    /// The byte range to delete to remove a block item or entry that starts at `lead`
    /// (its `-` or key) and ends at `end`: its whole lines when it starts a line, else up
    /// to the next sibling, which then takes its place on the line. `previous` is the
    /// sibling before it, if any.
    fn block_remove(
        &self,
        node: &Node<'_>,
        lead: usize,
        end: usize,
        next: Option<usize>,
        previous: Option<&Node<'_>>,
    ) -> Result<Range<usize>, EditError> {
        let line_start = self.line_start(lead);
        let prefix = self.text.get(line_start..lead).unwrap_or_default();
        if prefix.bytes().all(|b| b == b' ') {
            let end = self.line_after(end);
            // The last lines of a text without a final line break: the break before them
            // goes too, so that the output lacks one as well; but not the break that ends
            // a block scalar, which is part of its value.
            if end == self.text.len()
                && !self.text.ends_with('\n')
                && previous.is_none_or(|p| !ends_with_block_scalar(p))
            {
                let newline = line_break_before(self.text, line_start).unwrap_or_default();
                return Ok(line_start - newline.len()..end);
            }
            return Ok(line_start..end);
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

    /// The position of the `?` that introduces `key` when it is an explicit key: the
    /// first character before it but spaces and line breaks, on the key's line or, when
    /// the key is on a later line, left of the key (a `?` at or right of the key's
    /// column is another entry's, whose key is empty).
    fn explicit_key(&self, key: &Node<'_>) -> Option<usize> {
        let before = self.text.get(..key.start)?;
        let trimmed = before.trim_end_matches([' ', '\t', '\r', '\n']);
        let at = trimmed
            .strip_suffix('?')
            .filter(|t| t.is_empty() || t.ends_with([' ', '\n']))
            .map(str::len)?;
        let same_line = !before.get(at..).is_some_and(|t| t.contains('\n'));
        // An empty key is the `?`'s whatever: the parser put it at the next node.
        let empty = key.start == key.end;
        (same_line || empty || self.column(at) < key.col as usize).then_some(at)
    }

    /// The 0-based column (in characters) of byte `pos`.
    fn column(&self, pos: usize) -> usize {
        let start = self.line_start(pos);
        self.text.get(start..pos).map_or(0, |t| t.chars().count())
    }

    /// Refuses a flow mapping written without braces (`[k: v]`, a list of one mapping):
    /// text added after its entry would be another item of the list.
    fn check_braces(&self, map: &Node<'_>) -> Result<(), EditError> {
        if self
            .text
            .get(map.start..)
            .is_some_and(|t| t.starts_with('{'))
        {
            Ok(())
        } else {
            Err(EditError::at(
                map,
                "a mapping without braces in a flow list",
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
        super::tree::line_start(self.text, pos)
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

    /// New block lines `lines` (without their last line break) to insert at `at`, after
    /// the last line of `parent`: they end with a line break, but at the very end of a
    /// text that has none they start with one instead, so that the output has no final
    /// line break either.
    fn new_lines(&mut self, parent: &Node<'_>, at: usize, mut lines: String) -> String {
        if at == self.text.len() && !self.text.is_empty() && !self.text.ends_with('\n') {
            self.strip_last_block_scalar(parent);
            let mut text = String::from(self.layout.newline);
            text.push_str(&lines);
            text
        } else {
            lines.push_str(self.layout.newline);
            lines
        }
    }

    /// Keeps the value of a block scalar that ends `parent` and the text without a line
    /// break (`|` then `echo hi` and the end of the input: the value is "echo hi", as
    /// Kubernetes reads it), when new lines are to follow it: the line break they need
    /// would join its value under clip (`|`) or keep (`|+`) chomping, so its header gets
    /// the strip indicator (`|-`), which leaves the value as it was.
    fn strip_last_block_scalar(&mut self, parent: &Node<'_>) {
        let Some((leaf, Some(lead))) = last_leaf(parent) else {
            return;
        };
        if leaf.end != self.text.len() || !leaf.is_block_scalar() {
            return;
        }
        let Some(header) = self.block_header(lead, leaf.start) else {
            return;
        };
        let indicators = self.text.get(header.clone()).unwrap_or_default();
        if indicators.contains('-') {
            return;
        }
        let stripped = if indicators.contains('+') {
            indicators.replace('+', "-")
        } else {
            format!("{indicators}-")
        };
        self.push_splice(header, stripped);
    }

    /// The bytes of a block scalar's header from its `|` or `>` through its indicators,
    /// found between `lead` (where the text before it ends) and `start` (its content),
    /// past the `:`, `-` or `?`, a tag, an anchor, comments, spaces and line breaks.
    fn block_header(&self, lead: usize, start: usize) -> Option<Range<usize>> {
        let gap = self.text.get(lead..start)?;
        let mut chars = gap.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            match c {
                ':' | '-' | '?' | ' ' | '\t' | '\r' | '\n' => {}
                // A tag or an anchor runs to the next space.
                '!' | '&' => while chars.next_if(|(_, c)| !c.is_whitespace()).is_some() {},
                // Only a comment starts with `#` between two nodes.
                '#' => while chars.next_if(|(_, c)| *c != '\n').is_some() {},
                '|' | '>' => {
                    let rest = gap.get(i + 1..)?;
                    let len = rest
                        .bytes()
                        .take(2)
                        .take_while(|b| matches!(b, b'1'..=b'9' | b'+' | b'-'))
                        .count();
                    return Some(lead + i..lead + i + 1 + len);
                }
                _ => return None,
            }
        }
        None
    }

    /// `end` moved back over trailing line breaks and spaces (which a block scalar's span
    /// includes), but not before `start`.
    fn trim_end(&self, start: usize, end: usize) -> usize {
        let t = self.text.get(start..end).unwrap_or_default();
        start + t.trim_end_matches([' ', '\n', '\r']).len()
    }
}

/// Whether `node` can be made to read as `want` in place: both mappings, both lists, or
/// a written, untagged scalar and a scalar value.
fn convergeable(node: &Node<'_>, want: &Value) -> bool {
    match (&node.kind, want) {
        (Kind::Map { .. }, Value::Object(_)) | (Kind::Seq { .. }, Value::Array(_)) => true,
        (Kind::Scalar { .. }, Value::Object(_) | Value::Array(_)) => false,
        (Kind::Scalar { .. }, _) => node.start < node.end && !node.is_tagged(),
        _ => false,
    }
}

/// Whether the value's text ends a block mapping entry: all but an empty value after an
/// explicit key with no `:` (`? |` and its lines), which the parser puts at the key's end.
fn ends_the_entry(key: &Node<'_>, value: &Node<'_>) -> bool {
    !(value.start == value.end && value.end <= key.end)
}

/// The last node of `node`'s text (its last descendant in a block collection) and
/// where the text that introduces it starts (its key's end, or the end of the item
/// or key before it; `None` for `node` itself).
fn last_leaf<'n, 'b>(node: &'n Node<'b>) -> Option<(&'n Node<'b>, Option<usize>)> {
    let (mut here, mut lead) = (node, None);
    for _ in 0..=super::tree::MAX_DEPTH {
        match &here.kind {
            Kind::Map {
                flow: false,
                entries,
                ..
            } => {
                let (k, v) = entries.last()?;
                if ends_the_entry(k, v) {
                    lead = Some(k.end);
                    here = v;
                } else {
                    // `? key` and no value: the key's text ends the mapping; a
                    // header of it is found from the end of the entry before.
                    let before = entries.len().checked_sub(2).and_then(|i| entries.get(i));
                    lead = Some(
                        before.map_or(lead.unwrap_or(here.start), |(bk, bv)| bk.end.max(bv.end)),
                    );
                    here = k;
                }
            }
            Kind::Seq {
                flow: false, items, ..
            } => {
                // A block scalar item starts on the line after its `-`: its header
                // is found from the end of the item before, or of the key above.
                let item = items.last()?;
                let before = items.len().checked_sub(2).and_then(|i| items.get(i));
                lead = Some(before.map_or(lead.unwrap_or(here.start), |b| b.end));
                here = item;
            }
            _ => break,
        }
    }
    Some((here, lead))
}

/// Whether the last bytes of `node` are a block scalar's (whose last line break is part
/// of its value).
fn ends_with_block_scalar(node: &Node<'_>) -> bool {
    last_leaf(node).is_some_and(|(leaf, _)| leaf.is_block_scalar())
}

/// The line breaks the editor knows: CRLF first, so that it is not taken for its LF.
const LINE_BREAKS: [&str; 2] = ["\r\n", "\n"];

/// The line break that ends the line before byte `at` of `text`, when `at` starts a line.
fn line_break_before(text: &str, at: usize) -> Option<&'static str> {
    let before = text.get(..at)?;
    LINE_BREAKS.into_iter().find(|n| before.ends_with(n))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::Document;
    use serde_json::json;

    /// The text of `text` with `key: false` inserted at the end of the mapping at `path`
    /// (keys from the root; empty for the root), checked.
    fn inserted(text: &str, path: &[&str]) -> String {
        let doc = Document::parse(text).unwrap();
        let root = &doc.roots()[0];
        let map = path.iter().fold(root, |n, k| n.get(k).unwrap());
        let mut editor = doc.editor(root, root);
        editor
            .insert_entry(map, "new", Arc::new(json!(false)))
            .unwrap();
        doc.apply(&[&editor.finish()]).unwrap()
    }

    #[test]
    fn an_object_with_a_carriage_return_without_a_line_feed_is_not_edited() {
        // Found by fuzzing: YAML reads a lone CR as a line break, the editor's line
        // arithmetic does not, and a volume removed next to one took the next key with
        // it. Such an object is not edited; the others of the text are.
        let text = "items:\n- a: 1\n  b: x\r  c: y\n- a: 2\n  b: x\n";
        let doc = Document::parse(text).unwrap();
        let root = &doc.roots()[0];
        let items = root.get("items").and_then(Node::items).unwrap();
        let mut editor = doc.editor(root, &items[0]);
        let err = editor
            .insert_entry(&items[0], "new", Arc::new(json!(false)))
            .unwrap_err();
        assert_eq!(err.at, Some((3, 7)), "{err}");
        assert!(err.to_string().contains("carriage return"), "{err}");
        assert!(editor.remove_entry(&items[0], 0).is_err());
        let mut editor = doc.editor(root, &items[1]);
        editor
            .insert_entry(&items[1], "new", Arc::new(json!(false)))
            .unwrap();
        assert_eq!(
            doc.apply(&[&editor.finish()]).unwrap(),
            "items:\n- a: 1\n  b: x\r  c: y\n- a: 2\n  b: x\n  new: false\n"
        );
    }

    #[test]
    fn text_inserted_at_the_end_keeps_the_final_line_break_or_its_absence() {
        assert_eq!(
            inserted("a:\n  b: 1\n", &["a"]),
            "a:\n  b: 1\n  new: false\n"
        );
        assert_eq!(inserted("a:\n  b: 1", &["a"]), "a:\n  b: 1\n  new: false");
        assert_eq!(
            inserted("a:\r\n  b: 1", &["a"]),
            "a:\r\n  b: 1\r\n  new: false"
        );
        // Two insertions at the end: no blank line between them.
        let text = "a:\n  b: [1]";
        let doc = Document::parse(text).unwrap();
        let root = &doc.roots()[0];
        let mut editor = doc.editor(root, root);
        let a = root.get("a").unwrap();
        editor.insert_entry(a, "c", Arc::new(json!(2))).unwrap();
        editor.insert_entry(root, "d", Arc::new(json!(3))).unwrap();
        assert_eq!(
            doc.apply(&[&editor.finish()]).unwrap(),
            "a:\n  b: [1]\n  c: 2\nd: 3"
        );
    }

    #[test]
    fn a_block_scalar_that_ends_the_text_without_a_break_keeps_its_value() {
        // Its value has no final line feed; the break new lines need gets the header the
        // strip indicator, which keeps it so. Strip chomping needs nothing.
        for (header, stripped) in [
            ("|", "|-"),
            ("|+", "|-"),
            ("|-", "|-"),
            (">", ">-"),
            ("|2", "|2-"),
            ("|2+", "|2-"),
            ("|+2", "|-2"),
            (">-1", ">-1"),
        ] {
            let text = format!("a:\n  b: !!str {header} # note |\n    echo hi");
            let out = inserted(&text, &["a"]);
            assert_eq!(
                out,
                format!("a:\n  b: !!str {stripped} # note |\n    echo hi\n  new: false"),
                "{header}"
            );
            let value = |t: &str| {
                let doc = Document::parse(t).unwrap();
                let b = doc.roots()[0].get("a").unwrap().get("b").unwrap();
                b.as_str().unwrap().to_owned()
            };
            // `>-1` counts its indentation from column 3: one space is content.
            let want = if header.contains('1') {
                " echo hi"
            } else {
                "echo hi"
            };
            assert_eq!(value(&text), want, "{header}");
            assert_eq!(value(&out), want, "{header}");
        }
        // Found by fuzzing (resource_list target): an empty one whose last line holds
        // spaces and no line break; the spaces stay, on their own line.
        assert_eq!(
            inserted("a:\n  b: |\n ", &["a"]),
            "a:\n  b: |-\n \n  new: false"
        );
        // The last item of a list, with the list's own `-`.
        let out = inserted("a:\n  b:\n  - x # c\n  - |\n    echo hi", &["a"]);
        assert_eq!(
            out,
            "a:\n  b:\n  - x # c\n  - |-\n    echo hi\n  new: false"
        );
        // An explicit key with no value ends the mapping (found by fuzzing,
        // resource_list target: its value, not the key, was taken as the last node).
        assert_eq!(
            inserted("a:\n  b: 1\n  ? |+\n    set", &["a"]),
            "a:\n  b: 1\n  ? |-\n    set\n  new: false"
        );
        // With a final line break, the header stays.
        let out = inserted("a:\n  b: |\n    echo hi\n", &["a"]);
        assert_eq!(out, "a:\n  b: |\n    echo hi\n  new: false\n");
    }

    #[test]
    fn removing_the_last_lines_keeps_the_absence_of_a_final_line_break() {
        let remove = |text: &str| {
            let doc = Document::parse(text).unwrap();
            let root = &doc.roots()[0];
            let a = root.get("a").unwrap();
            let mut editor = doc.editor(root, root);
            editor.remove_item(a, a.items().unwrap().len() - 1).unwrap();
            doc.apply(&[&editor.finish()]).unwrap()
        };
        assert_eq!(remove("a:\n- x\n- y"), "a:\n- x");
        assert_eq!(remove("a:\r\n- x\r\n- y"), "a:\r\n- x");
        assert_eq!(remove("a:\n- x\n- y\n"), "a:\n- x\n");
        // The break that ends a block scalar is part of its value: it stays.
        assert_eq!(remove("a:\n- |\n  x\n- y"), "a:\n- |\n  x\n");
    }

    #[test]
    fn lines_removed_at_the_end_without_a_break_leave_room_for_lines_inserted_before_them() {
        // Found by fuzzing (resource_list target): a token volume converged at the very
        // end of a text without a final line break lost its unknown keys, each removal
        // overlapping the next, and the keys added to the volume fell inside them.
        let edit = |text: &str, remove: &[usize]| {
            let doc = Document::parse(text).unwrap();
            let root = &doc.roots()[0];
            let a = root.get("a").unwrap();
            let mut editor = doc.editor(root, root);
            for &i in remove {
                editor.remove_entry(a, i).unwrap();
            }
            // Deepest first, as the callers do: at one position, as made.
            let b = a.get("b").unwrap();
            let c = b.get("c").unwrap();
            editor.insert_entry(c, "d", Arc::new(json!(1))).unwrap();
            editor
                .insert_entry(b, "new", Arc::new(json!(false)))
                .unwrap();
            doc.apply(&[&editor.finish()]).unwrap()
        };
        let text = "a:\n  b:\n    c:\n      x: 0\n  x: 2\n  y: 3\n  z: 4";
        let want = "a:\n  b:\n    c:\n      x: 0\n      d: 1\n    new: false";
        assert_eq!(edit(text, &[1, 2, 3]), want);
        assert_eq!(edit(text, &[3, 1, 2]), want);
        assert_eq!(
            edit(&text.replace('\n', "\r\n"), &[2, 3, 1]),
            want.replace('\n', "\r\n")
        );
        // Only the last: the others stay, the new lines go before it.
        assert_eq!(
            edit(text, &[3]),
            "a:\n  b:\n    c:\n      x: 0\n      d: 1\n    new: false\n  x: 2\n  y: 3"
        );
        // With a final line break, nothing moves.
        assert_eq!(edit(&format!("{text}\n"), &[1, 2, 3]), format!("{want}\n"));
    }

    #[test]
    fn explicit_keys_do_not_set_the_column_of_new_keys() {
        // Found by fuzzing (resource_list target): the content of `? key` may sit at
        // another column than the mapping's keys; a new key took its column.
        let text = "?\n\t\n authUsername\napiVersion: v1\nkind: X\n";
        assert_eq!(inserted(text, &[]), format!("{text}new: false\n"));
        let text = "a:\n  ? [k]\n  : 1\n  ? # note\n     other\n";
        assert_eq!(inserted(text, &["a"]), format!("{text}  new: false\n"));
        // A key after an entry whose explicit key is empty is not explicit (found by
        // fuzzing, manifests target: removing `results` took the `?` above it along).
        let doc = Document::parse("a:\n  b: 1\n  ?\nc: 3\n").unwrap();
        let root = &doc.roots()[0];
        let mut editor = doc.editor(root, root);
        editor.remove_entry(root, 1).unwrap();
        assert_eq!(doc.apply(&[&editor.finish()]).unwrap(), "a:\n  b: 1\n  ?\n");
        // An empty explicit key as the last entry (found by fuzzing, resource_list
        // target: the new key took the column of the next line's node).
        let text = "a:\n  b: [x]\n  ?\nc: 1\n";
        assert_eq!(
            inserted(text, &["a"]),
            "a:\n  b: [x]\n  ?\n  new: false\nc: 1\n"
        );
        // With a comment after the `?`, at the end of a document (found by fuzzing).
        let text = "a:\n  b: [x]\n  ?   # note\n\n---\nc: 1\n";
        assert_eq!(
            inserted(text, &["a"]),
            "a:\n  b: [x]\n  ?   # note\n\n  new: false\n---\nc: 1\n"
        );
        // Removing one removes its `?` too.
        let doc = Document::parse("a: 1\n? b\n: 2\nc: 3\n").unwrap();
        let root = &doc.roots()[0];
        let mut editor = doc.editor(root, root);
        editor.remove_entry(root, 1).unwrap();
        assert_eq!(doc.apply(&[&editor.finish()]).unwrap(), "a: 1\nc: 3\n");
    }

    #[test]
    fn a_mapping_without_braces_in_a_flow_list_is_not_edited() {
        // Found by fuzzing (resource_list target): `[k: v]` is a list of one mapping
        // written without braces; `, new: x` after it is a second item, not an entry.
        let text = "a: [k: v, {m: n}]\n";
        let doc = Document::parse(text).unwrap();
        let root = &doc.roots()[0];
        let items = root.get("a").unwrap().items().unwrap();
        let mut editor = doc.editor(root, root);
        let err = editor
            .insert_entry(&items[0], "new", Arc::new(json!(1)))
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "line 1, column 5: cannot edit a mapping without braces in a flow list"
        );
        let err = editor.remove_entry(&items[0], 0).unwrap_err();
        assert!(err.what.contains("without braces"), "{err}");
        // With braces it is an ordinary flow mapping.
        editor
            .insert_entry(&items[1], "new", Arc::new(json!(1)))
            .unwrap();
        assert_eq!(
            doc.apply(&[&editor.finish()]).unwrap(),
            "a: [k: v, {m: n, new: 1}]\n"
        );
    }

    #[test]
    fn removing_the_first_entries_of_a_list_items_mapping() {
        // Found by fuzzing (resource_list target): the first entry shares its line with
        // the `-` and is removed up to the next entry, which takes its place; removing
        // that next entry as well removed its whole line: overlapping changes, and the
        // whole output refused.
        let remove = |text: &str, indexes: &[usize]| {
            let doc = Document::parse(text).unwrap();
            let root = &doc.roots()[0];
            let item = &root.get("v").unwrap().items().unwrap()[0];
            let mut editor = doc.editor(root, root);
            for &i in indexes {
                editor.remove_entry(item, i).unwrap();
            }
            doc.apply(&[&editor.finish()]).unwrap()
        };
        let text = "v:\n- a: 1\n  b: 2\n  c: 3\n  d: 4\n";
        assert_eq!(remove(text, &[0]), "v:\n- b: 2\n  c: 3\n  d: 4\n");
        assert_eq!(remove(text, &[0, 1]), "v:\n- c: 3\n  d: 4\n");
        assert_eq!(remove(text, &[0, 1, 2]), "v:\n- d: 4\n");
        assert_eq!(remove(text, &[0, 2]), "v:\n- b: 2\n  d: 4\n");
        assert_eq!(remove(text, &[1, 2]), "v:\n- a: 1\n  d: 4\n");
        // Converging it to a mapping none of whose keys it keeps writes it anew.
        let doc = Document::parse(text).unwrap();
        let root = &doc.roots()[0];
        let item = &root.get("v").unwrap().items().unwrap()[0];
        let mut editor = doc.editor(root, root);
        editor.converge(item, &json!({"e": {"f": 5}})).unwrap();
        assert_eq!(
            doc.apply(&[&editor.finish()]).unwrap(),
            "v:\n- e:\n    f: 5\n"
        );
    }

    #[test]
    fn converging_changes_only_what_differs() {
        let converge = |text: &str, want: Value| {
            let doc = Document::parse(text).unwrap();
            let root = &doc.roots()[0];
            let mut editor = doc.editor(root, root);
            editor.converge(root.get("v").unwrap(), &want).unwrap();
            doc.apply(&[&editor.finish()]).unwrap()
        };
        let want = json!({"name": "t", "projected": {"defaultMode": 420, "sources": [
            {"token": {"expirationSeconds": 7200, "path": "token"}},
            {"configMap": {"name": "ca"}},
        ]}});
        // One value differs: one line changes; `0644` is 420 already.
        let text = "v:\n  name: t\n  projected:\n    defaultMode: 0644\n    sources:\n    - token:\n        path: token\n        expirationSeconds: 3607\n    - configMap:\n        name: ca\n";
        assert_eq!(converge(text, want.clone()), text.replace("3607", "7200"));
        // Extra keys and items go, missing ones come, order is kept (a flow mapping
        // that loses a key is written anew).
        let text = "v:\n  name: t\n  extra: 1\n  projected:\n    sources:\n    - token: {path: token, audience: x}\n    - configMap:\n        name: ca\n    - downwardAPI: {}\n";
        assert_eq!(
            converge(text, want.clone()),
            "v:\n  name: t\n  projected:\n    sources:\n    - token: {expirationSeconds: 7200, path: token}\n    - configMap:\n        name: ca\n    defaultMode: 420\n"
        );
        // A value of another kind, a tagged or an empty one: its entry is written anew.
        let text = "v:\n  name: !!str t\n  projected:\n    defaultMode:\n    sources: x\n";
        assert_eq!(
            converge(text, want.clone()),
            "v:\n  projected:\n    defaultMode: 420\n    sources:\n    - token:\n        expirationSeconds: 7200\n        path: token\n    - configMap:\n        name: ca\n  name: t\n"
        );
        // Nothing to do: nothing changes.
        let text = "v: {name: t, projected: {defaultMode: 420, sources: [{token: {expirationSeconds: 7200, path: token}}, {configMap: {name: ca}}]}}\n";
        assert_eq!(converge(text, want.clone()), text);
        // What cannot be edited leaves no edit behind.
        let doc = Document::parse("v:\n  <<: {a: 1}\n  name: x\n").unwrap();
        let root = &doc.roots()[0];
        let mut editor = doc.editor(root, root);
        let err = editor.converge(root.get("v").unwrap(), &want).unwrap_err();
        assert!(err.what.contains("merge key"), "{err}");
        assert!(editor.finish().is_empty());
    }

    #[test]
    fn sets_of_edits_combine_in_order_and_may_not_share_a_node() {
        let text = "a: [1]\nb: [2]\n";
        let docs = Document::parse(text).unwrap();
        let root = &docs.roots()[0];
        let edits = |key: &str, value| {
            let mut editor = docs.editor(root, root.get(key).unwrap());
            editor
                .append_item(root.get(key).unwrap(), Arc::new(json!(value)))
                .unwrap();
            editor.finish()
        };
        let (a, b, also_a) = (edits("a", 3), edits("b", 4), edits("a", 5));
        let combined = Combined::new(&[&a, &b]).unwrap();
        assert_eq!(combined.apply(text).unwrap(), "a: [1, 3]\nb: [2, 4]\n");
        let mut cursor = Cursor::default();
        assert!(combined.ops(&mut cursor, root.id()).is_empty());
        assert_eq!(
            combined.ops(&mut cursor, root.get("a").unwrap().id()).len(),
            1
        );
        assert_eq!(
            combined.scope(&mut cursor, root.get("b").unwrap().id()),
            Some(1)
        );
        let err = Combined::new(&[&a, &also_a]).unwrap_err();
        assert!(err.what.contains("same node"), "{err}");
    }
}
