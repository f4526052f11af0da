//! What the builder refuses while it reads: alias bombs ([`super::MAX_ALIAS_EXPANSION`]),
//! nesting deeper than [`super::MAX_DEPTH`], duplicate keys, and events where they
//! cannot be.

use std::borrow::Cow;
use std::collections::HashMap;

use super::{Ev, Kind, MAX_ALIAS_EXPANSION, MAX_DEPTH, Node, ParseError, Pos};

/// What the aliases of a document stand for, to refuse alias bombs
/// ([`MAX_ALIAS_EXPANSION`]) without expanding anything.
#[derive(Default)]
pub(in crate::yaml) struct Aliases {
    /// How many nodes each anchored node stands for, aliases expanded.
    sizes: HashMap<u32, u64>,
    /// How many nodes the current document's aliases stand for.
    aliased: u64,
}

impl Aliases {
    pub(in crate::yaml) fn new_document(&mut self) {
        self.aliased = 0;
    }

    /// Records that the node anchored as `anchor` (0: none) stands for `size` nodes.
    pub(in crate::yaml) fn anchored(&mut self, anchor: u32, size: u64) {
        if anchor != 0 {
            self.sizes.insert(anchor, size);
        }
    }

    /// Counts an alias of `anchor` at `pos`; returns how many nodes it stands for.
    pub(in crate::yaml) fn alias(&mut self, anchor: u32, pos: Pos) -> Result<u64, ParseError> {
        // An alias of an anchor still being read (one that contains itself) has no size
        // yet: it would expand forever.
        let size = self.sizes.get(&anchor).copied().unwrap_or(u64::MAX);
        self.aliased = self.aliased.saturating_add(size);
        if self.aliased > MAX_ALIAS_EXPANSION {
            return Err(ParseError {
                line: pos.line,
                column: pos.col + 1,
                message: format!(
                    "the document's aliases stand for more than {MAX_ALIAS_EXPANSION} nodes (an alias bomb, or an alias inside its own anchor); refusing it"
                ),
            });
        }
        Ok(size)
    }
}

/// The error for nesting deeper than [`MAX_DEPTH`], at `pos`.
pub(in crate::yaml) fn too_deep(pos: Pos) -> ParseError {
    ParseError {
        line: pos.line,
        column: pos.col + 1,
        message: format!("nesting deeper than {MAX_DEPTH} levels"),
    }
}

/// The error for an event where it cannot be.
pub(in crate::yaml) fn unexpected(event: &Ev<'_>, pos: Pos) -> ParseError {
    ParseError {
        line: pos.line,
        column: pos.col + 1,
        message: format!("unexpected YAML event {event:?}"),
    }
}

/// Mappings with more entries than this look up keys in a map rather than a scan.
const SCAN_KEYS: usize = 16;

/// Refuses a key that the mapping already has. YAML forbids it and Kubernetes' reader
/// fails on it ("key already set in map"), and a reader that took the first entry (as
/// [`Node::get`] does) would not see what the cluster sees. `seen` maps key values to
/// the lines of their entries once the mapping is large.
pub(super) fn check_unique<'a>(
    entries: &[(Node<'a>, Node<'a>)],
    key: &Node<'a>,
    seen: &mut HashMap<Cow<'a, str>, usize>,
) -> Result<(), ParseError> {
    let Kind::Scalar { value, .. } = &key.kind else {
        return Ok(());
    };
    let first = if entries.len() < SCAN_KEYS {
        entries
            .iter()
            .find(|(k, _)| k.as_str() == Some(value))
            .map(|(k, _)| k.line())
    } else {
        if entries.len() == SCAN_KEYS {
            for (k, _) in entries {
                if let Kind::Scalar { value, .. } = &k.kind {
                    seen.entry(value.clone()).or_insert(k.line());
                }
            }
        }
        seen.insert(value.clone(), key.line())
    };
    match first {
        Some(line) => Err(ParseError {
            line: key.line(),
            column: key.column(),
            message: format!(
                "duplicate key {value:?} (first at line {line}); YAML and Kubernetes refuse duplicate keys"
            ),
        }),
        None => Ok(()),
    }
}
