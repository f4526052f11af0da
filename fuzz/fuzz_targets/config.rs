//! Any text as the functionConfig of a ResourceList with one Deployment: the config
//! reader must never panic, and a config it accepts must give output that parses, with
//! no internal error (the output check refusing the function's own edits).
#![no_main]

use harden_sa_token::{Call, Error, yaml::Document};
use libfuzzer_sys::fuzz_target;

const ITEMS: &str = "apiVersion: config.kubernetes.io/v1
kind: ResourceList
items:
- apiVersion: apps/v1
  kind: Deployment
  metadata: {name: web, namespace: shop, labels: {app: web}}
  spec:
    template:
      spec:
        containers:
        - name: web
          image: web
        initContainers:
        - name: init
          image: init
functionConfig:
";

fuzz_target!(|data: &[u8]| {
    let Ok(config) = std::str::from_utf8(data) else {
        return;
    };
    let mut input = String::from(ITEMS);
    for line in config.lines() {
        input.push_str("  ");
        input.push_str(line);
        input.push('\n');
    }
    match harden_sa_token::run(input.as_bytes(), Call::Plain) {
        Ok(out) => {
            if let Some(r) = out.internal_error() {
                panic!("internal error: {r}");
            }
            Document::parse(&out.text.to_string()).expect("the output parses");
        }
        Err(Error::Refused(rejected)) => panic!("the whole output was refused: {rejected}"),
        Err(_) => {}
    }
});
