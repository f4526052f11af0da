//! Any bytes as a ResourceList: the function must never panic, and whatever it writes
//! must parse as one document.
#![no_main]

use harden_sa_token::{Call, yaml::Document};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(out) = harden_sa_token::run(data, Call::Plain) {
        let docs = Document::parse(&out.text).expect("the output parses");
        assert_eq!(docs.roots().len(), 1, "the output is one document");
    }
});
