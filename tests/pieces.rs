//! Reading piece by piece is reading whole: the run over a stream's documents or a
//! ResourceList's items one at a time (`Reading::Pieces`, what every call does) gives
//! the text, results, tally, rows and settings the run over one tree of the whole input
//! (`Reading::Whole`) gives, or the same error: over the whole corpus as a stream and as
//! a ResourceList, every golden case, and inputs made to sit on the cuts (block scalars
//! kept to the end of a piece, no final line break, RBAC objects after the workloads
//! they grant, kinds spelled with escapes, anchors, lists). The generated inputs of
//! `tests/properties.rs` go through both readings too.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use harden_sa_token::{Call, ConfigFile, Reading, run_reading};

/// Both readings of `input`, as `call`: how they differ, if they do, and how the run
/// that was to read piece by piece read it (`None` for an error).
fn compare(input: &str, call: Call<'_>) -> (Option<String>, Option<Reading>) {
    let mut read = None;
    let mut run = |reading| {
        run_reading(input.as_bytes(), call, false, &[], reading)
            .map(|mut run| {
                if reading == Reading::Pieces {
                    read = Some(run.reading);
                }
                run.reading = Reading::Whole;
                format!("{run:#?}")
            })
            .map_err(|e| e.to_string())
    };
    let (pieces, whole) = (run(Reading::Pieces), run(Reading::Whole));
    if pieces == whole {
        return (None, read);
    }
    let show = |r: &Result<String, String>| match r {
        Ok(run) => run.clone(),
        Err(e) => format!("error: {e}"),
    };
    let (p, w) = (show(&pieces), show(&whole));
    let at = p
        .lines()
        .zip(w.lines())
        .position(|(a, b)| a != b)
        .unwrap_or(0);
    let how = format!(
        "first difference at line {at} of the run:\n  pieces: {:?}\n  whole:  {:?}",
        p.lines().nth(at),
        w.lines().nth(at)
    );
    (Some(how), read)
}

/// Both readings agree; how the piecewise one read the input.
fn agree(name: &str, input: &str, call: Call<'_>) -> Option<Reading> {
    match compare(input, call) {
        (Some(how), _) => panic!("{name}: {how}\n--- input ---\n{input}"),
        (None, read) => read,
    }
}

#[test]
fn the_corpus_reads_the_same_piece_by_piece() {
    let Some(files) = common::corpus_files() else {
        common::skip("pieces", "../shared/corpus is not beside the repository");
        return;
    };
    let mut failures = Vec::new();
    let mut whole = Vec::new();
    for file in &files {
        let name = file.file_name().unwrap().to_string_lossy().to_string();
        let stream = std::fs::read_to_string(file).unwrap();
        let (list, _) = common::wrap_stream(&stream);
        for (form, input) in [("stream", &stream), ("ResourceList", &list)] {
            match compare(input, Call::Plain) {
                (Some(how), _) => failures.push(format!("{name} as a {form}: {how}")),
                (None, Some(Reading::Whole)) => whole.push(format!("{name} as a {form}")),
                (None, _) => {}
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Every file of the corpus can be cut, as a stream and as kpt sends it: one read
    // whole is one that pays for a tree of all of it.
    assert!(whole.is_empty(), "read whole: {whole:?}");
}

#[test]
fn the_golden_cases_read_the_same_piece_by_piece() {
    let mut cases = 0;
    for dir in std::fs::read_dir(common::repo_path("tests/golden")).unwrap() {
        let dir = dir.unwrap().path();
        let Ok(mut input) = std::fs::read_to_string(dir.join("input.yaml")) else {
            continue;
        };
        if let Ok(config) = std::fs::read_to_string(dir.join("config.yaml")) {
            common::push_function_config(&mut input, &config);
        }
        agree(&dir.display().to_string(), &input, Call::Plain);
        cases += 1;
    }
    assert!(cases > 50, "{cases} golden cases");
}

const DEPLOYMENT: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\n  namespace: ns\nspec:\n  template:\n    spec:\n      serviceAccountName: api\n      containers:\n      - name: app\n        image: x\n        command: [kubectl]\n";
const ROLE: &str = "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: r\n  namespace: ns\nrules:\n- apiGroups: ['']\n  resources: [pods]\n  verbs: [get]\n";
const BINDING: &str = "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: b\n  namespace: ns\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: r}\nsubjects:\n- kind: ServiceAccount\n  name: api\n  namespace: ns\n";

/// `docs` as a stream, and as a ResourceList (items indented as kpt indents them, and
/// not), with and without a functionConfig after them.
fn forms(docs: &[&str]) -> Vec<String> {
    let stream = docs.join("---\n");
    let mut forms = vec![stream.clone()];
    for indent in ["", "  "] {
        let mut list =
            String::from("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n");
        for doc in docs {
            for (i, line) in doc.lines().enumerate() {
                let dash = if i == 0 { "- " } else { "  " };
                list.push_str(&format!("{indent}{dash}{line}\n"));
            }
        }
        forms.push(list.clone());
        forms.push(format!(
            "{list}functionConfig:\n  apiVersion: v1\n  kind: ConfigMap\n  data: {{rbac: apply}}\n"
        ));
    }
    forms
}

#[test]
fn inputs_on_the_cuts_read_the_same_piece_by_piece() {
    let kept =
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  script: |+\n    echo\n\n\n";
    let no_break = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: a\n    args: |\n      x";
    let escaped = "apiVersion: rbac.authorization.k8s.io/v1\nkind: \"Rol\\u0065Binding\"\nmetadata: {name: e, namespace: ns}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: \"Rol\\u0065\", name: r}\nsubjects: [{kind: \"Servic\\u0065Account\", name: api, namespace: ns}]\n";
    let list = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: q}\n  spec: {containers: [{name: b}]}\n";
    let anchors = "apiVersion: v1\nkind: Pod\nmetadata: {name: r, labels: &l {a: b}}\nspec:\n  containers:\n  - name: a\n    env: &e [{name: X, value: y}]\n  initContainers:\n  - name: i\n    env: *e\n";
    let json = "{\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": {\"name\": \"j\"}, \"spec\": {\"containers\": [{\"name\": \"a\"}]}}\n";
    let cases: Vec<Vec<&str>> = vec![
        // Bindings after the workload they grant, and before.
        vec![DEPLOYMENT, ROLE, BINDING],
        vec![ROLE, BINDING, DEPLOYMENT],
        // A binding whose kind only escapes spell: the text does not show it.
        vec![DEPLOYMENT, ROLE, escaped],
        vec![kept, DEPLOYMENT],
        vec![DEPLOYMENT, kept],
        vec![DEPLOYMENT, no_break],
        vec![list, DEPLOYMENT],
        vec![anchors, DEPLOYMENT, anchors],
        vec![json, DEPLOYMENT],
        vec![DEPLOYMENT],
    ];
    for (i, docs) in cases.iter().enumerate() {
        for input in forms(docs) {
            let read = agree("case", &input, Call::Plain);
            // Only the escaped kind sends the input to be read whole.
            let want = if i == 2 {
                Reading::Whole
            } else {
                Reading::Pieces
            };
            assert_eq!(read, Some(want), "case {i}:\n{input}");
            let config = ConfigFile {
                origin: "c.yaml",
                bytes: b"apiVersion: v1\nkind: ConfigMap\ndata: {rbac: apply, mode: audit}\n",
            };
            agree("case with a config file", &input, Call::WithConfig(config));
        }
    }
    // `results` take the indentation of the first block mapping of the ResourceList,
    // here in an item between two flow ones (found by the property tests: it was taken
    // from the last item alone, and was 2 where the whole text has 4).
    let input = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n    - {apiVersion: v1, kind: Pod, metadata: {name: a}, spec: {containers: [{name: c}]}}\n    - apiVersion: v1\n      kind: Pod\n      metadata:\n          name: b\n      spec:\n          containers:\n              - name: c\n    - {apiVersion: v1, kind: Pod, metadata: {name: d}, spec: {containers: [{name: c}]}}\n";
    assert_eq!(
        agree("results' layout", input, Call::Plain),
        Some(Reading::Pieces)
    );
    // An anchor of the ResourceList's own, named again in an item that is not kept
    // beside the last one: the last item's alias reads the item's, a container. The run
    // reads it whole.
    let early = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {x: y}\n";
    let again =
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\ndata: &c [{name: app, image: x}]\n";
    let uses = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: *c\n";
    let items: String = [early, DEPLOYMENT, again, uses]
        .iter()
        .flat_map(|d| d.lines().enumerate())
        .map(|(i, l)| format!("{}{l}\n", if i == 0 { "- " } else { "  " }))
        .collect();
    let input = format!(
        "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nmetadata:\n  annotations: &c {{x: y}}\nitems:\n{items}"
    );
    assert_eq!(
        agree("anchor named again", &input, Call::Plain),
        Some(Reading::Whole),
        "{input}"
    );
    // Streams with what the cuts keep whole: comments and empty documents between,
    // `...` ends, directives, documents that are not objects, a ResourceList among them,
    // a document that does not parse.
    for (input, want) in [
        (
            format!("# lead\n---\n{DEPLOYMENT}...\n---\n# empty\n---\n{ROLE}---\n"),
            Some(Reading::Pieces),
        ),
        (
            format!("%YAML 1.2\n---\n{DEPLOYMENT}---\n{BINDING}"),
            Some(Reading::Whole),
        ),
        (
            format!("- a\n---\n{DEPLOYMENT}---\nplain\n"),
            Some(Reading::Pieces),
        ),
        ("- a\n---\nplain\n".to_owned(), None),
        (
            format!(
                "{DEPLOYMENT}---\napiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\n"
            ),
            None,
        ),
        (
            format!("{DEPLOYMENT}---\n{DEPLOYMENT}"),
            Some(Reading::Pieces),
        ),
        (format!("{DEPLOYMENT}---\nkey: [unclosed\n"), None),
        // A marker ends whatever is open, or is an error inside a flow collection or a
        // quoted scalar: the pieces then do not parse alone, and the input is read whole.
        (
            format!("--- |\nroot text\n---\n{DEPLOYMENT}"),
            Some(Reading::Pieces),
        ),
        (
            format!("note: a plain\n  scalar\n---\n{DEPLOYMENT}"),
            Some(Reading::Pieces),
        ),
        (format!("{DEPLOYMENT}---\na: [1,\n---\n]\n"), None),
        (format!("{DEPLOYMENT}---\na: \"x\n---\ny\"\n"), None),
        (
            format!("{DEPLOYMENT}---\na: 'x\n--- y'\n---\n{DEPLOYMENT}"),
            None,
        ),
    ] {
        assert_eq!(agree("stream", &input, Call::Plain), want, "{input}");
    }
}
