//! The report of `make bench` (`report.md`): the figures of one run as Markdown tables,
//! and each of issue 20's goals with whether this run met it (BENCHMARKS.md).

use std::fmt::Write as _;
use std::path::PathBuf;

use crate::measure::{mb, secs};
use crate::{
    Args, Form, GOAL_FLAT, GOAL_KUSTOMIZE_SHARE, GOAL_PEAK_RATIO, GOAL_RYML_RATIO,
    GOAL_STARTUP_SECS, RAPIDYAML, SizeRow, default_reps, fallback, file_len, loadavg, thousands,
};

/// Instruction counts of one size: items, parse-only, parse-only of the output, the
/// function, start-up (subtracted from the others), and rapidyaml's parse.
pub type Callgrind = (usize, u64, u64, u64, u64, Option<u64>);

/// Everything one run measured.
pub struct Figures<'a> {
    pub args: &'a Args,
    /// The machine and revision line.
    pub machine: String,
    pub rows: Vec<SizeRow>,
    pub startup: f64,
    pub spawn: f64,
    pub empty_peak: Option<u64>,
    /// Deployments the tools around the function were timed on.
    pub n: usize,
    pub fn_stream: f64,
    pub fn_rl: f64,
    pub stream_file: PathBuf,
    pub rl_file: PathBuf,
    pub kustomize: Option<f64>,
    pub kpt: Option<(f64, f64)>,
    pub callgrind: Option<Callgrind>,
    pub fallback_rows: Vec<fallback::Row>,
    pub notes: Vec<String>,
}

/// The report as Markdown.
pub fn render(figures: &Figures<'_>) -> String {
    let Figures {
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
    } = figures;
    let (startup, spawn, n, fn_stream, fn_rl) = (*startup, *spawn, *n, *fn_stream, *fn_rl);
    let (empty_peak, kustomize, kpt, callgrind) = (*empty_peak, *kustomize, *kpt, *callgrind);
    let mut report = String::new();
    let _ = writeln!(report, "# harden-sa-token benchmark\n");
    let _ = writeln!(report, "{machine}\n");
    let _ = writeln!(
        report,
        "## The function on N Deployments\n\nEach size in both forms: the ResourceList kpt sends (items indented under `items:`, kpt's annotations) and the plain stream Helm and pipes send. \
In-process: `harden_sa_token::run` on the bytes, as `main` calls it. rapidyaml: `ryml.parse_in_place` of the same file in a Python child process (`benches/bench/rapidyaml.py`, rapidyaml {RAPIDYAML}), timed inside it: as the binding documents the call, into a new tree (the reference of the time goal), and into a tree grown by an earlier parse (the parse alone, without the tree's allocations: the stricter figure). \
parse-only: the same bytes checked as UTF-8 and every event of `granit-parser` pulled with the \
function's own parser options; parse-only of the output: the same on the function's output, which \
its fail-closed check parses once more (the output is larger: every Deployment gains a projected \
volume and mounts, and the ResourceList a result each). Medians of {}, each ratio the median of per-run ratios (the passes of one run are made one right after the other). End to end: the release binary, stdin from the file, stdout discarded, \
in a fresh process (median of 3 runs, 2 above 20,000 items); peak memory is its peak resident set.\n",
        args.reps.map_or_else(
            || format!(
                "{} runs up to 5,000 items, {} up to 20,000 and {} above",
                default_reps(5_000),
                default_reps(20_000),
                default_reps(20_001)
            ),
            |r| format!("{r} runs")
        )
    );
    let _ = writeln!(
        report,
        "| form | items | input | output | function | MB/s | per item | rapidyaml | **function / rapidyaml** | rapidyaml, grown tree | function / that | parse-only | function / parse-only | parse-only of the output | function / both parses | binary end to end | peak memory | **peak / input** |"
    );
    let _ = writeln!(
        report,
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    );
    for r in rows {
        let [new_tree, to_new_tree, grown_tree, to_grown_tree] = match r.ryml {
            Some(y) => [
                secs(y.new_tree),
                format!("**{:.2}x**", y.to_new_tree),
                secs(y.grown_tree),
                format!("{:.2}x", y.to_grown_tree),
            ],
            None => ["n/a".to_owned(), "n/a".into(), "n/a".into(), "n/a".into()],
        };
        let _ = writeln!(
            report,
            "| {} | {} | {} | {} | {} | {:.1} | {:.0} µs | {} | {} | {} | {} | {} | {:.2}x | {} | {:.2}x | {} | {} | {} |",
            r.form.label(),
            thousands(r.items),
            mb(r.bytes),
            mb(r.out_bytes),
            secs(r.function),
            r.bytes as f64 / 1e6 / r.function,
            r.per_item() * 1e6,
            new_tree,
            to_new_tree,
            grown_tree,
            to_grown_tree,
            secs(r.parse),
            r.ratio,
            secs(r.parse_out),
            r.ratio_both,
            secs(r.binary),
            r.peak.map_or("n/a".into(), mb),
            r.peak.map_or("n/a".into(), |p| format!(
                "**{:.2}x**",
                p as f64 / r.bytes as f64
            )),
        );
    }
    let _ = writeln!(report);

    let _ = writeln!(report, "## Start-up\n");
    let _ = writeln!(
        report,
        "The binary on an empty ResourceList: **{}** (median of 30 runs, spawn to exit); `cat` on the same input, the cost of spawning any process here: {}. Peak memory of that run: {}.\n",
        secs(startup),
        secs(spawn),
        empty_peak.map_or("n/a".into(), mb)
    );

    let _ = writeln!(
        report,
        "## Next to the tools around it ({} Deployments)\n",
        thousands(n)
    );
    let _ = writeln!(
        report,
        "The function end to end (release binary, median of 5): {} on the plain stream ({}), {} on the ResourceList kpt would send ({}).\n",
        secs(fn_stream),
        mb(file_len(stream_file)),
        secs(fn_rl),
        mb(file_len(rl_file))
    );
    let _ = writeln!(
        report,
        "| reference | time | the function's time / reference |"
    );
    let _ = writeln!(report, "|---|---:|---:|");
    if let Some(k) = kustomize {
        let _ = writeln!(
            report,
            "| `kubectl kustomize` building them (median of {}) | {} | {:.2}% |",
            args.tool_reps,
            secs(k),
            fn_stream / k * 100.0
        );
    }
    if let Some((identity, with_fn)) = kpt {
        let _ = writeln!(
            report,
            "| `kpt fn eval --exec cat` (kpt's own overhead, identity function; median of {}) | {} | {:.2}% |",
            args.tool_reps,
            secs(identity),
            fn_rl / identity * 100.0
        );
        let _ = writeln!(
            report,
            "| `kpt fn eval --exec harden-sa-token` (median of {}) | {} | kpt with the function minus kpt with `cat`: {} ({:+.1}%) |",
            args.tool_reps,
            secs(with_fn),
            secs(with_fn - identity),
            (with_fn - identity) / identity * 100.0
        );
    }
    let _ = writeln!(report);

    if let Some((items, parse, parse_output, function, base, ryml)) = callgrind {
        let _ = writeln!(
            report,
            "## Instructions (callgrind, {} Deployments)\n",
            thousands(items)
        );
        let _ = writeln!(
            report,
            "Counted by `valgrind --tool=callgrind` in a child process of this bench that reads the file and makes one pass; the same whatever the load. Start-up and reading an empty file: {} instructions, subtracted below.\n",
            thousands(base as usize)
        );
        let (p, q, f) = (
            parse.saturating_sub(base),
            parse_output.saturating_sub(base),
            function.saturating_sub(base),
        );
        let _ = writeln!(report, "| pass | instructions | per item | ratio |");
        let _ = writeln!(report, "|---|---:|---:|---:|");
        let mut row = |pass: &str, count: u64, ratio: String| {
            let _ = writeln!(
                report,
                "| {pass} | {} | {} | {ratio} |",
                thousands(count as usize),
                thousands(count as usize / items)
            );
        };
        let to = |a: u64, b: u64| a as f64 / b.max(1) as f64;
        row("parse-only", p, "1.00x".into());
        row("parse-only of the output", q, format!("{:.2}x", to(q, p)));
        row(
            "function",
            f,
            format!("{:.2}x (to both parses: {:.2}x)", to(f, p), to(f, p + q)),
        );
        if let Some(r) = ryml {
            row(
                "rapidyaml's parse, into a grown tree (two parses minus one)",
                r,
                format!("{:.2}x; the function is {:.2}x this", to(r, p), to(f, r)),
            );
        }
        let _ = writeln!(report);
    }

    if !fallback_rows.is_empty() {
        let _ = writeln!(report, "## Falling back after a failed output check\n");
        let _ = writeln!(
            report,
            "The checked output (`protocol::output::checked_with`, as both protocols call it, without the ResourceList's `results`) on N generated Deployments hardened as usual, but for the failing ones, whose edits are replaced by a set the check refuses (a key inserted that the object already has): they are left out with an internal error, the rest is written. Median of 3; the time is the splice-and-check passes alone, not the reading and deciding before them.\n"
        );
        let _ = writeln!(
            report,
            "| items | failing | failed | passes | time | to none failing |"
        );
        let _ = writeln!(report, "|---:|---|---:|---:|---:|---:|");
        for row in fallback_rows {
            let base = fallback_rows
                .iter()
                .find(|r| r.items == row.items && matches!(r.failing, fallback::Failing::None))
                .map_or(row.secs, |r| r.secs);
            let _ = writeln!(
                report,
                "| {} | {} | {} | {} | {} | {:.2}x |",
                thousands(row.items),
                row.failing.label(),
                thousands(row.failed),
                row.passes,
                secs(row.secs),
                row.secs / base
            );
        }
        let _ = writeln!(report);
    }

    let _ = writeln!(report, "## Goals\n");
    let verdict = |ok: bool| if ok { "met" } else { "**NOT met**" };
    for form in Form::ALL {
        let of_form = || rows.iter().filter(move |r| r.form == form);
        let worst_ryml = of_form()
            .filter_map(|r| r.ryml.map(|y| (y.to_new_tree, y.to_grown_tree)))
            .reduce(|a, b| (a.0.max(b.0), a.1.max(b.1)));
        let worst_parse = of_form().map(|r| r.ratio).fold(0.0, f64::max);
        match worst_ryml {
            Some((worst, grown)) => {
                let _ = writeln!(
                    report,
                    "- {}: time at most {GOAL_RYML_RATIO}x rapidyaml's parse: {} (worst {worst:.2}x; {grown:.2}x its parse into a grown tree; {worst_parse:.2}x granit-parser's parse-only)",
                    form.label(),
                    verdict(worst <= GOAL_RYML_RATIO),
                );
            }
            None => {
                let _ = writeln!(
                    report,
                    "- {}: time at most {GOAL_RYML_RATIO}x rapidyaml's parse: **NOT measured** (no rapidyaml; {worst_parse:.2}x granit-parser's parse-only)",
                    form.label(),
                );
            }
        }
        let peaks: Vec<f64> = of_form()
            .filter_map(|r| r.peak.map(|p| p as f64 / r.bytes as f64))
            .collect();
        if let Some(worst) = peaks.iter().copied().reduce(f64::max) {
            let _ = writeln!(
                report,
                "- {}: peak memory at most {GOAL_PEAK_RATIO}x the input: {} (worst {worst:.2}x)",
                form.label(),
                verdict(worst <= GOAL_PEAK_RATIO)
            );
        }
        let first = of_form().next();
        let last = of_form().next_back();
        if let (Some(first), Some(last)) = (first, last)
            && first.items != last.items
        {
            let change = last.per_item() / first.per_item() - 1.0;
            let _ = writeln!(
                report,
                "- {}: time per item flat within {:.0}% from {} to {} items: {} ({:+.1}%)",
                form.label(),
                GOAL_FLAT * 100.0,
                thousands(first.items),
                thousands(last.items),
                verdict(change.abs() <= GOAL_FLAT),
                change * 100.0,
            );
        }
    }
    if let Some(most) = fallback_rows.iter().map(|r| r.passes).max() {
        let _ = writeln!(
            report,
            "- falling back after a failed check in at most 2 passes: {} (at most {most})",
            verdict(most <= 2)
        );
    }
    let _ = writeln!(
        report,
        "- start-up under {} ms: {} ({})",
        GOAL_STARTUP_SECS * 1e3,
        verdict(startup < GOAL_STARTUP_SECS),
        secs(startup)
    );
    if let Some(k) = kustomize {
        let share = fn_stream / k;
        let _ = writeln!(
            report,
            "- the function's time under {:.0}% of kustomize's build: {} ({:.2}%)",
            GOAL_KUSTOMIZE_SHARE * 100.0,
            verdict(share < GOAL_KUSTOMIZE_SHARE),
            share * 100.0
        );
    }
    if !notes.is_empty() {
        let _ = writeln!(report, "\n## Notes\n");
        for note in notes {
            let _ = writeln!(report, "- {note}");
        }
    }
    let _ = writeln!(report, "\nLoad average at the end: {}", loadavg());

    report
}
