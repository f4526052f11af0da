//! The filter over objects, in the manner of kyaml's `fn/framework`: for each object it
//! finds the Pod templates ([`workloads`]) the config is about ([`policy`]), decides what
//! each needs ([`decide`]), and enacts the decision: enforce mode edits, audit mode
//! reports. The mode is looked at in one place, [`Filter::enact`]. An object whose
//! templates cannot be hardened is left whole and reported, while the rest go through.

use crate::config::{Mode, Settings};
use crate::decide::{self, Automount, Plan, PodTemplate, Statement, Wanted};
use crate::messages;
use crate::policy;
use crate::results::{FnResult, Severity};
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
}

/// The filter for one run: the settings, and what they want, made once.
#[derive(Debug)]
pub struct Filter<'s> {
    settings: &'s Settings,
    wanted: Wanted,
    new: NewValues,
}

/// What was decided about one Pod template or ServiceAccount, to be enacted.
// A few of these live for the time it takes to enact them, so their size does not matter.
#[allow(clippy::large_enum_variant)]
enum Change<'n, 'a> {
    Template {
        found: &'n Found<'n, 'a>,
        pod: PodTemplate,
        nodes: TemplateNodes<'n, 'a>,
        plan: Plan,
        statement: Option<Statement>,
    },
    Account {
        object: &'n Node<'a>,
        now: Automount,
    },
}

impl<'s> Filter<'s> {
    /// The filter for `settings`.
    pub fn new(settings: &'s Settings) -> Self {
        let wanted = settings.wanted();
        let new = NewValues::new(&wanted);
        Filter {
            settings,
            wanted,
            new,
        }
    }

    /// Hardens every selected Pod template of `object` (and, with `serviceAccounts`, the
    /// object itself when it is a ServiceAccount), a node of the document `root` of `doc`.
    pub fn object(&self, doc: &Document<'_>, root: &Node<'_>, object: &Node<'_>) -> Outcome {
        let mut editor = doc.editor(root, object);
        let mut results = Vec::new();
        if !is_local_config(object) {
            let found = workloads::pod_templates_in(doc, object, &self.settings.pod_spec_paths);
            for (index, _) in workloads::unnamed_items(object) {
                let kind = object.get_str("kind").unwrap_or_default();
                results.push(FnResult::about(
                    Severity::Warning,
                    messages::unnamed_list_item(kind),
                    object,
                    object,
                    Some(&format!("items[{index}]")),
                ));
            }
            let done = self
                .decide(doc, object, &found, &mut results)
                .and_then(|changes| self.enact(doc, object, changes, &mut editor, &mut results));
            if let Err(error) = done {
                // Nothing of this object changes, so nothing of it is reported as done.
                results.retain(|r| r.severity != Severity::Info);
                results.push(*error);
                return Outcome {
                    edits: doc.editor(root, object).finish(),
                    results,
                };
            }
        }
        Outcome {
            edits: editor.finish(),
            results,
        }
    }

    /// Decides what each selected Pod template of `object` needs (warnings go to
    /// `results` as they are found); the templates of one resource are consecutive in
    /// `found`.
    fn decide<'n, 'a>(
        &self,
        doc: &'n Document<'a>,
        object: &'n Node<'a>,
        found: &'n [Found<'n, 'a>],
        results: &mut Vec<FnResult>,
    ) -> Result<Vec<Change<'n, 'a>>, Box<FnResult>> {
        let mut changes = Vec::new();
        if self.settings.service_accounts
            && is_service_account(object)
            && policy::selected(self.settings, &policy::facts(object))
        {
            let now = template::account(object).map_err(|e| {
                Box::new(FnResult::about(
                    Severity::Error,
                    messages::left_unchanged(&messages::template_error(&e)),
                    object,
                    object,
                    Some(messages::ACCOUNT_FIELD),
                ))
            })?;
            if now != Automount::Off {
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
                let error = |message: String| {
                    Box::new(FnResult::about(
                        Severity::Error,
                        messages::left_unchanged(&message),
                        f.object,
                        object,
                        Some(&f.path),
                    ))
                };
                let statement = policy::statement(self.settings, &workload, f.metadata)
                    .map_err(|bad| error(messages::bad_annotation(&bad)))?;
                let (pod, nodes) =
                    template::read(doc, f.spec).map_err(|e| error(messages::template_error(&e)))?;
                let plan = decide::decide(&pod, &self.wanted, statement.as_ref())
                    .map_err(|c| error(messages::conflict(&c)))?;
                results.extend(plan.warnings.iter().map(|w| {
                    FnResult::about(
                        Severity::Warning,
                        messages::warning(w, &pod, &self.wanted),
                        f.object,
                        object,
                        Some(&f.path),
                    )
                }));
                if !plan.is_empty() {
                    changes.push(Change::Template {
                        found: f,
                        pod,
                        nodes,
                        plan,
                        statement,
                    });
                }
            }
        }
        Ok(changes)
    }

    /// Makes the changes (enforce mode) or reports them (audit mode).
    fn enact(
        &self,
        doc: &Document<'_>,
        object: &Node<'_>,
        changes: Vec<Change<'_, '_>>,
        editor: &mut Editor<'_>,
        results: &mut Vec<FnResult>,
    ) -> Result<(), Box<FnResult>> {
        let about = |severity, message, of: &Node<'_>, path: Option<&str>| {
            FnResult::about(severity, message, of, object, path)
        };
        match self.settings.mode {
            Mode::Audit => {
                for change in changes {
                    results.push(match change {
                        Change::Template {
                            found, pod, plan, ..
                        } => about(
                            Severity::Error,
                            messages::not_hardened(&plan, &pod, &self.wanted),
                            found.object,
                            Some(&found.path),
                        ),
                        Change::Account { object, now } => about(
                            Severity::Error,
                            messages::account_not_hardened(now),
                            object,
                            Some(messages::ACCOUNT_FIELD),
                        ),
                    });
                }
            }
            Mode::Enforce => {
                // One info result per resource, naming each of its templates.
                let mut done: Vec<(&Node<'_>, &str, String)> = Vec::new();
                for change in &changes {
                    match change {
                        Change::Template {
                            found,
                            pod,
                            nodes,
                            plan,
                            statement,
                        } => {
                            template::apply(plan, nodes, &self.new, editor).map_err(|e| {
                                Box::new(about(
                                    Severity::Error,
                                    messages::left_unchanged(&messages::template_error(&e)),
                                    found.object,
                                    Some(&found.path),
                                ))
                            })?;
                            let by = statement.as_ref().map(|s| &s.by);
                            let message = messages::hardened(plan, pod, &self.wanted, by);
                            done.push((found.object, &found.path, message));
                        }
                        Change::Account { object, .. } => {
                            template::harden_account(doc, object, editor).map_err(|e| {
                                Box::new(about(
                                    Severity::Error,
                                    messages::left_unchanged(&messages::template_error(&e)),
                                    object,
                                    Some(messages::ACCOUNT_FIELD),
                                ))
                            })?;
                            results.push(about(
                                Severity::Info,
                                messages::account_hardened(),
                                object,
                                Some(messages::ACCOUNT_FIELD),
                            ));
                        }
                    }
                }
                for resource in done.chunk_by(|a, b| std::ptr::eq(a.0, b.0)) {
                    let result = match resource {
                        [(of, path, message)] => {
                            about(Severity::Info, message.clone(), of, Some(path))
                        }
                        many => {
                            let Some((of, _, _)) = many.first() else {
                                continue;
                            };
                            let parts: Vec<(&str, String)> =
                                many.iter().map(|(_, p, m)| (*p, m.clone())).collect();
                            about(Severity::Info, messages::per_template(&parts), of, None)
                        }
                    };
                    results.push(result);
                }
            }
        }
        Ok(())
    }
}

fn is_service_account(object: &Node<'_>) -> bool {
    object.get_str("apiVersion") == Some("v1") && object.get_str("kind") == Some("ServiceAccount")
}

/// `config.kubernetes.io/local-config: "true"` objects configure the pipeline and are
/// never deployed, so they are not hardened (the kpt convention).
fn is_local_config(object: &Node<'_>) -> bool {
    object
        .get("metadata")
        .and_then(|m| m.get("annotations"))
        .and_then(|a| a.get_str("config.kubernetes.io/local-config"))
        == Some("true")
}
