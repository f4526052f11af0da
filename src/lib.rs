//! harden-sa-token: a KRM function that replaces the implicit service-account token
//! mount of every Pod template with an explicit, read-only projected volume in exactly
//! the containers that need the Kubernetes API, and changes nothing else.
//!
//! The pieces, in the order data flows through them:
//! - [`protocol`]: which protocol a call speaks, from its arguments and input;
//! - [`resource_list`]: the ResourceList protocol (read, write results, fail closed);
//! - [`stream`]: the plain YAML stream protocol (Helm, pipes, kustomize plugins);
//! - [`config`]: the functionConfig, checked into [`Settings`];
//! - [`harden`]: the filter over objects; [`workloads`] says where Pod templates live;
//! - [`policy`]: which objects the config is about and what it says about each, with
//!   [`select`]ors;
//! - [`template`]: reads a PodSpec for the decision and turns a plan into edits;
//! - [`decide`]: the pure hardening decision;
//! - [`compose`]: the output, spliced and verified the same way for every protocol;
//! - [`yaml`]: lossless editing: span tree, new text, splices, verification;
//! - [`results`]: KRM results and the exit code.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod compose;
pub mod config;
pub mod decide;
pub mod files;
pub mod harden;
pub mod policy;
pub mod protocol;
pub mod resource_list;
pub mod results;
pub mod select;
pub mod stream;
pub mod template;
pub mod workloads;
pub mod yaml;

pub use config::Settings;
pub use resource_list::{Error, Output, run};
pub use results::{FnResult, Severity, exit_code};
