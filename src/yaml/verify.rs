//! Checks an edited text against the original: re-parsed, it must be the original tree
//! plus exactly the recorded [`Op`]s, with every untouched scalar in the same text and
//! style. This is what lets the function fail closed instead of writing a wrong file.
//!
//! The output is checked as the parser reads it, event by event, against the input's
//! tree: no tree of the output is built, so the check costs one parse of the output
//! and little else. It holds the output to the limits the parser holds any input to
//! (nesting depth, what aliases stand for), so whatever passes here also parses.
//!
//! A set of edits that does not check out is found in the same pass: where the output
//! differs inside the scope of a set, that set is named and the rest of its scope is
//! read without being compared, and the check goes on with the next node. A parse error
//! ends the pass (the parser cannot go on), naming the set being read, if any.

use std::borrow::Cow;
use std::collections::HashMap;

use serde_json::Value;

mod edited;
mod regions;

pub use regions::Checked;
pub(super) use regions::by_regions;

use super::edit::{Combined, Cursor, NewList, Op};
use super::render;
use super::tree::{
    self, Aliases, AnchorSite, Ev, Kind, MAX_DEPTH, Node, ParseError, Pos, Reader, ScalarStyle,
};

/// Where the edited text differs from what the edits promised.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{what}", line.map(|l| format!("output line {l}: ")).unwrap_or_default())]
pub struct Mismatch {
    /// 1-based line in the output, when the difference is at one.
    pub line: Option<usize>,
    /// What differs.
    pub what: String,
}

impl From<ParseError> for Mismatch {
    fn from(e: ParseError) -> Self {
        Mismatch {
            line: Some(e.line),
            what: format!("output does not parse: {e}"),
        }
    }
}

/// What a check found wrong: the sets of edits whose scope differs, and a difference no
/// set is to blame for (outside every scope, or a parse error outside them).
#[derive(Debug, Default)]
pub(super) struct Findings {
    pub(super) sets: Vec<(usize, Mismatch)>,
    pub(super) unattributed: Option<Mismatch>,
}

impl Findings {
    /// Whether the output checked out.
    pub(super) fn is_empty(&self) -> bool {
        self.sets.is_empty() && self.unattributed.is_none()
    }
}

/// A child as it should be in the output: a node of the input (`'x`), a new value, or
/// a new list made an item at a time.
enum Want<'n, 'x> {
    Old(&'x Node<'x>),
    /// A new key.
    Key(&'n str),
    New(&'n Value),
    List(&'n NewList),
}

/// Compares the output `out_text` with the input `old_text` (whose document roots are
/// `old_roots`) changed by `edits`: as many documents, each the input's plus exactly its
/// edits. `out_text` starts on line `out_first_line` of the output, for messages.
pub(super) fn verify(
    old_text: &str,
    old_roots: &[Node<'_>],
    anchors: &[Option<AnchorSite>],
    (out_text, out_first_line): (&str, usize),
    edits: &Combined<'_>,
) -> Findings {
    let mut checker = Checker::new(
        old_text,
        anchors,
        out_text,
        edits,
        Reader::piece(out_text, 0..out_text.len(), out_first_line),
    );
    if let Err(mismatch) = checker.stream(old_roots) {
        // A parse error inside a scope is that set's: its text is what the parser read.
        match checker.scopes.last() {
            Some(&(set, _)) => checker.findings.sets.push((set, mismatch)),
            None => checker.findings.unattributed = Some(mismatch),
        }
    }
    checker.findings
}

/// One output node, as its first event.
struct Out<'x> {
    event: Ev<'x>,
    pos: Pos,
}

impl Out<'_> {
    fn line(&self) -> usize {
        self.pos.line
    }

    fn is_null(&self) -> bool {
        match &self.event {
            Ev::Scalar {
                value,
                style: ScalarStyle::Plain,
                tagged: false,
                ..
            } => {
                self.pos.start >= self.pos.end || matches!(&**value, "~" | "null" | "Null" | "NULL")
            }
            _ => false,
        }
    }

    /// A scalar that every reader takes for the string `s`: double-quoted, or plain
    /// where no YAML reader (1.1 or 1.2) could take its text for anything else, as the
    /// renderer writes one ([`render::reads_only_as_string`]). A parser of YAML 1.2 reads
    /// a plain `1.10` or `n` as that string; Kubernetes' reader does not.
    fn is_string(&self, s: &str) -> bool {
        matches!(&self.event, Ev::Scalar { value, style, tagged: false, .. }
        if value == s && match style {
            ScalarStyle::Plain => render::reads_only_as_string(s),
            ScalarStyle::DoubleQuoted => true,
            _ => false,
        })
    }

    /// A plain, untagged scalar that reads `text`.
    fn is_plain(&self, text: &str) -> bool {
        matches!(&self.event, Ev::Scalar {
            value,
            style: ScalarStyle::Plain,
            tagged: false,
            ..
        } if value == text)
    }
}

/// Walks the input's tree and the output's events together. Every method that checks a
/// node is handed the node's first event, read by its parent (which needs to see it to
/// know whether the parent ends there), and returns how many nodes the output node
/// stands for, aliases expanded, as the parser counts them.
struct Checker<'x> {
    old_text: &'x str,
    /// The input's anchors, by anchor id.
    anchors: &'x [Option<AnchorSite>],
    out_text: &'x str,
    edits: &'x Combined<'x>,
    cursor: Cursor,
    reader: Reader<'x>,
    aliases: Aliases,
    /// Collections of the output begun and not yet ended.
    open: usize,
    /// Whether the parser stopped on an error: nothing more can be read.
    broken: bool,
    /// The scopes being read, innermost last: each set's index and `open` at its start.
    scopes: Vec<(usize, usize)>,
    /// The input's anchored nodes met so far, to read what a merge key brings in: an
    /// anchor always comes before its aliases.
    anchored: HashMap<u32, &'x Node<'x>>,
    findings: Findings,
}

fn mismatch(line: usize, what: impl Into<String>) -> Mismatch {
    Mismatch {
        line: Some(line),
        what: what.into(),
    }
}

impl<'x> Checker<'x> {
    fn new(
        old_text: &'x str,
        anchors: &'x [Option<AnchorSite>],
        out_text: &'x str,
        edits: &'x Combined<'x>,
        reader: Reader<'x>,
    ) -> Self {
        Checker {
            old_text,
            anchors,
            out_text,
            edits,
            cursor: Cursor::default(),
            reader,
            aliases: Aliases::default(),
            open: 0,
            broken: false,
            scopes: Vec::new(),
            anchored: HashMap::new(),
            findings: Findings::default(),
        }
    }

    fn fail<T>(&self, line: usize, what: impl Into<String>) -> Result<T, Mismatch> {
        Err(mismatch(line, what))
    }

    /// The next event, counting the collections it opens and closes.
    fn next(&mut self) -> Result<(Ev<'x>, Pos), Mismatch> {
        let (event, pos) = self.reader.next().map_err(|e| {
            self.broken = true;
            Mismatch::from(e)
        })?;
        match event {
            Ev::SeqStart { .. } | Ev::MapStart { .. } => self.open += 1,
            Ev::SeqEnd | Ev::MapEnd => self.open = self.open.saturating_sub(1),
            _ => {}
        }
        Ok((event, pos))
    }

    /// The next child of the collection being read, at `depth`, or `None` where the
    /// collection ends.
    fn child(&mut self, depth: usize) -> Result<Option<Out<'x>>, Mismatch> {
        let (event, pos) = self.next()?;
        match event {
            Ev::SeqEnd | Ev::MapEnd => return Ok(None),
            Ev::Scalar { .. } | Ev::SeqStart { .. } | Ev::MapStart { .. } | Ev::Alias(_) => {}
            other => return Err(tree::unexpected(&other, pos).into()),
        }
        if depth > MAX_DEPTH {
            return Err(tree::too_deep(pos).into());
        }
        Ok(Some(Out { event, pos }))
    }

    /// The next child, which must be there: the value after a key, a document's root.
    fn node(&mut self, depth: usize, parent: usize) -> Result<Out<'x>, Mismatch> {
        match self.child(depth)? {
            Some(out) => Ok(out),
            None => self.fail(parent, "a collection ends where a node should be"),
        }
    }

    fn out_text(&self, out: &Out<'_>) -> &'x str {
        self.out_text
            .get(out.pos.start..out.pos.end.max(out.pos.start))
            .unwrap_or_default()
    }

    fn old_text(&self, old: &Node<'_>) -> &'x str {
        self.old_text.get(old.span()).unwrap_or_default()
    }

    /// Reads the rest of `out`, checking nothing but the parser's limits; returns how
    /// many nodes it stands for and, for a collection, how many children it has (entries
    /// for a mapping).
    fn skip(&mut self, out: &Out<'_>, depth: usize) -> Result<(u64, usize), Mismatch> {
        let (size, children) = match &out.event {
            Ev::Alias(id) => (self.aliases.alias(*id, out.pos)?, 0),
            Ev::SeqStart { .. } | Ev::MapStart { .. } => {
                let (mut size, mut nodes) = (1u64, 0);
                while let Some(child) = self.child(depth + 1)? {
                    size = size.saturating_add(self.skip(&child, depth + 1)?.0);
                    nodes += 1;
                }
                let per_child = if matches!(out.event, Ev::MapStart { .. }) {
                    2
                } else {
                    1
                };
                (size, nodes / per_child)
            }
            _ => (1, 0),
        };
        self.aliases.anchored(out.event.anchor(), size);
        Ok((size, children))
    }

    /// Reads on, without comparing, until `open` collections are left: the rest of a
    /// scope that did not check out. Anchors met on the way are recorded, so that an
    /// alias of one later on is counted as the parser would count it.
    fn drain(&mut self, open: usize) -> Result<(), Mismatch> {
        // (anchor, size) of the collections begun while draining.
        let mut begun: Vec<(u32, u64)> = Vec::new();
        while self.open > open {
            let (event, pos) = self.next()?;
            let size = match event {
                Ev::SeqStart { anchor, .. } | Ev::MapStart { anchor, .. } => {
                    begun.push((anchor, 1));
                    continue;
                }
                Ev::SeqEnd | Ev::MapEnd => match begun.pop() {
                    Some((anchor, size)) => {
                        self.aliases.anchored(anchor, size);
                        size
                    }
                    None => continue,
                },
                Ev::Scalar { anchor, .. } => {
                    self.aliases.anchored(anchor, 1);
                    1
                }
                Ev::Alias(id) => self.aliases.alias(id, pos)?,
                other => return Err(tree::unexpected(&other, pos).into()),
            };
            if let Some((_, parent)) = begun.last_mut() {
                *parent = parent.saturating_add(size);
            }
        }
        Ok(())
    }

    fn stream(&mut self, old_roots: &'x [Node<'x>]) -> Result<(), Mismatch> {
        let mut documents = 0;
        loop {
            let (event, pos) = self.next()?;
            match event {
                Ev::StreamStart | Ev::DocumentEnd => {}
                Ev::DocumentStart => {
                    self.aliases.new_document();
                    let root = self.node(0, pos.line)?;
                    match old_roots.get(documents) {
                        Some(old) => self.old(old, root, 0)?,
                        None => self.skip(&root, 0)?.0,
                    };
                    documents += 1;
                }
                Ev::StreamEnd if documents == old_roots.len() => return Ok(()),
                Ev::StreamEnd => break,
                other => return Err(tree::unexpected(&other, pos).into()),
            }
        }
        Err(Mismatch {
            line: None,
            what: format!(
                "output has {documents} documents, input {}",
                old_roots.len()
            ),
        })
    }

    /// Checks the output node `out` against `old` and its ops. When `old` is the scope
    /// of a set and differs, the set is recorded and the check goes on after it.
    fn old(&mut self, old: &'x Node<'x>, out: Out<'x>, depth: usize) -> Result<u64, Mismatch> {
        let anchor = old.anchor();
        if anchor != 0 {
            self.anchored.insert(anchor, old);
        }
        // A node that does not check out is not read to its end, so what an anchor on it
        // stands for is not known: it is counted as one node, so that an alias of it
        // further on is not taken for one of an anchor never read. Counting low is safe
        // there: a pass that found a failing set is never written, and the sets that
        // check out are checked again without it.
        let out_anchor = out.event.anchor();
        let Some(set) = self.edits.scope(&mut self.cursor, old.id()) else {
            let checked = self.compare(old, out, depth);
            if checked.is_err() {
                self.aliases.anchored(out_anchor, 1);
            }
            return checked;
        };
        // `open` counts the collection `out` starts, if it starts one.
        let begun = usize::from(matches!(
            out.event,
            Ev::SeqStart { .. } | Ev::MapStart { .. }
        ));
        let outside = self.open - begun;
        self.scopes.push((set, outside));
        let checked = self.compare(old, out, depth);
        self.scopes.pop();
        if checked.is_err() {
            self.aliases.anchored(out_anchor, 1);
        }
        match checked {
            Err(found) if self.broken => Err(found),
            Err(found) => {
                self.findings.sets.push((set, found));
                self.drain(outside)?;
                Ok(1)
            }
            ok => ok,
        }
    }

    fn compare(&mut self, old: &'x Node<'x>, out: Out<'x>, depth: usize) -> Result<u64, Mismatch> {
        // An edit inside an anchored node would change what its aliases stand for too,
        // and they are never expanded here: refused, unless the edits say it is meant
        // for every alias (each alias then stands for the edited node, as promised).
        if let Some(Some(site)) = self.anchors.get(old.anchor() as usize)
            && let Some(alias) = site.alias
            && self.edits.changes_any(site.ids.0, site.ids.1)
            && !self.edits.for_every_alias(site.ids.0)
        {
            return self.fail(
                out.line(),
                format!(
                    "an edit inside the node anchored at input line {}, which the alias at input line {} stands for too",
                    site.line, alias.line
                ),
            );
        }
        let ops = self.edits.ops(&mut self.cursor, old.id());
        if let Some(value) = ops.iter().rev().find_map(|(_, op)| match op {
            Op::Replace(v) => Some(v),
            _ => None,
        }) {
            return self.new_value(value, out, depth);
        }
        if let Some(text) = ops.iter().rev().find_map(|(_, op)| match op {
            Op::ReplaceScalar(t) => Some(t),
            _ => None,
        }) {
            return match out.event {
                Ev::Scalar { .. } if self.out_text(&out) == text.as_str() => {
                    Ok(self.skip(&out, depth)?.0)
                }
                _ => self.fail(out.line(), format!("expected the scalar `{text}`")),
            };
        }
        let size = match (&old.kind, &out.event) {
            (
                Kind::Scalar {
                    value: v1,
                    style: s1,
                    tagged: t1,
                    ..
                },
                Ev::Scalar {
                    value: v2,
                    style: s2,
                    tagged: t2,
                    ..
                },
            ) => {
                if s1 != s2 || t1 != t2 || !self.same_scalar_text(old, v1, &out, v2) {
                    return self.fail(
                        out.line(),
                        format!(
                            "scalar `{}` (line {}) changed",
                            self.old_text(old),
                            old.line()
                        ),
                    );
                }
                1
            }
            (Kind::Alias(_), Ev::Alias(id)) => {
                if self.old_text(old) != self.out_text(&out) {
                    return self.fail(out.line(), "alias changed");
                }
                self.aliases.alias(*id, out.pos)?
            }
            (
                Kind::Map {
                    flow: f1, entries, ..
                },
                Ev::MapStart { flow: f2, .. },
            ) => {
                if f1 != f2 {
                    return self.fail(out.line(), "mapping changed style");
                }
                if ops.is_empty() {
                    // The common case, without the list of what is wanted.
                    let mut size: u64 = 1;
                    for (i, (k, v)) in entries.iter().enumerate() {
                        let Some(key) = self.child(depth + 1)? else {
                            return self.fail(
                                out.line(),
                                format!("mapping has {i} entries, expected {}", entries.len()),
                            );
                        };
                        size = size.saturating_add(self.old(k, key, depth + 1)?);
                        let value = self.node(depth + 1, out.line())?;
                        size = size.saturating_add(self.old(v, value, depth + 1)?);
                    }
                    self.end(&out, depth, entries.len())?;
                    size
                } else {
                    self.edited_map(entries, ops, &out, depth)?
                }
            }
            (
                Kind::Seq {
                    flow: f1, items, ..
                },
                Ev::SeqStart { flow: f2, .. },
            ) => {
                if f1 != f2 {
                    return self.fail(out.line(), "list changed style");
                }
                if ops.is_empty() {
                    let mut size: u64 = 1;
                    for (i, item) in items.iter().enumerate() {
                        let Some(node) = self.child(depth + 1)? else {
                            return self.fail(
                                out.line(),
                                format!("list has {i} items, expected {}", items.len()),
                            );
                        };
                        size = size.saturating_add(self.old(item, node, depth + 1)?);
                    }
                    self.end(&out, depth, items.len())?;
                    size
                } else {
                    self.edited_seq(items, ops, &out, depth)?
                }
            }
            _ => {
                return self.fail(
                    out.line(),
                    format!("node from input line {} changed kind", old.line()),
                );
            }
        };
        self.aliases.anchored(out.event.anchor(), size);
        Ok(size)
    }

    /// Whether an untouched scalar reads as it did. Its text must be the same, but for a
    /// block scalar (`|`, `>`), whose text runs to the line break after its last line:
    /// text inserted after one at the very end of an input without a final line break
    /// gives it that break (and its header the strip indicator, so that its value stays
    /// as it was: that the values are equal is checked here), and spaces on that last
    /// line are then on a line of their own.
    fn same_scalar_text(
        &self,
        old: &Node<'_>,
        old_value: &str,
        out: &Out<'_>,
        out_value: &str,
    ) -> bool {
        let (a, b) = (self.old_text(old), self.out_text(out));
        if a == b {
            return true;
        }
        // Spaces on a last line that has no line break are not content when they are
        // less indented than the scalar (an empty one's, typically): the value says.
        old.is_block_scalar()
            && old_value == out_value
            && a.trim_end_matches([' ', '\r', '\n']) == b.trim_end_matches([' ', '\r', '\n'])
    }

    /// The end of the collection `out`, which should have `expected` children (entries
    /// for a mapping), all read.
    fn end(&mut self, out: &Out<'_>, depth: usize, expected: usize) -> Result<(), Mismatch> {
        let Some(extra) = self.child(depth + 1)? else {
            return Ok(());
        };
        // Count what is left, for the message.
        let mut nodes = 1;
        self.skip(&extra, depth + 1)?;
        while let Some(child) = self.child(depth + 1)? {
            self.skip(&child, depth + 1)?;
            nodes += 1;
        }
        let (what, more) = match out.event {
            Ev::MapStart { .. } => ("mapping has", "entries"),
            _ => ("list has", "items"),
        };
        let got = expected + nodes / if more == "entries" { 2 } else { 1 };
        self.fail(
            out.line(),
            format!("{what} {got} {more}, expected {expected}"),
        )
    }

    fn want(&mut self, want: &Want<'_, 'x>, out: Out<'x>, depth: usize) -> Result<u64, Mismatch> {
        match want {
            Want::Old(n) => self.old(n, out, depth),
            Want::Key(k) => self.new_value(&Value::String((*k).to_owned()), out, depth),
            Want::New(v) => self.new_value(v, out, depth),
            Want::List(list) => {
                let line = out.line();
                let items = list.values().map(|item| {
                    item.map(Cow::Owned)
                        .ok_or_else(|| mismatch(line, "a new list item that does not read back"))
                });
                self.new_items(items, out, depth, || {
                    format!("a new list of {}", list.len())
                })
            }
        }
    }

    /// Checks that the output node `out` is a sequence of `items`, each made when it is
    /// reached; `what` says what was expected, for a mismatch.
    fn new_items<'v>(
        &mut self,
        items: impl Iterator<Item = Result<Cow<'v, Value>, Mismatch>>,
        out: Out<'x>,
        depth: usize,
        what: impl Fn() -> String,
    ) -> Result<u64, Mismatch> {
        let differs = |out: &Out<'_>| mismatch(out.line(), format!("expected {}", what()));
        if !matches!(out.event, Ev::SeqStart { .. }) {
            return Err(differs(&out));
        }
        let mut size: u64 = 1;
        for item in items {
            let item = item?;
            let Some(node) = self.child(depth + 1)? else {
                return Err(differs(&out));
            };
            size = size.saturating_add(self.new_value(&item, node, depth + 1)?);
        }
        if self.child(depth + 1)?.is_some() {
            return Err(differs(&out));
        }
        self.aliases.anchored(out.event.anchor(), size);
        Ok(size)
    }

    /// Checks that the output node `out` is `value`, as the renderer writes it.
    fn new_value(&mut self, value: &Value, out: Out<'x>, depth: usize) -> Result<u64, Mismatch> {
        let differs =
            |out: &Out<'_>| mismatch(out.line(), format!("expected the new value {value}"));
        let ok = match value {
            Value::Null => out.is_null(),
            Value::Bool(b) => out.is_plain(if *b { "true" } else { "false" }),
            Value::Number(n) => out.is_plain(&n.to_string()),
            Value::String(s) => out.is_string(s),
            Value::Array(items) if matches!(out.event, Ev::SeqStart { .. }) => {
                let items = items.iter().map(|item| Ok(Cow::Borrowed(item)));
                return self.new_items(items, out, depth, || format!("the new value {value}"));
            }
            Value::Object(map) if matches!(out.event, Ev::MapStart { .. }) => {
                let mut size: u64 = 1;
                for (k, v) in map {
                    let Some(key) = self.child(depth + 1)? else {
                        return Err(differs(&out));
                    };
                    if !key.is_string(k) {
                        return self.fail(key.line(), format!("expected key `{k}`"));
                    }
                    size = size.saturating_add(self.skip(&key, depth + 1)?.0);
                    let node = self.node(depth + 1, out.line())?;
                    size = size.saturating_add(self.new_value(v, node, depth + 1)?);
                }
                if self.child(depth + 1)?.is_some() {
                    return Err(differs(&out));
                }
                self.aliases.anchored(out.event.anchor(), size);
                return Ok(size);
            }
            Value::Array(_) | Value::Object(_) => false,
        };
        if ok {
            Ok(self.skip(&out, depth)?.0)
        } else {
            Err(differs(&out))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{Document, Edits};
    use serde_json::json;

    const TEXT: &str = "a: 1.10\nb:\n- x\nc: {d: 'yes'}\n";

    fn edits(text: &str) -> (Document<'_>, Edits) {
        let docs = Document::parse(text).unwrap();
        let root = &docs.roots()[0];
        let mut editor = docs.editor(root);
        editor
            .append_item(root.get("b").unwrap(), json!({"k": "v"}))
            .unwrap();
        editor
            .insert_entry(root.get("c").unwrap(), "e", json!(false))
            .unwrap();
        editor.insert_entry(root, "f", json!([1])).unwrap();
        let edits = editor.finish();
        (docs, edits)
    }

    /// The check of `out` against `text` changed by `edits`, with the first mismatch
    /// found whether it is one set's or none's.
    fn verified(text: &str, docs: &Document<'_>, out: &str, edits: &Edits) -> Result<(), Mismatch> {
        let findings = verify(
            text,
            docs.roots(),
            docs.anchors(),
            (out, 1),
            &Combined::new(&[edits]).unwrap(),
        );
        match (findings.unattributed, findings.sets.into_iter().next()) {
            (Some(m), _) | (None, Some((_, m))) => Err(m),
            (None, None) => Ok(()),
        }
    }

    fn check(out: &str) -> Result<(), Mismatch> {
        let (docs, edits) = edits(TEXT);
        verified(TEXT, &docs, out, &edits)
    }

    #[test]
    fn the_spliced_output_checks_out() {
        let (_, edits) = edits(TEXT);
        let out = edits.apply(TEXT).unwrap();
        assert_eq!(
            out,
            "a: 1.10\nb:\n- x\n- k: v\nc: {d: 'yes', e: false}\nf:\n- 1\n"
        );
        check(&out).unwrap();
    }

    #[test]
    fn any_other_change_is_caught() {
        let (_, edits) = edits(TEXT);
        let out = edits.apply(TEXT).unwrap();
        for (from, to) in [
            ("1.10", "1.1"),
            ("'yes'", "yes"),
            ("'yes'", "\"yes\""),
            ("- x\n", ""),
            ("e: false", "e: true"),
            ("- k: v\n", "- k: v\n  extra: 1\n"),
            ("f:\n- 1\n", ""),
        ] {
            let bad = out.replacen(from, to, 1);
            assert!(check(&bad).is_err(), "{from:?} -> {to:?} was not caught");
        }
    }

    #[test]
    fn mismatches_say_what_differs() {
        let (_, edits) = edits(TEXT);
        let out = edits.apply(TEXT).unwrap();
        let what = |bad: String| check(&bad).unwrap_err().to_string();
        assert_eq!(
            what(format!("{out}---\nextra: 1\n")),
            "output has 2 documents, input 1"
        );
        assert_eq!(
            what(format!("{out}z: 1\n")),
            "output line 1: mapping has 5 entries, expected 4"
        );
        assert_eq!(
            what(out.replacen("- x\n", "", 1)),
            "output line 3: node from input line 3 changed kind"
        );
        assert_eq!(
            what(out.replacen("1.10", "1.1", 1)),
            "output line 1: scalar `1.10` (line 1) changed"
        );
        assert!(what(format!("]{out}")).contains("output does not parse"));
    }

    /// Whatever the check passes also parses: edits that take the output past the
    /// limits `tree::parse` holds input to are refused, as its parse would be.
    #[test]
    fn the_output_is_held_to_the_parser_limits() {
        // New values nested below the deepest node the input may have.
        let depth = MAX_DEPTH - 1;
        let text = format!("{}1{}\n", "{a: ".repeat(depth), "}".repeat(depth));
        let docs = Document::parse(&text).unwrap();
        let root = &docs.roots()[0];
        let mut node = root;
        while let Some(inner) = node.get("a").filter(|n| n.entries().is_some()) {
            node = inner;
        }
        let mut editor = docs.editor(root);
        editor
            .insert_entry(node, "b", json!({"c": {"d": 1}}))
            .unwrap();
        let edits = editor.finish();
        let out = edits.apply(&text).unwrap();
        assert!(Document::parse(&out).is_err());
        let err = verified(&text, &docs, &out, &edits).unwrap_err();
        assert!(err.what.contains("output does not parse"), "{err}");

        // Aliases of an anchor that an edit makes larger: refused, since the edit is inside
        // a node aliases stand for, before the count would refuse it.
        let count = tree::MAX_ALIAS_EXPANSION / 3;
        let text = format!("x: &x {{a: 1}}\ny:\n{}", "- *x\n".repeat(count as usize));
        let docs = Document::parse(&text).unwrap();
        let root = &docs.roots()[0];
        let mut editor = docs.editor(root);
        editor
            .insert_entry(root.get("x").unwrap(), "b", json!(2))
            .unwrap();
        let edits = editor.finish();
        let out = edits.apply(&text).unwrap();
        assert!(Document::parse(&out).is_err());
        let err = verified(&text, &docs, &out, &edits).unwrap_err();
        assert!(
            err.what.starts_with("an edit inside the node anchored"),
            "{err}"
        );
    }

    /// The first mismatch of the edits `edit` makes with an editor scoped to the root.
    /// `text` parsed, the edits `edit` makes in its first document, and the output.
    fn edited(
        text: &str,
        edit: impl Fn(&Node<'_>, &mut crate::yaml::Editor<'_>),
    ) -> (Document<'_>, Edits, String) {
        let docs = Document::parse(text).unwrap();
        let root = &docs.roots()[0];
        let mut editor = docs.editor(root);
        edit(root, &mut editor);
        let edits = editor.finish();
        let out = edits.apply(text).unwrap();
        (docs, edits, out)
    }

    fn refused(text: &str, edit: impl Fn(&Node<'_>, &mut crate::yaml::Editor<'_>)) -> String {
        let (docs, edits, out) = edited(text, edit);
        verified(text, &docs, &out, &edits).unwrap_err().what
    }

    /// Asserts that the check of `out` against `text` changed by `edits` fails once any
    /// one `from` of `changes` in `out` is made its `to`.
    fn each_change_is_caught(
        (text, docs, edits, out): (&str, &Document<'_>, &Edits, &str),
        changes: &[(&str, &str)],
    ) {
        for (from, to) in changes {
            let bad = out.replacen(from, to, 1);
            assert_ne!(bad, out, "{from:?} is not in the output");
            assert!(
                verified(text, docs, &bad, edits).is_err(),
                "{from:?} -> {to:?} was not caught"
            );
        }
    }

    #[test]
    fn edits_that_break_a_merge_fail_closed() {
        // Kubernetes' reader honours merge keys and an explicit key hides a merged one.
        let base = "base: &base {volumes: [a], automount: false}
";
        // An inserted key that the merge brings in would hide the merged value.
        let what = refused(&format!("{base}spec:\n  <<: *base\n  x: 1\n"), |root, e| {
            e.insert_entry(root.get("spec").unwrap(), "volumes", json!(["t"]))
                .unwrap();
        });
        assert_eq!(
            what,
            "an edit inserts or removes the key \"volumes\" in a mapping with a merge key (`<<`) that brings it in, or whose merge cannot be read"
        );
        // A removed key would let the merged one through (a token granted through a
        // merged `false` hidden by an explicit `true` is the same edit the other way).
        let what = refused(
            &format!("{base}spec:\n  <<: *base\n  automount: true\n"),
            |root, e| {
                let spec = root.get("spec").unwrap();
                e.remove_entry_at(spec, 1).unwrap();
            },
        );
        assert!(what.contains("the key \"automount\""), "{what}");
        // A list of merged mappings, and a key none of them brings in: fine.
        let text = format!("{base}other: &o {{y: 2}}\nspec:\n  <<: [*base, *o]\n  x: 1\n");
        let docs = Document::parse(&text).unwrap();
        let root = &docs.roots()[0];
        let mut editor = docs.editor(root);
        editor
            .insert_entry(root.get("spec").unwrap(), "z", json!(1))
            .unwrap();
        let edits = editor.finish();
        assert!(verified(&text, &docs, &edits.apply(&text).unwrap(), &edits).is_ok());
        let what = refused(&text, |root, e| {
            e.insert_entry(root.get("spec").unwrap(), "y", json!(1))
                .unwrap();
        });
        assert!(what.contains("the key \"y\""), "{what}");
        // A merge whose source cannot be read (not an alias of a mapping): any key.
        let what = refused("spec:\n  <<: {a: 1}\n  x: 1\n", |root, e| {
            e.insert_entry(root.get("spec").unwrap(), "z", json!(1))
                .unwrap();
        });
        assert!(what.contains("whose merge cannot be read"), "{what}");
    }

    #[test]
    fn edits_inside_a_node_an_alias_stands_for_fail_closed() {
        // The merge source itself: a key added to it would be merged in elsewhere.
        let what = refused(
            "base: &base {a: 1}\nspec:\n  <<: *base\n  x: 1\n",
            |root, e| {
                e.insert_entry(root.get("base").unwrap(), "b", json!(2))
                    .unwrap();
            },
        );
        assert_eq!(
            what,
            "an edit inside the node anchored at input line 1, which the alias at input line 3 stands for too"
        );
        // Only the set is to blame: the alias after the anchored node that did not check
        // out is not taken for one of an anchor never read (an alias bomb).
        let text = "base: &base {a: 1}\nspec:\n  <<: *base\n  x: 1\n";
        let docs = Document::parse(text).unwrap();
        let root = &docs.roots()[0];
        let mut editor = docs.editor(root);
        editor
            .insert_entry(root.get("base").unwrap(), "b", json!(2))
            .unwrap();
        let edits = editor.finish();
        let out = edits.apply(text).unwrap();
        let findings = verify(
            text,
            docs.roots(),
            docs.anchors(),
            (&out, 1),
            &Combined::new(&[&edits]).unwrap(),
        );
        assert_eq!(findings.sets.len(), 1);
        assert!(
            findings.unattributed.is_none(),
            "{:?}",
            findings.unattributed
        );
        // Deeper inside the anchored node, and with the alias before nothing else.
        let what = refused("a: &m\n  b:\n  - x\nc: *m\n", |root, e| {
            let b = root.get("a").unwrap().get("b").unwrap();
            e.append_item(b, json!("y")).unwrap();
        });
        assert!(
            what.starts_with("an edit inside the node anchored"),
            "{what}"
        );
        // An anchor no alias uses may be edited.
        let text = "a: &m [x]\nc: [y]\n";
        let docs = Document::parse(text).unwrap();
        let root = &docs.roots()[0];
        let mut editor = docs.editor(root);
        editor
            .append_item(root.get("a").unwrap(), json!("z"))
            .unwrap();
        let edits = editor.finish();
        let out = edits.apply(text).unwrap();
        assert_eq!(out, "a: &m [x, z]\nc: [y]\n");
        assert!(verified(text, &docs, &out, &edits).is_ok());
    }

    #[test]
    fn an_anchored_node_edited_for_every_alias_checks_out_and_aliases_stand_for_it() {
        let text = "a:
  m: &m
  - x
  n: *m
b: *m
";
        let docs = Document::parse(text).unwrap();
        let root = &docs.roots()[0];
        let list = root.get("a").unwrap().get("m").unwrap();
        assert_eq!(docs.aliases_of(list).len(), 2);
        let edit = |for_all: bool| {
            let mut editor = docs.editor(root);
            editor.append_item(list, json!("y")).unwrap();
            if for_all {
                editor.for_every_alias(list);
            }
            editor.finish()
        };
        // Without the promise, refused as before.
        let edits = edit(false);
        let out = edits.apply(text).unwrap();
        assert!(verified(text, &docs, &out, &edits).is_err());
        // With it, the anchor is edited once and both aliases stand for the new list.
        let edits = edit(true);
        let out = edits.apply(text).unwrap();
        assert_eq!(out, "a:\n  m: &m\n  - x\n  - \"y\"\n  n: *m\nb: *m\n");
        assert!(verified(text, &docs, &out, &edits).is_ok());
        // The promise covers that anchor only: an edit inside another is still refused.
        let text = "a: &m [x]\nb: &k [z]\nc: [*m, *k]\n";
        let docs = Document::parse(text).unwrap();
        let root = &docs.roots()[0];
        let mut editor = docs.editor(root);
        editor
            .append_item(root.get("b").unwrap(), json!("w"))
            .unwrap();
        editor.for_every_alias(root.get("a").unwrap());
        let edits = editor.finish();
        let out = edits.apply(text).unwrap();
        assert!(verified(text, &docs, &out, &edits).is_err());
    }

    #[test]
    fn an_inserted_key_may_not_repeat_one_the_mapping_keeps() {
        let text = "a: {b: 1}\n";
        let docs = Document::parse(text).unwrap();
        let root = &docs.roots()[0];
        let mut editor = docs.editor(root);
        editor
            .insert_entry(root.get("a").unwrap(), "b", json!(2))
            .unwrap();
        let edits = editor.finish();
        let out = edits.apply(text).unwrap();
        assert_eq!(out, "a: {b: 1, b: 2}\n");
        let err = verified(text, &docs, &out, &edits).unwrap_err();
        assert!(err.what.contains("already has"), "{err}");
    }

    /// `TEXT` with `g:` and the items of a list inserted an item at a time, its edits,
    /// and the output.
    fn with_list(text: &str) -> (Document<'_>, Edits, String) {
        edited(text, |root, editor| {
            let mut list = NewList::default();
            list.push(&json!({"message": "one: two", "n": 1})).unwrap();
            list.push(&json!({"message": "three", "tags": ["a", "b"]}))
                .unwrap();
            editor.insert_list(root, "g", list).unwrap();
        })
    }

    #[test]
    fn a_list_inserted_an_item_at_a_time_is_the_list_as_one_value() {
        let (docs, edits, out) = with_list(TEXT);
        verified(TEXT, &docs, &out, &edits).unwrap();
        let root = &docs.roots()[0];
        let mut editor = docs.editor(root);
        let whole =
            json!([{"message": "one: two", "n": 1}, {"message": "three", "tags": ["a", "b"]}]);
        editor.insert_entry(root, "g", whole).unwrap();
        assert_eq!(out, editor.finish().apply(TEXT).unwrap());
        assert!(
            out.ends_with(
                "g:\n- message: \"one: two\"\n  \"n\": 1\n- message: three\n  tags:\n  - a\n  - b\n"
            ),
            "{out}"
        );
        // In a flow mapping (JSON), the list is written as one value.
        let (docs, edits, out) = with_list("{\"a\": 1}\n");
        verified("{\"a\": 1}\n", &docs, &out, &edits).unwrap();
        assert_eq!(
            out,
            "{\"a\": 1, \"g\": [{\"message\": \"one: two\", \"n\": 1}, {\"message\": \"three\", \"tags\": [\"a\", \"b\"]}]}\n"
        );
    }

    #[test]
    fn a_list_that_differs_from_its_items_is_caught() {
        let (docs, edits, out) = with_list(TEXT);
        let changes = [
            ("\"one: two\"", "one"),
            ("\"one: two\"", "'one: two'"),
            ("  \"n\": 1\n", "  n: 1\n"),
            ("  \"n\": 1\n", "  \"n\": 2\n"),
            ("- message: three\n", "- message: three\n  extra: 1\n"),
            ("  - b\n", ""),
            ("- message: three\n  tags:\n  - a\n  - b\n", ""),
            ("  - b\n", "  - b\n- message: four\n"),
            ("g:\n- ", "g: []\nh:\n- "),
        ];
        each_change_is_caught((TEXT, &docs, &edits, &out), &changes);
    }

    #[test]
    fn a_new_string_written_plain_where_a_reader_would_take_it_for_another_value_is_caught() {
        let text = "a: 1\n";
        let (docs, edits, out) = edited(text, |root, editor| {
            let value = json!({"n": "1.10", "v": "yes", "w": "plain", "x": "0644"});
            editor.insert_entry(root, "b", value).unwrap();
        });
        assert_eq!(
            out,
            "a: 1\nb:\n  \"n\": \"1.10\"\n  v: \"yes\"\n  w: plain\n  x: \"0644\"\n"
        );
        verified(text, &docs, &out, &edits).unwrap();
        // A parser of YAML 1.2 reads each of these as the same string; Kubernetes' reader,
        // or one of YAML 1.1, does not.
        let changes = [
            ("\"n\"", "n"),
            ("\"1.10\"", "1.10"),
            ("\"yes\"", "yes"),
            ("\"0644\"", "0644"),
            ("\"1.10\"", "'1.10'"),
            ("\"1.10\"", "!!str 1.10"),
        ];
        each_change_is_caught((text, &docs, &edits, &out), &changes);
    }
}
