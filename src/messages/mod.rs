//! The words users read: results, their parts and the rules they come under, the
//! summaries and lines of the command line, the reports' words, and the errors of input
//! the function refuses. Nothing here decides anything; it only says what the decision,
//! the RBAC model and the filter found, so wording can change without touching them.
//! Elsewhere are only the words an error type carries in its `#[error]` attribute (taken
//! from here where they share a phrase), the phrases of input that is not UTF-8 or not
//! YAML (in `input`, whose errors and `config`'s print them below this module; re-exported
//! here), the config's problems (beside the fields they
//! are about, in `config/`), the yaml library's own (it knows nothing of this crate),
//! clap's help, and a few phrases handed in as data (what shows OpenShift, from
//! `policy`; the editor's refusals, from `template`).
//!
//! The submodules are by what the words are for, and private; this list is the face:
//! - `hardening`: what was done to a Pod template or a ServiceAccount, or would be, with
//!   its warnings and conflicts;
//! - `token_lifetime`: how long a token lives, and why;
//! - `rbac_evidence`: what the input's RBAC says of a Pod template's ServiceAccount;
//! - `rbac_model`: how the RBAC model's values read (`Display`), short or in full;
//! - `refusals`: input, documents, Pod templates and files the function refuses or
//!   passes by, and why;
//! - `summaries`: the last line of a run, what `-v` lists, the command line's own
//!   sentences;
//! - `rules`: what each rule is about, for reports;
//! - `inventory_cells`: the auditors' inventory's cells and totals, and a report's fixes.

mod hardening;
mod inventory_cells;
mod rbac_evidence;
mod rbac_model;
mod refusals;
mod rules;
mod summaries;
mod token_lifetime;

pub use crate::input::{NOT_UTF8, chart_template_not_yaml, not_yaml};
pub use hardening::{
    ACCOUNT_FIELD, account_hardened, account_not_hardened, bad_annotation, bad_lifetime, conflict,
    hardened, internal_error, left_unchanged, not_hardened, not_hardened_parts,
    openshift_without_platform, per_template, stated_by, warning,
};
pub use inventory_cells::{
    MAY_DO_NOT_READ, UNREADABLE_INPUTS, audience_cell, change_cell, change_total, fix_description,
    inventory_made_by, mode_cell,
};
pub use rbac_evidence::{
    account_name, automount_true_left, evidence_read, hardened_with_evidence, incomplete_evidence,
    may_do, not_hardened_without_grant, runs_as, token_use, token_used_outside_rbac,
    token_without_grant,
};
pub use rbac_model::{LIST_ITEMS, RULES, UNSET_NAMESPACE_NOTE};
pub use refusals::{
    CANNOT_READ_STDIN, cannot_read_config_file, cannot_read_evidence_file, cannot_write_report,
    empty_stdin, file_left_as_it_was, manifests_as_config, no_objects, no_pod_template,
    not_an_object, not_an_object_is, not_read, not_written, template_error, unnamed_list_item,
};
pub use rules::{RuleText, rule_text};
pub use summaries::{
    BARE_TERMINAL_USAGE, args_after_plugin_config, config_defaults, config_file,
    config_function_config, files_summary, looked_at, looked_at_file, snapshot_summary,
    stream_summary,
};
pub use token_lifetime::{lifetime, lifetime_short, token_cells, token_lifetime};

/// How results speak of what the function finds: as done (enforce mode), or as what
/// enforce mode would do (audit mode, which changes nothing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tense {
    /// It was done.
    Done,
    /// It would be done.
    Would,
}

#[cfg(test)]
mod tests {
    use super::rbac_evidence::pattern;
    use super::*;
    use crate::decide::{ContainerFilter, TokenVolume, Wanted};

    fn wanted(expiration_seconds: i64, audience: Option<&str>) -> Wanted {
        let token = TokenVolume {
            expiration_seconds,
            audience: audience.map(str::to_owned),
            ca_config_map: "kube-root-ca.crt".into(),
            default_mode: 420,
            namespace_file: true,
            service_ca: false,
        };
        let filter = ContainerFilter {
            include: vec!["*".into()],
            exclude: vec![],
            init_containers: true,
        };
        Wanted::new("kube-api-access", "/var/run/secrets", &token, filter)
    }

    #[test]
    fn only_3607_for_the_api_servers_own_audience_is_extended() {
        assert!(token_lifetime(&wanted(3607, None)).contains("extends to a year"));
        assert!(token_lifetime(&wanted(3607, Some(""))).contains("extends to a year"));
        // isKubeAudiences: a token for another audience keeps its lifetime.
        let vault = token_lifetime(&wanted(3607, Some("vault")));
        assert!(
            vault.contains("(audience \"vault\"), or a year if"),
            "{vault}"
        );
        let short = token_lifetime(&wanted(3600, None));
        assert_eq!(
            short,
            "token lifetime 3600 s, after which it really expires: clients must reload it"
        );
    }

    #[test]
    fn a_rules_entry_matches_exactly_the_names_it_was_made_for() {
        assert_eq!(pattern("web"), "web");
        assert_eq!(pattern("api.v2-web"), "api\\.v2-web");
        let selector = crate::select::Pattern::new(&pattern("api.v2-web")).unwrap();
        assert!(selector.matches("api.v2-web") && !selector.matches("apixv2-web"));
    }
}
