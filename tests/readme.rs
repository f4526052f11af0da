//! Every `sh` block of the README runs as written, so that what a new user copies works:
//! in a copy of the repository's examples as working directory, with `harden-sa-token`
//! (the binary under test) and the project's helm on `PATH`, and a home directory of
//! its own. A block is skipped only when an HTML comment just above it says why
//! (`<!-- not run: ... -->`) or which test runs it (`<!-- run by: ... -->`); `<!-- exit:
//! N -->` says the exit status it must end with (a `check` that finds something).
//!
//! A block that needs kpt, kubectl, podman, helm or git is skipped loudly when the tool
//! is missing (and fails under `REQUIRE_E2E=1`); podman blocks also need the image that
//! `make test` builds.

mod common;

use std::path::Path;
use std::process::Command;

use common::{BIN, TempDir, copy_dir, output, repo_file, repo_path, stderr, stdout};

/// One `sh` block of the README.
#[derive(Debug)]
struct Block {
    /// 1-based line of its opening fence.
    line: usize,
    script: String,
    /// Why it is not run here, if it is not.
    skip: Option<String>,
    /// The exit status it must end with.
    exit: i32,
}

fn blocks(readme: &str) -> Vec<Block> {
    let lines: Vec<&str> = readme.lines().collect();
    let mut blocks = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if lines[i].trim_end() != "```sh" {
            i += 1;
            continue;
        }
        let line = i + 1;
        // The HTML comments right above the fence (blank lines between are allowed).
        let mut comments = Vec::new();
        let mut j = i;
        while j > 0 {
            j -= 1;
            let above = lines[j].trim();
            if above.is_empty() {
                continue;
            }
            if above.starts_with("<!--") && above.ends_with("-->") {
                comments.push(above);
                continue;
            }
            break;
        }
        let mut skip = None;
        let mut exit = 0;
        for comment in comments {
            let body = comment
                .trim_start_matches("<!--")
                .trim_end_matches("-->")
                .trim();
            if let Some(why) = body.strip_prefix("not run:") {
                skip = Some(format!("not run: {}", why.trim()));
            } else if let Some(by) = body.strip_prefix("run by:") {
                skip = Some(format!("run by {}", by.trim()));
            } else if let Some(code) = body.strip_prefix("exit:") {
                exit = code.trim().parse().expect("an exit status after `exit:`");
            }
        }
        let mut script = String::new();
        i += 1;
        while i < lines.len() && lines[i].trim_end() != "```" {
            script.push_str(lines[i]);
            script.push('\n');
            i += 1;
        }
        blocks.push(Block {
            line,
            script,
            skip,
            exit,
        });
        i += 1;
    }
    blocks
}

/// The tools a script calls that these machines may lack, with a command that shows
/// whether one runs.
const TOOLS: &[(&str, &[&str])] = &[
    ("kpt", &["version"]),
    ("kubectl", &["version", "--client"]),
    ("podman", &["version"]),
    ("helm", &["version"]),
    ("git", &["--version"]),
];

#[test]
fn readme_blocks_run_as_written() {
    let readme = repo_file("README.md");
    let blocks = blocks(&readme);
    assert!(blocks.len() >= 15, "found {} sh blocks", blocks.len());
    let tmp = TempDir::new("readme");
    let home = tmp.join("home");
    let work = tmp.join("work");
    for dir in ["examples", "function-config", "scripts"] {
        copy_dir(&repo_path(dir), &work.join(dir));
    }
    std::fs::create_dir_all(&home).expect("create home");
    let bin_dir = Path::new(BIN).parent().expect("binary has a directory");
    let mut path = vec![bin_dir.to_path_buf(), repo_path(".tools/helm")];
    path.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    let path = std::env::join_paths(path).expect("PATH joins");
    let image = format!("localhost/harden-sa-token:{}", env!("CARGO_PKG_VERSION"));

    let mut ran = 0;
    for block in &blocks {
        if let Some(why) = &block.skip {
            eprintln!("README line {}: {why}", block.line);
            continue;
        }
        let words: Vec<&str> = block
            .script
            .split(|c: char| !(c.is_alphanumeric() || c == '-'))
            .collect();
        let missing = TOOLS.iter().find(|(tool, args)| {
            words.contains(tool)
                && !Command::new(tool)
                    .args(*args)
                    .env("PATH", &path)
                    .env("CONTAINERS_CONF", repo_path("scripts/containers.conf"))
                    .output()
                    .is_ok_and(|o| o.status.success())
        });
        if let Some((tool, _)) = missing {
            common::skip(
                &format!("readme line {}", block.line),
                &format!("`{tool}` does not run"),
            );
            continue;
        }
        if words.contains(&"podman")
            && !Command::new("podman")
                .args(["image", "exists", &image])
                .env("CONTAINERS_CONF", repo_path("scripts/containers.conf"))
                .status()
                .is_ok_and(|s| s.success())
        {
            common::skip(
                &format!("readme line {}", block.line),
                &format!("image {image} does not exist (`make test` builds it)"),
            );
            continue;
        }
        let out = output(
            Command::new("timeout")
                .args(["300", "bash", "-e", "-o", "pipefail", "-c", &block.script])
                .current_dir(&work)
                .env("PATH", &path)
                .env("HOME", &home)
                .env_remove("KUSTOMIZE_PLUGIN_HOME")
                .env_remove("CONTAINERS_CONF")
                .env_remove("GITHUB_ACTIONS")
                .env_remove("KPT_FN_RUNTIME"),
        );
        assert_eq!(
            out.status.code(),
            Some(block.exit),
            "README line {}:\n{}--- stdout ---\n{}--- stderr ---\n{}",
            block.line,
            block.script,
            stdout(&out),
            stderr(&out)
        );
        ran += 1;
    }
    eprintln!("readme: ran {ran} of {} sh blocks", blocks.len());
}

#[test]
fn markers_are_read() {
    let got = blocks(
        "x\n<!-- not run: no docker -->\n```sh\ndocker ps\n```\n\n<!-- exit: 1 -->\n\n```sh\nfalse\n```\n```sh\ntrue\n```\n",
    );
    assert_eq!(got.len(), 3);
    assert_eq!(got[0].skip.as_deref(), Some("not run: no docker"));
    assert_eq!((got[1].exit, got[1].skip.is_none()), (1, true));
    assert_eq!((got[2].script.as_str(), got[2].exit), ("true\n", 0));
    // A comment that is not a marker, or text between, changes nothing.
    let got = blocks("<!-- a note -->\nsome text\n```sh\nls\n```\n");
    assert!(got[0].skip.is_none());
}
