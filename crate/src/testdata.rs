//! Where tests and benchmarks find the shared sign-digit photos (`../shared` beside the
//! repository). A user's clone has no such folder: tests skip there, but CI must have it.

use std::path::PathBuf;

/// The `sign-digits` folder, or `None` (with a note on stderr) when it is absent.
/// Panics when `CI=true`, since CI always has the data and a skip would hide a failure.
pub fn sign_digits_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("CONVLAB_SIGN_DIGITS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/sign-digits")
        });
    if dir.join("train_sign_digits.h5").is_file() {
        return Some(dir);
    }
    if std::env::var("CI").map(|v| v == "true").unwrap_or(false) {
        panic!("CI=true but the shared sign-digits data is missing at {}", dir.display());
    }
    eprintln!("skipped: no shared sign-digits data at {}", dir.display());
    None
}

/// The cross-camera validation set kept in the repository
/// (`crate/tests/fixtures/cross_camera`, made once by `crate/tests/reference/cross_camera.py`):
/// the 120 sign-digit test photos re-rendered as another photographer's photos. Each
/// photo file with its digit (from its name, `signK_NNN.jpg`), in name order.
pub fn cross_camera_photos() -> std::io::Result<Vec<(PathBuf, u8)>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cross_camera");
    let mut photos: Vec<(PathBuf, u8)> = std::fs::read_dir(&dir)?
        .filter_map(|entry| {
            let path = entry.ok()?.path();
            let name = path.file_name()?.to_str()?;
            let digit = name.strip_prefix("sign")?.split('_').next()?.parse().ok()?;
            name.ends_with(".jpg").then_some((path, digit))
        })
        .collect();
    photos.sort();
    Ok(photos)
}
