//! The ClusterRoles every cluster has: the Kubernetes bootstrap roles, whose rules are
//! published with Kubernetes (`cluster-roles.txt`, derived from kubernetes/kubernetes
//! under the Apache License 2.0: see `NOTICE` here). A binding to one of them that the
//! input and the evidence do not define is judged by these rules.
//!
//! `admin`, `edit` and `view` aggregate: the cluster's aggregation controller writes
//! their rules from every ClusterRole their label selectors select, custom resources'
//! included. Here they hold the rules of the bootstrap roles they select (`view` those
//! of `system:aggregate-to-view`, `edit` those and `system:aggregate-to-edit`'s, `admin`
//! all three): at least what they grant in any cluster, which is enough to say that
//! they grant something.

use std::collections::HashMap;
use std::sync::OnceLock;

use super::model::{Namespace, PolicyRule, Role, RoleKind};

/// The trimmed roles, one rule a line (the format is at the head of the file).
const DATA: &str = include_str!("cluster-roles.txt");

/// How deep aggregation nests (`admin` <- `edit` <- `view`); more is a mistake in the
/// data, and stops there.
const MAX_AGGREGATION_DEPTH: usize = 4;

fn list(field: &str) -> Vec<String> {
    field
        .split(',')
        .map(|item| if item == "core" { "" } else { item })
        .map(str::to_owned)
        .collect()
}

/// One role as written in the data: its own rules, and the roles it aggregates.
#[derive(Default)]
struct Written {
    rules: Vec<PolicyRule>,
    aggregates: Vec<String>,
}

fn parse() -> Vec<(String, Written)> {
    let mut roles: Vec<(String, Written)> = Vec::new();
    for line in DATA.lines().filter(|l| !l.starts_with('#')) {
        let fields: Vec<&str> = line.split_whitespace().collect();
        match fields.as_slice() {
            ["role", name, "<-", sources @ ..] => roles.push((
                (*name).to_owned(),
                Written {
                    aggregates: sources.iter().map(|s| (*s).to_owned()).collect(),
                    ..Written::default()
                },
            )),
            ["role", name] => roles.push(((*name).to_owned(), Written::default())),
            ["rule", verbs, groups, resources, names @ ..] => {
                if let Some((_, role)) = roles.last_mut() {
                    role.rules.push(PolicyRule {
                        verbs: list(verbs),
                        api_groups: list(groups),
                        resources: list(resources),
                        resource_names: names.first().map(|n| list(n)).unwrap_or_default(),
                        non_resource_urls: Vec::new(),
                    });
                }
            }
            ["url", verbs, urls] => {
                if let Some((_, role)) = roles.last_mut() {
                    role.rules.push(PolicyRule {
                        verbs: list(verbs),
                        non_resource_urls: list(urls),
                        ..PolicyRule::default()
                    });
                }
            }
            // Blank lines; the data is tested to hold nothing else.
            _ => {}
        }
    }
    roles
}

fn rules_of(
    name: &str,
    written: &HashMap<&str, &Written>,
    depth: usize,
    into: &mut Vec<PolicyRule>,
) {
    let Some(role) = written.get(name) else {
        return;
    };
    into.extend(role.rules.iter().cloned());
    if depth < MAX_AGGREGATION_DEPTH {
        for source in &role.aggregates {
            rules_of(source, written, depth + 1, into);
        }
    }
}

fn roles() -> &'static HashMap<String, Role> {
    static ROLES: OnceLock<HashMap<String, Role>> = OnceLock::new();
    ROLES.get_or_init(|| {
        let parsed = parse();
        let written: HashMap<&str, &Written> =
            parsed.iter().map(|(n, w)| (n.as_str(), w)).collect();
        parsed
            .iter()
            .map(|(name, _)| {
                let mut rules = Vec::new();
                rules_of(name, &written, 0, &mut rules);
                let role = Role {
                    kind: RoleKind::ClusterRole,
                    name: name.clone(),
                    namespace: Namespace::Unset,
                    rules,
                    aggregated: false,
                };
                (name.clone(), role)
            })
            .collect()
    })
}

/// The bootstrap ClusterRole of this name, if there is one (aggregated ones with the
/// rules of the bootstrap roles they select).
pub fn cluster_role(name: &str) -> Option<&'static Role> {
    roles().get(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_line_of_the_data_is_read() {
        let lines = DATA
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty());
        for line in lines {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let ok = match fields.as_slice() {
                ["role", _] | ["url", _, _] | ["rule", _, _, _] | ["rule", _, _, _, _] => true,
                ["role", _, "<-", sources @ ..] => !sources.is_empty(),
                _ => false,
            };
            assert!(ok, "{line}");
        }
        // As many roles as the published file has.
        assert_eq!(roles().len(), 31);
        for (name, role) in roles() {
            assert!(!role.rules.is_empty(), "{name}");
        }
    }

    #[test]
    fn aggregated_roles_hold_the_rules_of_those_they_select() {
        let view = cluster_role("view").unwrap();
        let edit = cluster_role("edit").unwrap();
        let admin = cluster_role("admin").unwrap();
        assert_eq!(
            view.rules,
            cluster_role("system:aggregate-to-view").unwrap().rules
        );
        assert!(view.rules.iter().all(|r| edit.rules.contains(r)));
        assert!(edit.rules.iter().all(|r| admin.rules.contains(r)));
        assert!(admin.rules.len() > edit.rules.len() && edit.rules.len() > view.rules.len());
        assert!(cluster_role("system:controller:job-controller").is_none());
    }
}
