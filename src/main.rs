//! The `harden-sa-token` command: reads a ResourceList on stdin, writes it hardened on
//! stdout. Exit codes are decided here and only here.

use std::io::{Read, Write};
use std::process::ExitCode;

use clap::Parser;

const EXAMPLES: &str = "\
Examples:
  # Harden every Pod template of a kpt package, with defaults:
  kpt fn eval ./my-package --exec harden-sa-token

  # ... with settings given on the command line (a ConfigMap reaches the function):
  kpt fn eval ./my-package --exec harden-sa-token -- expirationSeconds=7200 excludeContainers=linkerd-proxy

  # ... with a typed config file:
  kpt fn eval ./my-package --exec harden-sa-token --fn-config function-config/examples/typed.yaml

  # As a step of a pipeline, read from a ResourceList on stdin:
  kpt fn source ./my-package | harden-sa-token > hardened.yaml

Exit status: 0 when every resource was handled; 1 when a result has severity error or
the input or config could not be read (then stdout is empty); 2 for usage errors.";

/// Replace the implicit service-account token mount of every Pod template with an
/// explicit projected volume, mounted read-only only where it was mounted before.
#[derive(Parser, Debug)]
#[command(version, about, long_about = None, after_help = EXAMPLES)]
struct Cli {}

fn main() -> ExitCode {
    let _cli = Cli::parse();
    match run() {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            eprintln!("harden-sa-token: {err:#}");
            ExitCode::from(1)
        }
    }
}

fn run() -> anyhow::Result<u8> {
    let mut input = Vec::new();
    std::io::stdin().read_to_end(&mut input)?;
    let output = harden_sa_token::run(&input)?;
    for result in &output.results {
        if result.severity != harden_sa_token::Severity::Info {
            eprintln!("{result}");
        }
    }
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(output.text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        other => other?,
    }
    Ok(harden_sa_token::exit_code(&output.results))
}
