//! Paths and small helpers shared by the tasks.

use std::path::PathBuf;

/// The workspace root (xtask's parent directory).
pub fn root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

/// The uncommitted cache: corpus download, generated corpus, target dirs.
pub fn cache() -> PathBuf {
    root().join(".cache")
}

/// An SVD named as `corpus:<Vendor>/<file>` (from the fetched cmsis-svd
/// corpus) or by a path relative to the workspace root.
pub fn svd_path(entry: &str) -> anyhow::Result<PathBuf> {
    Ok(match entry.strip_prefix("corpus:") {
        Some(rel) => crate::fetch::corpus_dir()?.join(rel),
        None => root().join(entry),
    })
}

/// Median of a non-empty sample.
pub fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}
