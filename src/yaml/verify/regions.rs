//! The check of an output a region at a time ([`by_regions`]): only the lines the edits
//! touch are read again, each run of them alone, and the bytes between them are the
//! input's, copied. Where that cannot be shown to read as the whole output would, it
//! says so, and the whole output is checked as before: it can only pass an output that
//! the whole check passes (`docs/performance.md`, "Checking what changed").
//!
//! A region is a run of whole entries (items, for a sequence) of one block collection
//! (a sequence past column 0), from the start of the line its first entry starts to
//! the next line that is not blank or a comment; with the entries the edits insert
//! after them, when the run reaches the collection's end. In the output, its text must start with
//! an entry at the collection's column (or hold none), and every other line must be
//! blank, a comment, or indented at least that far. Such a run reads alone as it reads
//! in its text: the parser's state where it starts is the one its text before leaves
//! (the same bytes), nothing in it can close a collection it did not open, and what
//! follows it (a line indented less than the collection, or the next entry) finds the
//! parser as every run of whole entries leaves it. The input may hold no anchor, so
//! that no alias outside a region can stand for what is inside one.

use std::cmp::Reverse;
use std::collections::HashMap;
use std::ops::Range;

use serde_json::Value;

use super::{Checker, Mismatch, Want, edited, mismatch};
use crate::yaml::edit::{Combined, Op};
use crate::yaml::tree::{AnchorSite, Ev, Kind, Node, NodeId, Reader, line_start};

/// Whether every region of `out_text` (the text of the input's `piece` with `edits`
/// applied, starting on line `out_first_line` of the output) checks out read alone:
/// `false` when one does not, or when the edits cannot be checked a region at a time.
pub(in crate::yaml) fn by_regions(
    old_text: &str,
    piece: Range<usize>,
    old_roots: &[Node<'_>],
    anchors: &[Option<AnchorSite>],
    (out_text, out_first_line): (&str, usize),
    edits: &Combined<'_>,
    checked: &mut Checked,
) -> bool {
    if anchors.iter().any(Option::is_some) {
        return false;
    }
    let Some(regions) = regions(old_text, piece.end, old_roots, edits) else {
        return false;
    };
    let Some(placed) = place(&regions, piece.start, edits, out_text.len()) else {
        return false;
    };
    // One checker for every region (its walk through the ops goes on from one to the
    // next), made with the first region's reader.
    let mut checker: Option<Checker<'_>> = None;
    let (mut line, mut counted) = (out_first_line, 0);
    for (region, out) in regions.iter().zip(placed) {
        line += out_text
            .get(counted..out.start)
            .map_or(0, |t| t.bytes().filter(|&b| b == b'\n').count());
        counted = out.start;
        let reader = Reader::piece(out_text, out.clone(), line);
        let checker = match &mut checker {
            Some(checker) => {
                checker.reader = reader;
                checker.open = 0;
                checker
            }
            None => checker.insert(Checker::new(old_text, anchors, out_text, edits, reader)),
        };
        if checker.region(region, out, checked).is_err() || !checker.findings.sets.is_empty() {
            return false;
        }
    }
    true
}

/// A run of whole entries of a block collection: entries `first..last` of the last
/// node of `path` (its items, for a sequence), with the entries the edits insert when
/// `last` is its length; `range`, the bytes of the input it spans.
#[derive(Debug)]
struct Region<'x> {
    /// The collection, after its ancestors from its document's root.
    path: Vec<&'x Node<'x>>,
    first: usize,
    last: usize,
    range: Range<usize>,
}

impl<'x> Region<'x> {
    fn collection(&self) -> Option<&'x Node<'x>> {
        self.path.last().copied()
    }

    /// Whether `inner` is part of this region: a run of the same collection within this
    /// one's, or anything inside one of this run's entries.
    fn holds(&self, inner: &Region<'_>) -> bool {
        let (Some(outer), Some(inner_coll)) = (self.collection(), inner.collection()) else {
            return false;
        };
        if outer.id == inner_coll.id {
            return self.first <= inner.first && inner.last <= self.last;
        }
        let depth = self.path.len();
        match (
            inner.path.get(depth - 1),
            inner.path.get(depth).map(|n| n.id),
        ) {
            (Some(same), Some(child)) if same.id == outer.id => {
                entry_of(outer, child).is_some_and(|i| self.first <= i && i < self.last)
            }
            _ => false,
        }
    }
}

/// The regions that hold every edit, in order, none touching another.
fn regions<'x>(
    text: &str,
    piece_end: usize,
    roots: &'x [Node<'x>],
    edits: &Combined<'_>,
) -> Option<Vec<Region<'x>>> {
    let mut found = Vec::new();
    let mut last_node = None;
    for (id, op) in edits.all_ops() {
        if last_node == Some(*id) {
            continue;
        }
        last_node = Some(*id);
        let mut path = path_to(roots, *id)?;
        let node = *path.last()?;
        let (first, last) = match op {
            Op::InsertEntry(..) | Op::AppendItem(_) => (len(node)?, len(node)?),
            Op::RemoveEntry(i) | Op::RemoveItem(i) if *i < len(node)? => (*i, i + 1),
            Op::RemoveEntry(_) | Op::RemoveItem(_) => return None,
            Op::Replace(_) | Op::ReplaceScalar(_) => {
                path.pop();
                let i = entry_of(path.last()?, node.id)?;
                (i, i + 1)
            }
        };
        found.push(admitted(text, piece_end, path, first, last)?);
    }
    found.sort_by_key(|r| (r.range.start, Reverse(r.range.end)));
    let mut kept: Vec<Region<'x>> = Vec::with_capacity(found.len());
    for mut region in found {
        loop {
            match kept.last() {
                // Touching counts: an insertion where one ends and the next starts would
                // belong to either.
                Some(top) if top.range.end >= region.range.start => {
                    if top.holds(&region) {
                        break;
                    }
                    let top = kept.pop()?;
                    region = joined(text, piece_end, top, region)?;
                }
                _ => {
                    kept.push(region);
                    break;
                }
            }
        }
    }
    Some(kept)
}

/// One region that holds both `a` and `b`: each lifted to the entry that holds it until
/// they are runs of one collection, then their runs joined.
fn joined<'x>(
    text: &str,
    piece_end: usize,
    mut a: Region<'x>,
    mut b: Region<'x>,
) -> Option<Region<'x>> {
    loop {
        if a.holds(&b) {
            return Some(a);
        }
        if b.holds(&a) {
            return Some(b);
        }
        if a.collection()?.id == b.collection()?.id {
            let (first, last) = (a.first.min(b.first), a.last.max(b.last));
            return admitted(text, piece_end, a.path, first, last);
        }
        let (da, db) = (a.path.len(), b.path.len());
        if da >= db {
            a = lifted(text, piece_end, a.path)?;
        }
        if db >= da {
            b = lifted(text, piece_end, b.path)?;
        }
    }
}

/// The region of the run `first..last` of the last node of `path`, or of the entry of
/// its parent that holds it when the run cannot be a region, and so on up.
fn admitted<'x>(
    text: &str,
    piece_end: usize,
    path: Vec<&'x Node<'x>>,
    first: usize,
    last: usize,
) -> Option<Region<'x>> {
    match span(text, piece_end, *path.last()?, first, last) {
        Some(range) => Some(Region {
            path,
            first,
            last,
            range,
        }),
        None => lifted(text, piece_end, path),
    }
}

/// The region of the entry that holds the last node of `path` in its parent.
fn lifted<'x>(text: &str, piece_end: usize, mut path: Vec<&'x Node<'x>>) -> Option<Region<'x>> {
    let child = path.pop()?;
    let i = entry_of(path.last()?, child.id)?;
    admitted(text, piece_end, path, i, i + 1)
}

/// The bytes the run `first..last` of `coll` spans, when it can be a region: `coll` a
/// block collection (a sequence past column 0), the run's first entry alone at the
/// start of its line (or, for a run of inserted entries only, a line that is not blank
/// where they go).
fn span(
    text: &str,
    piece_end: usize,
    coll: &Node<'_>,
    first: usize,
    last: usize,
) -> Option<Range<usize>> {
    // A sequence at column 0 is a document's root, or a mapping's at column 0 without
    // indentation (`items:\n- a`), where a dash at column 0 may follow the region.
    if column(text, coll)? == 0 && !matches!(coll.kind, Kind::Map { .. }) {
        return None;
    }
    let n = len(coll)?;
    let last_old = last.min(n);
    let start = if first < n {
        entry_line(text, coll, first)?
    } else {
        // The last entry must show the column the inserted ones go at.
        entry_line(text, coll, n.checked_sub(1)?)?;
        let after = line_after(text, entry_end(coll, n.checked_sub(1)?)?);
        if after > 0 && text.as_bytes().get(after - 1) != Some(&b'\n') {
            return None;
        }
        after
    };
    let from = if first < last_old {
        line_after(text, entry_end(coll, last_old - 1)?)
    } else {
        start
    };
    if from > piece_end {
        return None;
    }
    let end = next_content(text, from, piece_end);
    // Inserted entries where a blank line was would take that line from a block scalar
    // kept with `|+` before them.
    if first >= n && start < end && line_at(text, start) == Line::Blank {
        return None;
    }
    Some(start..end)
}

/// What a line is, for regions: blank, a comment, or content at a column (tabs in the
/// indentation, which no region reads, apart).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Line {
    Blank,
    Comment,
    Content(usize),
    Tab,
}

fn classify(line: &[u8]) -> Line {
    let indent = line.iter().take_while(|&&b| b == b' ').count();
    match line.get(indent..).unwrap_or_default() {
        [] | [b'\n', ..] | [b'\r', b'\n', ..] | [b'\r'] => Line::Blank,
        [b'\t', ..] => Line::Tab,
        [b'#', ..] => Line::Comment,
        _ => Line::Content(indent),
    }
}

fn line_at(text: &str, at: usize) -> Line {
    classify(text.as_bytes().get(at..).unwrap_or_default())
}

/// The start of the line after the one that holds `at`, or `at` itself at the start of a
/// line; the end of the text when no line follows.
fn line_after(text: &str, at: usize) -> usize {
    let bytes = text.as_bytes();
    if at == 0 || bytes.get(at - 1) == Some(&b'\n') {
        return at.min(text.len());
    }
    bytes
        .get(at..)
        .and_then(|rest| rest.iter().position(|&b| b == b'\n'))
        .map_or(text.len(), |i| at + i + 1)
}

/// The start of the first line from `from` (a line start) up to `limit` that is neither
/// blank nor a comment; `limit` when there is none.
fn next_content(text: &str, from: usize, limit: usize) -> usize {
    let mut at = from;
    while at < limit {
        if !matches!(line_at(text, at), Line::Blank | Line::Comment) {
            return at;
        }
        at = line_after(text, at + 1);
    }
    limit
}

/// The start of the line of entry `i` of `coll`, when the entry starts it alone: only
/// spaces before a key at the mapping's column, or before a dash at the sequence's
/// column with the item after it on the same line.
fn entry_line(text: &str, coll: &Node<'_>, i: usize) -> Option<usize> {
    let c = column(text, coll)?;
    let spaces = |s: &[u8]| s.iter().all(|&b| b == b' ');
    match &coll.kind {
        Kind::Map { entries, .. } => {
            let (key, _) = entries.get(i)?;
            let start = line_start(text, key.start);
            let before = text.as_bytes().get(start..key.start)?;
            (matches!(key.kind, Kind::Scalar { .. })
                && key.col as usize == c
                && before.len() == c
                && spaces(before))
            .then_some(start)
        }
        Kind::Seq { items, .. } => {
            let item = items.get(i)?;
            if item.start == item.end {
                return None;
            }
            let start = line_start(text, item.start);
            let before = text.as_bytes().get(start..item.start)?;
            let (indent, rest) = (before.get(..c)?, before.get(c..)?);
            (spaces(indent)
                && matches!(rest, [b'-', after @ ..] if !after.is_empty() && spaces(after)))
            .then_some(start)
        }
        _ => None,
    }
}

/// The column of the entries of the block collection `coll`: its keys', or its dashes'
/// (the parser places a sequence at its first item, past the dash). `None` for a flow
/// collection, a mapping of explicit keys (`? key`), and a sequence whose first item is
/// not after its dash on the dash's line, alone.
fn column(text: &str, coll: &Node<'_>) -> Option<usize> {
    match &coll.kind {
        Kind::Map {
            flow: false,
            entries,
            ..
        } => {
            let (key, _) = entries.first()?;
            (key.col == coll.col).then_some(coll.col as usize)
        }
        Kind::Seq {
            flow: false, items, ..
        } => {
            let item = items.first()?;
            let before = text
                .as_bytes()
                .get(line_start(text, item.start)..item.start)?;
            let indent = before.iter().take_while(|&&b| b == b' ').count();
            match before.get(indent..)? {
                [b'-', after @ ..] if !after.is_empty() && after.iter().all(|&b| b == b' ') => {
                    Some(indent)
                }
                _ => None,
            }
        }
        _ => None,
    }
}

/// Where entry `i` of `coll` ends.
fn entry_end(coll: &Node<'_>, i: usize) -> Option<usize> {
    match &coll.kind {
        Kind::Map { entries, .. } => entries.get(i).map(|(k, v)| k.end.max(v.end)),
        Kind::Seq { items, .. } => items
            .get(i)
            .filter(|item| item.start < item.end)
            .map(|item| item.end),
        _ => None,
    }
}

fn len(coll: &Node<'_>) -> Option<usize> {
    match &coll.kind {
        Kind::Map { entries, .. } => Some(entries.len()),
        Kind::Seq { items, .. } => Some(items.len()),
        _ => None,
    }
}

/// The index of the entry of `coll` that `child` is the key or value of (the item, for
/// a sequence).
fn entry_of(coll: &Node<'_>, child: NodeId) -> Option<usize> {
    match &coll.kind {
        Kind::Map { entries, .. } => {
            let i = entries
                .partition_point(|(k, _)| k.id <= child)
                .checked_sub(1)?;
            let (k, v) = entries.get(i)?;
            (k.id == child || v.id == child).then_some(i)
        }
        Kind::Seq { items, .. } => {
            let i = items.partition_point(|n| n.id <= child).checked_sub(1)?;
            (items.get(i)?.id == child).then_some(i)
        }
        _ => None,
    }
}

/// The node `id` and its ancestors, from its document's root.
fn path_to<'x>(roots: &'x [Node<'x>], id: NodeId) -> Option<Vec<&'x Node<'x>>> {
    let at = roots.partition_point(|r| r.id <= id).checked_sub(1)?;
    let mut here = roots.get(at)?;
    let mut path = vec![here];
    while here.id != id {
        here = match &here.kind {
            Kind::Map { entries, .. } => {
                let i = entries
                    .partition_point(|(k, _)| k.id <= id)
                    .checked_sub(1)?;
                let (k, v) = entries.get(i)?;
                if v.id <= id { v } else { k }
            }
            Kind::Seq { items, .. } => {
                let i = items.partition_point(|n| n.id <= id).checked_sub(1)?;
                items.get(i)?
            }
            _ => return None,
        };
        path.push(here);
    }
    Some(path)
}

/// Where each region is in the output (`regions` in order), when every replacement is
/// inside one: the bytes between regions are then the input's.
fn place(
    regions: &[Region<'_>],
    piece_start: usize,
    edits: &Combined<'_>,
    out_len: usize,
) -> Option<Vec<Range<usize>>> {
    let mut replacements = edits.replacements().peekable();
    // How much longer the output is than the input up to where the walk is.
    let mut grown: isize = 0;
    let mut placed = Vec::with_capacity(regions.len());
    let growth = |r: &crate::replacement::Replacement| {
        isize::try_from(r.text.len())
            .ok()?
            .checked_sub(isize::try_from(r.range.len()).ok()?)
    };
    let out_at = |at: usize, grown: isize| {
        at.checked_sub(piece_start)
            .and_then(|at| at.checked_add_signed(grown))
    };
    for region in regions {
        let start = out_at(region.range.start, grown)?;
        while let Some(r) = replacements.next_if(|r| r.range.start <= region.range.end) {
            if r.range.start < region.range.start || r.range.end > region.range.end {
                return None;
            }
            grown = grown.checked_add(growth(r)?)?;
        }
        let end = out_at(region.range.end, grown)?;
        if start > end || end > out_len {
            return None;
        }
        placed.push(start..end);
    }
    replacements.next().is_none().then_some(placed)
}

/// What a region should hold: a mapping's entries or a sequence's items.
enum Wanted<'x> {
    Entries(Vec<edited::Entry<'x>>),
    Items(Vec<edited::Item<'x>>),
}

impl Wanted<'_> {
    fn is_empty(&self) -> bool {
        match self {
            Wanted::Entries(want) => want.is_empty(),
            Wanted::Items(want) => want.is_empty(),
        }
    }

    /// The region's new keys and values, when it holds nothing of the input.
    fn new_only(&self) -> Option<Vec<(Option<&str>, &Value)>> {
        match self {
            Wanted::Entries(want) => want
                .iter()
                .map(|entry| match entry {
                    (None, Want::Key(k), Want::New(v)) => Some((Some(*k), *v)),
                    _ => None,
                })
                .collect(),
            Wanted::Items(want) => want
                .iter()
                .map(|item| match item {
                    (None, Want::New(v)) => Some((None, *v)),
                    _ => None,
                })
                .collect(),
        }
    }
}

/// A region of inserted text, as [`Checked`] knows it: read alone, its events depend on
/// its text alone, and how they are checked on its column, its depth and the keys and
/// values it should hold.
struct Inserted<'w, 'x> {
    c: usize,
    depth: usize,
    want: &'w Wanted<'x>,
}

/// Regions of inserted text that checked out, by their text: the same text inserted at
/// the same column and depth, for the same new keys and values, checks out the same
/// again (a Deployment's token volume is the same text in every Pod template). Kept for
/// a run; at most [`Checked::MOST`] texts.
#[derive(Debug, Default)]
pub struct Checked {
    passed: HashMap<Box<str>, Vec<Passed>>,
    texts: usize,
}

#[derive(Debug)]
struct Passed {
    c: usize,
    depth: usize,
    seq: bool,
    want: Vec<(Option<String>, Value)>,
}

impl Checked {
    /// Most texts kept: the few a run inserts again and again, not every one it inserts.
    const MOST: usize = 256;

    fn holds(&self, text: &str, region: &Inserted<'_, '_>) -> bool {
        let (Some(want), Some(passed)) = (region.want.new_only(), self.passed.get(text)) else {
            return false;
        };
        let seq = matches!(region.want, Wanted::Items(_));
        passed.iter().any(|p| {
            p.c == region.c
                && p.depth == region.depth
                && p.seq == seq
                && p.want.len() == want.len()
                && p.want
                    .iter()
                    .zip(&want)
                    .all(|((k1, v1), (k2, v2))| k1.as_deref() == *k2 && v1 == *v2)
        })
    }

    /// Keeps `region`, which checked out and was not held ([`Self::holds`]).
    fn note(&mut self, text: &str, region: &Inserted<'_, '_>) {
        let Some(want) = region.want.new_only() else {
            return;
        };
        if self.texts >= Self::MOST {
            return;
        }
        self.texts += 1;
        self.passed.entry(text.into()).or_default().push(Passed {
            c: region.c,
            depth: region.depth,
            seq: matches!(region.want, Wanted::Items(_)),
            want: want
                .into_iter()
                .map(|(k, v)| (k.map(str::to_owned), v.clone()))
                .collect(),
        });
    }
}

impl<'x> Checker<'x> {
    /// Checks the output region `out` (the reader is set to it) against `region`.
    fn region(
        &mut self,
        region: &Region<'x>,
        out: Range<usize>,
        checked: &mut Checked,
    ) -> Result<(), Mismatch> {
        let coll = region
            .collection()
            .ok_or_else(|| mismatch(0, "no collection"))?;
        let depth = region.path.len() - 1;
        let c = column(self.old_text, coll).ok_or_else(|| mismatch(0, "no column"))?;
        let own = self.edits.ops_of(coll.id);
        let in_run = |i: &Option<usize>, len: usize| {
            i.map_or(region.last >= len, |i| region.first <= i && i < region.last)
        };
        let want = match &coll.kind {
            Kind::Map { entries, .. } => {
                if own
                    .iter()
                    .any(|(_, op)| !matches!(op, Op::InsertEntry(..) | Op::RemoveEntry(_)))
                {
                    return Err(mismatch(0, "an op a region cannot check"));
                }
                let mut want = self.map_want(entries, own).map_err(|e| mismatch(0, e))?;
                if want.is_empty() {
                    return Err(mismatch(0, "a mapping left empty"));
                }
                want.retain(|(i, ..)| in_run(i, entries.len()));
                Wanted::Entries(want)
            }
            Kind::Seq { items, .. } => {
                if own
                    .iter()
                    .any(|(_, op)| !matches!(op, Op::AppendItem(_) | Op::RemoveItem(_)))
                {
                    return Err(mismatch(0, "an op a region cannot check"));
                }
                let mut want = edited::seq_want(items, own);
                if want.is_empty() {
                    return Err(mismatch(0, "a list left empty"));
                }
                want.retain(|(i, _)| in_run(i, items.len()));
                Wanted::Items(want)
            }
            _ => return Err(mismatch(0, "not a collection")),
        };
        let bytes = self.out_text.as_bytes();
        let starts_line = |at: usize| at == 0 || bytes.get(at - 1) == Some(&b'\n');
        if !starts_line(out.start) || !(starts_line(out.end) || out.end == bytes.len()) {
            return Err(mismatch(0, "a region that is not whole lines"));
        }
        let text = self.out_text.get(out.clone()).unwrap_or_default();
        let inserted = Inserted {
            c,
            depth,
            want: &want,
        };
        if checked.holds(text, &inserted) {
            return Ok(());
        }
        let seq = matches!(want, Wanted::Items(_));
        if let Some(root) = self.region_root(&out, c, depth, !want.is_empty(), seq)? {
            match &want {
                Wanted::Entries(want) => self.entries(want, &root, depth)?,
                Wanted::Items(want) => self.items(want, &root, depth)?,
            };
        }
        self.expect(|e| matches!(e, Ev::DocumentEnd))?;
        self.expect(|e| matches!(e, Ev::StreamEnd))?;
        checked.note(text, &inserted);
        Ok(())
    }

    /// Reads the region `out` up to its root, the collection's first event, after its
    /// lines are found to read alone: `None` when it holds no entry, as it should not
    /// (`entries` false).
    fn region_root(
        &mut self,
        out: &Range<usize>,
        c: usize,
        depth: usize,
        entries: bool,
        seq: bool,
    ) -> Result<Option<super::Out<'x>>, Mismatch> {
        let text = self.out_text.get(out.clone()).unwrap_or_default();
        // A carriage return alone breaks a line for the parser, not for `classify`.
        let lone_cr = text
            .as_bytes()
            .windows(2)
            .any(|w| matches!(w, [b'\r', next] if *next != b'\n'))
            || text.ends_with('\r');
        if lone_cr {
            return Err(mismatch(0, "a carriage return without a line feed"));
        }
        let mut lines = text.split_inclusive('\n').map(|l| classify(l.as_bytes()));
        if entries {
            let first = text.as_bytes().get(c..);
            let opens = match first {
                Some([b'-', b' ' | b'\n', ..]) | Some([b'-', b'\r', b'\n', ..]) => seq,
                Some(
                    [
                        b'!' | b'&' | b'*' | b'?' | b'|' | b'>' | b'%' | b'@' | b'`' | b'-',
                        ..,
                    ],
                ) => false,
                Some([_, ..]) => !seq,
                _ => false,
            };
            if !opens || lines.next() != Some(Line::Content(c)) {
                return Err(mismatch(0, "a region that does not start with an entry"));
            }
        }
        let alone = lines.all(|line| match line {
            Line::Blank | Line::Comment => true,
            Line::Content(col) => entries && col >= c,
            Line::Tab => false,
        });
        // What is read at column 0 as a directive or a document's start or end, or a
        // byte order mark, may not be read the same where the region starts a stream.
        let document_level = text.split_inclusive('\n').any(|line| {
            line.starts_with('%') || line.starts_with("---") || line.starts_with("...")
        }) || text.contains('\u{feff}');
        let alone = alone && !document_level;
        if !alone {
            return Err(mismatch(0, "a region whose lines may not read alone"));
        }
        self.expect(|e| matches!(e, Ev::StreamStart))?;
        if !entries {
            self.expect(|e| matches!(e, Ev::StreamEnd))?;
            return Ok(None);
        }
        self.expect(|e| matches!(e, Ev::DocumentStart))?;
        let root = self.node(depth, 0)?;
        let opened = match root.event {
            Ev::SeqStart { flow, anchor } => seq && !flow && anchor == 0,
            Ev::MapStart { flow, anchor } => !seq && !flow && anchor == 0,
            _ => false,
        };
        // A mapping is placed at its first key; a sequence past its first dash, which
        // the region's first line has at `c`.
        if !opened || (!seq && root.pos.col != c) {
            return Err(mismatch(root.line(), "a region that reads as another node"));
        }
        Ok(Some(root))
    }

    /// The next event, which must be one `is` accepts.
    fn expect(&mut self, is: impl Fn(&Ev<'_>) -> bool) -> Result<(), Mismatch> {
        let (event, pos) = self.next()?;
        if is(&event) {
            Ok(())
        } else {
            Err(mismatch(pos.line, "an unexpected event"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::verify::verify;
    use crate::yaml::{Document, Edits};
    use serde_json::json;

    const POD: &str = "\
kind: Deployment
spec:
  template:
    spec:
      automountServiceAccountToken: yes  # YAML 1.1
      initContainers:
      - name: init
        image: busybox
      containers:
      - name: app
        command:
        - run
        volumeMounts:
        - name: data
          mountPath: /data
      volumes:
      - name: data
        emptyDir: {}
      nodeSelector:
        os: linux
";

    /// The edits hardening makes, of every kind but removal, on `POD`.
    fn hardening(doc: &Document<'_>) -> Edits {
        let root = &doc.roots()[0];
        let spec = root
            .get("spec")
            .unwrap()
            .get("template")
            .unwrap()
            .get("spec")
            .unwrap();
        let mount = json!({"mountPath": "/var/run/secrets/kubernetes.io/serviceaccount", "name": "kube-api-access", "readOnly": true});
        let mut editor = doc.editor(root);
        let automount = spec.get("automountServiceAccountToken").unwrap();
        editor.replace_scalar(automount, "false").unwrap();
        let init = &spec.get("initContainers").unwrap().items().unwrap()[0];
        editor
            .insert_entry(init, "volumeMounts", json!([mount]))
            .unwrap();
        let app = &spec.get("containers").unwrap().items().unwrap()[0];
        editor
            .append_item(app.get("volumeMounts").unwrap(), mount.clone())
            .unwrap();
        let volume = json!({"name": "kube-api-access", "projected": {"defaultMode": 420, "sources": [
            {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
            {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}}]}});
        editor
            .append_item(spec.get("volumes").unwrap(), volume)
            .unwrap();
        editor
            .insert_entry(spec, "enableServiceLinks", json!(false))
            .unwrap();
        editor.finish()
    }

    /// Whether `edits` of `doc` check out a region at a time, and whether whole; the
    /// first must never say yes where the second says no.
    fn both(doc: &Document<'_>, edits: &Edits) -> Option<(bool, bool)> {
        let text = doc.text();
        let combined = Combined::new(&[edits]).ok()?;
        let out = combined.apply(text, 0..text.len()).ok()?;
        let regions = by_regions(
            text,
            0..text.len(),
            doc.roots(),
            doc.anchors(),
            (&out, 1),
            &combined,
            &mut Checked::default(),
        );
        let findings = verify(text, doc.roots(), doc.anchors(), (&out, 1), &combined);
        let whole = findings.is_empty();
        assert!(
            !regions || whole,
            "passed a region at a time, not whole: {findings:?}\n{out}"
        );
        Some((regions, whole))
    }

    #[test]
    fn hardening_is_checked_in_the_lines_it_touches() {
        let doc = Document::parse(POD).unwrap();
        let edits = hardening(&doc);
        assert_eq!(both(&doc, &edits), Some((true, true)));
        // The input's side of each region: the one scalar replaced, with its line; each
        // insertion goes where a region of no input bytes is, before the next entry.
        let combined = Combined::new(&[&edits]).unwrap();
        let regions = regions(POD, POD.len(), doc.roots(), &combined).unwrap();
        let spans: Vec<&str> = regions.iter().map(|r| &POD[r.range.clone()]).collect();
        assert_eq!(
            spans,
            [
                "      automountServiceAccountToken: yes  # YAML 1.1\n",
                "",
                "",
                "",
                ""
            ]
        );
        let lines = |at: usize| POD[..at].lines().count() + 1;
        let starts: Vec<usize> = regions.iter().map(|r| lines(r.range.start)).collect();
        // After `image: busybox`, `mountPath: /data`, `emptyDir: {}`, and at the end.
        assert_eq!(starts, [5, 9, 16, 19, 21]);
    }

    #[test]
    fn a_region_is_read_where_the_edits_render_wrong_text() {
        let doc = Document::parse(POD).unwrap();
        let edits = hardening(&doc);
        let (mut tried, mut caught) = (0, 0);
        for index in 0..5 {
            let Some(text) = edits
                .clone()
                .replacements_mut()
                .nth(index)
                .map(|r| r.text.clone())
            else {
                continue;
            };
            for at in 0..=text.len() {
                for change in [
                    "", " ", "\n", "#", "-", ":", "x", "\"", "\t", "&a ", "!t ", "- ", "\n  ",
                ] {
                    for replace in [false, true] {
                        let mut bad = text.clone();
                        if replace && at < text.len() {
                            bad.replace_range(at..at + 1, change);
                        } else if !change.is_empty() {
                            bad.insert_str(at, change);
                        } else {
                            continue;
                        }
                        let mut tampered = edits.clone();
                        if let Some(r) = tampered.replacements_mut().nth(index) {
                            r.text = bad;
                        }
                        if let Some((regions, whole)) = both(&doc, &tampered) {
                            tried += 1;
                            caught += usize::from(!regions && !whole);
                        }
                    }
                }
            }
        }
        assert!(tried > 5_000 && caught > tried / 2, "{caught} of {tried}");
    }

    #[test]
    fn a_region_is_read_where_the_edits_put_text_in_the_wrong_place() {
        let doc = Document::parse(POD).unwrap();
        let edits = hardening(&doc);
        let mut tried = 0;
        for index in 0..5 {
            for at in 0..=POD.len() {
                let mut moved = edits.clone();
                let Some(r) = moved.replacements_mut().nth(index) else {
                    continue;
                };
                if !r.range.is_empty() || !POD.is_char_boundary(at) {
                    continue;
                }
                r.range = at..at;
                if both(&doc, &moved).is_some() {
                    tried += 1;
                }
            }
        }
        assert!(tried > 1_000, "{tried}");
    }

    #[test]
    fn what_may_not_read_alone_is_checked_whole() {
        let append = |text: &str, path: &[&str]| {
            let doc = Document::parse(text).unwrap();
            let root = &doc.roots()[0];
            let mut node = root;
            for key in path {
                node = node.get(key).unwrap();
            }
            let mut editor = doc.editor(root);
            editor.append_item(node, json!("new")).unwrap();
            let edits = editor.finish();
            both(&doc, &edits)
        };
        // A sequence at column 0 (a document's root); an anchor anywhere.
        assert_eq!(append("- a\n- b\n", &[]), Some((false, true)));
        assert_eq!(append("x: &a 1\nl:\n  - a\n", &["l"]), Some((false, true)));
        // A flow list is read with the entry that holds it.
        assert_eq!(append("l: [a]\n", &["l"]), Some((true, true)));
        // A block scalar kept with `|+` and the blank lines after it: whichever way it
        // is read, the same verdict.
        for text in [
            "m:\n  k: |+\n    text\n\n",
            "m:\n  k: |+\n    text\n\n\nn: 1\n",
        ] {
            let doc = Document::parse(text).unwrap();
            let root = &doc.roots()[0];
            let mut editor = doc.editor(root);
            editor
                .insert_entry(root.get("m").unwrap(), "z", json!(1))
                .unwrap();
            let edits = editor.finish();
            assert!(both(&doc, &edits).is_some());
        }
    }

    #[test]
    fn insertions_where_a_collection_and_one_inside_it_end_are_one_region() {
        let text = "kind: ResourceList\nitems:\n- kind: Pod\n  spec:\n    containers: []\n";
        let doc = Document::parse(text).unwrap();
        let root = &doc.roots()[0];
        let pod = &root.get("items").unwrap().items().unwrap()[0];
        let mut editor = doc.editor(root);
        editor
            .insert_entry(
                pod.get("spec").unwrap(),
                "automountServiceAccountToken",
                json!(false),
            )
            .unwrap();
        editor
            .insert_entry(root, "results", json!([{"message": "done"}]))
            .unwrap();
        let edits = editor.finish();
        assert_eq!(both(&doc, &edits), Some((true, true)));
        let combined = Combined::new(&[&edits]).unwrap();
        let regions = regions(text, text.len(), doc.roots(), &combined).unwrap();
        let spans: Vec<&str> = regions.iter().map(|r| &text[r.range.clone()]).collect();
        assert_eq!(
            spans,
            ["items:\n- kind: Pod\n  spec:\n    containers: []\n"]
        );
    }

    #[test]
    fn inserted_text_that_checked_out_is_known_again_and_only_as_it_was() {
        let (volume, other) = (json!({"name": "v"}), json!({"name": "w"}));
        let items = Wanted::Items(vec![(None, Want::New(&volume))]);
        let at = |c, depth, want| Inserted { c, depth, want };
        let mut checked = Checked::default();
        let text = "      - name: v\n";
        assert!(!checked.holds(text, &at(6, 4, &items)));
        checked.note(text, &at(6, 4, &items));
        assert!(checked.holds(text, &at(6, 4, &items)));
        // Another text, column, depth, value, or a mapping's entry.
        assert!(!checked.holds("      - name: w\n", &at(6, 4, &items)));
        assert!(!checked.holds(text, &at(4, 4, &items)));
        assert!(!checked.holds(text, &at(6, 5, &items)));
        let others = Wanted::Items(vec![(None, Want::New(&other))]);
        assert!(!checked.holds(text, &at(6, 4, &others)));
        let entries = Wanted::Entries(vec![(None, Want::Key("name"), Want::New(&volume))]);
        assert!(!checked.holds(text, &at(6, 4, &entries)));
        // Nothing of the input is known again: its nodes are its own.
        let doc = Document::parse("- a\n").unwrap();
        let old = Wanted::Items(vec![(Some(0), Want::Old(&doc.roots()[0]))]);
        checked.note("- a\n", &at(0, 0, &old));
        assert!(!checked.holds("- a\n", &at(0, 0, &old)));
        // A piece's hardening is read once for every piece that repeats it.
        let mut checked = Checked::default();
        for _ in 0..2 {
            let doc = Document::parse(POD).unwrap();
            let edits = hardening(&doc);
            doc.apply_with(&[&edits], 1, &mut checked).unwrap();
        }
        assert_eq!(checked.texts, 4);
    }

    #[test]
    fn lines_are_blank_comments_or_content_at_a_column() {
        assert_eq!(classify(b"\n"), Line::Blank);
        assert_eq!(classify(b"   \r\n"), Line::Blank);
        assert_eq!(classify(b""), Line::Blank);
        assert_eq!(classify(b"  # c\n"), Line::Comment);
        assert_eq!(classify(b"  \tx\n"), Line::Tab);
        assert_eq!(classify(b"    - a\n"), Line::Content(4));
        // A sequence's entries are at its dashes, whether indented or not; the parser
        // places it at its first item.
        for (text, col) in [
            ("l:\n- a\n", 0),
            ("m:\n  l:\n    - a\n", 4),
            ("m:\n  l:\n  - a\n", 2),
        ] {
            let doc = Document::parse(text).unwrap();
            let mut node = &doc.roots()[0];
            while node.items().is_none() {
                node = &node.entries().unwrap().last().unwrap().1;
            }
            assert_eq!(column(text, node), Some(col), "{text:?}");
        }
    }
}
