//! An edit of a text as the function makes it: new text for a byte range of the
//! original ([`Replacement`]). The yaml editor records its splices as replacements, a
//! result's fix is a list of them, and a file's diff and a SARIF fix are rendered from
//! them, so the change shown is the change made, with no conversion in between.
//!
//! A list of replacements is one edit of a text when it is sorted and its ranges do not
//! overlap ([`check`]); [`apply`] makes it. This module depends on nothing else in the
//! crate, so that both the YAML library and the reports can use it.

use std::ops::Range;

/// New text for a byte range of the original: an insertion when the range is empty, a
/// deletion when the text is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replacement {
    /// The bytes of the original that are replaced.
    pub range: Range<usize>,
    /// What replaces them.
    pub text: String,
}

impl Replacement {
    /// `text` in place of the bytes `range` of the original.
    pub fn new(range: Range<usize>, text: impl Into<String>) -> Self {
        Replacement {
            range,
            text: text.into(),
        }
    }
}

/// A list of replacements that does not describe one edit of the text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReplacementError {
    /// A range that ends before it starts.
    #[error("replacement {index}: range {start}..{end} ends before it starts")]
    Reversed {
        /// Index of the replacement in the list.
        index: usize,
        /// Start of its range.
        start: usize,
        /// End of its range.
        end: usize,
    },
    /// A range that ends past the end of the text.
    #[error(
        "replacement {index}: range {start}..{end} ends past the end of the text ({len} bytes)"
    )]
    OutOfBounds {
        /// Index of the replacement in the list.
        index: usize,
        /// Start of its range.
        start: usize,
        /// End of its range.
        end: usize,
        /// Length of the text in bytes.
        len: usize,
    },
    /// A range that starts or ends inside a UTF-8 sequence.
    #[error("replacement {index}: byte {offset} is inside a UTF-8 character")]
    NotCharBoundary {
        /// Index of the replacement in the list.
        index: usize,
        /// The offending offset.
        offset: usize,
    },
    /// A range that starts before the previous one ends: the list is not sorted, or two
    /// replacements overlap.
    #[error(
        "replacement {index}: range {start}..{end} starts before the previous replacement ends (at {previous_end}); replacements must be sorted and must not overlap"
    )]
    Overlap {
        /// Index of the replacement in the list.
        index: usize,
        /// Start of its range.
        start: usize,
        /// End of its range.
        end: usize,
        /// End of the previous replacement's range.
        previous_end: usize,
    },
}

/// Checks that `replacements` are one edit of `text`: each range within the text, on
/// character boundaries, sorted, and not overlapping. Ranges may touch, and several
/// insertions at one offset go in the order given.
pub fn check(text: &str, replacements: &[Replacement]) -> Result<(), ReplacementError> {
    let mut previous_end = 0;
    for (index, r) in replacements.iter().enumerate() {
        let (start, end) = (r.range.start, r.range.end);
        if start > end {
            return Err(ReplacementError::Reversed { index, start, end });
        }
        if end > text.len() {
            let len = text.len();
            return Err(ReplacementError::OutOfBounds {
                index,
                start,
                end,
                len,
            });
        }
        for offset in [start, end] {
            if !text.is_char_boundary(offset) {
                return Err(ReplacementError::NotCharBoundary { index, offset });
            }
        }
        if start < previous_end {
            return Err(ReplacementError::Overlap {
                index,
                start,
                end,
                previous_end,
            });
        }
        previous_end = end;
    }
    Ok(())
}

/// The text after `replacements`, after [`check`]ing them.
pub fn apply(text: &str, replacements: &[Replacement]) -> Result<String, ReplacementError> {
    check(text, replacements)?;
    let added: usize = replacements.iter().map(|r| r.text.len()).sum();
    let mut out = String::with_capacity(text.len().saturating_add(added));
    let mut pos = 0;
    for r in replacements {
        out.push_str(text.get(pos..r.range.start).unwrap_or_default());
        out.push_str(&r.text);
        pos = r.range.end;
    }
    out.push_str(text.get(pos..).unwrap_or_default());
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(range: Range<usize>, text: &str) -> Replacement {
        Replacement::new(range, text)
    }

    /// `2..1`, which the lints would take for a mistake if it were written out.
    fn reversed() -> Range<usize> {
        Range { start: 2, end: 1 }
    }

    #[test]
    fn replacement_lists_that_are_not_one_edit_are_errors() {
        let text = "aé\n";
        let err = |reps: &[Replacement]| check(text, reps).unwrap_err();
        assert!(matches!(
            err(&[r(reversed(), "")]),
            ReplacementError::Reversed { index: 0, .. }
        ));
        assert!(matches!(
            err(&[r(0..9, "")]),
            ReplacementError::OutOfBounds { len: 4, .. }
        ));
        assert!(matches!(
            err(&[r(2..2, "")]),
            ReplacementError::NotCharBoundary { offset: 2, .. }
        ));
        assert!(matches!(
            err(&[r(1..3, ""), r(0..1, "")]),
            ReplacementError::Overlap {
                index: 1,
                previous_end: 3,
                ..
            }
        ));
        assert!(apply(text, &[r(0..9, "")]).is_err());
        // Touching ranges and several insertions at one offset are one edit.
        let reps = [r(0..1, "x"), r(1..1, "1"), r(1..1, "2"), r(1..3, "y")];
        assert_eq!(apply(text, &reps).unwrap(), "x12y\n");
    }
}
