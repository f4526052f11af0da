//! The ConfigMap form: flat string values under `data`, each the ConfigMap key of one
//! field (`containers`, `excludeContainers` and `initContainers` for the filter).
//! Selectors, rules and `podSpecPaths` need the typed form.

use super::Settings;
use super::fields::FIELDS;
use super::read::{self, Problem, Value, expects};
use crate::yaml::{Document, Node};

/// Reads the ConfigMap form; problems are relative to `data`.
pub(super) fn read(doc: &Document<'_>, root: &Node<'_>) -> Result<Settings, Problem> {
    let mut settings = Settings::default();
    let Some(data) = root.get("data") else {
        return Ok(settings);
    };
    let keys: Vec<&str> = FIELDS.iter().filter_map(|f| f.config_map).collect();
    let data = Value::Node(data);
    let entries = data
        .entries(doc, "a mapping of keys to strings")
        .map_err(|p| Problem {
            field: String::new(),
            ..p
        })?;
    for (k, v) in entries {
        let key = k.as_str().unwrap_or_default();
        let Some(field) = FIELDS.iter().find(|f| f.config_map == Some(key)) else {
            return Err(Problem::at_key(
                k,
                key.to_owned(),
                read::unknown(key, "key", &keys),
            ));
        };
        // ConfigMap values are strings; an unquoted number or boolean is taken as the
        // text it was written as.
        let Value::Node(node) = v else {
            continue;
        };
        let text = node
            .as_str()
            .filter(|_| !node.is_null())
            .ok_or_else(|| expects(&v, "a string").under(key))?;
        (field.read)(&mut settings, Value::Text(text, Some(node)), doc)
            .map_err(|p| p.under(key))?;
    }
    Ok(settings)
}
