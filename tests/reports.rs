//! `--report FILE` of `check`, `fix`, the plain stream and a ResourceList: SARIF 2.1.0
//! validated against the OASIS schema (`../shared/schemas/`, with `check-jsonschema` from
//! PyPI in `.venv/`) and by Microsoft's `sarif-multitool` (npm, `.tools/sarif/`), its
//! URIs encoded, its fixes applied to the files giving exactly what `fix` writes, its fingerprints
//! stable across runs and unrelated edits; the KRM results as JSON; and the auditors'
//! inventory on Linkerd's install output.
//!
//! The validator checks are skipped loudly (failed under `REQUIRE_E2E=1`) without
//! check-jsonschema, sarif-multitool or `../shared`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;
use std::process::Command;

use common::{BIN, TempDir, fixture_tree, harden_in, output, repo_path, stderr, stdout};
use serde_json::Value;

fn json(path: &Path) -> Value {
    serde_json::from_str(&fs::read_to_string(path).expect("read report")).expect("JSON")
}

fn sarif_results(sarif: &Value) -> &Vec<Value> {
    sarif["runs"][0]["results"].as_array().expect("results")
}

/// Applies the `fixes` of every result to the files under `dir`, by their
/// `charOffset`/`charLength` (code points, as the run's `columnKind` says).
fn apply_fixes(sarif: &Value, dir: &Path) {
    let mut by_file: BTreeMap<String, Vec<(usize, usize, String)>> = BTreeMap::new();
    for result in sarif_results(sarif) {
        for fix in result["fixes"].as_array().into_iter().flatten() {
            for change in fix["artifactChanges"].as_array().expect("changes") {
                let uri = change["artifactLocation"]["uri"].as_str().expect("uri");
                for r in change["replacements"].as_array().expect("replacements") {
                    let region = &r["deletedRegion"];
                    by_file.entry(uri.to_owned()).or_default().push((
                        region["charOffset"].as_u64().expect("charOffset") as usize,
                        region["charLength"].as_u64().expect("charLength") as usize,
                        r["insertedContent"]["text"]
                            .as_str()
                            .unwrap_or_default()
                            .to_owned(),
                    ));
                }
            }
        }
    }
    for (uri, mut changes) in by_file {
        let path = dir.join(&uri);
        let chars: Vec<char> = fs::read_to_string(&path).expect("read").chars().collect();
        // From the end, so that earlier offsets stay true; insertions at one offset keep
        // their order.
        changes.sort_by_key(|(offset, length, _)| (*offset, *length));
        let mut text = String::new();
        let mut at = 0;
        for (offset, length, new) in &changes {
            assert!(*offset >= at, "{uri}: overlapping replacements");
            text.extend(&chars[at..*offset]);
            text.push_str(new);
            at = offset + length;
        }
        text.extend(&chars[at..]);
        fs::write(&path, text).expect("write");
    }
}

fn files(dir: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for entry in fs::read_dir(dir).expect("read dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            for (k, v) in files(&path) {
                out.insert(
                    format!("{}/{k}", path.file_name().unwrap().to_string_lossy()),
                    v,
                );
            }
        } else {
            out.insert(
                path.file_name().unwrap().to_string_lossy().into_owned(),
                fs::read_to_string(&path).unwrap_or_default(),
            );
        }
    }
    out
}

/// A Deployment to harden, for inputs of our own.
const DEPLOYMENT: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: a\n        image: x\n";

/// The same Deployment in a ResourceList whose functionConfig asks for audit mode.
fn resource_list_in_audit_mode() -> String {
    let items: String = DEPLOYMENT
        .lines()
        .enumerate()
        .map(|(i, l)| format!("{}{l}\n", if i == 0 { "- " } else { "  " }))
        .collect();
    format!(
        "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n{items}functionConfig:\n  apiVersion: v1\n  kind: ConfigMap\n  metadata: {{name: harden}}\n  data: {{mode: audit}}\n"
    )
}

/// Runs `BIN args... < stdin` in `dir`.
fn harden_stdin_in(dir: &Path, args: &[&str], stdin: &str) -> std::process::Output {
    common::output_with_stdin(
        Command::new(BIN).args(args).current_dir(dir),
        stdin.as_bytes(),
    )
}

/// Every kind of SARIF report the function writes, in the fixture tree `dir`: `check`
/// (with fixes), `fix --diff`, the stream, a ResourceList, files whose names need
/// percent-encoding (a space, `é`, `#`, `%`, `?`), and files outside the directory the
/// run is in (absolute `file:` URIs). Returns their paths.
fn every_kind_of_sarif(dir: &Path) -> Vec<std::path::PathBuf> {
    let odd = dir.join("odd names/é #1 100% ?.yaml");
    fs::create_dir_all(odd.parent().expect("parent")).expect("mkdir");
    fs::write(&odd, DEPLOYMENT).expect("write");
    let elsewhere = dir.join("elsewhere");
    fs::create_dir_all(&elsewhere).expect("mkdir");
    let outside = dir.join("odd names").display().to_string();
    let runs = [
        (
            "check.sarif",
            harden_in(dir, &["check", "--report", "check.sarif", "k8s"]),
        ),
        (
            "fix.sarif",
            harden_in(dir, &["fix", "--diff", "--report", "fix.sarif", "k8s"]),
        ),
        (
            "stream.sarif",
            harden_stdin_in(dir, &["--report", "stream.sarif"], DEPLOYMENT),
        ),
        (
            "resource-list.sarif",
            harden_stdin_in(
                dir,
                &["--report", "resource-list.sarif"],
                &resource_list_in_audit_mode(),
            ),
        ),
        (
            "odd.sarif",
            harden_in(dir, &["check", "--report", "odd.sarif", "odd names"]),
        ),
        (
            "outside.sarif",
            harden_in(
                &elsewhere,
                &["check", "--report", "../outside.sarif", &outside],
            ),
        ),
    ];
    runs.iter()
        .map(|(report, out)| {
            assert!(
                out.status.code().is_some_and(|c| c <= 1),
                "{report}: {}",
                stderr(out)
            );
            dir.join(report)
        })
        .collect()
}

#[test]
fn sarif_validates_against_the_oasis_schema() {
    const TEST: &str = "reports::sarif_schema";
    let validator = repo_path(".venv/bin/check-jsonschema");
    let Some(shared) = common::shared_dir() else {
        return common::skip(TEST, "../shared is not beside the repository");
    };
    let schema = shared.join("schemas/sarif-schema-2.1.0.json");
    if !common::works(validator.to_str().expect("UTF-8"), &["--version"]) {
        return common::skip(
            TEST,
            "`.venv/bin/check-jsonschema` does not run (`make test` installs it from PyPI)",
        );
    }
    let tmp = fixture_tree("sarif-schema");
    for report in every_kind_of_sarif(&tmp.0) {
        let out = output(
            Command::new(&validator)
                .arg("--schemafile")
                .arg(&schema)
                .arg(&report),
        );
        assert!(
            out.status.success(),
            "{} is not valid SARIF 2.1.0:\n{}{}",
            report.display(),
            stdout(&out),
            stderr(&out)
        );
    }
}

/// Microsoft's SARIF validator (`sarif-multitool validate`, from npm into `.tools/sarif/`
/// by `scripts/setup-sarif.sh`) checks what the schema cannot: URIs that are RFC 3986
/// references (SARIF1002), absolute URIs beside a `uriBaseId` (SARIF1004), an
/// `informationUri` (SARIF2005), and more. No report may draw an error or a warning.
#[test]
fn sarif_passes_microsofts_validator() {
    const TEST: &str = "reports::sarif_multitool";
    let validator = repo_path(".tools/sarif/node_modules/.bin/sarif-multitool");
    if !common::works(validator.to_str().expect("UTF-8"), &["--version"]) {
        return common::skip(
            TEST,
            "`.tools/sarif/node_modules/.bin/sarif-multitool` does not run (`make test` installs it from npm: scripts/setup-sarif.sh)",
        );
    }
    let tmp = fixture_tree("sarif-multitool");
    let dir = &tmp.0;
    for report in every_kind_of_sarif(dir) {
        let log = dir.join("validation.sarif");
        let out = output(
            Command::new(&validator)
                .arg("validate")
                .arg(&report)
                .arg("-o")
                .arg(&log)
                .args(["--log", "ForceOverwrite"]),
        );
        assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
        // The validator's own findings are a SARIF log: any result is a failure.
        let findings: Vec<String> = sarif_results(&json(&log))
            .iter()
            .filter(|r| r["level"].as_str() != Some("note"))
            .map(|r| format!("{} {}", r["ruleId"], r["message"]))
            .collect();
        assert!(
            findings.is_empty(),
            "{}: {findings:#?}\n{}",
            report.display(),
            stdout(&out)
        );
    }
}

#[test]
fn sarif_uris_are_encoded_and_relative_to_srcroot_or_absolute_file_uris() {
    let tmp = fixture_tree("sarif-uris");
    let dir = &tmp.0;
    every_kind_of_sarif(dir);
    let uris = |report: &str| -> Vec<(String, Value)> {
        let sarif = json(&dir.join(report));
        sarif["runs"][0]["artifacts"]
            .as_array()
            .expect("artifacts")
            .iter()
            .map(|a| {
                let l = &a["location"];
                (
                    l["uri"].as_str().expect("uri").to_owned(),
                    l["uriBaseId"].clone(),
                )
            })
            .collect()
    };
    assert_eq!(
        uris("odd.sarif"),
        [(
            "odd%20names/%C3%A9%20%231%20100%25%20%3F.yaml".to_owned(),
            Value::from("%SRCROOT%")
        )]
    );
    let [(outside, base)] = uris("outside.sarif").try_into().expect("one artifact");
    assert!(
        outside.starts_with("file:///")
            && outside.ends_with("/odd%20names/%C3%A9%20%231%20100%25%20%3F.yaml"),
        "{outside}"
    );
    assert_eq!(base, Value::Null, "an absolute URI has no uriBaseId");
    let odd = json(&dir.join("odd.sarif"));
    let root = odd["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"]
        .as_str()
        .expect("SRCROOT");
    assert!(
        root.starts_with("file:///") && root.ends_with('/'),
        "{root}"
    );
    assert!(
        odd["runs"][0]["tool"]["driver"]["informationUri"]
            .as_str()
            .is_some_and(|u| u.starts_with("https://")),
    );
}

#[test]
fn reports_describe_the_run_that_happened_in_every_protocol() {
    let tmp = TempDir::new("report-describes-run");
    let dir = &tmp.0;
    // A ResourceList whose functionConfig asks for audit mode: its report says so, and
    // counts its Pod template.
    let out = harden_stdin_in(dir, &["--report", "rl.md"], &resource_list_in_audit_mode());
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let md = fs::read_to_string(dir.join("rl.md")).expect("read");
    for line in [
        "| protocol | KRM ResourceList |",
        "| mode | audit (nothing changed) |",
        "| config | the ResourceList's functionConfig (ConfigMap) |",
        "| Pod templates | 1 |",
        "| not hardened (enforce mode would harden them) | 1 |",
    ] {
        assert!(md.contains(line), "{line} in:\n{md}");
    }
    let out = harden_stdin_in(
        dir,
        &["--report", "rl.sarif"],
        &resource_list_in_audit_mode(),
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let sarif = json(&dir.join("rl.sarif"));
    let properties = &sarif["runs"][0]["properties"];
    assert_eq!(properties["protocol"], "KRM ResourceList");
    assert_eq!(properties["mode"], "audit");
    // A plain stream with a config file: that file, in enforce mode.
    fs::write(
        dir.join("c.yaml"),
        "apiVersion: v1\nkind: ConfigMap\ndata:\n  expirationSeconds: \"7200\"\n",
    )
    .expect("write");
    let out = harden_stdin_in(dir, &["--config", "c.yaml", "--report", "s.md"], DEPLOYMENT);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let md = fs::read_to_string(dir.join("s.md")).expect("read");
    for line in [
        "| protocol | plain YAML stream |",
        "| mode | enforce (changes made) |",
        "| config | the config file c.yaml |",
        "| Pod templates | 1 |",
        "| hardened by this run | 1 |",
    ] {
        assert!(md.contains(line), "{line} in:\n{md}");
    }
    assert!(md.contains("7200"), "{md}");
}

#[test]
fn sarif_has_rules_locations_fingerprints_and_fixes_that_reproduce_fix() {
    let tmp = fixture_tree("sarif-fixes");
    let dir = &tmp.0;
    let out = harden_in(dir, &["check", "--report", "../check.sarif", "k8s"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let sarif = json(&dir.join("../check.sarif"));
    let run = &sarif["runs"][0];
    assert_eq!(sarif["version"], "2.1.0");
    assert_eq!(run["tool"]["driver"]["name"], "harden-sa-token");
    assert_eq!(run["tool"]["driver"]["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    let ids: BTreeSet<&str> = rules.iter().filter_map(|r| r["id"].as_str()).collect();
    assert_eq!(ids.len(), rules.len(), "rule ids are unique");
    for rule in rules {
        for key in ["shortDescription", "fullDescription", "help"] {
            assert!(
                rule[key]["text"].as_str().is_some_and(|t| !t.is_empty()),
                "{rule}"
            );
        }
    }
    let results = sarif_results(&sarif);
    // Each kind of finding is its own rule: five Pod templates miss automount, the
    // volume and a mount; one file is not YAML; four tokens nothing grants (advise).
    let count = |id: &str| results.iter().filter(|r| r["ruleId"] == id).count();
    assert_eq!(
        (
            count("HST001"),
            count("HST002"),
            count("HST005"),
            count("HST010"),
            count("HST024")
        ),
        (5, 5, 5, 1, 4)
    );
    for result in results {
        assert!(ids.contains(result["ruleId"].as_str().expect("ruleId")));
        assert!(["error", "warning", "note"].contains(&result["level"].as_str().unwrap()));
        assert!(
            result["message"]["text"]
                .as_str()
                .is_some_and(|t| !t.is_empty())
        );
        let location = &result["locations"][0]["physicalLocation"];
        let uri = location["artifactLocation"]["uri"].as_str().expect("uri");
        assert!(uri.starts_with("k8s/"), "relative: {uri}");
        assert!(
            location["region"]["startLine"].as_u64().is_some(),
            "{result}"
        );
        assert!(
            location["region"]["startColumn"].as_u64().is_some(),
            "{result}"
        );
        assert!(
            result["partialFingerprints"]["harden-sa-token/v1"]
                .as_str()
                .is_some_and(|f| f.len() == 16)
        );
    }
    // Applied to the files, the fixes give exactly what `fix` writes.
    apply_fixes(&sarif, dir);
    let mut want = files(&repo_path("tests/fix/expected"));
    let mut got = files(dir);
    // Not in the fixes: the hidden directory and the text file are not walked.
    for f in [&mut want, &mut got] {
        f.retain(|k, _| k.starts_with("k8s/") && !k.contains(".hidden"));
    }
    assert_eq!(got, want);
}

#[test]
fn fingerprints_stay_across_runs_and_unrelated_edits() {
    let fingerprints = |dir: &Path| -> BTreeSet<String> {
        let out = harden_in(dir, &["check", "--report", "f.sarif", "k8s"]);
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        sarif_results(&json(&dir.join("f.sarif")))
            .iter()
            .map(|r| r["partialFingerprints"]["harden-sa-token/v1"].to_string())
            .collect()
    };
    let tmp = fixture_tree("fingerprints");
    let dir = &tmp.0;
    let first = fingerprints(dir);
    assert_eq!(fingerprints(dir), first, "the same on a second run");
    // Lines added above and a replica count changed move every position, not the
    // fingerprints.
    let web = dir.join("k8s/web.yaml");
    let text = fs::read_to_string(&web).expect("read");
    fs::write(
        &web,
        format!(
            "# Owned by the shop team.\n# Reviewed.\n{}",
            text.replace("replicas: 2", "replicas: 3")
        ),
    )
    .expect("write");
    assert_eq!(fingerprints(dir), first, "the same after unrelated edits");
}

#[test]
fn json_report_is_the_krm_results_list() {
    let tmp = fixture_tree("json-report");
    let dir = &tmp.0;
    let out = harden_in(dir, &["check", "--report", "results.json", "k8s"]);
    assert_eq!(out.status.code(), Some(1));
    let results = json(&dir.join("results.json"));
    let results = results.as_array().expect("a list of results");
    assert_eq!(
        results.len(),
        9,
        "5 not hardened and 4 warnings: {results:?}"
    );
    for result in results {
        assert!(["error", "warning"].contains(&result["severity"].as_str().unwrap()));
        assert!(result["message"].as_str().is_some());
        assert!(result["resourceRef"]["kind"].as_str().is_some());
        assert!(
            result["file"]["path"]
                .as_str()
                .is_some_and(|p| p.starts_with("k8s/")),
            "{result}"
        );
    }
    // --report-format wins over the extension; an unknown extension is refused.
    let out = harden_in(
        dir,
        &[
            "check",
            "--report",
            "r.txt",
            "--report-format",
            "json",
            "k8s",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(json(&dir.join("r.txt")).is_array());
    let out = harden_in(dir, &["check", "--report", "r.txt", "k8s"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("cannot tell the format from the extension"));
}

#[test]
fn inventory_of_linkerds_install_output() {
    let Some(shared) = common::shared_dir() else {
        return common::skip(
            "reports::inventory",
            "../shared is not beside the repository",
        );
    };
    let tmp = TempDir::new("inventory");
    let dir = &tmp.0;
    let seed = shared.join("corpus/seed-linkerd");
    fs::create_dir_all(dir.join("linkerd")).expect("create");
    let mut before = Vec::new();
    for entry in fs::read_dir(&seed).expect("read seed") {
        let path = entry.expect("entry").path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.ends_with("-before.yaml") {
            fs::copy(&path, dir.join("linkerd").join(&name)).expect("copy");
            before.push(name);
        }
    }
    assert!(before.len() >= 5);
    let out = harden_in(dir, &["check", "--report", "inventory.md", "linkerd"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let md = fs::read_to_string(dir.join("inventory.md")).expect("read");
    let rows: Vec<&str> = md.lines().filter(|l| l.starts_with("| linkerd/")).collect();
    // Every Pod template of Linkerd's install output, and the totals first.
    let templates: usize = before
        .iter()
        .map(|name| {
            let text = fs::read_to_string(dir.join("linkerd").join(name)).expect("read");
            let doc = harden_sa_token::yaml::Document::parse(&text).expect("parses");
            doc.roots()
                .iter()
                .map(|r| harden_sa_token::workloads::pod_templates(r, &[]).len())
                .sum::<usize>()
        })
        .sum();
    assert_eq!(rows.len(), templates, "{md}");
    assert!(
        md.contains(&format!("| Pod templates | {templates} |")),
        "{md}"
    );
    let identity = rows
        .iter()
        .find(|r| r.contains("| linkerd-identity |") && r.contains("| Deployment |"))
        .expect("a row for linkerd-identity");
    assert!(
        identity.contains("| linkerd/linkerd-identity |"),
        "{identity}"
    );
    assert!(
        identity.contains("ClusterRoleBinding"),
        "what it may do: {identity}"
    );
    assert!(
        identity.contains("3607 s (a year for legacy clients)"),
        "{identity}"
    );
    let gateway = rows
        .iter()
        .find(|r| r.contains("| linkerd-gateway |"))
        .expect("a row for linkerd-gateway");
    assert!(
        gateway.contains("nothing: no binding in the input grants it any right"),
        "{gateway}"
    );
}

#[test]
fn inventory_names_each_templates_own_token_lifetime_and_audience() {
    let tmp = TempDir::new("inventory-lifetime");
    let dir = &tmp.0;
    fs::create_dir_all(dir.join("k8s")).expect("create");
    let kept = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: kept, namespace: shop}\nspec:\n  template:\n    spec:\n      automountServiceAccountToken: false\n      containers:\n      - name: app\n        image: app\n        volumeMounts:\n        - {name: kube-api-access, mountPath: /var/run/secrets/kubernetes.io/serviceaccount, readOnly: true}\n      volumes:\n      - name: kube-api-access\n        projected:\n          sources:\n          - serviceAccountToken: {path: token, audience: vault}\n";
    let new = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: new, namespace: shop}\nspec:\n  template:\n    spec:\n      containers:\n      - name: app\n        image: app\n";
    fs::write(dir.join("k8s/apps.yaml"), format!("{kept}---\n{new}")).expect("write");
    let out = harden_in(dir, &["check", "--report", "inventory.md", "k8s"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let md = fs::read_to_string(dir.join("inventory.md")).expect("read");
    let row = |name: &str| {
        md.lines()
            .find(|l| l.contains(&format!("| {name} |")))
            .unwrap_or_else(|| panic!("no row for {name}: {md}"))
            .to_owned()
    };
    let kept = row("kept");
    assert!(
        kept.contains("| 3600 s (no expirationSeconds) | `vault` |"),
        "{kept}"
    );
    let new = row("new");
    assert!(
        new.contains("| 3607 s (a year for legacy clients) | the API server's own |"),
        "{new}"
    );
}
