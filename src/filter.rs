//! The filter over objects, in the manner of kyaml's `fn/framework`: for each object it
//! finds the Pod templates ([`workloads`]) the config is about ([`policy`]), decides what
//! each needs ([`decide`]), and enacts the decision: enforce mode edits, audit mode
//! reports. The mode is looked at in one place, `Filter::enact`. An object whose
//! templates cannot be hardened is left whole and reported, while the rest go through.
//! Besides results and edits, each object yields a row of the auditors' inventory per
//! Pod template, and, in audit mode, the edits enforce mode would make, made by the same
//! code (to be checked by the protocol as enforce mode's output is, so that `check`
//! refuses what `fix` refuses, and to become a report's fixes).
//!
//! Unless `rbac` is `off`, each Pod template's ServiceAccount is looked up in the
//! inventory of the whole input's RBAC objects ([`evidence`]); the evidence becomes at
//! most one more statement ([`policy::evidence_statement`]) before the decision, which
//! stays pure, and words in the results.

use crate::config::{Mode, Rbac, Settings};
use crate::decide::{self, Automount, Plan, PodTemplate, StatedBy, Statement, Wanted};
use crate::evidence;
use crate::messages;
use crate::policy::{self, TokenUse};
use crate::rbac::{Evidence, Inventory, Verdict};
use crate::results::{self, FnResult, ResourceRef, Row, RowChange, Rule, Severity, Tally};
use crate::template::{self, NewValues, TemplateError, TemplateNodes};
use crate::workloads::{self, Found};
use crate::yaml::{Batch, Document, Editor, Edits, Node};

/// What the filter made of one object.
#[derive(Debug)]
pub struct Outcome {
    /// Edits to the object's text (empty when it is left as it is).
    pub edits: Edits,
    /// In audit mode: the edits enforce mode would make (to be checked like output).
    pub proposed: Edits,
    /// Results about it.
    pub results: Vec<FnResult>,
    /// Its Pod templates (and ServiceAccount) by what became of them.
    pub tally: Tally,
    /// Its Pod templates, for the auditors' inventory.
    pub rows: Vec<Row>,
}

impl Outcome {
    /// Whether the output check refused the object's edits (an internal error: a bug of
    /// the editor on input the function accepts).
    pub fn is_internal_error(&self) -> bool {
        self.results.iter().any(FnResult::is_internal_error)
    }
}

/// The filter for one run: the settings, the RBAC objects of the whole input, and what
/// the settings want, made once.
#[derive(Debug)]
pub struct Filter<'s> {
    settings: &'s Settings,
    inventory: &'s Inventory,
    wanted: Wanted,
    new: NewValues,
    /// How results speak of what is found: as done, or as what enforce mode would do.
    tense: messages::Tense,
    /// Whether the run has already warned that the input shows OpenShift while
    /// `platform` is unset: once per run is enough.
    warned_platform: std::cell::Cell<bool>,
}

/// What was decided about one Pod template or ServiceAccount, to be enacted.
// A few of these live for the time it takes to enact them, so their size does not matter.
#[allow(clippy::large_enum_variant)]
enum Change<'n, 'a, 's> {
    Template {
        found: &'n Found<'n, 'a>,
        pod: PodTemplate,
        nodes: TemplateNodes<'n, 'a>,
        plan: Plan,
        statement: Option<Statement>,
        /// What the input's RBAC says about its ServiceAccount (`None` with `rbac: off`).
        evidence: Option<Evidence<'s>>,
        /// Its row in the outcome's inventory.
        row: usize,
    },
    Account {
        object: &'n Node<'a>,
        now: Automount,
    },
}

/// What one object is made of while the filter works on it.
struct Work<'d> {
    editor: Editor<'d>,
    proposed: Editor<'d>,
    results: Vec<FnResult>,
    tally: Tally,
    rows: Vec<Row>,
}

impl<'s> Filter<'s> {
    /// The filter for `settings`, with `inventory` the RBAC objects of the whole input
    /// (with `rbac: off` the ServiceAccounts alone, [`crate::config::Rbac::reads`]).
    pub fn new(settings: &'s Settings, inventory: &'s Inventory) -> Self {
        let wanted = settings.wanted();
        let new = NewValues::new(&wanted);
        let tense = match settings.mode {
            Mode::Enforce => messages::Tense::Done,
            Mode::Audit => messages::Tense::Would,
        };
        Filter {
            settings,
            inventory,
            wanted,
            new,
            tense,
            warned_platform: std::cell::Cell::new(false),
        }
    }

    /// Hardens every selected Pod template of `object` (and, with `serviceAccounts`, the
    /// object itself when it is a ServiceAccount), a node of `doc`.
    pub fn object(&self, doc: &Document<'_>, object: &Node<'_>) -> Outcome {
        let editor = doc.editor(object);
        let mut work = Work {
            proposed: editor.another(),
            editor,
            results: Vec::new(),
            tally: Tally::default(),
            rows: Vec::new(),
        };
        if self.settings.platform.is_none()
            && !self.warned_platform.get()
            && let Some(what) = policy::shows_openshift(object)
        {
            self.warned_platform.set(true);
            work.results.push(
                FnResult::about(
                    Severity::Warning,
                    messages::openshift_without_platform(&what),
                    object,
                    object,
                    None,
                )
                .rule(Rule::PlatformUnset),
            );
        }
        if !policy::is_local_config(object) {
            let found = workloads::pod_templates_in(doc, object, &self.settings.pod_spec_paths);
            // A workload without the Pod template its kind must have is told, not passed
            // over in silence: `check` would otherwise call it fine.
            for missing in workloads::missing_in(doc, object) {
                if !policy::selected(self.settings, &policy::facts(missing.object)) {
                    continue;
                }
                let kind = missing.object.get_str("kind").unwrap_or_default();
                work.results.push(
                    FnResult::about(
                        Severity::Warning,
                        messages::no_pod_template(kind, &missing.path, &missing.absent),
                        missing.object,
                        object,
                        Some(&missing.path),
                    )
                    .at(missing.at)
                    .rule(Rule::NoPodTemplate),
                );
            }
            for (index, _) in workloads::unnamed_items(object) {
                let kind = object.get_str("kind").unwrap_or_default();
                work.results.push(FnResult::about(
                    Severity::Warning,
                    messages::unnamed_list_item(kind),
                    object,
                    object,
                    Some(&format!("items[{index}]")),
                ));
            }
            let done = self
                .decide(doc, object, &found, &mut work)
                .and_then(|changes| self.enact(doc, object, changes, &mut work));
            // A run keeps every object's results and rows to its end: the room of a
            // vector grown one at a time (four at least) would be most of what they take.
            work.results.shrink_to_fit();
            work.rows.shrink_to_fit();
            if let Err(error) = done {
                // Nothing of this object changes, so nothing of it is reported as done.
                work.results.retain(|r| r.severity != Severity::Info);
                work.results.push(*error);
                for row in &mut work.rows {
                    row.change = RowChange::LeftUnchanged;
                }
                return Outcome {
                    edits: doc.editor(object).finish(),
                    proposed: doc.editor(object).finish(),
                    results: work.results,
                    tally: work.tally.left_unchanged(),
                    rows: work.rows,
                };
            }
        }
        Outcome {
            edits: work.editor.finish(),
            proposed: work.proposed.finish(),
            results: work.results,
            tally: work.tally,
            rows: work.rows,
        }
    }

    /// Decides what each selected Pod template of `object` needs (warnings go to the
    /// results as they are found); the templates of one resource are consecutive in
    /// `found`.
    fn decide<'n, 'a>(
        &self,
        doc: &'n Document<'a>,
        object: &'n Node<'a>,
        found: &'n [Found<'n, 'a>],
        work: &mut Work<'_>,
    ) -> Result<Vec<Change<'n, 'a, 's>>, Box<FnResult>> {
        let mut changes = Vec::new();
        let mut refused: Option<Box<FnResult>> = None;
        if self.settings.service_accounts
            && is_service_account(object)
            && policy::selected(self.settings, &policy::facts(object))
        {
            let now = template::account(object).map_err(|e| account_refused(&e, object, object))?;
            if now != Automount::Off {
                work.tally.accounts_not_hardened += 1;
                changes.push(Change::Account { object, now });
            }
        }
        for resource in found.chunk_by(|a, b| std::ptr::eq(a.object, b.object)) {
            let Some(first) = resource.first() else {
                continue;
            };
            let workload = policy::facts(first.object);
            if !policy::selected(self.settings, &workload) {
                continue;
            }
            for f in resource {
                // Counted as not hardened until the change is made, or if it fails.
                work.tally.not_hardened += 1;
                let one =
                    |work: &mut Work<'_>| -> Result<Option<Change<'n, 'a, 's>>, Box<FnResult>> {
                        let about = |severity, message| {
                            FnResult::about(severity, message, f.object, object, Some(&f.path))
                                .at(f.spec)
                        };
                        let error = |message: String| {
                            Box::new(
                                about(Severity::Error, messages::left_unchanged(&message))
                                    .rule(Rule::LeftUnchanged),
                            )
                        };
                        let stated = policy::statement(self.settings, &workload, f.metadata)
                            .map_err(|bad| error(messages::bad_annotation(&bad)))?;
                        let lifetime =
                            policy::lifetime_statement(self.settings, &workload, f.metadata)
                                .map_err(|bad| error(messages::bad_lifetime(&bad)))?;
                        let evidence = self.evidence(doc, f);
                        let (mut pod, nodes) = template::read(doc, f.spec)
                            .map_err(|e| template_refused(&e, f, object))?;
                        let account = evidence::service_account(doc, f);
                        // Access today follows the ServiceAccount when the Pod leaves it unset.
                        pod.account = match self.inventory.automount(&account) {
                            Some(true) => Automount::On,
                            Some(false) => Automount::Off,
                            None => Automount::Unset,
                        };
                        // Where `rbac: apply` would remove the token on the evidence alone, what
                        // the Pod template itself says about it: it asks for it, or uses it
                        // outside RBAC.
                        let uses = match &evidence {
                            Some(evidence)
                                if self.settings.rbac == Rbac::Apply
                                    && stated.is_none()
                                    && evidence.verdict() == Verdict::Nothing =>
                            {
                                let mut uses = evidence::token_uses(doc, f);
                                if pod.automount == Automount::On {
                                    uses.insert(0, TokenUse::AutomountTrue);
                                }
                                uses
                            }
                            _ => Vec::new(),
                        };
                        // An explicit statement wins over the evidence.
                        let statement = stated.clone().or_else(|| {
                            let evidence = evidence.as_ref()?;
                            policy::evidence_statement(self.settings.rbac, evidence, &uses)
                        });
                        let plan = decide::decide(
                            &pod,
                            &self.wanted,
                            statement.as_ref(),
                            lifetime.as_ref(),
                        )
                        .map_err(|c| error(messages::conflict(&c)))?;
                        // The manifest asks for the token and the evidence says it is idle: only
                        // a statement can say which is right, so the Pod template is left as it
                        // was (hardening it would drop the `true` that keeps the token on the
                        // next run).
                        if let Some(evidence) = &evidence
                            && uses.first() == Some(&TokenUse::AutomountTrue)
                        {
                            let message = messages::automount_true_left(evidence, &workload);
                            work.results.push(
                                about(Severity::Warning, message).rule(Rule::TokenUsedOutsideRbac),
                            );
                            work.rows.push(Row {
                                resource: ResourceRef::of(f.object),
                                path: f.path.clone(),
                                at: Some((f.spec.line(), f.spec.column())),
                                account: messages::account_name(&evidence.account),
                                containers: plan.granted.iter().map(|&i| pod.label(i)).collect(),
                                change: RowChange::LeftUnchanged,
                                may_do: Some(messages::may_do(evidence)),
                                token: plan.lifetime.as_ref().map(messages::token_cells),
                            });
                            return Ok(None);
                        }
                        work.results.extend(plan.warnings.iter().map(|w| {
                            about(
                                Severity::Warning,
                                messages::warning(w, &pod, &self.wanted, self.tense),
                            )
                            .rule(warning_rule(w))
                        }));
                        // What the evidence says about a token that stays, unless a statement
                        // already says who needs it.
                        if let Some(evidence) = &evidence
                            && stated.is_none()
                            && !plan.granted.is_empty()
                        {
                            match (self.settings.rbac, evidence.verdict()) {
                                (Rbac::Advise, _) if evidence.nothing_found() => {
                                    let message = messages::token_without_grant(
                                        evidence,
                                        &plan,
                                        &pod,
                                        &workload,
                                        resource.len() == 1,
                                    );
                                    work.results.push(
                                        about(Severity::Warning, message)
                                            .rule(Rule::TokenWithoutGrant),
                                    );
                                }
                                (Rbac::Apply, Verdict::Incomplete) => {
                                    let message = messages::incomplete_evidence(evidence);
                                    work.results.push(
                                        about(Severity::Warning, message)
                                            .rule(Rule::IncompleteEvidence),
                                    );
                                }
                                (Rbac::Apply, Verdict::Nothing) if !uses.is_empty() => {
                                    let message =
                                        messages::token_used_outside_rbac(evidence, &uses);
                                    work.results.push(
                                        about(Severity::Warning, message)
                                            .rule(Rule::TokenUsedOutsideRbac),
                                    );
                                }
                                _ => {}
                            }
                        }
                        work.rows.push(Row {
                            resource: ResourceRef::of(f.object),
                            path: f.path.clone(),
                            at: Some((f.spec.line(), f.spec.column())),
                            account: messages::account_name(&account),
                            containers: plan.granted.iter().map(|&i| pod.label(i)).collect(),
                            change: RowChange::Already,
                            may_do: evidence.as_ref().map(messages::may_do),
                            token: plan.lifetime.as_ref().map(messages::token_cells),
                        });
                        if plan.is_empty() {
                            work.tally.not_hardened -= 1;
                            work.tally.already += 1;
                            return Ok(None);
                        }
                        Ok(Some(Change::Template {
                            found: f,
                            pod,
                            nodes,
                            plan,
                            statement,
                            evidence,
                            row: work.rows.len() - 1,
                        }))
                    };
                match one(work) {
                    Ok(change) => changes.extend(change),
                    // The object is left unchanged, but each of its Pod templates is
                    // still in the inventory, as left unchanged: the first error is the
                    // object's, the others' rows are read on.
                    Err(error) => {
                        work.rows.push(Row {
                            resource: ResourceRef::of(f.object),
                            path: f.path.clone(),
                            at: Some((f.spec.line(), f.spec.column())),
                            account: messages::account_name(&evidence::service_account(doc, f)),
                            containers: Vec::new(),
                            change: RowChange::LeftUnchanged,
                            may_do: self.evidence(doc, f).as_ref().map(messages::may_do),
                            token: None,
                        });
                        refused.get_or_insert(error);
                    }
                }
            }
        }
        if let Some(error) = refused {
            return Err(error);
        }
        Ok(changes)
    }

    /// What the input's RBAC says about the ServiceAccount the Pod template `found` runs
    /// as; nothing with `rbac: off`.
    fn evidence(&self, doc: &Document<'_>, found: &Found<'_, '_>) -> Option<Evidence<'s>> {
        if !self.settings.rbac.weighs_evidence() {
            return None;
        }
        let inventory: &'s Inventory = self.inventory;
        Some(inventory.evidence(&evidence::service_account(doc, found)))
    }

    /// Makes the changes (enforce mode) or reports them (audit mode).
    fn enact(
        &self,
        doc: &Document<'_>,
        object: &Node<'_>,
        changes: Vec<Change<'_, '_, '_>>,
        work: &mut Work<'_>,
    ) -> Result<(), Box<FnResult>> {
        let about = |severity, message, of: &Node<'_>, path: Option<&str>, at: &Node<'_>| {
            FnResult::about(severity, message, of, object, path).at(at)
        };
        match self.settings.mode {
            Mode::Audit => {
                for change in changes {
                    // The edits enforce mode would make, made by the same code: what it
                    // refuses is refused here too, in the same words, so that `check`
                    // says exactly what `fix` then does. The protocol checks them as it
                    // checks any output, and a report offers them as fixes.
                    let batch = work.proposed.batch();
                    self.make(doc, object, &change, &mut work.proposed)?;
                    let mut result = match change {
                        Change::Template {
                            found,
                            pod,
                            plan,
                            statement,
                            evidence,
                            row,
                            ..
                        } => {
                            if let Some(row) = work.rows.get_mut(row) {
                                row.change = RowChange::WouldHarden;
                            }
                            let mut parts = messages::not_hardened_parts(&plan, &pod, &self.wanted);
                            // Under `rbac: apply`, a token nothing grants anything is an
                            // error too, and says why.
                            let message = match statement.map(|s| s.by) {
                                Some(by @ StatedBy::NoRbacGrant { .. }) => {
                                    parts
                                        .push((Rule::TokenGrantsNothing, messages::stated_by(&by)));
                                    messages::not_hardened_without_grant(
                                        &plan,
                                        &pod,
                                        &self.wanted,
                                        &by,
                                        evidence.as_ref(),
                                        &policy::facts(found.object),
                                    )
                                }
                                _ => messages::not_hardened(&plan, &pod, &self.wanted),
                            };
                            let mut result = about(
                                Severity::Error,
                                message,
                                found.object,
                                Some(&found.path),
                                found.spec,
                            );
                            result.detail.rule = parts.first().map(|(rule, _)| *rule);
                            result.detail.parts = parts;
                            result
                        }
                        Change::Account {
                            object: account,
                            now,
                        } => account_result(
                            Severity::Error,
                            messages::account_not_hardened(now),
                            account,
                            object,
                        )
                        .rule(Rule::ServiceAccountAutomount),
                    };
                    result.detail.edits = vec![batch];
                    work.results.push(result);
                }
            }
            Mode::Enforce => {
                // One info result per resource, naming each of its templates, with the
                // edits made for them.
                let mut done: Vec<(&Node<'_>, &Node<'_>, &str, String, Batch)> = Vec::new();
                for change in &changes {
                    let batch = work.editor.batch();
                    match change {
                        Change::Template {
                            found,
                            pod,
                            plan,
                            statement,
                            evidence,
                            row,
                            ..
                        } => {
                            self.make(doc, object, change, &mut work.editor)?;
                            work.tally.not_hardened -= 1;
                            work.tally.hardened += 1;
                            if let Some(row) = work.rows.get_mut(*row) {
                                row.change = RowChange::Hardened;
                            }
                            let by = statement.as_ref().map(|s| &s.by);
                            let message = messages::hardened_with_evidence(
                                plan,
                                pod,
                                &self.wanted,
                                by,
                                evidence.as_ref(),
                                &policy::facts(found.object),
                            );
                            done.push((found.object, found.spec, &found.path, message, batch));
                        }
                        Change::Account {
                            object: account, ..
                        } => {
                            self.make(doc, object, change, &mut work.editor)?;
                            work.tally.accounts_not_hardened -= 1;
                            work.tally.accounts_hardened += 1;
                            let mut result = account_result(
                                Severity::Info,
                                messages::account_hardened(),
                                account,
                                object,
                            )
                            .rule(Rule::Hardened);
                            result.detail.edits = vec![batch];
                            work.results.push(result);
                        }
                    }
                }
                for resource in done.chunk_by(|a, b| std::ptr::eq(a.0, b.0)) {
                    let Some((of, spec, path, message, _)) = resource.first() else {
                        continue;
                    };
                    let mut result = match resource {
                        [_] => about(Severity::Info, message.clone(), of, Some(path), spec),
                        many => {
                            let parts: Vec<(&str, String)> =
                                many.iter().map(|(_, _, p, m, _)| (*p, m.clone())).collect();
                            about(
                                Severity::Info,
                                messages::per_template(&parts),
                                of,
                                None,
                                spec,
                            )
                        }
                    }
                    .rule(Rule::Hardened);
                    result.detail.edits = resource.iter().map(|d| d.4).collect();
                    work.results.push(result);
                }
            }
        }
        Ok(())
    }
}

impl Filter<'_> {
    /// Makes the edits of one change with `editor`, in either mode: the one place a
    /// change becomes edits, or is refused with the error that leaves its object
    /// unchanged.
    fn make(
        &self,
        doc: &Document<'_>,
        object: &Node<'_>,
        change: &Change<'_, '_, '_>,
        editor: &mut Editor<'_>,
    ) -> Result<(), Box<FnResult>> {
        match change {
            Change::Template {
                found, plan, nodes, ..
            } => template::apply(plan, nodes, &self.new, editor)
                .map_err(|e| template_refused(&e, found, object)),
            Change::Account {
                object: account, ..
            } => template::harden_account(doc, account, editor)
                .map_err(|e| account_refused(&e, account, object)),
        }
    }
}

/// The kind of finding a warning of the decision is.
fn warning_rule(warning: &decide::Warning) -> Rule {
    match warning {
        decide::Warning::UnknownContainer { .. } => Rule::UnknownContainer,
        decide::Warning::ForeignMount { .. } => Rule::ForeignMount,
        decide::Warning::KeepsAccess { .. } => Rule::UnmanagedToken,
        decide::Warning::LosesAccess { .. } => Rule::AccessLost,
    }
}

/// A result about the ServiceAccount `account` (in the input's object `holder`): it
/// points at its `automountServiceAccountToken`, else at the object.
fn account_result(
    severity: Severity,
    message: String,
    account: &Node<'_>,
    holder: &Node<'_>,
) -> FnResult {
    FnResult::about(
        severity,
        message,
        account,
        holder,
        Some(messages::ACCOUNT_FIELD),
    )
    .at(account.get(messages::ACCOUNT_FIELD).unwrap_or(account))
}

/// The error for a Pod template (`found`, in the input's object `holder`) the function
/// leaves unchanged because of `error`: at the field it names
/// (`spec.template.spec.containers`), with lines and columns only where they are the
/// user's. An object that carries the path of its file (kpt's annotations) came in a
/// ResourceList that kpt wrote, whose lines are not the file's (`docs/protocols.md`).
fn template_refused(
    error: &TemplateError,
    found: &Found<'_, '_>,
    holder: &Node<'_>,
) -> Box<FnResult> {
    let path = match error.field() {
        "" => found.path.clone(),
        field => format!("{}.{field}", found.path),
    };
    let message = messages::template_error(error, !results::carries_file(holder));
    Box::new(
        FnResult::about(
            Severity::Error,
            messages::left_unchanged(&message),
            found.object,
            holder,
            Some(&path),
        )
        .at(found.spec)
        .rule(Rule::LeftUnchanged),
    )
}

/// The error for a ServiceAccount the function will not edit: it is left unchanged.
fn account_refused(error: &TemplateError, account: &Node<'_>, holder: &Node<'_>) -> Box<FnResult> {
    Box::new(
        account_result(
            Severity::Error,
            messages::left_unchanged(&messages::template_error(
                error,
                !results::carries_file(holder),
            )),
            account,
            holder,
        )
        .rule(Rule::LeftUnchanged),
    )
}

fn is_service_account(object: &Node<'_>) -> bool {
    object.get_str("apiVersion") == Some("v1") && object.get_str("kind") == Some("ServiceAccount")
}
