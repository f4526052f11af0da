//! Writes new values as YAML text that fits where it goes: block style among block
//! siblings, flow style (JSON when the document is JSON) inside flow collections.
//!
//! Only the values this function adds pass through here (the token volume, its mounts,
//! `false`, results), so the writer covers JSON values and nothing more.

use std::fmt::Write as _;

use serde_json::Value;

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
    if !json && is_plain_safe(s) {
        out.push_str(s);
    } else {
        // A JSON string is a valid YAML double-quoted scalar.
        out.push_str(&serde_json::to_string(s).unwrap_or_default());
    }
}

fn is_plain_safe(s: &str) -> bool {
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

/// The text that follows `key` in a block mapping whose keys sit at column `key_col`:
/// `: value` for a scalar, or `:` and indented lines for a collection.
pub fn block_after_key(v: &Value, key_col: usize, layout: &Layout) -> String {
    let mut out = String::new();
    push_after_key(&mut out, v, key_col, layout);
    out
}

fn push_after_key(out: &mut String, v: &Value, key_col: usize, layout: &Layout) {
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
                push_after_key(out, item, col, layout);
            }
        }
        Value::Array(items) if !items.is_empty() => {
            for item in items {
                line_start(out);
                out.push('-');
                spaces(out, layout.gap.saturating_sub(1).max(1));
                write_block(out, item, col + layout.gap.max(2), true, layout);
            }
        }
        other => {
            line_start(out);
            push_scalar(out, other, false);
        }
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
        assert_eq!(
            format!("k{}", block_after_key(&v, 0, &layout)),
            "k:\n    -   a:\n            -   1\n            -   2"
        );
    }

    #[test]
    fn flow_json_quotes_keys() {
        assert_eq!(
            flow(&json!({"a": [true, "x"]}), true),
            r#"{"a": [true, "x"]}"#
        );
        assert_eq!(flow(&json!({"a": [true, "x"]}), false), "{a: [true, x]}");
    }
}
