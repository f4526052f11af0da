//! Hardening an input a piece at a time ([`pieces`]): each document of a stream, each
//! item of a ResourceList, is parsed alone, hardened, its edits checked against it and
//! written to the output, and its tree dropped before the next is read. The run holds
//! the input, the output and one piece's tree, instead of a tree of the whole input
//! (five times its size). The output is held until the run has succeeded, so that
//! nothing reaches stdout before, as what the pieces' checked edits replace in the input
//! ([`Text`]): not a second copy of it.
//!
//! The run is the one [`super::stream`] and [`super::resource_list`] make over the whole
//! input, with the same words, in the same order; where it cannot be made piece by piece
//! it is not made at all (`None`) and the input is read whole, which then decides:
//! - the text cannot be cut ([`pieces`]), or a piece does not parse alone;
//! - anything the whole run would refuse or warn about as a whole (no objects, a
//!   ResourceList among other documents, a functionConfig that cannot be read);
//! - an output check that fails for no object's edits;
//! - an RBAC object where the text showed none: the RBAC objects are read before any
//!   Pod template is decided (a binding may come after the workload it grants), from
//!   the pieces whose text names an RBAC kind ([`Piece::may_hold_rbac`]), and every other
//!   piece is checked, as it is read, to hold none.

use super::Text;
use super::inventory_of;
use super::output::{self, check_proposals_from_line, checked_with};
use super::pieces::{self, Items, Piece, lines_in};
use super::resource_list::{self, Output};
use crate::config::{Rbac, Settings};
use crate::evidence;
use crate::filter::{Filter, Outcome};
use crate::rbac::{self, Inventory};
use crate::replacement::Replacement;
use crate::results::{FnResult, Tally};
use crate::yaml::{Checked, Document, Edits, Node};

/// The objects a piece is: a stream piece's documents, or a ResourceList item's one
/// item; `None` when an item piece is not one object.
fn objects<'d, 'a>(doc: &'d Document<'a>, item: bool) -> Option<Vec<&'d Node<'a>>> {
    if !item {
        return Some(doc.roots().iter().collect());
    }
    match doc.roots() {
        [list] => match list.items()? {
            [one] if one.entries().is_some() => Some(vec![one]),
            _ => None,
        },
        _ => None,
    }
}

/// The RBAC objects of the pieces whose text names an RBAC kind, then those of
/// `--evidence` files: the inventory a whole run reads, if the other pieces hold none.
fn inventory(
    text: &str,
    pieces: &[Piece],
    item: bool,
    rbac: Rbac,
    extra: &[(rbac::Origin, rbac::Object)],
) -> Option<Inventory> {
    let mut found = Vec::new();
    for piece in pieces.iter().filter(|p| p.may_hold_rbac(text)) {
        let doc = Document::parse_piece(text, piece.range.clone(), piece.first_line).ok()?;
        for object in objects(&doc, item)? {
            found.extend(evidence::objects(&doc, object));
        }
    }
    Some(inventory_of(
        rbac,
        found.into_iter().chain(extra.iter().cloned()),
    ))
}

/// Whether `objects` of a piece that the inventory was not read from hold no RBAC
/// object it would have read.
fn holds_no_rbac(doc: &Document<'_>, objects: &[&Node<'_>], rbac: Rbac) -> bool {
    objects.iter().all(|object| {
        evidence::objects(doc, object)
            .iter()
            .all(|(_, found)| !rbac.reads(found))
    })
}

/// One piece hardened: its edits, checked, and its objects' outcomes.
struct Hardened {
    /// What the checked output replaced in the piece, in order of position: the
    /// output is the piece with these made.
    replacements: Vec<Replacement>,
    /// The lines of the output.
    lines: usize,
    outcomes: Vec<Outcome>,
}

/// Hardens the `objects` of the piece `doc` (`outcome` makes each object's outcome) and
/// checks its output, for an output where it starts on line `out_line`, knowing the new
/// text that has checked out in earlier pieces (`checked`). The outcomes keep their
/// results and rows; their edits become the replacements that made the output that
/// checked out.
fn harden(
    doc: &Document<'_>,
    objects: &[&Node<'_>],
    (out_line, checked): (usize, &mut Checked),
    mut outcome: impl FnMut(&Node<'_>) -> Outcome,
) -> Option<Hardened> {
    let mut outcomes: Vec<Outcome> = objects.iter().map(|object| outcome(object)).collect();
    check_proposals_from_line(doc, &mut outcomes, out_line).ok()?;
    let text = checked_with(
        &mut outcomes,
        |_| None,
        |sets| doc.apply_with(sets, out_line, checked),
    )
    .ok()?;
    // The splices of the pass that checked out, as `apply` made them.
    let made: Vec<&Edits> = outcomes.iter().map(|o| &o.edits).collect();
    let replacements = Edits::replacements(&made);
    for outcome in &mut outcomes {
        outcome.edits.clear();
        outcome.proposed.clear();
    }
    Some(Hardened {
        replacements,
        lines: lines_in(&text),
        outcomes,
    })
}

/// Makes `replacements` in `out`, after those already made.
fn splice(out: &mut Text<'_>, replacements: Vec<Replacement>) -> Option<()> {
    replacements
        .into_iter()
        .try_for_each(|r| out.splice(r.range, &r.text))
}

/// A plain stream, document piece by document piece, as [`super::stream::run`] runs it.
pub(super) fn stream<'i>(
    text: &'i str,
    settings: &Settings,
    extra: &[(rbac::Origin, rbac::Object)],
) -> Option<super::stream::Output<'i>> {
    let pieces = pieces::documents(text)?;
    let inventory = inventory(text, &pieces, false, settings.rbac, extra)?;
    let filter = Filter::new(settings, &inventory);
    let mut out = Text::of(text);
    let (mut results, mut tally, mut rows) = (Vec::new(), Tally::default(), Vec::new());
    let (mut documents, mut any_object, mut out_lines) = (0, false, 0);
    let mut checked = Checked::default();
    for piece in &pieces {
        let doc = Document::parse_piece(text, piece.range.clone(), piece.first_line).ok()?;
        let roots = objects(&doc, false)?;
        if roots.iter().any(|r| resource_list::claims(r))
            || (!piece.may_hold_rbac(text) && !holds_no_rbac(&doc, &roots, settings.rbac))
        {
            return None;
        }
        any_object |= roots.iter().any(|r| r.entries().is_some());
        let first = documents;
        documents += roots.len();
        let mut index = first;
        let piece_out = harden(&doc, &roots, (out_lines + 1, &mut checked), |root| {
            let outcome = super::stream::outcome(&doc, &filter, root, index, true);
            index += 1;
            outcome
        })?;
        out_lines += piece_out.lines;
        splice(&mut out, piece_out.replacements)?;
        for outcome in piece_out.outcomes {
            tally = tally + outcome.tally;
            results.extend(outcome.results);
            rows.extend(outcome.rows);
        }
    }
    // A stream of nothing but documents that are not objects is an error the whole
    // run words.
    any_object.then_some(super::stream::Output {
        text: out,
        results,
        tally,
        rows,
        documents,
    })
}

/// The ResourceList's own node in `rest` (the text with only some items: see
/// [`Items::with_items`]) and its last item there, which starts at `last_at`, when
/// `rest` is one ResourceList whose `items:` is the line the text was cut after.
fn rest_root<'d, 'a>(
    rest: &'d Document<'a>,
    found: &Items,
    kept: usize,
    last_at: usize,
) -> Option<(&'d Node<'a>, &'d Node<'a>)> {
    let [root] = rest.roots() else {
        return None;
    };
    let api_version = root.get_str("apiVersion").unwrap_or_default();
    let (key, list) = root
        .entries()?
        .iter()
        .find(|(key, _)| key.as_str() == Some("items"))?;
    let key_line = rest.text().get(key.span().start..found.items.start)?;
    let items = list.items()?;
    let last = items.last()?;
    (resource_list::claims(root)
        && resource_list::API_VERSIONS.contains(&api_version)
        && key_line.starts_with("items:")
        && !key_line.trim_end_matches('\n').contains('\n')
        && items.len() == kept
        && items.iter().all(|i| i.entries().is_some())
        && last.span().start >= last_at)
        .then_some((root, last))
}

/// Whether an alias inside `node` stands for a node anchored before line `line`. In the
/// rest, where most items' lines are blank, an anchor of that name before the last item
/// may not be the one the whole text's alias reads: a blank item may have anchored the
/// name again.
fn aliases_before(doc: &Document<'_>, node: &Node<'_>, line: usize) -> bool {
    let mut stack = vec![node];
    while let Some(node) = stack.pop() {
        if doc.alias(node).is_some_and(|a| a.anchor_line < line) {
            return true;
        }
        if let Some(entries) = node.entries() {
            stack.extend(entries.iter().flat_map(|(k, v)| [k, v]));
        }
        if let Some(items) = node.items() {
            stack.extend(items);
        }
    }
    false
}

/// A ResourceList, item by item, as [`resource_list::run`] runs it; `found` are its
/// items. The last item is hardened in the ResourceList without most others, together
/// with the `results` written after it, so that both are laid out as in the whole text
/// (the list and the text may end there, without a line break): the first item stays
/// in it, and the first whose block mappings show their indentation, which the layout
/// of `results` is measured from.
pub(super) fn resource_list<'i>(
    text: &'i str,
    found: &Items,
    extra: &[(rbac::Origin, rbac::Object)],
) -> Option<Output<'i>> {
    let (_, others) = found.pieces.split_last()?;
    let last_index = others.len();
    // The functionConfig, read from the ResourceList with its last item alone.
    let (alone_text, alone_at) = found.with_items(text, &[last_index]);
    let alone = Document::parse(&alone_text).ok()?;
    let (root, _) = rest_root(&alone, found, 1, alone_at)?;
    // (An alias in it, which could read another anchor here than in the whole text, is
    // refused by the config's reader, and the whole run words that.)
    let (settings, config) = resource_list::settings(&alone, root).ok()?;
    drop(alone);
    let inventory = inventory(text, &found.pieces, true, settings.rbac, extra)?;
    let filter = Filter::new(&settings, &inventory);
    let mut out = Text::of(text);
    let mut out_lines = lines_in(text.get(..found.items.start)?);
    let mut outcomes: Vec<Outcome> = Vec::with_capacity(found.pieces.len());
    let (mut kustomize, mut kpt) = (false, false);
    let mut sent_by = |item: &Node<'_>| {
        kustomize |= resource_list::annotated(item, resource_list::KUSTOMIZE_ID);
        kpt |= resource_list::annotated(item, resource_list::KPT_SEQINDENT);
    };
    let mut shows_indentation = None;
    let mut checked = Checked::default();
    for (index, piece) in others.iter().enumerate() {
        let doc = Document::parse_piece(text, piece.range.clone(), piece.first_line).ok()?;
        let items = objects(&doc, true)?;
        if !piece.may_hold_rbac(text) && !holds_no_rbac(&doc, &items, settings.rbac) {
            return None;
        }
        if shows_indentation.is_none() && items.iter().any(|i| doc.shows_indentation(i)) {
            shows_indentation = Some(index);
        }
        items.iter().for_each(|item| sent_by(item));
        let piece_out = harden(&doc, &items, (out_lines + 1, &mut checked), |item| {
            filter.object(&doc, item)
        })?;
        out_lines += piece_out.lines;
        splice(&mut out, piece_out.replacements)?;
        outcomes.extend(piece_out.outcomes);
    }
    // The last item, then `results` from every item's outcome, checked together as the
    // whole run checks them.
    let mut kept = vec![0];
    kept.extend(shows_indentation);
    kept.push(last_index);
    kept.dedup();
    let (rest_text, last_at) = found.with_items(text, &kept);
    let rest = Document::parse(&rest_text).ok()?;
    let (root, last) = rest_root(&rest, found, kept.len(), last_at)?;
    if aliases_before(&rest, last, last.line()) {
        return None;
    }
    let last_piece = found.pieces.last()?;
    if !last_piece.may_hold_rbac(text) && !holds_no_rbac(&rest, &[last], settings.rbac) {
        return None;
    }
    sent_by(last);
    outcomes.push(filter.object(&rest, last));
    let (earlier, last_outcome) = outcomes.split_at_mut(last_index);
    // Lines of the output the rest's would be, were its first items hardened as they
    // are in the output.
    let first_line = (out_lines + 1)
        .saturating_sub(lines_in(rest_text.get(..last_at)?))
        .max(1);
    check_proposals_from_line(&rest, last_outcome, first_line).ok()?;
    let rest_out = checked_with(
        last_outcome,
        |last| {
            let results: Vec<&FnResult> = earlier
                .iter()
                .chain(last)
                .flat_map(|o| &o.results)
                .collect();
            Some(resource_list::results_edit(&rest, root, &results))
        },
        |sets| rest.apply_with(sets, first_line, &mut checked),
    )
    .ok()?;
    // Nothing before the last item may have changed: it is not what the output holds.
    if rest_out.get(..last_at) != rest_text.get(..last_at) {
        return None;
    }
    out.end_with(last_piece.range.start, rest_out, last_at)?;
    let tally = output::tally(&outcomes);
    let (mut results, mut rows) = (Vec::new(), Vec::new());
    for outcome in outcomes {
        results.extend(outcome.results);
        rows.extend(outcome.rows);
    }
    Some(Output {
        text: out,
        results,
        tally,
        sender: resource_list::sender_of(kustomize, kpt),
        rows,
        settings,
        config,
    })
}
