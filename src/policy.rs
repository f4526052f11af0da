//! What the config says about one object (SPEC §2, §4.2): `targets` and `exclude`
//! decide whether it is worked on at all; the annotation
//! `harden-sa-token.dev/api-access` (on the Pod template, else on the workload), else
//! the last matching rule, is the statement that sets a workload's access exactly.

use crate::config::Settings;
use crate::decide::{ApiAccess, Statement};
use crate::select::ObjectFacts;
use crate::workloads;
use crate::yaml::tree::Node;

/// The annotation with which a workload states which of its containers need the API.
pub const API_ACCESS_ANNOTATION: &str = "harden-sa-token.dev/api-access";

/// What selectors look at in `object`.
pub fn facts<'n>(object: &'n Node<'_>) -> ObjectFacts<'n> {
    let api_version = object.get_str("apiVersion").unwrap_or_default();
    let metadata = object.get("metadata");
    let meta = |key: &str| metadata.and_then(|m| m.get_str(key)).unwrap_or_default();
    ObjectFacts {
        group: workloads::group(api_version),
        version: api_version.rsplit('/').next().unwrap_or_default(),
        kind: object.get_str("kind").unwrap_or_default(),
        name: meta("name"),
        namespace: meta("namespace"),
        labels: pairs(metadata.and_then(|m| m.get("labels"))),
        annotations: pairs(metadata.and_then(|m| m.get("annotations"))),
    }
}

/// The string entries of a mapping such as `metadata.labels`.
fn pairs<'n>(map: Option<&'n Node<'_>>) -> Vec<(&'n str, &'n str)> {
    map.and_then(Node::entries)
        .unwrap_or_default()
        .iter()
        .filter_map(|(k, v)| Some((k.as_str()?, v.as_str()?)))
        .collect()
}

/// Whether the config works on this object: targeted (or no targets) and not excluded.
pub fn selected(settings: &Settings, object: &ObjectFacts<'_>) -> bool {
    (settings.targets.is_empty() || settings.targets.iter().any(|s| s.matches(object)))
        && !settings.exclude.iter().any(|s| s.matches(object))
}

/// The statement about a workload's Pod template, if any: the annotation on the
/// template, else on the workload, else the last matching rule. A malformed annotation
/// is an error naming where it is and what is allowed.
pub fn statement(
    settings: &Settings,
    workload: &ObjectFacts<'_>,
    template_metadata: Option<&Node<'_>>,
) -> Result<Option<Statement>, String> {
    let on_template = template_metadata
        .and_then(|m| m.get("annotations"))
        .and_then(|a| a.get_str(API_ACCESS_ANNOTATION))
        .map(|v| (v, "the Pod template"));
    let on_workload = workload
        .annotations
        .iter()
        .find(|(k, _)| *k == API_ACCESS_ANNOTATION)
        .map(|(_, v)| (*v, "the workload"));
    if let Some((value, place)) = on_template.or(on_workload) {
        let by = format!("annotation {API_ACCESS_ANNOTATION} on {place}");
        let access: ApiAccess = value.parse().map_err(|e| format!("{by}: {e}"))?;
        return Ok(Some(Statement { access, by }));
    }
    Ok(settings
        .rules
        .iter()
        .enumerate()
        .rev()
        .find(|(_, r)| r.target.matches(workload))
        .map(|(i, r)| Statement {
            access: r.access.clone(),
            by: format!("rules[{i}]"),
        }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Rule;
    use crate::select::{Pattern, Selector};
    use crate::yaml::tree::parse;

    const DEPLOYMENT: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\n  labels: {app: web}\n  annotations: {harden-sa-token.dev/api-access: 'app, sidecar'}\nspec:\n  template:\n    metadata:\n      annotations:\n        harden-sa-token.dev/api-access: none\n";

    fn rule(name: &str, access: ApiAccess) -> Rule {
        Rule {
            target: Selector {
                name: Some(Pattern::new(name).unwrap()),
                ..Selector::default()
            },
            access,
        }
    }

    #[test]
    fn facts_are_read_from_the_object() {
        let docs = parse(DEPLOYMENT).unwrap();
        let f = facts(&docs[0].root);
        assert_eq!(
            (f.group, f.version, f.kind, f.name, f.namespace),
            ("apps", "v1", "Deployment", "web", "shop")
        );
        assert_eq!(f.labels, vec![("app", "web")]);
    }

    #[test]
    fn targets_then_exclude() {
        let docs = parse(DEPLOYMENT).unwrap();
        let f = facts(&docs[0].root);
        let mut s = Settings::default();
        assert!(selected(&s, &f));
        s.targets = vec![rule("db", ApiAccess::All).target];
        assert!(!selected(&s, &f));
        s.targets.push(rule("w.*", ApiAccess::All).target);
        assert!(selected(&s, &f));
        s.exclude = vec![rule("web", ApiAccess::All).target];
        assert!(!selected(&s, &f));
    }

    #[test]
    fn template_annotation_then_workload_annotation_then_last_rule() {
        let docs = parse(DEPLOYMENT).unwrap();
        let root = &docs[0].root;
        let f = facts(root);
        let template_meta = root
            .get("spec")
            .and_then(|s| s.get("template"))
            .and_then(|t| t.get("metadata"));
        let s = Settings::default();
        let st = statement(&s, &f, template_meta).unwrap().unwrap();
        assert_eq!(st.access, ApiAccess::None);
        assert!(st.by.contains("Pod template"), "{}", st.by);
        let st = statement(&s, &f, None).unwrap().unwrap();
        assert_eq!(
            st.access,
            ApiAccess::Containers(vec!["app".into(), "sidecar".into()])
        );

        let plain =
            parse("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n").unwrap();
        let f = facts(&plain[0].root);
        let mut s = Settings::default();
        assert_eq!(statement(&s, &f, None).unwrap(), None);
        s.rules = vec![
            rule("web", ApiAccess::All),
            rule("other", ApiAccess::None),
            rule("w.*", ApiAccess::Containers(vec!["app".into()])),
        ];
        let st = statement(&s, &f, None).unwrap().unwrap();
        assert_eq!(st.by, "rules[2]");
        assert_eq!(st.access, ApiAccess::Containers(vec!["app".into()]));
    }

    #[test]
    fn malformed_annotation_is_an_error_that_says_what_is_allowed() {
        let docs = parse(
            "kind: Pod\nmetadata:\n  annotations:\n    harden-sa-token.dev/api-access: 'App,'\n",
        )
        .unwrap();
        let f = facts(&docs[0].root);
        let err = statement(&Settings::default(), &f, None).unwrap_err();
        assert!(
            err.contains(API_ACCESS_ANNOTATION)
                && err.contains("\"App\"")
                && err.contains("allowed: none, all"),
            "{err}"
        );
    }
}
