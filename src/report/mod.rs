//! What a run tells people and tools, beyond the protocol's own output: the lines of
//! `check` and `fix` (with GitHub's workflow commands), and the `--report` files.

mod lines;

pub use lines::{finding, github_command, summary};
