//! `make bench`: what the function costs next to the tools around it (BENCHMARKS.md).
//!
//! Generates realistic Deployments ([`generate`]), as a ResourceList and as a plain
//! stream, and measures for each size and form the function's wall time, throughput,
//! time per item and peak memory, with ratios to references measured in the same run:
//! rapidyaml's parse of the same file (the nearest thing to a YAML parser's limit, in a
//! Python child process: `rapidyaml.py`), a parse-only pass of the function's own parser
//! over the same bytes, `kubectl kustomize` building 2,000 of the Deployments, and kpt
//! running an identity function over them. Also the start-up time on an empty
//! ResourceList, callgrind instruction counts (rapidyaml's too), which do not depend on
//! the load of a shared machine, and what falling back after a failed output check costs
//! ([`fallback`]). Every time is the median of several runs, and each ratio the median
//! of ratios of runs made one right after the other. [`report`] writes the figures and
//! the goals they meet or miss.
//!
//! `cargo bench --bench bench -- --bench [--sizes 1000,10000,30000] [--reps N]
//! [--tool-items N] [--tool-reps N] [--fallback-sizes 1000,10000]
//! [--skip kustomize,kpt,callgrind,fallback] [--out DIR]`
//! writes the inputs and `report.md` to `--out` (default `target/bench`). Without
//! `--bench`, as `cargo test --all-targets` runs it, it only checks, untimed, that the
//! generated inputs go through the function and are hardened.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod fallback;
mod generate;
mod measure;
mod report;
mod tools;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use measure::{ProcessRun, mb, median};

/// The rapidyaml release `scripts/setup-rapidyaml.sh` installs.
const RAPIDYAML: &str = "0.15.2";

/// The function as users run it, built by cargo for this bench.
const BIN: &str = env!("CARGO_BIN_EXE_harden-sa-token");

/// The goals BENCHMARKS.md sets.
const GOAL_RYML_RATIO: f64 = 5.0;
const GOAL_PEAK_RATIO: f64 = 4.0;
const GOAL_FLAT: f64 = 0.15;
const GOAL_STARTUP_SECS: f64 = 0.005;
const GOAL_KUSTOMIZE_SHARE: f64 = 0.05;

struct Args {
    bench: bool,
    child: Option<(String, PathBuf)>,
    sizes: Vec<usize>,
    reps: Option<usize>,
    tool_items: usize,
    tool_reps: usize,
    fallback_sizes: Vec<usize>,
    skip: Vec<String>,
    out: PathBuf,
}

fn args() -> Result<Args, String> {
    let mut args = Args {
        bench: false,
        child: None,
        sizes: vec![1_000, 10_000, 30_000],
        reps: None,
        tool_items: 2_000,
        tool_reps: 3,
        fallback_sizes: vec![1_000, 10_000],
        skip: Vec::new(),
        out: PathBuf::from("target/bench"),
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = |name: &str| it.next().ok_or(format!("{name} needs a value"));
        let number = |v: String| v.parse::<usize>().map_err(|e| format!("{v:?}: {e}"));
        match arg.as_str() {
            "--bench" => args.bench = true,
            "--child" => {
                let what = value("--child")?;
                args.child = Some((what, PathBuf::from(value("--child")?)));
            }
            "--sizes" => {
                args.sizes = value("--sizes")?
                    .split(',')
                    .map(|s| number(s.to_owned()))
                    .collect::<Result<_, _>>()?;
            }
            "--fallback-sizes" => {
                args.fallback_sizes = value("--fallback-sizes")?
                    .split(',')
                    .map(|s| number(s.to_owned()))
                    .collect::<Result<_, _>>()?;
            }
            "--reps" => args.reps = Some(number(value("--reps")?)?.max(1)),
            "--tool-items" => args.tool_items = number(value("--tool-items")?)?,
            "--tool-reps" => args.tool_reps = number(value("--tool-reps")?)?.max(1),
            "--skip" => args.skip = value("--skip")?.split(',').map(str::to_owned).collect(),
            "--out" => args.out = PathBuf::from(value("--out")?),
            // What the test harness passes to tests (filters, flags) means nothing here.
            _ => {}
        }
    }
    if args.sizes.is_empty() || args.sizes.contains(&0) {
        return Err("--sizes: at least one size, none of them 0".into());
    }
    Ok(args)
}

fn main() -> ExitCode {
    let result = args().and_then(|args| match &args.child {
        Some((what, file)) => child(what, file),
        None if args.bench => bench(&args),
        None => smoke(),
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench: {e}");
            ExitCode::FAILURE
        }
    }
}

/// One measured pass in a fresh process, for callgrind and for peak memory when
/// `/usr/bin/time` is missing: prints the seconds taken and the process's peak memory.
fn child(what: &str, file: &Path) -> Result<(), String> {
    let input = std::fs::read(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let (secs, out) = match what {
        "parse" => measure::time(|| measure::parse_only(&input).map(drop)),
        "function" => measure::time(|| measure::function(&input).map(drop)),
        other => return Err(format!("--child {other}: expected parse or function")),
    };
    out?;
    println!("{secs} {}", measure::own_peak().unwrap_or(0));
    Ok(())
}

/// What `cargo test --all-targets` runs: the generated inputs, small, go through the
/// function in both protocols, every Deployment is changed, and a second run changes
/// nothing. No timing.
fn smoke() -> Result<(), String> {
    let items = 7;
    let rl = generate::resource_list(items);
    let run = harden_sa_token::run(rl.as_bytes(), harden_sa_token::Call::Plain)
        .map_err(|e| e.to_string())?;
    let changed = run
        .results
        .iter()
        .filter(|r| r.severity == harden_sa_token::Severity::Info)
        .count();
    if changed != items || run.exit_code() != 0 {
        return Err(format!(
            "expected {items} Deployments changed, got {changed}: {:?}",
            run.stderr_lines(harden_sa_token::StderrOptions::default())
        ));
    }
    let out = run.text.to_string();
    let again = harden_sa_token::run(out.as_bytes(), harden_sa_token::Call::Plain)
        .map_err(|e| e.to_string())?;
    // Nothing to change, nothing to say: no result at all.
    if !again.results.is_empty() {
        return Err(format!(
            "second run: {:?}",
            again.stderr_lines(harden_sa_token::StderrOptions::default())
        ));
    }
    let stream = generate::stream(items);
    measure::function(stream.as_bytes())?;
    measure::parse_only(rl.as_bytes())?;
    measure::function(generate::EMPTY_RESOURCE_LIST.as_bytes())?;
    fallback::smoke()?;
    eprintln!(
        "bench: generated inputs are hardened, and falling back takes two passes (run `make bench` for figures)"
    );
    Ok(())
}

/// The two forms a caller sends: the ResourceList of kpt and kustomize, and the plain
/// stream of Helm, pipes and kustomize's legacy plugins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    ResourceList,
    Stream,
}

impl Form {
    const ALL: [Form; 2] = [Form::ResourceList, Form::Stream];

    fn generate(self, items: usize) -> String {
        match self {
            Form::ResourceList => generate::resource_list(items),
            Form::Stream => generate::stream(items),
        }
    }

    fn file_prefix(self) -> &'static str {
        match self {
            Form::ResourceList => "rl",
            Form::Stream => "stream",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Form::ResourceList => "ResourceList",
            Form::Stream => "stream",
        }
    }
}

/// One size's figures in one form.
struct SizeRow {
    form: Form,
    items: usize,
    bytes: u64,
    out_bytes: u64,
    parse: f64,
    parse_out: f64,
    function: f64,
    ratio: f64,
    ratio_both: f64,
    /// rapidyaml into a new tree and into a grown one, and the function's time over each
    /// first (the median of per-run ratios); `None` when rapidyaml is missing.
    ryml: Option<Rapidyaml>,
    binary: f64,
    peak: Option<u64>,
}

/// rapidyaml's parse of one input, and the function's time over it (medians of per-run
/// ratios). `ryml.parse_in_place(buf)` makes a new tree, as the binding's documentation
/// calls it: that is the reference of the time goal. Into a tree grown by an earlier
/// parse, it is the parse alone, without the tree's allocations: the stricter figure.
#[derive(Debug, Clone, Copy)]
pub struct Rapidyaml {
    pub new_tree: f64,
    pub grown_tree: f64,
    pub to_new_tree: f64,
    pub to_grown_tree: f64,
}

impl SizeRow {
    fn per_item(&self) -> f64 {
        self.function / self.items as f64
    }
}

fn bench(args: &Args) -> Result<(), String> {
    let out = &args.out;
    std::fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
    let bin = Path::new(BIN);
    let time = measure::gnu_time();
    let mut notes: Vec<String> = Vec::new();
    let log = |line: &str| eprintln!("bench: {line}");
    let machine = machine();
    if time.is_none() {
        notes.push("/usr/bin/time is missing (Debian package `time`): peak memory is the VmHWM of this bench's own child process running the library entry point".into());
    }

    // Start-up: the binary on an empty ResourceList, next to `cat` on the same input
    // (what spawning any process costs here).
    log("start-up on an empty ResourceList");
    let empty = out.join("empty.yaml");
    write(&empty, generate::EMPTY_RESOURCE_LIST)?;
    let cat = tools::cat();
    let mut startup = Vec::new();
    let mut spawn = Vec::new();
    let mut empty_peak = None;
    for i in 0..33 {
        let run = measure::run_process(bin, &[], &empty, None)?;
        let floor = measure::run_process(&cat, &[], &empty, None)?;
        // The first runs load the binary from disk.
        if i >= 3 {
            startup.push(run.wall);
            spawn.push(floor.wall);
        }
    }
    if let Some(t) = time {
        empty_peak = measure::run_process(bin, &[], &empty, Some(t))?.peak;
    }
    let startup = median(&startup);
    let spawn = median(&spawn);

    // Each size and form: in-process function, parse-only and rapidyaml, interleaved;
    // then the binary end to end, in a fresh process each time, for wall time and peak
    // memory.
    let python = tools::rapidyaml();
    if python.is_none() {
        notes.push("**rapidyaml is missing (`scripts/setup-rapidyaml.sh` could not install it): the rapidyaml reference was NOT measured**".into());
        eprintln!("\n*** bench: no rapidyaml; the time goal cannot be checked ***\n");
    }
    let mut rows = Vec::new();
    for &items in &args.sizes {
        for form in Form::ALL {
            let text = form.generate(items);
            let input = text.as_bytes();
            let file = out.join(format!("{}-{items}.yaml", form.file_prefix()));
            write(&file, &text)?;
            let reps = args.reps.unwrap_or_else(|| default_reps(items));
            log(&format!(
                "{items} Deployments as {}, {}: {reps} runs of parse-only, rapidyaml and the function",
                form.label(),
                mb(input.len() as u64)
            ));
            // Warm up: page cache, allocator, branch predictors.
            measure::parse_only(input)?;
            let output = measure::function(input)?;
            if form == Form::ResourceList
                && items == args.sizes.iter().copied().min().unwrap_or(items)
            {
                write(&out.join(format!("out-{items}.yaml")), &output)?;
            }
            let mut runs: [Vec<f64>; 9] = Default::default();
            for _ in 0..reps {
                let (p, r) = measure::time(|| measure::parse_only(input));
                r?;
                let (f, r) = measure::time(|| measure::function(input).map(|o| o.len()));
                r?;
                // The output is parsed once more by the function's own check: the second
                // pass the design needs, measured the same way.
                let (q, r) = measure::time(|| measure::parse_only(output.as_bytes()));
                r?;
                let (fresh, reused) = match &python {
                    Some(python) => measure::rapidyaml(python, &file)?,
                    None => (f64::NAN, f64::NAN),
                };
                let values = [
                    p,
                    f,
                    q,
                    f / p,
                    f / (p + q),
                    fresh,
                    reused,
                    f / fresh,
                    f / reused,
                ];
                for (list, value) in runs.iter_mut().zip(values) {
                    list.push(value);
                }
            }
            let out_bytes = output.len() as u64;
            drop((text, output));
            log(&format!(
                "{items} Deployments as {}: the binary end to end",
                form.label()
            ));
            let e2e_reps = if items > 20_000 { 2 } else { 3 };
            let mut e2e: Vec<ProcessRun> = Vec::new();
            for _ in 0..e2e_reps {
                e2e.push(measure::run_process(bin, &[], &file, time)?);
            }
            let mut peak = median_peak(&e2e);
            if time.is_none() {
                peak = child_peak(&file)?;
            }
            let [
                parse,
                function,
                parse_out,
                ratio,
                ratio_both,
                new_tree,
                grown_tree,
                to_new_tree,
                to_grown_tree,
            ] = runs.each_ref().map(|r| median(r));
            rows.push(SizeRow {
                form,
                items,
                bytes: file_len(&file),
                out_bytes,
                parse,
                parse_out,
                function,
                ratio,
                ratio_both,
                ryml: python.is_some().then_some(Rapidyaml {
                    new_tree,
                    grown_tree,
                    to_new_tree,
                    to_grown_tree,
                }),
                binary: median(&e2e.iter().map(|r| r.wall).collect::<Vec<_>>()),
                peak,
            });
        }
    }

    // The tools around the function, on `tool_items` Deployments.
    let n = args.tool_items;
    let stream_file = out.join(format!("stream-{n}.yaml"));
    let rl_file = out.join(format!("rl-{n}.yaml"));
    let stream = generate::stream(n);
    write(&stream_file, &stream)?;
    write(&rl_file, &generate::resource_list(n))?;
    let mut fn_stream = Vec::new();
    let mut fn_rl = Vec::new();
    for _ in 0..5 {
        fn_stream.push(measure::run_process(bin, &[], &stream_file, None)?.wall);
        fn_rl.push(measure::run_process(bin, &[], &rl_file, None)?.wall);
    }
    let fn_stream = median(&fn_stream);
    let fn_rl = median(&fn_rl);

    let kustomize = if args.skip.iter().any(|s| s == "kustomize") {
        notes.push("kubectl kustomize: skipped (--skip)".into());
        None
    } else if !tools::works("kubectl", &["version", "--client"]) {
        notes.push("**kubectl is missing: the kustomize reference was NOT measured**".into());
        eprintln!("\n*** bench: kubectl does not run; no kustomize reference ***\n");
        None
    } else {
        let dir = out.join("kustomize");
        tools::kustomization(&dir, &stream)?;
        let mut builds = Vec::new();
        for i in 0..args.tool_reps {
            log(&format!(
                "kubectl kustomize, {n} Deployments ({}/{})",
                i + 1,
                args.tool_reps
            ));
            builds.push(tools::kustomize_build(&dir)?);
        }
        Some(median(&builds))
    };

    let kpt = if args.skip.iter().any(|s| s == "kpt") {
        notes.push("kpt: skipped (--skip)".into());
        None
    } else if !tools::works("kpt", &["version"]) {
        notes.push("**kpt is missing: the kpt reference was NOT measured**".into());
        eprintln!("\n*** bench: kpt does not run; no kpt reference ***\n");
        None
    } else {
        let package = out.join("kpt-package");
        tools::kpt_package(&package, &stream)?;
        let scratch = out.join("kpt-run");
        let (mut identity, mut with_fn) = (Vec::new(), Vec::new());
        for i in 0..args.tool_reps {
            log(&format!(
                "kpt fn eval, {n} Deployments ({}/{})",
                i + 1,
                args.tool_reps
            ));
            identity.push(tools::kpt_eval(&package, &scratch, &cat)?);
            with_fn.push(tools::kpt_eval(&package, &scratch, bin)?);
        }
        Some((median(&identity), median(&with_fn)))
    };
    drop(stream);

    // Instruction counts: the same on a loaded machine as on an idle one.
    let callgrind = if args.skip.iter().any(|s| s == "callgrind") {
        None
    } else if !tools::works("valgrind", &["--version"]) {
        notes.push("valgrind is missing: no instruction counts".into());
        None
    } else {
        let items = args.sizes.iter().copied().min().unwrap_or(1_000);
        let file = out.join(format!("rl-{items}.yaml"));
        let me = std::env::current_exe().map_err(|e| e.to_string())?;
        let file_arg = file.to_string_lossy().into_owned();
        log(&format!("callgrind, {items} Deployments"));
        let parse = measure::callgrind(
            &me,
            &["--child", "parse", &file_arg],
            &out.join("callgrind.parse.out"),
        )?;
        let function = measure::callgrind(
            &me,
            &["--child", "function", &file_arg],
            &out.join("callgrind.function.out"),
        )?;
        let output_arg = out
            .join(format!("out-{items}.yaml"))
            .to_string_lossy()
            .into_owned();
        let parse_output = measure::callgrind(
            &me,
            &["--child", "parse", &output_arg],
            &out.join("callgrind.parse-output.out"),
        )?;
        let empty_arg = out.join("empty.yaml").to_string_lossy().into_owned();
        let base = measure::callgrind(
            &me,
            &["--child", "parse", &empty_arg],
            &out.join("callgrind.empty.out"),
        )?;
        // rapidyaml: the difference between two parses and one after the warm-up, so
        // that Python's own start-up cancels out.
        let ryml = match &python {
            Some(python) => {
                let script =
                    Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/bench/rapidyaml.py");
                let script = script.to_string_lossy().into_owned();
                let mut counts = [0u64; 2];
                for (n, count) in counts.iter_mut().enumerate() {
                    let parses = (n + 1).to_string();
                    *count = measure::callgrind(
                        python,
                        &[&script, &file_arg, "--count", &parses],
                        &out.join(format!("callgrind.rapidyaml-{parses}.out")),
                    )?;
                }
                Some(counts[1].saturating_sub(counts[0]))
            }
            None => None,
        };
        Some((items, parse, parse_output, function, base, ryml))
    };

    // Falling back: the checked output with failing objects spread through the input.
    let mut fallback_rows = Vec::new();
    if !args.skip.iter().any(|s| s == "fallback") {
        for &items in &args.fallback_sizes {
            for failing in fallback::PATTERNS {
                log(&format!(
                    "falling back, {items} Deployments, failing: {}",
                    failing.label()
                ));
                fallback_rows.push(fallback::measure(items, *failing, 3)?);
            }
        }
    }

    let report = report::render(&report::Figures {
        args,
        machine,
        rows,
        startup,
        spawn,
        empty_peak,
        n,
        fn_stream,
        fn_rl,
        stream_file,
        rl_file,
        kustomize,
        kpt,
        callgrind,
        fallback_rows,
        notes,
    });
    let path = out.join("report.md");
    write(&path, &report)?;
    println!("{report}");
    eprintln!("bench: report written to {}", path.display());
    Ok(())
}

/// Runs of each in-process measurement: enough that a small input is measured for a few
/// seconds, so that a burst of load from elsewhere on the machine moves the median little.
fn default_reps(items: usize) -> usize {
    match items {
        0..=5_000 => 11,
        5_001..=20_000 => 5,
        _ => 3,
    }
}

fn median_peak(runs: &[ProcessRun]) -> Option<u64> {
    let peaks: Vec<f64> = runs
        .iter()
        .filter_map(|r| r.peak.map(|p| p as f64))
        .collect();
    (!peaks.is_empty()).then(|| median(&peaks) as u64)
}

/// Peak memory of the library entry point in a fresh process of this bench.
fn child_peak(file: &Path) -> Result<Option<u64>, String> {
    let me = std::env::current_exe().map_err(|e| e.to_string())?;
    let out = std::process::Command::new(me)
        .args(["--child", "function"])
        .arg(file)
        .output()
        .map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&out.stdout);
    Ok(text.split_whitespace().nth(1).and_then(|p| p.parse().ok()))
}

/// CPU, cores, memory, kernel and compiler: what a figure was measured on.
fn machine() -> String {
    let read = |p: &str| std::fs::read_to_string(p).unwrap_or_default();
    let cpuinfo = read("/proc/cpuinfo");
    let cpu = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|l| l.trim_start_matches([' ', '\t', ':']).to_owned())
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let memory = read("/proc/meminfo")
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|kb| kb.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or("?".into(), |kb| format!("{:.0} GiB", kb as f64 / 1048576.0));
    let kernel = read("/proc/sys/kernel/osrelease");
    let rustc = std::process::Command::new("rustc")
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .args(args)
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
            .unwrap_or_default()
    };
    let mut revision = git(&["rev-parse", "--short", "HEAD"]);
    // A figure measured on files other than the commit's must not pass for the commit's.
    if !revision.is_empty() && !git(&["status", "--porcelain", "--untracked-files=no"]).is_empty() {
        revision.push_str(" with uncommitted changes");
    }
    format!(
        "Machine: {cpu}, {cores} cores, {memory}, Linux {}; {rustc}; revision {}; load average at the start: {}.",
        kernel.trim(),
        if revision.is_empty() {
            "unknown"
        } else {
            &revision
        },
        loadavg()
    )
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn file_len(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}
