//! The `harden-sa-token` command: reads stdin, writes the hardened result on stdout, and
//! says on stderr what happened. Which protocol it speaks is decided by the library
//! ([`harden_sa_token::run`]); exit codes are decided here and only here.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;
use harden_sa_token::{Call, ConfigFile};

const AFTER_HELP: &str = concat!(
    "\
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
    \"$KUSTOMIZE_PLUGIN_HOME/fn.harden-sa-token.dev/v1alpha1/hardenserviceaccounttoken/HardenServiceAccountToken\"
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

/// Replace the implicit service-account token mount of every Pod template with an
/// explicit projected volume, mounted read-only only where it was mounted before.
#[derive(Parser, Debug)]
#[command(version, about, long_about = None, after_help = AFTER_HELP)]
struct Cli {
    /// Run as a kustomize legacy exec plugin: the config file kustomize passes.
    #[arg(value_name = "CONFIG_FILE", conflicts_with_all = ["config", "schema"])]
    plugin_config: Option<PathBuf>,

    /// functionConfig for a plain YAML stream: a HardenServiceAccountToken or a
    /// ConfigMap, as in function-config/examples/.
    #[arg(long, short = 'c', value_name = "FILE")]
    config: Option<PathBuf>,

    /// Print the JSON Schema of the HardenServiceAccountToken functionConfig and exit.
    #[arg(long, conflicts_with = "config")]
    schema: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            eprintln!("harden-sa-token: {err:#}");
            let usage = err
                .downcast_ref::<harden_sa_token::Error>()
                .is_some_and(harden_sa_token::Error::is_usage);
            ExitCode::from(if usage { 2 } else { 1 })
        }
    }
}

fn run(cli: &Cli) -> anyhow::Result<u8> {
    if cli.schema {
        write_stdout(&harden_sa_token::config::schema_json())?;
        return Ok(0);
    }
    let read = |path: &PathBuf| -> anyhow::Result<(String, Vec<u8>)> {
        let bytes = std::fs::read(path)
            .with_context(|| format!("cannot read config file {}", path.display()))?;
        Ok((path.display().to_string(), bytes))
    };
    let plugin_config = cli.plugin_config.as_ref().map(read).transpose()?;
    let config = cli.config.as_ref().map(read).transpose()?;
    fn file((origin, bytes): &(String, Vec<u8>)) -> ConfigFile<'_> {
        ConfigFile { origin, bytes }
    }
    let call = match (&plugin_config, &config) {
        (Some(f), _) => Call::KustomizePlugin(file(f)),
        (None, Some(f)) => Call::WithConfig(file(f)),
        (None, None) => Call::Plain,
    };

    let mut input = Vec::new();
    std::io::stdin()
        .read_to_end(&mut input)
        .context("cannot read stdin")?;
    let run = harden_sa_token::run(&input, call)?;
    for line in run.report() {
        eprintln!("{line}");
    }
    write_stdout(&run.text)?;
    Ok(run.exit_code())
}

/// Writes all of `text`; a reader that went away (`| head`) is not an error.
fn write_stdout(text: &str) -> std::io::Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}
