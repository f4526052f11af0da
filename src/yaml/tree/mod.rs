//! A read-only syntax tree over YAML text: every node keeps its byte span, its style and
//! an id given at parse time.
//!
//! The tree is built from `granit-parser` events and never owns the text it describes,
//! so the editor can splice new text into the original bytes and the verifier can compare
//! two texts node by node. Aliases are kept as aliases, never expanded, so an alias bomb
//! costs no more than its own text.
//!
//! The parts: [`node`] (the tree and its limits), [`reader`] (parser events reduced to
//! what the tree needs, with their positions), [`build`] (events into nodes) and
//! [`validate`] (what the builder refuses as it reads).

mod build;
mod node;
mod reader;
mod validate;

#[cfg(test)]
pub(super) use build::parse;
pub(super) use build::parse_piece;
pub(super) use node::{AliasSite, AnchorSite, Kind};
pub use node::{MAX_ALIAS_EXPANSION, MAX_DEPTH, Node, NodeId, ParseError, ScalarStyle};
use reader::at_line_start;
pub(super) use reader::{Ev, Pos, Reader, line_start, lone_carriage_return, position};
use validate::check_unique;
pub(super) use validate::{Aliases, too_deep, unexpected};

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn root(text: &str) -> Node<'_> {
        parse(text).unwrap().roots.remove(0)
    }

    #[test]
    fn block_collections_end_at_their_last_child() {
        let text = "a:\n  b: 1\n  c: [x]\n# after\nd: 2\n";
        let doc = root(text);
        let a = doc.get("a").unwrap();
        assert_eq!(&text[a.span()], "b: 1\n  c: [x]");
        assert_eq!(a.column(), 3);
        let c = a.get("c").unwrap();
        assert_eq!(&text[c.span()], "[x]");
    }

    #[test]
    fn an_empty_value_with_an_anchor_ends_past_its_anchor() {
        // Found by fuzzing: the root mapping ended before `&x`, so an entry added to it
        // went between the key and its anchor.
        for (text, end) in [("a:\n  &x\n", 7), ("a: &x\nb: 1\n", 5), ("a: &x # c\n", 5)] {
            let doc = root(text);
            let a = doc.get("a").unwrap();
            assert!(a.is_null(), "{text:?}");
            assert_eq!(a.end, end, "{text:?}");
        }
        assert_eq!(root("a:\n  &x\n").end, 7);
    }

    #[test]
    fn block_scalars_end_at_their_last_line_break() {
        for (text, want) in [
            ("a:\n  - |\n    echo hi\n  - x\n", "echo hi\n"),
            ("a:\n    - |\n      echo hi\nb: 1\n", "echo hi\n"),
            ("a: |+\n  x\n\n\nb: 1\n", "x\n\n\n"),
            ("a: >-\n  x\n  y\n\nb: 1\n", "x\n  y\n\n"),
            ("a: |\n  x  ", "x  "),
        ] {
            let doc = root(text);
            let a = doc.get("a").unwrap();
            let scalar = a.items().map_or(a, |i| &i[0]);
            assert_eq!(&text[scalar.span()], want, "{text:?}");
        }
    }

    #[test]
    fn a_block_scalar_at_the_end_without_a_break_has_no_final_line_feed() {
        // As go-yaml (libyaml) reads it, and so Kubernetes; the YAML test suite's L24T
        // wants a line feed there.
        for (text, want) in [
            ("a: |\n  x", "x"),
            ("a: |+\n  x", "x"),
            ("a: >\n  x\n  y", "x y"),
            ("a: |\n  x\n", "x\n"),
            ("a: |+\n  x\n\n", "x\n\n"),
        ] {
            assert_eq!(root(text).get_str("a"), Some(want), "{text:?}");
        }
    }

    #[test]
    fn an_explicit_key_without_a_value_ends_its_mapping_on_its_line() {
        // Found by fuzzing (resource_list target): the parser puts the missing value of
        // `? key` where the next node starts; when that is on a less indented line, the
        // mapping seemed to end inside that line, and a key added to it went after it.
        let text = "a:\n  b:\n    c: 1\n    ? k\n  d: 2\n";
        let doc = root(text);
        let b = doc.get("a").unwrap().get("b").unwrap();
        let d_line = text.find("  d: 2").unwrap();
        assert!(b.end <= d_line, "{:?}", &text[b.span()]);
        // An empty key as well (`?` and a comment): found by fuzzing too.
        let text = "a:\n  b:\n    c: 1\n    ? # note\n  d: 2\n";
        let doc = root(text);
        let b = doc.get("a").unwrap().get("b").unwrap();
        let d_line = text.find("  d: 2").unwrap();
        assert!(b.end <= d_line, "{:?}", &text[b.span()]);
        // With the value indicator on a line of its own, the value follows it.
        let text = "a:\n  ? k\n  :\nb: 1\n";
        let a = root(text).entries().unwrap()[0].1.clone();
        let (_, v) = &a.entries().unwrap()[0];
        assert_eq!(v.span(), 12..12);
    }

    #[test]
    fn an_empty_block_scalar_ends_after_its_header() {
        // Found by fuzzing (resource_list target): the parser puts an empty block scalar
        // at the start of the next node, so the list holding it seemed to end inside the
        // next entry's line, and an item appended to it went after that line.
        for (text, at) in [
            ("p:\n  c:\n  - |\n  b: 2\n", 14),
            ("p:\n  c:\n  - |-1\n  b: 2\n", 16),
            ("p:\n  c: |\n\n  b: 2\n", 11),
            ("p:\n  c: >+\n  b: 2\n", 11),
        ] {
            let doc = root(text);
            let c = doc.get("p").unwrap().get("c").unwrap();
            let scalar = c.items().map_or(c, |i| &i[0]);
            assert_eq!(scalar.span(), at..at, "{text:?}");
            assert_eq!(scalar.as_str(), Some(""), "{text:?}");
            assert!(c.end <= at, "{text:?}");
        }
        // At the very end (where the parser's span is the header), and with content
        // that starts like a header.
        assert_eq!(root("a: |").get("a").unwrap().span(), 4..4);
        assert_eq!(root("a: |+\n\n").get("a").unwrap().span(), 6..7);
        assert_eq!(root("a: |\n  x\nb: 1\n").get("a").unwrap().span(), 7..9);
        assert_eq!(root("a: |\n  |x\nb: 1\n").get("a").unwrap().span(), 7..10);
    }

    #[test]
    fn a_carriage_return_without_a_line_feed_is_read_as_a_line_break() {
        // Kubernetes reads it so; the editor refuses to edit next to one (`edit`).
        let doc = root("a:\n  b: x\r  c: y\n");
        assert_eq!(doc.get("a").and_then(|a| a.get_str("c")), Some("y"));
        let text = "a: x\r\nb: \"x\\ry\"\nc: y\rd: z\n";
        assert_eq!(lone_carriage_return(text, 0..text.len()), Some(20));
        assert_eq!(
            lone_carriage_return(text, 0..20),
            None,
            "CRLF and an escape"
        );
        assert_eq!(lone_carriage_return(text, 20..999), Some(20));
    }

    #[test]
    fn under_indented_continuation_lines_read_as_kubernetes_reads_them() {
        // Lines of a multi-line flow collection or quoted scalar indented no deeper than
        // the block they are in: invalid YAML (the YAML test suite's 9C9N, QB6E and
        // DK95/01), but libyaml and go-yaml read them, and so Kubernetes does. Each value
        // is what PyYAML's CSafeLoader (libyaml) and `kubectl kustomize` (go-yaml) read.
        for (text, want) in [
            ("---\nflow: [a,\nb,\nc]\n", json!({"flow": ["a", "b", "c"]})),
            ("---\nquoted: \"a\nb\nc\"\n", json!({"quoted": "a b c"})),
            ("foo: \"bar\n\tbaz\"\n", json!({"foo": "bar baz"})),
            ("a:\n  b: 'x\n\n y'\n", json!({"a": {"b": "x\ny"}})),
            (
                "a:\n  args: [\"\necho hello\n\"]\n",
                json!({"a": {"args": [" echo hello "]}}),
            ),
            ("a:\n  b: \"x\n y\n z\"\n", json!({"a": {"b": "x y z"}})),
            ("a:\n  b: \"x\n- y\"\n", json!({"a": {"b": "x - y"}})),
            ("a:\n  b: \"x\n# y\"\n", json!({"a": {"b": "x # y"}})),
            (
                "- name: x\n  args: [\"a\",\n  \"b\"]\n",
                json!([{"name": "x", "args": ["a", "b"]}]),
            ),
            ("a:\n- [x,\ny]\n", json!({"a": [["x", "y"]]})),
            ("- &a [x,\ny]\n", json!([["x", "y"]])),
            (
                "a:\n  b: [x,\n    y,\n ]\n",
                json!({"a": {"b": ["x", "y"]}}),
            ),
            (
                "a:\n  b: {x: 1,\ny: 2\n}\n",
                json!({"a": {"b": {"x": 1, "y": 2}}}),
            ),
            (
                "a:\n  b: [x,\nc: d]\n",
                json!({"a": {"b": ["x", {"c": "d"}]}}),
            ),
            ("a:\n  b: [x,\n# y\n z]\n", json!({"a": {"b": ["x", "z"]}})),
            (
                "a:\n  b: [echo\nhello]\n",
                json!({"a": {"b": ["echo hello"]}}),
            ),
        ] {
            let value = parse(text)
                .map_err(|e| format!("{text:?}: {e}"))
                .and_then(|p| {
                    let root = p.roots.first().ok_or("no document")?;
                    crate::yaml::to_json(root).map_err(|e| e.to_string())
                });
            assert_eq!(value, Ok(want), "{text:?}");
        }
        // What libyaml refuses there too: a line that does not continue the block at
        // all, a document marker inside a quoted scalar.
        for text in ["a:\n  b: x\n  y\n", "a: \"x\n--- y\"\n"] {
            assert!(parse(text).is_err(), "{text:?} accepted");
        }
    }

    #[test]
    fn ids_follow_document_order() {
        let doc = root("a: [x, y]\nb: {c: d}\n");
        let mut ids = Vec::new();
        fn walk(n: &Node<'_>, ids: &mut Vec<u32>) {
            ids.push(n.id().0);
            for (k, v) in n.entries().unwrap_or_default() {
                walk(k, ids);
                walk(v, ids);
            }
            for i in n.items().unwrap_or_default() {
                walk(i, ids);
            }
        }
        walk(&doc, &mut ids);
        assert_eq!(ids, (0..ids.len() as u32).collect::<Vec<_>>());
    }

    #[test]
    fn scalars_keep_style_and_null_is_recognised() {
        let text = "a: 'x'\nb:\nc: ~\nd: off\n";
        let doc = root(text);
        let b = doc.get("b").unwrap();
        assert_eq!(b.span(), 9..9, "an empty value sits after its `:`");
        assert_eq!(
            doc.get("a").unwrap().style(),
            Some(ScalarStyle::SingleQuoted)
        );
        assert!(doc.get("b").unwrap().is_null());
        assert!(doc.get("c").unwrap().is_null());
        assert_eq!(doc.get("d").unwrap().as_bool(), Some(false));
    }

    #[test]
    fn errors_name_line_and_column() {
        let err = parse("a: 1\nb: [\n").err().unwrap();
        assert!(err.line >= 2, "{err}");
    }

    #[test]
    fn a_tab_is_reported_where_it_is() {
        let err = parse("apiVersion: v1\n\tkind: Pod\n").err().unwrap();
        assert_eq!((err.line, err.column), (2, 1), "{err}");
        let err = parse("a:\n\tb: 1\n").err().unwrap();
        assert_eq!((err.line, err.column), (2, 1), "{err}");
    }

    #[test]
    fn deep_nesting_is_refused_not_overflowed() {
        let text = "[".repeat(100_000);
        assert!(parse(&text).is_err());
    }

    #[test]
    fn alias_bombs_are_refused_with_their_position() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let prev = format!("*a{}", i - 1);
            text.push_str(&format!("a{i}: &a{i} [{}]\n", vec![prev; 10].join(", ")));
        }
        let err = parse(&text).err().unwrap();
        assert!(err.message.contains("alias bomb"), "{err}");
        assert!(err.line > 1, "{err}");
        // A few aliases of a small anchor are fine.
        assert!(parse("env: &env [{name: A, value: b}]\nother: *env\nmore: *env\n").is_ok());
    }

    #[test]
    fn duplicate_keys_are_refused_in_small_and_large_mappings() {
        // Found by fuzzing (manifests target): the first `volumeMounts` was edited, the
        // second stayed, and a second run edited again.
        let err = parse("spec:\n  containers:\n  -\n      volumeMounts:\n      volumeMounts:\n")
            .err()
            .unwrap();
        assert_eq!((err.line, err.column), (5, 7), "{err}");
        assert!(
            err.message
                .contains("duplicate key \"volumeMounts\" (first at line 4)")
        );
        let mut big: String = (0..40).map(|i| format!("k{i}: {i}\n")).collect();
        assert!(parse(&big).is_ok());
        big.push_str("'k7': again\n");
        let err = parse(&big).err().unwrap();
        assert_eq!(err.line, 41, "{err}");
        assert!(err.message.contains("first at line 8"), "{err}");
        assert!(parse("{a: 1, b: 2}\n---\n{a: 1}\n").is_ok());
    }

    #[test]
    fn aliases_are_not_expanded_and_anchors_are_located() {
        let text = "a: &x [1, 2]\nb: *x\n";
        let parsed = parse(text).unwrap();
        let doc = &parsed.roots[0];
        assert!(doc.get("b").unwrap().is_alias());
        let Kind::Alias(id) = doc.get("b").unwrap().kind else {
            panic!("not an alias")
        };
        assert_eq!(
            parsed.anchors[id as usize],
            Some(AnchorSite {
                start: 6,
                line: 1,
                col: 6,
                ids: (NodeId(2), NodeId(4)),
                alias: Some(AliasSite {
                    start: 16,
                    end: 18,
                    line: 2,
                    col: 3
                }),
            })
        );
    }

    #[test]
    fn merge_keys_are_found() {
        let doc = root("a: &a {x: 1}\nb:\n  <<: *a\n  y: 2\nc: {'<<': 1}\n");
        assert!(doc.get("a").unwrap().merge_key().is_none());
        assert_eq!(doc.get("b").unwrap().merge_key().map(Node::line), Some(3));
        assert!(
            doc.get("c").unwrap().merge_key().is_none(),
            "quoted is a key"
        );
    }
}
