//! The splice journal: each edit as new text at a byte range of the original (a
//! [`Replacement`], in [`Edits`], one set per scope) with the [`Batch`] it was made in,
//! what it means ([`Op`]) for the check of the output, and sets of edits combined in
//! order ([`Combined`]), applied to the text.

use std::ops::Range;
use std::sync::Arc;

use serde_json::Value;

use crate::replacement::Replacement;
use crate::yaml::tree::{Node, NodeId};

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
    pub(in crate::yaml) fn at(node: &Node<'_>, what: impl Into<String>) -> Self {
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
pub(in crate::yaml) enum Op {
    /// A scalar's text becomes this text.
    ReplaceScalar(String),
    /// The node becomes this value.
    Replace(Arc<Value>),
    /// A new entry goes after the mapping's last entry.
    InsertEntry(String, Inserted),
    /// The mapping's entry at this index is removed.
    RemoveEntry(usize),
    /// A new item goes after the sequence's last item.
    AppendItem(Arc<Value>),
    /// The sequence's item at this index is removed.
    RemoveItem(usize),
}

/// The value of an inserted entry: one value, or a list of values made one at a time.
#[derive(Debug, Clone)]
pub(in crate::yaml) enum Inserted {
    /// One value.
    Value(Arc<Value>),
    /// A list, each item made when it is rendered or checked.
    List(Arc<super::NewList>),
}

/// Some of the edits of one [`Editor`](super::Editor): those made after
/// [`Editor::batch`](super::Editor::batch) handed it out and before the next call, which
/// one finding is about ([`Edits::replacements_of`]). It names edits, not positions in
/// the journal, so it still names them after [`Editor::finish`](super::Editor::finish)
/// has joined or moved some.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Batch(u32);

impl Batch {
    /// The batch of edits made before any was handed out.
    pub(super) const NONE: Batch = Batch(0);

    /// The batch after this one.
    pub(super) fn next(self) -> Batch {
        Batch(self.0.saturating_add(1))
    }
}

/// A replacement of the original and the batch it was made in.
#[derive(Debug, Clone)]
pub(super) struct Splice {
    pub(super) edit: Replacement,
    pub(super) batch: Batch,
}

impl Splice {
    /// Whether it changes nothing (what is left of one joined to another).
    fn is_noop(&self) -> bool {
        self.edit.range.is_empty() && self.edit.text.is_empty()
    }

    /// Whether it removes bytes and writes none.
    pub(super) fn is_removal(&self) -> bool {
        self.edit.text.is_empty() && !self.edit.range.is_empty()
    }
}

/// `splices` in order of position, as they are applied: those at one position in the
/// order they were made, without the ones that change nothing, and with two that replace
/// the same bytes with the same text taken once (two sets, or two insertions of one
/// set, may each end a block scalar's header with the same strip indicator when they
/// insert after it at the very end of the text: they agree).
fn in_order<'s>(splices: impl Iterator<Item = &'s Splice>) -> Vec<&'s Splice> {
    let mut order: Vec<&Splice> = splices.filter(|s| !s.is_noop()).collect();
    order.sort_by_key(|s| (s.edit.range.start, s.edit.range.end));
    order.dedup_by(|b, a| !a.edit.range.is_empty() && a.edit == b.edit);
    order
}

/// A set of edits to the subtree of one node (one object's, usually), applied and
/// checked together: when the output does not check out, the sets whose own subtree
/// differs are known, and the others can still be written.
#[derive(Debug, Clone)]
pub struct Edits {
    /// The node whose subtree every edit of the set is in.
    scope: NodeId,
    pub(super) splices: Vec<Splice>,
    /// Each op with the node it changes, in the order they were made.
    pub(super) ops: Vec<(NodeId, Op)>,
    /// Anchored nodes edited on purpose for every alias that stands for them: the caller
    /// found that every place using the anchor wants this very edit.
    pub(super) for_every_alias: Vec<NodeId>,
}

impl Edits {
    /// An empty set of edits to the subtree of `scope`.
    pub(in crate::yaml) fn new(scope: NodeId) -> Self {
        Edits {
            scope,
            splices: Vec::new(),
            ops: Vec::new(),
            for_every_alias: Vec::new(),
        }
    }

    /// The node whose subtree the set edits: what names the set when it is rejected.
    pub(in crate::yaml) fn scope(&self) -> NodeId {
        self.scope
    }

    /// Whether there is nothing to change.
    pub fn is_empty(&self) -> bool {
        self.splices.is_empty()
    }

    /// Forgets every edit, as when the object is left as it is, and frees the room they
    /// took: a run keeps its objects' outcomes after their edits are written.
    pub fn clear(&mut self) {
        self.splices = Vec::new();
        self.ops = Vec::new();
        self.for_every_alias = Vec::new();
    }

    /// Every replacement, to be tampered with: for tests of the check itself.
    #[cfg(test)]
    pub(in crate::yaml) fn replacements_mut(&mut self) -> impl Iterator<Item = &mut Replacement> {
        self.splices.iter_mut().map(|s| &mut s.edit)
    }

    /// The text with every splice applied, unchecked: for tests of the check itself.
    #[cfg(test)]
    pub(in crate::yaml) fn apply(&self, text: &str) -> Result<String, EditError> {
        Combined::new(&[self])?.apply(text, 0..text.len())
    }

    /// The replacements made in `batches`, in order of position: the exact change one
    /// finding of an object is about.
    pub fn replacements_of(&self, batches: &[Batch]) -> Vec<Replacement> {
        in_order(self.splices.iter().filter(|s| batches.contains(&s.batch)))
            .into_iter()
            .map(|s| s.edit.clone())
            .collect()
    }

    /// The first byte of the original where two of its splices overlap, if any: edits
    /// that cannot all be made.
    pub(in crate::yaml) fn overlap(&self) -> Option<usize> {
        let mut end = 0;
        for splice in in_order(self.splices.iter()) {
            if splice.edit.range.start < end {
                return Some(splice.edit.range.start);
            }
            end = end.max(splice.edit.range.end);
        }
        None
    }

    /// The replacements of every set of `sets`, in order of position, exactly as
    /// [`Document::apply`](super::super::Document::apply) splices them together: the
    /// change a file's diff shows.
    pub fn replacements(sets: &[&Edits]) -> Vec<Replacement> {
        in_order(sets.iter().flat_map(|e| &e.splices))
            .into_iter()
            .map(|s| s.edit.clone())
            .collect()
    }
}

/// Several sets of edits to one text, borrowed and applied together. Sets are
/// independent of each other: each touches only nodes of its own scope, so their byte
/// ranges are disjoint, and two sets that both change one node are refused.
#[derive(Debug)]
pub(in crate::yaml) struct Combined<'e> {
    /// Every splice, in order of position, as they are applied ([`in_order`]).
    splices: Vec<&'e Splice>,
    /// Every op with its node, ordered by node (and, for one node, as made).
    ops: Vec<(NodeId, &'e Op)>,
    /// The scope of each set with the set's index, ordered by node.
    scopes: Vec<(NodeId, usize)>,
    /// The anchored nodes edited for every alias of theirs, ordered.
    pub(super) for_every_alias: Vec<NodeId>,
}

/// Where a walk in document order has got to in the ops and scopes of a [`Combined`]:
/// nodes are visited in the order of their ids, so each lookup moves forward only.
#[derive(Debug, Default)]
pub(in crate::yaml) struct Cursor {
    op: usize,
    scope: usize,
}

impl<'e> Combined<'e> {
    /// The edits of every set of `sets`, in order.
    pub(in crate::yaml) fn new(sets: &[&'e Edits]) -> Result<Self, EditError> {
        let splices = in_order(sets.iter().flat_map(|e| &e.splices));
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
    pub(in crate::yaml) fn ops(&self, cursor: &mut Cursor, node: NodeId) -> &[(NodeId, &'e Op)] {
        let rest = self.ops.get(cursor.op..).unwrap_or_default();
        let skip = rest.iter().take_while(|(id, _)| *id < node).count();
        cursor.op += skip;
        self.ops_from(cursor.op, node)
    }

    /// The ops of `node`, which start at `at` in `ops` when it has any.
    fn ops_from(&self, at: usize, node: NodeId) -> &[(NodeId, &'e Op)] {
        let rest = self.ops.get(at..).unwrap_or_default();
        let here = rest.iter().take_while(|(id, _)| *id == node).count();
        rest.get(..here).unwrap_or_default()
    }

    /// Every op with its node, ordered by node.
    pub(in crate::yaml) fn all_ops(&self) -> &[(NodeId, &'e Op)] {
        &self.ops
    }

    /// The ops recorded for `node`, found without a walk.
    pub(in crate::yaml) fn ops_of(&self, node: NodeId) -> &[(NodeId, &'e Op)] {
        self.ops_from(self.ops.partition_point(|(id, _)| *id < node), node)
    }

    /// Every replacement, in order of position, as [`Self::apply`] splices them.
    pub(in crate::yaml) fn replacements(&self) -> impl Iterator<Item = &'e Replacement> {
        self.splices.iter().map(|s| &s.edit)
    }

    /// Whether an op changes a node whose id is in `first..=last` (a subtree).
    pub(in crate::yaml) fn changes_any(&self, first: NodeId, last: NodeId) -> bool {
        let at = self.ops.partition_point(|(id, _)| *id < first);
        self.ops.get(at).is_some_and(|(id, _)| *id <= last)
    }

    /// Whether the anchored node `anchored` is edited on purpose for every alias of it
    /// ([`Editor::for_every_alias`](super::Editor::for_every_alias)).
    pub(in crate::yaml) fn for_every_alias(&self, anchored: NodeId) -> bool {
        self.for_every_alias.binary_search(&anchored).is_ok()
    }

    /// The index of the set whose scope is `node`, for the same walk.
    pub(in crate::yaml) fn scope(&self, cursor: &mut Cursor, node: NodeId) -> Option<usize> {
        let rest = self.scopes.get(cursor.scope..).unwrap_or_default();
        cursor.scope += rest.iter().take_while(|(id, _)| *id < node).count();
        match self.scopes.get(cursor.scope) {
            Some((id, set)) if *id == node => Some(*set),
            _ => None,
        }
    }

    /// `text[range]` with every splice applied, in order; the splices are inside `range`.
    pub(in crate::yaml) fn apply(
        &self,
        text: &str,
        range: Range<usize>,
    ) -> Result<String, EditError> {
        let extra: usize = self.splices.iter().map(|s| s.edit.text.len()).sum();
        let mut out = String::with_capacity(range.len() + extra);
        let mut pos = range.start;
        for Splice { edit, .. } in &self.splices {
            let (Some(before), true) =
                (text.get(pos..edit.range.start), edit.range.end <= range.end)
            else {
                return Err(EditError::general(format!(
                    "overlapping changes at byte {}",
                    edit.range.start
                )));
            };
            out.push_str(before);
            out.push_str(&edit.text);
            pos = edit.range.end;
        }
        out.push_str(text.get(pos..range.end).unwrap_or_default());
        Ok(out)
    }
}
