//! `function-config/schema.json` and the table of config fields in `docs/configuration.md` are generated
//! from the field definitions (`src/config/fields.rs`); these tests fail when either is
//! stale, and `make schema` (UPDATE_SCHEMA=1) rewrites both. The shipped examples must
//! also be accepted by the function.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use std::path::Path;

#[test]
fn schema_is_current() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("function-config/schema.json");
    let want = harden_sa_token::config::schema_json();
    if std::env::var("UPDATE_SCHEMA").is_ok_and(|v| v == "1") {
        std::fs::write(&path, &want).unwrap();
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "function-config/schema.json is stale: run `make schema`"
    );
}

#[test]
fn configuration_table_is_current() {
    const BEGIN: &str = "<!-- config-table: begin";
    const END: &str = "<!-- config-table: end -->";
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/configuration.md");
    let doc = std::fs::read_to_string(&path).unwrap();
    let start = doc
        .find(BEGIN)
        .expect("docs/configuration.md has the config table's begin marker");
    let start = start
        + doc[start..]
            .find('\n')
            .expect("a line break after the marker")
        + 1;
    let end = doc
        .find(END)
        .expect("docs/configuration.md has the config table's end marker");
    let want = harden_sa_token::config::fields_table();
    if std::env::var("UPDATE_SCHEMA").is_ok_and(|v| v == "1") {
        let updated = format!("{}{want}{}", &doc[..start], &doc[end..]);
        std::fs::write(&path, updated).unwrap();
        return;
    }
    assert!(
        doc[start..end] == want,
        "the config table of docs/configuration.md differs from src/config/fields.rs: run `make schema`"
    );
}

#[test]
fn examples_are_accepted() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("function-config/examples");
    let mut count = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let config = std::fs::read_to_string(&path).unwrap();
        let input = common::empty_resource_list_with(&config);
        if let Err(e) = harden_sa_token::run(input.as_bytes(), harden_sa_token::Call::Plain) {
            panic!("{}: {e}", path.display());
        }
        count += 1;
    }
    assert!(count >= 2);
}
