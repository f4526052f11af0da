//! Checked output, shared by every protocol: splices the objects' edits into the
//! original bytes, parses the result again and verifies it, document by document, as
//! the input plus exactly those edits. When that fails, the objects whose own edits do
//! not check out are left unchanged with an error result and the output is composed
//! once more; a second failure writes nothing.
//!
//! Nothing here reads or writes anything but strings, so a protocol stays a thin layer
//! over what it must add to the text (a ResourceList's `results`, for instance).

use crate::harden::ItemOutcome;
use crate::results::{FnResult, Severity};
use crate::yaml::edit::{Combined, EditError, Edits};
use crate::yaml::tree::Document;
use crate::yaml::verify::{self, Mismatch};

/// Output that did not check out even with the faulty objects left unchanged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("refusing to write output that does not match the intended edits: {0}")]
pub struct Refused(#[from] pub Mismatch);

/// Every object's edits, in order. Objects' edits are independent of each other: each
/// touches only nodes of its own object, so their byte ranges are disjoint.
pub fn edits(outcomes: &[ItemOutcome]) -> Vec<&Edits> {
    outcomes.iter().map(|o| &o.edits).collect()
}

/// The results of every object, in input order.
pub fn results(outcomes: &[ItemOutcome]) -> Vec<FnResult> {
    outcomes
        .iter()
        .flat_map(|o| o.results.iter().cloned())
        .collect()
}

/// Applies the sets of `edits` to `text` (whose documents are `docs`) and checks the
/// result: it must parse into as many documents, each the input's plus exactly its edits
/// (checked as the output is parsed, without building its tree).
pub fn check(text: &str, docs: &[Document<'_>], edits: &[&Edits]) -> Result<String, Mismatch> {
    let fail = |e: EditError| Mismatch {
        line: e.line,
        what: e.to_string(),
    };
    let edits = Combined::new(edits).map_err(fail)?;
    let out = edits.apply(text).map_err(fail)?;
    verify::verify(text, docs, &out, &edits)?;
    Ok(out)
}

/// Runs `compose` over the outcomes. If its output does not check out, every object
/// whose edits alone do not check out is left unchanged, with an error result in place
/// of its own, and `compose` runs once more.
pub fn with_fallback<T>(
    text: &str,
    docs: &[Document<'_>],
    outcomes: &mut [ItemOutcome],
    compose: impl Fn(&[ItemOutcome]) -> Result<T, Mismatch>,
) -> Result<T, Refused> {
    if let Ok(output) = compose(outcomes) {
        return Ok(output);
    }
    for outcome in outcomes.iter_mut().filter(|o| !o.edits.is_empty()) {
        if let Err(err) = check(text, docs, &[&outcome.edits]) {
            outcome.edits = Edits::default();
            if let Some(first) = outcome.results.first().cloned() {
                outcome.results = vec![FnResult {
                    severity: Severity::Error,
                    message: format!("internal error, resource left unchanged: {err}"),
                    ..first
                }];
            }
        }
    }
    Ok(compose(outcomes)?)
}
