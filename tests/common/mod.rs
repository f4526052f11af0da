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
    let mut out = String::from("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n");
    let mut count = 0;
    for doc in &docs {
        let root = &doc.root;
        if root.entries().is_none_or(|e| e.is_empty()) || root.col != 0 {
            continue;
        }
        let text = stream[root.start..root.end].trim_end_matches(['\n', '\r']);
        for (i, line) in text.split('\n').enumerate() {
            out.push_str(if i == 0 {
                "- "
            } else if line.trim().is_empty() {
                ""
            } else {
                "  "
            });
            out.push_str(line);
            out.push('\n');
        }
        count += 1;
    }
    if count == 0 {
        out = out.replace("items:\n", "items: []\n");
    }
    (out, count)
}
