//! The tools around the function, timed on the same Deployments: `kubectl kustomize`
//! building them, and kpt running an identity function (`--exec cat`) and the function
//! over them as a package (`docs/testing.md` says how each is driven).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

/// Whether `program args` runs and exits 0.
pub fn works(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Runs a command to completion with stdout discarded; its wall time in seconds, or
/// its stderr when it fails.
fn timed(command: &mut Command) -> Result<f64, String> {
    let start = Instant::now();
    let out = command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| format!("{command:?}: {e}"))?;
    let wall = start.elapsed().as_secs_f64();
    if !out.status.success() {
        return Err(format!(
            "{command:?} exited with {}: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(wall)
}

/// A kustomization of one resource file, `deployments.yaml` (a plain stream).
pub fn kustomization(dir: &Path, stream: &str) -> Result<(), String> {
    fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    write(
        &dir.join("kustomization.yaml"),
        "resources:\n- deployments.yaml\n",
    )?;
    write(&dir.join("deployments.yaml"), stream)
}

/// `kubectl kustomize DIR`, timed.
pub fn kustomize_build(dir: &Path) -> Result<f64, String> {
    timed(Command::new("kubectl").arg("kustomize").arg(dir))
}

/// A kpt package: one resource file, `deployments.yaml`.
pub fn kpt_package(dir: &Path, stream: &str) -> Result<(), String> {
    fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    write(&dir.join("deployments.yaml"), stream)
}

/// `kpt fn eval COPY --exec EXEC` on a fresh copy of `package` (kpt rewrites the
/// files it reads, so every run starts from the same bytes); only kpt is timed.
pub fn kpt_eval(package: &Path, scratch: &Path, exec: &Path) -> Result<f64, String> {
    let copy = scratch.join("package");
    if copy.exists() {
        fs::remove_dir_all(&copy).map_err(|e| format!("{}: {e}", copy.display()))?;
    }
    fs::create_dir_all(&copy).map_err(|e| format!("{}: {e}", copy.display()))?;
    for entry in fs::read_dir(package).map_err(|e| format!("{}: {e}", package.display()))? {
        let path = entry.map_err(|e| e.to_string())?.path();
        if let Some(name) = path.file_name() {
            fs::copy(&path, copy.join(name)).map_err(|e| format!("{}: {e}", path.display()))?;
        }
    }
    timed(
        Command::new("kpt")
            .args(["fn", "eval"])
            .arg(&copy)
            .arg("--exec")
            .arg(exec),
    )
}

/// `cat`, as kpt's identity function: an absolute path, so that kpt runs the same
/// program whatever the PATH.
pub fn cat() -> PathBuf {
    ["/usr/bin/cat", "/bin/cat"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .unwrap_or_else(|| PathBuf::from("cat"))
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

/// The Python of `.venv/` when it can import rapidyaml (`make bench` runs
/// `scripts/setup-rapidyaml.sh` first).
pub fn rapidyaml() -> Option<PathBuf> {
    let python = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python");
    works(&python.to_string_lossy(), &["-c", "import ryml"]).then_some(python)
}
