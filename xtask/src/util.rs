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
/// corpus), `validation:<Vendor>/<file>` (the validation corpus, unpacked
/// on first use) or by a path relative to the workspace root.
pub fn svd_path(entry: &str) -> anyhow::Result<PathBuf> {
    if let Some(rel) = entry.strip_prefix("corpus:") {
        return Ok(crate::fetch::corpus_dir()?.join(rel));
    }
    if let Some(rel) = entry.strip_prefix("validation:") {
        return Ok(crate::corpus::validation_dir()?.join(rel));
    }
    Ok(root().join(entry))
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
