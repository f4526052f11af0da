//! The product's first acceptance test: Linkerd's install output before its hand-made
//! change (linkerd/linkerd2 PR #13186), run through the function with
//! `function-config/examples/linkerd.yaml`, gives Linkerd's own output after the change.
//! Documents are compared as data; in Pod templates, `volumes` and each container's
//! `volumeMounts` are compared by name (the function appends where Linkerd's charts
//! sometimes insert), everything else exactly.

mod common;

use std::path::Path;

use harden_sa_token::Severity;
use harden_sa_token::workloads;
use harden_sa_token::yaml::to_json;
use harden_sa_token::yaml::{Document, Node};
use serde_json::Value;

/// Each document of a stream as JSON, with the lists compared by name sorted by name.
fn normalized(documents: &[&Node<'_>]) -> Vec<Value> {
    documents
        .iter()
        .map(|doc| {
            let mut value = to_json(doc).expect("document reads as JSON");
            for found in workloads::pod_templates(doc, &[]) {
                let pointer = format!("/{}", found.path.replace('.', "/"));
                let spec = value.pointer_mut(&pointer).expect("PodSpec path");
                sort_by_name(spec.get_mut("volumes"));
                for key in ["containers", "initContainers"] {
                    if let Some(Value::Array(containers)) = spec.get_mut(key) {
                        for c in containers {
                            sort_by_name(c.get_mut("volumeMounts"));
                        }
                    }
                }
            }
            value
        })
        .collect()
}

fn sort_by_name(list: Option<&mut Value>) {
    if let Some(Value::Array(items)) = list {
        items.sort_by(|a, b| a["name"].as_str().cmp(&b["name"].as_str()));
    }
}

#[test]
fn linkerd_before_gives_linkerd_after() {
    let Some(shared) = common::shared_dir() else {
        common::skip(
            "seed-linkerd",
            "../shared/corpus is not beside the repository",
        );
        return;
    };
    let config = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("function-config/examples/linkerd.yaml"),
    )
    .unwrap();
    let dir = shared.join("corpus/seed-linkerd");
    let mut pairs: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter_map(|n| n.strip_suffix("-before.yaml").map(str::to_owned))
        .collect();
    pairs.sort();
    assert_eq!(pairs.len(), 6, "expected the six pairs of seed-linkerd/");
    let (mut templates, mut granted) = (0, 0);
    for pair in &pairs {
        let before = std::fs::read_to_string(dir.join(format!("{pair}-before.yaml"))).unwrap();
        let after = std::fs::read_to_string(dir.join(format!("{pair}-after.yaml"))).unwrap();
        let (mut input, count) = common::wrap_stream(&before);
        common::push_function_config(&mut input, &config);
        let out = harden_sa_token::run(input.as_bytes(), harden_sa_token::Call::Plain).unwrap();
        assert!(
            out.results.iter().all(|r| r.severity != Severity::Error),
            "{pair}: {:?}",
            out.results
        );
        let out_docs = Document::parse(&out.text).unwrap();
        let items = out_docs.roots()[0]
            .get("items")
            .and_then(Node::items)
            .unwrap();
        let after_docs = Document::parse(&after).unwrap();
        let expected: Vec<&Node<'_>> = after_docs
            .roots()
            .iter()
            .filter(|r| r.entries().is_some_and(|e| !e.is_empty()))
            .collect();
        assert_eq!(items.len(), count);
        assert_eq!(expected.len(), count, "{pair}: document count");
        let got = normalized(&items.iter().collect::<Vec<_>>());
        let want = normalized(&expected);
        for (i, (g, w)) in got.iter().zip(&want).enumerate() {
            assert!(
                g == w,
                "{pair}: document {i} differs from Linkerd's\n--- got ---\n{}\n--- Linkerd ---\n{}",
                serde_json::to_string_pretty(g).unwrap(),
                serde_json::to_string_pretty(w).unwrap()
            );
        }
        for item in items {
            templates += workloads::pod_templates(item, &[]).len();
        }
        granted += out
            .results
            .iter()
            .filter(|r| r.severity == Severity::Info)
            .count();
    }
    eprintln!(
        "seed-linkerd: {} pairs, {templates} Pod templates equal to Linkerd's, {granted} resources changed",
        pairs.len()
    );
}
