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
