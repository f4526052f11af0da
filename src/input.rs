//! Input, as every protocol reads it: bytes checked as UTF-8 and parsed once, with
//! errors that name the line and column.

use std::fmt::Display;

use crate::yaml::{Document, ParseError};

// The words of input that cannot be read live here, below `messages`, because the
// error types of `input` and `config` (which `messages` depends on) print them;
// `messages` re-exports them for everyone else.

/// The one spelling of input that YAML cannot read, whoever reads it (stdin, a config
/// file, a file of `fix`), so that users and scripts find one phrase.
const NOT_VALID_YAML: &str = "not valid YAML";

/// Bytes that are not UTF-8.
pub const NOT_UTF8: &str = "not UTF-8";

/// What to say about input that is not YAML and holds a Go template action at `line`, as
/// the templates of a Helm chart do.
fn chart_template_hint(line: usize) -> String {
    format!(
        "it looks like a Helm chart template (`{{{{` at line {line}): harden what `helm template` renders instead (as a post-renderer), and leave the chart's templates out of `fix` and `check` (e.g. pre-commit's `exclude: ^charts/.*/templates/`)"
    )
}

/// Input that is not YAML: the phrase, then why (`error`, the parser's words).
pub fn not_yaml(error: &dyn Display) -> String {
    format!("{NOT_VALID_YAML}: {error}")
}

/// Input that is not YAML ([`not_yaml`]) and holds a Go template action at `line`: what
/// to harden instead.
pub fn chart_template_not_yaml(error: &dyn Display, line: usize) -> String {
    format!("{}; {}", not_yaml(error), chart_template_hint(line))
}

/// Input that cannot be read as YAML.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    /// Bytes that are not UTF-8.
    #[error("input is {}: line {line}, column {column}", NOT_UTF8)]
    NotUtf8 {
        /// 1-based line of the first bad byte.
        line: usize,
        /// 1-based column (in bytes) of the first bad byte.
        column: usize,
    },
    /// Not YAML. The parse error is part of the message, not a separate source, so that
    /// it is printed once.
    #[error("input is {}", not_yaml(.0))]
    Yaml(ParseError),
    /// Not YAML, and holds a Go template action (`{{`) as Helm charts' templates do:
    /// the message says so and what to harden instead.
    #[error("input is {}", chart_template_not_yaml(error, *line))]
    ChartTemplate {
        /// Why it is not YAML.
        error: ParseError,
        /// 1-based line of the first `{{`.
        line: usize,
    },
}

impl From<ParseError> for InputError {
    fn from(err: ParseError) -> Self {
        InputError::Yaml(err)
    }
}

/// Reads input bytes as UTF-8, naming the position of the first bad byte.
pub fn utf8(input: &[u8]) -> Result<&str, InputError> {
    std::str::from_utf8(input).map_err(|e| {
        let good = input.get(..e.valid_up_to()).unwrap_or_default();
        let line_start = good.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        InputError::NotUtf8 {
            line: good.iter().filter(|&&b| b == b'\n').count() + 1,
            column: good.len() - line_start + 1,
        }
    })
}

/// Parses UTF-8 text.
pub fn parse(text: &str) -> Result<Document<'_>, InputError> {
    Document::parse(text).map_err(|error| match text.find("{{") {
        Some(at) => InputError::ChartTemplate {
            error,
            line: text
                .as_bytes()
                .iter()
                .take(at)
                .filter(|&&b| b == b'\n')
                .count()
                + 1,
        },
        None => InputError::Yaml(error),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_template_that_is_not_yaml_is_named_so() {
        let text = "metadata:\n  labels:\n    {{- include \"c.labels\" . | nindent 4 }}\n";
        let error = parse(text).map(|_| ()).unwrap_err();
        assert!(
            matches!(error, InputError::ChartTemplate { line: 3, .. }),
            "{error:?}"
        );
        let message = error.to_string();
        assert!(
            message.starts_with("input is not valid YAML: line 3"),
            "{message}"
        );
        assert!(
            message.contains("looks like a Helm chart template"),
            "{message}"
        );
        // Without `{{`, only the YAML error.
        assert!(matches!(parse("a: [\n"), Err(InputError::Yaml(_))));
    }
}
