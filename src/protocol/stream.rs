//! The plain YAML stream protocol: a multi-document stream in, the same stream out with
//! the edits, as Helm post-renderers, `kustomize build | ...`, Argo CD
//! config-management plugins and kustomize's legacy exec plugins expect.
//!
//! Each document's root is an object and is hardened like a ResourceList item (a
//! `v1 List` through its items). Every document comes out in its place; `---`
//! separators, `...` ends, comments before, between and after documents, and empty
//! documents are bytes outside the edits, so they are copied as they were. Results are
//! not part of the output: the caller prints them and a summary on stderr.

use super::Text;
use super::output::{self, checked};
use crate::config::Settings;
use crate::filter::{Filter, Outcome};
use crate::messages;
use crate::rbac;
use crate::results::{FnResult, Row, Severity, Tally};
use crate::yaml::{Document, Node, Rejected};

/// What a stream run gives, on the input `'i`.
pub(super) struct Output<'i> {
    pub(super) text: Text<'i>,
    pub(super) results: Vec<FnResult>,
    pub(super) tally: Tally,
    /// Its Pod templates, for a report.
    pub(super) rows: Vec<Row>,
    /// How many documents there were.
    pub(super) documents: usize,
}

/// Hardens every document of `doc` with `settings`; the text and the results.
///
/// Documents that are not objects (a scalar, a list) pass through with a warning;
/// empty ones pass through silently, as a stream's stray `---` is common.
pub(super) fn run<'i>(
    doc: &Document<'i>,
    settings: &Settings,
    fixes: bool,
    extra: &[(rbac::Origin, rbac::Object)],
) -> Result<Output<'i>, Rejected> {
    let inventory = super::inventory(settings, doc, doc.roots(), extra);
    let filter = Filter::new(settings, &inventory);
    let mut outcomes = outcomes(doc, &filter, true);
    output::check_proposals(doc, &mut outcomes)?;
    let text = checked(doc, &mut outcomes, |_| None)?;
    if fixes {
        output::attach_fixes(&mut outcomes);
    }
    let (results, tally) = (output::results(&outcomes), output::tally(&outcomes));
    let rows = outcomes.into_iter().flat_map(|o| o.rows).collect();
    Ok(Output {
        text: Text::whole(doc.text(), text),
        results,
        tally,
        rows,
        documents: doc.roots().len(),
    })
}

/// Each document of `doc` through `filter`; with `warn`, a document that is not an
/// object (a scalar, a list) gets a warning, and an empty one never does.
pub(super) fn outcomes(doc: &Document<'_>, filter: &Filter<'_>, warn: bool) -> Vec<Outcome> {
    doc.roots()
        .iter()
        .enumerate()
        .map(|(index, root)| outcome(doc, filter, root, index, warn))
        .collect()
}

/// The document `root` of `doc`, the stream's `index`-th (from 0), through `filter`, as
/// [`outcomes`] reads each.
pub(super) fn outcome(
    doc: &Document<'_>,
    filter: &Filter<'_>,
    root: &Node<'_>,
    index: usize,
    warn: bool,
) -> Outcome {
    let mut outcome = filter.object(doc, root);
    if warn && root.entries().is_none() && !root.is_null() {
        outcome.results.push(FnResult::general(
            Severity::Warning,
            messages::not_an_object(index + 1, root.line()),
        ));
    }
    outcome
}

/// One line for a person: how many documents went through, what became of their Pod
/// templates, and how many warnings and errors there are (printed above it).
pub fn summary(documents: usize, tally: &Tally, results: &[FnResult]) -> String {
    let count = |severity| results.iter().filter(|r| r.severity == severity).count();
    messages::stream_summary(
        documents,
        tally,
        count(Severity::Warning),
        count(Severity::Error),
    )
}
#[cfg(test)]
mod tests {
    use super::*;

    struct Hardened {
        text: String,
        results: Vec<FnResult>,
    }

    fn harden(text: &str) -> Hardened {
        let doc = Document::parse(text).unwrap();
        let out = run(&doc, &Settings::default(), false, &[]).unwrap();
        Hardened {
            text: out.text.to_string(),
            results: out.results,
        }
    }

    const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: a\n    image: x\n";

    #[test]
    fn bytes_between_documents_are_kept() {
        let text = format!(
            "# leading comment\n---\n{POD}...\n---\n# empty document\n---\n# Source: chart/x.yaml\n{POD}---\n"
        );
        let out = harden(&text);
        let info = out.results.iter().filter(|r| r.severity == Severity::Info);
        assert_eq!(info.count(), 2, "{:?}", out.results);
        let first = out.text.find("apiVersion").unwrap();
        assert_eq!(&out.text[..first], "# leading comment\n---\n");
        assert!(
            out.text
                .contains("automountServiceAccountToken: false\n...\n---\n# empty document\n---\n# Source: chart/x.yaml\napiVersion")
        );
        assert!(
            out.text
                .ends_with("automountServiceAccountToken: false\n---\n")
        );
        let again = harden(&out.text);
        assert_eq!(again.text, out.text);
        assert!(again.results.iter().all(|r| r.severity != Severity::Info));
    }

    #[test]
    fn documents_that_are_not_objects_pass_with_a_warning() {
        let text = format!("- a\n- b\n---\nplain\n---\n{POD}");
        let out = harden(&text);
        // The general warnings (the Pod's own, under `rbac: advise`, is about the Pod).
        let warnings: Vec<String> = out
            .results
            .iter()
            .filter(|r| r.severity == Severity::Warning && r.resource_ref.is_none())
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            warnings,
            [
                "[warning] document 1 (line 1) is not an object; passed through unchanged",
                "[warning] document 2 (line 4) is not an object; passed through unchanged"
            ]
        );
        assert!(
            out.text
                .starts_with("- a\n- b\n---\nplain\n---\napiVersion: v1\n")
        );
    }

    #[test]
    fn summary_counts_pod_templates_and_findings() {
        let info = FnResult::general(Severity::Info, "x".into());
        let warning = FnResult::general(Severity::Warning, "y".into());
        let error = FnResult::general(Severity::Error, "z".into());
        let tally = Tally {
            hardened: 2,
            already: 1,
            not_hardened: 1,
            ..Tally::default()
        };
        assert_eq!(
            summary(3, &tally, &[info.clone(), info, warning, error.clone()]),
            "harden-sa-token: 3 documents: 2 Pod templates hardened, 1 not hardened, 1 already hardened; 1 warning, 1 error"
        );
        let audit = Tally {
            not_hardened: 1,
            accounts_not_hardened: 1,
            ..Tally::default()
        };
        assert_eq!(
            summary(1, &audit, &[error.clone(), error]),
            "harden-sa-token: 1 document: 1 Pod template not hardened, 1 ServiceAccount not hardened; 0 warnings, 2 errors"
        );
        assert_eq!(
            summary(2, &Tally::default(), &[]),
            "harden-sa-token: 2 documents: no Pod templates; 0 warnings, 0 errors"
        );
    }
}
