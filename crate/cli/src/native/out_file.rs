//! Where `convlab train` writes its weights: never over a file it did not create.

use convlab::{ConvLabError, Result};
use std::path::{Path, PathBuf};

/// Where `train` saves its weights. A file the command did not create is never replaced
/// unless `--force` says so: the check runs before training and the write itself
/// creates the file exclusively, so a file that appears during the run is kept too.
pub(super) enum OutFile {
    /// `--out PATH` (`force`: `--force` was given).
    Given { path: PathBuf, force: bool },
    /// No `--out`: weights.json, or the first free weights-N.json.
    Default,
}

impl OutFile {
    pub(super) fn check(&self) -> Result<()> {
        match self {
            OutFile::Given { path, force: false } if path.exists() => Err(taken(path)),
            OutFile::Given { path, .. } => match path.parent() {
                Some(dir) if !dir.as_os_str().is_empty() && !dir.is_dir() => {
                    Err(convlab::data_err!(
                        "cannot write {}: no folder {}",
                        path.display(),
                        dir.display()
                    ))
                }
                _ => Ok(()),
            },
            OutFile::Default => Ok(()),
        }
    }

    /// Writes `bytes` and returns the path written.
    pub(super) fn write(&self, bytes: &[u8]) -> Result<PathBuf> {
        match self {
            OutFile::Given { path, force: true } => std::fs::write(path, bytes)
                .map(|_| path.clone())
                .map_err(|e| cannot_write(path, e)),
            OutFile::Given { path, force: false } => match create_new(path, bytes) {
                Ok(()) => Ok(path.clone()),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    // Appeared during training: keep it, and keep the weights too.
                    println!(
                        "{} appeared during training: left as it was",
                        path.display()
                    );
                    write_free(path, bytes)
                }
                Err(e) => Err(cannot_write(path, e)),
            },
            OutFile::Default => {
                let wanted = Path::new("weights.json");
                let path = write_free(wanted, bytes)?;
                if path != wanted {
                    println!("{} already exists: left as it was", wanted.display());
                }
                Ok(path)
            }
        }
    }
}

/// Creates `path` with `bytes`; fails with `AlreadyExists` rather than replace a file.
fn create_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    f.write_all(bytes)
}

/// Writes `bytes` to `path` if free, else to the first free `stem-2.ext`, `stem-3.ext`, ...
fn write_free(path: &Path, bytes: &[u8]) -> Result<PathBuf> {
    let stem = path.file_stem().unwrap_or_default().to_string_lossy();
    let ext = path
        .extension()
        .map(|e| format!(".{}", e.to_string_lossy()))
        .unwrap_or_default();
    for n in 1..10_000 {
        let candidate = if n == 1 {
            path.to_path_buf()
        } else {
            path.with_file_name(format!("{stem}-{n}{ext}"))
        };
        match create_new(&candidate, bytes) {
            Ok(()) => return Ok(candidate),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(cannot_write(&candidate, e)),
        }
    }
    Err(taken(path))
}

fn taken(path: &Path) -> ConvLabError {
    convlab::data_err!(
        "{} already exists: give another --out, or add --force to replace it",
        path.display()
    )
}

fn cannot_write(path: &Path, e: std::io::Error) -> ConvLabError {
    convlab::data_err!("cannot write {}: {e}", path.display())
}

