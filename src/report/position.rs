//! Byte offsets of a text as lines and columns: where a report's regions start and end.
//!
//! Lines end at `\n` only, as git and SARIF's default `newlineSequences` count them: a
//! CRLF line keeps its `\r` as part of its text, and a lone `\r` is an ordinary
//! character.
//!
//! Positions ([`LineIndex::position`], [`LineIndex::region`]) are 1-based, with
//! columns in Unicode code points: the unit the YAML tree and its error messages use,
//! and one that SARIF 2.1.0 offers (§3.14.27 `columnKind`). SARIF's default unit is
//! UTF-16 code units and a run that reports text positions must say which it uses, so
//! a SARIF report built on these positions declares `"columnKind":
//! "unicodeCodePoints"` on its `run`. A [`Region`] converts straight into a SARIF
//! `region` (and a fix's `deletedRegion`): its end is exclusive, as `endColumn` is.

use std::fmt;
use std::ops::Range;

/// A 1-based line and column; the column counts Unicode code points (`char`s), as the
/// YAML tree's columns do and as SARIF's `"columnKind": "unicodeCodePoints"` declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in Unicode code points.
    pub column: usize,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}", self.line, self.column)
    }
}

/// A byte range as SARIF's line/column `region` sees it: `start` is the first
/// character, `end` the position just past the last one (SARIF's `endColumn` is "one
/// greater than the column number of the last character"). An insertion point has
/// `start == end`; a range that takes a line's `\n` ends at column 1 of the next line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region {
    /// `startLine`, `startColumn`.
    pub start: Position,
    /// `endLine`, `endColumn`.
    pub end: Position,
}

/// Where each line of a text starts, for turning byte offsets into lines and columns
/// without scanning the text again for every offset.
#[derive(Debug, Clone)]
pub struct LineIndex<'a> {
    text: &'a str,
    /// Byte offset of the start of each line: 0, then one past each `\n`.
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    /// Indexes the lines of `text`.
    pub fn new(text: &'a str) -> Self {
        let starts = std::iter::once(0)
            .chain(
                text.bytes()
                    .enumerate()
                    .filter(|&(_, b)| b == b'\n')
                    .map(|(i, _)| i + 1),
            )
            .collect();
        LineIndex { text, starts }
    }

    /// The number of lines: a last line without `\n` counts, the empty rest after a
    /// final `\n` does not (so `""` has 0 lines, `"a"` and `"a\n"` have 1). The tests'
    /// measure of what a line is; a report needs positions only.
    #[cfg(test)]
    pub fn line_count(&self) -> usize {
        let breaks = self.starts.len() - 1;
        if self.starts.last().is_some_and(|&s| s < self.text.len()) {
            breaks + 1
        } else {
            breaks
        }
    }

    /// The position of byte `offset`, or `None` when it is past the end of the text or
    /// inside a UTF-8 character. The end of a text that ends with `\n` is column 1 of
    /// the line after its last.
    pub fn position(&self, offset: usize) -> Option<Position> {
        if !self.text.is_char_boundary(offset) {
            return None;
        }
        let line = self.line_of(offset);
        let start = self.starts.get(line).copied().unwrap_or(0);
        let column = self.text.get(start..offset)?.chars().count() + 1;
        Some(Position {
            line: line + 1,
            column,
        })
    }

    /// The SARIF region of the bytes `range`, or `None` when either end is not a
    /// [`position`](Self::position) or the range is reversed.
    pub fn region(&self, range: Range<usize>) -> Option<Region> {
        if range.start > range.end {
            return None;
        }
        Some(Region {
            start: self.position(range.start)?,
            end: self.position(range.end)?,
        })
    }

    /// 0-based index of the line holding byte `offset`.
    pub(super) fn line_of(&self, offset: usize) -> usize {
        self.starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1)
    }

    /// Byte offset where the line holding byte `offset` starts.
    pub(super) fn line_start(&self, offset: usize) -> usize {
        self.starts.get(self.line_of(offset)).copied().unwrap_or(0)
    }

    /// Byte offset just past the line holding byte `offset` (past its `\n`, or the end
    /// of the text).
    pub(super) fn next_line_start(&self, offset: usize) -> usize {
        self.starts
            .get(self.line_of(offset) + 1)
            .copied()
            .unwrap_or(self.text.len())
    }

    /// Whether byte `offset` is the first of a line (or the end of a text ending with
    /// `\n`, or of an empty one).
    pub(super) fn at_line_start(&self, offset: usize) -> bool {
        self.starts.get(self.line_of(offset)) == Some(&offset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `2..1`, which the lints would take for a mistake if it were written out.
    fn reversed() -> Range<usize> {
        Range { start: 2, end: 1 }
    }

    #[test]
    fn positions_count_lines_from_one_and_columns_in_code_points() {
        let text = "aé😀b\r\nx\n";
        let index = LineIndex::new(text);
        let pos = |offset| index.position(offset).map(|p| (p.line, p.column));
        assert_eq!(pos(0), Some((1, 1)));
        assert_eq!(pos(1), Some((1, 2)));
        assert_eq!(pos(3), Some((1, 3)));
        assert_eq!(pos(7), Some((1, 4)));
        assert_eq!(
            pos(8),
            Some((1, 5)),
            "the \\r of a CRLF is at the line's end"
        );
        assert_eq!(pos(10), Some((2, 1)));
        assert_eq!(pos(12), Some((3, 1)), "after the final newline");
        assert_eq!(pos(2), None, "inside é");
        assert_eq!(pos(13), None, "past the end");
        assert_eq!(index.line_count(), 2);
        assert_eq!(LineIndex::new("").line_count(), 0);
        assert_eq!(LineIndex::new("a").line_count(), 1);
        assert_eq!(LineIndex::new("a\n\n").line_count(), 2);
        assert_eq!(
            index.region(10..12),
            Some(Region {
                start: Position { line: 2, column: 1 },
                end: Position { line: 3, column: 1 },
            }),
            "a whole line with its newline ends at column 1 of the next line"
        );
        let insertion = index.region(11..11).unwrap();
        assert_eq!(insertion.start, insertion.end);
        assert_eq!(index.region(reversed()), None);
        assert_eq!(insertion.start.to_string(), "line 2, column 2");
    }
}
