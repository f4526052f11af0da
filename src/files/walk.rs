//! Which files `fix PATH...` and `check PATH...` edit: the paths given, with
//! directories walked for manifests.
//!
//! The rules are kubectl's `-f DIR -R` where kubectl has one, and the safe choice where
//! it has none:
//! - a path given that is not a directory is taken whatever its name or type (a FIFO
//!   such as `<(helm template ...)` too): it was asked for by name;
//! - directories are walked recursively for `*.yaml`, `*.yml` and `*.json`, with the
//!   extension compared case-sensitively, as kubectl compares it (`x.YAML` is not
//!   taken);
//! - entries whose name starts with `.` inside a walked directory are skipped
//!   (`.git`, `.github`, editor files); a hidden path given by name (`.`,
//!   `.github/manifests`) is walked;
//! - a symlink found in a walked directory is followed only when its target is inside
//!   the tree being walked (the canonical path of the path given), so a link cannot
//!   make `fix` edit files elsewhere; links out, broken links and loops are
//!   [`Skipped`], with the reason, for `-v` to show. A link's own name decides whether
//!   it is hidden or wanted, so `shared -> .shared` is followed; a path given is
//!   taken wherever it leads;
//! - every directory is walked once and every file listed once, however many paths
//!   and links reach it; a path without links is preferred to one through a link, so
//!   a file is named where it really is when it can be;
//! - a path that cannot be read is a [`WalkError`] naming it; the other paths are
//!   still walked.
//!
//! The result is reproducible: the paths given come in their order, and each one's
//! files in byte order of their path components. A file is named as found: the path
//! given, joined with the names below it (`k8s/apps/web.yaml` for `k8s`).
//!
//! Limits: the walk keeps its own stack, so a deep tree cannot overflow the call
//! stack; each directory is read once (recognised by its canonical path), so links
//! cannot make it loop or repeat work; memory grows with the number of files and
//! directories. Paths longer than the system allows (`PATH_MAX`) fail in the system
//! calls and are reported as errors for the directories concerned. Hard links are not
//! recognised: two names of one file are two files.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::ffi::OsString;
use std::fmt;
use std::fs::{self, FileType};
use std::io;
use std::path::{Path, PathBuf};

/// The extensions taken in a walked directory, without the dot; compared
/// case-sensitively.
pub const EXTENSIONS: [&str; 3] = ["yaml", "yml", "json"];

/// What a walk found.
#[derive(Debug, Default)]
pub struct Walk {
    /// The files to edit, each once, in a reproducible order.
    pub files: Vec<PathBuf>,
    /// Entries left out for a reason worth telling (not hidden entries or other
    /// extensions, which are left out silently).
    pub skipped: Vec<Skipped>,
    /// Paths that could not be read; the walk went on without them.
    pub errors: Vec<WalkError>,
}

/// An entry left out of a walk, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// The entry, named as found.
    pub path: PathBuf,
    /// Why it was left out.
    pub reason: SkipReason,
}

/// Why an entry was left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SkipReason {
    /// A symlink to somewhere outside the tree it was found in.
    OutsideTree {
        /// The canonical path of its target.
        target: PathBuf,
        /// The canonical path of the tree.
        tree: PathBuf,
    },
    /// A symlink whose target cannot be resolved (missing, a link loop, no access).
    BrokenSymlink {
        /// What the system said.
        error: String,
    },
    /// A directory already walked, or a file already listed, under another path.
    Duplicate {
        /// The path it was walked or listed under.
        first: PathBuf,
    },
    /// A `*.yaml`, `*.yml` or `*.json` entry that is neither a file nor a directory
    /// (a FIFO, a socket, a device).
    NotAFile,
}

impl fmt::Display for Skipped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = self.path.display();
        match &self.reason {
            SkipReason::OutsideTree { target, tree } => write!(
                f,
                "{path}: symlink to {}, outside {}; not followed",
                target.display(),
                tree.display()
            ),
            SkipReason::BrokenSymlink { error } => {
                write!(f, "{path}: broken symlink ({error}); skipped")
            }
            SkipReason::Duplicate { first } => {
                write!(f, "{path}: same as {}; done once", first.display())
            }
            SkipReason::NotAFile => write!(f, "{path}: not a regular file; skipped"),
        }
    }
}

/// A path that could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{}: {step}: {io}", path.display())]
pub struct WalkError {
    /// The path, named as given or found.
    pub path: PathBuf,
    /// What was being done.
    pub step: WalkStep,
    /// What the system said.
    pub io: io::Error,
}

/// What a walk was doing when it failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum WalkStep {
    /// Looking at a path given (it does not exist, or is out of reach).
    #[error("cannot access")]
    Access,
    /// Resolving a path to its canonical form.
    #[error("cannot resolve")]
    Resolve,
    /// Listing a directory.
    #[error("cannot read directory")]
    ReadDir,
}

/// Walks `paths` by the rules of this module.
pub fn walk<P: AsRef<Path>>(paths: &[P]) -> Walk {
    let mut walker = Walker::default();
    for path in paths {
        walker.root(path.as_ref());
    }
    walker.out
}

/// Whether a walked directory's entry named `name` is taken.
fn wanted(name: &std::ffi::OsStr) -> bool {
    Path::new(name)
        .extension()
        .is_some_and(|ext| EXTENSIONS.iter().any(|e| ext == *e))
}

fn hidden(name: &std::ffi::OsStr) -> bool {
    name.as_encoded_bytes().first() == Some(&b'.')
}

/// A file found, before files reached twice are told apart.
struct Found {
    path: PathBuf,
    canonical: PathBuf,
    /// Reached through a symlink (to it, or to a directory above it).
    linked: bool,
}

#[derive(Default)]
struct Walker {
    out: Walk,
    /// Canonical path of each file listed → the path it is listed under.
    files: HashMap<PathBuf, PathBuf>,
    /// Canonical path of each directory walked → the path it was walked under.
    dirs: HashMap<PathBuf, PathBuf>,
}

impl Walker {
    fn error(&mut self, path: &Path, step: WalkStep, io: io::Error) {
        self.out.errors.push(WalkError {
            path: path.to_path_buf(),
            step,
            io,
        });
    }

    fn skip(&mut self, path: PathBuf, reason: SkipReason) {
        self.out.skipped.push(Skipped { path, reason });
    }

    /// One path given.
    fn root(&mut self, path: &Path) {
        let meta = match fs::metadata(path) {
            Ok(meta) => meta,
            Err(err) => return self.error(path, WalkStep::Access, err),
        };
        if !meta.is_dir() {
            // Asked for by name: taken whatever it is. A path with no canonical form
            // (a pipe under /dev/fd) stands for itself.
            let canonical = fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
            let found = Found {
                path: path.to_path_buf(),
                canonical,
                linked: false,
            };
            return self.list(vec![found]);
        }
        let tree = match fs::canonicalize(path) {
            Ok(tree) => tree,
            Err(err) => return self.error(path, WalkStep::Resolve, err),
        };
        let mut found = Vec::new();
        // Directories to walk in this round: the tree itself, then the directories
        // reached through symlinks in the round before, so that every directory the
        // tree holds without links is walked (and named) without them.
        let mut round = vec![(path.to_path_buf(), tree.clone())];
        let mut linked = false;
        while !round.is_empty() {
            round.sort();
            let mut stack: Vec<(PathBuf, PathBuf)> = round.drain(..).rev().collect();
            let mut next_round = Vec::new();
            while let Some((dir, canonical)) = stack.pop() {
                match self.dirs.entry(canonical.clone()) {
                    Entry::Occupied(first) => {
                        let first = first.get().clone();
                        self.skip(dir, SkipReason::Duplicate { first });
                        continue;
                    }
                    Entry::Vacant(slot) => {
                        slot.insert(dir.clone());
                    }
                }
                let entries = match read_dir_sorted(&dir) {
                    Ok((entries, None)) => entries,
                    Ok((entries, Some(err))) => {
                        self.error(&dir, WalkStep::ReadDir, err);
                        entries
                    }
                    Err(err) => {
                        self.error(&dir, WalkStep::ReadDir, err);
                        continue;
                    }
                };
                let mut subdirs = Vec::new();
                for (name, file_type) in entries {
                    if hidden(&name) {
                        continue;
                    }
                    let child = dir.join(&name);
                    let file_type = match file_type {
                        Ok(file_type) => file_type,
                        Err(err) => {
                            self.error(&child, WalkStep::ReadDir, err);
                            continue;
                        }
                    };
                    if file_type.is_dir() {
                        subdirs.push((child, canonical.join(&name)));
                    } else if file_type.is_symlink() {
                        self.symlink(child, &name, &tree, &mut found, &mut next_round);
                    } else if wanted(&name) {
                        if file_type.is_file() {
                            let canonical = canonical.join(&name);
                            found.push(Found {
                                path: child,
                                canonical,
                                linked,
                            });
                        } else {
                            self.skip(child, SkipReason::NotAFile);
                        }
                    }
                }
                stack.extend(subdirs.into_iter().rev());
            }
            round = next_round;
            linked = true;
        }
        self.list(found);
    }

    /// A symlink found in a walked directory of `tree`.
    fn symlink(
        &mut self,
        path: PathBuf,
        name: &std::ffi::OsStr,
        tree: &Path,
        found: &mut Vec<Found>,
        dirs: &mut Vec<(PathBuf, PathBuf)>,
    ) {
        let target = match fs::canonicalize(&path) {
            Ok(target) => target,
            Err(err) => {
                let error = err.to_string();
                return self.skip(path, SkipReason::BrokenSymlink { error });
            }
        };
        if !target.starts_with(tree) {
            let tree = tree.to_path_buf();
            return self.skip(path, SkipReason::OutsideTree { target, tree });
        }
        let meta = match fs::metadata(&target) {
            Ok(meta) => meta,
            Err(err) => return self.error(&path, WalkStep::Resolve, err),
        };
        if meta.is_dir() {
            dirs.push((path, target));
        } else if wanted(name) {
            if meta.is_file() {
                found.push(Found {
                    path,
                    canonical: target,
                    linked: true,
                });
            } else {
                self.skip(path, SkipReason::NotAFile);
            }
        }
    }

    /// Lists the files found under one path given: each file not listed yet, under
    /// its path without links if it has one, else its first path in byte order.
    fn list(&mut self, mut found: Vec<Found>) {
        found.sort_by(|a, b| (a.linked, &a.path).cmp(&(b.linked, &b.path)));
        let mut listed = Vec::new();
        for f in found {
            match self.files.entry(f.canonical) {
                Entry::Occupied(first) => {
                    let first = first.get().clone();
                    self.skip(f.path, SkipReason::Duplicate { first });
                }
                Entry::Vacant(slot) => {
                    slot.insert(f.path.clone());
                    listed.push(f.path);
                }
            }
        }
        listed.sort();
        self.out.files.extend(listed);
    }
}

/// A directory's entries with their types, and the error that cut the listing short.
type Listing = (Vec<(OsString, io::Result<FileType>)>, Option<io::Error>);

/// The entries of `dir` with their types (not following symlinks), sorted by name
/// (bytes). An error part-way through the listing ends it: the entries read so far
/// come with the error.
fn read_dir_sorted(dir: &Path) -> io::Result<Listing> {
    let mut entries = Vec::new();
    let mut error = None;
    for entry in fs::read_dir(dir)? {
        match entry {
            Ok(entry) => entries.push((entry.file_name(), entry.file_type())),
            Err(err) => {
                error = Some(err);
                break;
            }
        }
    }
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    Ok((entries, error))
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use crate::files::TempDir;
    use std::os::unix::fs::symlink;

    fn touch(path: &Path) {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, "a: 1\n").unwrap();
    }

    /// Paths relative to `base`, as strings, for comparing.
    fn rel(base: &Path, paths: impl IntoIterator<Item = PathBuf>) -> Vec<String> {
        paths
            .into_iter()
            .map(|p| p.strip_prefix(base).unwrap_or(&p).display().to_string())
            .collect()
    }

    fn reasons(base: &Path, walk: &Walk) -> Vec<(String, SkipReason)> {
        let mut out: Vec<_> = walk
            .skipped
            .iter()
            .map(|s| {
                let path = s.path.strip_prefix(base).unwrap().display().to_string();
                let reason = match &s.reason {
                    SkipReason::Duplicate { first } => SkipReason::Duplicate {
                        first: first.strip_prefix(base).unwrap().to_path_buf(),
                    },
                    SkipReason::BrokenSymlink { .. } => SkipReason::BrokenSymlink {
                        error: String::new(),
                    },
                    other => other.clone(),
                };
                (path, reason)
            })
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }

    /// The tree of the module's rules:
    /// ```text
    /// outside/o.yaml
    /// tree/{a.yaml, b.yml, c.json, d.txt, E.YAML, .hidden.yaml, .git/config.yaml}
    /// tree/sub/x.yaml, tree/sub/deeper/y.yaml, tree/sub/up -> ..
    /// tree/.shared/s.yaml, tree/shared -> .shared   (a hidden dir reached by a link)
    /// tree/alias -> sub                              (a dir also reached without link)
    /// tree/loop -> .                                 (the tree itself)
    /// tree/out -> ../outside, tree/out.yaml -> ../outside/o.yaml
    /// tree/same.yaml -> a.yaml, tree/broken.yaml -> missing
    /// tree/dir.yaml/z.yaml                           (a directory named like a file)
    /// ```
    fn tree(tmp: &TempDir) -> PathBuf {
        let base = tmp.path();
        touch(&base.join("outside/o.yaml"));
        let t = base.join("tree");
        for name in [
            "a.yaml",
            "b.yml",
            "c.json",
            "d.txt",
            "E.YAML",
            ".hidden.yaml",
            ".git/config.yaml",
            "sub/x.yaml",
            "sub/deeper/y.yaml",
            ".shared/s.yaml",
            "dir.yaml/z.yaml",
        ] {
            touch(&t.join(name));
        }
        symlink("..", t.join("sub/up")).unwrap();
        symlink(".shared", t.join("shared")).unwrap();
        symlink("sub", t.join("alias")).unwrap();
        symlink(".", t.join("loop")).unwrap();
        symlink("../outside", t.join("out")).unwrap();
        symlink("../outside/o.yaml", t.join("out.yaml")).unwrap();
        symlink("a.yaml", t.join("same.yaml")).unwrap();
        symlink("missing", t.join("broken.yaml")).unwrap();
        t
    }

    #[test]
    fn a_tree_is_walked_by_the_rules() {
        let tmp = TempDir::new("walk-tree");
        let base = tmp.path();
        let t = tree(&tmp);
        let walk = walk(&[&t]);
        assert!(walk.errors.is_empty(), "{:?}", walk.errors);
        assert_eq!(
            rel(base, walk.files.clone()),
            [
                "tree/a.yaml",
                "tree/b.yml",
                "tree/c.json",
                "tree/dir.yaml/z.yaml",
                "tree/shared/s.yaml",
                "tree/sub/deeper/y.yaml",
                "tree/sub/x.yaml",
            ]
        );
        let tree = fs::canonicalize(&t).unwrap();
        let outside = fs::canonicalize(base.join("outside")).unwrap();
        let dup = |first: &str| SkipReason::Duplicate {
            first: PathBuf::from(first),
        };
        assert_eq!(
            reasons(base, &walk),
            [
                ("tree/alias".into(), dup("tree/sub")),
                (
                    "tree/broken.yaml".into(),
                    SkipReason::BrokenSymlink {
                        error: String::new()
                    }
                ),
                ("tree/loop".into(), dup("tree")),
                (
                    "tree/out".into(),
                    SkipReason::OutsideTree {
                        target: outside.clone(),
                        tree: tree.clone()
                    }
                ),
                (
                    "tree/out.yaml".into(),
                    SkipReason::OutsideTree {
                        target: outside.join("o.yaml"),
                        tree: tree.clone()
                    }
                ),
                ("tree/same.yaml".into(), dup("tree/a.yaml")),
                ("tree/sub/up".into(), dup("tree")),
            ]
        );
        let shown: Vec<String> = walk.skipped.iter().map(ToString::to_string).collect();
        let want = format!(
            "{}: symlink to {}, outside {}; not followed",
            t.join("out").display(),
            outside.display(),
            tree.display()
        );
        assert!(shown.contains(&want), "{shown:?}");
    }

    #[test]
    fn paths_given_are_taken_as_given_and_errors_do_not_stop_the_others() {
        let tmp = TempDir::new("walk-given");
        let base = tmp.path();
        let t = tree(&tmp);
        let missing = base.join("missing.yaml");
        let walk = walk(&[
            t.join("sub"),
            missing.clone(),
            t.join("d.txt"),      // a file given: taken whatever its extension
            t.join("sub/x.yaml"), // already listed
            t.join(".shared"),    // hidden, given: walked
            base.join("outside/o.yaml"),
            t.join("E.YAML"),
        ]);
        assert_eq!(
            rel(base, walk.files.clone()),
            [
                "tree/sub/deeper/y.yaml",
                "tree/sub/x.yaml",
                "tree/d.txt",
                "tree/.shared/s.yaml",
                "outside/o.yaml",
                "tree/E.YAML",
            ]
        );
        assert_eq!(walk.errors.len(), 1, "{:?}", walk.errors);
        let err = &walk.errors[0];
        assert_eq!(
            (err.path.as_path(), err.step),
            (missing.as_path(), WalkStep::Access)
        );
        assert_eq!(err.io.kind(), io::ErrorKind::NotFound);
        let shown = err.to_string();
        assert!(
            shown.starts_with(&format!("{}: cannot access: ", missing.display())),
            "{shown}"
        );
        // From tree/sub, `up` leads out of the tree given.
        assert!(
            walk.skipped.iter().any(|s| s.path == t.join("sub/up")
                && matches!(s.reason, SkipReason::OutsideTree { .. })),
            "{:?}",
            walk.skipped
        );
    }

    #[test]
    fn a_walk_is_reproducible_and_lists_each_file_once() {
        let tmp = TempDir::new("walk-again");
        let t = tree(&tmp);
        let once = walk(&[&t, &t.join("sub"), &t]);
        let again = walk(&[&t, &t.join("sub"), &t]);
        assert_eq!(once.files, again.files);
        assert_eq!(once.skipped, again.skipped);
        assert_eq!(once.files, walk(&[&t]).files);
        let mut unique = once.files.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), once.files.len());
    }

    #[test]
    fn a_tree_reached_through_a_link_is_walked_under_the_name_given() {
        let tmp = TempDir::new("walk-link-root");
        let t = tree(&tmp);
        let link = tmp.path().join("link");
        symlink(&t, &link).unwrap();
        let walk = walk(&[&link]);
        assert!(
            walk.files.contains(&link.join("sub/x.yaml")),
            "{:?}",
            walk.files
        );
        assert_eq!(walk.files.len(), 7);
    }

    #[test]
    fn a_link_cycle_between_directories_ends() {
        let tmp = TempDir::new("walk-cycle");
        let t = tmp.path().join("t");
        touch(&t.join("p/a.yaml"));
        touch(&t.join("q/b.yaml"));
        symlink("../q", t.join("p/to-q")).unwrap();
        symlink("../p", t.join("q/to-p")).unwrap();
        symlink("self-loop", t.join("self-loop")).unwrap();
        let walk = walk(&[&t]);
        assert_eq!(rel(&t, walk.files.clone()), ["p/a.yaml", "q/b.yaml"]);
        assert_eq!(walk.skipped.len(), 3, "{:?}", walk.skipped);
    }

    #[test]
    fn a_deep_tree_does_not_overflow_the_stack() {
        let tmp = TempDir::new("walk-deep");
        let mut deep = tmp.path().join("t");
        for _ in 0..1500 {
            deep.push("d");
        }
        touch(&deep.join("bottom.yaml"));
        let root = tmp.path().join("t");
        // A small stack: a walk that recursed would need far more.
        let walk = std::thread::Builder::new()
            .stack_size(64 * 1024)
            .spawn(move || walk(&[root]))
            .unwrap()
            .join()
            .unwrap();
        assert!(walk.errors.is_empty(), "{:?}", walk.errors);
        assert_eq!(walk.files.len(), 1);
        assert!(walk.files[0].ends_with("d/d/bottom.yaml"));
    }

    #[test]
    fn an_unreadable_directory_is_an_error_and_the_rest_is_walked() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = TempDir::new("walk-unreadable");
        let t = tmp.path().join("t");
        touch(&t.join("a.yaml"));
        touch(&t.join("closed/b.yaml"));
        fs::set_permissions(t.join("closed"), fs::Permissions::from_mode(0o000)).unwrap();
        let readable = fs::read_dir(t.join("closed")).is_ok();
        let walk = walk(&[&t]);
        fs::set_permissions(t.join("closed"), fs::Permissions::from_mode(0o755)).unwrap();
        if readable {
            eprintln!("SKIPPED: running as root, a directory without permissions is readable");
            return;
        }
        assert_eq!(rel(&t, walk.files), ["a.yaml"]);
        assert_eq!(walk.errors.len(), 1);
        assert_eq!(walk.errors[0].path, t.join("closed"));
        assert_eq!(walk.errors[0].step, WalkStep::ReadDir);
    }

    #[test]
    fn special_files_are_taken_only_when_given() {
        let tmp = TempDir::new("walk-fifo");
        let t = tmp.path().join("t");
        fs::create_dir_all(&t).unwrap();
        let fifo = t.join("pipe.yaml");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if !made.is_ok_and(|s| s.success()) {
            eprintln!("SKIPPED: mkfifo is not available");
            return;
        }
        let walk_dir = walk(&[&t]);
        assert!(walk_dir.files.is_empty());
        assert_eq!(walk_dir.skipped[0].reason, SkipReason::NotAFile);
        assert_eq!(walk(&[&fifo]).files, [fifo]);
    }
}
