//! The check of the collections whose ops insert or remove entries or items: what the
//! output should hold is the input's children, less the removed, with the new ones
//! after them.

use serde_json::Value;

use super::{Checker, Mismatch, Out, Want};
use crate::yaml::edit::{Inserted, Op};
use crate::yaml::tree::{self, Kind, Node};

impl<'x> Checker<'x> {
    /// The keys a mapping's merge key (`<<: *base`, or a list of aliases) brings in, as
    /// far as they can be read: `None` when a source is not an alias of a mapping met
    /// earlier in the input.
    fn merged_keys(&self, entries: &[(Node<'_>, Node<'_>)]) -> Option<Vec<&'x str>> {
        let mut keys = Vec::new();
        for (k, v) in entries.iter().filter(|(k, _)| k.is_merge_key()) {
            let _ = k;
            let sources: Vec<&Node<'_>> = match v.items() {
                Some(items) => items.iter().collect(),
                None => vec![v],
            };
            for source in sources {
                let Kind::Alias(anchor) = source.kind else {
                    return None;
                };
                let target = self.anchored.get(&anchor)?;
                for (key, _) in target.entries()? {
                    keys.push(key.as_str()?);
                }
            }
        }
        Some(keys)
    }

    /// The entries a mapping whose ops remove or insert some should have, each with its
    /// index in the input (`None` for an inserted one); or why no output can be right.
    pub(super) fn map_want(
        &self,
        entries: &'x [(Node<'x>, Node<'x>)],
        ops: &[(tree::NodeId, &'x Op)],
    ) -> Result<Vec<Entry<'x>>, String> {
        let removed: Vec<usize> = ops
            .iter()
            .filter_map(|(_, op)| match op {
                Op::RemoveEntry(i) => Some(*i),
                _ => None,
            })
            .collect();
        let inserted = ops.iter().filter_map(|(_, op)| match op {
            Op::InsertEntry(k, v) => Some((k.as_str(), v)),
            _ => None,
        });
        // Kubernetes' reader honours merge keys, and an explicit key hides a merged one:
        // an inserted key would hide what the merge brings in, and a removed key would
        // let it through.
        if entries.iter().any(|(k, _)| k.is_merge_key()) {
            let merged = self.merged_keys(entries);
            let touched = inserted.clone().map(|(k, _)| k).chain(
                removed
                    .iter()
                    .filter_map(|i| entries.get(*i).and_then(|(k, _)| k.as_str())),
            );
            for key in touched {
                if merged.as_ref().is_none_or(|m| m.contains(&key)) {
                    return Err(format!(
                        "an edit inserts or removes the key {key:?} in a mapping with a merge key (`<<`) that brings it in, or whose merge cannot be read"
                    ));
                }
            }
        }
        let mut want: Vec<Entry<'x>> = entries
            .iter()
            .enumerate()
            .filter(|(i, _)| !removed.contains(i))
            .map(|(i, (k, v))| (Some(i), Want::Old(k), Want::Old(v)))
            .collect();
        want.extend(inserted.clone().map(|(key, value)| match value {
            Inserted::Value(v) => (None, Want::Key(key), Want::New(v)),
            Inserted::List(list) => (None, Want::Key(key), Want::List(list)),
        }));
        // A key inserted where the mapping keeps one of the same value would make the
        // output invalid YAML (and Kubernetes refuses it) even though every entry is
        // where it should be.
        fn text_of<'w>(w: &'w Want<'_, '_>) -> Option<&'w str> {
            match w {
                Want::Old(n) => n.as_str(),
                Want::Key(k) => Some(k),
                Want::New(v) => v.as_str(),
                Want::List(_) => None,
            }
        }
        for (key, _) in inserted {
            if want
                .iter()
                .filter(|(_, k, _)| text_of(k) == Some(key))
                .count()
                > 1
            {
                return Err(format!(
                    "an edit inserts the key {}, which the mapping already has",
                    Value::String(key.to_owned())
                ));
            }
        }
        Ok(want)
    }

    /// The entries of a mapping whose ops remove or insert some.
    pub(super) fn edited_map(
        &mut self,
        entries: &'x [(Node<'x>, Node<'x>)],
        ops: &[(tree::NodeId, &'x Op)],
        out: &Out<'_>,
        depth: usize,
    ) -> Result<u64, Mismatch> {
        let want = self
            .map_want(entries, ops)
            .or_else(|what| self.fail(out.line(), what))?;
        self.entries(&want, out, depth)
    }

    /// Reads the entries of the mapping `out` as `want`, to its end.
    pub(super) fn entries(
        &mut self,
        want: &[Entry<'x>],
        out: &Out<'_>,
        depth: usize,
    ) -> Result<u64, Mismatch> {
        let mut size: u64 = 1;
        for (i, (_, wk, wv)) in want.iter().enumerate() {
            let Some(key) = self.child(depth + 1)? else {
                return self.fail(
                    out.line(),
                    format!("mapping has {i} entries, expected {}", want.len()),
                );
            };
            size = size.saturating_add(self.want(wk, key, depth + 1)?);
            let value = self.node(depth + 1, out.line())?;
            size = size.saturating_add(self.want(wv, value, depth + 1)?);
        }
        self.end(out, depth, want.len())?;
        Ok(size)
    }

    /// The items of a sequence whose ops remove or append some.
    pub(super) fn edited_seq(
        &mut self,
        items: &'x [Node<'x>],
        ops: &[(tree::NodeId, &'x Op)],
        out: &Out<'_>,
        depth: usize,
    ) -> Result<u64, Mismatch> {
        let want = seq_want(items, ops);
        self.items(&want, out, depth)
    }

    /// Reads the items of the sequence `out` as `want`, to its end.
    pub(super) fn items(
        &mut self,
        want: &[Item<'x>],
        out: &Out<'_>,
        depth: usize,
    ) -> Result<u64, Mismatch> {
        let mut size: u64 = 1;
        for (i, (_, w)) in want.iter().enumerate() {
            let Some(node) = self.child(depth + 1)? else {
                return self.fail(
                    out.line(),
                    format!("list has {i} items, expected {}", want.len()),
                );
            };
            size = size.saturating_add(self.want(w, node, depth + 1)?);
        }
        self.end(out, depth, want.len())?;
        Ok(size)
    }
}

/// An entry of a mapping as the output should have it: its index in the input (`None`
/// for an inserted one), its key and its value.
pub(super) type Entry<'x> = (Option<usize>, Want<'x, 'x>, Want<'x, 'x>);

/// An item of a sequence as the output should have it, with its index in the input.
pub(super) type Item<'x> = (Option<usize>, Want<'x, 'x>);

/// The items a sequence whose ops remove or append some should have.
pub(super) fn seq_want<'x>(items: &'x [Node<'x>], ops: &[(tree::NodeId, &'x Op)]) -> Vec<Item<'x>> {
    let removed: Vec<usize> = ops
        .iter()
        .filter_map(|(_, op)| match op {
            Op::RemoveItem(i) => Some(*i),
            _ => None,
        })
        .collect();
    items
        .iter()
        .enumerate()
        .filter(|(i, _)| !removed.contains(i))
        .map(|(i, n)| (Some(i), Want::Old(n)))
        .chain(ops.iter().filter_map(|(_, op)| match op {
            Op::AppendItem(v) => Some((None, Want::New(v))),
            _ => None,
        }))
        .collect()
}
