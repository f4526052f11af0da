//! Writes new values as YAML text that fits where it goes: block style among block
//! siblings, flow style (JSON when the document is JSON) inside flow collections.
//!
//! Only the values this function adds pass through here (the token volume, its mounts,
//! `false`, results), so the writer covers JSON values and nothing more.

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
    if !json && is_plain_safe(s) {
        s.to_owned()
    } else {
        // A JSON string is a valid YAML double-quoted scalar.
        Value::String(s.to_owned()).to_string()
    }
}

fn is_plain_safe(s: &str) -> bool {
    let mut chars = s.chars();
    let Some(first) = chars.next() else {
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
    !matches!(
        s.to_ascii_lowercase().as_str(),
        "true" | "false" | "yes" | "no" | "on" | "off" | "y" | "n" | "null" | ".inf" | ".nan"
    )
}

fn scalar(v: &Value, json: bool) -> Option<String> {
    match v {
        Value::Null => Some("null".into()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) => Some(scalar_str(s, json)),
        Value::Array(a) if a.is_empty() => Some("[]".into()),
        Value::Object(o) if o.is_empty() => Some("{}".into()),
        _ => None,
    }
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
                out.push_str(&scalar_str(k, json));
                out.push_str(": ");
                write_flow(out, item, json);
            }
            out.push('}');
        }
        other => out.push_str(&scalar(other, json).unwrap_or_default()),
    }
}

/// The text that follows `key` in a block mapping whose keys sit at column `key_col`:
/// `: value` for a scalar, or `:` and indented lines for a collection.
pub fn block_after_key(v: &Value, key_col: usize, layout: &Layout) -> String {
    let mut out = String::from(":");
    match v {
        Value::Object(map) if !map.is_empty() => {
            out.push_str(layout.newline);
            write_block(&mut out, v, key_col + layout.indent, false, layout);
        }
        Value::Array(items) if !items.is_empty() => {
            out.push_str(layout.newline);
            write_block(&mut out, v, key_col + layout.seq_offset, false, layout);
        }
        other => {
            out.push(' ');
            out.push_str(&scalar(other, false).unwrap_or_default());
        }
    }
    out
}

/// A value whose first line continues a line already written up to column `col`
/// (after `- `, or in place of a replaced node); later lines are indented to `col`.
pub fn block_inline(v: &Value, col: usize, layout: &Layout) -> String {
    let mut out = String::new();
    write_block(&mut out, v, col, true, layout);
    out
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
                out.extend(std::iter::repeat_n(' ', col));
            }
        } else {
            out.push_str(layout.newline);
            out.extend(std::iter::repeat_n(' ', col));
        }
    };
    match v {
        Value::Object(map) if !map.is_empty() => {
            for (k, item) in map {
                line_start(out);
                out.push_str(&scalar_str(k, false));
                out.push_str(&block_after_key(item, col, layout));
            }
        }
        Value::Array(items) if !items.is_empty() => {
            for item in items {
                line_start(out);
                out.push('-');
                out.extend(std::iter::repeat_n(
                    ' ',
                    layout.gap.saturating_sub(1).max(1),
                ));
                write_block(out, item, col + layout.gap.max(2), true, layout);
            }
        }
        other => {
            line_start(out);
            out.push_str(&scalar(other, false).unwrap_or_default());
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
