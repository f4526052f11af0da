//! `mode: audit` as a CI gate, through the binary: exit 1 and the findings on stderr
//! when something is not hardened, the items unchanged on stdout; exit 0 once the
//! manifests are hardened.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use std::process::Output;

const ITEMS: &str = "apiVersion: config.kubernetes.io/v1
kind: ResourceList
items:
- apiVersion: apps/v1
  kind: Deployment
  metadata: {name: web, namespace: shop}
  spec:
    template:
      spec:
        containers:
        - name: web
          image: web
";

fn run(input: &str) -> Output {
    common::harden(&[], input.as_bytes())
}

fn with_mode(items: &str, mode: &str) -> String {
    let mut input = items.to_owned();
    common::push_function_config(
        &mut input,
        &format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: gate}}\ndata: {{mode: {mode}}}\n"
        ),
    );
    input
}

#[test]
fn audit_fails_until_hardened_and_never_changes_items() {
    let audit = run(&with_mode(ITEMS, "audit"));
    assert_eq!(audit.status.code(), Some(1));
    let stdout = String::from_utf8(audit.stdout).unwrap();
    let stderr = String::from_utf8(audit.stderr).unwrap();
    assert!(stdout.starts_with(ITEMS), "items changed:\n{stdout}");
    assert!(
        stderr.contains("[error] apps/v1/Deployment/shop/web spec.template.spec: not hardened"),
        "{stderr}"
    );

    let enforce = run(&with_mode(ITEMS, "enforce"));
    assert_eq!(enforce.status.code(), Some(0));
    let hardened = String::from_utf8(enforce.stdout).unwrap();
    let items = &hardened[..hardened.find("functionConfig:").unwrap()];

    let again = run(&with_mode(items, "audit"));
    assert_eq!(
        again.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
}
