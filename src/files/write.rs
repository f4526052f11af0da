//! Replacing a file's contents atomically, for `fix PATH...`.
//!
//! A manifest is either left as it was or holds the whole new text, never half of it,
//! whatever happens during the write (a full disk, a crash, Ctrl-C): the new text goes
//! to a temporary file in the same directory (same filesystem), is synced to disk, gets
//! the original's permissions (and, on Unix, owner and group), and is then renamed over
//! the original, which the system does in one step. When any step fails the temporary
//! file is removed and the original is untouched.
//!
//! Decisions:
//! - a symlink is resolved and its target replaced, so the link stays a link and points
//!   where it did (replacing the link itself with a file would silently cut it);
//! - only an existing regular file is replaced: a missing file, a directory or a FIFO
//!   is an error, as the function only rewrites what it has read;
//! - on Unix the owner and group are kept, so that a run as root over a mounted
//!   checkout does not leave root-owned files; when they cannot be kept (not root, and
//!   the file belongs to someone else) that is an error and nothing is written, rather
//!   than a quiet change of ownership;
//! - the temporary file is `.<name>.harden-sa-token-<pid>-<n>.tmp` (hidden, so a
//!   walk never takes it), created exclusively so it never replaces anything, readable
//!   only by its owner until it gets the original's permissions;
//! - what a rename cannot keep is not kept: the file gets a new inode, so other hard
//!   links to it keep the old text, and extended attributes and ACLs are not copied.
//!   After the rename the directory is synced, on a best-effort basis (some
//!   filesystems cannot), since the file itself is already in place.

use std::ffi::OsStr;
use std::fs::{self, File, Metadata, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// A file that could not be replaced; it is as it was.
#[derive(Debug, thiserror::Error)]
#[error("{}: {step}: {io}", path.display())]
pub struct WriteError {
    /// The file, as named by the caller.
    pub path: PathBuf,
    /// The step that failed.
    pub step: WriteStep,
    /// What the system said.
    pub io: io::Error,
}

/// A step of [`write_atomic`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum WriteStep {
    /// Finding the regular file to replace (through any symlinks).
    #[error("cannot find the file to replace")]
    Resolve,
    /// Creating the temporary file next to it.
    #[error("cannot create a temporary file in its directory")]
    Create,
    /// Writing the new contents to the temporary file.
    #[error("cannot write the temporary file")]
    Write,
    /// Giving the temporary file the original's owner and group.
    #[error("cannot give the new file the original's owner and group")]
    Owner,
    /// Giving the temporary file the original's permissions.
    #[error("cannot give the new file the original's permissions")]
    Permissions,
    /// Syncing the temporary file to disk.
    #[error("cannot sync the temporary file to disk")]
    Sync,
    /// Renaming the temporary file over the original.
    #[error("cannot rename the temporary file over it")]
    Rename,
}

/// Replaces the contents of the existing file `path` (through symlinks) with
/// `contents`, atomically, keeping its permissions; see the [module](self) for how.
///
/// It always writes: a caller that keeps unchanged files untouched (their times, their
/// inode) compares before calling.
pub fn write_atomic(path: &Path, contents: &[u8]) -> Result<(), WriteError> {
    replace(path, contents, |_| Ok(()))
}

/// How many temporary names one call tries before giving up.
const TEMP_ATTEMPTS: u64 = 100;

/// Tells the temporary files of one process apart.
static COUNTER: AtomicU64 = AtomicU64::new(0);

/// [`write_atomic`], with `fault` called before each step from [`WriteStep::Create`] on
/// so that tests can make any step fail.
fn replace(
    path: &Path,
    contents: &[u8],
    fault: impl Fn(WriteStep) -> io::Result<()>,
) -> Result<(), WriteError> {
    let fail = |step, io| WriteError {
        path: path.to_path_buf(),
        step,
        io,
    };
    let target = fs::canonicalize(path).map_err(|e| fail(WriteStep::Resolve, e))?;
    let meta = fs::metadata(&target).map_err(|e| fail(WriteStep::Resolve, e))?;
    let (Some(dir), Some(name), true) = (target.parent(), target.file_name(), meta.is_file())
    else {
        let io = io::Error::new(io::ErrorKind::InvalidInput, "not a regular file");
        return Err(fail(WriteStep::Resolve, io));
    };

    fault(WriteStep::Create).map_err(|e| fail(WriteStep::Create, e))?;
    let (temp, file) = create_temp(dir, name).map_err(|e| fail(WriteStep::Create, e))?;
    let done = fill(file, contents, &meta, &fault).and_then(|()| {
        fault(WriteStep::Rename)
            .and_then(|()| fs::rename(&temp, &target))
            .map_err(|e| (WriteStep::Rename, e))
    });
    if let Err((step, io)) = done {
        // The error that matters is the one above; a temporary file that cannot be
        // removed either is hidden and named after its process.
        let _ = fs::remove_file(&temp);
        return Err(fail(step, io));
    }
    if let Ok(dir) = File::open(dir) {
        let _ = dir.sync_all();
    }
    Ok(())
}

/// Creates a new temporary file in `dir` for the file `name`, readable and writable
/// by its owner only.
fn create_temp(dir: &Path, name: &OsStr) -> io::Result<(PathBuf, File)> {
    // Keep the name within the usual 255-byte limit however long the original's is.
    let name: String = {
        let lossy = name.to_string_lossy();
        let mut short = String::new();
        for c in lossy.chars() {
            if short.len() + c.len_utf8() > 128 {
                break;
            }
            short.push(c);
        }
        short
    };
    let pid = std::process::id();
    let mut last = None;
    for _ in 0..TEMP_ATTEMPTS {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let temp = dir.join(format!(".{name}.harden-sa-token-{pid}-{n}.tmp"));
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        match options.open(&temp) {
            Ok(file) => return Ok((temp, file)),
            Err(err) if err.kind() == io::ErrorKind::AlreadyExists => last = Some(err),
            Err(err) => return Err(err),
        }
    }
    Err(last.unwrap_or_else(|| io::Error::other("no temporary name was free")))
}

/// Writes `contents` to the temporary file, gives it the original's owner and
/// permissions, and syncs it.
fn fill(
    mut file: File,
    contents: &[u8],
    original: &Metadata,
    fault: &impl Fn(WriteStep) -> io::Result<()>,
) -> Result<(), (WriteStep, io::Error)> {
    let step = |step: WriteStep, run: &mut dyn FnMut() -> io::Result<()>| {
        fault(step).and_then(|()| run()).map_err(|e| (step, e))
    };
    step(WriteStep::Write, &mut || file.write_all(contents))?;
    // Owner first: changing it clears set-user-ID and set-group-ID bits.
    step(WriteStep::Owner, &mut || keep_owner(&file, original))?;
    step(WriteStep::Permissions, &mut || {
        file.set_permissions(original.permissions())
    })?;
    step(WriteStep::Sync, &mut || file.sync_all())
}

/// Gives `file` the owner and group of `original` when they differ.
#[cfg(unix)]
fn keep_owner(file: &File, original: &Metadata) -> io::Result<()> {
    use std::os::unix::fs::MetadataExt;
    let now = file.metadata()?;
    if (now.uid(), now.gid()) == (original.uid(), original.gid()) {
        return Ok(());
    }
    std::os::unix::fs::fchown(file, Some(original.uid()), Some(original.gid()))
}

#[cfg(not(unix))]
fn keep_owner(_: &File, _: &Metadata) -> io::Result<()> {
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use crate::files::TempDir;
    use std::os::unix::fs::{MetadataExt, PermissionsExt, symlink};

    /// The names in `dir`, sorted.
    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    fn file_with_mode(dir: &Path, name: &str, mode: u32) -> PathBuf {
        let path = dir.join(name);
        fs::write(&path, "old\n").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(mode)).unwrap();
        path
    }

    #[test]
    fn the_contents_are_replaced_and_the_mode_kept() {
        let tmp = TempDir::new("write-mode");
        for (name, mode) in [
            ("private.yaml", 0o600),
            ("tool.yaml", 0o755),
            ("ro.yaml", 0o444),
        ] {
            let path = file_with_mode(tmp.path(), name, mode);
            let inode = fs::metadata(&path).unwrap().ino();
            write_atomic(&path, b"new\n").unwrap();
            assert_eq!(fs::read(&path).unwrap(), b"new\n");
            let meta = fs::metadata(&path).unwrap();
            assert_eq!(meta.mode() & 0o7777, mode, "{name}");
            assert_ne!(
                meta.ino(),
                inode,
                "{name}: replaced, not rewritten in place"
            );
        }
        assert_eq!(names(tmp.path()), ["private.yaml", "ro.yaml", "tool.yaml"]);
    }

    #[test]
    fn a_symlink_stays_a_symlink_and_its_target_is_replaced() {
        let tmp = TempDir::new("write-link");
        let real = file_with_mode(tmp.path(), "real.yaml", 0o640);
        fs::create_dir(tmp.path().join("links")).unwrap();
        let link = tmp.path().join("links/link.yaml");
        symlink("../real.yaml", &link).unwrap();
        write_atomic(&link, b"through the link\n").unwrap();
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(fs::read_link(&link).unwrap(), Path::new("../real.yaml"));
        assert_eq!(fs::read(&real).unwrap(), b"through the link\n");
        assert_eq!(fs::metadata(&real).unwrap().mode() & 0o7777, 0o640);
        assert_eq!(names(tmp.path()), ["links", "real.yaml"]);
        assert_eq!(names(&tmp.path().join("links")), ["link.yaml"]);
    }

    #[test]
    fn owner_and_group_are_kept_when_running_as_root() {
        let tmp = TempDir::new("write-owner");
        let path = file_with_mode(tmp.path(), "owned.yaml", 0o644);
        if std::os::unix::fs::chown(&path, Some(4321), Some(4321)).is_err() {
            eprintln!("SKIPPED: not root, cannot give a file to another owner");
            return;
        }
        write_atomic(&path, b"new\n").unwrap();
        let meta = fs::metadata(&path).unwrap();
        assert_eq!((meta.uid(), meta.gid()), (4321, 4321));
        assert_eq!(meta.mode() & 0o7777, 0o644);
    }

    #[test]
    fn what_is_not_an_existing_regular_file_is_refused() {
        let tmp = TempDir::new("write-refused");
        let file = file_with_mode(tmp.path(), "file.yaml", 0o644);
        let under_file = file.join("x.yaml");
        let missing = tmp.path().join("missing.yaml");
        let dangling = tmp.path().join("dangling.yaml");
        symlink("missing.yaml", &dangling).unwrap();
        let dir = tmp.path().join("dir.yaml");
        fs::create_dir(&dir).unwrap();
        for path in [&under_file, &missing, &dangling, &dir] {
            let err = write_atomic(path, b"new\n").unwrap_err();
            assert_eq!((&err.path, err.step), (path, WriteStep::Resolve), "{err}");
            assert!(
                err.to_string().starts_with(&format!(
                    "{}: cannot find the file to replace: ",
                    path.display()
                )),
                "{err}"
            );
        }
        assert_eq!(fs::read(&file).unwrap(), b"old\n");
        assert_eq!(
            names(tmp.path()),
            ["dangling.yaml", "dir.yaml", "file.yaml"]
        );
    }

    #[test]
    fn a_failing_step_leaves_the_original_and_no_temporary_file() {
        let tmp = TempDir::new("write-fault");
        let path = file_with_mode(tmp.path(), "f.yaml", 0o600);
        for failing in [
            WriteStep::Create,
            WriteStep::Write,
            WriteStep::Owner,
            WriteStep::Permissions,
            WriteStep::Sync,
            WriteStep::Rename,
        ] {
            let fault = |step| {
                if step == failing {
                    Err(io::Error::other("injected"))
                } else {
                    Ok(())
                }
            };
            let err = replace(&path, b"new\n", fault).unwrap_err();
            assert_eq!(err.step, failing);
            assert_eq!(err.path, path);
            assert_eq!(fs::read(&path).unwrap(), b"old\n", "{failing:?}");
            assert_eq!(names(tmp.path()), ["f.yaml"], "{failing:?}");
        }
    }

    #[test]
    fn a_read_only_directory_fails_cleanly() {
        let tmp = TempDir::new("write-ro-dir");
        let dir = tmp.path().join("ro");
        fs::create_dir(&dir).unwrap();
        let path = file_with_mode(&dir, "f.yaml", 0o644);
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o555)).unwrap();
        let result = write_atomic(&path, b"new\n");
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).unwrap();
        match result {
            Ok(()) => eprintln!("SKIPPED: running as root, a read-only directory is writable"),
            Err(err) => {
                assert_eq!(err.step, WriteStep::Create, "{err}");
                assert_eq!(fs::read(&path).unwrap(), b"old\n");
                assert_eq!(names(&dir), ["f.yaml"]);
            }
        }
    }

    #[test]
    fn temporary_names_are_hidden_and_do_not_clobber() {
        let tmp = TempDir::new("write-names");
        let name = OsStr::new("x.yaml");
        let (first, _f1) = create_temp(tmp.path(), name).unwrap();
        let (second, _f2) = create_temp(tmp.path(), name).unwrap();
        assert_ne!(first, second);
        let shown = first.file_name().unwrap().to_string_lossy().into_owned();
        let prefix = format!(".x.yaml.harden-sa-token-{}-", std::process::id());
        assert!(
            shown.starts_with(&prefix) && shown.ends_with(".tmp"),
            "{shown}"
        );
        assert_eq!(fs::metadata(&first).unwrap().mode() & 0o777, 0o600);
        // A name at the system's limit still gets a temporary file.
        let long = "l".repeat(250) + ".yaml";
        let path = file_with_mode(tmp.path(), &long, 0o644);
        write_atomic(&path, b"new\n").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"new\n");
    }
}
