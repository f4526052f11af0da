//! Any text as a stream of manifests (seeded from ../shared/corpus and fuzz/seeds), each
//! document made an item of a ResourceList: the editor must never panic, the output
//! check must never refuse the function's own edits (an internal error: a bug of the
//! editor on input the function accepts), the output must parse, and a second run on an
//! output without errors must change nothing.
#![no_main]

use harden_sa_token::{Call, Error, Severity, yaml::Document};
use libfuzzer_sys::fuzz_target;

mod common;
use common::resource_list;

fuzz_target!(|data: &[u8]| {
    let Ok(stream) = std::str::from_utf8(data) else {
        return;
    };
    let input = resource_list(stream);
    let out = match harden_sa_token::run(input.as_bytes(), Call::Plain) {
        Ok(out) => out,
        Err(Error::Refused(rejected)) => panic!("the whole output was refused: {rejected}"),
        Err(_) => return,
    };
    if let Some(r) = out.internal_error() {
        panic!("internal error: {r}");
    }
    let out_text = out.text.to_string();
    Document::parse(&out_text).expect("the output parses");
    if out.results.iter().any(|r| r.severity == Severity::Error) {
        return;
    }
    let again =
        harden_sa_token::run(out_text.as_bytes(), Call::Plain).expect("the output is read again");
    assert!(
        again.results.iter().all(|r| r.severity != Severity::Info),
        "a second run changed something: {:?}",
        again.results
    );
});
