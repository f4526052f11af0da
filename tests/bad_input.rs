//! Bad input of every class `docs/guarantees.md` names, through the binary: exit 1, a message on
//! stderr that says what is wrong and where (line and column when the input is text),
//! nothing on stdout that a caller could take for a result, and no panic or hang.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_harden-sa-token");
/// Not a performance bound: a run that takes this long is hung.
const HUNG: Duration = Duration::from_secs(60);

const HEAD: &str = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n";
const GOOD: &str = "apiVersion: config.kubernetes.io/v1
kind: ResourceList
items:
- apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: web
    annotations: {note: \"a quoted value\"}
  spec:
    template:
      spec:
        containers:
        - name: web
          image: web
";

struct Run {
    code: Option<i32>,
    stdout: Vec<u8>,
    stderr: String,
}

fn run(input: &[u8]) -> Run {
    let mut child = Command::new(BIN)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the function");
    let mut stdin = child.stdin.take().expect("stdin");
    let input = input.to_vec();
    // Write from a thread: the function may stop reading early and exit.
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let started = Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if started.elapsed() > HUNG {
            let _ = child.kill();
            panic!("the function hung on bad input");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let _ = writer.join();
    let out = child.wait_with_output().expect("collect output");
    Run {
        code: out.status.code(),
        stdout: out.stdout,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Exit 1, empty stdout, no panic, and stderr containing every one of `says`.
fn refused(class: &str, input: &[u8], says: &[&str]) {
    let r = run(input);
    assert_eq!(r.code, Some(1), "{class}: exit code; stderr: {}", r.stderr);
    assert!(
        r.stdout.is_empty(),
        "{class}: stdout is not empty: {}",
        String::from_utf8_lossy(&r.stdout)
    );
    assert!(!r.stderr.contains("panicked"), "{class}: {}", r.stderr);
    assert!(
        r.stderr.starts_with("harden-sa-token: "),
        "{class}: {}",
        r.stderr
    );
    for s in says {
        assert!(r.stderr.contains(s), "{class}: {:?} lacks {s:?}", r.stderr);
    }
}

#[test]
fn not_yaml() {
    refused(
        "not YAML",
        format!("{HEAD}items: [\n- a: b: c\n").as_bytes(),
        &["not valid YAML", "line 4, column 1"],
    );
    refused(
        "not YAML either",
        b"{\"apiVersion\": \"config.kubernetes.io/v1\", \"items\": [}",
        &["not valid YAML", "line 1, column"],
    );
}

#[test]
fn not_utf8() {
    let mut input = GOOD.as_bytes().to_vec();
    input.splice(100..100, [0xff, 0xfe]);
    refused("not UTF-8", &input, &["not UTF-8", "line 5, column"]);
}

#[test]
fn truncated() {
    // Cut inside a quoted scalar: a syntax error.
    let cut = GOOD.find("a quoted").unwrap() + 3;
    refused(
        "truncated in a scalar",
        &GOOD.as_bytes()[..cut],
        &["not valid YAML", "line 8, column 25", "unclosed quote"],
    );
    // Cut before any item: valid YAML, but no items.
    let cut = GOOD.find("items:").unwrap();
    refused(
        "truncated before items",
        &GOOD.as_bytes()[..cut],
        &["`items` must be a list", "line 1", "there is none"],
    );
    refused("empty", b"", &["stdin is empty"]);
}

#[test]
fn tabs_in_indentation() {
    refused(
        "tabs",
        format!("{HEAD}items:\n- apiVersion: v1\n\tkind: Pod\n").as_bytes(),
        // The tab itself, not the start of the token before it.
        &["not valid YAML", "line 5, column 1:", "found a tab"],
    );
}

#[test]
fn continuation_lines_no_deeper_than_their_block_are_read() {
    // Not bad input: the YAML test suite's 9C9N, QB6E and DK95/01 in a Pod's annotations
    // (lines of a multi-line flow collection or quoted scalar indented no deeper than
    // the block mapping they are in) are invalid YAML that go-yaml and libyaml read, and
    // so Kubernetes does: the Pod is hardened and the lines are kept byte for byte.
    let pod = |value: &str| {
        format!(
            "{HEAD}items:\n- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: p\n    annotations:\n      a: {value}\n  spec:\n    containers:\n    - {{name: c, image: i}}\n"
        )
    };
    for (case, value) in [
        ("9C9N", "[a,\n      b,\n      c]"),
        ("QB6E", "\"a\n      b\n      c\""),
        ("DK95/01", "\"bar\n\tbaz\""),
    ] {
        let r = run(pod(value).as_bytes());
        assert_eq!(r.code, Some(0), "{case}: {}", r.stderr);
        let out = String::from_utf8_lossy(&r.stdout);
        assert!(out.contains(&format!("a: {value}\n")), "{case}: {out}");
        assert!(
            out.contains("automountServiceAccountToken: false"),
            "{case}: {out}"
        );
    }
    let r = run(b"---\nflow: [a,\nb,\nc]\n");
    assert_eq!(r.code, Some(0), "9C9N in a stream: {}", r.stderr);
    assert_eq!(r.stdout, b"---\nflow: [a,\nb,\nc]\n");
}

#[test]
fn carriage_return_without_line_feed() {
    // Found by fuzzing: a lone CR is a line break for YAML (and Kubernetes), not for the
    // editor; a volume removed next to one took the following key with it. The object
    // that holds one is left unchanged with an error; the others are hardened, or copied
    // as they are, CR included.
    let pod = |name: &str, items: &str| {
        format!(
            "- apiVersion: v1\n  kind: Pod\n  metadata: {{name: {name}}}\n  spec:\n    containers: [{{name: c, image: i}}]\n    volumes:\n    - name: kube-api-access\n      projected:\n        sources:\n        - serviceAccountToken: {{path: token}}\n        - downwardAPI:\n            {items}            - path: namespace\n"
        )
    };
    let config_map = "- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: cm}\n  data:\n    a: x\r    b: y\n";
    let input = format!(
        "{HEAD}items:\n{}{}{config_map}",
        pod("p", "items:\r"),
        pod("q", "items:\n")
    );
    let r = run(input.as_bytes());
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    for says in [
        "v1/Pod/p",
        "line 15, column 19",
        "carriage return without a line feed",
    ] {
        assert!(r.stderr.contains(says), "{:?} lacks {says:?}", r.stderr);
    }
    let out = String::from_utf8_lossy(&r.stdout);
    assert!(
        out.contains(&pod("p", "items:\r")),
        "p is left unchanged: {out}"
    );
    assert!(!out.contains(&pod("q", "items:\n")), "q is hardened: {out}");
    assert!(out.contains(config_map), "the ConfigMap is kept: {out}");
}

#[test]
fn alias_bomb() {
    let mut bomb = format!("{HEAD}items:\n- apiVersion: v1\n  kind: ConfigMap\n  data:\n");
    bomb.push_str("    a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..12 {
        let refs = vec![format!("*a{}", i - 1); 10].join(", ");
        bomb.push_str(&format!("    a{i}: &a{i} [{refs}]\n"));
    }
    refused(
        "alias bomb",
        bomb.as_bytes(),
        &["alias bomb", "line 11, column"],
    );
}

#[test]
fn absurd_nesting() {
    let input = format!("{HEAD}items: {}", "[".repeat(100_000));
    refused(
        "nesting",
        input.as_bytes(),
        &["not valid YAML", "line 3, column"],
    );
    let input = format!("{HEAD}items: {}", "{a: ".repeat(100_000));
    refused("nesting of mappings", input.as_bytes(), &["line 3, column"]);
}

#[test]
fn resource_list_without_proper_items() {
    refused(
        "no items",
        HEAD.as_bytes(),
        &["`items` must be a list", "there is none"],
    );
    refused(
        "items not a list",
        format!("{HEAD}items:\n  a: b\n").as_bytes(),
        &["line 4", "`items` must be a list"],
    );
    refused(
        "item not a mapping",
        format!("{HEAD}items:\n- apiVersion: v1\n  kind: Pod\n- just a string\n").as_bytes(),
        &["line 6, column 3", "items[1] is not an object"],
    );
}

#[test]
fn function_config_of_an_unknown_kind() {
    refused(
        "unknown functionConfig kind",
        format!("{GOOD}functionConfig:\n  apiVersion: example.com/v1\n  kind: SetNamespace\n")
            .as_bytes(),
        &["SetNamespace", "not supported", "HardenServiceAccountToken"],
    );
}

#[test]
fn not_a_resource_list() {
    // A Deployment alone is a plain stream, another protocol (tests/stream.rs); a
    // ResourceList of another version, or among other documents, is an error.
    refused(
        "a ResourceList of another version",
        b"apiVersion: config.kubernetes.io/v2\nkind: ResourceList\nitems: []\n",
        &["line 1", "config.kubernetes.io/v2"],
    );
    refused(
        "two documents",
        format!("{GOOD}---\n{GOOD}").as_bytes(),
        &["expected one ResourceList document, found 2"],
    );
}

#[test]
fn plain_streams_are_refused_the_same_way() {
    let manifest = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n";
    let mut not_utf8 = manifest.as_bytes().to_vec();
    not_utf8.extend([0xc3, 0x28]);
    refused(
        "stream: not UTF-8",
        &not_utf8,
        &["not UTF-8", "line 5, column 1"],
    );
    refused(
        "stream: tabs",
        format!("{manifest}spec:\n\treplicas: 1\n").as_bytes(),
        &["line 6, column 1:", "tabs"],
    );
    refused(
        "stream: truncated",
        format!("{manifest}  annotations: {{a: \"b").as_bytes(),
        &["line 5, column"],
    );
    refused(
        "stream: nesting",
        format!("{manifest}spec: {}", "[".repeat(100_000)).as_bytes(),
        &["line 5, column"],
    );
    let mut bomb = format!("{manifest}data:\n  a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        let refs = vec![format!("*a{}", i - 1); 10].join(", ");
        bomb.push_str(&format!("  a{i}: &a{i} [{refs}]\n"));
    }
    refused(
        "stream: alias bomb",
        bomb.as_bytes(),
        &["alias bomb", "line 10, column"],
    );
}

#[test]
fn duplicate_keys() {
    // Found by fuzzing: with two `volumeMounts` keys, the function edited the first one
    // and a second run edited again. Kubernetes refuses duplicate keys too.
    refused(
        "duplicate keys",
        format!("{HEAD}items:\n- apiVersion: v1\n  kind: Pod\n  spec:\n    containers:\n    - volumeMounts:\n      volumeMounts:\n").as_bytes(),
        &["duplicate key \"volumeMounts\"", "line 9, column 7", "first at line 8"],
    );
    refused(
        "stream: duplicate keys",
        b"apiVersion: v1\nkind: Pod\nmetadata: {name: a, name: b}\n",
        &["duplicate key \"name\"", "line 3, column 21"],
    );
}
