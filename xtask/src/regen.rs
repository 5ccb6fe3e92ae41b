//! `cargo xtask regen [--check]`: the crates checked in under `generated/`.
//!
//! `--check` regenerates into a scratch directory and fails, printing the
//! diff, if anything differs from what is checked in.
//!
//! The bundled chips are checked in whole. For the curated corpus and
//! validation-corpus chips only the HAL crate and the coverage record are:
//! their PACs run to megabytes each, so `generated/pac-inputs.lock` pins
//! what they are made from (the SVD's hash, hal-gen's version) and the hash
//! of the PAC tree, and `--check` compares a fresh PAC against that hash.
//! `cargo xtask regen` writes the PACs beside the HALs (git ignores them).

use anyhow::{bail, Context, Result};
use std::process::Command;

/// SVDs whose crates are checked in: the bundled ones (QEMU boards with no
/// published SVD). `corpus:` entries come from the cmsis-svd cache,
/// `validation:` entries from the validation corpus.
pub const CURATED: &[&str] = &["svd/LM3S6965.svd", "svd/CMSDK_AN385.svd"];

/// Corpus chips whose HAL is checked in: the conformance boards' chips and
/// one chip per remaining vendor.
pub const CURATED_CORPUS: &[&str] = &[
    "corpus:Nordic/nrf51.svd",
    "corpus:STMicro/STM32F40x.svd",
    "corpus:STMicro/STM32F20x.svd",
    "corpus:STMicro/STM32F100xx.svd",
    "corpus:Freescale/MKL25Z4.svd",
    "corpus:Fujitsu/MB9BF50xR.svd",
    "corpus:Atmel/ATSAMD21G18A.svd",
    "corpus:SiliconLabs/SIM3U1x7_SVD.svd",
    "corpus:NXP/LPC11Uxx_v7.svd",
    "corpus:Toshiba/M367.svd",
    "corpus:Holtek/ht32f175x.svd",
    "corpus:Nuvoton/M051_Series.svd",
];

/// Validation-corpus chips whose HAL is checked in: the RISC-V
/// conformance board's chip (QEMU sifive_e, the FE310).
pub const CURATED_VALIDATION: &[&str] = &["validation:SiFive-Community/e310x.svd"];

/// Every curated SVD: bundled, then corpus, then validation corpus.
pub fn curated() -> impl Iterator<Item = &'static str> {
    CURATED
        .iter()
        .chain(CURATED_CORPUS)
        .chain(CURATED_VALIDATION)
        .copied()
}

/// Whether only the entry's HAL is checked in and its PAC is pinned by
/// generated/pac-inputs.lock (the corpus and validation-corpus chips).
pub fn pac_locked(entry: &str) -> bool {
    CURATED_CORPUS.contains(&entry) || CURATED_VALIDATION.contains(&entry)
}

fn lock_file() -> std::path::PathBuf {
    crate::util::root().join("generated/pac-inputs.lock")
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A hash over a directory tree: sorted relative paths and contents.
fn tree_hash(dir: &std::path::Path) -> Result<String> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d)? {
            let p = e?.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                files.push(p);
            }
        }
    }
    files.sort();
    let mut all = Vec::new();
    for f in files {
        all.extend_from_slice(f.strip_prefix(dir)?.to_string_lossy().as_bytes());
        all.push(0);
        all.extend_from_slice(&std::fs::read(&f)?);
        all.push(0);
    }
    Ok(sha256_hex(&all))
}

/// The lock text for the curated corpus and validation-corpus PACs
/// generated into `out`.
fn pac_lock(out: &std::path::Path, pacs: &[(String, String)]) -> Result<String> {
    let mut text = String::from(
        "# The inputs and output of each curated corpus and validation-corpus chip's PAC, which is not checked in\n\
         # (`cargo xtask regen` writes it). `cargo xtask regen --check` regenerates and compares.\n\
         # svd  svd-sha256  hal-gen  pac-crate  pac-tree-sha256\n",
    );
    for (entry, pac) in pacs {
        let svd = crate::util::svd_path(entry)?;
        text.push_str(&format!(
            "{entry} {} {} {pac} {}\n",
            sha256_hex(&std::fs::read(&svd)?),
            env!("CARGO_PKG_VERSION"),
            tree_hash(&out.join(pac))?
        ));
    }
    Ok(text)
}

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
    let mut pacs = Vec::new();
    for entry in curated() {
        let svd = crate::util::svd_path(entry)?;
        let config = hal_gen::Config::default();
        let g = hal_gen::generate(&svd, &config).with_context(|| format!("generating {entry}"))?;
        let report = hal_gen::write_output(&out, &g.files, &g.chip.svd_file, &config)?;
        let pac = g.chip.pac_crate_name();
        let locked = pac_locked(entry);
        if locked {
            pacs.push((entry.to_string(), pac.clone()));
        }
        for d in report.written.iter().chain(&report.unchanged) {
            let name = d.file_name().unwrap_or_default().to_os_string();
            if !(locked && name.to_string_lossy() == pac) {
                dirs.push(name);
            }
        }
        dirs.push(format!("{}.coverage.json", g.chip.slug).into());
    }
    let lock = pac_lock(&out, &pacs)?;
    if !args.check {
        std::fs::write(lock_file(), &lock)?;
        println!(
            "regenerated {} crate(s) and records under generated/, and generated/pac-inputs.lock",
            dirs.len()
        );
        return Ok(());
    }
    let mut drift = false;
    let checked_in = std::fs::read_to_string(lock_file()).unwrap_or_default();
    if checked_in != lock {
        drift = true;
        println!("generated/pac-inputs.lock differs from a fresh regeneration:");
        for line in lock
            .lines()
            .filter(|l| !checked_in.lines().any(|c| c == *l))
        {
            println!("+ {line}");
        }
        for line in checked_in
            .lines()
            .filter(|l| !lock.lines().any(|c| c == *l))
        {
            println!("- {line}");
        }
    }
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
