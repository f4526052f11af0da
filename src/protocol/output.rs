//! The checked output, the only way a protocol gets its text: every object's edits (and
//! the protocol's own, a ResourceList's `results`) spliced into the input and verified
//! ([`checked`]); an object whose edits do not check out is left unchanged with an
//! internal error, and the rest applied again, two passes at most. Audit mode's
//! proposals are checked the same way ([`check_proposals`]), so that `check` refuses what
//! `fix` refuses, and the fixes a report offers are those checked edits
//! (`attach_fixes`).

use crate::filter::Outcome;
use crate::messages;
use crate::results::{Detail, FnResult, RowChange, Rule, Severity, Tally};
use crate::yaml::{Document, Edits, Rejected};

/// Audit mode's edits (those enforce mode would make, [`Outcome::proposed`]) checked
/// exactly as enforce mode's output is: an object whose edits do not check out gets the
/// internal error `fix` would give it, so that `check` says what `fix` then does. As in
/// [`checked`], a difference no object is to blame for refuses the whole input. Nothing
/// to do in enforce mode, where nothing is proposed.
pub fn check_proposals(doc: &Document<'_>, outcomes: &mut [Outcome]) -> Result<(), Rejected> {
    check_proposals_from_line(doc, outcomes, 1)
}

/// [`check_proposals`] for a piece of a text whose output would start on line
/// `first_line` ([`Document::apply_from_line`]).
pub fn check_proposals_from_line(
    doc: &Document<'_>,
    outcomes: &mut [Outcome],
    first_line: usize,
) -> Result<(), Rejected> {
    let proposed: Vec<&Edits> = outcomes.iter().map(|o| &o.proposed).collect();
    if proposed.iter().all(|e| e.is_empty()) {
        return Ok(());
    }
    let Err(rejected) = doc.apply_from_line(&proposed, first_line) else {
        return Ok(());
    };
    if rejected.unattributed.is_some() {
        return Err(rejected);
    }
    for outcome in outcomes.iter_mut() {
        if let Some(mismatch) = rejected.of(&outcome.proposed) {
            outcome.proposed.clear();
            left_unchanged(outcome, mismatch);
        }
    }
    Ok(())
}

/// Turns the batches of its object's edits each result names into the exact change
/// (`fix`): the edits made (enforce mode), or those enforce mode would make (audit
/// mode), both checked already ([`checked`], [`check_proposals`]).
pub(super) fn attach_fixes(outcomes: &mut [Outcome]) {
    for outcome in outcomes.iter_mut() {
        let Outcome {
            edits,
            proposed,
            results,
            ..
        } = outcome;
        let made = if edits.is_empty() {
            &*proposed
        } else {
            &*edits
        };
        for result in results {
            let batches = std::mem::take(&mut result.detail.edits);
            if !batches.is_empty() {
                result.detail.fix = made.replacements_of(&batches);
            }
        }
    }
}

/// An object whose own edits did not check out (`mismatch`): left unchanged, with an
/// internal error in place of its results.
fn left_unchanged(outcome: &mut Outcome, mismatch: &crate::yaml::Mismatch) {
    outcome.tally = outcome.tally.left_unchanged();
    for row in &mut outcome.rows {
        row.change = RowChange::LeftUnchanged;
    }
    // The error names the object (its first result says which one and where), and is
    // of its own kind: not the rule of whatever that first finding was.
    if let Some(first) = outcome.results.first() {
        outcome.results = vec![FnResult {
            severity: Severity::Error,
            message: messages::internal_error(mismatch),
            resource_ref: first.resource_ref.clone(),
            field: None,
            file: first.file.clone(),
            detail: Detail {
                at: first.detail.at,
                rule: Some(Rule::InternalError),
                ..Detail::default()
            },
        }];
    }
}

/// What became of the Pod templates of every object.
pub(super) fn tally(outcomes: &[Outcome]) -> Tally {
    outcomes
        .iter()
        .fold(Tally::default(), |sum, o| sum + o.tally)
}

/// The results of every object, in input order.
pub(super) fn results(outcomes: &[Outcome]) -> Vec<FnResult> {
    outcomes
        .iter()
        .flat_map(|o| o.results.iter().cloned())
        .collect()
}

/// The output: every object's edits and the protocol's own (`own`, made from the
/// outcomes), applied and checked. Objects whose own edits do not check out are left
/// unchanged, with an error result in place of theirs, and the rest is applied once
/// more: two passes at most, however many objects fail (one pass names every failing
/// set and goes on after it). A second failure, or one that is no object's, writes
/// nothing.
pub fn checked(
    doc: &Document<'_>,
    outcomes: &mut [Outcome],
    own: impl Fn(&[Outcome]) -> Option<Edits>,
) -> Result<String, Rejected> {
    checked_with(outcomes, own, |sets| doc.apply(sets))
}

/// [`checked`], with the pass that splices and checks (`Document::apply`) given as
/// `apply`, which is called at most twice: a test or a bench counts the passes, or
/// measures them, through it.
pub fn checked_with(
    outcomes: &mut [Outcome],
    own: impl Fn(&[Outcome]) -> Option<Edits>,
    mut apply: impl FnMut(&[&Edits]) -> Result<String, Rejected>,
) -> Result<String, Rejected> {
    let mut pass = |outcomes: &[Outcome]| {
        let own = own(outcomes);
        let sets: Vec<&Edits> = outcomes
            .iter()
            .map(|o| &o.edits)
            .chain(own.as_ref())
            .collect();
        apply(&sets).map_err(|rejected| {
            let own_refused = own.as_ref().is_some_and(|e| rejected.of(e).is_some());
            (rejected, own_refused)
        })
    };
    let (rejected, own_refused) = match pass(outcomes) {
        Ok(text) => return Ok(text),
        Err(failed) => failed,
    };
    // The protocol's own edits, or a difference no object is to blame for: nothing to
    // leave out.
    if own_refused || rejected.unattributed.is_some() {
        return Err(rejected);
    }
    for outcome in outcomes.iter_mut() {
        if let Some(mismatch) = rejected.of(&outcome.edits) {
            outcome.edits.clear();
            left_unchanged(outcome, mismatch);
        }
    }
    pass(outcomes).map_err(|(rejected, _)| rejected)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Settings;
    use crate::rbac::Inventory;

    const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: a\n    image: x\n";

    /// Outcomes of hardening every document of `doc`, with the edits of every
    /// `every`-th replaced by a set the check refuses (a key inserted that the object
    /// already has, as a bug of the editor would make).
    fn outcomes_with_failures(doc: &Document<'_>, every: usize) -> Vec<Outcome> {
        let settings = Settings::default();
        let inventory = Inventory::new();
        let filter = crate::filter::Filter::new(&settings, &inventory);
        doc.roots()
            .iter()
            .enumerate()
            .map(|(i, root)| {
                let mut outcome = filter.object(doc, root);
                if i % every == every - 1 {
                    let mut editor = doc.editor(root);
                    editor
                        .insert_entry(root, "kind", serde_json::Value::from("Pod"))
                        .unwrap();
                    outcome.edits = editor.finish();
                }
                outcome
            })
            .collect()
    }

    #[test]
    fn falling_back_costs_two_passes_however_many_objects_fail() {
        let text = vec![POD; 300].join("---\n");
        let doc = Document::parse(&text).unwrap();
        for every in [1, 2, 7, 300, 301] {
            let mut outcomes = outcomes_with_failures(&doc, every);
            let mut passes = 0;
            let out = checked_with(
                &mut outcomes,
                |_| None,
                |sets| {
                    passes += 1;
                    doc.apply(sets)
                },
            )
            .unwrap();
            let failing = 300 / every;
            assert_eq!(passes, if failing == 0 { 1 } else { 2 }, "every {every}");
            let internal = outcomes.iter().filter(|o| o.is_internal_error()).count();
            assert_eq!(internal, failing, "every {every}");
            // The error is of its own kind, not its object's first finding's (`Hardened`),
            // and carries none of that finding's parts or fix.
            for outcome in outcomes.iter().filter(|o| o.is_internal_error()) {
                let [error] = outcome.results.as_slice() else {
                    panic!("{:?}", outcome.results);
                };
                assert_eq!(error.detail.rule, Some(Rule::InternalError));
                assert_eq!(error.severity, Severity::Error);
                assert!(error.detail.parts.is_empty() && error.detail.fix.is_empty());
                assert!(error.resource_ref.is_some() && error.detail.at.is_some());
            }
            // The others are hardened, the failing ones left as they were.
            assert_eq!(
                out.matches("automountServiceAccountToken: false").count(),
                300 - failing,
                "every {every}"
            );
        }
    }

    #[test]
    fn audit_mode_gives_the_internal_error_enforce_mode_would() {
        let text = [POD; 4].join("---\n");
        let doc = Document::parse(&text).unwrap();
        // Audit mode's outcomes, each with the proposals of `outcomes_with_failures` (every
        // second one refused by the check), as enforce mode's would be made.
        let mut enforce = outcomes_with_failures(&doc, 2);
        let settings = Settings {
            mode: crate::config::Mode::Audit,
            ..Settings::default()
        };
        let inventory = Inventory::new();
        let filter = crate::filter::Filter::new(&settings, &inventory);
        let mut audit: Vec<Outcome> = doc
            .roots()
            .iter()
            .zip(&enforce)
            .map(|(root, e)| {
                let mut outcome = filter.object(&doc, root);
                outcome.proposed = e.edits.clone();
                outcome
            })
            .collect();
        checked(&doc, &mut enforce, |_| None).unwrap();
        check_proposals(&doc, &mut audit).unwrap();
        let verdicts = |outcomes: &[Outcome]| -> Vec<(bool, Tally)> {
            outcomes
                .iter()
                .map(|o| {
                    (
                        o.is_internal_error(),
                        Tally {
                            hardened: 0,
                            not_hardened: 0,
                            ..o.tally
                        },
                    )
                })
                .collect()
        };
        assert_eq!(verdicts(&audit), verdicts(&enforce));
        assert_eq!(audit.iter().filter(|o| o.is_internal_error()).count(), 2);
        for (a, e) in audit
            .iter()
            .zip(&enforce)
            .filter(|(a, _)| a.is_internal_error())
        {
            assert_eq!(a.results, e.results);
            assert!(a.proposed.is_empty());
            assert!(a.rows.iter().all(|r| r.change == RowChange::LeftUnchanged));
        }
    }
}
