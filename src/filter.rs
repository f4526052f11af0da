//! The filter over objects, in the manner of kyaml's `fn/framework`: for each object it
//! finds the Pod templates ([`workloads`]) the config is about ([`policy`]), decides what
//! each needs ([`decide`]), and enacts the decision: enforce mode edits, audit mode
//! reports. The mode is looked at in one place, [`Filter::enact`]. An object whose
//! templates cannot be hardened is left whole and reported, while the rest go through.
//!
//! Unless `rbac` is `off`, each Pod template's ServiceAccount is looked up in the
//! inventory of the whole input's RBAC objects ([`evidence`]); the evidence becomes at
//! most one more statement ([`policy::evidence_statement`]) before the decision, which
//! stays pure, and words in the results.

use crate::config::{Mode, Rbac, Settings};
use crate::decide::{self, Automount, Plan, PodTemplate, StatedBy, Statement, Wanted};
use crate::evidence;
use crate::messages;
use crate::policy;
use crate::rbac::{Evidence, Inventory, Verdict};
use crate::results::{FnResult, Severity, Tally};
use crate::template::{self, NewValues, TemplateNodes};
use crate::workloads::{self, Found};
use crate::yaml::{Document, Editor, Edits, Node};

/// What the filter made of one object.
#[derive(Debug)]
pub struct Outcome {
    /// Edits to the object's text (empty when it is left as it is).
    pub edits: Edits,
    /// Results about it.
    pub results: Vec<FnResult>,
    /// Its Pod templates (and ServiceAccount) by what became of them.
    pub tally: Tally,
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
    },
    Account {
        object: &'n Node<'a>,
        now: Automount,
    },
}

impl<'s> Filter<'s> {
    /// The filter for `settings`, with `inventory` the RBAC objects of the whole input
    /// ([`evidence::inventory`]; empty, and never asked, with `rbac: off`).
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
        }
    }

    /// Hardens every selected Pod template of `object` (and, with `serviceAccounts`, the
    /// object itself when it is a ServiceAccount), a node of the document `root` of `doc`.
    pub fn object(&self, doc: &Document<'_>, root: &Node<'_>, object: &Node<'_>) -> Outcome {
        let mut editor = doc.editor(root, object);
        let mut results = Vec::new();
        let mut tally = Tally::default();
        if !policy::is_local_config(object) {
            let found = workloads::pod_templates(object, &self.settings.pod_spec_paths);
            let done = self
                .decide(doc, object, &found, &mut results, &mut tally)
                .and_then(|changes| {
                    self.enact(object, changes, &mut editor, &mut results, &mut tally)
                });
            if let Err(error) = done {
                // Nothing of this object changes, so nothing of it is reported as done.
                results.retain(|r| r.severity != Severity::Info);
                results.push(*error);
                return Outcome {
                    edits: doc.editor(root, object).finish(),
                    results,
                    tally: tally.left_unchanged(),
                };
            }
        }
        Outcome {
            edits: editor.finish(),
            results,
            tally,
        }
    }

    /// Decides what each selected Pod template of `object` needs (warnings go to
    /// `results` as they are found); the templates of one resource are consecutive in
    /// `found`.
    fn decide<'n, 'a>(
        &self,
        doc: &Document<'_>,
        object: &'n Node<'a>,
        found: &'n [Found<'n, 'a>],
        results: &mut Vec<FnResult>,
        tally: &mut Tally,
    ) -> Result<Vec<Change<'n, 'a, 's>>, Box<FnResult>> {
        let mut changes = Vec::new();
        if self.settings.service_accounts
            && is_service_account(object)
            && policy::selected(self.settings, &policy::facts(object))
        {
            let now = template::automount(object);
            if now != Automount::Off {
                tally.accounts_not_hardened += 1;
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
                tally.not_hardened += 1;
                let error = |message: String| {
                    Box::new(
                        FnResult::about(
                            Severity::Error,
                            messages::left_unchanged(&message),
                            f.object,
                            object,
                            Some(&f.path),
                        )
                        .at(f.spec),
                    )
                };
                let stated = policy::statement(self.settings, &workload, f.metadata)
                    .map_err(|bad| error(messages::bad_annotation(&bad)))?;
                let evidence = self.evidence(doc, f);
                // An explicit statement wins over the evidence.
                let statement = stated.clone().or_else(|| {
                    let evidence = evidence.as_ref()?;
                    policy::evidence_statement(self.settings.rbac, evidence)
                });
                let (pod, nodes) = template::read(f.spec);
                let plan = decide::decide(&pod, &self.wanted, statement.as_ref())
                    .map_err(|c| error(messages::conflict(&c)))?;
                let warning = |message| {
                    FnResult::about(Severity::Warning, message, f.object, object, Some(&f.path))
                        .at(f.spec)
                };
                results.extend(
                    plan.warnings
                        .iter()
                        .map(|w| warning(messages::warning(w, &pod, &self.wanted, self.tense))),
                );
                // What the evidence says about a token that stays, unless a statement
                // already says who needs it.
                if let Some(evidence) = &evidence
                    && stated.is_none()
                    && !plan.granted.is_empty()
                {
                    match (self.settings.rbac, evidence.verdict()) {
                        (Rbac::Advise, Verdict::Nothing) => {
                            results.push(warning(messages::token_without_grant(
                                evidence,
                                &plan,
                                &pod,
                                &workload,
                                resource.len() == 1,
                                self.inventory.is_empty(),
                            )));
                        }
                        (Rbac::Apply, Verdict::Incomplete) => {
                            results.push(warning(messages::incomplete_evidence(evidence)));
                        }
                        _ => {}
                    }
                }
                if plan.is_empty() {
                    tally.not_hardened -= 1;
                    tally.already += 1;
                } else {
                    changes.push(Change::Template {
                        found: f,
                        pod,
                        nodes,
                        plan,
                        statement,
                        evidence,
                    });
                }
            }
        }
        Ok(changes)
    }

    /// What the input's RBAC says about the ServiceAccount the Pod template `found` runs
    /// as; nothing with `rbac: off`.
    fn evidence(&self, doc: &Document<'_>, found: &Found<'_, '_>) -> Option<Evidence<'s>> {
        if self.settings.rbac == Rbac::Off {
            return None;
        }
        let inventory: &'s Inventory = self.inventory;
        Some(inventory.evidence(&evidence::service_account(doc, found)))
    }

    /// Makes the changes (enforce mode) or reports them (audit mode).
    fn enact(
        &self,
        object: &Node<'_>,
        changes: Vec<Change<'_, '_, '_>>,
        editor: &mut Editor<'_>,
        results: &mut Vec<FnResult>,
        tally: &mut Tally,
    ) -> Result<(), Box<FnResult>> {
        let about = |severity, message, of: &Node<'_>, path: Option<&str>, at: &Node<'_>| {
            FnResult::about(severity, message, of, object, path).at(at)
        };
        match self.settings.mode {
            Mode::Audit => {
                for change in changes {
                    results.push(match change {
                        Change::Template {
                            found,
                            pod,
                            plan,
                            statement,
                            ..
                        } => {
                            // Under `rbac: apply`, a token nothing grants anything is an
                            // error too, and says why.
                            let message = match statement.map(|s| s.by) {
                                Some(by @ StatedBy::NoRbacGrant { .. }) => {
                                    messages::not_hardened_without_grant(
                                        &plan,
                                        &pod,
                                        &self.wanted,
                                        &by,
                                    )
                                }
                                _ => messages::not_hardened(&plan, &pod, &self.wanted),
                            };
                            about(
                                Severity::Error,
                                message,
                                found.object,
                                Some(&found.path),
                                found.spec,
                            )
                        }
                        Change::Account { object, now } => about(
                            Severity::Error,
                            messages::account_not_hardened(now),
                            object,
                            Some(messages::ACCOUNT_FIELD),
                            account_field(object),
                        ),
                    });
                }
            }
            Mode::Enforce => {
                // One info result per resource, naming each of its templates.
                let mut done: Vec<(&Node<'_>, &Node<'_>, &str, String)> = Vec::new();
                for change in &changes {
                    match change {
                        Change::Template {
                            found,
                            pod,
                            nodes,
                            plan,
                            statement,
                            evidence,
                        } => {
                            template::apply(plan, nodes, &self.new, editor).map_err(|e| {
                                Box::new(about(
                                    Severity::Error,
                                    messages::left_unchanged(&e),
                                    found.object,
                                    Some(&found.path),
                                    found.spec,
                                ))
                            })?;
                            tally.not_hardened -= 1;
                            tally.hardened += 1;
                            let by = statement.as_ref().map(|s| &s.by);
                            let message = messages::hardened_with_evidence(
                                plan,
                                pod,
                                &self.wanted,
                                by,
                                evidence.as_ref(),
                            );
                            done.push((found.object, found.spec, &found.path, message));
                        }
                        Change::Account { object, .. } => {
                            template::disable_automount(editor, object).map_err(|e| {
                                Box::new(about(
                                    Severity::Error,
                                    messages::left_unchanged(&e),
                                    object,
                                    Some(messages::ACCOUNT_FIELD),
                                    account_field(object),
                                ))
                            })?;
                            tally.accounts_not_hardened -= 1;
                            tally.accounts_hardened += 1;
                            results.push(about(
                                Severity::Info,
                                messages::account_hardened(),
                                object,
                                Some(messages::ACCOUNT_FIELD),
                                account_field(object),
                            ));
                        }
                    }
                }
                for resource in done.chunk_by(|a, b| std::ptr::eq(a.0, b.0)) {
                    let result = match resource {
                        [(of, spec, path, message)] => {
                            about(Severity::Info, message.clone(), of, Some(path), spec)
                        }
                        many => {
                            let Some((of, spec, _, _)) = many.first() else {
                                continue;
                            };
                            let parts: Vec<(&str, String)> =
                                many.iter().map(|(_, _, p, m)| (*p, m.clone())).collect();
                            about(
                                Severity::Info,
                                messages::per_template(&parts),
                                of,
                                None,
                                spec,
                            )
                        }
                    };
                    results.push(result);
                }
            }
        }
        Ok(())
    }
}

/// Where a ServiceAccount's result points: its `automountServiceAccountToken`, else
/// the object.
fn account_field<'n>(object: &'n Node<'_>) -> &'n Node<'n> {
    object.get(messages::ACCOUNT_FIELD).unwrap_or(object)
}

fn is_service_account(object: &Node<'_>) -> bool {
    object.get_str("apiVersion") == Some("v1") && object.get_str("kind") == Some("ServiceAccount")
}
