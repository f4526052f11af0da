//! Edits as splices into the original text.
//!
//! Each edit names a node of the [`tree`](super::tree) it changes and becomes new text at
//! a byte range of the original; every byte outside those ranges is copied as it was.
//! Each edit also records what it means (an [`Op`]) so that [`verify`](super::verify)
//! can check the output against the input plus exactly these changes.
//!
//! The parts: [`journal`] (the splices and what they mean), [`editor`] (the operations)
//! and [`layout`] (where their text goes).

mod editor;
mod journal;
mod layout;

use std::sync::Arc;

use serde_json::Value;

pub use editor::Editor;
pub use journal::{Batch, EditError, Edits};
pub(super) use journal::{Combined, Cursor, Inserted, Op};

/// A new value to write, as JSON. Cloning it is cheap and the edits that write it share
/// it: the one token volume every Pod template of a run gets is held once.
#[derive(Debug, Clone, PartialEq)]
pub struct NewValue(Arc<Value>);

impl NewValue {
    /// The value.
    pub fn as_json(&self) -> &Value {
        &self.0
    }

    /// The value as the journal keeps it.
    fn shared(self) -> Arc<Value> {
        self.0
    }

    /// Whether `other` is this very value, not a copy.
    #[cfg(test)]
    pub(crate) fn is(&self, other: &NewValue) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl From<Value> for NewValue {
    fn from(value: Value) -> Self {
        NewValue(Arc::new(value))
    }
}

/// A list of new values, each held as its JSON text and made again, one at a time, where
/// it is rendered and where the output is checked: a list of many values (a
/// ResourceList's `results`, one a resource) costs its text while it waits, not a tree of
/// maps for every value (ten times as much).
#[derive(Debug, Clone, Default)]
pub struct NewList {
    json: Vec<u8>,
    /// Where each item's text ends in `json`.
    ends: Vec<usize>,
}

impl NewList {
    /// Adds `item` at the end.
    pub fn push(&mut self, item: &impl serde::Serialize) -> Result<(), serde_json::Error> {
        let at = self.json.len();
        serde_json::to_writer(&mut self.json, item).inspect_err(|_| self.json.truncate(at))?;
        self.ends.push(self.json.len());
        Ok(())
    }

    /// How many items it has.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether it has none.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The items, each made when it is reached; `None` for one whose text does not read
    /// back, which only a bug could make.
    pub(in crate::yaml) fn values(&self) -> impl Iterator<Item = Option<Value>> + '_ {
        let starts = std::iter::once(0).chain(self.ends.iter().copied());
        starts.zip(&self.ends).map(|(start, &end)| {
            let text = self.json.get(start..end)?;
            serde_json::from_slice(text).ok()
        })
    }
}

#[cfg(test)]
mod tests {

    use serde_json::Value;

    use super::*;
    use crate::yaml::{Document, Node};
    use serde_json::json;

    /// The text of `text` with `key: false` inserted at the end of the mapping at `path`
    /// (keys from the root; empty for the root), checked.
    fn inserted(text: &str, path: &[&str]) -> String {
        let doc = Document::parse(text).unwrap();
        let root = &doc.roots()[0];
        let map = path.iter().fold(root, |n, k| n.get(k).unwrap());
        let mut editor = doc.editor(root);
        editor.insert_entry(map, "new", json!(false)).unwrap();
        doc.apply(&[&editor.finish()]).unwrap()
    }

    #[test]
    fn an_object_with_a_carriage_return_without_a_line_feed_is_not_edited() {
        // Found by fuzzing: YAML reads a lone CR as a line break, the editor's line
        // arithmetic does not, and a volume removed next to one took the next key with
        // it. Such an object is not edited; the others of the text are.
        let text = "items:\n- a: 1\n  b: x\r  c: y\n- a: 2\n  b: x\n";
        let doc = Document::parse(text).unwrap();
        let root = &doc.roots()[0];
        let items = root.get("items").and_then(Node::items).unwrap();
        let mut editor = doc.editor(&items[0]);
        let err = editor
            .insert_entry(&items[0], "new", json!(false))
            .unwrap_err();
        assert_eq!(err.at, Some((3, 7)), "{err}");
        assert!(err.to_string().contains("carriage return"), "{err}");
        assert!(editor.remove_entry_at(&items[0], 0).is_err());
        let mut editor = doc.editor(&items[1]);
        editor.insert_entry(&items[1], "new", json!(false)).unwrap();
        assert_eq!(
            doc.apply(&[&editor.finish()]).unwrap(),
            "items:\n- a: 1\n  b: x\r  c: y\n- a: 2\n  b: x\n  new: false\n"
        );
    }

    #[test]
    fn text_inserted_at_the_end_keeps_the_final_line_break_or_its_absence() {
        assert_eq!(
            inserted("a:\n  b: 1\n", &["a"]),
            "a:\n  b: 1\n  new: false\n"
        );
        assert_eq!(inserted("a:\n  b: 1", &["a"]), "a:\n  b: 1\n  new: false");
        assert_eq!(
            inserted("a:\r\n  b: 1", &["a"]),
            "a:\r\n  b: 1\r\n  new: false"
        );
        // Two insertions at the end: no blank line between them.
        let text = "a:\n  b: [1]";
        let doc = Document::parse(text).unwrap();
        let root = &doc.roots()[0];
        let mut editor = doc.editor(root);
        let a = root.get("a").unwrap();
        editor.insert_entry(a, "c", json!(2)).unwrap();
        editor.insert_entry(root, "d", json!(3)).unwrap();
        assert_eq!(
            doc.apply(&[&editor.finish()]).unwrap(),
            "a:\n  b: [1]\n  c: 2\nd: 3"
        );
    }

    #[test]
    fn a_block_scalar_that_ends_the_text_without_a_break_keeps_its_value() {
        // Its value has no final line feed; the break new lines need gets the header the
        // strip indicator, which keeps it so. Strip chomping needs nothing.
        for (header, stripped) in [
            ("|", "|-"),
            ("|+", "|-"),
            ("|-", "|-"),
            (">", ">-"),
            ("|2", "|2-"),
            ("|2+", "|2-"),
            ("|+2", "|-2"),
            (">-1", ">-1"),
        ] {
            let text = format!("a:\n  b: !!str {header} # note |\n    echo hi");
            let out = inserted(&text, &["a"]);
            assert_eq!(
                out,
                format!("a:\n  b: !!str {stripped} # note |\n    echo hi\n  new: false"),
                "{header}"
            );
            let value = |t: &str| {
                let doc = Document::parse(t).unwrap();
                let b = doc.roots()[0].get("a").unwrap().get("b").unwrap();
                b.as_str().unwrap().to_owned()
            };
            // `>-1` counts its indentation from column 3: one space is content.
            let want = if header.contains('1') {
                " echo hi"
            } else {
                "echo hi"
            };
            assert_eq!(value(&text), want, "{header}");
            assert_eq!(value(&out), want, "{header}");
        }
        // Found by fuzzing (resource_list target): an empty one whose last line holds
        // spaces and no line break; the spaces stay, on their own line.
        assert_eq!(
            inserted("a:\n  b: |\n ", &["a"]),
            "a:\n  b: |-\n \n  new: false"
        );
        // The last item of a list, with the list's own `-`.
        let out = inserted("a:\n  b:\n  - x # c\n  - |\n    echo hi", &["a"]);
        assert_eq!(
            out,
            "a:\n  b:\n  - x # c\n  - |-\n    echo hi\n  new: false"
        );
        // An explicit key with no value ends the mapping (found by fuzzing,
        // resource_list target: its value, not the key, was taken as the last node).
        assert_eq!(
            inserted("a:\n  b: 1\n  ? |+\n    set", &["a"]),
            "a:\n  b: 1\n  ? |-\n    set\n  new: false"
        );
        // With a final line break, the header stays.
        let out = inserted("a:\n  b: |\n    echo hi\n", &["a"]);
        assert_eq!(out, "a:\n  b: |\n    echo hi\n  new: false\n");
    }

    #[test]
    fn removing_the_last_lines_keeps_the_absence_of_a_final_line_break() {
        let remove = |text: &str| {
            let doc = Document::parse(text).unwrap();
            let root = &doc.roots()[0];
            let a = root.get("a").unwrap();
            let mut editor = doc.editor(root);
            editor
                .remove_item_at(a, a.items().unwrap().len() - 1)
                .unwrap();
            doc.apply(&[&editor.finish()]).unwrap()
        };
        assert_eq!(remove("a:\n- x\n- y"), "a:\n- x");
        assert_eq!(remove("a:\r\n- x\r\n- y"), "a:\r\n- x");
        assert_eq!(remove("a:\n- x\n- y\n"), "a:\n- x\n");
        // The break that ends a block scalar is part of its value: it stays.
        assert_eq!(remove("a:\n- |\n  x\n- y"), "a:\n- |\n  x\n");
    }

    #[test]
    fn lines_removed_at_the_end_without_a_break_leave_room_for_lines_inserted_before_them() {
        // Found by fuzzing (resource_list target): a token volume converged at the very
        // end of a text without a final line break lost its unknown keys, each removal
        // overlapping the next, and the keys added to the volume fell inside them.
        let edit = |text: &str, remove: &[usize]| {
            let doc = Document::parse(text).unwrap();
            let root = &doc.roots()[0];
            let a = root.get("a").unwrap();
            let mut editor = doc.editor(root);
            for &i in remove {
                editor.remove_entry_at(a, i).unwrap();
            }
            // Deepest first, as the callers do: at one position, as made.
            let b = a.get("b").unwrap();
            let c = b.get("c").unwrap();
            editor.insert_entry(c, "d", json!(1)).unwrap();
            editor.insert_entry(b, "new", json!(false)).unwrap();
            doc.apply(&[&editor.finish()]).unwrap()
        };
        let text = "a:\n  b:\n    c:\n      x: 0\n  x: 2\n  y: 3\n  z: 4";
        let want = "a:\n  b:\n    c:\n      x: 0\n      d: 1\n    new: false";
        assert_eq!(edit(text, &[1, 2, 3]), want);
        assert_eq!(edit(text, &[3, 1, 2]), want);
        assert_eq!(
            edit(&text.replace('\n', "\r\n"), &[2, 3, 1]),
            want.replace('\n', "\r\n")
        );
        // Only the last: the others stay, the new lines go before it.
        assert_eq!(
            edit(text, &[3]),
            "a:\n  b:\n    c:\n      x: 0\n      d: 1\n    new: false\n  x: 2\n  y: 3"
        );
        // With a final line break, nothing moves.
        assert_eq!(edit(&format!("{text}\n"), &[1, 2, 3]), format!("{want}\n"));
    }

    #[test]
    fn explicit_keys_do_not_set_the_column_of_new_keys() {
        // Found by fuzzing (resource_list target): the content of `? key` may sit at
        // another column than the mapping's keys; a new key took its column.
        let text = "?\n\t\n authUsername\napiVersion: v1\nkind: X\n";
        assert_eq!(inserted(text, &[]), format!("{text}new: false\n"));
        let text = "a:\n  ? [k]\n  : 1\n  ? # note\n     other\n";
        assert_eq!(inserted(text, &["a"]), format!("{text}  new: false\n"));
        // A key after an entry whose explicit key is empty is not explicit (found by
        // fuzzing, manifests target: removing `results` took the `?` above it along).
        let doc = Document::parse("a:\n  b: 1\n  ?\nc: 3\n").unwrap();
        let root = &doc.roots()[0];
        let mut editor = doc.editor(root);
        editor.remove_entry_at(root, 1).unwrap();
        assert_eq!(doc.apply(&[&editor.finish()]).unwrap(), "a:\n  b: 1\n  ?\n");
        // An empty explicit key as the last entry (found by fuzzing, resource_list
        // target: the new key took the column of the next line's node).
        let text = "a:\n  b: [x]\n  ?\nc: 1\n";
        assert_eq!(
            inserted(text, &["a"]),
            "a:\n  b: [x]\n  ?\n  new: false\nc: 1\n"
        );
        // With a comment after the `?`, at the end of a document (found by fuzzing).
        let text = "a:\n  b: [x]\n  ?   # note\n\n---\nc: 1\n";
        assert_eq!(
            inserted(text, &["a"]),
            "a:\n  b: [x]\n  ?   # note\n\n  new: false\n---\nc: 1\n"
        );
        // Removing one removes its `?` too.
        let doc = Document::parse("a: 1\n? b\n: 2\nc: 3\n").unwrap();
        let root = &doc.roots()[0];
        let mut editor = doc.editor(root);
        editor.remove_entry_at(root, 1).unwrap();
        assert_eq!(doc.apply(&[&editor.finish()]).unwrap(), "a: 1\nc: 3\n");
    }

    #[test]
    fn a_mapping_without_braces_in_a_flow_list_is_not_edited() {
        // Found by fuzzing (resource_list target): `[k: v]` is a list of one mapping
        // written without braces; `, new: x` after it is a second item, not an entry.
        let text = "a: [k: v, {m: n}]\n";
        let doc = Document::parse(text).unwrap();
        let root = &doc.roots()[0];
        let items = root.get("a").unwrap().items().unwrap();
        let mut editor = doc.editor(root);
        let err = editor.insert_entry(&items[0], "new", json!(1)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "line 1, column 5: cannot edit a mapping without braces in a flow list"
        );
        let err = editor.remove_entry_at(&items[0], 0).unwrap_err();
        assert!(err.what.contains("without braces"), "{err}");
        // With braces it is an ordinary flow mapping.
        editor.insert_entry(&items[1], "new", json!(1)).unwrap();
        assert_eq!(
            doc.apply(&[&editor.finish()]).unwrap(),
            "a: [k: v, {m: n, new: 1}]\n"
        );
    }

    #[test]
    fn removing_the_first_entries_of_a_list_items_mapping() {
        // Found by fuzzing (resource_list target): the first entry shares its line with
        // the `-` and is removed up to the next entry, which takes its place; removing
        // that next entry as well removed its whole line: overlapping changes, and the
        // whole output refused.
        let remove = |text: &str, indexes: &[usize]| {
            let doc = Document::parse(text).unwrap();
            let root = &doc.roots()[0];
            let item = &root.get("v").unwrap().items().unwrap()[0];
            let mut editor = doc.editor(root);
            for &i in indexes {
                editor.remove_entry_at(item, i).unwrap();
            }
            doc.apply(&[&editor.finish()]).unwrap()
        };
        let text = "v:\n- a: 1\n  b: 2\n  c: 3\n  d: 4\n";
        assert_eq!(remove(text, &[0]), "v:\n- b: 2\n  c: 3\n  d: 4\n");
        assert_eq!(remove(text, &[0, 1]), "v:\n- c: 3\n  d: 4\n");
        assert_eq!(remove(text, &[0, 1, 2]), "v:\n- d: 4\n");
        assert_eq!(remove(text, &[0, 2]), "v:\n- b: 2\n  d: 4\n");
        assert_eq!(remove(text, &[1, 2]), "v:\n- a: 1\n  d: 4\n");
        // Converging it to a mapping none of whose keys it keeps writes it anew.
        let doc = Document::parse(text).unwrap();
        let root = &doc.roots()[0];
        let item = &root.get("v").unwrap().items().unwrap()[0];
        let mut editor = doc.editor(root);
        editor.converge(item, &json!({"e": {"f": 5}})).unwrap();
        assert_eq!(
            doc.apply(&[&editor.finish()]).unwrap(),
            "v:\n- e:\n    f: 5\n"
        );
    }

    #[test]
    fn converging_changes_only_what_differs() {
        let converge = |text: &str, want: Value| {
            let doc = Document::parse(text).unwrap();
            let root = &doc.roots()[0];
            let mut editor = doc.editor(root);
            editor.converge(root.get("v").unwrap(), &want).unwrap();
            doc.apply(&[&editor.finish()]).unwrap()
        };
        let want = json!({"name": "t", "projected": {"defaultMode": 420, "sources": [
            {"token": {"expirationSeconds": 7200, "path": "token"}},
            {"configMap": {"name": "ca"}},
        ]}});
        // One value differs: one line changes; `0644` is 420 already.
        let text = "v:\n  name: t\n  projected:\n    defaultMode: 0644\n    sources:\n    - token:\n        path: token\n        expirationSeconds: 3607\n    - configMap:\n        name: ca\n";
        assert_eq!(converge(text, want.clone()), text.replace("3607", "7200"));
        // Extra keys and items go, missing ones come, order is kept (a flow mapping
        // that loses a key is written anew).
        let text = "v:\n  name: t\n  extra: 1\n  projected:\n    sources:\n    - token: {path: token, audience: x}\n    - configMap:\n        name: ca\n    - downwardAPI: {}\n";
        assert_eq!(
            converge(text, want.clone()),
            "v:\n  name: t\n  projected:\n    sources:\n    - token: {expirationSeconds: 7200, path: token}\n    - configMap:\n        name: ca\n    defaultMode: 420\n"
        );
        // A value of another kind, a tagged or an empty one: its entry is written anew.
        let text = "v:\n  name: !!str t\n  projected:\n    defaultMode:\n    sources: x\n";
        assert_eq!(
            converge(text, want.clone()),
            "v:\n  projected:\n    defaultMode: 420\n    sources:\n    - token:\n        expirationSeconds: 7200\n        path: token\n    - configMap:\n        name: ca\n  name: t\n"
        );
        // Nothing to do: nothing changes.
        let text = "v: {name: t, projected: {defaultMode: 420, sources: [{token: {expirationSeconds: 7200, path: token}}, {configMap: {name: ca}}]}}\n";
        assert_eq!(converge(text, want.clone()), text);
        // What cannot be edited leaves no edit behind.
        let doc = Document::parse("v:\n  <<: {a: 1}\n  name: x\n").unwrap();
        let root = &doc.roots()[0];
        let mut editor = doc.editor(root);
        let err = editor.converge(root.get("v").unwrap(), &want).unwrap_err();
        assert!(err.what.contains("merge key"), "{err}");
        assert!(editor.finish().is_empty());
    }

    #[test]
    fn a_batch_names_its_own_edits_after_finish_joins_them() {
        // At the end of a text without a final line break, `finish` joins the removals
        // of the last two entries into one: each batch still names its own edits.
        let text = "a:\n  b: 1\n  x: 2\n  y: 3";
        let doc = Document::parse(text).unwrap();
        let root = &doc.roots()[0];
        let a = root.get("a").unwrap();
        let mut editor = doc.editor(root);
        let removed = editor.batch();
        editor.remove_entry(a, "y").unwrap();
        editor.remove_entry(a, "x").unwrap();
        let added = editor.batch();
        editor.insert_entry(a, "new", json!(false)).unwrap();
        let edits = editor.finish();
        let out = doc.apply(&[&edits]).unwrap();
        assert_eq!(out, "a:\n  b: 1\n  new: false");
        let all = Edits::replacements(&[&edits]);
        assert_eq!(crate::replacement::apply(text, &all).unwrap(), out);
        assert_eq!(edits.replacements_of(&[removed, added]), all);
        let (removals, additions) = (
            edits.replacements_of(&[removed]),
            edits.replacements_of(&[added]),
        );
        assert_eq!(removals.len() + additions.len(), all.len(), "{all:?}");
        assert!(removals.iter().all(|r| r.text.is_empty()), "{removals:?}");
        assert!(
            additions.iter().all(|r| r.text.contains("new")),
            "{additions:?}"
        );
    }

    #[test]
    fn sets_of_edits_combine_in_order_and_may_not_share_a_node() {
        let text = "a: [1]\nb: [2]\n";
        let docs = Document::parse(text).unwrap();
        let root = &docs.roots()[0];
        let edits = |key: &str, value| {
            let mut editor = docs.editor(root.get(key).unwrap());
            editor
                .append_item(root.get(key).unwrap(), json!(value))
                .unwrap();
            editor.finish()
        };
        let (a, b, also_a) = (edits("a", 3), edits("b", 4), edits("a", 5));
        let combined = Combined::new(&[&a, &b]).unwrap();
        assert_eq!(
            combined.apply(text, 0..text.len()).unwrap(),
            "a: [1, 3]\nb: [2, 4]\n"
        );
        let mut cursor = Cursor::default();
        assert!(combined.ops(&mut cursor, root.id()).is_empty());
        assert_eq!(
            combined.ops(&mut cursor, root.get("a").unwrap().id()).len(),
            1
        );
        assert_eq!(
            combined.scope(&mut cursor, root.get("b").unwrap().id()),
            Some(1)
        );
        let err = Combined::new(&[&a, &also_a]).unwrap_err();
        assert!(err.what.contains("same node"), "{err}");
    }
}
