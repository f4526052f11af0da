//! harden-sa-token: a KRM function that replaces the implicit service-account token
//! mount of every Pod template with an explicit, read-only projected volume in exactly
//! the containers that need the Kubernetes API, and changes nothing else.
//!
//! The pieces, in the order data flows through them (`ARCHITECTURE.md` has the map and
//! the rules each keeps):
//! - [`protocol`]: which protocol a call speaks; the ResourceList and the plain stream;
//!   the checked output; [`input`]: bytes read as UTF-8 and parsed once;
//! - [`config`]: the functionConfig, read and checked into [`Settings`];
//! - [`filter`]: the filter over objects: finds Pod templates ([`workloads`]), asks
//!   [`policy`] (with [`select`]ors) what the config says about each, [`decide`]s, and
//!   enacts the decision through [`template`];
//! - [`decide`]: the pure hardening decision; [`rbac`]: the pure model of the RBAC
//!   objects in the input, and what each ServiceAccount may do; [`evidence`]: those
//!   objects read from the input, and the ServiceAccount each Pod template runs as;
//! - [`messages`]: the words of every result; [`results`]: KRM results and exit codes;
//!   [`report`]: the lines of `fix` and `check`, the `--report` files and `--diff`;
//! - [`yaml`]: lossless editing, with the check of its own output; [`replacement`]: an
//!   edit as new text for a byte range, from the editor to diffs, fixes and SARIF;
//! - [`files`]: walking a tree of manifests, writing files atomically.

#![forbid(unsafe_code)]
#![deny(missing_docs)]
// Tests may panic on what they set up themselves (Cargo.toml denies these elsewhere).
#![cfg_attr(
    test,
    allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

pub mod config;
pub mod decide;
pub mod evidence;
pub mod files;
pub mod filter;
pub mod input;
pub mod messages;
pub mod policy;
pub mod protocol;
pub mod rbac;
pub mod replacement;
pub mod report;
pub mod results;
pub mod select;
pub mod template;
pub mod workloads;
pub mod yaml;

pub use config::Settings;
pub use protocol::{
    Call, ConfigFile, Error, EvidenceFile, Protocol, Reading, Run, StderrOptions, run, run_reading,
    run_with, run_with_evidence,
};
pub use results::{FnResult, Severity, exit_code};
