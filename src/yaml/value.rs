//! Reads a tree node as a JSON value, for the few places that want typed data (the
//! functionConfig, an existing token volume). Never used to write anything back.
//!
//! Plain scalars resolve like Kubernetes' own reader: `true`/`false` and `null` in any
//! case, integers in decimal, `0x` hex, `0o` or leading-zero octal (so `defaultMode: 0644`
//! means 420), floats; everything else, and every quoted scalar, is a string.

use std::collections::HashMap;

use serde_json::{Map, Number, Value};

use super::tree::{Kind, Node, ScalarStyle};

/// Most nodes one conversion may produce, aliases expanded: far above any real config,
/// far below what an alias bomb would need.
pub const MAX_NODES: usize = 100_000;

/// Why a node could not be read as a value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    /// Aliases expand beyond [`MAX_NODES`].
    #[error("line {line}: aliases expand to more than {MAX_NODES} nodes")]
    TooLarge {
        /// 1-based line where the budget ran out.
        line: usize,
    },
    /// An alias whose anchor is not in the converted node.
    #[error("line {line}: alias to an anchor outside this object")]
    UnknownAlias {
        /// 1-based line of the alias.
        line: usize,
    },
    /// A mapping key that is not a scalar.
    #[error("line {line}: a mapping key that is not a scalar")]
    ComplexKey {
        /// 1-based line of the key.
        line: usize,
    },
}

/// Reads `node` as a JSON value.
pub fn to_json(node: &Node<'_>) -> Result<Value, ValueError> {
    let mut anchors = HashMap::new();
    collect_anchors(node, &mut anchors);
    let mut budget = MAX_NODES;
    convert(node, &anchors, &mut budget)
}

fn collect_anchors<'n, 'a>(node: &'n Node<'a>, anchors: &mut HashMap<u32, &'n Node<'a>>) {
    let anchor = match &node.kind {
        Kind::Scalar { anchor, .. } => *anchor,
        Kind::Map {
            anchor, entries, ..
        } => {
            for (k, v) in entries {
                collect_anchors(k, anchors);
                collect_anchors(v, anchors);
            }
            *anchor
        }
        Kind::Seq { anchor, items, .. } => {
            for item in items {
                collect_anchors(item, anchors);
            }
            *anchor
        }
        Kind::Alias(_) => 0,
    };
    if anchor != 0 {
        anchors.insert(anchor, node);
    }
}

fn convert(
    node: &Node<'_>,
    anchors: &HashMap<u32, &Node<'_>>,
    budget: &mut usize,
) -> Result<Value, ValueError> {
    *budget = budget
        .checked_sub(1)
        .ok_or(ValueError::TooLarge { line: node.line() })?;
    Ok(match &node.kind {
        Kind::Scalar {
            value,
            style,
            tagged,
            ..
        } => {
            if *style == ScalarStyle::Plain && !*tagged {
                resolve(value, node.start == node.end)
            } else {
                Value::String(value.to_string())
            }
        }
        Kind::Seq { items, .. } => Value::Array(
            items
                .iter()
                .map(|n| convert(n, anchors, budget))
                .collect::<Result<_, _>>()?,
        ),
        Kind::Map { entries, .. } => {
            let mut map = Map::new();
            for (k, v) in entries {
                let key = k
                    .as_str()
                    .ok_or(ValueError::ComplexKey { line: k.line() })?;
                map.insert(key.to_owned(), convert(v, anchors, budget)?);
            }
            Value::Object(map)
        }
        Kind::Alias(id) => {
            let target = anchors
                .get(id)
                .ok_or(ValueError::UnknownAlias { line: node.line() })?;
            convert(target, anchors, budget)?
        }
    })
}

/// What a plain scalar written `text` reads as, as Kubernetes reads it (the module docs
/// say how): for strings that stand for a value a reader of YAML would have resolved,
/// and for messages that say what a value is.
pub fn plain_scalar(text: &str) -> Value {
    // Only the empty scalar is written as nothing: quoted, it would not be plain.
    resolve(text, text.is_empty())
}

/// Resolves a plain scalar, `empty` when it is written as nothing.
fn resolve(text: &str, empty: bool) -> Value {
    if empty {
        return Value::Null;
    }
    match text {
        "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        _ => {}
    }
    if let Some(n) = parse_int(text) {
        return Value::Number(n.into());
    }
    if text.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '+' || c == '.')
        && let Ok(f) = text.parse::<f64>()
        && let Some(n) = Number::from_f64(f)
    {
        return Value::Number(n);
    }
    Value::String(text.to_owned())
}

/// An integer as Kubernetes reads one: decimal, `0x` hex, `0o` or leading-zero octal.
fn parse_int(text: &str) -> Option<i64> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let magnitude = if let Some(hex) = digits.strip_prefix("0x") {
        i64::from_str_radix(hex, 16).ok()?
    } else if let Some(oct) = digits.strip_prefix("0o") {
        i64::from_str_radix(oct, 8).ok()?
    } else if digits.len() > 1 && digits.starts_with('0') {
        i64::from_str_radix(digits, 8).ok()?
    } else if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        digits.parse().ok()?
    } else {
        return None;
    };
    Some(if negative { -magnitude } else { magnitude })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::tree::parse;
    use serde_json::json;

    fn read(text: &str) -> Result<Value, ValueError> {
        let parsed = parse(text).unwrap();
        to_json(&parsed.roots[0])
    }

    #[test]
    fn scalars_resolve_like_kubernetes() {
        let v =
            read("a: 0644\nb: '0644'\nc: 0x1F\nd: 1.5\ne: yes\nf:\ng: True\nh: 3607\n").unwrap();
        assert_eq!(
            v,
            json!({"a": 420, "b": "0644", "c": 31, "d": 1.5, "e": "yes", "f": null, "g": true, "h": 3607})
        );
    }

    #[test]
    fn a_plain_scalar_reads_as_its_node_would() {
        assert_eq!(plain_scalar("0644"), json!(420));
        assert_eq!(plain_scalar(""), Value::Null);
        assert_eq!(plain_scalar("True"), json!(true));
        // An integer only when it reads as one: not a float, nor one too large.
        assert_eq!(plain_scalar("7200").as_i64(), Some(7200));
        assert_eq!(plain_scalar("1.5").as_i64(), None);
        assert_eq!(plain_scalar("99999999999999999999").as_i64(), None);
    }

    #[test]
    fn aliases_expand_within_a_budget() {
        assert_eq!(
            read("a: &x [1]\nb: *x\n").unwrap(),
            json!({"a": [1], "b": [1]})
        );
        // Alias bombs stop at the parser (tree::MAX_ALIAS_EXPANSION); the budget
        // here also bounds what a large config without aliases costs.
        let big = format!("a: [{}]\n", "x, ".repeat(MAX_NODES));
        assert!(matches!(read(&big), Err(ValueError::TooLarge { .. })));
    }
}
