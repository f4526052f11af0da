//! Checks an edited text against the original: re-parsed, it must be the original tree
//! plus exactly the recorded [`Op`]s, with every untouched scalar in the same text and
//! style. This is what lets the function fail closed instead of writing a wrong file.

use granit_parser::ScalarStyle;
use serde_json::Value;

use super::edit::{Edits, Op, node_id};
use super::tree::{Kind, Node};

/// Where the edited text differs from what the edits promised.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("output line {line}: {what}")]
pub struct Mismatch {
    /// 1-based line in the output.
    pub line: usize,
    /// What differs.
    pub what: String,
}

/// A child as it should be in the output.
enum Want<'n, 'a> {
    Old(&'n Node<'a>),
    New(&'n Value),
}

/// Compares the output tree `out` (over `out_text`) with the input tree `old` (over
/// `old_text`) changed by `edits`.
pub fn verify(
    old_text: &str,
    old: &Node<'_>,
    out_text: &str,
    out: &Node<'_>,
    edits: &Edits,
) -> Result<(), Mismatch> {
    Checker {
        old_text,
        out_text,
        edits,
    }
    .old(old, out)
}

struct Checker<'x> {
    old_text: &'x str,
    out_text: &'x str,
    edits: &'x Edits,
}

impl Checker<'_> {
    fn fail<T>(&self, out: &Node<'_>, what: impl Into<String>) -> Result<T, Mismatch> {
        Err(Mismatch {
            line: out.line,
            what: what.into(),
        })
    }

    fn old(&self, old: &Node<'_>, out: &Node<'_>) -> Result<(), Mismatch> {
        let ops = self
            .edits
            .ops()
            .get(&node_id(old))
            .map(Vec::as_slice)
            .unwrap_or_default();
        if let Some(op) = ops.iter().rev().find_map(|op| match op {
            Op::Replace(v) => Some(v),
            _ => None,
        }) {
            return self.new_value(op, out);
        }
        if let Some(text) = ops.iter().rev().find_map(|op| match op {
            Op::ReplaceScalar(t) => Some(t),
            _ => None,
        }) {
            return match out.kind {
                Kind::Scalar { .. }
                    if self.out_text.get(out.start..out.end) == Some(text.as_str()) =>
                {
                    Ok(())
                }
                _ => self.fail(out, format!("expected the scalar `{text}`")),
            };
        }
        match (&old.kind, &out.kind) {
            (
                Kind::Scalar {
                    style: s1,
                    tagged: t1,
                    ..
                },
                Kind::Scalar {
                    style: s2,
                    tagged: t2,
                    ..
                },
            ) => {
                if s1 != s2
                    || t1 != t2
                    || self.old_text.get(old.start..old.end)
                        != self.out_text.get(out.start..out.end)
                {
                    return self.fail(
                        out,
                        format!(
                            "scalar `{}` (line {}) changed",
                            self.old_text.get(old.start..old.end).unwrap_or_default(),
                            old.line
                        ),
                    );
                }
                Ok(())
            }
            (Kind::Alias(_), Kind::Alias(_)) => {
                if self.old_text.get(old.start..old.end) != self.out_text.get(out.start..out.end) {
                    return self.fail(out, "alias changed");
                }
                Ok(())
            }
            (
                Kind::Map {
                    flow: f1,
                    entries: e1,
                    ..
                },
                Kind::Map {
                    flow: f2,
                    entries: e2,
                    ..
                },
            ) => {
                if f1 != f2 {
                    return self.fail(out, "mapping changed style");
                }
                let mut want: Vec<(Want, Want)> = e1
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
                if want.len() != e2.len() {
                    return self.fail(
                        out,
                        format!("mapping has {} entries, expected {}", e2.len(), want.len()),
                    );
                }
                for ((wk, wv), (k, v)) in want.iter().zip(e2) {
                    self.want(wk, k)?;
                    self.want(wv, v)?;
                }
                Ok(())
            }
            (
                Kind::Seq {
                    flow: f1,
                    items: i1,
                    ..
                },
                Kind::Seq {
                    flow: f2,
                    items: i2,
                    ..
                },
            ) => {
                if f1 != f2 {
                    return self.fail(out, "list changed style");
                }
                let removed: Vec<usize> = ops
                    .iter()
                    .filter_map(|op| match op {
                        Op::RemoveItem(i) => Some(*i),
                        _ => None,
                    })
                    .collect();
                let want: Vec<Want> = i1
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| !removed.contains(i))
                    .map(|(_, n)| Want::Old(n))
                    .chain(ops.iter().filter_map(|op| match op {
                        Op::AppendItem(v) => Some(Want::New(v)),
                        _ => None,
                    }))
                    .collect();
                if want.len() != i2.len() {
                    return self.fail(
                        out,
                        format!("list has {} items, expected {}", i2.len(), want.len()),
                    );
                }
                for (w, n) in want.iter().zip(i2) {
                    self.want(w, n)?;
                }
                Ok(())
            }
            _ => self.fail(
                out,
                format!("node from input line {} changed kind", old.line),
            ),
        }
    }

    fn want(&self, want: &Want<'_, '_>, out: &Node<'_>) -> Result<(), Mismatch> {
        match want {
            Want::Old(n) => self.old(n, out),
            Want::New(v) => self.new_value(v, out),
        }
    }

    fn new_value(&self, value: &Value, out: &Node<'_>) -> Result<(), Mismatch> {
        let plain = |s: &str| match &out.kind {
            Kind::Scalar {
                value,
                style: ScalarStyle::Plain,
                tagged: false,
                ..
            } => value == s,
            _ => false,
        };
        let ok = match value {
            Value::Null => out.is_null(),
            Value::Bool(b) => plain(if *b { "true" } else { "false" }),
            Value::Number(n) => plain(&n.to_string()),
            Value::String(s) => matches!(&out.kind, Kind::Scalar {
                value, style: ScalarStyle::Plain | ScalarStyle::DoubleQuoted, tagged: false, ..
            } if value == s),
            Value::Array(items) => match &out.kind {
                Kind::Seq { items: got, .. } if got.len() == items.len() => {
                    for (v, n) in items.iter().zip(got) {
                        self.new_value(v, n)?;
                    }
                    true
                }
                _ => false,
            },
            Value::Object(map) => match &out.kind {
                Kind::Map { entries, .. } if entries.len() == map.len() => {
                    for ((k, v), (kn, vn)) in map.iter().zip(entries) {
                        if kn.as_str() != Some(k) {
                            return self.fail(kn, format!("expected key `{k}`"));
                        }
                        self.new_value(v, vn)?;
                    }
                    true
                }
                _ => false,
            },
        };
        if ok {
            Ok(())
        } else {
            self.fail(out, format!("expected the new value {value}"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::edit::Editor;
    use crate::yaml::render::Layout;
    use crate::yaml::tree::parse;
    use serde_json::json;

    const TEXT: &str = "a: 1.10\nb:\n- x\nc: {d: 'yes'}\n";

    fn edits(text: &str) -> (Vec<crate::yaml::tree::Document<'_>>, Edits) {
        let docs = parse(text).unwrap();
        let mut editor = Editor::new(text, Layout::default());
        let root = &docs[0].root;
        editor
            .append_item(root.get("b").unwrap(), &json!({"k": "v"}))
            .unwrap();
        editor
            .insert_entry(root.get("c").unwrap(), "e", &json!(false))
            .unwrap();
        editor.insert_entry(root, "f", &json!([1])).unwrap();
        let edits = editor.finish();
        (docs, edits)
    }

    fn check(out: &str) -> Result<(), Mismatch> {
        let (docs, edits) = edits(TEXT);
        let out_docs = parse(out).unwrap();
        verify(TEXT, &docs[0].root, out, &out_docs[0].root, &edits)
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
}
