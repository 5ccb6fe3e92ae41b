//! Figure 4: `cargo build --release` of the application for the chip's
//! thumb target, (a) on hal-gen's HAL against (c) raw on svd2rust's PAC
//! and (d) raw on its feature-gated PAC: wall time (dependencies prebuilt,
//! as in `cargo`) and flash size.

use super::apps::App;
use super::check::{measure, Job};
use super::prepare::Prepared;
use super::tools;
use super::{median_ratio, ratio, Figure};
use crate::util;
use anyhow::Result;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

#[derive(Serialize, Deserialize)]
pub struct Binary {
    pub bin: String,
    /// `text + data` bytes, or why there is no figure.
    pub flash: Result<u64, String>,
}

#[derive(Serialize, Deserialize)]
pub struct Row {
    pub chip: String,
    pub triple: Option<String>,
    /// (a) blinky + serial echo on the HAL.
    pub hal: Figure,
    /// (c) raw blinky on svd2rust's PAC.
    pub svd2rust_raw: Figure,
    pub ratio: Option<f64>,
    pub hal_bins: Vec<Binary>,
    pub svd2rust_bins: Vec<Binary>,
    /// (d) raw blinky on svd2rust's feature-gated PAC (absent from runs
    /// before it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub svd2rust_gated: Option<Figure>,
    /// a/d.
    #[serde(default)]
    pub ratio_gated: Option<f64>,
    #[serde(default)]
    pub svd2rust_gated_bins: Vec<Binary>,
}

#[derive(Serialize, Deserialize)]
pub struct Section {
    pub runs: usize,
    pub timed: String,
    pub rows: Vec<Row>,
    pub median_ratio: Option<f64>,
    #[serde(default)]
    pub median_ratio_gated: Option<f64>,
}

pub const TIMED: &str = "`cargo build --release` (default release profile) for the chip's thumb \
     target, after touching the PAC's src/lib.rs: the PAC, the HAL (a) and the application are \
     compiled and linked; core, cortex-m, cortex-m-rt and the other third-party crates prebuilt";

fn target_dir() -> PathBuf {
    util::cache().join("bench-target/thumb")
}

fn job(app: &Result<App, String>, triple: &Option<String>) -> Result<Job, String> {
    let app = app.as_ref().map_err(Clone::clone)?;
    let triple = triple.clone().ok_or("not a Cortex-M chip")?;
    let toolchain = hal_gen::cross::detect(&triple).map_err(|e| e.to_string())?;
    let dir = app.dir.clone();
    Ok(Job {
        make: Box::new(move || {
            let mut cmd = toolchain.cargo("build", &dir, &triple, &target_dir());
            cmd.arg("--release");
            cmd
        }),
        touch: app.pac.lib_rs(),
        rebuilt: app.rebuilt.clone(),
    })
}

fn sizes(app: &Result<App, String>, triple: &Option<String>, built: &Figure) -> Vec<Binary> {
    let (Ok(app), Some(triple)) = (app, triple) else {
        return Vec::new();
    };
    app.bins
        .iter()
        .map(|bin| Binary {
            bin: bin.clone(),
            flash: match built {
                Figure::Failed(_) => Err("not built".into()),
                Figure::Ok(_) => {
                    let elf = target_dir().join(triple).join("release").join(bin);
                    tools::flash_bytes(&elf).map_err(|e| format!("{e:#}"))
                }
            },
        })
        .collect()
}

pub fn run(chips: &[Prepared], runs: usize) -> Result<Section> {
    println!("(4) cargo build --release for the thumb target, median of {runs} runs:");
    let mut rows = Vec::new();
    for p in chips {
        eprintln!("  {} …", p.name);
        let jobs = vec![
            job(&p.app_hal, &p.triple),
            job(&p.app_raw, &p.triple),
            job(&p.app_raw_gated, &p.triple),
        ];
        let [hal, svd2rust_raw, svd2rust_gated]: [Figure; 3] = measure(jobs, runs)
            .try_into()
            .unwrap_or_else(|_| unreachable!("three jobs, three figures"));
        let row = Row {
            chip: p.name.clone(),
            triple: p.triple.clone(),
            ratio: ratio(&hal, &svd2rust_raw),
            ratio_gated: ratio(&hal, &svd2rust_gated),
            hal_bins: sizes(&p.app_hal, &p.triple, &hal),
            svd2rust_bins: sizes(&p.app_raw, &p.triple, &svd2rust_raw),
            svd2rust_gated_bins: sizes(&p.app_raw_gated, &p.triple, &svd2rust_gated),
            hal,
            svd2rust_raw,
            svd2rust_gated: Some(svd2rust_gated),
        };
        let show = |bins: &[Binary]| {
            bins.iter()
                .map(|b| match &b.flash {
                    Ok(n) => format!("{} {n} B", b.bin),
                    Err(_) => format!("{} –", b.bin),
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        println!(
            "{:<12} hal-gen {:>24} [{}]  svd2rust {:>24} [{}]  svd2rust gated {:>24} [{}]",
            row.chip,
            row.hal.show(),
            show(&row.hal_bins),
            row.svd2rust_raw.show(),
            show(&row.svd2rust_bins),
            row.svd2rust_gated.as_ref().map_or("–".into(), Figure::show),
            show(&row.svd2rust_gated_bins)
        );
        super::cargo::forget(&target_dir(), &p.packages)?;
        rows.push(row);
    }
    Ok(Section {
        runs,
        timed: TIMED.into(),
        median_ratio: median_ratio(rows.iter().map(|r| r.ratio)),
        median_ratio_gated: median_ratio(rows.iter().map(|r| r.ratio_gated)),
        rows,
    })
}
