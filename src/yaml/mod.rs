//! Lossless YAML editing: a span-keeping [`tree`], a writer for new values
//! ([`render`]), edits spliced into the original bytes ([`edit`]) and a check of the
//! result against the input ([`verify`]).

pub mod edit;
pub mod render;
pub mod tree;
pub mod value;
pub mod verify;

use render::Layout;
use tree::{Kind, Node};

/// Measures how `node` (a part of the document whose root is `root`) lays out its block
/// collections and which line break the text uses, so that new text looks like its
/// neighbours.
pub fn measure_layout(text: &str, root: &Node<'_>, node: &Node<'_>) -> Layout {
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
                    style: granit_parser::ScalarStyle::DoubleQuoted,
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
    if (indent.is_some() && seq.is_some()) || depth > tree::MAX_DEPTH {
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
                        *indent = v.col.checked_sub(k.col).filter(|&n| n > 0);
                    }
                    Kind::Seq {
                        flow: false, items, ..
                    } if seq.is_none() && v.line > k.line => {
                        if let Some(first) = items.first() {
                            let before = text.get(..first.start).unwrap_or_default();
                            let trimmed = before.trim_end_matches(' ');
                            if trimmed.ends_with('-') {
                                let gap = before.len() - trimmed.len() + 1;
                                let dash_col = first.col.saturating_sub(gap);
                                if let Some(offset) = dash_col.checked_sub(k.col) {
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

    fn layout(text: &str) -> Layout {
        let docs = tree::parse(text).unwrap();
        measure_layout(text, &docs[0].root, &docs[0].root)
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
