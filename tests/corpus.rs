//! Every file of `../shared/corpus/` run as a ResourceList: items kept in order, every
//! input scalar still there with the same text and style, every Pod template (built-in
//! and custom workloads) hardened, and a second run changes nothing. Audit mode on the
//! same input changes nothing and reports exactly the templates enforce mode changes.

mod common;

use common::{identity, scalars};
use harden_sa_token::decide::{self, Automount};
use harden_sa_token::yaml::{Document, Node};
use harden_sa_token::{Settings, Severity, template, workloads};

#[test]
fn whole_corpus() {
    let Some(shared) = common::shared_dir() else {
        common::skip("corpus", "../shared/corpus is not beside the repository");
        return;
    };
    let mut files: Vec<_> = ["corpus", "corpus/seed-linkerd"]
        .iter()
        .flat_map(|d| std::fs::read_dir(shared.join(d)).unwrap())
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
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
        let to_change = in_docs.roots()[0]
            .get("items")
            .and_then(Node::items)
            .unwrap()
            .iter()
            .flat_map(|item| workloads::pod_templates(item, &[]))
            .filter(|f| {
                let (pod, _) = template::read(&in_docs, f.spec).unwrap();
                !decide::decide(&pod, &settings.wanted(), None)
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
        if items_text(&audit.text) != items_text(&input) {
            failures.push(format!("{name}: audit mode changed items"));
        }
        let out_docs = Document::parse(&out.text).unwrap();
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
            scalars(&out.text, b, None, &mut got);
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
                match decide::decide(&pod, &settings.wanted(), None) {
                    Ok(plan) if plan.is_empty() => {}
                    other => failures.push(format!(
                        "{name}: {:?} still to change: {other:?}",
                        identity(found.object)
                    )),
                }
            }
        }
        for (a, b) in in_items.iter().zip(out_items) {
            changed |= input[a.span()] != out.text[b.span()];
        }
        hardened_files += usize::from(changed);
        // Linkerd's hand-hardened output is already what the default asks for.
        if name.ends_with("-after.yaml") && changed {
            failures.push(format!("{name}: already hardened, but changed"));
        }
        // A second run changes nothing.
        let again =
            harden_sa_token::run(out.text.as_bytes(), harden_sa_token::Call::Plain).unwrap();
        if let Some(r) = again
            .results
            .iter()
            .find(|r| r.severity != Severity::Warning)
        {
            failures.push(format!("{name}: second run reported {r}"));
        }
        let again_docs = Document::parse(&again.text).unwrap();
        let again_items = again_docs.roots()[0].get("items").unwrap();
        let first_items = out_docs.roots()[0].get("items").unwrap();
        if again.text[again_items.span()] != out.text[first_items.span()] {
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
