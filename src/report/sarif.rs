//! SARIF 2.1.0, as GitHub code scanning and other dashboards read it: one run, the
//! tool's rules, and each finding at its line and column with a fingerprint that does not
//! move with unrelated edits and, where the function knows it, the exact fix.

use std::path::{Component, Path, PathBuf};

use serde_json::{Value, json};

use super::position::LineIndex;
use super::{Artifact, Report};
use crate::config::Mode;
use crate::messages;
use crate::results::{FnResult, Rule, Severity};

/// SARIF's own name for a severity.
fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// The rule a result would have by its severity when it carries none (a general result).
fn rule_of(result: &FnResult) -> Rule {
    result.detail.rule.unwrap_or(match result.severity {
        Severity::Error => Rule::LeftUnchanged,
        Severity::Warning => Rule::NotAnObject,
        Severity::Info => Rule::Hardened,
    })
}

/// What a result is about: `apps/v1/Deployment/shop/web spec.template.spec`.
fn subject(result: &FnResult) -> String {
    let Some(r) = &result.resource_ref else {
        return String::new();
    };
    let mut text = format!("{}/{}/", r.api_version, r.kind);
    if let Some(ns) = &r.namespace {
        text.push_str(&format!("{ns}/"));
    }
    text.push_str(&r.name);
    if let Some(field) = &result.field {
        text.push_str(&format!(" {}", field.path));
    }
    text
}

/// FNV-1a, 64 bits: a fingerprint must be the same on every machine and version, which
/// the standard library's hasher does not promise.
fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

fn rules() -> Value {
    Rule::ALL
        .iter()
        .map(|&rule| {
            let text = messages::rule_text(rule);
            let level = match rule {
                Rule::Hardened => "note",
                Rule::AccessLost
                | Rule::ForeignMount
                | Rule::UnmanagedToken
                | Rule::UnknownContainer
                | Rule::TokenWithoutGrant
                | Rule::IncompleteEvidence
                | Rule::PlatformUnset
                | Rule::TokenUsedOutsideRbac
                | Rule::NoPodTemplate
                | Rule::NotAnObject => "warning",
                _ => "error",
            };
            json!({
                "id": rule.id(),
                "name": text.name,
                "shortDescription": {"text": text.short},
                "fullDescription": {"text": text.full},
                "help": {"text": text.help},
                "defaultConfiguration": {"level": level},
            })
        })
        .collect()
}

/// The base id of the directory the run was in; files under it are named relative to it.
const SRCROOT: &str = "%SRCROOT%";

/// `bytes` (a path) as a URI path (RFC 3986, section 2): unreserved characters and `/`
/// stay, every other byte is percent-encoded, so that a space, `é`, `#`, `%`, `?` or `:`
/// in a file name cannot be read as syntax.
fn encode_path(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `path` made absolute against `root` and without `.` and `..`, as far as the words
/// go (symlinks are not followed: the URI names the file as the run named it).
fn absolute(root: Option<&Path>, path: &Path) -> Option<PathBuf> {
    let joined = if path.is_absolute() {
        path.to_owned()
    } else {
        root?.join(path)
    };
    let mut out = PathBuf::new();
    for component in joined.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    Some(out)
}

/// The `file:` URI of the absolute path `path` (a directory's ends with `/`).
fn file_uri(path: &Path, directory: bool) -> String {
    let mut uri = format!(
        "file://{}",
        encode_path(path.as_os_str().as_encoded_bytes())
    );
    if directory && !uri.ends_with('/') {
        uri.push('/');
    }
    uri
}

/// Where an artifact is, as SARIF's `artifactLocation`: relative to `%SRCROOT%` under
/// the directory the run was in, an absolute `file:` URI (without a base) elsewhere, and
/// the bare reference `stdin` for the stream.
fn artifact_location(root: Option<&Path>, artifact: &Artifact<'_>) -> Value {
    let Some(path) = &artifact.path else {
        return json!({"uri": "stdin"});
    };
    let Some(abs) = absolute(root, path) else {
        return json!({"uri": encode_path(path.as_os_str().as_encoded_bytes())});
    };
    let root = root.and_then(|r| absolute(None, r));
    match root.as_deref().and_then(|r| abs.strip_prefix(r).ok()) {
        Some(relative) if !relative.as_os_str().is_empty() => json!({
            "uri": encode_path(relative.as_os_str().as_encoded_bytes()),
            "uriBaseId": SRCROOT,
        }),
        _ => json!({"uri": file_uri(&abs, false)}),
    }
}

fn region(index: &LineIndex<'_>, text: &str, range: std::ops::Range<usize>) -> Option<Value> {
    let region = index.region(range.clone())?;
    let offset = text.get(..range.start)?.chars().count();
    let length = text.get(range)?.chars().count();
    Some(json!({
        "startLine": region.start.line,
        "startColumn": region.start.column,
        "endLine": region.end.line,
        "endColumn": region.end.column,
        "charOffset": offset,
        "charLength": length,
    }))
}

/// Adds `key` to a JSON object built by `json!` here (indexing a `Value` would panic on
/// anything else, and these are always objects).
fn set(object: &mut Value, key: &str, value: Value) {
    if let Some(map) = object.as_object_mut() {
        map.insert(key.to_owned(), value);
    }
}

fn results(root: Option<&Path>, artifact: &Artifact<'_>, out: &mut Vec<Value>) {
    let index = LineIndex::new(artifact.text);
    let artifact_location = artifact_location(root, artifact);
    let location = |at: Option<(usize, usize)>| {
        let mut physical = json!({"artifactLocation": artifact_location});
        if let Some((line, column)) = at {
            set(
                &mut physical,
                "region",
                json!({"startLine": line, "startColumn": column}),
            );
        }
        json!([{"physicalLocation": physical}])
    };
    if let Some((at, message)) = &artifact.error {
        out.push(json!({
            "ruleId": Rule::LeftUnchanged.id(),
            "ruleIndex": rule_index(Rule::LeftUnchanged),
            "level": "error",
            "message": {"text": message},
            "locations": location(*at),
            "partialFingerprints": {
                "harden-sa-token/v1": format!("{:016x}", fnv1a(&format!("{}:{message}", Rule::LeftUnchanged.id()))),
            },
        }));
    }
    for result in artifact.results {
        let parts: Vec<(Rule, String)> = if result.detail.parts.is_empty() {
            vec![(rule_of(result), result.message.clone())]
        } else {
            result.detail.parts.clone()
        };
        let subject = subject(result);
        for (i, (rule, message)) in parts.iter().enumerate() {
            let text = if subject.is_empty() {
                message.clone()
            } else {
                format!("{subject}: {message}")
            };
            let mut value = json!({
                "ruleId": rule.id(),
                "ruleIndex": rule_index(*rule),
                "level": level(result.severity),
                "message": {"text": text},
                "locations": location(result.detail.at),
                "partialFingerprints": {
                    "harden-sa-token/v1": format!("{:016x}", fnv1a(&format!("{}:{text}", rule.id()))),
                },
            });
            // The fix of a result that says several things goes with its first part.
            if i == 0 && !result.detail.fix.is_empty() {
                let replacements: Option<Vec<Value>> = result
                    .detail
                    .fix
                    .iter()
                    .map(|r| {
                        Some(json!({
                            "deletedRegion": region(&index, artifact.text, r.range.clone())?,
                            "insertedContent": {"text": r.text},
                        }))
                    })
                    .collect();
                if let Some(replacements) = replacements {
                    set(
                        &mut value,
                        "fixes",
                        json!([{
                            "description": {"text": messages::fix_description(&subject)},
                            "artifactChanges": [{
                                "artifactLocation": artifact_location,
                                "replacements": replacements,
                            }],
                        }]),
                    );
                }
            }
            out.push(value);
        }
    }
}

fn rule_index(rule: Rule) -> usize {
    Rule::ALL.iter().position(|&r| r == rule).unwrap_or(0)
}

/// The report as SARIF 2.1.0.
pub(super) fn render(report: &Report<'_>) -> String {
    let root = report.root.as_deref();
    let mut found = Vec::new();
    for artifact in &report.artifacts {
        results(root, artifact, &mut found);
    }
    let mut run = json!({
        "tool": {"driver": {
            "name": "harden-sa-token",
            "version": env!("CARGO_PKG_VERSION"),
            "informationUri": env!("CARGO_PKG_HOMEPAGE"),
            "rules": rules(),
        }},
        "columnKind": "unicodeCodePoints",
        "artifacts": report
            .artifacts
            .iter()
            .map(|a| json!({"location": artifact_location(root, a)}))
            .collect::<Vec<_>>(),
        "results": found,
        // What the run was, as the other reports say it.
        "properties": {
            "protocol": report.protocol,
            "mode": match report.mode {
                Mode::Enforce => "enforce",
                Mode::Audit => "audit",
            },
            "config": report.config,
        },
    });
    if let Some(root) = root.and_then(|r| absolute(None, r)) {
        set(
            &mut run,
            "originalUriBaseIds",
            json!({SRCROOT: {"uri": file_uri(&root, true)}}),
        );
    }
    let sarif = json!({
        "$schema": "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json",
        "version": "2.1.0",
        "runs": [run],
    });
    let mut text = serde_json::to_string_pretty(&sarif).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_percent_encoded_as_rfc_3986_asks() {
        let encode = |s: &str| encode_path(s.as_bytes());
        assert_eq!(encode("k8s/web.yaml"), "k8s/web.yaml");
        assert_eq!(encode("my dir/a b.yaml"), "my%20dir/a%20b.yaml");
        assert_eq!(encode("café.yaml"), "caf%C3%A9.yaml");
        assert_eq!(encode("#1.yaml"), "%231.yaml");
        assert_eq!(encode("100%.yaml"), "100%25.yaml");
        assert_eq!(encode("what?.yaml"), "what%3F.yaml");
        assert_eq!(encode("c:/x~_-.y"), "c%3A/x~_-.y");
    }

    #[test]
    fn files_under_the_root_are_relative_to_srcroot_others_are_file_uris() {
        let artifact = |path: Option<&str>| Artifact {
            name: String::new(),
            path: path.map(PathBuf::from),
            text: "",
            results: &[],
            rows: &[],
            error: None,
        };
        let root = Some(Path::new("/work/my repo"));
        assert_eq!(
            artifact_location(root, &artifact(Some("./k8s/a b.yaml"))),
            json!({"uri": "k8s/a%20b.yaml", "uriBaseId": "%SRCROOT%"})
        );
        assert_eq!(
            artifact_location(root, &artifact(Some("/work/my repo/k8s/x.yaml"))),
            json!({"uri": "k8s/x.yaml", "uriBaseId": "%SRCROOT%"})
        );
        assert_eq!(
            artifact_location(root, &artifact(Some("../other/é.yaml"))),
            json!({"uri": "file:///work/other/%C3%A9.yaml"})
        );
        assert_eq!(
            artifact_location(None, &artifact(Some("/tmp/x.yaml"))),
            json!({"uri": "file:///tmp/x.yaml"})
        );
        assert_eq!(
            artifact_location(root, &artifact(None)),
            json!({"uri": "stdin"})
        );
        assert_eq!(
            file_uri(Path::new("/work/my repo"), true),
            "file:///work/my%20repo/"
        );
    }
}
