//! `cargo xtask cross`: build generated PACs for their target (thumb or
//! riscv), then their HAL crates with the examples (release, linked with
//! the PAC's memory.x), so "builds for the target" includes a linked
//! firmware.

use anyhow::{bail, Context, Result};
use std::path::PathBuf;
use std::time::Instant;

#[derive(clap::Args)]
pub struct Args {
    /// SVD files to generate and build. Default: the bundled SVDs, one
    /// corpus chip per major vendor and a RISC-V sample from the
    /// validation corpus.
    svds: Vec<PathBuf>,
}

/// RISC-V chips from the validation corpus (../shared/corpus, never
/// committed): a SiFive part without <cpu>, a part whose <cpu> says CM3,
/// and an Espressif part with an ISA string.
pub const RISCV_SAMPLE: &[&str] = &[
    "SiFive-Community/e310x.svd",
    "GigaDevice/GD32VF103.svd",
    "Espressif/esp32c3.svd",
];

/// Corpus chips whose PACs must build for their target (issue acceptance).
pub const DEFAULT_CORPUS: &[&str] = &[
    "STMicro/STM32F40x.svd",
    "Nordic/nrf51.svd",
    "Freescale/MK64F12.svd",
    "Fujitsu/MB9BF50xR.svd",
    "Atmel/ATSAM3X8E.svd",
];

pub fn run(args: Args) -> Result<()> {
    let mut svds = args.svds;
    if svds.is_empty() {
        let root = crate::util::root();
        svds.push(root.join("svd/LM3S6965.svd"));
        svds.push(root.join("svd/CMSDK_AN385.svd"));
        let data = crate::fetch::corpus_dir()?;
        svds.extend(DEFAULT_CORPUS.iter().map(|p| data.join(p)));
        let validation = crate::corpus::validation_dir()?;
        svds.extend(RISCV_SAMPLE.iter().map(|p| validation.join(p)));
    }
    let out = crate::util::cache().join("cross-out");
    let target_dir = crate::util::cache().join("cross-target");
    let mut failures = 0;
    for svd in &svds {
        let config = hal_gen::Config {
            force: true,
            ..Default::default()
        };
        let g = hal_gen::generate(svd, &config)
            .with_context(|| format!("generating {}", svd.display()))?;
        hal_gen::write_output(&out, &g.files, &g.chip.svd_file, &config)?;
        let Some(triple) = g.chip.target.triple else {
            println!(
                "{:<14} no target to build for ({:?}); skipped",
                g.chip.name, g.chip.target.arch
            );
            continue;
        };
        let toolchain = hal_gen::cross::detect(triple)?;
        let started = Instant::now();
        let status = toolchain
            .cargo(
                "build",
                &out.join(g.chip.pac_crate_name()),
                triple,
                &target_dir,
            )
            .args(["--quiet", "--features", "all,rt"])
            .status()
            .context("running cargo")?;
        let secs = started.elapsed().as_secs_f64();
        let verdict = if status.success() {
            "ok"
        } else {
            failures += 1;
            "FAILED"
        };
        println!(
            "{:<14} {triple:<24} pac {verdict:<6} {secs:>6.1} s  ({toolchain:?})",
            g.chip.name
        );
        let started = Instant::now();
        let status = toolchain
            .cargo(
                "build",
                &out.join(g.chip.hal_crate_name()),
                triple,
                &target_dir,
            )
            .args([
                "--quiet",
                "--release",
                "--features",
                "rt,memory-x",
                "--lib",
                "--examples",
            ])
            .status()
            .context("running cargo")?;
        let secs = started.elapsed().as_secs_f64();
        let verdict = if status.success() {
            "ok"
        } else {
            failures += 1;
            "FAILED"
        };
        println!(
            "{:<14} {triple:<24} hal {verdict:<6} {secs:>6.1} s  (lib + examples, release)",
            g.chip.name
        );
    }
    if failures > 0 {
        bail!("{failures} crate(s) failed to build for their target");
    }
    Ok(())
}
