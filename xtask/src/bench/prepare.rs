//! The crates the compile figures build, per chip, under
//! `.cache/bench/chips/<chip>/`: hal-gen's output, svd2rust's PAC made into
//! a crate, and the three applications (see `apps`).

use super::apps;
use super::generation::baseline;
use super::tools::Tools;
use super::Chip;
use crate::util;
use anyhow::{Context, Result};
use std::path::{Path, PathBuf};

/// A crate on disk: its directory and package name.
#[derive(Clone)]
pub struct Crate {
    pub dir: PathBuf,
    pub name: String,
}

impl Crate {
    /// The file touched before a timed run, so that cargo rebuilds this
    /// crate and everything depending on it, and nothing else.
    pub fn lib_rs(&self) -> PathBuf {
        self.dir.join("src/lib.rs")
    }
}

pub struct Prepared {
    pub name: String,
    pub triple: Option<String>,
    pub hal_gen_pac: Crate,
    /// svd2rust's PAC, or why the baseline could not generate one.
    pub svd2rust_pac: Result<Crate, String>,
    /// (3a) blinky + serial echo on the HAL, only their driver instances.
    pub app_hal: Result<apps::App, String>,
    /// (3b) the same with every driver and the PAC's `all` feature.
    pub app_hal_all: Result<apps::App, String>,
    /// (3c) blinky on svd2rust's PAC, raw register access.
    pub app_raw: Result<apps::App, String>,
    /// Every package above, whose artifacts are deleted after the chip.
    pub packages: Vec<String>,
}

/// The crate manifest svd2rust's documentation gives for its output.
fn svd2rust_manifest(name: &str) -> String {
    format!(
        "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n\
         [dependencies]\ncritical-section = {{ version = \"1.0\", optional = true }}\n\
         cortex-m = \"0.7.6\"\ncortex-m-rt = {{ version = \"0.7.3\", optional = true }}\nvcell = \"0.1.2\"\n\n\
         [features]\nrt = [\"cortex-m-rt/device\"]\n\n[workspace]\n"
    )
}

/// Replace `dst`'s generated files with `src`'s, keeping its Cargo.lock
/// (so that dependencies resolve once, not on every run).
fn sync_svd2rust(src: &Path, dst: &Path) -> Result<()> {
    std::fs::create_dir_all(dst)?;
    let _ = std::fs::remove_dir_all(dst.join("src"));
    std::fs::rename(src.join("src"), dst.join("src"))?;
    for f in ["build.rs", "device.x"] {
        std::fs::copy(src.join(f), dst.join(f)).with_context(|| format!("svd2rust's {f}"))?;
    }
    Ok(())
}

pub fn prepare(chip: &Chip, tools: &Tools) -> Result<Prepared> {
    let dir = util::cache().join("bench/chips").join(&chip.name);
    let config = hal_gen::Config {
        force: true,
        ..Default::default()
    };
    let g = hal_gen::generate(&chip.svd, &config)
        .with_context(|| format!("hal-gen {}", chip.svd.display()))?;
    let out = dir.join("hal-gen");
    hal_gen::write_output(&out, &g.files, &g.chip.svd_file, &config)?;
    let hal_gen_pac = Crate {
        dir: out.join(g.chip.pac_crate_name()),
        name: g.chip.pac_crate_name(),
    };
    let hal = Crate {
        dir: out.join(g.chip.hal_crate_name()),
        name: g.chip.hal_crate_name(),
    };

    let stem = hal_gen_pac.name.trim_end_matches("-pac").to_string();
    let s2r_name = format!("{stem}-svd2rust-pac");
    let svd2rust_pac = baseline(tools, &chip.svd, &dir.join("svd2rust-gen"))
        .and_then(|_| {
            let pac_dir = dir.join("svd2rust-pac");
            sync_svd2rust(&dir.join("svd2rust-gen"), &pac_dir)?;
            std::fs::write(pac_dir.join("Cargo.toml"), svd2rust_manifest(&s2r_name))?;
            Ok(Crate {
                dir: pac_dir,
                name: s2r_name.clone(),
            })
        })
        .map_err(|e| format!("svd2rust pipeline: {e:#}"));

    let app_hal = apps::hal_app(&dir.join("app-hal"), &stem, &hal, &hal_gen_pac, false);
    let app_hal_all = apps::hal_app(&dir.join("app-hal-all"), &stem, &hal, &hal_gen_pac, true);
    let app_raw = match &svd2rust_pac {
        Ok(pac) => apps::raw_app(
            &dir.join("app-svd2rust"),
            &chip.name,
            &stem,
            pac,
            &hal_gen_pac.dir.join("memory.x"),
        ),
        Err(e) => Err(e.clone()),
    };
    let packages = vec![
        hal_gen_pac.name.clone(),
        hal.name.clone(),
        s2r_name,
        format!("bench-{stem}-hal"),
        format!("bench-{stem}-hal-all"),
        format!("bench-{stem}-svd2rust"),
    ];
    Ok(Prepared {
        name: chip.name.clone(),
        packages,
        triple: g.chip.target.triple.map(str::to_string),
        hal_gen_pac,
        svd2rust_pac,
        app_hal,
        app_hal_all,
        app_raw,
    })
}
