//! Every file of `../shared/corpus/` run as a ResourceList: items kept in order, every
//! input scalar still there with the same text and style, every Pod template (built-in
//! and custom workloads) hardened, and a second run changes nothing. Audit mode on the
//! same input changes nothing and reports exactly the templates enforce mode changes.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use common::{identity, scalars};
use harden_sa_token::decide::{self, Automount};
use harden_sa_token::rbac::Verdict;
use harden_sa_token::yaml::{Document, Node};
use harden_sa_token::{Settings, Severity, evidence, policy, template, workloads};

#[test]
fn whole_corpus() {
    let Some(files) = common::corpus_files() else {
        common::skip("corpus", "../shared/corpus is not beside the repository");
        return;
    };
    let settings = Settings::default();
    let (mut objects, mut templates, mut compared, mut hardened_files) = (0, 0, 0, 0);
    let mut audited = 0;
    let mut kinds = std::collections::BTreeMap::<(String, String), usize>::new();
    let mut failures = Vec::new();
    for file in &files {
        let name = file.file_name().unwrap().to_string_lossy().to_string();
        let stream = std::fs::read_to_string(file).unwrap();
        let (input, count) = common::wrap_stream(&stream);
        let out = match harden_sa_token::run(input.as_bytes(), harden_sa_token::Call::Plain) {
            Ok(out) => out,
            Err(e) => {
                failures.push(format!("{name}: {e}"));
                continue;
            }
        };
        let out_text = out.text.to_string();
        if let Some(r) = out.results.iter().find(|r| r.severity == Severity::Error) {
            failures.push(format!("{name}: {r}"));
            continue;
        }
        let in_docs = Document::parse(&input).unwrap();
        // Audit mode: the same items, byte for byte, and one error per template that
        // enforce mode changes.
        let mut audit_input = input.clone();
        common::push_function_config(
            &mut audit_input,
            "apiVersion: v1\nkind: ConfigMap\ndata: {mode: audit}\n",
        );
        let audit =
            harden_sa_token::run(audit_input.as_bytes(), harden_sa_token::Call::Plain).unwrap();
        let audit_text = audit.text.to_string();
        let to_change = in_docs.roots()[0]
            .get("items")
            .and_then(Node::items)
            .unwrap()
            .iter()
            .flat_map(|item| workloads::pod_templates(item, &[]))
            .filter(|f| {
                let (pod, _) = template::read(&in_docs, f.spec).unwrap();
                !decide::decide(&pod, &settings.wanted(), None, None)
                    .unwrap()
                    .is_empty()
            })
            .count();
        let audit_errors = audit
            .results
            .iter()
            .filter(|r| r.severity == Severity::Error)
            .count();
        audited += audit_errors;
        if audit_errors != to_change {
            failures.push(format!(
                "{name}: audit reported {audit_errors} templates, enforce would change {to_change}"
            ));
        }
        let items_text = |text: &str| {
            let docs = Document::parse(text).unwrap();
            let items = docs.roots()[0].get("items").unwrap();
            text[items.span()].to_owned()
        };
        if items_text(&audit_text) != items_text(&input) {
            failures.push(format!("{name}: audit mode changed items"));
        }
        let out_docs = Document::parse(&out_text).unwrap();
        let in_items = in_docs.roots()[0]
            .get("items")
            .and_then(Node::items)
            .unwrap();
        let out_items = out_docs.roots()[0]
            .get("items")
            .and_then(Node::items)
            .unwrap();
        assert_eq!(in_items.len(), count);
        // Items kept, in order.
        let ids = |items: &[Node<'_>]| items.iter().map(identity).collect::<Vec<_>>();
        if ids(in_items) != ids(out_items) {
            failures.push(format!("{name}: items changed or reordered"));
            continue;
        }
        // Every input scalar is still there, in order, with its text and style; only an
        // `automountServiceAccountToken: true` may have become `false`.
        for (a, b) in in_items.iter().zip(out_items) {
            let (mut want, mut got) = (Vec::new(), Vec::new());
            scalars(&input, a, None, &mut want);
            scalars(&out_text, b, None, &mut got);
            compared += want.len();
            if let Some(s) = common::lost_scalar(&want, &got) {
                failures.push(format!(
                    "{name}: scalar {:?} (style {:?}) lost",
                    s.value, s.style
                ));
            }
        }
        // Every built-in Pod template is hardened: automount off, and nothing left to do.
        let mut changed = false;
        for item in out_items {
            objects += 1;
            for found in workloads::pod_templates(item, &[]) {
                templates += 1;
                let (api_version, kind, _) = identity(found.object);
                let group = workloads::group(&api_version).to_owned();
                *kinds.entry((group, kind)).or_insert(0) += 1;
                let (pod, _) = template::read(&out_docs, found.spec).unwrap();
                if pod.automount != Automount::Off {
                    failures.push(format!("{name}: {:?} not hardened", identity(found.object)));
                }
                match decide::decide(&pod, &settings.wanted(), None, None) {
                    Ok(plan) if plan.is_empty() => {}
                    other => failures.push(format!(
                        "{name}: {:?} still to change: {other:?}",
                        identity(found.object)
                    )),
                }
            }
        }
        for (a, b) in in_items.iter().zip(out_items) {
            changed |= input[a.span()] != out_text[b.span()];
        }
        hardened_files += usize::from(changed);
        // Linkerd's hand-hardened output is already what the default asks for.
        if name.ends_with("-after.yaml") && changed {
            failures.push(format!("{name}: already hardened, but changed"));
        }
        // A second run changes nothing.
        let again =
            harden_sa_token::run(out_text.as_bytes(), harden_sa_token::Call::Plain).unwrap();
        let again_text = again.text.to_string();
        if let Some(r) = again
            .results
            .iter()
            .find(|r| r.severity != Severity::Warning)
        {
            failures.push(format!("{name}: second run reported {r}"));
        }
        let again_docs = Document::parse(&again_text).unwrap();
        let again_items = again_docs.roots()[0].get("items").unwrap();
        let first_items = out_docs.roots()[0].get("items").unwrap();
        if again_text[again_items.span()] != out_text[first_items.span()] {
            failures.push(format!("{name}: second run changed items"));
        }
    }
    eprintln!(
        "corpus: {} files, {} objects, {} Pod templates hardened, {} reported by audit, {} files changed, {} scalars compared, {} failures",
        files.len(),
        objects,
        templates,
        audited,
        hardened_files,
        compared,
        failures.len()
    );
    assert!(
        files.len() >= 100,
        "expected the whole corpus, found {} files",
        files.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // The corpus has real examples of every family of built-in custom workloads.
    for (group, kind) in [
        ("argoproj.io", "Rollout"),
        ("apps.kruise.io", "CloneSet"),
        ("apps.kruise.io", "StatefulSet"),
        ("apps.kruise.io", "DaemonSet"),
        ("apps.kruise.io", "BroadcastJob"),
        ("serving.knative.dev", "Service"),
        ("jobset.x-k8s.io", "JobSet"),
        ("leaderworkerset.x-k8s.io", "LeaderWorkerSet"),
        ("kubeflow.org", "PyTorchJob"),
        ("ray.io", "RayJob"),
    ] {
        let n = kinds
            .get(&(group.into(), kind.into()))
            .copied()
            .unwrap_or(0);
        eprintln!("corpus: {n} Pod templates in {group} {kind}");
        assert!(n > 0, "no Pod template found in {group} {kind}");
    }
}

/// The containers of a PodSpec that mount the function's token volume.
fn token_holders(spec: &Node<'_>) -> usize {
    ["containers", "initContainers"]
        .iter()
        .flat_map(|key| spec.get(key).and_then(Node::items).unwrap_or_default())
        .filter(|c| {
            c.get("volumeMounts")
                .and_then(Node::items)
                .unwrap_or_default()
                .iter()
                .any(|m| m.get_str("name") == Some("kube-api-access"))
        })
        .count()
}

/// The function's output text and results for a ResourceList text.
fn run_items(input: &str) -> (String, Vec<harden_sa_token::FnResult>) {
    let out = harden_sa_token::run(input.as_bytes(), harden_sa_token::Call::Plain).unwrap();
    let out_text = out.text.to_string();
    (out_text, out.results)
}

/// What one Pod template of the corpus is, for the figures of `rbac`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Outcome {
    NoToken,
    Granted,
    Nothing,
    /// Nothing grants anything, but the Pod template asks for its token or uses it
    /// outside RBAC: `apply` keeps it.
    UsedOutsideRbac,
    Incomplete,
    Stated,
}

/// Issue 13's figures: every file of `../shared/corpus/` (and `seed-linkerd/`) as one
/// input, its Pod templates counted by what the RBAC in that same file says of the
/// ServiceAccount they run as, under `rbac: advise` (the default) and `rbac: apply`.
/// `cargo test --test corpus rbac -- --nocapture` prints the table. Asserted: `advise`
/// decides exactly as `off`; `apply` takes the token from exactly the Pod templates that
/// hold one, whose ServiceAccount nothing in the file grants anything on complete
/// evidence, and that use it nowhere else, and from no other; `advise` warns wherever
/// nothing read grants anything (complete evidence or not), `apply` wherever the
/// evidence is incomplete; a second `apply` run changes nothing.
#[test]
fn rbac_outcomes() {
    let (Some(shared), Some(corpus)) = (common::shared_dir(), common::corpus_files()) else {
        common::skip(
            "corpus rbac",
            "../shared/corpus is not beside the repository",
        );
        return;
    };
    let config = |rbac: &str| format!("apiVersion: v1\nkind: ConfigMap\ndata: {{rbac: {rbac}}}\n");
    let settings = Settings::default();
    let wanted = settings.wanted();
    // (directory, outcome, runs as `default`, in a kind Kubernetes serves itself) -> Pod
    // templates
    let mut counts = std::collections::BTreeMap::<(&str, Outcome, bool, bool), usize>::new();
    let mut failures = Vec::new();
    let mut files = 0;
    for dir in common::CORPUS_DIRS {
        let in_dir = shared.join(dir);
        let paths = corpus
            .iter()
            .filter(|p| p.parent() == Some(in_dir.as_path()));
        for path in paths {
            files += 1;
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            let (input, _) = common::wrap_stream(&std::fs::read_to_string(path).unwrap());
            let with = |rbac: &str| {
                let mut text = input.clone();
                common::push_function_config(&mut text, &config(rbac));
                run_items(&text)
            };
            let (advise, advise_results) = with("advise");
            let (off, _) = with("off");
            let (apply, apply_results) = with("apply");
            let items = |text: &str| {
                let docs = Document::parse(text).unwrap();
                let span = docs.roots()[0].get("items").unwrap().span();
                text[span].to_owned()
            };
            if items(&advise) != items(&off) {
                failures.push(format!("{name}: rbac: advise decided otherwise than off"));
            }
            // The evidence, as the function reads it, for every Pod template in order.
            let in_docs = Document::parse(&input).unwrap();
            let in_items = in_docs.roots()[0]
                .get("items")
                .and_then(Node::items)
                .unwrap();
            let inventory = evidence::inventory(&in_docs, in_items);
            let mut outcomes = Vec::new();
            let mut advisable = 0;
            for item in in_items {
                let workload = policy::facts(item);
                for found in workloads::pod_templates(item, &[]) {
                    let (pod, _) = template::read(&in_docs, found.spec).unwrap();
                    let holds = !decide::decide(&pod, &wanted, None, None)
                        .unwrap()
                        .granted
                        .is_empty();
                    let account = evidence::service_account(&in_docs, &found);
                    let stated = policy::statement(&settings, &workload, found.metadata)
                        .unwrap()
                        .is_some();
                    let ev = inventory.evidence(&account);
                    let used = pod.automount == decide::Automount::On
                        || !evidence::token_uses(&in_docs, &found).is_empty();
                    let outcome = match ev.verdict() {
                        _ if !holds => Outcome::NoToken,
                        _ if stated => Outcome::Stated,
                        Verdict::Granted => Outcome::Granted,
                        Verdict::Nothing if used => Outcome::UsedOutsideRbac,
                        Verdict::Nothing => Outcome::Nothing,
                        Verdict::Incomplete => Outcome::Incomplete,
                    };
                    advisable += usize::from(holds && !stated && ev.nothing_found());
                    let built_in = matches!(workload.group, "" | "apps" | "extensions" | "batch");
                    *counts
                        .entry((dir, outcome, account.is_default(), built_in))
                        .or_insert(0) += 1;
                    outcomes.push(outcome);
                }
            }
            // Who holds the token after each run, template by template.
            let holders = |text: &str| -> Vec<usize> {
                let docs = Document::parse(text).unwrap();
                docs.roots()[0]
                    .get("items")
                    .and_then(Node::items)
                    .unwrap()
                    .iter()
                    .flat_map(|item| workloads::pod_templates(item, &[]))
                    .map(|f| token_holders(f.spec))
                    .collect()
            };
            let (by_advise, by_apply) = (holders(&advise), holders(&apply));
            assert_eq!(by_advise.len(), outcomes.len(), "{name}");
            for ((outcome, a), p) in outcomes.iter().zip(&by_advise).zip(&by_apply) {
                let want = if *outcome == Outcome::Nothing { 0 } else { *a };
                if *p != want {
                    failures.push(format!(
                        "{name}: a {outcome:?} Pod template holds {p} tokens under apply, {a} under advise"
                    ));
                }
            }
            let count = |results: &[harden_sa_token::FnResult], text: &str| {
                results
                    .iter()
                    .filter(|r| r.severity == Severity::Warning && r.message.contains(text))
                    .count()
            };
            let of = |o: Outcome| outcomes.iter().filter(|x| **x == o).count();
            let advised = count(&advise_results, "remove the token with the annotation");
            if advised != advisable {
                failures.push(format!(
                    "{name}: {advised} advise warnings for {advisable} tokens nothing read grants"
                ));
            }
            let incomplete = count(&apply_results, "the evidence is incomplete");
            if incomplete != of(Outcome::Incomplete) {
                failures.push(format!(
                    "{name}: {incomplete} incomplete warnings for {} such tokens",
                    of(Outcome::Incomplete)
                ));
            }
            let (again, again_results) = run_items(&apply);
            if items(&again) != items(&apply)
                || again_results.iter().any(|r| r.severity == Severity::Info)
            {
                failures.push(format!(
                    "{name}: a second rbac: apply run changed something"
                ));
            }
        }
    }
    let rows = [
        (
            "no token to begin with",
            Outcome::NoToken,
            "no token",
            "no token",
        ),
        (
            "token, a binding grants rights",
            Outcome::Granted,
            "kept, says who grants what",
            "kept",
        ),
        (
            "token, nothing in the file grants anything",
            Outcome::Nothing,
            "kept, warning",
            "removed",
        ),
        (
            "token, nothing grants anything, used outside RBAC",
            Outcome::UsedOutsideRbac,
            "kept, warning",
            "kept, warning",
        ),
        (
            "token, evidence incomplete",
            Outcome::Incomplete,
            "kept, says why incomplete",
            "kept, warning",
        ),
        (
            "token, an annotation or rule states access",
            Outcome::Stated,
            "as stated",
            "as stated",
        ),
    ];
    // Pod templates in `dirs` with outcome `o` (all outcomes for `None`), of kinds
    // Kubernetes serves itself or not (either for `None`), running as `default` or not.
    let get = |dirs: &[&str], o: Option<Outcome>, built_in: Option<bool>, default: Option<bool>| {
        counts
            .iter()
            .filter(|((d, x, is_default, is_built_in), _)| {
                dirs.contains(d)
                    && o.is_none_or(|o| o == *x)
                    && built_in.is_none_or(|b| b == *is_built_in)
                    && default.is_none_or(|want| want == *is_default)
            })
            .map(|(_, n)| n)
            .sum::<usize>()
    };
    let all = common::CORPUS_DIRS;
    let cell = |dirs: &[&str], o: Option<Outcome>, built_in: Option<bool>| {
        format!(
            "{} ({} + {})",
            get(dirs, o, built_in, None),
            get(dirs, o, built_in, Some(false)),
            get(dirs, o, built_in, Some(true))
        )
    };
    eprintln!(
        "rbac over {files} files, each one input; Pod templates, as total (own ServiceAccount + default):"
    );
    eprintln!(
        "| Pod templates | corpus/, built-in kinds | corpus/, custom kinds | seed-linkerd/ | all | advise | apply |"
    );
    eprintln!("|---|---|---|---|---|---|---|");
    let mut lines: Vec<(&str, Option<Outcome>, &str, &str)> = rows
        .iter()
        .map(|&(what, o, advise, apply)| (what, Some(o), advise, apply))
        .collect();
    lines.push(("total", None, "", ""));
    for (what, o, advise, apply) in lines {
        eprintln!(
            "| {what} | {} | {} | {} | {} | {advise} | {apply} |",
            cell(&["corpus"], o, Some(true)),
            cell(&["corpus"], o, Some(false)),
            cell(&["corpus/seed-linkerd"], o, None),
            cell(&all, o, None),
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // The corpus has every case: removed, kept for a binding, kept for lack of evidence.
    for o in [Outcome::Granted, Outcome::Nothing, Outcome::Incomplete] {
        assert!(
            get(&all, Some(o), None, None) > 0,
            "no {o:?} Pod template in the corpus"
        );
    }
}
