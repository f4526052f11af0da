//! harden-sa-token: a KRM function that replaces the implicit service-account token
//! mount of every Pod template with an explicit, read-only projected volume in exactly
//! the containers that need the Kubernetes API, and changes nothing else.
//!
//! The pieces, in the order data flows through them:
//! - [`resource_list`]: the ResourceList protocol (read, write results, fail closed);
//! - [`config`]: the functionConfig, checked into [`Settings`];
//! - [`harden`]: the filter over objects; [`workloads`] says where Pod templates live;
//! - [`policy`]: which objects the config is about and what it says about each, with
//!   [`select`]ors;
//! - [`template`]: reads a PodSpec for the decision and turns a plan into edits;
//! - [`decide`]: the pure hardening decision;
//! - [`yaml`]: lossless editing: span tree, new text, splices, verification;
//! - [`results`]: KRM results and the exit code.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod config;
pub mod decide;
pub mod harden;
pub mod policy;
pub mod resource_list;
pub mod results;
pub mod select;
pub mod template;
pub mod workloads;
pub mod yaml;

pub use config::Settings;
pub use resource_list::{Error, Output, run};
pub use results::{FnResult, Severity, exit_code};
