//! Block scalars (`|`, `>`, every chomping and indentation indicator, with content lines
//! or none) right before every kind of place the function inserts text: a new key at the
//! end of a container or of a PodSpec, a new item after the last item of a list, in block
//! and flow parents, with LF and CRLF, with and without a final line break (or with a
//! last line of spaces and no break), with the trailing blank lines `|+` keeps, as the
//! last bytes of the input or followed by more. Every combination is run through both
//! protocols: no error, every block scalar reads as it did, every Pod template is
//! hardened, the final line break is kept or stays absent, and a second run changes
//! nothing.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use harden_sa_token::decide::{self, Automount};
use harden_sa_token::yaml::{Document, Node, ScalarStyle};
use harden_sa_token::{Call, Settings, Severity, template, workloads};

/// Every form of block scalar header: style, chomping, indentation indicator.
const HEADERS: &[&str] = &[
    "|", "|-", "|+", ">", ">-", ">+", "|2", "|2-", "|-2", "|4+", ">1", ">3-", "|1+",
];

/// Headers also written without any content line (an empty value).
const EMPTY_HEADERS: &[&str] = &["|", ">-", "|+", "|-1"];

/// Where the block scalar sits, which decides what is inserted right after it.
#[derive(Debug, Clone, Copy)]
enum Place {
    /// The value of the container's last key: `volumeMounts` is inserted in the
    /// container, then the PodSpec's new keys (containers is its last key).
    ContainerKey,
    /// The last item of the container's `args`.
    ArgsItem,
    /// An env value, two levels down in the container's last key.
    EnvValue,
    /// The value of the PodSpec's last key (`hostname`): its new keys go after it.
    PodSpecKey,
    /// In the last item of the container's `volumeMounts`: the mount goes after it.
    MountItem,
    /// In the last item of the PodSpec's `volumes`: the volume goes after it.
    VolumeItem,
    /// The container's lists are flow lists; the scalar is the container's last value.
    FlowLists,
    /// The last item of an init container's `args`, `initContainers` last in the PodSpec.
    InitArgsItem,
}

const PLACES: &[Place] = &[
    Place::ContainerKey,
    Place::ArgsItem,
    Place::EnvValue,
    Place::PodSpecKey,
    Place::MountItem,
    Place::VolumeItem,
    Place::FlowLists,
    Place::InitArgsItem,
];

/// What follows the object.
#[derive(Debug, Clone, Copy)]
enum Trailer {
    Nothing,
    /// A key of the object after its `spec` (`status: {}`).
    Sibling,
    /// A second document.
    Document,
    /// A comment at column 0.
    Comment,
}

const TRAILERS: &[Trailer] = &[
    Trailer::Nothing,
    Trailer::Sibling,
    Trailer::Document,
    Trailer::Comment,
];

/// How the object lays out its block collections.
#[derive(Debug, Clone, Copy)]
struct Layout {
    deployment: bool,
    indent: usize,
    indentless: bool,
}

const LAYOUTS: &[Layout] = &[
    Layout {
        deployment: false,
        indent: 2,
        indentless: true,
    },
    Layout {
        deployment: true,
        indent: 2,
        indentless: false,
    },
    Layout {
        deployment: false,
        indent: 4,
        indentless: false,
    },
];

/// Writes block YAML line by line at a given indentation.
struct Writer {
    out: String,
    layout: Layout,
    /// Block scalars without content lines.
    empty: bool,
}

impl Writer {
    fn line(&mut self, col: usize, text: &str) {
        self.out.push_str(&" ".repeat(col));
        self.out.push_str(text);
        self.out.push('\n');
    }

    /// The column of a list's `-` under a key at `key_col`.
    fn dash(&self, key_col: usize) -> usize {
        if self.layout.indentless {
            key_col
        } else {
            key_col + self.layout.indent
        }
    }

    /// `key: <header>` (or `- <header>` when `key` is `-`) at `col`, then the scalar's
    /// lines; `parent` is the indentation an indentation indicator counts from.
    fn scalar(&mut self, col: usize, key: &str, header: &str, parent: usize) {
        let lead = if key == "-" {
            format!("- {header}")
        } else {
            format!("{key}: {header}")
        };
        self.line(col, &lead);
        if self.empty {
            return;
        }
        let indicator = header
            .chars()
            .find_map(|c| c.to_digit(10))
            .map(|d| d as usize);
        // With an indicator, the first line starts with spaces of its own, which is what
        // the indicator is for; without one, the content is indented by the layout.
        let (content, first): (usize, &str) = match indicator {
            Some(n) => (parent + n, "  leading spaces"),
            None => (parent + self.layout.indent, "set -e"),
        };
        for text in [
            first,
            "echo \"hi\"  # not a comment",
            "",
            "  more: indented",
            "last",
        ] {
            if text.is_empty() {
                self.out.push('\n');
            } else {
                self.line(content, text);
            }
        }
        if header.contains('+') {
            // Blank lines that keep chomping makes part of the value.
            self.out.push_str("\n\n");
        }
    }
}

/// One generated input: a Pod or Deployment whose block scalar sits at `place`.
fn object(header: &str, empty: bool, place: Place, trailer: Trailer, layout: Layout) -> String {
    let mut w = Writer {
        out: String::new(),
        layout,
        empty,
    };
    let i = layout.indent;
    let kind = if layout.deployment {
        "apiVersion: apps/v1\nkind: Deployment\n"
    } else {
        "apiVersion: v1\nkind: Pod\n"
    };
    w.out.push_str(kind);
    w.line(0, "metadata:");
    w.line(i, "name: block");
    w.line(0, "spec:");
    let spec = if layout.deployment {
        w.line(i, "template:");
        w.line(2 * i, "spec:");
        3 * i
    } else {
        i
    };
    let containers_key = if matches!(place, Place::InitArgsItem) {
        w.line(spec, "containers:");
        let dash = w.dash(spec);
        w.line(dash, "- name: app");
        w.line(dash + 2, "image: app:1.10");
        "initContainers:"
    } else {
        "containers:"
    };
    w.line(spec, containers_key);
    let dash = w.dash(spec);
    let c = dash + 2;
    w.line(dash, "- name: main");
    w.line(c, "image: registry.example/app:1.10");
    match place {
        Place::ContainerKey => w.scalar(c, "workingDir", header, c),
        Place::ArgsItem | Place::InitArgsItem => {
            w.line(c, "args:");
            let d = w.dash(c);
            w.line(d, "- --flag");
            w.scalar(d, "-", header, d);
        }
        Place::EnvValue => {
            w.line(c, "env:");
            let d = w.dash(c);
            w.line(d, "- name: SCRIPT");
            w.scalar(d + 2, "value", header, d + 2);
        }
        Place::PodSpecKey => w.line(c, "args: [--flag]"),
        Place::MountItem => {
            w.line(c, "volumeMounts:");
            let d = w.dash(c);
            w.line(d, "- name: data");
            w.scalar(d + 2, "mountPath", header, d + 2);
        }
        Place::VolumeItem => {
            w.line(c, "volumeMounts: [{name: data, mountPath: /data}]");
        }
        Place::FlowLists => {
            w.line(c, "volumeMounts: [{name: data, mountPath: /data}]");
            w.line(c, "env: []");
            w.scalar(c, "command", header, c);
        }
    }
    match place {
        Place::PodSpecKey => w.scalar(spec, "hostname", header, spec),
        Place::VolumeItem => {
            w.line(spec, "volumes:");
            let d = w.dash(spec);
            w.line(d, "- name: data");
            w.line(d + 2, "configMap:");
            w.scalar(d + 2 + i, "name", header, d + 2 + i);
        }
        Place::FlowLists => w.line(spec, "volumes: [{name: data, emptyDir: {}}]"),
        _ => {}
    }
    match trailer {
        Trailer::Nothing => {}
        Trailer::Sibling => w.line(0, "status: {}"),
        Trailer::Document => w.out.push_str("---\napiVersion: v1\nkind: ConfigMap\n"),
        Trailer::Comment => w.line(0, "# the end"),
    }
    w.out
}

/// The input as the protocol wants it, with its line breaks and final break.
/// How the input ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    /// With a line break.
    Break,
    /// Without one.
    NoBreak,
    /// With a last line of spaces and no line break.
    Spaces,
}

fn input(stream: &str, resource_list: bool, crlf: bool, end: End) -> String {
    let mut text = if resource_list {
        let mut list =
            String::from("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n");
        for doc in stream.split("---\n") {
            for (i, line) in doc.lines().enumerate() {
                let lead = match (i, line.is_empty()) {
                    (0, _) => "- ",
                    (_, true) => "",
                    _ => "  ",
                };
                list.push_str(lead);
                list.push_str(line);
                list.push('\n');
            }
        }
        list
    } else {
        stream.to_owned()
    };
    if end != End::Break {
        let kept = text.trim_end_matches('\n').len();
        text.truncate(kept);
    }
    if end == End::Spaces {
        text.push_str("\n  ");
    }
    if crlf {
        text = text.replace('\n', "\r\n");
    }
    text
}

/// Every block scalar under `node`: its value and style, in document order.
fn block_scalars(node: &Node<'_>, out: &mut Vec<(String, ScalarStyle)>) {
    if let Some(style @ (ScalarStyle::Literal | ScalarStyle::Folded)) = node.style() {
        out.push((node.as_str().unwrap_or_default().to_owned(), style));
    }
    for (k, v) in node.entries().unwrap_or_default() {
        block_scalars(k, out);
        block_scalars(v, out);
    }
    for item in node.items().unwrap_or_default() {
        block_scalars(item, out);
    }
}

/// The objects of a parsed input: the items of a ResourceList, or the documents.
fn objects<'n, 'a>(doc: &'n Document<'a>, resource_list: bool) -> Vec<&'n Node<'a>> {
    if resource_list {
        doc.roots()[0]
            .get("items")
            .and_then(Node::items)
            .unwrap_or_default()
            .iter()
            .collect()
    } else {
        doc.roots().iter().collect()
    }
}

/// What is wrong with the run on `input`, if anything.
fn check(input: &str, resource_list: bool) -> Result<(), String> {
    let out = harden_sa_token::run(input.as_bytes(), Call::Plain).map_err(|e| e.to_string())?;
    let out_text = out.text.to_string();
    if let Some(error) = out.results.iter().find(|r| r.severity == Severity::Error) {
        return Err(format!("error result: {error}"));
    }
    if out_text.ends_with('\n') != input.ends_with('\n') {
        return Err(format!(
            "the final line break was {}",
            if input.ends_with('\n') {
                "lost"
            } else {
                "added"
            }
        ));
    }
    if input.contains("\r\n") && out_text.replace("\r\n", "").contains('\n') {
        return Err("a bare LF in CRLF output".into());
    }
    let before = Document::parse(input).map_err(|e| format!("input: {e}"))?;
    let after = Document::parse(&out_text).map_err(|e| format!("output: {e}"))?;
    let (mut want, mut got) = (Vec::new(), Vec::new());
    for (a, b) in objects(&before, resource_list)
        .into_iter()
        .zip(objects(&after, resource_list))
    {
        block_scalars(a, &mut want);
        block_scalars(b, &mut got);
        let (mut all_want, mut all_got) = (Vec::new(), Vec::new());
        common::scalars(input, a, None, &mut all_want);
        common::scalars(&out_text, b, None, &mut all_got);
        if let Some(lost) = common::lost_scalar(&all_want, &all_got) {
            return Err(format!("scalar lost: {lost:?}"));
        }
    }
    if want != got {
        return Err(format!(
            "block scalars differ:\n  in:  {want:?}\n  out: {got:?}"
        ));
    }
    let settings = Settings::default();
    let mut templates = 0;
    for object in objects(&after, resource_list) {
        for found in workloads::pod_templates(object, &[]) {
            templates += 1;
            let (pod, _) = template::read(&after, found.spec).map_err(|e| format!("{e:?}"))?;
            if pod.automount != Automount::Off {
                return Err("automount is not off".into());
            }
            match decide::decide(&pod, &settings.wanted(), None, None) {
                Ok(plan) if plan.is_empty() => {}
                other => return Err(format!("not hardened: {other:?}")),
            }
        }
    }
    if templates != 1 {
        return Err(format!("{templates} Pod templates in the output"));
    }
    let again =
        harden_sa_token::run(out_text.as_bytes(), Call::Plain).map_err(|e| e.to_string())?;
    let again_text = again.text.to_string();
    if let Some(r) = again
        .results
        .iter()
        .find(|r| r.severity != Severity::Warning)
    {
        return Err(format!("second run: {r}"));
    }
    if !resource_list && again_text != out_text {
        return Err("a second run changed the text".into());
    }
    Ok(())
}

#[test]
fn block_scalars_of_every_form_before_every_insertion_point() {
    let mut runs = 0;
    let mut failures = Vec::new();
    let forms = HEADERS
        .iter()
        .map(|h| (h, false))
        .chain(EMPTY_HEADERS.iter().map(|h| (h, true)));
    for (h, (header, empty)) in forms.enumerate() {
        for (p, place) in PLACES.iter().enumerate() {
            for (t, trailer) in TRAILERS.iter().enumerate() {
                for crlf in [false, true] {
                    for (e, end) in [End::Break, End::NoBreak, End::Spaces]
                        .into_iter()
                        .enumerate()
                    {
                        // Layout and protocol rotate, so that each meets every form.
                        let n = h + p + t + usize::from(crlf) + 2 * e;
                        let layout = LAYOUTS[n % LAYOUTS.len()];
                        for resource_list in [false, true] {
                            let stream = object(header, empty, *place, *trailer, layout);
                            let text = input(&stream, resource_list, crlf, end);
                            runs += 1;
                            if let Err(e) = check(&text, resource_list) {
                                failures.push(format!(
                                    "{header} empty={empty} {place:?} {trailer:?} crlf={crlf} {end:?} {layout:?} resource_list={resource_list}: {e}\n{text}"
                                ));
                            }
                        }
                    }
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {runs} failed; the first ones:\n{}",
        failures.len(),
        failures
            .iter()
            .take(5)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n\n")
    );
}
