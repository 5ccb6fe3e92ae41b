//! `cargo xtask regen [--check]`: the crates checked in under `generated/`.
//!
//! `--check` regenerates into a scratch directory and fails, printing the
//! diff, if anything differs from what is checked in.

use anyhow::{bail, Context, Result};
use std::process::Command;

/// SVDs whose crates are checked in: the bundled ones (QEMU boards with no
/// published SVD). `corpus:` entries come from the cmsis-svd cache.
pub const CURATED: &[&str] = &["svd/LM3S6965.svd", "svd/CMSDK_AN385.svd"];

#[derive(clap::Args)]
pub struct Args {
    /// Compare instead of writing; fail on any difference.
    #[arg(long)]
    check: bool,
}

pub fn run(args: Args) -> Result<()> {
    let root = crate::util::root();
    let generated = root.join("generated");
    let out = if args.check {
        let scratch = crate::util::cache().join("regen-check");
        let _ = std::fs::remove_dir_all(&scratch);
        scratch
    } else {
        generated.clone()
    };
    let mut dirs = Vec::new();
    for entry in CURATED {
        let svd = crate::util::svd_path(entry)?;
        let config = hal_gen::Config::default();
        let g = hal_gen::generate(&svd, &config).with_context(|| format!("generating {entry}"))?;
        let report = hal_gen::write_output(&out, &g.files, &g.chip.svd_file, &config)?;
        for d in report.written.iter().chain(&report.unchanged) {
            dirs.push(d.file_name().unwrap_or_default().to_os_string());
        }
    }
    if !args.check {
        println!("regenerated {} crate(s) under generated/", dirs.len());
        return Ok(());
    }
    let mut drift = false;
    for d in &dirs {
        let diff = Command::new("diff")
            .arg("-ru")
            .arg(generated.join(d))
            .arg(out.join(d))
            .output()
            .context("running diff")?;
        if !diff.status.success() {
            drift = true;
            let text = String::from_utf8_lossy(&diff.stdout);
            let shown: Vec<&str> = text.lines().take(200).collect();
            println!(
                "{}\n{}",
                shown.join("\n"),
                if text.lines().count() > 200 {
                    "… (diff truncated)"
                } else {
                    ""
                }
            );
        }
    }
    if drift {
        bail!("generated/ is out of date: run `cargo xtask regen` and commit the result");
    }
    println!(
        "generated/: {} crate(s) match a fresh regeneration",
        dirs.len()
    );
    Ok(())
}
