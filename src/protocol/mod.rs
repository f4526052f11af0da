//! Which protocol a call speaks, decided from its arguments and its input, with no flag
//! (the rule is in `docs/protocols.md` and `--help`):
//!
//! 1. A positional `CONFIG_FILE` argument: kustomize's legacy exec plugin. The config is
//!    that file; stdin is a plain stream (empty for a kustomization without resources).
//! 2. Otherwise, stdin holding a document of kind `ResourceList` with an apiVersion of
//!    group `config.kubernetes.io`: the KRM protocol (kpt, kustomize KRM functions). It
//!    must then be exactly one `v1` or `v1beta1` ResourceList, which carries its own
//!    `functionConfig`, so `--config` with it is a usage error rather than a guess at
//!    which config wins.
//! 3. Otherwise: a plain YAML stream, with the config of `--config FILE` or the
//!    defaults. Empty stdin is an error here: an upstream step that failed without a
//!    word would otherwise turn into an empty, "successful" render (Helm 4 rejects empty
//!    post-renderer output, Argo CD would prune every resource).
//!
//! Input is parsed once ([`input`]); this module hands the document to
//! [`resource_list`] or [`stream`], which write through the checked output ([`output`]),
//! and returns the run: its text, results and settings, and what stderr should say.

use crate::config::{self, ConfigFileError, Rbac, Settings};
use crate::evidence;
use crate::input::{self, InputError};
use crate::messages;
use crate::rbac::{Inventory, Object, Origin};
use crate::results::{FnResult, Row, Severity, Tally};
use crate::yaml::{Document, Node, Rejected};

pub mod file_tree;
pub mod output;
mod pieces;
mod piecewise;
pub mod resource_list;
pub mod snapshot;
pub mod stream;
mod text;

pub use resource_list::Sender;
pub use text::Text;

/// A config file named on the command line, already read.
#[derive(Debug, Clone, Copy)]
pub struct ConfigFile<'a> {
    /// How the file was named, for messages.
    pub origin: &'a str,
    /// Its bytes.
    pub bytes: &'a [u8],
}

/// An `--evidence` file named on the command line, already read: RBAC objects that are
/// evidence only, never written back nor hardened.
#[derive(Debug, Clone, Copy)]
pub struct EvidenceFile<'a> {
    /// How the file was named, for messages.
    pub origin: &'a str,
    /// Its bytes.
    pub bytes: &'a [u8],
}

/// The RBAC objects of `--evidence` files, all as evidence whatever their annotations
/// (`v1 List`s and `<Kind>List`s included). A file that is not UTF-8 or not YAML is an
/// error naming it: the decision would otherwise rest on less than was asked for.
pub fn read_evidence(files: &[EvidenceFile<'_>]) -> Result<Vec<(Origin, Object)>, Error> {
    let mut objects = Vec::new();
    for file in files {
        let problem = |error: InputError| Error::EvidenceFile {
            origin: file.origin.to_owned(),
            problem: error,
        };
        let text = input::utf8(file.bytes).map_err(problem)?;
        let doc = input::parse(text).map_err(problem)?;
        objects.extend(evidence::evidence(&doc, doc.roots()));
    }
    Ok(objects)
}

/// How the function was called.
#[derive(Debug, Clone, Copy)]
pub enum Call<'a> {
    /// No config on the command line: the input decides.
    Plain,
    /// `--config FILE`: a plain stream with that config.
    WithConfig(ConfigFile<'a>),
    /// `PLUGIN CONFIG_FILE`: kustomize's legacy exec plugin.
    KustomizePlugin(ConfigFile<'a>),
}

/// The protocol a run spoke.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// A KRM ResourceList in and out.
    ResourceList,
    /// A plain YAML stream in and out.
    Stream,
    /// A plain YAML stream, as kustomize's legacy exec plugin.
    KustomizePlugin,
}

impl Protocol {
    /// The protocol's name, as reports give it.
    pub fn name(self) -> &'static str {
        match self {
            Protocol::ResourceList => "KRM ResourceList",
            Protocol::Stream => "plain YAML stream",
            Protocol::KustomizePlugin => "kustomize legacy exec plugin",
        }
    }
}

/// Where the settings of a run came from, as reports tell it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigSource {
    /// No config: the defaults.
    Defaults,
    /// A config file named on the command line, as it was named.
    File(String),
    /// A ResourceList's `functionConfig`, of this kind.
    FunctionConfig {
        /// Its `kind` (`HardenServiceAccountToken`, `ConfigMap`).
        kind: String,
    },
}

impl std::fmt::Display for ConfigSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&match self {
            ConfigSource::Defaults => messages::config_defaults(),
            ConfigSource::File(origin) => messages::config_file(origin),
            ConfigSource::FunctionConfig { kind } => messages::config_function_config(kind),
        })
    }
}

/// Why a call produced no output.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The input is not UTF-8 or not YAML.
    #[error(transparent)]
    Input(#[from] InputError),
    /// A ResourceList that could not be run.
    #[error(transparent)]
    ResourceList(#[from] resource_list::Error),
    /// A stream without a single object: an error page, a log, a lost render.
    #[error("{}", messages::no_objects(.0))]
    NoObjects(String),
    /// Nothing on stdin in plain stream mode.
    #[error("{}", messages::empty_stdin())]
    EmptyStream,
    /// A config file that cannot be used. Its problem is part of the message, not a
    /// separate source, so that it is printed once.
    #[error("config file {origin}: {problem}")]
    ConfigFile {
        /// How the file was named.
        origin: String,
        /// What is wrong with it.
        problem: ConfigFileError,
    },
    /// Kubernetes objects given where a config file was expected.
    #[error("{}", messages::manifests_as_config(origin, objects))]
    ManifestsAsConfig {
        /// How the file was named.
        origin: String,
        /// The objects, as `Kind name`.
        objects: Vec<String>,
    },
    /// A config file given together with a ResourceList, which has its own.
    #[error(
        "stdin is a ResourceList, which carries its own functionConfig; drop the config file {origin} or send a plain YAML stream"
    )]
    ConfigWithResourceList {
        /// How the file was named.
        origin: String,
    },
    /// The edited text did not check out; nothing was written (a bug: please report it).
    #[error(transparent)]
    Refused(#[from] Rejected),
    /// An `--evidence` file that cannot be read as YAML.
    #[error("evidence file {origin}: {problem}")]
    EvidenceFile {
        /// How the file was named.
        origin: String,
        /// What is wrong with it.
        problem: InputError,
    },
}

impl Error {
    /// Whether the command line, rather than the input, is at fault.
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            Error::ConfigWithResourceList { .. } | Error::ManifestsAsConfig { .. }
        )
    }
}

/// A finished call on the input `'i`.
#[derive(Debug)]
pub struct Run<'i> {
    /// The protocol it spoke.
    pub protocol: Protocol,
    /// What goes to stdout.
    pub text: Text<'i>,
    /// The results.
    pub results: Vec<FnResult>,
    /// What became of the Pod templates.
    pub tally: Tally,
    /// Documents in the input.
    pub documents: usize,
    /// Who sent a ResourceList (`Unknown` for a stream).
    pub sender: Sender,
    /// The Pod templates, for the auditors' inventory.
    pub rows: Vec<Row>,
    /// The settings the run used, resolved once: reports describe the run with them.
    pub settings: Settings,
    /// Where they came from.
    pub config: ConfigSource,
    /// How the input was read: piece by piece, or whole where it could not be cut.
    pub reading: Reading,
}

/// What the caller tells about who reads stderr and how much they want there
/// ([`Run::stderr_lines`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct StderrOptions {
    /// `--verbose`: also say what was changed (or would be), resource by resource.
    pub verbose: bool,
    /// `KUSTOMIZE_ENABLE_ALPHA_COMMANDS=true` is in the environment, as kpt sets it for
    /// the exec functions it runs.
    pub kpt_environment: bool,
}

impl Run<'_> {
    /// The first result that says the output check refused the function's own edit of
    /// a resource: on input the function accepts, always a bug of the editor.
    pub fn internal_error(&self) -> Option<&FnResult> {
        self.results.iter().find(|r| r.is_internal_error())
    }

    /// The lines for stderr. Every finding is shown once to whoever called: kpt prints a
    /// ResourceList's `results` itself, and every line the function writes to stderr as
    /// well, so under kpt findings go only into `results`; kustomize (its KRM functions
    /// and its legacy plugins) shows only stderr, and a plain stream has no room for
    /// results, so there they are printed the way kpt prints results. A stream also
    /// gets a one-line summary.
    pub fn stderr_lines(&self, options: StderrOptions) -> Vec<String> {
        let kpt = self.protocol == Protocol::ResourceList
            && match self.sender {
                Sender::Kpt => true,
                Sender::Kustomize => false,
                Sender::Unknown => options.kpt_environment,
            };
        let mut lines: Vec<String> = if kpt {
            Vec::new()
        } else {
            self.results
                .iter()
                .filter(|r| options.verbose || r.severity != Severity::Info)
                .map(FnResult::to_string)
                .collect()
        };
        if self.protocol != Protocol::ResourceList {
            lines.push(stream::summary(self.documents, &self.tally, &self.results));
        }
        lines
    }

    /// 1 when a result is an error, else 0.
    pub fn exit_code(&self) -> u8 {
        crate::results::exit_code(&self.results, 0)
    }
}

/// Runs the function on `input` as `call` says.
pub fn run<'i>(input: &'i [u8], call: Call<'_>) -> Result<Run<'i>, Error> {
    run_with(input, call, false)
}

/// [`run`], and with `fixes` each result of a stream carries the exact change it is
/// about, for a report.
pub fn run_with<'i>(input: &'i [u8], call: Call<'_>, fixes: bool) -> Result<Run<'i>, Error> {
    run_with_evidence(input, call, fixes, &[])
}

/// [`run_with`], with the RBAC objects of `--evidence` files ([`read_evidence`]) added
/// to what the input holds.
pub fn run_with_evidence<'i>(
    input: &'i [u8],
    call: Call<'_>,
    fixes: bool,
    evidence: &[EvidenceFile<'_>],
) -> Result<Run<'i>, Error> {
    run_reading(input, call, fixes, evidence, Reading::Pieces)
}

/// How a run reads its input. The run is the same either way; reading it whole is the
/// reference that tests and the bench compare the other with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    /// A piece at a time, each parsed, hardened, checked and dropped before the next
    /// (a stream's documents, a ResourceList's items), where the text can be cut so;
    /// otherwise whole. What a run holds is then the input, the output and one piece's
    /// tree. Runs that give each result its fix (reports) read the input whole.
    Pieces,
    /// One tree of the whole input.
    Whole,
}

/// [`run_with_evidence`], reading the input as `reading` says.
pub fn run_reading<'i>(
    input: &'i [u8],
    call: Call<'_>,
    fixes: bool,
    evidence: &[EvidenceFile<'_>],
    reading: Reading,
) -> Result<Run<'i>, Error> {
    let (config, protocol) = match call {
        Call::Plain => (None, Protocol::Stream),
        Call::WithConfig(file) => (Some(file), Protocol::Stream),
        Call::KustomizePlugin(file) => (Some(file), Protocol::KustomizePlugin),
    };
    let source = match config {
        Some(file) => ConfigSource::File(file.origin.to_owned()),
        None => ConfigSource::Defaults,
    };
    // A bad config is reported whatever the input, so that an empty build does not
    // hide it until the first resource arrives.
    // kustomize hands a legacy exec plugin a temporary copy of the user's config: its
    // lines are not the user's.
    let origin = match protocol {
        Protocol::KustomizePlugin => config::Origin::Generated,
        _ => config::Origin::File,
    };
    let settings = settings(config, origin)?;
    let extra = read_evidence(evidence)?;
    let text = input::utf8(input)?;
    if reading == Reading::Pieces
        && !fixes
        && !text.trim().is_empty()
        && let Some(run) = piece_by_piece(
            text,
            config.is_some(),
            protocol,
            (&settings, &source),
            &extra,
        )
    {
        return Ok(run);
    }
    let doc = input::parse(text)?;
    let documents = doc.roots().len();
    if doc.roots().iter().any(resource_list::claims) {
        if let Some(file) = config {
            return Err(Error::ConfigWithResourceList {
                origin: file.origin.to_owned(),
            });
        }
        let output = resource_list::run(&doc, &extra)??;
        return Ok(Run::of_resource_list(output, documents, Reading::Whole));
    }
    if protocol == Protocol::Stream && text.trim().is_empty() {
        return Err(Error::EmptyStream);
    }
    // Documents that are not objects pass with a warning among objects, but a stream of
    // nothing else is what a failed render upstream sends (an HTML error page, a log).
    let roots = doc.roots();
    if !roots.iter().any(|r| r.entries().is_some())
        && let Some((index, first)) = roots.iter().enumerate().find(|(_, r)| !r.is_null())
    {
        return Err(Error::NoObjects(messages::not_an_object_is(
            index + 1,
            first.line(),
            text.get(first.span()).unwrap_or_default(),
            first.items().is_some(),
        )));
    }
    let output = stream::run(&doc, &settings, fixes, &extra)?;
    Ok(Run::of_stream(
        protocol,
        output,
        settings,
        source,
        Reading::Whole,
    ))
}

/// The run piece by piece ([`piecewise`]), when it can be made so. A ResourceList
/// (which takes no config file) carries its own settings into the run; a stream runs
/// with `settings`, from `source`.
fn piece_by_piece<'i>(
    text: &'i str,
    config_file: bool,
    protocol: Protocol,
    (settings, source): (&Settings, &ConfigSource),
    extra: &[(Origin, Object)],
) -> Option<Run<'i>> {
    if !config_file
        && let Some(items) = pieces::items(text)
        && let Some(output) = piecewise::resource_list(text, &items, extra)
    {
        return Some(Run::of_resource_list(output, 1, Reading::Pieces));
    }
    let output = piecewise::stream(text, settings, extra)?;
    Some(Run::of_stream(
        protocol,
        output,
        settings.clone(),
        source.clone(),
        Reading::Pieces,
    ))
}

impl<'i> Run<'i> {
    fn of_resource_list(
        output: resource_list::Output<'i>,
        documents: usize,
        reading: Reading,
    ) -> Run<'i> {
        Run {
            protocol: Protocol::ResourceList,
            text: output.text,
            results: output.results,
            tally: output.tally,
            documents,
            sender: output.sender,
            rows: output.rows,
            settings: output.settings,
            config: output.config,
            reading,
        }
    }

    fn of_stream(
        protocol: Protocol,
        output: stream::Output<'i>,
        settings: Settings,
        config: ConfigSource,
        reading: Reading,
    ) -> Run<'i> {
        Run {
            protocol,
            text: output.text,
            results: output.results,
            tally: output.tally,
            documents: output.documents,
            sender: Sender::Unknown,
            rows: output.rows,
            settings,
            config,
            reading,
        }
    }
}

/// The settings of a config file named on the command line, or the defaults.
pub fn settings(config: Option<ConfigFile<'_>>, origin: config::Origin) -> Result<Settings, Error> {
    let Some(file) = config else {
        return Ok(Settings::default());
    };
    config::from_file(file.bytes, origin).map_err(|problem| match problem {
        ConfigFileError::Manifests(objects) => Error::ManifestsAsConfig {
            origin: file.origin.to_owned(),
            objects,
        },
        problem => Error::ConfigFile {
            origin: file.origin.to_owned(),
            problem,
        },
    })
}

/// The inventory of a run over `objects`, nodes of `doc` (ResourceList items or stream
/// documents): the RBAC objects they are or hold, read once before any is hardened,
/// since a binding may come after the workload it applies to, then those of
/// `--evidence` files (`extra`), as [`inventory_of`] keeps them.
fn inventory<'n, 'a: 'n>(
    settings: &Settings,
    doc: &'n Document<'a>,
    objects: &'n [Node<'a>],
    extra: &[(Origin, Object)],
) -> Inventory {
    let objects = objects
        .iter()
        .flat_map(|object| evidence::objects(doc, object));
    inventory_of(settings.rbac, objects.chain(extra.iter().cloned()))
}

/// The inventory of the RBAC objects of a whole input, those `rbac` reads
/// ([`Rbac::reads`]).
fn inventory_of(rbac: Rbac, objects: impl IntoIterator<Item = (Origin, Object)>) -> Inventory {
    objects
        .into_iter()
        .filter(|(_, object)| rbac.reads(object))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: a\n    image: x\n";
    const RESOURCE_LIST: &str =
        "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\n";
    const CONFIG: ConfigFile<'static> = ConfigFile {
        origin: "c.yaml",
        bytes: b"apiVersion: v1\nkind: ConfigMap\ndata:\n  expirationSeconds: \"7200\"\n",
    };

    #[test]
    fn the_input_and_arguments_decide_the_protocol() {
        let protocol = |input: &str, call| run(input.as_bytes(), call).map(|r| r.protocol);
        assert_eq!(
            protocol(RESOURCE_LIST, Call::Plain).unwrap(),
            Protocol::ResourceList
        );
        assert_eq!(
            protocol(
                r#"{"apiVersion": "config.kubernetes.io/v1beta1", "kind": "ResourceList", "items": []}"#,
                Call::Plain
            )
            .unwrap(),
            Protocol::ResourceList
        );
        assert_eq!(protocol(POD, Call::Plain).unwrap(), Protocol::Stream);
        assert_eq!(
            protocol(POD, Call::WithConfig(CONFIG)).unwrap(),
            Protocol::Stream
        );
        assert_eq!(
            protocol(POD, Call::KustomizePlugin(CONFIG)).unwrap(),
            Protocol::KustomizePlugin
        );
    }

    #[test]
    fn a_config_file_applies_to_streams() {
        let run = run(POD.as_bytes(), Call::WithConfig(CONFIG)).unwrap();
        assert!(run.text.to_string().contains("expirationSeconds: 7200"));
        assert_eq!(
            run.stderr_lines(StderrOptions::default()),
            [
                // `rbac: advise`: nothing in the input grants the Pod's ServiceAccount
                // anything.
                run.results[0].to_string(),
                "harden-sa-token: 1 document: 1 Pod template hardened; 1 warning, 0 errors"
                    .to_owned()
            ]
        );
        let verbose = run.stderr_lines(StderrOptions {
            verbose: true,
            ..StderrOptions::default()
        });
        assert_eq!(verbose.len(), 3, "{verbose:?}");
        assert!(
            verbose[1].starts_with("[info] v1/Pod/p spec: automountServiceAccountToken: false; token volume \"kube-api-access\" mounted read-only in containers a"),
            "{verbose:?}"
        );
    }

    #[test]
    fn edge_cases_are_decided_not_guessed() {
        // A config file and a ResourceList: two configs, refused as a usage error.
        let err = run(RESOURCE_LIST.as_bytes(), Call::WithConfig(CONFIG)).unwrap_err();
        assert!(err.is_usage(), "{err}");
        let err = run(RESOURCE_LIST.as_bytes(), Call::KustomizePlugin(CONFIG)).unwrap_err();
        assert!(err.is_usage(), "{err}");
        // A ResourceList among other documents, or of an unknown version, is refused.
        let err = run(format!("{POD}---\n{RESOURCE_LIST}").as_bytes(), Call::Plain).unwrap_err();
        assert!(err.to_string().contains("found 2 documents"), "{err}");
        let err = run(RESOURCE_LIST.replace("/v1", "/v2").as_bytes(), Call::Plain).unwrap_err();
        assert!(
            err.to_string().contains("expected kind ResourceList"),
            "{err}"
        );
        // Empty stdin: an error for a pipe, an empty build for kustomize.
        for empty in ["", "\n  \n"] {
            let err = run(empty.as_bytes(), Call::Plain).unwrap_err();
            assert!(matches!(err, Error::EmptyStream), "{err}");
            let err = run(empty.as_bytes(), Call::WithConfig(CONFIG)).unwrap_err();
            assert!(matches!(err, Error::EmptyStream), "{err}");
            let ok = run(empty.as_bytes(), Call::KustomizePlugin(CONFIG)).unwrap();
            assert_eq!(ok.text.to_string(), empty);
        }
        // Comments alone are not empty: they come back as they were.
        let ok = run(b"# nothing rendered\n", Call::Plain).unwrap();
        assert_eq!(ok.text.to_string(), "# nothing rendered\n");
        // Results go after a last value that is an anchor and nothing else (found by
        // fuzzing: they went between the key and its anchor, and the output was refused).
        let input = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: p}\n  spec: {containers: [{name: a}]}\nfunctionConfig:\n  &a\n";
        let ok = run(input.as_bytes(), Call::Plain).unwrap();
        assert!(
            ok.text
                .to_string()
                .contains("functionConfig:\n  &a\nresults:\n"),
            "{}",
            ok.text
        );
        // A bad config file is reported even when there is nothing to harden.
        let bad = ConfigFile {
            origin: "bad.yaml",
            bytes: b"kind: Secret\n",
        };
        let err = run(b"", Call::KustomizePlugin(bad)).unwrap_err();
        assert!(
            err.to_string().starts_with("config file bad.yaml: "),
            "{err}"
        );
    }

    #[test]
    fn a_kustomize_plugin_config_error_names_the_field_not_a_line_of_kustomizes_copy() {
        let bad = ConfigFile {
            origin: "/tmp/kust-plugin-config-1",
            bytes: b"apiVersion: fn.harden-sa-token.dev/v1alpha1\nkind: HardenServiceAccountToken\nmetadata: {name: h}\nspec:\n  expirySeconds: 1\n",
        };
        let message = run(b"", Call::KustomizePlugin(bad))
            .unwrap_err()
            .to_string();
        assert!(
            message.contains("field `spec.expirySeconds`: unknown field"),
            "{message}"
        );
        assert!(!message.contains("line "), "{message}");
        // The same file named with --config is the user's: its line and column are shown.
        let message = run(b"", Call::WithConfig(bad)).unwrap_err().to_string();
        assert!(
            message.contains("`spec.expirySeconds` (line 5, column 3)"),
            "{message}"
        );
    }
}
