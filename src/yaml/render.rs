//! Writes new values as YAML text that fits where it goes: block style among block
//! siblings, flow style (JSON when the document is JSON) inside flow collections.
//!
//! Only the values this function adds pass through here (the token volume, its mounts,
//! `false`, results), so the writer covers JSON values and nothing more.

use std::fmt::Write as _;

use serde_json::Value;

use super::tree::{Kind, MAX_DEPTH, Node, ScalarStyle};

/// How a document lays out block collections, measured from its own text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    /// Columns between a key and the keys of a block mapping under it.
    pub indent: usize,
    /// Columns between a key and the `-` of a block sequence under it (0: indentless).
    pub seq_offset: usize,
    /// Columns from a `-` to its item's content.
    pub gap: usize,
    /// Line break used by the document.
    pub newline: &'static str,
    /// Whether flow collections are written as JSON (double-quoted keys and strings).
    pub json: bool,
}

impl Default for Layout {
    fn default() -> Self {
        Layout {
            indent: 2,
            seq_offset: 0,
            gap: 2,
            newline: "\n",
            json: false,
        }
    }
}

/// A string as a scalar: plain when no YAML reader (1.1 or 1.2) could take it for
/// anything but that string, double-quoted otherwise.
pub fn scalar_str(s: &str, json: bool) -> String {
    let mut out = String::new();
    push_scalar_str(&mut out, s, json);
    out
}

// Everything below writes into one buffer: new text is made for every Pod template and
// every result, and a string per scalar would cost more than the writing.

fn push_scalar_str(out: &mut String, s: &str, json: bool) {
    if !json && reads_only_as_string(s) {
        out.push_str(s);
    } else {
        // A JSON string is a valid YAML double-quoted scalar.
        out.push_str(&serde_json::to_string(s).unwrap_or_default());
    }
}

/// Whether `s`, written as a plain scalar, reads as that string to every YAML reader, 1.1
/// or 1.2: the renderer writes such strings plain and quotes every other, and the check
/// of the output holds a new plain string to the same.
pub(super) fn reads_only_as_string(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    if !(first.is_ascii_alphabetic() || first == '/') {
        return false;
    }
    if !s
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '/' | '-'))
    {
        return false;
    }
    ![
        "true", "false", "yes", "no", "on", "off", "y", "n", "null", ".inf", ".nan",
    ]
    .iter()
    .any(|word| s.eq_ignore_ascii_case(word))
}

/// Writes a scalar (or an empty collection); false for a non-empty collection.
fn push_scalar(out: &mut String, v: &Value, json: bool) -> bool {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            // Writing to a String cannot fail.
            let _ = write!(out, "{n}");
        }
        Value::String(s) => push_scalar_str(out, s, json),
        Value::Array(a) if a.is_empty() => out.push_str("[]"),
        Value::Object(o) if o.is_empty() => out.push_str("{}"),
        _ => return false,
    }
    true
}

/// A value in flow style on one line.
pub fn flow(v: &Value, json: bool) -> String {
    let mut out = String::new();
    write_flow(&mut out, v, json);
    out
}

fn write_flow(out: &mut String, v: &Value, json: bool) {
    match v {
        Value::Array(items) if !items.is_empty() => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_flow(out, item, json);
            }
            out.push(']');
        }
        Value::Object(map) if !map.is_empty() => {
            out.push('{');
            for (i, (k, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                push_scalar_str(out, k, json);
                out.push_str(": ");
                write_flow(out, item, json);
            }
            out.push('}');
        }
        other => {
            push_scalar(out, other, json);
        }
    }
}

/// Writes the text that follows `key` in a block mapping whose keys sit at column
/// `key_col`: `: value` for a scalar, or `:` and indented lines for a collection.
pub fn block_after_key(out: &mut String, v: &Value, key_col: usize, layout: &Layout) {
    out.push(':');
    match v {
        Value::Object(map) if !map.is_empty() => {
            out.push_str(layout.newline);
            write_block(out, v, key_col + layout.indent, false, layout);
        }
        Value::Array(items) if !items.is_empty() => {
            out.push_str(layout.newline);
            write_block(out, v, key_col + layout.seq_offset, false, layout);
        }
        other => {
            out.push(' ');
            push_scalar(out, other, false);
        }
    }
}

/// [`block_after_key`] for a list given as its items, each rendered as it is reached
/// and dropped: the same text as for the list as one value. `None` where an item is
/// `None`.
pub fn list_after_key(
    out: &mut String,
    items: impl Iterator<Item = Option<Value>>,
    key_col: usize,
    layout: &Layout,
) -> Option<()> {
    let start = out.len();
    out.push(':');
    let mut empty = true;
    let col = key_col + layout.seq_offset;
    for item in items {
        out.push_str(layout.newline);
        spaces(out, col);
        push_item(out, &item?, col, layout);
        empty = false;
    }
    if empty {
        out.truncate(start);
        block_after_key(out, &Value::Array(Vec::new()), key_col, layout);
    }
    Some(())
}

/// A value whose first line continues a line already written up to column `col`
/// (after `- `, or in place of a replaced node); later lines are indented to `col`.
pub fn block_inline(v: &Value, col: usize, layout: &Layout) -> String {
    let mut out = String::new();
    write_block(&mut out, v, col, true, layout);
    out
}

fn spaces(out: &mut String, n: usize) {
    out.extend(std::iter::repeat_n(' ', n));
}

/// Writes a block value whose lines start at column `col`; with `inline`, the first line
/// continues the current one, else the current line is empty.
fn write_block(out: &mut String, v: &Value, col: usize, inline: bool, layout: &Layout) {
    // The caller has written everything up to the first line's content (`inline`) or up
    // to its start; every later line starts afresh.
    let mut first = true;
    let mut line_start = |out: &mut String| {
        if std::mem::take(&mut first) {
            if !inline {
                spaces(out, col);
            }
        } else {
            out.push_str(layout.newline);
            spaces(out, col);
        }
    };
    match v {
        Value::Object(map) if !map.is_empty() => {
            for (k, item) in map {
                line_start(out);
                push_scalar_str(out, k, false);
                block_after_key(out, item, col, layout);
            }
        }
        Value::Array(items) if !items.is_empty() => {
            for item in items {
                line_start(out);
                push_item(out, item, col, layout);
            }
        }
        other => {
            line_start(out);
            push_scalar(out, other, false);
        }
    }
}

/// Writes `item` as an item of a block list whose dashes are at column `col`, on a line
/// that the caller has written up to that column.
fn push_item(out: &mut String, item: &Value, col: usize, layout: &Layout) {
    out.push('-');
    spaces(out, layout.gap.saturating_sub(1).max(1));
    write_block(out, item, col + layout.gap.max(2), true, layout);
}

/// Measures how `node` (a part of the document whose root is `root`) lays out its block
/// collections and which line break the text uses, so that new text looks like its
/// neighbours.
pub(super) fn measure_layout(text: &str, root: &Node<'_>, node: &Node<'_>) -> Layout {
    let mut layout = Layout {
        newline: if first_line_break_is_crlf(text) {
            "\r\n"
        } else {
            "\n"
        },
        json: is_json(root),
        ..Layout::default()
    };
    let (mut indent, mut seq) = (None, None);
    measure(text, node, &mut indent, &mut seq, 0);
    if let Some(indent) = indent {
        layout.indent = indent;
    }
    if let Some((offset, gap)) = seq {
        layout.seq_offset = offset;
        layout.gap = gap;
    }
    layout
}

/// The indentation [`measure_layout`] would find in `node`: that of its first block
/// mapping nested under a key, if any.
pub(super) fn nested_indent(text: &str, node: &Node<'_>) -> Option<usize> {
    // A sequence layout taken as found already, so that only the indentation is sought.
    let (mut indent, mut seq) = (None, Some((0, 0)));
    measure(text, node, &mut indent, &mut seq, 0);
    indent
}

fn first_line_break_is_crlf(text: &str) -> bool {
    text.find('\n')
        .is_some_and(|i| i > 0 && text.as_bytes().get(i - 1) == Some(&b'\r'))
}

/// A document is JSON when its root is a flow mapping with double-quoted keys.
fn is_json(root: &Node<'_>) -> bool {
    match &root.kind {
        Kind::Map {
            flow: true,
            entries,
            ..
        } => entries.first().is_none_or(|(k, _)| {
            matches!(
                k.kind,
                Kind::Scalar {
                    style: ScalarStyle::DoubleQuoted,
                    ..
                }
            )
        }),
        _ => false,
    }
}

/// Finds the first block mapping nested under a key (its indent) and the first block
/// sequence under a key (the offset of its `-` and the gap to the item).
fn measure(
    text: &str,
    node: &Node<'_>,
    indent: &mut Option<usize>,
    seq: &mut Option<(usize, usize)>,
    depth: usize,
) {
    if (indent.is_some() && seq.is_some()) || depth > MAX_DEPTH {
        return;
    }
    match &node.kind {
        Kind::Map {
            flow: false,
            entries,
            ..
        } => {
            for (k, v) in entries {
                match &v.kind {
                    Kind::Map { flow: false, .. } if indent.is_none() && v.line > k.line => {
                        *indent = v
                            .col
                            .checked_sub(k.col)
                            .map(|n| n as usize)
                            .filter(|&n| n > 0);
                    }
                    Kind::Seq {
                        flow: false, items, ..
                    } if seq.is_none() && v.line > k.line => {
                        if let Some(first) = items.first() {
                            let before = text.get(..first.start).unwrap_or_default();
                            let trimmed = before.trim_end_matches(' ');
                            if trimmed.ends_with('-') {
                                let gap = before.len() - trimmed.len() + 1;
                                let dash_col = (first.col as usize).saturating_sub(gap);
                                if let Some(offset) = dash_col.checked_sub(k.col as usize) {
                                    *seq = Some((offset, gap));
                                }
                            }
                        }
                    }
                    _ => {}
                }
                measure(text, v, indent, seq, depth + 1);
            }
        }
        Kind::Seq { items, .. } => {
            for item in items {
                measure(text, item, indent, seq, depth + 1);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn strings_that_could_read_as_something_else_are_quoted() {
        for s in [
            "yes", "On", "420", "", "1.10", "-x", "a b", "x:y", "null", "0644",
        ] {
            assert!(scalar_str(s, false).starts_with('"'), "{s}");
        }
        for s in [
            "kube-api-access",
            "/var/run/x",
            "ca.crt",
            "metadata.namespace",
        ] {
            assert_eq!(scalar_str(s, false), s);
        }
    }

    #[test]
    fn block_mapping_in_a_sequence_item() {
        let v = json!({"name": "v", "projected": {"sources": [{"a": 1}], "defaultMode": 420}});
        let text = format!("- {}", block_inline(&v, 2, &Layout::default()));
        assert_eq!(
            text,
            "- name: v\n  projected:\n    defaultMode: 420\n    sources:\n    - a: 1"
        );
    }

    #[test]
    fn indented_sequences_and_wide_gaps_follow_the_layout() {
        let layout = Layout {
            indent: 4,
            seq_offset: 4,
            gap: 4,
            ..Layout::default()
        };
        let v = json!([{"a": [1, 2]}]);
        let mut text = String::from("k");
        block_after_key(&mut text, &v, 0, &layout);
        assert_eq!(text, "k:\n    -   a:\n            -   1\n            -   2");
    }

    #[test]
    fn flow_json_quotes_keys() {
        assert_eq!(
            flow(&json!({"a": [true, "x"]}), true),
            r#"{"a": [true, "x"]}"#
        );
        assert_eq!(flow(&json!({"a": [true, "x"]}), false), "{a: [true, x]}");
    }

    fn layout(text: &str) -> Layout {
        let parsed = super::super::tree::parse(text).unwrap();
        measure_layout(text, &parsed.roots[0], &parsed.roots[0])
    }

    #[test]
    fn measures_indentless_and_indented_styles() {
        let l = layout("a:\n  b:\n  - x\n");
        assert_eq!((l.indent, l.seq_offset, l.gap), (2, 0, 2));
        let l = layout("a:\n    b:\n        -   x\n");
        assert_eq!((l.indent, l.seq_offset, l.gap), (4, 4, 4));
        let l = layout("a:\r\n  - x\r\n");
        assert_eq!((l.seq_offset, l.newline), (2, "\r\n"));
        assert!(layout(r#"{"a": 1}"#).json);
    }
}
