//! Any text as a stream of manifests, and the same documents as the items of a
//! ResourceList (seeded from ../shared/corpus, fuzz/seeds/manifests and
//! fuzz/seeds/pieces): read a piece at a time or whole, it is one run, the same text,
//! results and settings, or the same error.
//! A cut that changed how any byte reads would show here.
#![no_main]

use harden_sa_token::{Call, Reading, run_reading};
use libfuzzer_sys::fuzz_target;

mod common;
use common::resource_list;

fn run(input: &str, reading: Reading) -> String {
    match run_reading(input.as_bytes(), Call::Plain, false, &[], reading) {
        Ok(mut run) => {
            run.reading = Reading::Whole;
            format!("{run:?}")
        }
        Err(e) => format!("error: {e}"),
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(stream) = std::str::from_utf8(data) else {
        return;
    };
    for input in [stream.to_owned(), resource_list(stream)] {
        let (pieces, whole) = (run(&input, Reading::Pieces), run(&input, Reading::Whole));
        assert!(
            pieces == whole,
            "the readings differ on {input:?}:\npieces: {pieces}\nwhole:  {whole}"
        );
    }
});
