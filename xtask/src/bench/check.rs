//! Figures 2 and 3: host `cargo check` of the PAC alone, then of the small
//! application (see `apps`), dependencies prebuilt (see `cargo`).

use super::apps::App;
use super::cargo::{self, MakeCommand};
use super::prepare::{Crate, Prepared};
use super::{median_ratio, ratio, Figure};
use crate::util;
use anyhow::Result;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::process::Command;

/// One thing to time: how to run it, what to touch, what it must rebuild,
/// or why it cannot be run at all.
pub struct Job {
    pub make: Box<dyn Fn() -> Command>,
    pub touch: PathBuf,
    pub rebuilt: Vec<String>,
}

/// Warm every job up, then time them interleaved, `runs` rounds.
pub fn measure(jobs: Vec<Result<Job, String>>, runs: usize) -> Vec<Figure> {
    let jobs: Vec<Result<Job, String>> = jobs
        .into_iter()
        .map(|j| {
            let j = j?;
            cargo::warm(&*j.make).map_err(|e| format!("{e:#}"))?;
            Ok(j)
        })
        .collect();
    let mut times: Vec<Vec<Result<f64>>> = jobs.iter().map(|_| Vec::new()).collect();
    for _ in 0..runs {
        for (job, t) in jobs.iter().zip(times.iter_mut()) {
            if let Ok(job) = job {
                let make: MakeCommand = &*job.make;
                t.push(cargo::timed(make, &job.touch, &job.rebuilt));
            }
        }
    }
    jobs.into_iter()
        .zip(times)
        .map(|(job, t)| match job {
            Ok(_) => Figure::collect(t),
            Err(why) => Figure::Failed(why),
        })
        .collect()
}

pub fn host_target() -> PathBuf {
    util::cache().join("bench-target/host")
}

fn check(dir: PathBuf, args: &'static [&'static str]) -> Box<dyn Fn() -> Command> {
    Box::new(move || {
        let mut cmd = Command::new("cargo");
        cmd.arg("check")
            .arg("--manifest-path")
            .arg(dir.join("Cargo.toml"))
            .arg("--target-dir")
            .arg(host_target());
        cmd.args(args);
        cmd
    })
}

fn pac_job(pac: &Crate, args: &'static [&'static str]) -> Job {
    Job {
        make: check(pac.dir.clone(), args),
        touch: pac.lib_rs(),
        rebuilt: vec![pac.name.clone()],
    }
}

fn app_job(app: &Result<App, String>) -> Result<Job, String> {
    let app = app.as_ref().map_err(Clone::clone)?;
    Ok(Job {
        make: check(app.dir.clone(), &[]),
        touch: app.pac.lib_rs(),
        rebuilt: app.rebuilt.clone(),
    })
}

#[derive(Serialize, Deserialize)]
pub struct PacRow {
    pub chip: String,
    /// svd2rust's default output, default features.
    pub svd2rust: Figure,
    /// hal-gen's PAC, `--features all` (with the default `enums`).
    pub hal_gen_all: Figure,
    /// The impl-debug lever: the same with Debug impls compiled in.
    pub hal_gen_all_impl_debug: Figure,
    /// The enum lever: `all` with default features (`enums`) off.
    pub hal_gen_all_no_enums: Figure,
    pub ratio: Option<f64>,
}

#[derive(Serialize, Deserialize)]
pub struct PacSection {
    pub runs: usize,
    pub timed: String,
    pub rows: Vec<PacRow>,
    pub median_ratio: Option<f64>,
}

pub const PAC_TIMED: &str = "host `cargo check` of the PAC crate alone (CARGO_INCREMENTAL=0), \
     after touching its src/lib.rs; cortex-m, vcell and the PAC's build script prebuilt";

pub fn pac(chips: &[Prepared], runs: usize) -> Result<PacSection> {
    println!("(2) cargo check of the PAC alone, median of {runs} runs:");
    let mut rows = Vec::new();
    for p in chips {
        eprintln!("  {} …", p.name);
        let jobs = vec![
            p.svd2rust_pac
                .as_ref()
                .map(|c| pac_job(c, &[]))
                .map_err(Clone::clone),
            Ok(pac_job(&p.hal_gen_pac, &["--features", "all"])),
            Ok(pac_job(&p.hal_gen_pac, &["--features", "all,impl-debug"])),
            Ok(pac_job(
                &p.hal_gen_pac,
                &["--no-default-features", "--features", "all"],
            )),
        ];
        let [svd2rust, hal_gen_all, hal_gen_all_impl_debug, hal_gen_all_no_enums]: [Figure; 4] =
            measure(jobs, runs)
                .try_into()
                .unwrap_or_else(|_| unreachable!("four jobs, four figures"));
        let row = PacRow {
            chip: p.name.clone(),
            ratio: ratio(&hal_gen_all, &svd2rust),
            svd2rust,
            hal_gen_all,
            hal_gen_all_impl_debug,
            hal_gen_all_no_enums,
        };
        println!(
            "{:<12} svd2rust {:>24}  hal-gen all {:>24}  +impl-debug {:>24}  no enums {:>24}",
            row.chip,
            row.svd2rust.show(),
            row.hal_gen_all.show(),
            row.hal_gen_all_impl_debug.show(),
            row.hal_gen_all_no_enums.show()
        );
        cargo::forget(&host_target(), &p.packages)?;
        rows.push(row);
    }
    Ok(PacSection {
        runs,
        timed: PAC_TIMED.into(),
        median_ratio: median_ratio(rows.iter().map(|r| r.ratio)),
        rows,
    })
}

#[derive(Serialize, Deserialize)]
pub struct AppRow {
    pub chip: String,
    /// (a) blinky + serial echo, HAL with only their two driver instances.
    pub hal: Figure,
    /// (b) the same, every driver and PAC `all`.
    pub hal_all: Figure,
    /// (c) raw blinky on svd2rust's PAC.
    pub svd2rust_raw: Figure,
    /// (d) the same blinky on svd2rust's `--feature-peripheral` PAC, only
    /// the blinky's peripherals enabled (absent from runs before it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub svd2rust_gated: Option<Figure>,
    pub a_over_c: Option<f64>,
    pub b_over_c: Option<f64>,
    /// a/d: (a) against the fair, feature-gated baseline.
    #[serde(default)]
    pub a_over_d: Option<f64>,
}

#[derive(Serialize, Deserialize)]
pub struct AppSection {
    pub runs: usize,
    pub timed: String,
    pub rows: Vec<AppRow>,
    pub median_a_over_c: Option<f64>,
    pub median_b_over_c: Option<f64>,
    #[serde(default)]
    pub median_a_over_d: Option<f64>,
}

pub const APP_TIMED: &str = "host `cargo check` of the application (CARGO_INCREMENTAL=0) after \
     touching the PAC's src/lib.rs, so the timed run checks the PAC (for (d) only its enabled \
     peripherals), the HAL (a, b) and the application; third-party crates (cortex-m, cortex-m-rt, \
     embedded-hal, …) and build scripts prebuilt";

pub fn app(chips: &[Prepared], runs: usize) -> Result<AppSection> {
    println!("(3) cargo check of the small application, median of {runs} runs:");
    let mut rows = Vec::new();
    for p in chips {
        eprintln!("  {} …", p.name);
        let jobs = vec![
            app_job(&p.app_hal),
            app_job(&p.app_hal_all),
            app_job(&p.app_raw),
            app_job(&p.app_raw_gated),
        ];
        let [hal, hal_all, svd2rust_raw, svd2rust_gated]: [Figure; 4] = measure(jobs, runs)
            .try_into()
            .unwrap_or_else(|_| unreachable!("four jobs, four figures"));
        let row = AppRow {
            chip: p.name.clone(),
            a_over_c: ratio(&hal, &svd2rust_raw),
            b_over_c: ratio(&hal_all, &svd2rust_raw),
            a_over_d: ratio(&hal, &svd2rust_gated),
            hal,
            hal_all,
            svd2rust_raw,
            svd2rust_gated: Some(svd2rust_gated),
        };
        let r = |r: Option<f64>| r.map_or("–".into(), |r| format!("{r:.2}"));
        println!(
            "{:<12} (a) {:>24}  (b) {:>24}  (c) {:>24}  (d) {:>24}  a/c {}  a/d {}",
            row.chip,
            row.hal.show(),
            row.hal_all.show(),
            row.svd2rust_raw.show(),
            row.svd2rust_gated.as_ref().map_or("–".into(), Figure::show),
            r(row.a_over_c),
            r(row.a_over_d)
        );
        cargo::forget(&host_target(), &p.packages)?;
        rows.push(row);
    }
    Ok(AppSection {
        runs,
        timed: APP_TIMED.into(),
        median_a_over_c: median_ratio(rows.iter().map(|r| r.a_over_c)),
        median_b_over_c: median_ratio(rows.iter().map(|r| r.b_over_c)),
        median_a_over_d: median_ratio(rows.iter().map(|r| r.a_over_d)),
        rows,
    })
}
