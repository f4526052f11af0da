//! The document type: a YAML text and its tree, parsed together, and the one way to
//! change it: edits collected with an [`Editor`] and applied by [`Document::apply`],
//! which splices them into the text and checks the result before anyone sees it.

use std::ops::Range;

use super::edit::{Combined, EditError, Editor, Edits};
use super::render;
use super::tree::{self, AliasSite, AnchorSite, Kind, Node, NodeId, ParseError};
use super::verify::{self, Checked, Mismatch};

/// A parsed YAML text (a stream of documents): the text and the root of each document.
/// It may be a piece of a larger text, parsed alone ([`Document::parse_piece`]).
#[derive(Debug)]
pub struct Document<'a> {
    text: &'a str,
    /// The part of `text` parsed: all of it, or a piece.
    range: Range<usize>,
    roots: Vec<Node<'a>>,
    anchors: Vec<Option<AnchorSite>>,
    /// The anchors that some alias stands for, in document order, each with the index
    /// (in this list) of the nearest one whose anchored node holds it: the nodes that
    /// other places of the document share.
    aliased: Vec<(AnchorSite, Option<usize>)>,
}

/// An alias as a message names it: `*name`, where it is, and where its anchor `&name` is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Alias<'a> {
    /// The alias's name, without the `*`.
    pub name: &'a str,
    /// 1-based line of the alias.
    pub line: usize,
    /// 1-based column of the alias.
    pub column: usize,
    /// 1-based line of the anchor, `&name`.
    pub anchor_line: usize,
    /// 1-based column of the anchor.
    pub anchor_column: usize,
}

/// Why an edit of a node would change other places of the document too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shared<'a> {
    /// The node is an alias: it stands for the anchored node.
    Alias(Alias<'a>),
    /// The node is anchored, or inside an anchored node, that this alias (the first of
    /// the anchor's) stands for elsewhere.
    Anchored(Alias<'a>),
}

/// Output that did not check out: the sets of edits whose scope differs from what they
/// promised, and a difference no set is to blame for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    /// Each failing set, known by its scope (sets of one application have distinct
    /// scopes), with what differs, in the order found: the caller asks about its own
    /// sets ([`Self::of`]).
    blamed: Vec<(NodeId, Mismatch)>,
    /// The scopes of `blamed` in order, each with its place there: a caller asks about
    /// every set it applied, and thousands may fail at once.
    by_scope: Vec<(NodeId, usize)>,
    /// A difference outside every set's scope, or edits that could not be combined.
    pub unattributed: Option<Mismatch>,
}

impl Rejected {
    /// The first difference found, for a message.
    pub fn first(&self) -> Option<&Mismatch> {
        self.unattributed
            .as_ref()
            .or_else(|| self.blamed.first().map(|(_, m)| m))
    }

    /// What differs in the subtree `set` edits, when `set` is one of those that did not
    /// check out.
    pub fn of(&self, set: &Edits) -> Option<&Mismatch> {
        let scope = set.scope();
        let at = self.by_scope.partition_point(|(id, _)| *id < scope);
        match self.by_scope.get(at) {
            Some(&(id, i)) if id == scope => self.blamed.get(i).map(|(_, m)| m),
            _ => None,
        }
    }

    fn new(blamed: Vec<(NodeId, Mismatch)>, unattributed: Option<Mismatch>) -> Self {
        let mut by_scope: Vec<(NodeId, usize)> = blamed
            .iter()
            .enumerate()
            .map(|(i, (id, _))| (*id, i))
            .collect();
        by_scope.sort_unstable();
        Rejected {
            blamed,
            by_scope,
            unattributed,
        }
    }
}

impl std::fmt::Display for Rejected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("refusing to write output that does not match the intended edits")?;
        match self.first() {
            Some(m) => write!(f, ": {m}"),
            None => Ok(()),
        }
    }
}

impl std::error::Error for Rejected {}

impl From<EditError> for Rejected {
    fn from(e: EditError) -> Self {
        Rejected::new(
            Vec::new(),
            Some(Mismatch {
                line: e.at.map(|(line, _)| line),
                what: e.to_string(),
            }),
        )
    }
}

impl<'a> Document<'a> {
    /// Parses `text`, a stream of any number of documents.
    pub fn parse(text: &'a str) -> Result<Self, ParseError> {
        Self::parse_piece(text, 0..text.len(), 1)
    }

    /// Parses `text[range]` alone, as a stream of its own, with nodes placed in `text`
    /// (byte offsets from its start, lines from `first_line`, the line `range` starts
    /// on). `range` must start at the start of a line. Edits of a piece are applied to
    /// the piece alone: [`Document::apply`] gives its text with them. Whether a piece
    /// parses alone as it does within its text is the caller's to know.
    pub fn parse_piece(
        text: &'a str,
        range: Range<usize>,
        first_line: usize,
    ) -> Result<Self, ParseError> {
        let parsed = tree::parse_piece(text, range.clone(), first_line)?;
        let aliased = nest(
            parsed
                .anchors
                .iter()
                .flatten()
                .filter(|a| a.alias.is_some()),
        );
        Ok(Document {
            text,
            range,
            roots: parsed.roots,
            anchors: parsed.anchors,
            aliased,
        })
    }

    /// The text parsed: the whole text, of which this document may be a piece.
    pub fn text(&self) -> &'a str {
        self.text
    }

    /// The anchors of the text, by anchor id, for the check's tests.
    #[cfg(test)]
    pub(super) fn anchors(&self) -> &[Option<AnchorSite>] {
        &self.anchors
    }

    /// The root of each document, in order (an empty document has a null root).
    pub fn roots(&self) -> &[Node<'a>] {
        &self.roots
    }

    /// An editor for the subtree of `scope`, a node of this document: new text follows
    /// the layout of `scope` (its indentation, how its lists are indented), of its
    /// document (JSON or YAML) and of the text (its line breaks).
    pub fn editor(&self, scope: &Node<'_>) -> Editor<'a> {
        // Ids are in document order: the root of `scope` is the last that starts before it.
        let before = self.roots.partition_point(|r| r.id() <= scope.id());
        let root = before
            .checked_sub(1)
            .and_then(|i| self.roots.get(i))
            .unwrap_or(scope);
        Editor::new(
            self.text,
            render::measure_layout(self.text, root, scope),
            scope,
        )
    }

    /// Whether an [`Editor`] of a scope that holds `node` may take the indentation of
    /// its new block mappings from `node`: the editor measures it from the first block
    /// mapping nested under a key, in the order of the text, and `node` has one.
    pub fn shows_indentation(&self, node: &Node<'_>) -> bool {
        render::nested_indent(self.text, node).is_some()
    }

    /// The name of the alias `node` and where its anchor is, when `node` is an alias.
    pub fn alias(&self, node: &Node<'_>) -> Option<Alias<'a>> {
        let Kind::Alias(anchor) = node.kind else {
            return None;
        };
        let site = self.anchors.get(anchor as usize).copied().flatten()?;
        self.describe(
            &site,
            &AliasSite {
                start: node.start,
                end: node.end,
                line: node.line,
                col: node.col,
            },
        )
    }

    /// Whether editing `node` would change other places of the document too: it is an
    /// alias, or it is anchored (or inside an anchored node) and an alias stands for it.
    pub fn shared(&self, node: &Node<'_>) -> Option<Shared<'a>> {
        if let Some(alias) = self.alias(node) {
            return Some(Shared::Alias(alias));
        }
        let id = node.id();
        // The last anchored node that starts at or before `node`, then the ones that hold
        // it, until one holds `node` too.
        let mut at = self
            .aliased
            .partition_point(|(site, _)| site.ids.0 <= id)
            .checked_sub(1);
        while let Some((site, outer)) = at.and_then(|i| self.aliased.get(i)) {
            if id <= site.ids.1 {
                return self.describe(site, &site.alias?).map(Shared::Anchored);
            }
            at = *outer;
        }
        None
    }

    /// The alias at `alias` of the anchor at `site`, for a message.
    fn describe(&self, site: &AnchorSite, alias: &AliasSite) -> Option<Alias<'a>> {
        let name = self
            .text
            .get(alias.start..alias.end)?
            .trim_start_matches('*');
        let (anchor_line, anchor_column) = self.anchor_position(site, name);
        Some(Alias {
            name,
            line: alias.line as usize,
            column: alias.col as usize + 1,
            anchor_line,
            anchor_column,
        })
    }

    /// Where `&name` is written, before the content of the node it anchors (which, for a
    /// block collection, starts on a later line, at its first entry); the node's own
    /// position when it cannot be found.
    fn anchor_position(&self, site: &AnchorSite, name: &str) -> (usize, usize) {
        let own = (site.line as usize, site.col as usize + 1);
        let before = self.text.get(..site.start).unwrap_or_default();
        let token = format!("&{name}");
        let Some(at) = before.rfind(&token) else {
            return own;
        };
        let after = before.get(at + token.len()..).unwrap_or_default();
        // Only spaces, a tag and line breaks lie between an anchor and its node.
        if !after.is_empty() && !after.starts_with(char::is_whitespace) {
            return own;
        }
        let breaks = after.bytes().filter(|&b| b == b'\n').count();
        let line_start = tree::line_start(before, at);
        let column = before.get(line_start..at).map_or(0, |t| t.chars().count());
        ((site.line as usize).saturating_sub(breaks), column + 1)
    }

    /// Every alias that stands for `node` (by its own anchor), in document order: the
    /// other places that use it. None when `node` has no anchor.
    pub fn aliases_of(&self, node: &Node<'_>) -> Vec<&Node<'a>> {
        let anchor = node.anchor();
        let mut found = Vec::new();
        if anchor == 0 {
            return found;
        }
        // Aliases come after their anchor, in the same document.
        let mut stack: Vec<&Node<'a>> = self.roots.iter().rev().collect();
        while let Some(here) = stack.pop() {
            match &here.kind {
                Kind::Alias(id) if *id == anchor => found.push(here),
                Kind::Map { entries, .. } => {
                    stack.extend(entries.iter().rev().flat_map(|(k, v)| [v, k]));
                }
                Kind::Seq { items, .. } => stack.extend(items.iter().rev()),
                _ => {}
            }
        }
        found
    }

    /// The node the alias `node` stands for, or `node` itself when it is not an alias
    /// (or its anchor is not found): what a reader of the document reads there.
    pub fn read_through<'n>(&'n self, node: &'n Node<'a>) -> &'n Node<'a> {
        let Kind::Alias(anchor) = node.kind else {
            return node;
        };
        let Some(site) = self.anchors.get(anchor as usize).copied().flatten() else {
            return node;
        };
        // Nodes are in text order: go down through the one whose span holds the anchor.
        let mut here = self.roots.iter().rfind(|r| r.start <= site.start);
        while let Some(at) = here {
            if at.start == site.start && at.anchor() == anchor {
                return at;
            }
            here = match &at.kind {
                Kind::Map { entries, .. } => entries
                    .iter()
                    .flat_map(|(k, v)| [k, v])
                    .rfind(|c| c.start <= site.start),
                Kind::Seq { items, .. } => items.iter().rfind(|c| c.start <= site.start),
                _ => None,
            };
        }
        node
    }

    /// The text with every set of `sets` applied, checked: re-parsed, it must be this
    /// document plus exactly those edits. Sets are independent (each edits the subtree
    /// of its own scope); when some do not check out, [`Rejected`] names them, so the
    /// caller can leave their objects as they were and apply the rest again.
    pub fn apply(&self, sets: &[&Edits]) -> Result<String, Rejected> {
        self.apply_from_line(sets, 1)
    }

    /// [`Self::apply`], for a text that starts on line `first_line` of the output (a
    /// piece, written after others): the lines a difference is reported at.
    pub fn apply_from_line(&self, sets: &[&Edits], first_line: usize) -> Result<String, Rejected> {
        self.apply_with(sets, first_line, &mut Checked::default())
    }

    /// [`Self::apply_from_line`], knowing what text of `checked` (inserted by earlier
    /// applications, of other pieces of one text) has checked out: a run that applies
    /// the same new text to every piece reads it once.
    pub fn apply_with(
        &self,
        sets: &[&Edits],
        first_line: usize,
        checked: &mut Checked,
    ) -> Result<String, Rejected> {
        // A set whose own edits overlap cannot be made: it is named, like one the check
        // refuses, so that the others can still be written.
        let overlapping: Vec<(NodeId, Mismatch)> = sets
            .iter()
            .filter_map(|set| {
                let (line, _) = tree::position(self.text, set.overlap()?);
                Some((
                    set.scope(),
                    Mismatch {
                        line: None,
                        what: format!("edits that overlap at line {line} of the input"),
                    },
                ))
            })
            .collect();
        if !overlapping.is_empty() {
            return Err(Rejected::new(overlapping, None));
        }
        let combined = Combined::new(sets)?;
        let out = combined.apply(self.text, self.range.clone())?;
        let output = (out.as_str(), first_line);
        if verify::by_regions(
            self.text,
            self.range.clone(),
            &self.roots,
            &self.anchors,
            output,
            &combined,
            checked,
        ) {
            // What passes a region at a time passes whole: the tests, the property and
            // corpus tests and the fuzz targets hold it to that on every output.
            #[cfg(debug_assertions)]
            {
                let whole =
                    verify::verify(self.text, &self.roots, &self.anchors, output, &combined);
                assert!(
                    whole.is_empty(),
                    "passed a region at a time, not whole: {whole:?}\n{out}"
                );
            }
            return Ok(out);
        }
        let findings = verify::verify(
            self.text,
            &self.roots,
            &self.anchors,
            (&out, first_line),
            &combined,
        );
        if findings.is_empty() {
            Ok(out)
        } else {
            let blamed = findings
                .sets
                .into_iter()
                .filter_map(|(i, m)| Some((sets.get(i)?.scope(), m)))
                .collect();
            Err(Rejected::new(blamed, findings.unattributed))
        }
    }
}

/// `sites` (in document order, as anchors are numbered) with, for each, the index of the
/// nearest one before it whose subtree holds it.
fn nest<'s>(sites: impl Iterator<Item = &'s AnchorSite>) -> Vec<(AnchorSite, Option<usize>)> {
    let mut nested: Vec<(AnchorSite, Option<usize>)> = Vec::new();
    // The indexes of the sites whose subtree is still open, innermost last.
    let mut open: Vec<usize> = Vec::new();
    for site in sites {
        while let Some(&last) = open.last() {
            match nested.get(last) {
                Some((outer, _)) if outer.ids.1 >= site.ids.0 => break,
                _ => {
                    open.pop();
                }
            }
        }
        open.push(nested.len());
        nested.push((*site, open.iter().rev().nth(1).copied()));
    }
    nested
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_failing_set_is_named_and_the_others_are_checked_in_the_same_pass() {
        let text = "- a: 1\n- b: 2\n- c: 3\n";
        let doc = Document::parse(text).unwrap();
        let root = &doc.roots()[0];
        let items = root.items().unwrap();
        let set = |i: usize, key: &str| {
            let mut editor = doc.editor(&items[i]);
            editor.insert_entry(&items[i], key, json!(true)).unwrap();
            editor.finish()
        };
        let (first, second, third) = (set(0, "x"), set(1, "b"), set(2, "z"));
        let out = doc.apply(&[&first, &third]).unwrap();
        assert_eq!(out, "- a: 1\n  x: true\n- b: 2\n- c: 3\n  z: true\n");
        // The second set inserts a key its mapping has: refused, and only it.
        let err = doc.apply(&[&first, &second, &third]).unwrap_err();
        assert_eq!(err.blamed.len(), 1, "{err:?}");
        assert_eq!(err.blamed[0].0, second.scope());
        assert!(err.of(&second).is_some() && err.of(&first).is_none());
        assert!(err.unattributed.is_none());
        assert!(err.to_string().contains("already has"), "{err}");
    }

    #[test]
    fn a_set_whose_own_edits_overlap_is_named_and_the_others_are_written() {
        let text = "- x:\n    b: 2\n    c: 3\n- z: 1\n";
        let doc = Document::parse(text).unwrap();
        let root = &doc.roots()[0];
        let items = root.items().unwrap();
        // The first set changes a value inside the entry it also removes.
        let x = items[0].get("x").unwrap();
        let mut editor = doc.editor(&items[0]);
        editor.remove_entry_at(x, 0).unwrap();
        editor.converge(x.get("b").unwrap(), &json!(3)).unwrap();
        let overlapping = editor.finish();
        let mut editor = doc.editor(&items[1]);
        editor.insert_entry(&items[1], "w", json!(true)).unwrap();
        let fine = editor.finish();
        assert_eq!(overlapping.overlap(), Some(12));
        assert_eq!(fine.overlap(), None);
        let err = doc.apply(&[&overlapping, &fine]).unwrap_err();
        assert_eq!(err.blamed.len(), 1, "{err:?}");
        assert_eq!(err.blamed[0].0, overlapping.scope());
        assert!(err.unattributed.is_none());
        assert!(err.to_string().contains("overlap at line 2"), "{err}");
        assert_eq!(
            doc.apply(&[&fine]).unwrap(),
            "- x:\n    b: 2\n    c: 3\n- z: 1\n  w: true\n"
        );
    }

    #[test]
    fn nodes_that_aliases_stand_for_are_shared() {
        let text = "a: &outer\n  b: &inner [1, 2]\n  c: {d: 3}\n  e: &lone [4]\nf: *inner\ng: *outer\nh: [5]\n";
        let doc = Document::parse(text).unwrap();
        let root = &doc.roots()[0];
        let a = root.get("a").unwrap();
        let inner = |line, column| {
            Some(Shared::Anchored(Alias {
                name: "inner",
                line,
                column,
                anchor_line: 2,
                anchor_column: 6,
            }))
        };
        let outer = Some(Shared::Anchored(Alias {
            name: "outer",
            line: 6,
            column: 4,
            anchor_line: 1,
            anchor_column: 4,
        }));
        // The innermost anchor that an alias stands for names it.
        assert_eq!(doc.shared(a.get("b").unwrap()), inner(5, 4));
        assert_eq!(
            doc.shared(&a.get("b").unwrap().items().unwrap()[1]),
            inner(5, 4)
        );
        assert_eq!(doc.shared(a), outer);
        assert_eq!(doc.shared(a.get("c").unwrap().get("d").unwrap()), outer);
        // `&lone` has no alias, but it is inside `&outer`.
        assert_eq!(doc.shared(a.get("e").unwrap()), outer);
        assert!(matches!(
            doc.shared(root.get("f").unwrap()),
            Some(Shared::Alias(_))
        ));
        assert_eq!(doc.shared(root.get("h").unwrap()), None);
        assert_eq!(doc.shared(root), None);
    }

    #[test]
    fn aliases_name_their_anchor() {
        let text = "a: &mounts [x]\nb: *mounts\n";
        let doc = Document::parse(text).unwrap();
        let b = doc.roots()[0].get("b").unwrap();
        assert_eq!(
            doc.alias(b),
            Some(Alias {
                name: "mounts",
                line: 2,
                column: 4,
                anchor_line: 1,
                anchor_column: 4
            })
        );
        assert_eq!(doc.alias(doc.roots()[0].get("a").unwrap()), None);
        let target = doc.read_through(b);
        assert_eq!(target.items().map(<[_]>::len), Some(1));
        let text = "x: 1
---
a: {k: &v [1, 2]}
b: *v
";
        let doc = Document::parse(text).unwrap();
        let b = doc.roots()[1].get("b").unwrap();
        assert_eq!(&text[doc.read_through(b).span()], "[1, 2]");
    }
}
