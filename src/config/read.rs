//! Reading what users wrote: values of the typed form (YAML nodes) and of the ConfigMap
//! form (strings), with errors in plain words that point at the key or the value.

use crate::yaml::{Document, Node, ScalarStyle, plain_scalar};

/// A value to read: a node of the typed form, or a string of the ConfigMap form.
#[derive(Clone, Copy)]
pub(super) enum Value<'n, 'a> {
    /// A node (aliases already followed).
    Node(&'n Node<'a>),
    /// A ConfigMap value, at `at` (the node it was written as, when there is one).
    Text(&'n str, Option<&'n Node<'a>>),
}

/// What is wrong with one value, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Problem {
    /// The field, relative to where it was found (`[0].name`, or empty for the value
    /// itself).
    pub(super) field: String,
    /// 1-based line and column.
    pub(super) at: Option<(usize, usize)>,
    /// What is wrong and what is allowed.
    pub(super) message: String,
}

impl Problem {
    /// A problem with `value` itself.
    pub(super) fn at(value: &Value<'_, '_>, message: impl Into<String>) -> Self {
        Problem {
            field: String::new(),
            at: value.node().map(|n| (n.line(), n.column())),
            message: message.into(),
        }
    }

    /// A problem with a key (an unknown one): it is reported at the key.
    pub(super) fn at_key(key: &Node<'_>, field: String, message: impl Into<String>) -> Self {
        Problem {
            field,
            at: Some((key.line(), key.column())),
            message: message.into(),
        }
    }

    /// The same problem, found under `field` (prepended to its own).
    pub(super) fn under(mut self, field: &str) -> Self {
        self.field = format!("{field}{}", self.field);
        self
    }
}

/// `{value} is not allowed; allowed: {allowed}`.
pub(super) fn not_allowed(
    value: &Value<'_, '_>,
    shown: impl std::fmt::Display,
    allowed: &str,
) -> Problem {
    Problem::at(value, format!("{shown} is not allowed; allowed: {allowed}"))
}

/// `expects {what}, got {what the value is}`.
pub(super) fn expects(value: &Value<'_, '_>, what: &str) -> Problem {
    Problem::at(value, format!("expects {what}, got {}", value.describe()))
}

impl<'n, 'a> Value<'n, 'a> {
    /// The node the value was written as.
    pub(super) fn node(&self) -> Option<&'n Node<'a>> {
        match self {
            Value::Node(n) => Some(n),
            Value::Text(_, n) => *n,
        }
    }

    /// What the value is, for "expects X, got Y".
    pub(super) fn describe(&self) -> String {
        let node = match self {
            Value::Text(text, _) => return format!("{text:?}"),
            Value::Node(node) => node,
        };
        if node.is_alias() {
            return "an alias".into();
        }
        if node.items().is_some() {
            return "a list".into();
        }
        if node.entries().is_some() {
            return "a mapping".into();
        }
        let text = node.as_str().unwrap_or_default();
        if node.style() != Some(ScalarStyle::Plain) {
            return format!("the string {text:?}");
        }
        match plain_scalar(text) {
            serde_json::Value::Null => "nothing (null)".into(),
            serde_json::Value::Bool(b) => format!("{b}"),
            serde_json::Value::Number(n) => format!("the number {n}"),
            _ => format!("the string {text:?}"),
        }
    }

    /// An integer: a plain integer of the typed form (`0644` is octal, as Kubernetes reads
    /// it), or a ConfigMap string that reads as one.
    pub(super) fn int(&self, what: &str) -> Result<i64, Problem> {
        let text = match self {
            Value::Text(text, _) => Some(text.trim()),
            Value::Node(n) if n.style() == Some(ScalarStyle::Plain) => n.as_str(),
            Value::Node(_) => None,
        };
        text.and_then(|t| plain_scalar(t).as_i64())
            .ok_or_else(|| expects(self, what))
    }

    /// `true` or `false` (and their capitalised forms, as Kubernetes' reader takes).
    pub(super) fn bool(&self) -> Result<bool, Problem> {
        let text = match self {
            Value::Text(text, _) => Some(text.trim()),
            Value::Node(n) if n.style() == Some(ScalarStyle::Plain) => n.as_str(),
            Value::Node(_) => None,
        };
        match text {
            Some("true" | "True" | "TRUE") => Ok(true),
            Some("false" | "False" | "FALSE") => Ok(false),
            _ => Err(expects(self, "true or false")),
        }
    }

    /// A string: any scalar of the typed form (as written), or a ConfigMap string.
    pub(super) fn string(&self) -> Result<&'n str, Problem> {
        match self {
            Value::Text(text, _) => Ok(text),
            Value::Node(n) if !n.is_null() => n.as_str().ok_or_else(|| expects(self, "a string")),
            Value::Node(_) => Err(expects(self, "a string")),
        }
    }

    /// A list of names: a list of strings in the typed form, a comma list in a ConfigMap.
    pub(super) fn names(
        &self,
        doc: &'n Document<'a>,
    ) -> Result<Vec<(String, Value<'n, 'a>)>, Problem> {
        match self {
            Value::Text(text, at) => Ok(text
                .split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(|p| (p.to_owned(), Value::Text(p, *at)))
                .collect()),
            Value::Node(_) => self
                .list(doc, "a list of names")?
                .into_iter()
                .enumerate()
                .map(|(i, item)| {
                    let name = item.string().map_err(|p| p.under(&format!("[{i}]")))?;
                    Ok((name.to_owned(), item))
                })
                .collect(),
        }
    }

    /// The items of a list of the typed form (a null is an empty list).
    pub(super) fn list(
        &self,
        doc: &'n Document<'a>,
        what: &str,
    ) -> Result<Vec<Value<'n, 'a>>, Problem> {
        match self {
            Value::Node(n) if n.is_null() => Ok(Vec::new()),
            Value::Node(n) => match n.items() {
                Some(items) => items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| {
                        follow(doc, item)
                            .map(Value::Node)
                            .map_err(|p| p.under(&format!("[{i}]")))
                    })
                    .collect(),
                None => Err(expects(self, what)),
            },
            Value::Text(..) => Err(expects(self, what)),
        }
    }

    /// The entries of a mapping of the typed form (a null is an empty mapping), with
    /// aliases followed.
    pub(super) fn entries(
        &self,
        doc: &'n Document<'a>,
        what: &str,
    ) -> Result<Vec<(&'n Node<'a>, Value<'n, 'a>)>, Problem> {
        match self {
            Value::Node(n) if n.is_null() => Ok(Vec::new()),
            Value::Node(n) => match n.entries() {
                Some(entries) => entries
                    .iter()
                    .map(|(k, v)| {
                        if k.is_merge_key() {
                            return Err(Problem::at_key(
                                k,
                                String::new(),
                                "a merge key (`<<`) in the functionConfig; write the fields out",
                            ));
                        }
                        let key = k.as_str().ok_or_else(|| {
                            Problem::at_key(k, String::new(), "a key that is not a string")
                        })?;
                        let value = follow(doc, v).map_err(|p| p.under(&format!(".{key}")))?;
                        Ok((k, Value::Node(value)))
                    })
                    .collect(),
                None => Err(expects(self, what)),
            },
            Value::Text(..) => Err(expects(self, what)),
        }
    }
}

/// The node an alias stands for (the node itself when it is not an alias).
fn follow<'n, 'a>(doc: &'n Document<'a>, node: &'n Node<'a>) -> Result<&'n Node<'a>, Problem> {
    let target = doc.read_through(node);
    // An alias is read through to its anchored node, which is never an alias itself.
    if target.is_alias() {
        return Err(Problem::at(
            &Value::Node(node),
            "an alias whose anchor is not in the functionConfig",
        ));
    }
    Ok(target)
}

/// The name among `known` that `name` most likely meant: one a few edits away (in
/// proportion to its length), or equal but for case.
pub(super) fn did_you_mean<'k>(
    name: &str,
    known: impl IntoIterator<Item = &'k str>,
) -> Option<&'k str> {
    known
        .into_iter()
        .map(|k| (distance(&name.to_lowercase(), &k.to_lowercase()), k))
        .filter(|(d, k)| *d * 10 <= 4 * name.len().max(k.len()))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// `unknown {what} `{name}``, what it likely meant, and what is allowed.
pub(super) fn unknown(name: &str, what: &str, known: &[&str]) -> String {
    let mut message = format!("unknown {what} `{name}`");
    if let Some(near) = did_you_mean(name, known.iter().copied()) {
        message.push_str(&format!(" (did you mean `{near}`?)"));
    }
    message.push_str(&format!("; allowed: {}", known.join(", ")));
    message
}

/// Levenshtein distance, in characters; names here are short.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row.first().copied().unwrap_or(0);
        if let Some(first) = row.first_mut() {
            *first = i + 1;
        }
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            let (Some(&up), Some(&left)) = (row.get(j + 1), row.get(j)) else {
                continue;
            };
            let next = (prev + cost).min(up + 1).min(left + 1);
            prev = up;
            if let Some(cell) = row.get_mut(j + 1) {
                *cell = next;
            }
        }
    }
    row.last().copied().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_misses_are_suggested() {
        let known = ["expirationSeconds", "audience", "mode", "containers"];
        assert_eq!(
            did_you_mean("expirySeconds", known),
            Some("expirationSeconds")
        );
        assert_eq!(
            did_you_mean("ExpirationSeconds", known),
            Some("expirationSeconds")
        );
        assert_eq!(did_you_mean("containres", known), Some("containers"));
        assert_eq!(did_you_mean("mod", known), Some("mode"));
        assert_eq!(did_you_mean("labels", known), None);
        assert_eq!(distance("kitten", "sitting"), 3);
    }

    #[test]
    fn values_are_described_in_plain_words() {
        let doc = Document::parse("a: 1h\nb: '7'\nc: 7\nd: [x]\ne:\nf: true\n").unwrap();
        let root = &doc.roots()[0];
        let got = |k: &str| Value::Node(root.get(k).unwrap()).describe();
        assert_eq!(got("a"), "the string \"1h\"");
        assert_eq!(got("b"), "the string \"7\"");
        assert_eq!(got("c"), "the number 7");
        assert_eq!(got("d"), "a list");
        assert_eq!(got("e"), "nothing (null)");
        assert_eq!(got("f"), "true");
        let err = Value::Node(root.get("a").unwrap())
            .int("a number of seconds")
            .unwrap_err();
        assert_eq!(
            err.message,
            "expects a number of seconds, got the string \"1h\""
        );
        assert_eq!(err.at, Some((1, 4)));
    }
}
