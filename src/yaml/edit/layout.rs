//! Where the editor's text goes: lines, columns, block headers and the positions of
//! insertions and removals in flow and block collections, measured from the text around
//! them.

use std::ops::Range;

use serde_json::Value;

use super::{EditError, Editor};
use crate::yaml::tree::{Kind, Node};

impl Editor<'_> {
    /// Where and what to insert into a flow collection after `last` (or after the opening
    /// bracket when it is empty), keeping one-line collections on one line and putting
    /// new entries of multi-line ones on a line of their own, aligned with `first`.
    pub(super) fn flow_insert(
        &self,
        coll: &Node<'_>,
        last: Option<&Node<'_>>,
        first: Option<&Node<'_>>,
        item: String,
    ) -> (usize, String) {
        match (last, first) {
            (Some(last), Some(first)) if first.line != coll.line => {
                let mut text = format!(",{}", self.layout.newline);
                text.extend(std::iter::repeat_n(' ', first.col as usize));
                text.push_str(&item);
                (last.end, text)
            }
            (Some(last), _) => (last.end, format!(", {item}")),
            _ => (coll.start + 1, item),
        }
    }

    /// The byte range to delete to remove child `index` of a flow collection whose
    /// children span `spans`: up to the next child, or back to the previous one.
    pub(super) fn flow_remove(&self, spans: Vec<(usize, usize)>, index: usize) -> Range<usize> {
        let Some(&(start, end)) = spans.get(index) else {
            return 0..0;
        };
        if let Some(&(next, _)) = spans.get(index + 1) {
            start..next
        } else if let Some(&(_, prev_end)) = index.checked_sub(1).and_then(|i| spans.get(i)) {
            prev_end..end
        } else {
            start..end
        }
    }

    /// When the sibling before a block item or entry (starting at `lead`) was removed up
    /// to `lead`, so that this one would take its place on a line it shares with a `-`,
    /// and this one goes too: that removal now runs to `next` instead, whose node takes
    /// the place (removing this one's whole line would overlap it). Returns whether it
    /// did; an error when there is no next sibling to take the place.
    pub(super) fn extend_removal(
        &mut self,
        node: &Node<'_>,
        lead: usize,
        next: Option<usize>,
    ) -> Result<bool, EditError> {
        let Some(earlier) = self
            .edits
            .splices
            .iter_mut()
            .find(|s| s.is_removal() && s.edit.range.end == lead)
        else {
            return Ok(false);
        };
        match next {
            Some(next) => {
                earlier.edit.range.end = next;
                Ok(true)
            }
            None => Err(EditError::at(
                node,
                "every entry of a collection that shares its first line with its parent",
            )),
        }
    }

    /// The byte range to delete to remove a block item or entry that starts at `lead`
    /// (its `-` or key) and ends at `end`: its whole lines when it starts a line, else up
    /// to the next sibling, which then takes its place on the line. `previous` is the
    /// sibling before it, if any.
    pub(super) fn block_remove(
        &self,
        node: &Node<'_>,
        lead: usize,
        end: usize,
        next: Option<usize>,
        previous: Option<&Node<'_>>,
    ) -> Result<Range<usize>, EditError> {
        let line_start = self.line_start(lead);
        let prefix = self.text.get(line_start..lead).unwrap_or_default();
        if prefix.bytes().all(|b| b == b' ') {
            let end = self.line_after(end);
            // The last lines of a text without a final line break: the break before them
            // goes too, so that the output lacks one as well; but not the break that ends
            // a block scalar, which is part of its value.
            if end == self.text.len()
                && !self.text.ends_with('\n')
                && previous.is_none_or(|p| !ends_with_block_scalar(p))
            {
                let newline = line_break_before(self.text, line_start).unwrap_or_default();
                return Ok(line_start - newline.len()..end);
            }
            return Ok(line_start..end);
        }
        match next {
            Some(next) => Ok(lead..next),
            None => Err(EditError::at(
                node,
                "the last entry of a collection that shares its first line with its parent",
            )),
        }
    }

    /// The `-` that introduces a block sequence item, with only spaces between.
    pub(super) fn dash_before(&self, item: &Node<'_>) -> Result<usize, EditError> {
        let before = self.text.get(..item.start).unwrap_or_default();
        let trimmed = before.trim_end_matches(' ');
        if trimmed.ends_with('-') {
            Ok(trimmed.len() - 1)
        } else {
            Err(EditError::at(
                item,
                "a list item whose `-` is not on its first line",
            ))
        }
    }

    /// The position of the `?` that introduces `key` when it is an explicit key: the
    /// first character before it but spaces and line breaks, on the key's line or, when
    /// the key is on a later line, left of the key (a `?` at or right of the key's
    /// column is another entry's, whose key is empty).
    pub(super) fn explicit_key(&self, key: &Node<'_>) -> Option<usize> {
        let before = self.text.get(..key.start)?;
        let trimmed = before.trim_end_matches([' ', '\t', '\r', '\n']);
        let at = trimmed
            .strip_suffix('?')
            .filter(|t| t.is_empty() || t.ends_with([' ', '\n']))
            .map(str::len)?;
        let same_line = !before.get(at..).is_some_and(|t| t.contains('\n'));
        // An empty key is the `?`'s whatever: the parser put it at the next node.
        let empty = key.start == key.end;
        (same_line || empty || self.column(at) < key.col as usize).then_some(at)
    }

    /// The 0-based column (in characters) of byte `pos`.
    pub(super) fn column(&self, pos: usize) -> usize {
        let start = self.line_start(pos);
        self.text.get(start..pos).map_or(0, |t| t.chars().count())
    }

    /// Refuses a flow mapping written without braces (`[k: v]`, a list of one mapping):
    /// text added after its entry would be another item of the list.
    pub(super) fn check_braces(&self, map: &Node<'_>) -> Result<(), EditError> {
        if self
            .text
            .get(map.start..)
            .is_some_and(|t| t.starts_with('{'))
        {
            Ok(())
        } else {
            Err(EditError::at(
                map,
                "a mapping without braces in a flow list",
            ))
        }
    }

    /// Refuses block nodes that share their line with a tag, anchor or key we would have
    /// to reproduce, since new lines are aligned by column.
    pub(super) fn check_block_start(&self, node: &Node<'_>) -> Result<(), EditError> {
        let line_start = self.line_start(node.start);
        let prefix = self.text.get(line_start..node.start).unwrap_or_default();
        if prefix.bytes().all(|b| matches!(b, b' ' | b'-')) {
            Ok(())
        } else {
            Err(EditError::at(
                node,
                "a block node preceded on its line by a tag, anchor or key",
            ))
        }
    }

    pub(super) fn line_start(&self, pos: usize) -> usize {
        crate::yaml::tree::line_start(self.text, pos)
    }

    /// The start of the line after the one that holds `pos - 1` (the last byte of a node),
    /// or the end of the text.
    pub(super) fn line_after(&self, pos: usize) -> usize {
        if pos > 0 && self.text.as_bytes().get(pos - 1) == Some(&b'\n') {
            return pos;
        }
        self.text
            .get(pos..)
            .and_then(|t| t.find('\n'))
            .map_or(self.text.len(), |i| pos + i + 1)
    }

    /// New block lines `lines` (without their last line break) to insert at `at`, after
    /// the last line of `parent`: they end with a line break, but at the very end of a
    /// text that has none they start with one instead, so that the output has no final
    /// line break either.
    pub(super) fn new_lines(&mut self, parent: &Node<'_>, at: usize, mut lines: String) -> String {
        if at == self.text.len() && !self.text.is_empty() && !self.text.ends_with('\n') {
            self.strip_last_block_scalar(parent);
            let mut text = String::from(self.layout.newline);
            text.push_str(&lines);
            text
        } else {
            lines.push_str(self.layout.newline);
            lines
        }
    }

    /// Keeps the value of a block scalar that ends `parent` and the text without a line
    /// break (`|` then `echo hi` and the end of the input: the value is "echo hi", as
    /// Kubernetes reads it), when new lines are to follow it: the line break they need
    /// would join its value under clip (`|`) or keep (`|+`) chomping, so its header gets
    /// the strip indicator (`|-`), which leaves the value as it was.
    fn strip_last_block_scalar(&mut self, parent: &Node<'_>) {
        let Some((leaf, Some(lead))) = last_leaf(parent) else {
            return;
        };
        if leaf.end != self.text.len() || !leaf.is_block_scalar() {
            return;
        }
        let Some(header) = self.block_header(lead, leaf.start) else {
            return;
        };
        let indicators = self.text.get(header.clone()).unwrap_or_default();
        if indicators.contains('-') {
            return;
        }
        let stripped = if indicators.contains('+') {
            indicators.replace('+', "-")
        } else {
            format!("{indicators}-")
        };
        self.push_splice(header, stripped);
    }

    /// The bytes of a block scalar's header from its `|` or `>` through its indicators,
    /// found between `lead` (where the text before it ends) and `start` (its content),
    /// past the `:`, `-` or `?`, a tag, an anchor, comments, spaces and line breaks.
    fn block_header(&self, lead: usize, start: usize) -> Option<Range<usize>> {
        let gap = self.text.get(lead..start)?;
        let mut chars = gap.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            match c {
                ':' | '-' | '?' | ' ' | '\t' | '\r' | '\n' => {}
                // A tag or an anchor runs to the next space.
                '!' | '&' => while chars.next_if(|(_, c)| !c.is_whitespace()).is_some() {},
                // Only a comment starts with `#` between two nodes.
                '#' => while chars.next_if(|(_, c)| *c != '\n').is_some() {},
                '|' | '>' => {
                    let rest = gap.get(i + 1..)?;
                    let len = rest
                        .bytes()
                        .take(2)
                        .take_while(|b| matches!(b, b'1'..=b'9' | b'+' | b'-'))
                        .count();
                    return Some(lead + i..lead + i + 1 + len);
                }
                _ => return None,
            }
        }
        None
    }

    /// `end` moved back over trailing line breaks and spaces (which a block scalar's span
    /// includes), but not before `start`.
    pub(super) fn trim_end(&self, start: usize, end: usize) -> usize {
        let t = self.text.get(start..end).unwrap_or_default();
        start + t.trim_end_matches([' ', '\n', '\r']).len()
    }
}

/// Whether `node` can be made to read as `want` in place: both mappings, both lists, or
/// a written, untagged scalar and a scalar value.
pub(super) fn convergeable(node: &Node<'_>, want: &Value) -> bool {
    match (&node.kind, want) {
        (Kind::Map { .. }, Value::Object(_)) | (Kind::Seq { .. }, Value::Array(_)) => true,
        (Kind::Scalar { .. }, Value::Object(_) | Value::Array(_)) => false,
        (Kind::Scalar { .. }, _) => node.start < node.end && !node.is_tagged(),
        _ => false,
    }
}

/// Whether the value's text ends a block mapping entry: all but an empty value after an
/// explicit key with no `:` (`? |` and its lines), which the parser puts at the key's end.
fn ends_the_entry(key: &Node<'_>, value: &Node<'_>) -> bool {
    !(value.start == value.end && value.end <= key.end)
}

/// The last node of `node`'s text (its last descendant in a block collection) and
/// where the text that introduces it starts (its key's end, or the end of the item
/// or key before it; `None` for `node` itself).
fn last_leaf<'n, 'b>(node: &'n Node<'b>) -> Option<(&'n Node<'b>, Option<usize>)> {
    let (mut here, mut lead) = (node, None);
    for _ in 0..=crate::yaml::tree::MAX_DEPTH {
        match &here.kind {
            Kind::Map {
                flow: false,
                entries,
                ..
            } => {
                let (k, v) = entries.last()?;
                if ends_the_entry(k, v) {
                    lead = Some(k.end);
                    here = v;
                } else {
                    // `? key` and no value: the key's text ends the mapping; a
                    // header of it is found from the end of the entry before.
                    let before = entries.len().checked_sub(2).and_then(|i| entries.get(i));
                    lead = Some(
                        before.map_or(lead.unwrap_or(here.start), |(bk, bv)| bk.end.max(bv.end)),
                    );
                    here = k;
                }
            }
            Kind::Seq {
                flow: false, items, ..
            } => {
                // A block scalar item starts on the line after its `-`: its header
                // is found from the end of the item before, or of the key above.
                let item = items.last()?;
                let before = items.len().checked_sub(2).and_then(|i| items.get(i));
                lead = Some(before.map_or(lead.unwrap_or(here.start), |b| b.end));
                here = item;
            }
            _ => break,
        }
    }
    Some((here, lead))
}

/// Whether the last bytes of `node` are a block scalar's (whose last line break is part
/// of its value).
fn ends_with_block_scalar(node: &Node<'_>) -> bool {
    last_leaf(node).is_some_and(|(leaf, _)| leaf.is_block_scalar())
}

/// The line breaks the editor knows: CRLF first, so that it is not taken for its LF.
pub(super) const LINE_BREAKS: [&str; 2] = ["\r\n", "\n"];

/// The line break that ends the line before byte `at` of `text`, when `at` starts a line.
pub(super) fn line_break_before(text: &str, at: usize) -> Option<&'static str> {
    let before = text.get(..at)?;
    LINE_BREAKS.into_iter().find(|n| before.ends_with(n))
}
