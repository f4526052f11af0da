//! Unified diffs from known byte-range replacements (`fix --diff`).
//!
//! The function knows exactly which bytes it replaces: every edit is a splice of new
//! text into a byte range of the original. A diff is therefore *rendered* from those
//! splices, not *searched for* by a generic diff algorithm: each replacement widens to
//! the whole lines it touches, replacements that share a line become one change, and
//! changes whose context overlaps share a hunk. What the diff says is then exactly what
//! was done: `--diff`, the written file and a SARIF `fix` all come from the same
//! [`Replacement`]s.
//!
//! Lines end at `\n` only, as git counts them: a CRLF line keeps its `\r` as part of its
//! text, and a lone `\r` is an ordinary character. A last line without `\n` is marked
//! `\ No newline at end of file`, on whichever side lacks it.

use std::ops::Range;
use std::path::{Component, Path, PathBuf};

use super::position::LineIndex;
use crate::replacement::{Replacement, ReplacementError, check};

/// Lines of context around each change that `git diff` and `diff -u` show by default.
pub const DEFAULT_CONTEXT: usize = 3;

/// One changed file of a patch.
#[derive(Debug, Clone, Copy)]
pub struct Changed<'a> {
    /// The file, named as the walk found it.
    pub path: &'a Path,
    /// Its text as read.
    pub text: &'a str,
    /// The exact changes, in order.
    pub replacements: &'a [Replacement],
}

/// Replacements that do not describe an edit of their file: a bug of this function's,
/// since they come from edits that were checked.
#[derive(Debug, thiserror::Error)]
#[error("{}: cannot show the change as a diff: {error}", path.display())]
pub struct DiffError {
    /// The file.
    pub path: PathBuf,
    /// What is wrong with its replacements.
    pub error: ReplacementError,
}

/// A unified diff of every file of `files`, with paths relative to `here` (where the
/// command ran) for the files under it, so that `git apply` takes it there, and relative
/// to `/` for the others (`patch_path`).
pub fn patch<'a>(
    files: impl IntoIterator<Item = Changed<'a>>,
    here: &Path,
) -> Result<String, DiffError> {
    let mut diff = String::new();
    for f in files {
        let path = patch_path(f.path, here);
        let hunks = unified(
            f.text,
            f.replacements,
            &label("a/", &path),
            &label("b/", &path),
            DEFAULT_CONTEXT,
        )
        .map_err(|error| DiffError {
            path: f.path.to_owned(),
            error,
        })?;
        diff.push_str(&hunks);
    }
    Ok(diff)
}

/// A change of whole lines: old lines `old` (0-based indices) become `new`.
#[derive(Debug)]
struct Change<'n> {
    old: Range<usize>,
    new: Vec<&'n str>,
}

/// The unified diff of `old` and the text after `replacements`, with `context` lines
/// of context (see [`DEFAULT_CONTEXT`]); empty when the replacements change nothing.
///
/// The headers are `--- <old_label>` and `+++ <new_label>`, written as given (a label
/// with a space is followed by a tab, as git writes it, so that the name's end is
/// unambiguous). For `git apply` (and `patch -p1`) the caller passes the path relative
/// to the directory it runs in, prefixed `a/` and `b/`: [`label`] renders them so.
///
/// Each replacement shows as the whole lines it touches, removed and added, less any
/// leading or trailing lines that come out the same; replacements that share a line
/// are one change, and changes at most `2 * context` lines apart share a hunk, as in
/// `git diff`. Hunk headers follow the unified format: `-l,c +l,c`, the `,c` left out
/// when `c` is 1, and `-l,0` meaning "after line `l`".
///
/// With `context` 0, `git apply` needs `--unidiff-zero` (it otherwise takes a hunk
/// without trailing context to be at the end of the file); from 1 on, plain `git
/// apply` takes the diff.
///
/// Labels are written verbatim: one with a newline would break the diff, which
/// [`label`] never makes.
pub fn unified(
    old: &str,
    replacements: &[Replacement],
    old_label: &str,
    new_label: &str,
    context: usize,
) -> Result<String, ReplacementError> {
    check(old, replacements)?;
    let index = LineIndex::new(old);
    let texts = block_texts(old, &index, replacements);
    let old_lines: Vec<&str> = old.split_inclusive('\n').collect();
    let changes: Vec<Change<'_>> = texts
        .iter()
        .filter_map(|(bytes, new)| change(old, &index, bytes.clone(), new))
        .collect();
    if changes.is_empty() {
        return Ok(String::new());
    }

    let mut out = String::new();
    header(&mut out, "--- ", old_label);
    header(&mut out, "+++ ", new_label);
    let gap = context.saturating_mul(2);
    // Lines added minus lines removed by the changes before the current hunk.
    let mut delta: isize = 0;
    let mut rest = changes.as_slice();
    while let Some(first) = rest.first() {
        // The changes of this hunk: each within `gap` lines of the one before.
        let mut len = 1;
        while let (Some(prev), Some(next)) = (rest.get(len - 1), rest.get(len)) {
            if next.old.start.saturating_sub(prev.old.end) > gap {
                break;
            }
            len += 1;
        }
        let (hunk, after) = rest.split_at(len);
        rest = after;
        let last = hunk.last().unwrap_or(first);
        let from = first.old.start.saturating_sub(context);
        let to = last.old.end.saturating_add(context).min(old_lines.len());
        let old_count = to.saturating_sub(from);
        let hunk_delta: isize = hunk.iter().map(|c| count_delta(c)).sum();
        let new_from = from.saturating_add_signed(delta);
        let new_count = old_count.saturating_add_signed(hunk_delta);
        out.push_str("@@ -");
        hunk_range(&mut out, from, old_count);
        out.push_str(" +");
        hunk_range(&mut out, new_from, new_count);
        out.push_str(" @@\n");

        let mut cursor = from;
        for c in hunk {
            for l in old_lines.get(cursor..c.old.start).unwrap_or_default() {
                line(&mut out, ' ', l);
            }
            for l in old_lines.get(c.old.clone()).unwrap_or_default() {
                line(&mut out, '-', l);
            }
            for l in &c.new {
                line(&mut out, '+', l);
            }
            cursor = c.old.end;
        }
        for l in old_lines.get(cursor..to).unwrap_or_default() {
            line(&mut out, ' ', l);
        }
        delta += hunk_delta;
    }
    Ok(out)
}

/// Groups the (checked) replacements into blocks of whole old lines: the byte range of
/// the lines they touch, and what those lines become. Replacements that touch a common
/// line share a block.
fn block_texts(
    old: &str,
    index: &LineIndex<'_>,
    replacements: &[Replacement],
) -> Vec<(Range<usize>, String)> {
    let mut blocks = Vec::new();
    let mut iter = replacements.iter().peekable();
    while let Some(first) = iter.next() {
        let start = index.line_start(first.range.start);
        let mut new = String::new();
        new.push_str(old.get(start..first.range.start).unwrap_or_default());
        new.push_str(&first.text);
        let mut pos = first.range.end;
        let end = loop {
            let end = block_end(old, index, &new, pos);
            match iter.peek() {
                Some(next) if index.line_start(next.range.start) < end => {
                    new.push_str(old.get(pos..next.range.start).unwrap_or_default());
                    new.push_str(&next.text);
                    pos = next.range.end;
                    iter.next();
                }
                _ => break end,
            }
        };
        new.push_str(old.get(pos..end).unwrap_or_default());
        blocks.push((start..end, new));
    }
    blocks
}

/// Where a block whose new text so far is `new`, and which has consumed the old text up
/// to `pos`, ends: at the end of the line holding `pos` (at `pos` itself when that is
/// a line start), and one line further when the new text would otherwise end inside a
/// line that continues in the old text.
fn block_end(old: &str, index: &LineIndex<'_>, new: &str, pos: usize) -> usize {
    let mut end = if index.at_line_start(pos) {
        pos
    } else {
        index.next_line_start(pos)
    };
    let tail = old.get(pos..end).unwrap_or_default();
    let ends_line = if tail.is_empty() {
        new.is_empty() || new.ends_with('\n')
    } else {
        tail.ends_with('\n')
    };
    if !ends_line && end < old.len() {
        end = index.next_line_start(end);
    }
    end
}

/// The change of whole lines a block makes, less the lines it leaves as they were;
/// `None` if it leaves them all.
fn change<'n>(
    old: &str,
    index: &LineIndex<'_>,
    bytes: Range<usize>,
    new: &'n str,
) -> Option<Change<'n>> {
    let first = index.line_of(bytes.start);
    let old_lines: Vec<&str> = old
        .get(bytes)
        .unwrap_or_default()
        .split_inclusive('\n')
        .collect();
    let new_lines: Vec<&'n str> = new.split_inclusive('\n').collect();
    let prefix = old_lines
        .iter()
        .zip(&new_lines)
        .take_while(|(a, b)| a == b)
        .count();
    let old_rest = old_lines.get(prefix..).unwrap_or_default();
    let new_rest = new_lines.get(prefix..).unwrap_or_default();
    let suffix = old_rest
        .iter()
        .rev()
        .zip(new_rest.iter().rev())
        .take_while(|(a, b)| a == b)
        .count();
    let old_range = first + prefix..first + old_lines.len() - suffix;
    let new_kept = new_rest
        .get(..new_rest.len() - suffix)
        .unwrap_or_default()
        .to_vec();
    if old_range.is_empty() && new_kept.is_empty() {
        return None;
    }
    Some(Change {
        old: old_range,
        new: new_kept,
    })
}

/// Lines added minus lines removed.
fn count_delta(c: &Change<'_>) -> isize {
    // Both counts are at most the length of a `Vec`, so they fit in an `isize`.
    c.new.len() as isize - c.old.len() as isize
}

fn header(out: &mut String, prefix: &str, label: &str) {
    out.push_str(prefix);
    out.push_str(label);
    if label.contains(' ') {
        out.push('\t');
    }
    out.push('\n');
}

/// A hunk's range: `l,c` with `l` 1-based, or `l` alone when `c` is 1; for `c == 0`,
/// `l` is the line the empty range follows.
fn hunk_range(out: &mut String, from: usize, count: usize) {
    use std::fmt::Write as _;
    // Writing to a String cannot fail.
    let _ = match count {
        0 => write!(out, "{from},0"),
        1 => write!(out, "{}", from + 1),
        _ => write!(out, "{},{count}", from + 1),
    };
}

fn line(out: &mut String, prefix: char, text: &str) {
    out.push(prefix);
    out.push_str(text);
    if !text.ends_with('\n') {
        out.push_str("\n\\ No newline at end of file\n");
    }
}

/// The path a patch names `path` by, for `git apply` run in `here` (the working
/// directory): relative to `here` when the file is under it, else relative to `/` (then
/// `git -C / apply` or `patch -d / -p1` takes it). `git apply` refuses absolute paths and
/// `..` components, so neither is ever written; `.` and `..` are resolved by their
/// names, as the paths were given (symbolic links are not followed).
pub fn patch_path(path: &Path, here: &Path) -> PathBuf {
    let mut full = PathBuf::new();
    for component in here.join(path).components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                full.pop();
            }
            other => full.push(other),
        }
    }
    if let Ok(under) = full.strip_prefix(here) {
        return under.to_path_buf();
    }
    full.components()
        .filter(|c| matches!(c, Component::Normal(_)))
        .collect()
}

/// A diff header label for `path` under `prefix` (`"a/"` or `"b/"`), as git writes
/// one: components joined by `/`, `.` components left out (git refuses paths with
/// them), and the whole label in double quotes with C escapes when the path has a
/// `"`, a `\`, a control character or a byte outside ASCII.
///
/// `git apply` takes the path relative to the directory it runs in; it refuses paths
/// with `..` components and absolute ones, which are rendered as they are (`patch -p1`
/// takes them).
pub fn label(prefix: &str, path: &Path) -> String {
    let mut raw: Vec<u8> = prefix.as_bytes().to_vec();
    let mut first = true;
    for component in path.components() {
        let part = match component {
            Component::CurDir => continue,
            Component::RootDir => {
                raw.push(b'/');
                first = true;
                continue;
            }
            other => other.as_os_str(),
        };
        if !first {
            raw.push(b'/');
        }
        raw.extend_from_slice(&os_bytes(part));
        first = false;
    }
    let plain = |b: u8| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\';
    if raw.iter().all(|&b| plain(b)) {
        return String::from_utf8_lossy(&raw).into_owned();
    }
    let mut out = String::from("\"");
    for &b in &raw {
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            0x07 => out.push_str("\\a"),
            0x08 => out.push_str("\\b"),
            b'\t' => out.push_str("\\t"),
            b'\n' => out.push_str("\\n"),
            0x0b => out.push_str("\\v"),
            0x0c => out.push_str("\\f"),
            b'\r' => out.push_str("\\r"),
            b if plain(b) => out.push(char::from(b)),
            b => {
                use std::fmt::Write as _;
                // Writing to a String cannot fail.
                let _ = write!(out, "\\{b:03o}");
            }
        }
    }
    out.push('"');
    out
}

#[cfg(unix)]
fn os_bytes(s: &std::ffi::OsStr) -> std::borrow::Cow<'_, [u8]> {
    use std::os::unix::ffi::OsStrExt;
    std::borrow::Cow::Borrowed(s.as_bytes())
}

#[cfg(not(unix))]
fn os_bytes(s: &std::ffi::OsStr) -> std::borrow::Cow<'_, [u8]> {
    match s.to_string_lossy() {
        std::borrow::Cow::Borrowed(s) => std::borrow::Cow::Borrowed(s.as_bytes()),
        std::borrow::Cow::Owned(s) => std::borrow::Cow::Owned(s.into_bytes()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::files::TempDir;
    use crate::replacement::apply;
    use std::process::Command;

    fn r(range: Range<usize>, text: &str) -> Replacement {
        Replacement::new(range, text)
    }

    fn diff(old: &str, reps: &[Replacement], context: usize) -> String {
        unified(old, reps, "a/f", "b/f", context).unwrap()
    }

    const HEAD: &str = "--- a/f\n+++ b/f\n";

    #[test]
    fn a_change_in_the_middle_has_context_on_both_sides() {
        let old = "1\n2\n3\n4\n5\n6\n7\n8\n9\n";
        let at = old.find('5').unwrap();
        let d = diff(old, &[r(at..at + 1, "five")], 3);
        let want = "@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n";
        assert_eq!(d, format!("{HEAD}{want}"));
    }

    #[test]
    fn insertions_of_whole_lines_use_the_after_line_convention() {
        let old = "a\nb\nc\n";
        assert_eq!(
            diff(old, &[r(4..4, "x\ny\n")], 0),
            format!("{HEAD}@@ -2,0 +3,2 @@\n+x\n+y\n")
        );
        assert_eq!(
            diff(old, &[r(0..0, "x\n")], 0),
            format!("{HEAD}@@ -0,0 +1 @@\n+x\n")
        );
        assert_eq!(
            diff(old, &[r(6..6, "x\n")], 1),
            format!("{HEAD}@@ -3 +3,2 @@\n c\n+x\n")
        );
        assert_eq!(
            diff("", &[r(0..0, "x\n")], 3),
            format!("{HEAD}@@ -0,0 +1 @@\n+x\n")
        );
    }

    #[test]
    fn deletions_count_zero_new_lines() {
        let old = "a\nb\nc\n";
        assert_eq!(
            diff(old, &[r(2..4, "")], 0),
            format!("{HEAD}@@ -2 +1,0 @@\n-b\n")
        );
        assert_eq!(
            diff(old, &[r(0..6, "")], 3),
            format!("{HEAD}@@ -1,3 +0,0 @@\n-a\n-b\n-c\n")
        );
    }

    #[test]
    fn a_missing_final_newline_is_marked_on_the_side_that_lacks_it() {
        let nl = "\\ No newline at end of file\n";
        assert_eq!(
            diff("a\nb", &[r(2..3, "c")], 3),
            format!("{HEAD}@@ -1,2 +1,2 @@\n a\n-b\n{nl}+c\n{nl}")
        );
        assert_eq!(
            diff("a", &[r(1..1, "\n")], 3),
            format!("{HEAD}@@ -1 +1 @@\n-a\n{nl}+a\n")
        );
        assert_eq!(
            diff("a\n", &[r(1..2, "")], 3),
            format!("{HEAD}@@ -1 +1 @@\n-a\n+a\n{nl}")
        );
        // Unchanged last line without newline, as context on both sides.
        assert_eq!(
            diff("a\nz", &[r(2..2, "b\n")], 3),
            format!("{HEAD}@@ -1,2 +1,3 @@\n a\n+b\n z\n{nl}")
        );
        assert_eq!(
            diff("a", &[r(1..1, "\nb")], 3),
            format!("{HEAD}@@ -1 +1,2 @@\n-a\n{nl}+a\n+b\n{nl}")
        );
    }

    #[test]
    fn crlf_lines_keep_their_carriage_returns() {
        let d = diff("a\r\nb\r\nc\r\n", &[r(3..4, "x")], 1);
        assert_eq!(
            d,
            format!("{HEAD}@@ -1,3 +1,3 @@\n a\r\n-b\r\n+x\r\n c\r\n")
        );
    }

    #[test]
    fn replacements_mid_line_show_the_whole_lines() {
        let old = "key: 1\nother: 2\nlast: 3\n";
        let d = diff(old, &[r(5..13, "3\nnew:")], 0);
        assert_eq!(
            d,
            format!("{HEAD}@@ -1,2 +1,2 @@\n-key: 1\n-other: 2\n+key: 3\n+new: 2\n")
        );
        // Two replacements on one line are one change.
        let d = diff("abc\n", &[r(0..1, "A"), r(2..3, "C")], 0);
        assert_eq!(d, format!("{HEAD}@@ -1 +1 @@\n-abc\n+AbC\n"));
        // Text inserted without a newline at a line start joins that line.
        let d = diff("a\nb\n", &[r(2..2, "x")], 0);
        assert_eq!(d, format!("{HEAD}@@ -2 +2 @@\n-b\n+xb\n"));
    }

    #[test]
    fn lines_a_replacement_leaves_as_they_were_are_context() {
        // A new entry spliced in before a line's newline: only the new line is added.
        let old = "spec:\n  a: 1\nz: 2\n";
        let at = old.find("1\n").unwrap() + 1;
        let d = diff(old, &[r(at..at, "\n  b: false")], 1);
        assert_eq!(
            d,
            format!("{HEAD}@@ -2,2 +2,3 @@\n   a: 1\n+  b: false\n z: 2\n")
        );
        // A replacement of a value by the same value changes nothing.
        assert_eq!(diff(old, &[r(at - 1..at, "1")], 3), "");
        assert_eq!(diff(old, &[], 3), "");
    }

    #[test]
    fn changes_share_a_hunk_when_their_context_overlaps() {
        let old: String = (1..=20).map(|i| format!("{i}\n")).collect();
        let at = |line: &str| old.find(&format!("\n{line}\n")).unwrap() + 1;
        let one = |line: &str, text: &str| r(at(line)..at(line) + line.len(), text);
        // 6 lines apart with context 3: one hunk; 7 apart: two.
        let d = diff(&old, &[one("5", "x"), one("12", "y")], 3);
        assert_eq!(d.matches("@@ -").count(), 1, "{d}");
        assert!(d.contains("@@ -2,14 +2,14 @@"), "{d}");
        let d = diff(&old, &[one("5", "x"), one("13", "y")], 3);
        assert_eq!(d.matches("@@ -").count(), 2, "{d}");
        assert!(
            d.contains("@@ -2,7 +2,7 @@") && d.contains("@@ -10,7 +10,7 @@"),
            "{d}"
        );
        // The second hunk's new line numbers follow the lines the first one added.
        let d = diff(&old, &[one("5", "x\nx2"), one("13", "y")], 3);
        assert!(
            d.contains("@@ -2,7 +2,8 @@") && d.contains("@@ -10,7 +11,7 @@"),
            "{d}"
        );
    }

    #[test]
    fn patch_paths_are_relative_to_the_working_directory_or_to_the_root() {
        let here = Path::new("/work/repo");
        for (path, want) in [
            ("k8s/web.yaml", "k8s/web.yaml"),
            ("./k8s/../k8s/web.yaml", "k8s/web.yaml"),
            ("/work/repo/k8s/web.yaml", "k8s/web.yaml"),
            ("/tmp/tmp.x/deployment.yaml", "tmp/tmp.x/deployment.yaml"),
            ("../other/web.yaml", "work/other/web.yaml"),
            ("/../../etc/x.yaml", "etc/x.yaml"),
        ] {
            assert_eq!(patch_path(Path::new(path), here), Path::new(want), "{path}");
        }
    }

    #[test]
    fn labels_with_a_space_end_with_a_tab() {
        let d = unified("a\n", &[r(0..1, "b")], "a/x y", "b/x y", 3).unwrap();
        assert!(d.starts_with("--- a/x y\t\n+++ b/x y\t\n@@"), "{d}");
    }

    #[test]
    fn replacements_that_are_not_one_edit_make_no_diff() {
        let text = "aé\n";
        assert!(unified(text, &[r(0..2, ""), r(1..3, "")], "a", "b", 3).is_err());
    }

    #[test]
    fn labels_are_rendered_as_git_renders_them() {
        assert_eq!(label("a/", Path::new("k8s/web.yaml")), "a/k8s/web.yaml");
        assert_eq!(label("b/", Path::new("./k8s/./web.yaml")), "b/k8s/web.yaml");
        assert_eq!(label("a/", Path::new("x y.yaml")), "a/x y.yaml");
        assert_eq!(label("a/", Path::new("t\tab.yaml")), "\"a/t\\tab.yaml\"");
        assert_eq!(label("a/", Path::new("é.yaml")), "\"a/\\303\\251.yaml\"");
        assert_eq!(
            label("a/", Path::new("q\"b\\.yaml")),
            "\"a/q\\\"b\\\\.yaml\""
        );
        assert_eq!(label("a/", Path::new("../up.yaml")), "a/../up.yaml");
    }

    /// splitmix64: a small deterministic generator, so every run tests the same cases.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }

        fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
            items[self.below(items.len())]
        }
    }

    const LINES: &[&str] = &[
        "",
        "a",
        "key: value",
        "  - item",
        "é😀 ünïcode",
        "--- a/f",
        "+++ b/f",
        "@@ -1 +1 @@",
        "\\ No newline at end of file",
        " leading space",
        "trailing space ",
        "\t tab",
        "lone\rcarriage return",
        "spec:",
        "  containers:",
    ];

    const TEXTS: &[&str] = &[
        "",
        "x",
        "\n",
        "new\n",
        "crlf\r\n",
        "é",
        "  key: v\n  other: w",
        "\n  inserted: true",
        "no newline",
        "--- a/f\n",
        "+++ b/f",
        "\r",
        "\n\n",
    ];

    /// A random text: LF, CRLF or mixed line ends, with or without a final newline.
    fn text(rng: &mut Rng) -> String {
        let ends = rng.below(3);
        let mut out = String::new();
        for _ in 0..rng.below(14) {
            out.push_str(rng.pick(LINES));
            let crlf = match ends {
                0 => false,
                1 => true,
                _ => rng.below(2) == 0,
            };
            out.push_str(if crlf { "\r\n" } else { "\n" });
        }
        if rng.below(3) == 0 {
            while out.ends_with('\n') || out.ends_with('\r') {
                out.pop();
            }
        }
        out
    }

    /// Random sorted, non-overlapping replacements of `text`, their ends often at
    /// line starts and ends.
    fn replacements(rng: &mut Rng, text: &str) -> Vec<Replacement> {
        let boundaries: Vec<usize> = (0..=text.len())
            .filter(|&i| text.is_char_boundary(i))
            .collect();
        let line_ends: Vec<usize> = (0..=text.len())
            .filter(|&i| {
                let b = text.as_bytes();
                i == 0 || i == b.len() || b[i - 1] == b'\n' || b[i] == b'\n'
            })
            .collect();
        let count = rng.below(6);
        let mut offsets: Vec<usize> = (0..count * 2)
            .map(|_| {
                if rng.below(2) == 0 {
                    line_ends[rng.below(line_ends.len())]
                } else {
                    boundaries[rng.below(boundaries.len())]
                }
            })
            .collect();
        offsets.sort_unstable();
        offsets
            .chunks(2)
            .map(|pair| {
                let mut new = String::new();
                for _ in 0..rng.below(3) {
                    new.push_str(rng.pick(TEXTS));
                }
                // Some replacements are pure deletions.
                if rng.below(4) == 0 {
                    new.clear();
                }
                r(pair[0]..pair[1], &new)
            })
            .collect()
    }

    struct Case {
        path: PathBuf,
        old: String,
        new: String,
        reps: Vec<Replacement>,
        diff: String,
    }

    fn git(dir: &Path, args: &[&str]) -> std::io::Result<std::process::Output> {
        Command::new("git")
            .args(["-c", "core.autocrlf=false", "-c", "core.safecrlf=false"])
            .args(args)
            .current_dir(dir)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("HOME", dir)
            .output()
    }

    /// Writes each case's old text, applies all their diffs as one patch with `git
    /// apply --check` and `git apply`, and compares every file with its new text; on
    /// a failure, finds the case that fails alone and shows it.
    fn git_apply(cases: &[Case], extra: &[&str]) {
        let tmp = TempDir::new("diff-git");
        let dir = tmp.path();
        let init = git(dir, &["init", "-q"]).unwrap();
        assert!(init.status.success(), "git init: {init:?}");
        let write_olds = |cases: &[Case]| {
            for c in cases {
                let file = dir.join(&c.path);
                std::fs::create_dir_all(file.parent().unwrap()).unwrap();
                std::fs::write(&file, &c.old).unwrap();
            }
        };
        let apply = |cases: &[Case], check: bool| {
            let patch: String = cases.iter().map(|c| c.diff.as_str()).collect();
            let patch_file = dir.join(".git/test.patch");
            std::fs::write(&patch_file, patch).unwrap();
            let mut args = vec!["apply"];
            if check {
                args.push("--check");
            }
            args.extend(extra);
            args.push(".git/test.patch");
            git(dir, &args).unwrap()
        };
        write_olds(cases);
        let mut failed = None;
        for check in [true, false] {
            let out = apply(cases, check);
            if !out.status.success() {
                failed = Some(String::from_utf8_lossy(&out.stderr).into_owned());
                break;
            }
        }
        if failed.is_none() {
            for c in cases {
                let got = std::fs::read_to_string(dir.join(&c.path)).unwrap();
                if got != c.new {
                    failed = Some(format!("{} came out as {got:?}", c.path.display()));
                    break;
                }
            }
        }
        let Some(failed) = failed else { return };
        // Find the case that fails on its own.
        for c in cases {
            write_olds(std::slice::from_ref(c));
            let out = apply(std::slice::from_ref(c), false);
            let got = std::fs::read_to_string(dir.join(&c.path)).unwrap();
            if !out.status.success() || got != c.new {
                panic!(
                    "git apply failed: {}\nold: {:?}\nreplacements: {:?}\nwant: {:?}\ngot: {got:?}\ndiff:\n{}",
                    String::from_utf8_lossy(&out.stderr),
                    c.old,
                    c.reps,
                    c.new,
                    c.diff
                );
            }
        }
        panic!("git apply failed on the batch only: {failed}");
    }

    #[test]
    fn generated_diffs_are_applied_by_git_to_exactly_the_new_text() {
        if Command::new("git").arg("--version").output().is_err() {
            eprintln!("SKIPPED: git is not installed; generated diffs were not applied");
            return;
        }
        let mut rng = Rng(0x5eed);
        let (mut applied, mut empty) = (0, 0);
        // Contexts 1 to 5 for plain `git apply`; 0 needs `--unidiff-zero`.
        for (batch, (contexts, extra)) in [
            (&[1usize, 2, 3, 3, 5][..], &[][..]),
            (&[1, 2, 3, 3, 5], &[]),
            (&[1, 2, 3, 3, 5], &[]),
            (&[1, 2, 3, 3, 5], &[]),
            (&[0], &["--unidiff-zero"]),
        ]
        .into_iter()
        .enumerate()
        {
            let mut cases = Vec::new();
            for i in 0..400 {
                let old = text(&mut rng);
                let reps = replacements(&mut rng, &old);
                let new = apply(&old, &reps).unwrap();
                let context = contexts[rng.below(contexts.len())];
                // Some paths need quoting or a tab after them.
                let path = PathBuf::from(match i % 5 {
                    0 => format!("dir {batch}/é {i}.yaml"),
                    1 => format!("sub/t\tab{i}.yaml"),
                    _ => format!("f{i}.yaml"),
                });
                let diff = unified(
                    &old,
                    &reps,
                    &label("a/", &path),
                    &label("b/", &path),
                    context,
                )
                .unwrap();
                if diff.is_empty() {
                    assert_eq!(old, new, "no diff for a change: {reps:?}");
                    empty += 1;
                    continue;
                }
                cases.push(Case {
                    path,
                    old,
                    new,
                    reps,
                    diff,
                });
            }
            git_apply(&cases, extra);
            applied += cases.len();
        }
        eprintln!("git applied {applied} generated diffs ({empty} edits changed nothing)");
        assert!(applied > 1500);
    }
}
