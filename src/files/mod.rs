//! Manifest files on disk, for the `fix PATH...` and `check PATH...` subcommands:
//! which files a run takes, and how an edited file is written back.
//!
//! The rest of the crate edits text: a stream in, the same stream out with splices.
//! This module is the part that touches the filesystem, kept apart from the editing so
//! that each side can be tested on its own and neither depends on the other (how an
//! edit is shown, as a diff or a SARIF fix, is [`report`](crate::report)'s):
//! - [`walk`](mod@walk): the files named by the paths given (directories walked
//!   for `*.yaml`, `*.yml`, `*.json`; hidden entries skipped; symlinks not followed
//!   out of the tree);
//! - [`write`](mod@write): a file replaced atomically, keeping its permissions, or
//!   left untouched.

pub mod walk;
pub mod write;

pub use walk::{EXTENSIONS, SkipReason, Skipped, Walk, WalkError, WalkStep, walk};
pub use write::{WriteError, WriteStep, write_atomic};

/// A directory under the system's temporary directory, unique to the test that made
/// it, removed with everything in it when dropped.
#[cfg(test)]
pub(crate) struct TempDir(pub(crate) std::path::PathBuf);

#[cfg(test)]
impl TempDir {
    pub(crate) fn new(name: &str) -> Self {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!(
            "harden-sa-token-test-{name}-{}-{n}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }

    pub(crate) fn path(&self) -> &std::path::Path {
        &self.0
    }
}

#[cfg(test)]
impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
