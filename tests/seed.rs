//! The product's first acceptance test: Linkerd's install output before its hand-made
//! change (linkerd/linkerd2 PR #13186), run through the function with
//! `function-config/examples/linkerd.yaml`, gives Linkerd's own output after the change.
//! Documents are compared as data; in Pod templates, `volumes` and each container's
//! `volumeMounts` are compared by name (the function appends where Linkerd's charts
//! sometimes insert), everything else exactly.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

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
        let out_text = out.text.to_string();
        assert!(
            out.results.iter().all(|r| r.severity != Severity::Error),
            "{pair}: {:?}",
            out.results
        );
        let out_docs = Document::parse(&out_text).unwrap();
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

/// The containers (and init containers) of a PodSpec that mount `kube-api-access`.
fn token_holders(spec: &Node<'_>) -> Vec<String> {
    ["containers", "initContainers"]
        .iter()
        .flat_map(|key| spec.get(key).and_then(Node::items).unwrap_or_default())
        .filter(|c| {
            c.get("volumeMounts")
                .and_then(Node::items)
                .unwrap_or_default()
                .iter()
                .any(|m| m.get_str("name") == Some("kube-api-access"))
        })
        .map(|c| c.get_str("name").unwrap_or_default().to_owned())
        .collect()
}

/// `kind/name` and the token holders of every Pod template of `items`, in order.
fn holders_of(items: &[&Node<'_>]) -> Vec<(String, Vec<String>)> {
    items
        .iter()
        .flat_map(|item| workloads::pod_templates(item, &[]))
        .map(|found| {
            let (_, kind, name) = common::identity(found.object);
            (format!("{kind}/{name}"), token_holders(found.spec))
        })
        .collect()
}

/// Issue 13's acceptance: with `rbac: apply` and only the global container filter (no
/// rule about any workload), the RBAC that Linkerd ships beside its workloads gives the
/// tokens of Linkerd's hand-made change: every Pod template mounts the token in exactly
/// the containers of the `-after.yaml` file, and `linkerd-gateway` (whose ServiceAccount
/// no binding names) in none, as Linkerd decided. The one difference is `jaeger`: its
/// ServiceAccount has no binding either, so it gets no token, and its result says why.
#[test]
fn linkerd_rbac_gives_the_tokens_linkerd_chose() {
    let Some(shared) = common::shared_dir() else {
        common::skip(
            "seed-linkerd rbac",
            "../shared/corpus is not beside the repository",
        );
        return;
    };
    const CONFIG: &str = "apiVersion: fn.harden-sa-token.dev/v1alpha1\nkind: HardenServiceAccountToken\nmetadata: {name: linkerd-rbac}\nspec:\n  rbac: apply\n  containers: {exclude: [linkerd-proxy], initContainers: false}\n";
    const NO_GRANT: &str =
        "as rbac: apply (nothing in the input or the evidence grants ServiceAccount";
    let dir = shared.join("corpus/seed-linkerd");
    let mut pairs: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter_map(|n| n.strip_suffix("-before.yaml").map(str::to_owned))
        .collect();
    pairs.sort();
    assert_eq!(pairs.len(), 6, "expected the six pairs of seed-linkerd/");
    let mut table = vec![[
        "pair".to_owned(),
        "workload".to_owned(),
        "Linkerd's -after".to_owned(),
        "expected".to_owned(),
        "got".to_owned(),
    ]];
    let mut failures = Vec::new();
    let (mut gateway, mut jaeger) = (false, false);
    for pair in &pairs {
        let before = std::fs::read_to_string(dir.join(format!("{pair}-before.yaml"))).unwrap();
        let after = std::fs::read_to_string(dir.join(format!("{pair}-after.yaml"))).unwrap();
        let (mut input, _) = common::wrap_stream(&before);
        common::push_function_config(&mut input, CONFIG);
        let out = harden_sa_token::run(input.as_bytes(), harden_sa_token::Call::Plain).unwrap();
        let out_text = out.text.to_string();
        assert!(
            out.results.iter().all(|r| r.severity != Severity::Error),
            "{pair}: {:?}",
            out.results
        );
        let out_docs = Document::parse(&out_text).unwrap();
        let items: Vec<&Node<'_>> = out_docs.roots()[0]
            .get("items")
            .and_then(Node::items)
            .unwrap()
            .iter()
            .collect();
        let after_docs = Document::parse(&after).unwrap();
        let expected: Vec<&Node<'_>> = after_docs
            .roots()
            .iter()
            .filter(|r| r.entries().is_some_and(|e| !e.is_empty()))
            .collect();
        let got = holders_of(&items);
        let want = holders_of(&expected);
        assert_eq!(
            got.iter().map(|(w, _)| w).collect::<Vec<_>>(),
            want.iter().map(|(w, _)| w).collect::<Vec<_>>(),
            "{pair}: the same Pod templates in the same order"
        );
        for ((workload, got), (_, linkerd)) in got.iter().zip(&want) {
            let is_jaeger = pair == "jaeger-default" && workload == "Deployment/jaeger";
            let wanted: &[String] = if is_jaeger { &[] } else { linkerd };
            if got.as_slice() != wanted {
                failures.push(format!(
                    "{pair}: {workload}: got {got:?}, expected {wanted:?}"
                ));
            }
            // No token because no binding grants anything: the result says so.
            let says_why = out.results.iter().any(|r| {
                r.severity == Severity::Info
                    && r.resource_ref
                        .as_ref()
                        .is_some_and(|rr| format!("{}/{}", rr.kind, rr.name) == *workload)
                    && r.message.contains(NO_GRANT)
            });
            if is_jaeger || workload == "Deployment/linkerd-gateway" {
                if !says_why {
                    failures.push(format!("{pair}: {workload}: the result does not say why"));
                }
                gateway |= workload == "Deployment/linkerd-gateway";
                jaeger |= is_jaeger;
            } else if says_why {
                failures.push(format!("{pair}: {workload}: lost its token to rbac: apply"));
            }
            let show = |c: &[String]| {
                if c.is_empty() {
                    "none".to_owned()
                } else {
                    c.join(", ")
                }
            };
            table.push([
                pair.clone(),
                workload.clone(),
                show(linkerd),
                show(wanted),
                show(got),
            ]);
        }
    }
    let widths: Vec<usize> = (0..5)
        .map(|i| table.iter().map(|row| row[i].len()).max().unwrap_or(0))
        .collect();
    eprintln!("seed-linkerd with rbac: apply and only the container filter:");
    for row in &table {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(cell, &w)| format!("{cell:w$}"))
            .collect();
        eprintln!("| {} |", cells.join(" | "));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(
        gateway && jaeger,
        "linkerd-gateway and jaeger were both seen"
    );
}
