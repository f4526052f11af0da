//! `function-config/schema.json` is generated from the Rust types; this test fails when
//! it is stale. `make schema` (UPDATE_SCHEMA=1) rewrites it. The shipped examples must
//! also be accepted by the function.

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
fn examples_are_accepted() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("function-config/examples");
    let mut count = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let config = std::fs::read_to_string(&path).unwrap();
        let input = common::empty_resource_list_with(&config);
        if let Err(e) = harden_sa_token::run(input.as_bytes()) {
            panic!("{}: {e}", path.display());
        }
        count += 1;
    }
    assert!(count >= 2);
}
