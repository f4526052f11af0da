//! Checks an edited text against the original: re-parsed, it must be the original tree
//! plus exactly the recorded [`Op`]s, with every untouched scalar in the same text and
//! style. This is what lets the function fail closed instead of writing a wrong file.
//!
//! The output is checked as the parser reads it, event by event, against the input's
//! tree: no tree of the output is built, so the check costs one parse of the output
//! and little else. It holds the output to the limits [`tree::parse`] holds any input
//! to (nesting depth, what aliases stand for), so whatever passes here also parses.

use granit_parser::ScalarStyle;
use serde_json::Value;

use super::edit::{Combined, Op};
use super::tree::{self, Aliases, Document, Ev, Kind, MAX_DEPTH, Node, ParseError, Pos, Reader};

/// Where the edited text differs from what the edits promised.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("output line {line}: {what}")]
pub struct Mismatch {
    /// 1-based line in the output.
    pub line: usize,
    /// What differs.
    pub what: String,
}

impl From<ParseError> for Mismatch {
    fn from(e: ParseError) -> Self {
        Mismatch {
            line: e.line,
            what: format!("output does not parse: {e}"),
        }
    }
}

/// A child as it should be in the output.
enum Want<'n, 'a> {
    Old(&'n Node<'a>),
    New(&'n Value),
}

/// Compares the output `out_text` with the input `old_text` (whose documents are
/// `old_docs`) changed by `edits`: as many documents, each the input's plus exactly its
/// edits.
pub fn verify(
    old_text: &str,
    old_docs: &[Document<'_>],
    out_text: &str,
    edits: &Combined<'_>,
) -> Result<(), Mismatch> {
    let mut checker = Checker {
        old_text,
        out_text,
        edits,
        reader: Reader::new(out_text),
        aliases: Aliases::default(),
    };
    checker.stream(old_docs)
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
/// stands for, aliases expanded, as `tree::parse` counts them.
struct Checker<'x> {
    old_text: &'x str,
    out_text: &'x str,
    edits: &'x Combined<'x>,
    reader: Reader<'x>,
    aliases: Aliases,
}

impl<'x> Checker<'x> {
    fn fail<T>(&self, line: usize, what: impl Into<String>) -> Result<T, Mismatch> {
        Err(Mismatch {
            line,
            what: what.into(),
        })
    }

    /// The next child of the collection being read, at `depth`, or `None` where the
    /// collection ends.
    fn child(&mut self, depth: usize) -> Result<Option<Out<'x>>, Mismatch> {
        let (event, pos) = self.reader.next()?;
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
        self.old_text.get(old.start..old.end).unwrap_or_default()
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

    fn stream(&mut self, old_docs: &[Document<'_>]) -> Result<(), Mismatch> {
        let mut documents = 0;
        loop {
            let (event, pos) = self.reader.next()?;
            match event {
                Ev::StreamStart | Ev::DocumentEnd => {}
                Ev::DocumentStart => {
                    self.aliases.new_document();
                    let root = self.node(0, pos.line)?;
                    match old_docs.get(documents) {
                        Some(old) => self.old(&old.root, root, 0)?,
                        None => self.skip(&root, 0)?.0,
                    };
                    documents += 1;
                }
                Ev::StreamEnd if documents == old_docs.len() => return Ok(()),
                Ev::StreamEnd => break,
                other => return Err(tree::unexpected(&other, pos).into()),
            }
        }
        self.fail(
            0,
            format!("output has {documents} documents, input {}", old_docs.len()),
        )
    }

    /// Checks the output node `out` against `old` and its ops.
    fn old(&mut self, old: &Node<'_>, out: Out<'x>, depth: usize) -> Result<u64, Mismatch> {
        let ops = self.edits.ops(old);
        if let Some(op) = ops.iter().rev().find_map(|op| match op {
            Op::Replace(v) => Some(v),
            _ => None,
        }) {
            return self.new_value(op, out, depth);
        }
        if let Some(text) = ops.iter().rev().find_map(|op| match op {
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
                    style: s1,
                    tagged: t1,
                    ..
                },
                Ev::Scalar {
                    style: s2,
                    tagged: t2,
                    ..
                },
            ) => {
                if s1 != s2 || t1 != t2 || self.old_text(old) != self.out_text(&out) {
                    return self.fail(
                        out.line(),
                        format!(
                            "scalar `{}` (line {}) changed",
                            self.old_text(old),
                            old.line
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
                    format!("node from input line {} changed kind", old.line),
                );
            }
        };
        self.aliases.anchored(out.event.anchor(), size);
        Ok(size)
    }

    /// The entries of a mapping whose ops remove or insert some.
    fn edited_map(
        &mut self,
        entries: &[(Node<'_>, Node<'_>)],
        ops: &[&Op],
        out: &Out<'_>,
        depth: usize,
    ) -> Result<u64, Mismatch> {
        let mut want: Vec<(Want, Want)> = entries
            .iter()
            .map(|(k, v)| (Want::Old(k), Want::Old(v)))
            .collect();
        let mut keys: Vec<Value> = Vec::new();
        let mut removed = Vec::new();
        for op in ops {
            match op {
                Op::RemoveEntry(i) => removed.push(*i),
                Op::InsertEntry(k, _) => keys.push(Value::String(k.clone())),
                _ => {}
            }
        }
        let mut index = 0;
        want.retain(|_| {
            index += 1;
            !removed.contains(&(index - 1))
        });
        let mut inserted = ops.iter().filter_map(|op| match op {
            Op::InsertEntry(_, v) => Some(v),
            _ => None,
        });
        for key in &keys {
            if let Some(v) = inserted.next() {
                want.push((Want::New(key), Want::New(v)));
            }
        }
        // A key inserted where the mapping keeps one of the same value would make the
        // output invalid YAML (and Kubernetes refuses it) even though every entry is
        // where it should be.
        fn text_of<'w>(w: &'w Want<'_, '_>) -> Option<&'w str> {
            match w {
                Want::Old(n) => n.as_str(),
                Want::New(v) => v.as_str(),
            }
        }
        for key in &keys {
            if want
                .iter()
                .filter(|(k, _)| text_of(k) == key.as_str())
                .count()
                > 1
            {
                return self.fail(
                    out.line(),
                    format!("an edit inserts the key {key}, which the mapping already has"),
                );
            }
        }
        let mut size: u64 = 1;
        for (i, (wk, wv)) in want.iter().enumerate() {
            let Some(key) = self.child(depth + 1)? else {
                return self.fail(
                    out.line(),
                    format!("mapping has {i} entries, expected {}", want.len()),
                );
            };
            size = size.saturating_add(self.want(wk, key, depth + 1)?);
            let value = self.node(depth + 1, out.line())?;
            size = size.saturating_add(self.want(wv, value, depth + 1)?);
        }
        self.end(out, depth, want.len())?;
        Ok(size)
    }

    /// The items of a sequence whose ops remove or append some.
    fn edited_seq(
        &mut self,
        items: &[Node<'_>],
        ops: &[&Op],
        out: &Out<'_>,
        depth: usize,
    ) -> Result<u64, Mismatch> {
        let removed: Vec<usize> = ops
            .iter()
            .filter_map(|op| match op {
                Op::RemoveItem(i) => Some(*i),
                _ => None,
            })
            .collect();
        let want: Vec<Want> = items
            .iter()
            .enumerate()
            .filter(|(i, _)| !removed.contains(i))
            .map(|(_, n)| Want::Old(n))
            .chain(ops.iter().filter_map(|op| match op {
                Op::AppendItem(v) => Some(Want::New(v)),
                _ => None,
            }))
            .collect();
        let mut size: u64 = 1;
        for (i, w) in want.iter().enumerate() {
            let Some(node) = self.child(depth + 1)? else {
                return self.fail(
                    out.line(),
                    format!("list has {i} items, expected {}", want.len()),
                );
            };
            size = size.saturating_add(self.want(w, node, depth + 1)?);
        }
        self.end(out, depth, want.len())?;
        Ok(size)
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

    fn want(&mut self, want: &Want<'_, '_>, out: Out<'x>, depth: usize) -> Result<u64, Mismatch> {
        match want {
            Want::Old(n) => self.old(n, out, depth),
            Want::New(v) => self.new_value(v, out, depth),
        }
    }

    /// Checks that the output node `out` is `value`, as the renderer writes it.
    fn new_value(&mut self, value: &Value, out: Out<'x>, depth: usize) -> Result<u64, Mismatch> {
        let differs = |out: &Out<'_>| Mismatch {
            line: out.line(),
            what: format!("expected the new value {value}"),
        };
        let ok = match value {
            Value::Null => out.is_null(),
            Value::Bool(b) => out.is_plain(if *b { "true" } else { "false" }),
            Value::Number(n) => out.is_plain(&n.to_string()),
            Value::String(s) => matches!(&out.event, Ev::Scalar {
                value, style: ScalarStyle::Plain | ScalarStyle::DoubleQuoted, tagged: false, ..
            } if value == s),
            Value::Array(items) if matches!(out.event, Ev::SeqStart { .. }) => {
                let mut size: u64 = 1;
                for item in items {
                    let Some(node) = self.child(depth + 1)? else {
                        return Err(differs(&out));
                    };
                    size = size.saturating_add(self.new_value(item, node, depth + 1)?);
                }
                if self.child(depth + 1)?.is_some() {
                    return Err(differs(&out));
                }
                self.aliases.anchored(out.event.anchor(), size);
                return Ok(size);
            }
            Value::Object(map) if matches!(out.event, Ev::MapStart { .. }) => {
                let mut size: u64 = 1;
                for (k, v) in map {
                    let Some(key) = self.child(depth + 1)? else {
                        return Err(differs(&out));
                    };
                    if !matches!(&key.event, Ev::Scalar { value, .. } if value == k) {
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
    use crate::yaml::edit::{Editor, Edits};
    use crate::yaml::render::Layout;
    use crate::yaml::tree::parse;
    use serde_json::json;
    use std::sync::Arc;

    const TEXT: &str = "a: 1.10\nb:\n- x\nc: {d: 'yes'}\n";

    fn edits(text: &str) -> (Vec<crate::yaml::tree::Document<'_>>, Edits) {
        let docs = parse(text).unwrap();
        let mut editor = Editor::new(text, Layout::default());
        let root = &docs[0].root;
        editor
            .append_item(root.get("b").unwrap(), Arc::new(json!({"k": "v"})))
            .unwrap();
        editor
            .insert_entry(root.get("c").unwrap(), "e", Arc::new(json!(false)))
            .unwrap();
        editor
            .insert_entry(root, "f", Arc::new(json!([1])))
            .unwrap();
        let edits = editor.finish();
        (docs, edits)
    }

    fn check(out: &str) -> Result<(), Mismatch> {
        let (docs, edits) = edits(TEXT);
        verify(TEXT, &docs, out, &Combined::new(&[&edits]).unwrap())
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
            "output line 0: output has 2 documents, input 1"
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
        let docs = parse(&text).unwrap();
        let mut node = &docs[0].root;
        while let Some(inner) = node.get("a").filter(|n| n.entries().is_some()) {
            node = inner;
        }
        let mut editor = Editor::new(&text, Layout::default());
        editor
            .insert_entry(node, "b", Arc::new(json!({"c": {"d": 1}})))
            .unwrap();
        let edits = editor.finish();
        let out = edits.apply(&text).unwrap();
        assert!(parse(&out).is_err());
        let err = verify(&text, &docs, &out, &Combined::new(&[&edits]).unwrap()).unwrap_err();
        assert!(err.what.contains("output does not parse"), "{err}");

        // Aliases of an anchor that an edit makes larger.
        let count = tree::MAX_ALIAS_EXPANSION / 3;
        let text = format!("x: &x {{a: 1}}\ny:\n{}", "- *x\n".repeat(count as usize));
        let docs = parse(&text).unwrap();
        let mut editor = Editor::new(&text, Layout::default());
        editor
            .insert_entry(docs[0].root.get("x").unwrap(), "b", Arc::new(json!(2)))
            .unwrap();
        let edits = editor.finish();
        let out = edits.apply(&text).unwrap();
        assert!(parse(&out).is_err());
        let err = verify(&text, &docs, &out, &Combined::new(&[&edits]).unwrap()).unwrap_err();
        assert!(err.what.contains("alias bomb"), "{err}");
    }

    #[test]
    fn an_inserted_key_may_not_repeat_one_the_mapping_keeps() {
        let text = "a: {b: 1}\n";
        let docs = parse(text).unwrap();
        let mut editor = Editor::new(text, Layout::default());
        editor
            .insert_entry(docs[0].root.get("a").unwrap(), "b", Arc::new(json!(2)))
            .unwrap();
        let edits = editor.finish();
        let out = edits.apply(text).unwrap();
        assert_eq!(out, "a: {b: 1, b: 2}\n");
        let err = verify(text, &docs, &out, &Combined::new(&[&edits]).unwrap()).unwrap_err();
        assert!(err.what.contains("already has"), "{err}");
    }
}
