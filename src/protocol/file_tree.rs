//! `fix PATH...` and `check PATH...`: the manifests of a repository, files and
//! directories, as one input. Each file is hardened exactly as a plain stream would be
//! and checked the same way; a file that cannot be read, or whose output does not
//! check out, is reported with its position and left as it was while the others go on.
//! Writing the files back (`fix`) is asked of the result, and the diff of them that
//! `fix --diff` prints is rendered from it (`report::patch`), so that nothing is
//! written before every file is decided.

use std::path::{Path, PathBuf};

use super::output::{self, checked};
use super::{ConfigSource, stream};
use crate::config::Settings;
use crate::evidence;
use crate::files::{self, Skipped, WalkError, WriteError};
use crate::filter::{Filter, Outcome};
use crate::input::{self, InputError};
use crate::messages;
use crate::rbac::{Object, Origin};
use crate::replacement::Replacement;
use crate::results::{File, FnResult, Row, RowChange, Severity, Tally};
use crate::yaml::{Document, Edits};

/// What became of one file.
#[derive(Debug, Default)]
pub struct FileRun {
    /// The file, named as the walk found it.
    pub path: PathBuf,
    /// Its text as read (empty when it could not be read as text).
    pub text: String,
    /// The exact changes, in order, when the file changes (none in audit mode).
    pub replacements: Vec<Replacement>,
    /// The new text, when the file changes.
    pub output: Option<String>,
    /// What the function found in it, positions in `text`.
    pub results: Vec<FnResult>,
    /// Its Pod templates, for the auditors' inventory.
    pub rows: Vec<Row>,
    /// Its Pod templates by what became of them.
    pub tally: Tally,
    /// Why the file was left as it was, when it could not be read or its output did not
    /// check out.
    pub error: Option<FileError>,
}

impl FileRun {
    /// The file could not be written (`error`): it is as it was.
    fn not_written(&mut self, error: &WriteError) {
        self.output = None;
        self.replacements.clear();
        self.error = Some(FileError {
            at: None,
            message: messages::not_written(&error.step, &error.io),
        });
        self.tally = self.tally.left_unchanged();
        for row in &mut self.rows {
            row.change = RowChange::LeftUnchanged;
        }
        // What says a change was made is no longer true.
        self.results.retain(|r| r.severity != Severity::Info);
    }
}

/// Why a file was left as it was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileError {
    /// 1-based line and column in the file, when the problem is at one.
    pub at: Option<(usize, usize)>,
    /// What is wrong.
    pub message: String,
}

/// What a run over a set of paths found.
#[derive(Debug)]
pub struct TreeRun {
    /// Every file taken, in the order of the walk.
    pub files: Vec<FileRun>,
    /// Entries the walk left out for a reason worth telling.
    pub skipped: Vec<Skipped>,
    /// Paths that could not be walked.
    pub unreadable: Vec<WalkError>,
    /// The settings the run used: reports describe the run with them.
    pub settings: Settings,
    /// Where they came from.
    pub config: ConfigSource,
}

/// Walks `paths` and hardens (or, in audit mode, checks) every file found with
/// `settings`. All the files are one input: the RBAC objects of every file are read
/// before any file is hardened, with those of `--evidence` files (`extra`,
/// [`super::read_evidence`]). Nothing is written. With `fixes`, each result carries the
/// exact change it is about (made, or that enforce mode would make), for a report.
pub fn run(
    paths: &[PathBuf],
    settings: Settings,
    config: ConfigSource,
    fixes: bool,
    extra: &[(Origin, Object)],
) -> TreeRun {
    let settings = &settings;
    let walk = files::walk(paths);
    let texts: Vec<Result<String, FileError>> = walk.files.iter().map(|p| read(p)).collect();
    let docs: Vec<Result<Document<'_>, FileError>> = texts
        .iter()
        .map(|text| match text {
            Ok(text) => input::parse(text).map_err(input_error),
            Err(e) => Err(e.clone()),
        })
        .collect();
    let objects = docs.iter().flatten().flat_map(|doc| {
        doc.roots()
            .iter()
            .flat_map(move |root| evidence::objects(doc, root))
    });
    let inventory = super::inventory_of(settings.rbac, objects.chain(extra.iter().cloned()));
    let filter = Filter::new(settings, &inventory);
    let files = walk
        .files
        .iter()
        .zip(&docs)
        .zip(&texts)
        .map(|((path, doc), text)| {
            let mut run = match doc {
                Ok(doc) => file(doc, &filter, path, fixes),
                Err(error) => FileRun {
                    error: Some(error.clone()),
                    ..FileRun::default()
                },
            };
            run.path = path.clone();
            run.text = text.clone().unwrap_or_default();
            run
        })
        .collect();
    TreeRun {
        files,
        skipped: walk.skipped,
        unreadable: walk.errors,
        settings: settings.clone(),
        config,
    }
}

fn read(path: &Path) -> Result<String, FileError> {
    let bytes = std::fs::read(path).map_err(|e| FileError {
        at: None,
        message: messages::not_read(&e),
    })?;
    input::utf8(&bytes).map(str::to_owned).map_err(input_error)
}

/// The error with its position apart, since lines about files lead with it.
fn input_error(e: InputError) -> FileError {
    match e {
        InputError::NotUtf8 { line, column } => FileError {
            at: Some((line, column)),
            message: messages::NOT_UTF8.into(),
        },
        InputError::Yaml(p) => FileError {
            at: Some((p.line, p.column)),
            message: messages::not_yaml(&p.message),
        },
        InputError::ChartTemplate { error: p, line } => FileError {
            at: Some((p.line, p.column)),
            message: messages::chart_template_not_yaml(&p.message, line),
        },
    }
}

/// One file, hardened as a stream but for documents that are not Kubernetes objects,
/// which a repository has plenty of (a chart's values, a tool's settings): they pass
/// silently. Its path and text are the caller's to fill in.
fn file(doc: &Document<'_>, filter: &Filter<'_>, path: &Path, fixes: bool) -> FileRun {
    let mut run = FileRun::default();
    let mut outcomes: Vec<Outcome> = stream::outcomes(doc, filter, false);
    // Results say which file and document they are about, as kpt's annotations would.
    for (index, outcome) in outcomes.iter_mut().enumerate() {
        for result in &mut outcome.results {
            result.file.get_or_insert_with(|| File {
                path: path.display().to_string(),
                index: u64::try_from(index).ok(),
            });
        }
    }
    let checked = output::check_proposals(doc, &mut outcomes)
        .and_then(|()| checked(doc, &mut outcomes, |_| None));
    if fixes {
        output::attach_fixes(&mut outcomes);
    }
    match checked {
        Ok(output) => {
            if output != doc.text() {
                run.output = Some(output);
                let sets: Vec<&Edits> = outcomes.iter().map(|o| &o.edits).collect();
                run.replacements = Edits::replacements(&sets);
            }
        }
        Err(rejected) => {
            run.error = Some(FileError {
                at: None,
                message: rejected.to_string(),
            })
        }
    }
    run.results = output::results(&outcomes);
    run.tally = output::tally(&outcomes);
    run.rows = outcomes.into_iter().flat_map(|o| o.rows).collect();
    run
}

impl TreeRun {
    /// Writes every changed file back, atomically. A file that could not be written is
    /// as it was: it becomes an error of that file, and nothing of it counts as changed
    /// (its Pod templates are left unchanged), so that the summary and a report written
    /// afterwards tell what happened.
    pub fn write(&mut self) {
        self.write_with(files::write_atomic);
    }

    /// [`TreeRun::write`], with the write of one file given as `write`: a test makes it
    /// fail where the file system will not.
    pub fn write_with(&mut self, mut write: impl FnMut(&Path, &[u8]) -> Result<(), WriteError>) {
        for file in &mut self.files {
            let Some(output) = &file.output else {
                continue;
            };
            if let Err(e) = write(&file.path, output.as_bytes()) {
                file.not_written(&e);
            }
        }
    }

    /// How many files were changed on disk (`fix`), or would be (`fix --diff`).
    pub fn changed(&self) -> usize {
        self.files.iter().filter(|f| f.output.is_some()).count()
    }

    /// [`crate::results::exit_code`] of the run: 1 when a result is an error, a file
    /// failed or a path could not be walked.
    pub fn exit_code(&self) -> u8 {
        crate::results::exit_code(
            self.files.iter().flat_map(|f| &f.results),
            self.failed() + self.unreadable.len(),
        )
    }

    /// How many files are left as they were because of an error: unreadable, refused by
    /// the check, or not written.
    pub fn failed(&self) -> usize {
        self.files.iter().filter(|f| f.error.is_some()).count()
    }

    /// The Pod templates of every file, by what became of them.
    pub fn tally(&self) -> Tally {
        self.files
            .iter()
            .fold(Tally::default(), |sum, f| sum + f.tally)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::files::WriteStep;

    const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: a\n    image: x\n";

    #[test]
    fn a_file_that_cannot_be_written_is_a_failure_not_a_change() {
        let tmp = std::env::temp_dir().join(format!("hst-write-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&tmp);
        std::fs::create_dir_all(&tmp).unwrap();
        let (ok, bad) = (tmp.join("ok.yaml"), tmp.join("bad.yaml"));
        std::fs::write(&ok, POD).unwrap();
        std::fs::write(&bad, POD).unwrap();
        let mut run = run(
            std::slice::from_ref(&tmp),
            Settings::default(),
            ConfigSource::Defaults,
            true,
            &[],
        );
        assert_eq!((run.changed(), run.failed()), (2, 0));
        run.write_with(|path, bytes| {
            if path.ends_with("bad.yaml") {
                return Err(WriteError {
                    path: path.to_owned(),
                    step: WriteStep::Rename,
                    io: std::io::Error::from(std::io::ErrorKind::PermissionDenied),
                });
            }
            files::write_atomic(path, bytes)
        });
        assert_eq!((run.changed(), run.failed()), (1, 1));
        let bad_run = run.files.iter().find(|f| f.path == bad).unwrap();
        assert!(bad_run.output.is_none() && bad_run.replacements.is_empty());
        let error = bad_run.error.as_ref().unwrap();
        assert!(error.message.starts_with("cannot write it: "), "{error:?}");
        assert_eq!(bad_run.tally.hardened, 0);
        assert_eq!(bad_run.tally.not_hardened, 1);
        assert!(
            bad_run
                .rows
                .iter()
                .all(|r| r.change == RowChange::LeftUnchanged)
        );
        assert!(bad_run.results.iter().all(|r| r.severity != Severity::Info));
        assert_eq!(run.tally().hardened, 1);
        assert_eq!(std::fs::read_to_string(&bad).unwrap(), POD);
        assert_ne!(std::fs::read_to_string(&ok).unwrap(), POD);
        std::fs::remove_dir_all(&tmp).unwrap();
    }
}
