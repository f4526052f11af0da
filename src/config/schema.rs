//! What the field definitions say for readers: the JSON Schema of the typed form
//! (kept in `function-config/schema.json`) and the table of fields in the configuration
//! reference, `docs/configuration.md`.

use serde_json::{Map, Value as Json, json};

use super::fields::FIELDS;
use super::{API_VERSION, KIND};
use crate::yaml::{Document, to_json};

/// The JSON Schema of the typed functionConfig, as written to `function-config/`.
pub fn schema_json() -> String {
    let mut spec = Map::new();
    for field in FIELDS {
        let mut schema = (field.schema)();
        if let Json::Object(map) = &mut schema {
            map.insert(
                "description".into(),
                format!("{}. Allowed: {}.", field.doc, field.allowed).into(),
            );
            if let Ok(doc) = Document::parse(field.default)
                && let Some(Ok(default)) = doc.roots().first().map(to_json)
            {
                map.insert("default".into(), default);
            }
        }
        let mut parts = field.path.split('.').peekable();
        let mut level = &mut spec;
        while let Some(part) = parts.next() {
            if parts.peek().is_none() {
                level.insert(part.into(), schema);
                break;
            }
            let group = level.entry(part).or_insert_with(
                || json!({"type": "object", "additionalProperties": false, "properties": {}}),
            );
            let Some(properties) = group.get_mut("properties").and_then(Json::as_object_mut) else {
                break;
            };
            level = properties;
        }
    }
    let schema = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": KIND,
        "description": "The functionConfig of harden-sa-token. Every field of `spec` is optional.",
        "type": "object",
        "additionalProperties": false,
        "required": ["apiVersion", "kind"],
        "properties": {
            "apiVersion": {"const": API_VERSION},
            "kind": {"const": KIND},
            "metadata": {"type": "object", "description": "Object metadata; only `name` is customary, nothing here is read."},
            "spec": {"type": "object", "additionalProperties": false, "properties": spec}
        }
    });
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

/// The table of fields of `docs/configuration.md`, in Markdown.
pub fn fields_table() -> String {
    let mut table = String::from(
        "| field (`spec.`) | ConfigMap key | default | allowed | what it does |\n|---|---|---|---|---|\n",
    );
    for field in FIELDS {
        let key = field
            .config_map
            .map_or_else(|| "typed form only".to_owned(), |k| format!("`{k}`"));
        table.push_str(&format!(
            "| `{}` | {key} | `{}` | {} | {} |\n",
            field.path,
            field.default,
            field.allowed.replace('|', "\\|"),
            field.doc.replace('|', "\\|"),
        ));
    }
    table
}
