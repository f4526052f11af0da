//! The `harden-sa-token` command: as a function, reads stdin, writes the hardened result
//! on stdout and says on stderr what happened (which protocol it speaks is decided by
//! the library, [`harden_sa_token::run`]); as `fix` and `check`, works on files.
//! Exit codes are decided here and only here.

// Tests may panic on what they set up themselves (Cargo.toml denies these elsewhere).
#![cfg_attr(
    test,
    allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use harden_sa_token::config::Mode;
use harden_sa_token::protocol::{self, file_tree::TreeRun};
use harden_sa_token::{Call, ConfigFile, EvidenceFile, Severity, messages, report};

const AFTER_HELP: &str = concat!(
    "\
Repositories of plain manifests (see `harden-sa-token fix --help`):
  harden-sa-token check k8s/          report what is not hardened; exit 1 if anything is
  harden-sa-token fix --diff k8s/     show the change as a diff, write nothing
  harden-sa-token fix k8s/            edit the files in place

Protocol (decided from the arguments and stdin; no flag needed):
  harden-sa-token CONFIG_FILE   kustomize legacy exec plugin: config from CONFIG_FILE,
                                a YAML stream on stdin (empty stdin gives empty output)
  stdin is a ResourceList       KRM function (kpt, kustomize): config from its
                                functionConfig, results in the output ResourceList
  anything else                 plain YAML stream (Helm, Argo CD, pipes): config from
                                --config FILE or defaults, results summarised on stderr;
                                empty stdin is an error
  --config or CONFIG_FILE together with a ResourceList on stdin is a usage error.

Examples:
  # kpt: defaults, key=value settings (sent as a ConfigMap), a config file, the image
  kpt fn eval ./pkg --exec harden-sa-token
  kpt fn eval ./pkg --exec harden-sa-token -- expirationSeconds=7200 excludeContainers=linkerd-proxy
  kpt fn eval ./pkg --exec harden-sa-token --fn-config harden.yaml
  kpt fn eval ./pkg --image localhost/harden-sa-token:",
    env!("CARGO_PKG_VERSION"),
    "

  # kpt fn render: a Kptfile pipeline step (mode: audit makes it a validator)
  #   pipeline:
  #     mutators:
  #     - exec: harden-sa-token
  #       configMap: {expirationSeconds: \"7200\"}
  kpt fn render ./pkg --allow-exec

  # kustomize: an exec or container KRM transformer (config.kubernetes.io/function)
  kustomize build --enable-alpha-plugins --enable-exec ./app

  # kubectl kustomize: a legacy exec plugin, named after the config's apiVersion/kind
  install -D \"$(command -v harden-sa-token)\" \\
    \"${KUSTOMIZE_PLUGIN_HOME:-$HOME/.config/kustomize/plugin}/fn.harden-sa-token.dev/v1alpha1/hardenserviceaccounttoken/HardenServiceAccountToken\"
  kubectl kustomize --enable-alpha-plugins ./app

  # Helm 3 post-renderer; Helm 4 takes the plugin in examples/integrations/helm-plugin
  helm install web ./chart --post-renderer harden-sa-token
  helm install web ./chart --post-renderer harden-sa-token --post-renderer-args=--config=harden.yaml

  # Argo CD config-management plugin (examples/integrations/argocd-cmp/plugin.yaml)
  kustomize build . | harden-sa-token --config harden-sa-token.yaml

  # A plain pipe
  kubectl kustomize ./app | harden-sa-token > hardened.yaml
  harden-sa-token --config harden.yaml < rendered.yaml > hardened.yaml

  # A CI gate: audit mode changes nothing and exits 1 while something is not hardened
  kpt fn eval ./pkg --exec harden-sa-token -- mode=audit
  kubectl kustomize ./app | harden-sa-token --config audit.yaml > /dev/null

  # rbac: apply with the cluster's RBAC as evidence (never written back, never hardened)
  kubectl get clusterroles,clusterrolebindings,roles,rolebindings,serviceaccounts -A -o yaml \
    | harden-sa-token evidence > rbac-evidence.yaml
  helm template web ./chart | harden-sa-token --config apply.yaml --evidence rbac-evidence.yaml
  cp rbac-evidence.yaml ./pkg/ && kpt fn eval ./pkg --exec harden-sa-token -- rbac=apply

  # The functionConfig's JSON Schema
  harden-sa-token --schema

Token lifetime: expirationSeconds defaults to 3607, the kubelet's own value, which the
API server extends to a year for legacy clients (--service-account-extend-token-expiration,
on by default) when the audience is its own: the drop-in equivalent of automount. Any
other value, or an audience, gives tokens that really expire, which clients must reload
(client-go does).

Exit status: 0 when every resource was handled; 1 when a result has severity error or
the input or config could not be read (then stdout is empty); 2 for usage errors."
);

const FIX_HELP: &str = "\
Each file is edited exactly as a plain stream would be: only the hardening's own lines
change, every other byte stays as written. A file is written only if it changes, through
a temporary file in the same directory renamed over it, keeping its permissions. A file
that is not YAML, or whose check fails, is reported and left as it was; the other files
are still done. All the files are one input: the RBAC objects of one file are evidence
for the Pod templates of another. Directories are walked for *.yaml, *.yml and *.json;
hidden entries are skipped, and symlinks are not followed out of the tree.

Examples:
  harden-sa-token fix k8s/                        # edit in place, then review `git diff`
  harden-sa-token fix --diff k8s/ | git apply     # the same, as a patch
  harden-sa-token fix --config harden.yaml k8s/ base/deployment.yaml
  harden-sa-token fix --report hardening.sarif k8s/
  harden-sa-token fix --config apply.yaml --evidence rbac-evidence.yaml k8s/

Exit status: 0 when every file was handled; 1 when a file could not be read or written,
or a result has severity error; 2 for usage errors.";

const EVIDENCE_HELP: &str = "\
Reads a snapshot of a cluster's RBAC on stdin (`kubectl get ... -o yaml`: a v1 List, or a
YAML stream) and writes, on stdout, each ServiceAccount, Role, ClusterRole, RoleBinding and
ClusterRoleBinding as an object of its own, annotated config.kubernetes.io/local-config:
\"true\", with only what the decision reads (no status, managedFields, uids or secrets).
Under rbac: apply, the function reads such objects as evidence, in a kpt package or a
ResourceList, or with --evidence FILE, and passes them through unchanged, never deployed.
rbac: apply assumes the whole install is in the input or the evidence.

Examples:
  kubectl get clusterroles,clusterrolebindings,roles,rolebindings,serviceaccounts -A -o yaml \\
    | harden-sa-token evidence > rbac-evidence.yaml
  harden-sa-token check --config apply.yaml --evidence rbac-evidence.yaml k8s/
  cp rbac-evidence.yaml ./pkg/ && kpt fn eval ./pkg --exec harden-sa-token -- rbac=apply

Exit status: 0 when evidence was written; 1 when stdin holds no RBAC object or cannot be
read.";

const CHECK_HELP: &str = "\
Audit mode over files: writes nothing, prints one line per finding as
`path:line:column: severity: message`, and exits 1 while a Pod template is not hardened
the way the config asks. Under GitHub Actions (GITHUB_ACTIONS=true) each warning and
error is also printed as a workflow command, so it shows on the pull request.

Examples:
  harden-sa-token check k8s/
  harden-sa-token check --config harden.yaml --report findings.sarif k8s/
  harden-sa-token check --report inventory.md .

Exit status: 0 when nothing is left to harden; 1 when something is, or a file could not
be read; 2 for usage errors.";

/// Replace the implicit service-account token mount of every Pod template with an
/// explicit projected volume, mounted read-only only where it was mounted before.
#[derive(Parser, Debug)]
#[command(
    version,
    about,
    long_about = None,
    after_help = AFTER_HELP,
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,

    /// Run as a kustomize legacy exec plugin: the config file kustomize passes.
    #[arg(value_name = "CONFIG_FILE", conflicts_with_all = ["config", "schema"])]
    plugin_config: Option<PathBuf>,

    /// kustomize passes arguments after the config file only for `argsOneLiner` or
    /// `argsFromFile`, which the config does not accept: refused with that said.
    #[arg(hide = true, requires = "plugin_config")]
    plugin_args: Vec<String>,

    /// functionConfig for a plain YAML stream: a HardenServiceAccountToken or a
    /// ConfigMap, as in function-config/examples/.
    #[arg(long, short = 'c', value_name = "FILE")]
    config: Option<PathBuf>,

    /// Print the JSON Schema of the HardenServiceAccountToken functionConfig and exit.
    #[arg(long, conflicts_with = "config")]
    schema: bool,

    /// Also list, on stderr, each resource changed (or that audit mode finds would
    /// change) and what changed.
    #[arg(long, short = 'v')]
    verbose: bool,

    #[command(flatten)]
    evidence: EvidenceArgs,

    #[command(flatten)]
    report: ReportArgs,
}

#[derive(Args, Debug)]
struct EvidenceArgs {
    /// RBAC objects to read as evidence only (repeatable): a YAML stream or `v1 List`,
    /// e.g. the output of `harden-sa-token evidence`; never written back, never hardened.
    #[arg(long = "evidence", value_name = "FILE")]
    files: Vec<PathBuf>,
}

impl EvidenceArgs {
    /// Each file, read.
    fn read(&self) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
        self.files
            .iter()
            .map(|path| {
                let bytes = std::fs::read(path)
                    .with_context(|| messages::cannot_read_evidence_file(path))?;
                Ok((path.display().to_string(), bytes))
            })
            .collect()
    }
}

fn evidence_files(read: &[(String, Vec<u8>)]) -> Vec<EvidenceFile<'_>> {
    read.iter()
        .map(|(origin, bytes)| EvidenceFile { origin, bytes })
        .collect()
}

#[derive(Args, Debug)]
struct ReportArgs {
    /// Also write a report: SARIF (`.sarif`), the KRM results as JSON (`.json`), or an
    /// inventory for auditors in Markdown (`.md`), by the file's extension.
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,

    /// The report's format, whatever the file's extension: sarif, json or md.
    #[arg(long, value_name = "FORMAT", requires = "report", value_parser = clap::builder::PossibleValuesParser::new(report::Format::NAMES))]
    report_format: Option<String>,
}

impl ReportArgs {
    /// The report file and its format, when one is asked for.
    fn wanted(&self) -> anyhow::Result<Option<(&Path, report::Format)>> {
        let Some(path) = self.report.as_deref() else {
            return Ok(None);
        };
        let format = report::Format::wanted(path, self.report_format.as_deref())?;
        Ok(Some((path, format)))
    }
}

/// Writes `report` to `path`.
fn write_report(
    path: &Path,
    format: report::Format,
    report: &report::Report<'_>,
) -> anyhow::Result<()> {
    std::fs::write(path, report::render(format, report))
        .with_context(|| messages::cannot_write_report(path))
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Harden manifest files in place (or show the change with --diff).
    #[command(after_help = FIX_HELP)]
    Fix {
        #[command(flatten)]
        files: FileArgs,

        /// Print a unified diff of the changes (paths as given, for `git apply`) and
        /// write nothing.
        #[arg(long)]
        diff: bool,
    },
    /// Report what is not hardened in manifest files; write nothing.
    #[command(after_help = CHECK_HELP)]
    Check {
        #[command(flatten)]
        files: FileArgs,
    },
    /// Turn a snapshot of a cluster's RBAC (stdin) into evidence for rbac: apply (stdout).
    #[command(after_help = EVIDENCE_HELP)]
    Evidence,
}

#[derive(Args, Debug)]
struct FileArgs {
    /// Files and directories of manifests.
    #[arg(value_name = "PATH", required = true)]
    paths: Vec<PathBuf>,

    /// functionConfig: a HardenServiceAccountToken or a ConfigMap, as in
    /// function-config/examples/ (its `mode` is set by the subcommand).
    #[arg(long, short = 'c', value_name = "FILE")]
    config: Option<PathBuf>,

    /// Also list each file and resource changed (or that would change).
    #[arg(long, short = 'v')]
    verbose: bool,

    #[command(flatten)]
    evidence: EvidenceArgs,

    #[command(flatten)]
    report: ReportArgs,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Some(Command::Fix { files, diff }) => tree(files, Mode::Enforce, *diff),
        Some(Command::Check { files }) => tree(files, Mode::Audit, false),
        Some(Command::Evidence) => snapshot(),
        None => run(&cli),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            eprintln!("harden-sa-token: {err:#}");
            // The command line at fault, rather than the input: exit 2, as clap does.
            let usage = err
                .downcast_ref::<harden_sa_token::Error>()
                .is_some_and(harden_sa_token::Error::is_usage)
                || err.is::<report::UnknownFormat>();
            ExitCode::from(if usage { 2 } else { 1 })
        }
    }
}

/// A config file named on the command line, read.
fn read_config(path: &Path) -> anyhow::Result<(String, Vec<u8>)> {
    let bytes = std::fs::read(path).with_context(|| messages::cannot_read_config_file(path))?;
    Ok((path.display().to_string(), bytes))
}

fn config_file((origin, bytes): &(String, Vec<u8>)) -> ConfigFile<'_> {
    ConfigFile { origin, bytes }
}

fn run(cli: &Cli) -> anyhow::Result<u8> {
    if let Some(first) = cli.plugin_args.first() {
        let mut command = <Cli as clap::CommandFactory>::command();
        command
            .error(
                clap::error::ErrorKind::UnknownArgument,
                messages::args_after_plugin_config(first),
            )
            .exit();
    }
    if cli.schema {
        write_stdout(&harden_sa_token::config::schema_json())?;
        return Ok(0);
    }
    // Run bare on a terminal, it would wait for a stream nobody is going to type.
    if cli.plugin_config.is_none() && cli.config.is_none() && std::io::stdin().is_terminal() {
        eprint!("{}", messages::BARE_TERMINAL_USAGE);
        return Ok(2);
    }
    let plugin_config = cli.plugin_config.as_deref().map(read_config).transpose()?;
    let config = cli.config.as_deref().map(read_config).transpose()?;
    let call = match (&plugin_config, &config) {
        (Some(f), _) => Call::KustomizePlugin(config_file(f)),
        (None, Some(f)) => Call::WithConfig(config_file(f)),
        (None, None) => Call::Plain,
    };

    let wanted_report = cli.report.wanted()?;
    let evidence = cli.evidence.read()?;
    let mut input = Vec::new();
    std::io::stdin()
        .read_to_end(&mut input)
        .context(messages::CANNOT_READ_STDIN)?;
    let run = harden_sa_token::run_with_evidence(
        &input,
        call,
        wanted_report.is_some(),
        &evidence_files(&evidence),
    )?;
    if let Some((path, format)) = wanted_report {
        // The run's own settings: those of a ResourceList's functionConfig, of the
        // config file, or the defaults, whichever the run used.
        let settings = &run.settings;
        let text = String::from_utf8_lossy(&input);
        let report = report::Report {
            command: None,
            protocol: run.protocol.name(),
            config: run.config.to_string(),
            mode: settings.mode,
            root: None,
            lifetime: messages::token_lifetime(&settings.wanted()),
            lifetime_short: messages::lifetime_short(&settings.wanted()),
            audience: settings.audience.clone(),
            artifacts: vec![report::Artifact {
                name: "stdin".into(),
                path: None,
                text: &text,
                results: &run.results,
                rows: &run.rows,
                error: None,
            }],
        };
        write_report(path, format, &report)?;
    }
    let stderr = harden_sa_token::StderrOptions {
        verbose: cli.verbose,
        kpt_environment: std::env::var("KUSTOMIZE_ENABLE_ALPHA_COMMANDS")
            .is_ok_and(|v| v == "true"),
    };
    for line in run.stderr_lines(stderr) {
        eprintln!("{line}");
    }
    write_stdout(&run.text)?;
    Ok(run.exit_code())
}

/// `fix` (`mode` enforce) and `check` (audit) over files.
fn tree(args: &FileArgs, mode: Mode, diff: bool) -> anyhow::Result<u8> {
    let config = args.config.as_deref().map(read_config).transpose()?;
    let mut settings = protocol::settings(
        config.as_ref().map(config_file),
        harden_sa_token::config::Origin::File,
    )?;
    settings.mode = mode;
    let source = match &config {
        Some((origin, _)) => protocol::ConfigSource::File(origin.clone()),
        None => protocol::ConfigSource::Defaults,
    };
    let wanted_report = args.report.wanted()?;
    let evidence = args.evidence.read()?;
    let evidence = protocol::read_evidence(&evidence_files(&evidence))?;
    let mut run = protocol::file_tree::run(
        &args.paths,
        settings,
        source,
        wanted_report.is_some(),
        &evidence,
    );
    // Files are written before anything is said about them, so that a file that could
    // not be written is reported (lines, summary, report) as failed, not as changed.
    let mut changed = None;
    if mode == Mode::Enforce {
        if diff {
            // Paths relative to where the command ran, so that `git apply` takes the
            // patch there.
            let here = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
            let changed = run.files.iter().filter(|f| f.output.is_some());
            let patch = report::patch(
                changed.map(|f| report::Changed {
                    path: &f.path,
                    text: &f.text,
                    replacements: &f.replacements,
                }),
                &here,
            )?;
            write_stdout(&patch)?;
        } else {
            run.write();
        }
        changed = Some(run.changed());
    }
    if let Some((path, format)) = wanted_report {
        let here = std::env::current_dir().ok();
        let settings = &run.settings;
        let report = report::Report {
            command: Some(if mode == Mode::Enforce {
                "fix"
            } else {
                "check"
            }),
            protocol: "files",
            config: run.config.to_string(),
            mode: settings.mode,
            root: here.clone(),
            lifetime: messages::token_lifetime(&settings.wanted()),
            lifetime_short: messages::lifetime_short(&settings.wanted()),
            audience: settings.audience.clone(),
            artifacts: run
                .files
                .iter()
                .map(|f| report::Artifact {
                    name: here
                        .as_deref()
                        .and_then(|here| f.path.strip_prefix(here).ok())
                        .unwrap_or(&f.path)
                        .display()
                        .to_string(),
                    path: Some(f.path.clone()),
                    text: &f.text,
                    results: &f.results,
                    rows: &f.rows,
                    error: f.error.as_ref().map(|e| (e.at, e.message.clone())),
                })
                .collect(),
        };
        write_report(path, format, &report)?;
    }
    // Workflow commands go to stdout, where `fix --diff` writes its patch: `check` only.
    let github = mode == Mode::Audit && std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true");
    let errors = print_findings(&run, args.verbose, github);
    let warnings = run
        .files
        .iter()
        .flat_map(|f| &f.results)
        .filter(|r| r.severity == Severity::Warning)
        .count();
    eprintln!(
        "{}",
        messages::files_summary(
            run.files.len(),
            changed,
            run.failed(),
            &run.tally(),
            warnings,
            errors,
            if diff {
                messages::Tense::Would
            } else {
                messages::Tense::Done
            },
        )
    );
    Ok(run.exit_code())
}

/// `evidence`: a snapshot of a cluster's RBAC on stdin, evidence on stdout, a count on
/// stderr.
fn snapshot() -> anyhow::Result<u8> {
    let mut input = Vec::new();
    std::io::stdin()
        .read_to_end(&mut input)
        .context(messages::CANNOT_READ_STDIN)?;
    let snapshot = protocol::snapshot::run(&input)?;
    write_stdout(&snapshot.text)?;
    eprintln!("{}", messages::snapshot_summary(&snapshot.counts));
    Ok(snapshot.exit_code())
}

/// Prints every finding of `run` on stderr, one line each (and, under GitHub Actions, as
/// workflow commands on stdout, where GitHub reads them); returns how many are errors.
fn print_findings(run: &TreeRun, verbose: bool, github: bool) -> usize {
    let mut errors = 0;
    for unreadable in &run.unreadable {
        eprintln!("harden-sa-token: {unreadable}");
        errors += 1;
    }
    if verbose {
        for skipped in &run.skipped {
            eprintln!("harden-sa-token: {skipped}");
        }
    }
    for file in &run.files {
        // A file that could not be read says so below, in its error.
        if verbose && file.error.is_none() {
            eprintln!(
                "harden-sa-token: {}",
                messages::looked_at_file(&file.path, file.rows.len())
            );
            for row in &file.rows {
                eprintln!("{}", row.line(&file.path));
            }
        }
        if let Some(error) = &file.error {
            let message = messages::file_left_as_it_was(&error.message);
            eprintln!(
                "{}",
                harden_sa_token::report::finding(&file.path, error.at, Severity::Error, &message)
            );
            if let Some(command) = harden_sa_token::report::github_command(
                &file.path,
                error.at,
                Severity::Error,
                &message,
            ) && github
            {
                println!("{command}");
            }
            errors += 1;
        }
        for result in &file.results {
            if result.severity == Severity::Error {
                errors += 1;
            }
            if result.severity == Severity::Info && !verbose {
                continue;
            }
            eprintln!("{}", result.line(&file.path));
            if github && let Some(command) = result.github(&file.path) {
                println!("{command}");
            }
        }
    }
    errors
}

/// Writes all of `text`; a reader that went away (`| head`) is not an error.
fn write_stdout(text: &(impl std::fmt::Display + ?Sized)) -> std::io::Result<()> {
    // Buffered: a run's text comes in many stretches (the input between its edits).
    let mut stdout = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    match write!(stdout, "{text}").and_then(|()| stdout.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}
