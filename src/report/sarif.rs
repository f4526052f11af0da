//! SARIF 2.1.0, as GitHub code scanning and other dashboards read it: one run, the
//! tool's rules, and each finding at its line and column with a fingerprint that does not
//! move with unrelated edits and, where the function knows it, the exact fix.

use serde_json::{Value, json};

use super::{Artifact, Report};
use crate::files::LineIndex;
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

fn results(artifact: &Artifact<'_>, out: &mut Vec<Value>) {
    let index = LineIndex::new(artifact.text);
    let location = |at: Option<(usize, usize)>| {
        let mut physical = json!({"artifactLocation": {"uri": artifact.uri}});
        if let Some((line, column)) = at {
            physical["region"] = json!({"startLine": line, "startColumn": column});
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
                    .map(|(range, new)| {
                        Some(json!({
                            "deletedRegion": region(&index, artifact.text, range.clone())?,
                            "insertedContent": {"text": new},
                        }))
                    })
                    .collect();
                if let Some(replacements) = replacements {
                    value["fixes"] = json!([{
                        "description": {"text": format!("harden {subject}")},
                        "artifactChanges": [{
                            "artifactLocation": {"uri": artifact.uri},
                            "replacements": replacements,
                        }],
                    }]);
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
    let mut found = Vec::new();
    for artifact in &report.artifacts {
        results(artifact, &mut found);
    }
    let sarif = json!({
        "$schema": "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "harden-sa-token",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules(),
            }},
            "columnKind": "unicodeCodePoints",
            "artifacts": report.artifacts.iter().map(|a| json!({"location": {"uri": a.uri}})).collect::<Vec<_>>(),
            "results": found,
        }],
    });
    let mut text = serde_json::to_string_pretty(&sarif).unwrap_or_default();
    text.push('\n');
    text
}
