//! `cargo xtask matrix --browser-test`: load index.html from file:// in
//! Debian's headless Chromium through playwright-core and check what it
//! shows (coverage/browser-test/test.mjs). A missing browser, driver or a
//! failed assertion is an error, never a skip.

use crate::util;
use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Where .ci/setup installs playwright-core (not committed).
fn node_modules() -> PathBuf {
    util::cache().join("node/node_modules")
}

fn chromium() -> Result<PathBuf> {
    if let Some(p) = std::env::var_os("CHROMIUM") {
        return Ok(PathBuf::from(p));
    }
    for name in ["chromium", "chromium-browser"] {
        for dir in std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()) {
            let p = dir.join(name);
            if p.is_file() {
                return Ok(p);
            }
        }
    }
    bail!("no chromium on PATH (apt-get install chromium, or set CHROMIUM); the browser test cannot run")
}

pub fn run(
    out: &Path,
    conformance: &Path,
    report: Option<&Path>,
    screenshot: Option<&Path>,
) -> Result<()> {
    let modules = node_modules();
    if !modules.join("playwright-core").is_dir() {
        bail!(
            "playwright-core is not installed in {} (run .ci/setup); the browser test cannot run",
            modules.display()
        );
    }
    let chromium = chromium()?;
    let root = util::root();
    let shot = util::cache().join("matrix-browser/matrix.png");
    std::fs::create_dir_all(shot.parent().expect("has a parent"))?;
    let mut cmd = Command::new("node");
    cmd.arg(root.join("coverage/browser-test/test.mjs"))
        .arg("--html")
        .arg(out.join("index.html"))
        .arg("--matrix")
        .arg(out.join("matrix.json"))
        .arg("--record")
        .arg(root.join("generated/lm3s6965.coverage.json"))
        .arg("--conformance")
        .arg(conformance)
        .arg("--node-modules")
        .arg(&modules)
        .arg("--chromium")
        .arg(&chromium)
        .arg("--screenshot")
        .arg(&shot);
    if let Some(report) = report {
        cmd.arg("--report").arg(report);
    }
    let started = std::time::Instant::now();
    let status = cmd
        .status()
        .context("running node (is Node.js installed?)")?;
    if !status.success() {
        bail!("browser test failed ({status})");
    }
    eprintln!(
        "browser test passed in {:.1} s; screenshot {}",
        started.elapsed().as_secs_f64(),
        shot.display()
    );
    if let Some(dest) = screenshot {
        std::fs::copy(&shot, dest).with_context(|| format!("copying to {}", dest.display()))?;
        eprintln!("screenshot copied to {}", dest.display());
    }
    Ok(())
}
