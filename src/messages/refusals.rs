//! Input, documents, Pod templates and files the function refuses or passes by, and why:
//! YAML it cannot read, documents that are not objects, Pod templates Kubernetes would
//! reject or the editor will not touch, files it cannot read or write.

use std::fmt::Display;
use std::path::Path;

use crate::template::{Shape, TemplateError};

/// A stream document that is not an object.
pub fn not_an_object(index: usize, line: usize) -> String {
    format!("document {index} (line {line}) is not an object; passed through unchanged")
}

/// Why a file of `fix` or `check` could not be read: what the system said.
pub fn not_read(io: &std::io::Error) -> String {
    format!("cannot read it: {io}")
}

/// A file of `fix` or `check` left as it was because of its error (`message`).
pub fn file_left_as_it_was(message: &str) -> String {
    format!("{message}; file left as it was")
}

/// A config file named on the command line that cannot be read (what the system said
/// follows).
pub fn cannot_read_config_file(path: &Path) -> String {
    format!("cannot read config file {}", path.display())
}

/// An `--evidence` file that cannot be read (what the system said follows).
pub fn cannot_read_evidence_file(path: &Path) -> String {
    format!("cannot read evidence file {}", path.display())
}

/// A `--report` file that cannot be written (what the system said follows).
pub fn cannot_write_report(path: &Path) -> String {
    format!("cannot write the report {}", path.display())
}

/// Stdin that cannot be read (what the system said follows).
pub const CANNOT_READ_STDIN: &str = "cannot read stdin";

/// Why a file `fix` changed could not be written (it is as it was): the step that
/// failed and what the system said.
pub fn not_written(step: &dyn Display, io: &std::io::Error) -> String {
    format!("cannot write it: {step}: {io}")
}

/// Kubernetes objects given where a config file was expected (`origin`).
pub fn manifests_as_config(origin: &str, objects: &[String]) -> String {
    const SHOWN: usize = 3;
    let mut named = objects
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if objects.len() > SHOWN {
        named.push_str(&format!(" and {} more", objects.len() - SHOWN));
    }
    format!(
        "{origin} holds Kubernetes objects ({named}), not a harden-sa-token config. To harden it, send it on stdin: `harden-sa-token < {origin} > hardened.yaml`, or edit it in place: `harden-sa-token fix {origin}` (`harden-sa-token check {origin}` only reports). A file given alone is read as a kustomize plugin's config."
    )
}

/// What a document that is not an object is: `document 1 (line 1) is the text "<!DOCTYPE
/// html> ..."` or `... is a list`.
pub fn not_an_object_is(index: usize, line: usize, text: &str, list: bool) -> String {
    if list {
        return format!("document {index} (line {line}) is a list");
    }
    const SHOWN: usize = 40;
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut shown: String = flat.chars().take(SHOWN).collect();
    if flat.chars().count() > SHOWN {
        shown.push_str("...");
    }
    format!("document {index} (line {line}) is the text {shown:?}")
}

/// A stream without a single object.
pub fn no_objects(first: &str) -> String {
    format!(
        "stdin holds no Kubernetes object: {first}; {EXPECTED_ON_STDIN} (is the step before this one failing?)"
    )
}

/// Nothing on stdin, where a plain stream was expected.
pub fn empty_stdin() -> String {
    format!(
        "stdin is empty; {EXPECTED_ON_STDIN} (an empty result would be taken for a successful render)"
    )
}

/// What the function reads on stdin, for the errors of stdin that holds something else.
const EXPECTED_ON_STDIN: &str = "expected a YAML stream of Kubernetes objects or a ResourceList";

/// What a node is, with its article.
fn shape(shape: Shape) -> &'static str {
    match shape {
        Shape::Mapping => "a mapping",
        Shape::List => "a list",
        Shape::Scalar => "a scalar",
        Shape::Null => "empty",
    }
}

/// A field of a PodSpec as messages name it: the path, or the PodSpec itself.
fn field(path: &str) -> String {
    if path.is_empty() {
        "the PodSpec".into()
    } else {
        format!("`{path}`")
    }
}

/// Why a Pod template (or a ServiceAccount) cannot be read or edited the way
/// Kubernetes reads it. With `positions`, the lines and columns of what it names; without,
/// for objects whose lines are not the user's (an item of a kpt package: the ResourceList
/// kpt wrote), where the result's field path says where instead.
pub fn template_error(error: &TemplateError, positions: bool) -> String {
    const MERGE: &str =
        "Kubernetes reads the keys it brings in, which this function does not; write them out";
    // ` (line L, column C)`, or nothing.
    let at = |(line, column): (usize, usize)| {
        if positions {
            format!(" (line {line}, column {column})")
        } else {
            String::new()
        }
    };
    // ` at line L, column C`, or nothing.
    let at_line = |(line, column): (usize, usize)| {
        if positions {
            format!(" at line {line}, column {column}")
        } else {
            String::new()
        }
    };
    match error {
        TemplateError::NotAList {
            field: f,
            at: position,
            found,
        } => format!(
            "{}{} is {}, not a list; Kubernetes rejects such a Pod template",
            field(f),
            at(*position),
            shape(*found)
        ),
        TemplateError::NotAMapping {
            field: f,
            at: position,
            found,
        } => format!(
            "{}{} is {}, not a mapping; Kubernetes rejects such a Pod template",
            field(f),
            at(*position),
            shape(*found)
        ),
        // The mapping at the result's path: the PodSpec, or a mapping on the way to it
        // whose merge may bring the PodSpec in.
        TemplateError::MergeKey { field: f, at: key } if f.is_empty() => {
            format!(
                "the mapping has a merge key (`<<`{}): {MERGE}",
                at_line(*key)
            )
        }
        TemplateError::MergeKey { field: f, at: key } => format!(
            "{} has a merge key (`<<`{}): {MERGE}",
            field(f),
            at_line(*key)
        ),
        TemplateError::AccountMergeKey { at: key } => format!(
            "the ServiceAccount has a merge key (`<<`{}): {MERGE}",
            at_line(*key)
        ),
        TemplateError::Shared { field: f, sharing } => {
            let anchor = at_line(sharing.anchor_at);
            if sharing.is_alias {
                let of = match sharing.anchored {
                    Shape::Mapping => "the mapping",
                    Shape::List => "the list",
                    Shape::Scalar | Shape::Null => "the value",
                };
                format!(
                    "{}{} is an alias (*{}) of {of} anchored{anchor}; edits through aliases would change every place the anchor is used",
                    field(f),
                    at(sharing.alias_at),
                    sharing.name
                )
            } else {
                format!(
                    "{} is in the node anchored{anchor} (&{}), which the alias{} stands for too; edits to it would change every place the anchor is used",
                    field(f),
                    sharing.name,
                    at_line(sharing.alias_at)
                )
            }
        }
        TemplateError::Edit(e) if positions => e.to_string(),
        TemplateError::Edit(e) => e.what.clone(),
    }
}

/// A workload of one of Kubernetes' own kinds without its Pod template: `absent` (a
/// prefix of `path`, or `path` itself) is not there, or not a mapping.
pub fn no_pod_template(kind: &str, path: &str, absent: &str) -> String {
    format!(
        "{kind} without a Pod template: `{absent}` is missing or not a mapping, so nothing was hardened in it (Kubernetes rejects a {kind} without `{path}`; a patch is hardened where it is applied)"
    )
}

/// An item of a typed list (`DeploymentList`) without `apiVersion` and `kind`.
pub fn unnamed_list_item(list_kind: &str) -> String {
    let kind = list_kind.strip_suffix("List").unwrap_or(list_kind);
    format!(
        "this item has no apiVersion and kind; Kubernetes reads it as a {kind} of the list's apiVersion, this function does not: not hardened (give it apiVersion and kind)"
    )
}
