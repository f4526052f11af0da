//! Any bytes on stdin (a ResourceList, or a plain stream when they are not one): the
//! function must never panic, whatever it writes must parse, as one document for a
//! ResourceList and as many as the input has for a stream, and the output check must
//! never refuse the function's own edits (an internal error, for one resource or the
//! whole output): on input the function accepts, that is a bug of the editor.
#![no_main]

use harden_sa_token::{Call, Error, Protocol, yaml::Document};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match harden_sa_token::run(data, Call::Plain) {
        Ok(out) => {
            if let Some(r) = out.internal_error() {
                panic!("internal error: {r}");
            }
            let out_text = out.text.to_string();
            let docs = Document::parse(&out_text).expect("the output parses");
            let documents = match out.protocol {
                Protocol::ResourceList => 1,
                _ => out.documents,
            };
            assert_eq!(docs.roots().len(), documents, "documents in the output");
        }
        Err(Error::Refused(rejected)) => panic!("the whole output was refused: {rejected}"),
        Err(_) => {}
    }
});
