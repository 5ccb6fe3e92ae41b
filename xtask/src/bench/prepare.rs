//! The crates the compile figures build, per chip, under
//! `.cache/bench/chips/<chip>/`: hal-gen's output, svd2rust's PAC made into
//! a crate (twice: default, and `--feature-peripheral`), and the four
//! applications (see `apps`).

use super::apps;
use super::apps::RawPac;
use super::generation::{baseline, baseline_with};
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
    /// (3d) the same blinky on svd2rust's `--feature-peripheral` PAC with
    /// only the blinky's peripherals enabled.
    pub app_raw_gated: Result<apps::App, String>,
    /// Every package above, whose artifacts are deleted after the chip.
    pub packages: Vec<String>,
}

/// The crate manifest svd2rust's documentation gives for its output, with
/// `features`: the lines of the features.toml svd2rust writes with
/// `--feature-peripheral` (one feature per peripheral, `all-peripherals`).
fn svd2rust_manifest(name: &str, features: &str) -> String {
    format!(
        "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n\
         [dependencies]\ncritical-section = {{ version = \"1.0\", optional = true }}\n\
         cortex-m = \"0.7.6\"\ncortex-m-rt = {{ version = \"0.7.3\", optional = true }}\nvcell = \"0.1.2\"\n\n\
         [features]\nrt = [\"cortex-m-rt/device\"]\n{features}\n[workspace]\n"
    )
}

/// The `name = [...]` lines of the features.toml svd2rust writes beside
/// its output with `--feature-peripheral` (svd2rust writes no Cargo.toml),
/// after checking that they declare every `feature = "…"` the generated
/// code tests and every peripheral in `wanted`.
fn peripheral_features(gen: &Path, wanted: &[&str]) -> Result<String> {
    let path = gen.join("features.toml");
    let text = std::fs::read_to_string(&path).context("svd2rust's features.toml")?;
    let table: toml::Table = text.parse().context("svd2rust's features.toml")?;
    let declared = table
        .get("features")
        .and_then(|f| f.as_table())
        .context("features.toml has no [features]")?;
    let mut used = std::collections::BTreeSet::new();
    for file in rust_files(&gen.join("src"))? {
        let code = std::fs::read_to_string(&file)?;
        used.extend(cfg_features(&code));
    }
    let own = ["rt", "critical-section"];
    let undeclared: Vec<&String> = used
        .iter()
        .filter(|f| !own.contains(&f.as_str()) && !declared.contains_key(f.as_str()))
        .collect();
    if !undeclared.is_empty() {
        anyhow::bail!("svd2rust's code tests features its features.toml lacks: {undeclared:?}");
    }
    if let Some(missing) = wanted.iter().find(|w| !declared.contains_key(**w)) {
        anyhow::bail!("svd2rust declares no feature {missing} (see bench/apps.rs RAW_BLINKY)");
    }
    Ok(text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with('[') && !l.trim().is_empty())
        .map(|l| format!("{l}\n"))
        .collect())
}

/// Every `feature = "name"` in Rust source.
fn cfg_features(code: &str) -> Vec<String> {
    code.split("feature = \"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next().map(str::to_string))
        .collect()
}

fn rust_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            out.extend(rust_files(&path)?);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    Ok(out)
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
            std::fs::write(pac_dir.join("Cargo.toml"), svd2rust_manifest(&s2r_name, ""))?;
            Ok(Crate {
                dir: pac_dir,
                name: s2r_name.clone(),
            })
        })
        .map_err(|e| format!("svd2rust pipeline: {e:#}"));
    let gated_name = format!("{stem}-svd2rust-gated-pac");
    let gated_pac = apps::raw_blinky_of(&chip.name)
        .and_then(|blinky| {
            let gen = dir.join("svd2rust-gated-gen");
            baseline_with(tools, &chip.svd, &gen, &["--feature-peripheral"])?;
            let wanted: Vec<&str> = blinky
                .peripherals
                .iter()
                .chain(blinky.workaround)
                .copied()
                .collect();
            let features = peripheral_features(&gen, &wanted)?;
            let pac_dir = dir.join("svd2rust-gated-pac");
            sync_svd2rust(&gen, &pac_dir)?;
            std::fs::write(
                pac_dir.join("Cargo.toml"),
                svd2rust_manifest(&gated_name, &features),
            )?;
            Ok(Crate {
                dir: pac_dir,
                name: gated_name.clone(),
            })
        })
        .map_err(|e| format!("svd2rust --feature-peripheral pipeline: {e:#}"));

    let app_hal = apps::hal_app(&dir.join("app-hal"), &stem, &hal, &hal_gen_pac, false);
    let app_hal_all = apps::hal_app(&dir.join("app-hal-all"), &stem, &hal, &hal_gen_pac, true);
    let app_raw = match &svd2rust_pac {
        Ok(pac) => apps::raw_app(
            &dir.join("app-svd2rust"),
            &chip.name,
            &stem,
            pac,
            &hal_gen_pac.dir.join("memory.x"),
            RawPac::Full,
        ),
        Err(e) => Err(e.clone()),
    };
    let app_raw_gated = match &gated_pac {
        Ok(pac) => apps::raw_app(
            &dir.join("app-svd2rust-gated"),
            &chip.name,
            &stem,
            pac,
            &hal_gen_pac.dir.join("memory.x"),
            RawPac::FeatureGated,
        ),
        Err(e) => Err(e.clone()),
    };
    let packages = vec![
        hal_gen_pac.name.clone(),
        hal.name.clone(),
        s2r_name,
        gated_name,
        format!("bench-{stem}-hal"),
        format!("bench-{stem}-hal-all"),
        apps::raw_app_name(&stem, RawPac::Full),
        apps::raw_app_name(&stem, RawPac::FeatureGated),
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
        app_raw_gated,
    })
}

#[cfg(test)]
mod tests {
    use super::cfg_features;

    #[test]
    fn reads_cfg_features() {
        let code = "#[cfg(feature = \"gpioa\")]\npub mod gpioa;\n#[cfg(any(feature = \"uart0\", feature = \"uart1\"))]\n";
        assert_eq!(cfg_features(code), ["gpioa", "uart0", "uart1"]);
    }
}
