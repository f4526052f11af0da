//! Which objects a selector picks (`docs/design.md`): kustomize-style `target` fields (`group`,
//! `version`, `kind`, `name`, `namespace` as anchored regular expressions) and
//! Kubernetes label and annotation selectors (`app=web,tier in (a,b),!legacy`).
//!
//! Pure: selectors are matched against [`ObjectFacts`], never against YAML, and the
//! regular expressions come from the `regex` crate, whose matching is linear in the input
//! whatever the pattern, so a config cannot make a run hang.

use regex::{Regex, RegexBuilder};

/// What a selector looks at in an object.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObjectFacts<'a> {
    /// API group (`""` for the core group).
    pub group: &'a str,
    /// API version (`v1`).
    pub version: &'a str,
    /// Kind.
    pub kind: &'a str,
    /// `metadata.name`.
    pub name: &'a str,
    /// `metadata.namespace` (`""` when absent).
    pub namespace: &'a str,
    /// `metadata.labels`.
    pub labels: Vec<(&'a str, &'a str)>,
    /// `metadata.annotations`.
    pub annotations: Vec<(&'a str, &'a str)>,
}

/// A selector that cannot be compiled: the text and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{problem}")]
pub struct SelectorError {
    /// What is wrong and what is allowed.
    pub problem: String,
}

/// A compiled selector. Every field that is set must match; none set matches everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selector {
    /// `group`.
    pub group: Option<Pattern>,
    /// `version`.
    pub version: Option<Pattern>,
    /// `kind`.
    pub kind: Option<Pattern>,
    /// `name`.
    pub name: Option<Pattern>,
    /// `namespace`.
    pub namespace: Option<Pattern>,
    /// `labelSelector`.
    pub labels: Option<LabelSelector>,
    /// `annotationSelector`.
    pub annotations: Option<LabelSelector>,
}

impl Selector {
    /// Whether the object is selected.
    pub fn matches(&self, object: &ObjectFacts<'_>) -> bool {
        let field = |p: &Option<Pattern>, value: &str| p.as_ref().is_none_or(|p| p.matches(value));
        field(&self.group, object.group)
            && field(&self.version, object.version)
            && field(&self.kind, object.kind)
            && field(&self.name, object.name)
            && field(&self.namespace, object.namespace)
            && self
                .labels
                .as_ref()
                .is_none_or(|s| s.matches(&object.labels))
            && self
                .annotations
                .as_ref()
                .is_none_or(|s| s.matches(&object.annotations))
    }
}

/// A regular expression matched against a whole value, as kustomize's `target` does.
#[derive(Debug, Clone)]
pub struct Pattern(Regex);

/// Compiled patterns are capped so that a config cannot make the function allocate
/// without bound; real selectors are a few words.
const PATTERN_SIZE_LIMIT: usize = 1 << 20;

impl Pattern {
    /// Compiles `source`, anchored at both ends.
    pub fn new(source: &str) -> Result<Self, SelectorError> {
        RegexBuilder::new(&format!("^(?:{source})$"))
            .size_limit(PATTERN_SIZE_LIMIT)
            .build()
            .map(Pattern)
            .map_err(|e| SelectorError {
                problem: format!(
                    "{source:?} is not a valid regular expression ({}); allowed: a regular expression matched against the whole value, e.g. \"linkerd-.*\"",
                    reason(&e.to_string())
                ),
            })
    }

    /// Whether the whole of `value` matches.
    pub fn matches(&self, value: &str) -> bool {
        self.0.is_match(value)
    }
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Self) -> bool {
        self.0.as_str() == other.0.as_str()
    }
}

impl Eq for Pattern {}

/// The regex crate's message ends with a line such as `error: unclosed group`.
fn reason(s: &str) -> &str {
    let last = s
        .lines()
        .rfind(|l| !l.trim().is_empty())
        .unwrap_or(s)
        .trim();
    last.strip_prefix("error: ").unwrap_or(last)
}

/// A Kubernetes label selector in its string form; also used for annotations.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LabelSelector {
    requirements: Vec<Requirement>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Requirement {
    key: String,
    op: Op,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Op {
    Exists,
    NotExists,
    In(Vec<String>),
    NotIn(Vec<String>),
    Gt(i64),
    Lt(i64),
}

const SELECTOR_SYNTAX: &str = "allowed: comma-separated requirements such as key, !key, key=value, key!=value, key in (a,b), key notin (a,b), key>1, key<1";

impl LabelSelector {
    /// Parses the string form (`a=b,c!=d,e in (x,y),!f`); empty selects everything.
    pub fn parse(text: &str) -> Result<Self, SelectorError> {
        let bad = |what: String| SelectorError {
            problem: format!("{text:?}: {what}; {SELECTOR_SYNTAX}"),
        };
        let mut requirements = Vec::new();
        for part in split_requirements(text).map_err(&bad)? {
            let part = part.trim();
            if part.is_empty() {
                if text.trim().is_empty() {
                    continue;
                }
                return Err(bad("empty requirement".into()));
            }
            requirements.push(requirement(part).map_err(&bad)?);
        }
        Ok(LabelSelector { requirements })
    }

    /// Whether `pairs` (an object's labels or annotations) satisfy every requirement.
    pub fn matches(&self, pairs: &[(&str, &str)]) -> bool {
        self.requirements.iter().all(|r| {
            let value = pairs.iter().find(|(k, _)| *k == r.key).map(|(_, v)| *v);
            match (&r.op, value) {
                (Op::Exists, v) => v.is_some(),
                (Op::NotExists, v) => v.is_none(),
                (Op::In(set), Some(v)) => set.iter().any(|s| s == v),
                (Op::In(_), None) => false,
                (Op::NotIn(set), v) => v.is_none_or(|v| set.iter().all(|s| s != v)),
                (Op::Gt(n), Some(v)) => v.parse::<i64>().is_ok_and(|v| v > *n),
                (Op::Lt(n), Some(v)) => v.parse::<i64>().is_ok_and(|v| v < *n),
                (Op::Gt(_) | Op::Lt(_), None) => false,
            }
        })
    }
}

/// Splits at commas outside parentheses.
fn split_requirements(text: &str) -> Result<Vec<&str>, String> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0usize, 0);
    for (i, c) in text.char_indices() {
        match c {
            '(' if depth == 0 => depth = 1,
            '(' => return Err("nested '('".into()),
            ')' if depth == 1 => depth = 0,
            ')' => return Err("')' without '('".into()),
            ',' if depth == 0 => {
                parts.push(text.get(start..i).unwrap_or_default());
                start = i + 1;
            }
            _ => {}
        }
    }
    if depth != 0 {
        return Err("missing ')'".into());
    }
    parts.push(text.get(start..).unwrap_or_default());
    Ok(parts)
}

fn requirement(part: &str) -> Result<Requirement, String> {
    if let Some(key) = part.strip_prefix('!') {
        return Ok(Requirement {
            key: key_of(key.trim())?,
            op: Op::NotExists,
        });
    }
    let end = part.find(|c: char| !is_key_char(c)).unwrap_or(part.len());
    let key = key_of(part.get(..end).unwrap_or_default())?;
    let rest = part.get(end..).unwrap_or_default().trim_start();
    let op = if rest.is_empty() {
        Op::Exists
    } else if let Some(v) = rest.strip_prefix("!=") {
        Op::NotIn(vec![value_of(v)?])
    } else if let Some(v) = rest.strip_prefix("==").or_else(|| rest.strip_prefix('=')) {
        Op::In(vec![value_of(v)?])
    } else if let Some(v) = rest.strip_prefix('>') {
        Op::Gt(integer(v)?)
    } else if let Some(v) = rest.strip_prefix('<') {
        Op::Lt(integer(v)?)
    } else if let Some(set) = rest.strip_prefix("notin") {
        Op::NotIn(set_of(set)?)
    } else if let Some(set) = rest.strip_prefix("in") {
        Op::In(set_of(set)?)
    } else {
        return Err(format!("cannot read {part:?}"));
    };
    Ok(Requirement { key, op })
}

fn is_key_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/')
}

fn key_of(key: &str) -> Result<String, String> {
    if key.is_empty() || key.len() > 316 || !key.chars().all(is_key_char) {
        return Err(format!("{key:?} is not a label or annotation key"));
    }
    Ok(key.to_owned())
}

fn value_of(value: &str) -> Result<String, String> {
    let value = value.trim();
    if value.len() > 63
        || !value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err(format!("{value:?} is not a label value"));
    }
    Ok(value.to_owned())
}

fn integer(value: &str) -> Result<i64, String> {
    let value = value.trim();
    value
        .parse()
        .map_err(|_| format!("{value:?} is not an integer"))
}

fn set_of(rest: &str) -> Result<Vec<String>, String> {
    let inner = rest
        .trim()
        .strip_prefix('(')
        .and_then(|r| r.strip_suffix(')'))
        .ok_or_else(|| format!("expected a set like (a,b) after the operator, found {rest:?}"))?;
    let values = inner
        .split(',')
        .map(value_of)
        .collect::<Result<Vec<_>, _>>()?;
    if values.iter().all(String::is_empty) {
        return Err("empty set".into());
    }
    Ok(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts<'a>(labels: &[(&'a str, &'a str)]) -> ObjectFacts<'a> {
        ObjectFacts {
            group: "apps",
            version: "v1",
            kind: "Deployment",
            name: "linkerd-destination",
            namespace: "linkerd",
            labels: labels.to_vec(),
            annotations: vec![],
        }
    }

    fn labels(selector: &str, pairs: &[(&str, &str)]) -> bool {
        LabelSelector::parse(selector).unwrap().matches(pairs)
    }

    #[test]
    fn patterns_are_anchored() {
        let p = Pattern::new("linkerd-.*").unwrap();
        assert!(p.matches("linkerd-destination"));
        assert!(!p.matches("my-linkerd-destination"));
        assert!(
            Pattern::new("Deployment|StatefulSet")
                .unwrap()
                .matches("StatefulSet")
        );
        assert!(!Pattern::new("Deploy").unwrap().matches("Deployment"));
        let err = Pattern::new("a(").unwrap_err().problem;
        assert!(
            err.contains("\"a(\"") && err.contains("regular expression"),
            "{err}"
        );
    }

    #[test]
    fn every_field_set_must_match() {
        let object = facts(&[("app", "web")]);
        assert!(Selector::default().matches(&object));
        let by = |kind: &str, ns: &str| Selector {
            kind: Some(Pattern::new(kind).unwrap()),
            namespace: Some(Pattern::new(ns).unwrap()),
            ..Selector::default()
        };
        assert!(by("Deployment", "linkerd").matches(&object));
        assert!(!by("Deployment", "default").matches(&object));
        // The core group is the empty string.
        let core = Selector {
            group: Some(Pattern::new("").unwrap()),
            ..Selector::default()
        };
        assert!(!core.matches(&object));
        assert!(core.matches(&ObjectFacts::default()));
    }

    #[test]
    fn label_and_annotation_selectors_look_at_their_own_pairs() {
        let mut object = facts(&[("app", "web")]);
        object.annotations = vec![("example.com/unmanaged", "true")];
        let by = |labels: Option<&str>, annotations: Option<&str>| Selector {
            labels: labels.map(|l| LabelSelector::parse(l).unwrap()),
            annotations: annotations.map(|a| LabelSelector::parse(a).unwrap()),
            ..Selector::default()
        };
        assert!(by(Some("app=web"), Some("example.com/unmanaged")).matches(&object));
        assert!(!by(None, Some("app=web")).matches(&object));
        assert!(!by(Some("example.com/unmanaged"), None).matches(&object));
        assert!(!by(Some("app=web"), Some("!example.com/unmanaged")).matches(&object));
    }

    #[test]
    fn label_selector_operators() {
        let web = [("app", "web"), ("tier", "front"), ("replicas", "3")];
        assert!(labels("", &web));
        assert!(labels("app=web", &web));
        assert!(labels("app == web, tier", &web));
        assert!(!labels("app!=web", &web));
        assert!(labels("missing!=x", &web));
        assert!(labels("tier in (front, back)", &web));
        assert!(!labels("tier notin (front,back)", &web));
        assert!(labels("!legacy,app", &web));
        assert!(!labels("!app", &web));
        assert!(labels("replicas>2,replicas<4", &web));
        assert!(!labels("replicas>3", &web));
        assert!(labels("example.com/team=a", &[("example.com/team", "a")]));
    }

    #[test]
    fn label_selector_errors_say_what_is_allowed() {
        for bad in [
            "app=",
            "app in (a",
            "app in ()",
            "=x",
            "app ~ x",
            "a,,b",
            "x>y",
        ] {
            let result = LabelSelector::parse(bad);
            if bad == "app=" {
                // An empty value is valid: it matches a label whose value is empty.
                assert!(result.unwrap().matches(&[("app", "")]));
                continue;
            }
            let err = result.unwrap_err().problem;
            assert!(
                err.contains(&format!("{bad:?}")) && err.contains("allowed:"),
                "{bad}: {err}"
            );
        }
    }
}
