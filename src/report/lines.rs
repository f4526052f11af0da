//! One line per finding, the way compilers and linters print them
//! (`path:line:column: severity: message`), so editors and CI logs link them to the
//! file; and GitHub's workflow commands (`::error file=...,line=...::message`), which
//! put them on the pull request.

use std::path::Path;

use crate::messages;
use crate::results::{FnResult, ResourceRef, Row, Severity};

fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "info",
    }
}

/// `apiVersion/kind/namespace/name` of a resource, then ` field`, as lines name them.
fn resource(r: &ResourceRef, field: Option<&str>) -> String {
    let mut text = format!("{}/{}/", r.api_version, r.kind);
    if let Some(ns) = &r.namespace {
        text.push_str(&format!("{ns}/"));
    }
    text.push_str(&r.name);
    if let Some(field) = field {
        text.push_str(&format!(" {field}"));
    }
    text
}

/// What a finding is about and says: the resource, the field, the message.
fn subject(result: &FnResult) -> String {
    let mut text = String::new();
    if let Some(r) = &result.resource_ref {
        text.push_str(&resource(r, result.field.as_ref().map(|f| f.path.as_str())));
        text.push_str(": ");
    }
    text.push_str(&result.message);
    text
}

impl Row {
    /// The Pod template as a line about `path` (what `-v` lists): where it is, what the
    /// run did to it, its ServiceAccount and who holds a token.
    pub fn line(&self, path: &Path) -> String {
        let about = format!(
            "{}: {}",
            resource(&self.resource, Some(&self.path)),
            messages::looked_at(self)
        );
        finding(path, self.at, Severity::Info, &about)
    }
}

/// `path:line:column: severity: message`, or `path: severity: message` without a
/// position.
pub fn finding(path: &Path, at: Option<(usize, usize)>, s: Severity, message: &str) -> String {
    match at {
        Some((line, column)) => format!(
            "{}:{line}:{column}: {}: {message}",
            path.display(),
            severity(s)
        ),
        None => format!("{}: {}: {message}", path.display(), severity(s)),
    }
}

impl FnResult {
    /// The result as a line about `path`.
    pub fn line(&self, path: &Path) -> String {
        finding(path, self.detail.at, self.severity, &subject(self))
    }

    /// The result as a GitHub workflow command, when it is a warning or an error.
    pub fn github(&self, path: &Path) -> Option<String> {
        github_command(path, self.detail.at, self.severity, &subject(self))
    }
}

/// GitHub's workflow command for a finding (`::error file=...,line=...,col=...::...`),
/// escaped as GitHub's toolkit escapes it; `None` for info, which GitHub would not show.
pub fn github_command(
    path: &Path,
    at: Option<(usize, usize)>,
    s: Severity,
    message: &str,
) -> Option<String> {
    let command = match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => return None,
    };
    let property = |v: &str| {
        v.replace('%', "%25")
            .replace('\r', "%0D")
            .replace('\n', "%0A")
            .replace(':', "%3A")
            .replace(',', "%2C")
    };
    let data = message
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A");
    let mut properties = format!("file={}", property(&path.to_string_lossy()));
    if let Some((line, column)) = at {
        properties.push_str(&format!(",line={line},col={column}"));
    }
    properties.push_str(",title=harden-sa-token");
    Some(format!("::{command} {properties}::{data}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_workflow_commands() {
        let path = Path::new("k8s/web.yaml");
        assert_eq!(
            finding(
                path,
                Some((12, 7)),
                Severity::Error,
                "apps/v1/Deployment/web spec.template.spec: not hardened"
            ),
            "k8s/web.yaml:12:7: error: apps/v1/Deployment/web spec.template.spec: not hardened"
        );
        assert_eq!(
            finding(path, None, Severity::Warning, "x"),
            "k8s/web.yaml: warning: x"
        );
        assert_eq!(
            github_command(
                path,
                Some((12, 7)),
                Severity::Error,
                "a: 100% wrong\nreally"
            )
            .as_deref(),
            Some(
                "::error file=k8s/web.yaml,line=12,col=7,title=harden-sa-token::a: 100%25 wrong%0Areally"
            )
        );
        assert_eq!(
            github_command(Path::new("a,b:c.yaml"), None, Severity::Warning, "w").as_deref(),
            Some("::warning file=a%2Cb%3Ac.yaml,title=harden-sa-token::w")
        );
        assert_eq!(github_command(path, None, Severity::Info, "i"), None);
    }
}
