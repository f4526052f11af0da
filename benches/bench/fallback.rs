//! What falling back costs: the checked output (`protocol::output::checked_with`, as both
//! protocols call it) on a generated ResourceList whose objects' edits are the
//! function's own, but for some, spread through the input, whose edits are replaced by
//! a set the output check refuses (a key inserted that the object already has, as a bug
//! of the editor would make): the check names every failing set in one pass and the rest
//! is applied once more, so the cost is two passes whatever the number of failures.
//! No valid input is known to make the check fail (that would be a bug, and the tests
//! and fuzz targets fail on it), which is why failures are made this way.

use harden_sa_token::Settings;
use harden_sa_token::filter::{Filter, Outcome};
use harden_sa_token::protocol::output::checked_with;
use harden_sa_token::yaml::{Document, Node};

use crate::generate;
use crate::measure::{self, median};

/// Which objects fail: none, one in the middle, or every n-th.
#[derive(Debug, Clone, Copy)]
pub enum Failing {
    None,
    One,
    Every(usize),
}

impl Failing {
    fn fails(self, index: usize, items: usize) -> bool {
        match self {
            Failing::None => false,
            Failing::One => index == items / 2,
            Failing::Every(n) => index % n == n - 1,
        }
    }

    pub fn label(self) -> String {
        match self {
            Failing::None => "none".into(),
            Failing::One => "one, in the middle".into(),
            Failing::Every(1) => "all".into(),
            Failing::Every(2) => "every other (50%)".into(),
            Failing::Every(n) => format!("every {n}th ({:.0}%)", 100.0 / n as f64),
        }
    }
}

/// The patterns the bench measures.
pub const PATTERNS: &[Failing] = &[
    Failing::None,
    Failing::One,
    Failing::Every(100),
    Failing::Every(10),
    Failing::Every(2),
    Failing::Every(1),
];

/// One measurement.
pub struct Row {
    pub items: usize,
    pub failing: Failing,
    /// Objects whose edits did not check out.
    pub failed: usize,
    /// Passes of `Document::apply` (splice and check).
    pub passes: usize,
    /// Median time of the checked output.
    pub secs: f64,
}

/// The outcomes of hardening every item, with the edits of the failing ones replaced.
fn outcomes(doc: &Document<'_>, failing: Failing) -> Result<Vec<Outcome>, String> {
    let settings = Settings::default();
    let inventory = harden_sa_token::rbac::Inventory::new();
    let filter = Filter::new(&settings, &inventory);
    let root = doc.roots().first().ok_or("no document")?;
    let items = root.get("items").and_then(Node::items).unwrap_or_default();
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let mut outcome = filter.object(doc, item);
            if failing.fails(i, items.len()) {
                let mut editor = doc.editor(item);
                editor
                    .insert_entry(item, "kind", serde_json::Value::from("Deployment"))
                    .map_err(|e| e.to_string())?;
                outcome.edits = editor.finish();
            }
            Ok(outcome)
        })
        .collect()
}

/// The checked output of `items` generated Deployments with `failing`, `reps` times.
pub fn measure(items: usize, failing: Failing, reps: usize) -> Result<Row, String> {
    let text = generate::resource_list(items);
    let doc = Document::parse(&text).map_err(|e| e.to_string())?;
    let mut times = Vec::new();
    let (mut passes, mut failed) = (0, 0);
    for _ in 0..reps {
        let mut outcomes = outcomes(&doc, failing)?;
        let mut count = 0;
        let (secs, out) = measure::time(|| {
            checked_with(
                &mut outcomes,
                |_| None,
                |sets| {
                    count += 1;
                    doc.apply(sets)
                },
            )
        });
        out.map_err(|e| e.to_string())?;
        times.push(secs);
        passes = count;
        failed = outcomes.iter().filter(|o| o.is_internal_error()).count();
    }
    Ok(Row {
        items,
        failing,
        failed,
        passes,
        secs: median(&times),
    })
}

/// Untimed, for `cargo test`: however many objects fail, two passes, and exactly the
/// failing ones are left out.
pub fn smoke() -> Result<(), String> {
    for failing in PATTERNS {
        let row = measure(40, *failing, 1)?;
        let want_failed = (0..40).filter(|&i| failing.fails(i, 40)).count();
        let want_passes = if want_failed == 0 { 1 } else { 2 };
        if row.passes != want_passes || row.failed != want_failed {
            return Err(format!(
                "fallback with {}: {} passes and {} failed, expected {want_passes} and {want_failed}",
                failing.label(),
                row.passes,
                row.failed
            ));
        }
    }
    Ok(())
}
