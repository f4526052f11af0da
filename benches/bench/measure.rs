//! Timing and memory, with nothing but the standard library and tools the machine ships
//! with: `Instant` for wall time, `/usr/bin/time -f %M` (or the process's own
//! `VmHWM`) for peak resident memory, `valgrind --tool=callgrind` for instruction
//! counts that do not depend on what else the machine is doing.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use granit_parser::{Options, Parser};
use harden_sa_token::{self as protocol, Call};

/// The median of `values` (the lower middle for an even count); 0 for none.
pub fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted
        .get(sorted.len().saturating_sub(1) / 2)
        .copied()
        .unwrap_or(0.0)
}

/// The parser options of `harden_sa_token::yaml::tree::parse`: the parse-only
/// reference must do what the function's own read does, and nothing less.
fn parser_options() -> Options {
    let mut options = Options::default();
    options.set_emit_comments(false);
    options.flow_nesting_limit = harden_sa_token::yaml::MAX_DEPTH;
    options.block_nesting_limit = harden_sa_token::yaml::MAX_DEPTH;
    options
}

/// The reference: the bytes checked as UTF-8 and every event of the same parser pulled
/// and dropped. Returns the number of events, so that the work cannot be optimised away.
pub fn parse_only(input: &[u8]) -> Result<usize, String> {
    let text = std::str::from_utf8(input).map_err(|e| e.to_string())?;
    let mut events = 0;
    for event in Parser::new_from_str_with_options(text, parser_options()) {
        event.map_err(|e| e.to_string())?;
        events += 1;
    }
    Ok(events)
}

/// The function's library entry point, as `main` calls it on stdin. Returns the output.
pub fn function(input: &[u8]) -> Result<String, String> {
    let run = protocol::run(input, Call::Plain).map_err(|e| e.to_string())?;
    if run.exit_code() != 0 {
        return Err(format!(
            "exit code {}: {:?}",
            run.exit_code(),
            run.stderr_lines(harden_sa_token::StderrOptions::default())
        ));
    }
    Ok(run.text.to_string())
}

/// rapidyaml's parse of `file` in a child process of `python` (`rapidyaml.py`): seconds
/// into a new tree, and into a tree already grown by an earlier parse.
pub fn rapidyaml(python: &Path, file: &Path) -> Result<(f64, f64), String> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/bench/rapidyaml.py");
    let out = Command::new(python)
        .arg(&script)
        .arg(file)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("{}: {e}", python.display()))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let mut figures = stdout.split_whitespace().map(str::parse::<f64>);
    match (out.status.success(), figures.next(), figures.next()) {
        (true, Some(Ok(fresh)), Some(Ok(reused))) => Ok((fresh, reused)),
        _ => Err(format!(
            "{} {}: {}{}",
            python.display(),
            script.display(),
            stdout,
            String::from_utf8_lossy(&out.stderr)
        )),
    }
}

/// Seconds taken by `f`.
pub fn time<T>(f: impl FnOnce() -> T) -> (f64, T) {
    let start = Instant::now();
    let out = f();
    (start.elapsed().as_secs_f64(), out)
}

/// What one run of a command cost.
#[derive(Debug, Clone, Copy)]
pub struct ProcessRun {
    /// Wall time, spawn to exit, in seconds.
    pub wall: f64,
    /// Peak resident memory in bytes, when it could be read.
    pub peak: Option<u64>,
}

/// `/usr/bin/time`, when it is there: it reports a child's peak resident memory.
pub fn gnu_time() -> Option<&'static str> {
    const PATH: &str = "/usr/bin/time";
    Command::new(PATH)
        .args(["-f", "%M", "true"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
        .then_some(PATH)
}

/// Runs `program args` with `stdin` from a file and stdout discarded; fails unless it
/// exits 0. With `time` (`/usr/bin/time`), the peak resident memory is read too, and the
/// wall time still measured here (time's own start-up is the same for every command).
pub fn run_process(
    program: &Path,
    args: &[&str],
    stdin: &Path,
    time: Option<&str>,
) -> Result<ProcessRun, String> {
    let mut command = match time {
        Some(time) => {
            let mut c = Command::new(time);
            c.args(["-f", "peak-kb %M"]).arg(program);
            c
        }
        None => Command::new(program),
    };
    command.args(args);
    let file = std::fs::File::open(stdin).map_err(|e| format!("{}: {e}", stdin.display()))?;
    let start = Instant::now();
    let out = command
        .stdin(file)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| format!("{}: {e}", program.display()))?;
    let wall = start.elapsed().as_secs_f64();
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        return Err(format!(
            "{} exited with {}: {stderr}",
            program.display(),
            out.status
        ));
    }
    let peak = stderr
        .lines()
        .filter_map(|l| l.strip_prefix("peak-kb "))
        .next_back()
        .and_then(|kb| kb.trim().parse::<u64>().ok())
        .map(|kb| kb * 1024);
    Ok(ProcessRun { wall, peak })
}

/// This process's peak resident memory (`VmHWM`), in bytes.
pub fn own_peak() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line
        .trim_start_matches("VmHWM:")
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kb * 1024)
}

/// Instructions counted by callgrind for `program args` (`--child` runs of this bench),
/// or why they could not be.
pub fn callgrind(program: &Path, args: &[&str], out_file: &Path) -> Result<u64, String> {
    let out = Command::new("valgrind")
        .arg("--tool=callgrind")
        .arg(format!("--callgrind-out-file={}", out_file.display()))
        .arg(program)
        .args(args)
        .stdout(Stdio::null())
        .output()
        .map_err(|e| format!("valgrind: {e}"))?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        return Err(format!("valgrind exited with {}: {stderr}", out.status));
    }
    // "==123== Collected : 2536570828"
    stderr
        .lines()
        .find_map(|l| l.split("Collected :").nth(1))
        .and_then(|n| n.trim().parse().ok())
        .ok_or_else(|| format!("no instruction count in valgrind's output: {stderr}"))
}

/// Formats seconds as ms or s, three significant digits or so.
pub fn secs(s: f64) -> String {
    if s < 0.001 {
        format!("{:.2} ms", s * 1e3)
    } else if s < 1.0 {
        format!("{:.1} ms", s * 1e3)
    } else {
        format!("{s:.2} s")
    }
}

/// Formats a byte count in MB (10^6 bytes, as MB/s is).
pub fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}
