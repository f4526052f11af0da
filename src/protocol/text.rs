//! What a run writes: its input with new text in place of some of its byte ranges.
//!
//! A run piece by piece keeps only what it changed (a few lines a Pod template, and a
//! ResourceList's `results`) instead of a copy of the whole input with the changes made,
//! so that the output costs little more memory than the edits: the input is held anyway,
//! and the bytes between the edits are written from it. New text that repeats (the same
//! token volume at the same indentation in every Deployment) is held once. Nothing is
//! written before the run has succeeded; the text is then written a stretch at a time
//! (its `Display`).

use std::collections::HashMap;
use std::collections::hash_map::DefaultHasher;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Range;

/// The output of a run: `input` with new text in place of some of its byte ranges.
#[derive(Clone)]
pub struct Text<'i> {
    input: &'i str,
    /// The new text of the splices, each held once.
    added: String,
    /// Each splice: the bytes of the input it replaces, and its text in `added`. In
    /// order of position, none overlapping.
    splices: Vec<(Range<usize>, Range<usize>)>,
    /// Where in `added` a text of each hash is, so that a text that repeats is held once.
    seen: HashMap<u64, Range<usize>>,
    /// The text in place of the input from a byte on, to its end: the text of a run
    /// made whole (from byte 0), or what follows a ResourceList's last item (its
    /// `results`). Held as it was made, `.2` onwards of `.1`.
    tail: Option<(usize, String, usize)>,
}

impl<'i> Text<'i> {
    /// `input` as it is, before any splice.
    pub(super) fn of(input: &'i str) -> Self {
        Text {
            input,
            added: String::new(),
            splices: Vec::new(),
            seen: HashMap::new(),
            tail: None,
        }
    }

    /// `text` in place of the whole `input`: a run that made its output whole.
    pub(super) fn whole(input: &'i str, text: String) -> Self {
        let mut whole = Text::of(input);
        whole.tail = Some((0, text, 0));
        whole
    }

    /// Where the last splice ended: a splice or the tail may start there or after.
    fn done(&self) -> usize {
        self.splices.last().map_or(0, |(last, _)| last.end)
    }

    /// `text` in place of the bytes `range` of the input, which must start where the
    /// last splice ended or after it, end within the input and cut no character, and
    /// come before the tail: `None`, changing nothing, where it does not.
    pub(super) fn splice(&mut self, range: Range<usize>, text: &str) -> Option<()> {
        let fits = self.done() <= range.start
            && range.start <= range.end
            && self.tail.is_none()
            && self.input.get(range.clone()).is_some();
        if !fits {
            return None;
        }
        let mut hasher = DefaultHasher::new();
        text.hash(&mut hasher);
        let hash = hasher.finish();
        let held = self
            .seen
            .get(&hash)
            .filter(|at| self.added.get((*at).clone()) == Some(text))
            .cloned();
        let at = held.unwrap_or_else(|| {
            let at = self.added.len()..self.added.len() + text.len();
            self.added.push_str(text);
            self.seen.insert(hash, at.clone());
            at
        });
        self.splices.push((range, at));
        Some(())
    }

    /// `text[at..]` in place of the input from byte `from` to its end, after every
    /// splice: `None`, changing nothing, where `from` is before the last splice's end,
    /// or either cuts a character.
    pub(super) fn end_with(&mut self, from: usize, text: String, at: usize) -> Option<()> {
        let fits = self.done() <= from
            && self.tail.is_none()
            && self.input.get(from..).is_some()
            && text.get(at..).is_some();
        fits.then(|| self.tail = Some((from, text, at)))
    }

    /// The text, stretch by stretch: the input's bytes between the splices and the
    /// splices' new text, in order, then the tail.
    fn stretches(&self) -> impl Iterator<Item = &str> {
        let mut at = 0;
        let spliced = self.splices.iter().flat_map(move |(range, new)| {
            let kept = self.input.get(at..range.start).unwrap_or_default();
            at = range.end;
            [kept, self.added.get(new.clone()).unwrap_or_default()]
        });
        let (kept_to, tail) = match &self.tail {
            Some((from, text, at)) => (*from, text.get(*at..).unwrap_or_default()),
            None => (self.input.len(), ""),
        };
        let kept = self.input.get(self.done()..kept_to).unwrap_or_default();
        spliced.chain([kept, tail])
    }
}

impl fmt::Display for Text<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.stretches()
            .try_for_each(|stretch| f.write_str(stretch))
    }
}

impl fmt::Debug for Text<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.to_string(), f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splices_replace_their_ranges_and_keep_the_bytes_between() {
        let input = "a: 1\nb: 2\nc: 3\n";
        let mut text = Text::of(input);
        text.splice(0..0, "# new\n").unwrap();
        text.splice(8..9, "20").unwrap();
        text.splice(15..15, "d: 4\n").unwrap();
        assert_eq!(text.to_string(), "# new\na: 1\nb: 20\nc: 3\nd: 4\n");
    }

    #[test]
    fn a_splice_out_of_order_past_the_input_or_inside_a_character_is_refused() {
        let input = "é: 1\nb: 2\n";
        let mut text = Text::of(input);
        text.splice(4..5, "").unwrap();
        assert_eq!(text.splice(2..3, "x"), None, "before the last splice");
        assert_eq!(text.splice(9..20, "x"), None, "past the input");
        assert_eq!(Text::of(input).splice(1..1, "x"), None, "inside é");
        assert_eq!(text.to_string(), "é: \nb: 2\n");
    }

    #[test]
    fn a_text_that_repeats_is_held_once() {
        let input = "a: 1\nb: 2\nc: 3\n";
        let mut text = Text::of(input);
        for at in [0, 5, 10] {
            text.splice(at..at, "x: 0\n").unwrap();
        }
        text.splice(15..15, "x: 1\n").unwrap();
        assert_eq!(
            text.to_string(),
            "x: 0\na: 1\nx: 0\nb: 2\nx: 0\nc: 3\nx: 1\n"
        );
        assert_eq!(text.added, "x: 0\nx: 1\n");
    }

    #[test]
    fn the_tail_replaces_the_input_to_its_end_after_every_splice() {
        let input = "a: 1\nb: 2\nc: 3\n";
        let mut text = Text::of(input);
        text.splice(3..4, "10").unwrap();
        assert_eq!(
            text.end_with(2, "zzb: 20\n".into(), 2),
            None,
            "before a splice"
        );
        text.end_with(5, "zzb: 20\n".into(), 2).unwrap();
        assert_eq!(text.splice(12..13, "x"), None, "after the tail");
        assert_eq!(text.to_string(), "a: 10\nb: 20\n");
    }

    #[test]
    fn a_whole_text_is_the_text_and_an_input_alone_is_the_input() {
        assert_eq!(Text::whole("a: 1\n", "b: 2\n".into()).to_string(), "b: 2\n");
        assert_eq!(Text::of("a: 1\n").to_string(), "a: 1\n");
        assert_eq!(Text::whole("a: 1\n", String::new()).to_string(), "");
    }
}
