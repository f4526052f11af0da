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

use memchr::memmem;

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
const RBAC_KINDS: &[&str] = &["Role", "ServiceAccount"];

impl Piece {
    /// Whether the piece may hold an RBAC object, by its text: one of [`RBAC_KINDS`]
    /// that does not continue a word (`automountServiceAccountToken` does not count),
    /// or `ClusterRole` that does not.
    pub fn may_hold_rbac(&self, text: &str) -> bool {
        let piece = text.get(self.range.clone()).unwrap_or_default().as_bytes();
        let starts_word = |at: usize| {
            at.checked_sub(1)
                .and_then(|before| piece.get(before))
                .is_none_or(|b| !b.is_ascii_alphanumeric())
        };
        RBAC_KINDS.iter().any(|kind| {
            memmem::find_iter(piece, kind).any(|at| {
                starts_word(at)
                    || (*kind == "Role"
                        && at >= CLUSTER.len()
                        && piece.get(at - CLUSTER.len()..at) == Some(CLUSTER.as_bytes())
                        && starts_word(at - CLUSTER.len()))
            })
        })
    }
}

/// What comes before `Role` in `ClusterRole`.
const CLUSTER: &str = "Cluster";

/// The lines of `text` from byte `from`, each with its line break, and where each starts.
fn lines_from(text: &str, from: usize) -> impl Iterator<Item = (usize, &str)> {
    let bytes = text.as_bytes();
    let mut start = from.min(text.len());
    let mut breaks =
        memchr::memchr_iter(b'\n', bytes.get(start..).unwrap_or_default()).map(move |i| from + i);
    std::iter::from_fn(move || {
        if start >= text.len() {
            return None;
        }
        let end = breaks.next().map_or(text.len(), |nl| nl + 1);
        let line = (start, text.get(start..end).unwrap_or_default());
        start = end;
        Some(line)
    })
}

/// Whether `text` can be cut at all: no directive (`%YAML`, `%TAG` apply to the
/// documents after them), no byte order mark but at its start.
fn cuttable(text: &str) -> bool {
    !(text.starts_with('%')
        || text.contains("\n%")
        || text.get(1..).is_some_and(|rest| rest.contains('\u{feff}')))
}

/// Counts line feeds.
pub(super) fn lines_in(text: &str) -> usize {
    memchr::memchr_iter(b'\n', text.as_bytes()).count()
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
    for at in memmem::find_iter(text.as_bytes(), "\n---") {
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
    /// The ResourceList with only the items of `kept` (indexes of [`Self::pieces`], in
    /// order, the last among them): the lines of the others left blank, so that every
    /// line keeps its number, and the list ends, and what follows it reads, as in the
    /// whole text. The second value is where the last item starts in it.
    pub fn with_items(&self, text: &str, kept: &[usize]) -> (String, usize) {
        let mut rest = String::new();
        let mut at = self.items.start;
        let mut last_at = self.items.start;
        rest.push_str(text.get(..at).unwrap_or_default());
        for piece in kept.iter().filter_map(|&i| self.pieces.get(i)) {
            let blank = lines_in(text.get(at..piece.range.start).unwrap_or_default());
            rest.push_str(&"\n".repeat(blank));
            last_at = rest.len();
            rest.push_str(text.get(piece.range.clone()).unwrap_or_default());
            at = piece.range.end;
        }
        rest.push_str(text.get(at..).unwrap_or_default());
        (rest, last_at)
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
    // What follows more spaces than the dashes have is the item's, blank or not, tabs
    // included (a block scalar's text): most lines are known by their first bytes.
    let bytes = line.as_bytes();
    let indent = bytes
        .iter()
        .take(dashes + 1)
        .take_while(|&&b| b == b' ')
        .count();
    if indent > dashes {
        return Line::Inside;
    }
    if is_blank(line) {
        return Line::Blank;
    }
    let content = line.get(indent..).unwrap_or_default();
    let content = content.trim_end_matches(['\n', '\r']);
    if indent == dashes && (content == "-" || content.starts_with("- ")) {
        return Line::Item;
    }
    Line::Other
}

/// Spaces only, or a comment.
fn is_blank(line: &str) -> bool {
    let content = line.trim_start_matches(' ').trim_end_matches(['\n', '\r']);
    content.is_empty() || content.starts_with('#')
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
    // Only the lines that start with `items:` are read: the others are skipped at the
    // speed of a search.
    for at in memmem::find_iter(text.as_bytes(), "items:") {
        if at > 0 && text.as_bytes().get(at - 1) != Some(&b'\n') {
            continue;
        }
        let line_end = memchr::memchr(b'\n', text.as_bytes().get(at..).unwrap_or_default())
            .map_or(text.len(), |nl| at + nl + 1);
        let rest = text.get(at + "items:".len()..line_end).unwrap_or_default();
        let rest = rest.trim_start_matches([' ', '\t']);
        if rest.is_empty() || rest.starts_with(['\n', '\r', '#']) {
            if key.is_some() {
                return None;
            }
            key = Some((
                line_end,
                lines_in(text.get(..line_end).unwrap_or_default()) + 1,
            ));
        }
    }
    let (start, mut first_line) = key?;
    // The column of the dashes: that of the first line that is not blank.
    let dashes = lines_from(text, start)
        .map(|(_, line)| line)
        .find(|line| !is_blank(line))
        .map(|line| line.len() - line.trim_start_matches(' ').len())?;
    let mut pieces: Vec<Piece> = Vec::new();
    let (mut piece_start, mut piece_line) = (start, first_line);
    let mut end = text.len();
    let mut seen_item = false;
    for (at, line) in lines_from(text, start) {
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
            Line::Inside if seen_item || is_blank(line) => {}
            Line::Inside | Line::Other => {
                end = at;
                break;
            }
        }
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
        let (rest, at) = found.with_items(LIST, &[1]);
        assert_eq!(
            rest,
            "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n\n\n\n\n\n\n- kind: B\n  list:\n  - 1\n\nfunctionConfig:\n  kind: C\n"
        );
        assert_eq!(&rest[at..at + 9], "- kind: B");
        let (both, at) = found.with_items(LIST, &[0, 1]);
        assert_eq!(both, LIST);
        assert_eq!(&both[at..at + 9], "- kind: B");
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
