//! Where an input can be cut into pieces that parse alone as they parse together, found
//! from its text alone: a stream at its `---` lines, a ResourceList at the `- ` of each
//! of its items. Each piece is then read, hardened, checked and dropped before the next
//! ([`super::piecewise`]), so that no tree of the whole input is ever held.
//!
//! A cut is made only where the YAML read on either side cannot depend on the other
//! (`docs/performance.md` gives the argument); an input where that cannot be seen from
//! the text (directives, a byte order mark inside, tabs or less indented lines among the
//! items) is not cut, and is read whole. Every piece must then parse alone, or the input
//! is read whole too: a cut never decides what the input means.

use std::ops::Range;

/// A piece of a text: its bytes and the line they start on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    /// Its bytes, from the start of a line.
    pub range: Range<usize>,
    /// 1-based line of its first byte.
    pub first_line: usize,
}

/// How the kind of every RBAC object that the inventory reads starts (`Role`,
/// `RoleBinding`, `ClusterRole`, `ClusterRoleBinding`, `ServiceAccount`, and their
/// lists), as a word: pieces whose text has none are not read for the inventory before
/// the others are hardened, and are checked to hold none when they are read
/// ([`super::piecewise`]): a kind spelled otherwise (escapes) makes the run read the
/// input whole.
const RBAC_KINDS: &[&str] = &["Role", "ClusterRole", "ServiceAccount"];

impl Piece {
    /// Whether the piece may hold an RBAC object, by its text: one of [`RBAC_KINDS`]
    /// that does not continue a word (`automountServiceAccountToken` does not count).
    pub fn may_hold_rbac(&self, text: &str) -> bool {
        let piece = text.get(self.range.clone()).unwrap_or_default();
        RBAC_KINDS.iter().any(|kind| {
            piece.match_indices(kind).any(|(at, _)| {
                at.checked_sub(1)
                    .and_then(|before| piece.as_bytes().get(before))
                    .is_none_or(|b| !b.is_ascii_alphanumeric())
            })
        })
    }
}

/// Whether `text` can be cut at all: no directive (`%YAML`, `%TAG` apply to the
/// documents after them), no byte order mark but at its start.
fn cuttable(text: &str) -> bool {
    !(text.starts_with('%')
        || text.contains("\n%")
        || text.get(1..).is_some_and(|rest| rest.contains('\u{feff}')))
}

/// Counts line feeds.
fn lines_in(text: &str) -> usize {
    text.bytes().filter(|&b| b == b'\n').count()
}

/// `text` cut before each line that starts a document with `---` (followed by a space,
/// a tab or a line break, or at the end): a document's end is read the same whatever
/// follows the marker, and what follows it the same whatever came before. `None` when
/// the text cannot be cut ([`cuttable`]); one piece when it holds no such line.
pub fn documents(text: &str) -> Option<Vec<Piece>> {
    if !cuttable(text) {
        return None;
    }
    let mut pieces = Vec::new();
    let (mut start, mut first_line) = (0, 1);
    for (at, _) in text.match_indices("\n---") {
        let cut = at + 1;
        let after = text.as_bytes().get(cut + 3);
        if !matches!(after, None | Some(b' ' | b'\t' | b'\r' | b'\n')) {
            continue;
        }
        let piece = start..cut;
        let lines = lines_in(text.get(piece.clone()).unwrap_or_default());
        pieces.push(Piece {
            range: piece,
            first_line,
        });
        (start, first_line) = (cut, first_line + lines);
    }
    pieces.push(Piece {
        range: start..text.len(),
        first_line,
    });
    Some(pieces)
}

/// A ResourceList cut at its items: the text before them (through the `items:` line),
/// each item, and the text after them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Items {
    /// Where the items are: `text[items]` is every piece, in order.
    pub items: Range<usize>,
    /// Each item (with the comments and blank lines after it).
    pub pieces: Vec<Piece>,
}

impl Items {
    /// The ResourceList with its last item only: the lines of the others left blank, so
    /// that every line keeps its number, and the list ends, and what follows it reads,
    /// as in the whole text. The second value is where the last item starts in it.
    pub fn with_last_item(&self, text: &str) -> (String, usize) {
        let last = self.pieces.last().map_or(self.items.end, |p| p.range.start);
        let blank = text
            .get(self.items.start..last)
            .map_or(0, |t| t.bytes().filter(|&b| b == b'\n').count());
        let start = self.items.start + blank;
        let mut rest = String::with_capacity(start + text.len() - last);
        rest.push_str(text.get(..self.items.start).unwrap_or_default());
        rest.extend(std::iter::repeat_n('\n', blank));
        rest.push_str(text.get(last..).unwrap_or_default());
        (rest, start)
    }
}

/// How a line of the items reads, by its indentation alone.
enum Line {
    /// Spaces only, or a comment.
    Blank,
    /// `-` at the column of the items' dashes, then a space or the line's end.
    Item,
    /// Indented more than the dashes.
    Inside,
    /// Anything else: the end of the items, or a layout that is not cut.
    Other,
}

fn line_kind(line: &str, dashes: usize) -> Line {
    let content = line.trim_start_matches(' ');
    let indent = line.len() - content.len();
    let content = content.trim_end_matches(['\n', '\r']);
    if content.is_empty() || content.starts_with('#') {
        return Line::Blank;
    }
    // What follows enough spaces is the item's, tabs included (a block scalar's text).
    if indent > dashes {
        return Line::Inside;
    }
    if indent == dashes && (content == "-" || content.starts_with("- ")) {
        return Line::Item;
    }
    Line::Other
}

/// A block ResourceList's items, when the text shows them: one line `items:` (at the
/// start of a line, a comment after it at most), then a block sequence whose `-` are at
/// one column and whose other lines are blank, comments, or indented more than the
/// dashes: then no line of an item can continue or end another, and each parses alone
/// as it parses in the list. `None` otherwise (no such line, two, a flow sequence,
/// no items, tabs, lines less indented inside an item).
pub fn items(text: &str) -> Option<Items> {
    if !cuttable(text) {
        return None;
    }
    let mut key = None;
    let mut at = 0;
    for (line_no, line) in (1..).zip(text.split_inclusive('\n')) {
        if let Some(rest) = line.strip_prefix("items:") {
            let rest = rest.trim_start_matches([' ', '\t']);
            if rest.is_empty() || rest.starts_with(['\n', '\r', '#']) {
                if key.is_some() {
                    return None;
                }
                key = Some((at + line.len(), line_no + 1));
            }
        }
        at += line.len();
    }
    let (start, mut first_line) = key?;
    let region = text.get(start..)?;
    // The column of the dashes: that of the first line that is not blank.
    let dashes = region
        .split_inclusive('\n')
        .map(|line| (line, line.len() - line.trim_start_matches(' ').len()))
        .find(|(line, _)| {
            let content = line.trim_start_matches(' ').trim_end_matches(['\n', '\r']);
            !(content.is_empty() || content.starts_with('#'))
        })
        .map(|(_, indent)| indent)?;
    let mut pieces: Vec<Piece> = Vec::new();
    let (mut piece_start, mut piece_line) = (start, first_line);
    let mut end = text.len();
    let mut at = start;
    let mut seen_item = false;
    for line in region.split_inclusive('\n') {
        match line_kind(line, dashes) {
            Line::Blank => {}
            Line::Item => {
                if seen_item {
                    pieces.push(Piece {
                        range: piece_start..at,
                        first_line: piece_line,
                    });
                    (piece_start, piece_line) = (at, first_line);
                }
                seen_item = true;
            }
            Line::Inside if seen_item => {}
            Line::Inside | Line::Other => {
                end = at;
                break;
            }
        }
        at += line.len();
        first_line += 1;
    }
    if !seen_item {
        return None;
    }
    // Blank lines and comments after the last item, before what ends the items, are
    // the last piece's: in the list they are read as its (a kept block scalar's line
    // breaks) or as nothing.
    pieces.push(Piece {
        range: piece_start..end,
        first_line: piece_line,
    });
    // What ends the items is at the column of `items:`, 0: the next key of the
    // ResourceList, or the end of its document.
    if text
        .get(end..)
        .is_some_and(|next| next.starts_with([' ', '\t']))
    {
        return None;
    }
    Some(Items {
        items: start..end,
        pieces,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts<'t>(text: &'t str, pieces: &[Piece]) -> Vec<&'t str> {
        pieces.iter().map(|p| &text[p.range.clone()]).collect()
    }

    #[test]
    fn a_stream_is_cut_before_each_document_marker() {
        let text = "# lead\na: 1\n---\nb: 2\n--- # c\nc: |\n  x\n...\n---\n---x: 1\n--- \n";
        let pieces = documents(text).unwrap();
        assert_eq!(
            texts(text, &pieces),
            [
                "# lead\na: 1\n",
                "---\nb: 2\n",
                "--- # c\nc: |\n  x\n...\n",
                "---\n---x: 1\n",
                "--- \n"
            ]
        );
        let lines: Vec<usize> = pieces.iter().map(|p| p.first_line).collect();
        assert_eq!(lines, [1, 3, 5, 9, 11]);
        assert_eq!(documents("a: 1\n").unwrap().len(), 1);
        assert_eq!(
            documents("").unwrap(),
            [Piece {
                range: 0..0,
                first_line: 1
            }]
        );
    }

    #[test]
    fn pieces_that_name_an_rbac_kind_are_known() {
        let holds = |text: &str| {
            Piece {
                range: 0..text.len(),
                first_line: 1,
            }
            .may_hold_rbac(text)
        };
        for text in [
            "kind: Role\n",
            "kind: ClusterRoleBinding\n",
            "{\"kind\":\"ServiceAccount\"}",
            "kind: 'RoleList'\n",
            "ServiceAccount",
        ] {
            assert!(holds(text), "{text:?}");
        }
        for text in [
            "spec:\n  automountServiceAccountToken: false\n  serviceAccountName: x\n",
            "kind: Deployment\n",
            "metadata: {name: myRole}\n",
        ] {
            assert!(!holds(text), "{text:?}");
        }
    }

    #[test]
    fn directives_and_inner_byte_order_marks_are_not_cut() {
        assert_eq!(documents("%YAML 1.2\n---\na: 1\n"), None);
        assert_eq!(documents("a: 1\n...\n%TAG ! x\n---\nb: 2\n"), None);
        assert_eq!(documents("a: 1\n---\n\u{feff}b: 2\n"), None);
        assert!(documents("\u{feff}a: 1\n---\nb: 2\n").is_some());
    }

    const LIST: &str = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- kind: A\n  spec:\n    x: |+\n      y\n\n# between\n- kind: B\n  list:\n  - 1\n\nfunctionConfig:\n  kind: C\n";

    #[test]
    fn a_resource_list_is_cut_at_its_items() {
        let found = items(LIST).unwrap();
        assert_eq!(
            texts(LIST, &found.pieces),
            [
                "- kind: A\n  spec:\n    x: |+\n      y\n\n# between\n",
                "- kind: B\n  list:\n  - 1\n\n"
            ]
        );
        assert_eq!(found.pieces[0].first_line, 4);
        assert_eq!(found.pieces[1].first_line, 10);
        let (rest, at) = found.with_last_item(LIST);
        assert_eq!(
            rest,
            "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n\n\n\n\n\n\n- kind: B\n  list:\n  - 1\n\nfunctionConfig:\n  kind: C\n"
        );
        assert_eq!(&rest[at..at + 9], "- kind: B");
        // Indented dashes, items last, a comment after the key.
        let text = "kind: ResourceList\nitems: # all\n  - a: 1\n  - b: 2\n";
        let found = items(text).unwrap();
        assert_eq!(texts(text, &found.pieces), ["  - a: 1\n", "  - b: 2\n"]);
        assert_eq!(found.items.end, text.len());
    }

    #[test]
    fn items_the_text_does_not_show_are_not_cut() {
        for text in [
            // A flow sequence, none, two `items:` lines.
            "kind: ResourceList\nitems: [{a: 1}]\n",
            "kind: ResourceList\nitems:\nfunctionConfig: {}\n",
            "items:\n- a: 1\nx:\n  items:\nitems:\n- b\n",
            // A line of an item less indented than it (a flow collection go-yaml reads).
            "items:\n  - a: [1,\n 2]\n  - b: 1\n",
            // A tab where the indentation is.
            "items:\n- a:\n\t- 1\n",
            "items:\n  - a: 1\n \t- 1\n",
            // Dashes at two columns.
            "items:\n  - a: 1\n - b: 1\n",
            "%YAML 1.2\n---\nitems:\n- a: 1\n",
        ] {
            assert_eq!(items(text), None, "{text:?}");
        }
    }
}
