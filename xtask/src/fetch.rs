//! The cmsis-svd 0.4 corpus: 490 vendor SVDs, fetched from PyPI with pip
//! into `.cache/` (never committed) and checked against a pinned hash.

use anyhow::{bail, Context, Result};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::Command;

const SDIST: &str = "cmsis-svd-0.4.tar.gz";
const SHA256: &str = "b5f439fc6bbc43c9b56dd822f1f764359d503c685a42f913a1cfc2a3c6c42b2c";
pub const EXPECTED_SVDS: usize = 490;

/// The directory holding `<Vendor>/<chip>.svd`, fetching it if needed.
pub fn corpus_dir() -> Result<PathBuf> {
    let cache = crate::util::cache().join("corpus");
    let data = cache.join("cmsis-svd-0.4/cmsis_svd/data");
    if data.is_dir() {
        return Ok(data);
    }
    std::fs::create_dir_all(&cache)?;
    let sdist = cache.join(SDIST);
    if !sdist.exists() {
        eprintln!("fetching cmsis-svd==0.4 with pip …");
        let status = Command::new("python3")
            .args(["-m", "pip", "download", "--no-deps", "--no-binary", ":all:"])
            .arg("cmsis-svd==0.4")
            .arg("-d")
            .arg(&cache)
            .status()
            .context("running python3 -m pip (is Python 3 with pip installed?)")?;
        if !status.success() {
            bail!("pip download cmsis-svd==0.4 failed");
        }
    }
    verify(&sdist)?;
    let status = Command::new("tar")
        .arg("xzf")
        .arg(&sdist)
        .arg("-C")
        .arg(&cache)
        .status()
        .context("running tar")?;
    if !status.success() || !data.is_dir() {
        bail!("could not unpack {}", sdist.display());
    }
    Ok(data)
}

fn verify(sdist: &Path) -> Result<()> {
    let bytes = std::fs::read(sdist).with_context(|| format!("reading {}", sdist.display()))?;
    let got: String = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    if got != SHA256 {
        std::fs::remove_file(sdist).ok();
        bail!(
            "{} has sha256 {got}, expected {SHA256}; removed it, run again",
            sdist.display()
        );
    }
    Ok(())
}

/// Every SVD in the corpus as (vendor, path), sorted.
pub fn list(data: &Path) -> Result<Vec<(String, PathBuf)>> {
    let mut out = Vec::new();
    for vendor in std::fs::read_dir(data)? {
        let vendor = vendor?.path();
        if !vendor.is_dir() {
            continue;
        }
        let name = vendor
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        for f in std::fs::read_dir(&vendor)? {
            let f = f?.path();
            if f.extension().is_some_and(|e| e.eq_ignore_ascii_case("svd")) {
                out.push((name.clone(), f));
            }
        }
    }
    out.sort();
    Ok(out)
}
