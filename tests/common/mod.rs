//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

/// `../shared` beside the repository, if it is there.
pub fn shared_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared");
    dir.join("corpus").is_dir().then_some(dir)
}

/// Says loudly that a test is skipped, and fails instead under `REQUIRE_E2E=1`.
pub fn skip(test: &str, why: &str) {
    if std::env::var("REQUIRE_E2E").is_ok_and(|v| v == "1") {
        panic!("{test}: required (REQUIRE_E2E=1) but cannot run: {why}");
    }
    eprintln!("\n*** SKIPPED {test}: {why} ***\n");
}

/// Wraps the documents of a YAML stream into a ResourceList as text, each document's
/// own lines indented under `- `, so every scalar keeps its text. Returns the
/// ResourceList and the number of documents wrapped.
pub fn wrap_stream(stream: &str) -> (String, usize) {
    let docs = harden_sa_token::yaml::tree::parse(stream).expect("stream parses");
    let mut items = String::new();
    let mut count = 0;
    for doc in &docs {
        let root = &doc.root;
        if root.entries().is_none_or(|e| e.is_empty()) || root.col != 0 {
            continue;
        }
        let text = stream[root.start..root.end].trim_end_matches(['\n', '\r']);
        for (i, line) in text.split('\n').enumerate() {
            items.push_str(if i == 0 {
                "- "
            } else if line.trim().is_empty() {
                ""
            } else {
                "  "
            });
            items.push_str(line);
            items.push('\n');
        }
        count += 1;
    }
    let items_key = if count == 0 {
        "items: []\n"
    } else {
        "items:\n"
    };
    (format!("{RESOURCE_LIST_HEAD}{items_key}{items}"), count)
}

const RESOURCE_LIST_HEAD: &str = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n";

/// Appends `config` to a block-style ResourceList text as its `functionConfig`.
pub fn push_function_config(resource_list: &mut String, config: &str) {
    resource_list.push_str("functionConfig:\n");
    for line in config.lines() {
        resource_list.push_str("  ");
        resource_list.push_str(line);
        resource_list.push('\n');
    }
}

/// An empty ResourceList text with `config` as its `functionConfig`.
pub fn empty_resource_list_with(config: &str) -> String {
    let mut text = format!("{RESOURCE_LIST_HEAD}items: []\n");
    push_function_config(&mut text, config);
    text
}
