//! The plain YAML stream protocol: a multi-document stream in, the same stream out with
//! the edits, as Helm post-renderers, `kustomize build | ...`, Argo CD
//! config-management plugins and kustomize's legacy exec plugins expect.
//!
//! Each document's root is an object and is hardened like a ResourceList item (a
//! `v1 List` through its items). Every document comes out in its place; `---`
//! separators, `...` ends, comments before, between and after documents, and empty
//! documents are bytes outside the edits, so they are copied as they were. Results are
//! not part of the output: the caller prints them and a summary on stderr.

use super::checked;
use crate::config::{self, ConfigError, Origin, Settings};
use crate::filter::{Filter, Outcome};
use crate::input::{self, InputError};
use crate::messages;
use crate::rbac;
use crate::results::{FnResult, Row, Severity, Tally};
use crate::yaml::{Document, ParseError, Rejected};

/// A config file (`--config FILE`, or a kustomize plugin's config) that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigFileError {
    /// Not UTF-8.
    #[error(transparent)]
    NotUtf8(InputError),
    /// Not YAML. The parse error is part of the message, not a separate source, so that
    /// it is printed once.
    #[error("not valid YAML: {0}")]
    Yaml(ParseError),
    /// More than one document: which one is meant would be a guess.
    #[error("expected one functionConfig document, found {0} documents")]
    ManyDocuments(usize),
    /// Kubernetes objects where a config was expected: most likely the manifests to
    /// harden, given as an argument instead of on stdin.
    #[error("holds Kubernetes objects, not a config: {}", .0.join(", "))]
    Manifests(Vec<String>),
    /// A functionConfig the function does not accept.
    #[error(transparent)]
    Config(#[from] ConfigError),
}

/// Reads a config file: one document, a `HardenServiceAccountToken` or a `v1`
/// ConfigMap, exactly as a ResourceList's `functionConfig`. A file with no document at
/// all means the defaults, as a missing `functionConfig` does.
pub fn read_config(bytes: &[u8], origin: Origin) -> Result<Settings, ConfigFileError> {
    let text = input::utf8(bytes).map_err(ConfigFileError::NotUtf8)?;
    let doc = Document::parse(text).map_err(ConfigFileError::Yaml)?;
    // Manifests rather than a config: a Pod template somewhere, or several objects that
    // are not configs. A single object of an unknown kind is more likely a config with
    // a typo, and is told so.
    let others: Vec<&crate::yaml::Node<'_>> = doc
        .roots()
        .iter()
        .filter(|root| is_manifest(root))
        .collect();
    let workloads = others
        .iter()
        .any(|root| !crate::workloads::pod_templates(root, &[]).is_empty());
    let objects: Vec<String> = if workloads || others.len() > 1 {
        others
            .iter()
            .map(|root| {
                let kind = root.get_str("kind").unwrap_or_default();
                match root.get("metadata").and_then(|m| m.get_str("name")) {
                    Some(name) => format!("{kind} {name}"),
                    None => kind.to_owned(),
                }
            })
            .collect()
    } else {
        Vec::new()
    };
    if !objects.is_empty() {
        return Err(ConfigFileError::Manifests(objects));
    }
    match doc.roots() {
        [] => Ok(Settings::default()),
        [root] => Ok(config::from_node(&doc, Some(root), origin)?),
        many => Err(ConfigFileError::ManyDocuments(many.len())),
    }
}

/// Whether `root` is a Kubernetes object that is not one of the config's own kinds.
fn is_manifest(root: &crate::yaml::Node<'_>) -> bool {
    let (Some(api_version), Some(kind)) = (root.get_str("apiVersion"), root.get_str("kind")) else {
        return false;
    };
    !matches!(
        (api_version, kind),
        (config::API_VERSION, config::KIND) | ("v1", "ConfigMap")
    )
}

/// Hardens every document of `doc` with `settings`; the text and the results.
///
/// Documents that are not objects (a scalar, a list) pass through with a warning;
/// empty ones pass through silently, as a stream's stray `---` is common.
pub(super) fn run(
    doc: &Document<'_>,
    settings: &Settings,
    fixes: bool,
    extra: &[(rbac::Origin, rbac::Object)],
) -> Result<(String, Vec<FnResult>, Tally, Vec<Row>), Rejected> {
    let inventory = super::inventory(settings, doc, doc.roots(), extra);
    let filter = Filter::new(settings, &inventory);
    let mut outcomes = outcomes(doc, &filter, true);
    super::check_proposals(doc, &mut outcomes)?;
    let text = checked(doc, &mut outcomes, |_| None)?;
    if fixes {
        super::attach_fixes(&mut outcomes);
    }
    let (results, tally) = (super::results(&outcomes), super::tally(&outcomes));
    let rows = outcomes.into_iter().flat_map(|o| o.rows).collect();
    Ok((text, results, tally, rows))
}

/// Each document of `doc` through `filter`; with `warn`, a document that is not an
/// object (a scalar, a list) gets a warning, and an empty one never does.
pub(super) fn outcomes(doc: &Document<'_>, filter: &Filter<'_>, warn: bool) -> Vec<Outcome> {
    doc.roots()
        .iter()
        .enumerate()
        .map(|(index, root)| {
            let mut outcome = filter.object(doc, root);
            if warn && root.entries().is_none() && !root.is_null() {
                outcome.results.push(FnResult::general(
                    Severity::Warning,
                    messages::not_an_object(index + 1, root.line()),
                ));
            }
            outcome
        })
        .collect()
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

    struct Output {
        text: String,
        results: Vec<FnResult>,
    }

    fn harden(text: &str) -> Output {
        let doc = Document::parse(text).unwrap();
        let (text, results, _, _) = run(&doc, &Settings::default(), false, &[]).unwrap();
        Output { text, results }
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
    fn config_files_are_one_document() {
        assert_eq!(read_config(b"", Origin::File).unwrap(), Settings::default());
        assert_eq!(
            read_config(b"# nothing\n", Origin::File).unwrap(),
            Settings::default()
        );
        let s = read_config(
            b"apiVersion: v1\nkind: ConfigMap\ndata:\n  expirationSeconds: \"7200\"\n",
            Origin::File,
        )
        .unwrap();
        assert_eq!(s.expiration_seconds, 7200);
        assert_eq!(
            read_config(b"a: 1\n---\nb: 2\n", Origin::File).unwrap_err(),
            ConfigFileError::ManyDocuments(2)
        );
        assert!(matches!(
            read_config(b"kind: Secret\n", Origin::File),
            Err(ConfigFileError::Config(ConfigError::UnknownKind { .. }))
        ));
        assert_eq!(
            read_config(b"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n---\napiVersion: v1\nkind: Service\n", Origin::File),
            Err(ConfigFileError::Manifests(vec!["Deployment web".into(), "Service".into()]))
        );
        assert_eq!(
            read_config(
                b"apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {}\n",
                Origin::File
            ),
            Err(ConfigFileError::Manifests(vec!["Pod p".into()]))
        );
        // One object of another kind is a config with a typo, more likely.
        assert!(matches!(
            read_config(
                b"apiVersion: fn.harden-sa-token.dev/v1\nkind: HardenServiceAccountToken\n",
                Origin::File
            ),
            Err(ConfigFileError::Config(ConfigError::UnknownKind { .. }))
        ));
        assert!(matches!(
            read_config(b"a: [\n", Origin::File),
            Err(ConfigFileError::Yaml(_))
        ));
        assert!(matches!(
            read_config(b"a: \xff\n", Origin::File),
            Err(ConfigFileError::NotUtf8(_))
        ));
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
