//! Config files named on the command line (`--config FILE`, a kustomize plugin's
//! config): the functionConfig of a plain stream, of `fix` and of `check`, read from
//! their bytes exactly as a ResourceList's is from its node.

use super::{ConfigError, Origin, Settings};
use crate::input::{self, InputError};
use crate::yaml::{Document, ParseError};

/// A config file (`--config FILE`, or a kustomize plugin's config) that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigFileError {
    /// Not UTF-8.
    #[error(transparent)]
    NotUtf8(InputError),
    /// Not YAML. The parse error is part of the message, not a separate source, so that
    /// it is printed once.
    #[error("{}", input::not_yaml(.0))]
    Yaml(ParseError),
    /// More than one document: which one is meant would be a guess.
    #[error("expected one functionConfig document, found {0} documents")]
    ManyDocuments(usize),
    /// Kubernetes objects where a config was expected: most likely the manifests to
    /// harden, given as an argument instead of on stdin.
    #[error("holds Kubernetes objects, not a config: {}", .0.join(", "))]
    Manifests(Vec<String>),
    /// A functionConfig the function does not accept.
    #[error(transparent)]
    Config(#[from] ConfigError),
}

/// Reads a config file: one document, a `HardenServiceAccountToken` or a `v1`
/// ConfigMap, exactly as a ResourceList's `functionConfig`. A file with no document at
/// all means the defaults, as a missing `functionConfig` does.
pub fn from_file(bytes: &[u8], origin: Origin) -> Result<Settings, ConfigFileError> {
    let text = input::utf8(bytes).map_err(ConfigFileError::NotUtf8)?;
    let doc = Document::parse(text).map_err(ConfigFileError::Yaml)?;
    // Manifests rather than a config: a Pod template somewhere, or several objects that
    // are not configs. A single object of an unknown kind is more likely a config with
    // a typo, and is told so.
    let others: Vec<&crate::yaml::Node<'_>> = doc
        .roots()
        .iter()
        .filter(|root| is_manifest(root))
        .collect();
    let workloads = others
        .iter()
        .any(|root| !crate::workloads::pod_templates(root, &[]).is_empty());
    let objects: Vec<String> = if workloads || others.len() > 1 {
        others
            .iter()
            .map(|root| {
                let kind = root.get_str("kind").unwrap_or_default();
                match root.get("metadata").and_then(|m| m.get_str("name")) {
                    Some(name) => format!("{kind} {name}"),
                    None => kind.to_owned(),
                }
            })
            .collect()
    } else {
        Vec::new()
    };
    if !objects.is_empty() {
        return Err(ConfigFileError::Manifests(objects));
    }
    match doc.roots() {
        [] => Ok(Settings::default()),
        [root] => Ok(super::from_node(&doc, Some(root), origin)?),
        many => Err(ConfigFileError::ManyDocuments(many.len())),
    }
}

/// Whether `root` is a Kubernetes object that is not one of the config's own kinds.
fn is_manifest(root: &crate::yaml::Node<'_>) -> bool {
    let (Some(api_version), Some(kind)) = (root.get_str("apiVersion"), root.get_str("kind")) else {
        return false;
    };
    !matches!(
        (api_version, kind),
        (super::API_VERSION, super::KIND) | ("v1", "ConfigMap")
    )
}
