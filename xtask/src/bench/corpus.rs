//! Figure 5: hal-gen over the whole corpus, generation only, on one thread
//! and on all cores. The work per SVD is the generation phase of
//! `cargo xtask corpus` (`hal_gen::generate_cached` then `write_output`,
//! on a rayon pool, one module cache per pass, largest SVD first, in this
//! release binary), written into a directory of its
//! own so a running corpus job's output is left alone. Each SVD's output is
//! deleted as soon as it is written: the whole corpus is 2.4 GB, more than
//! this machine's disk can spare.

use super::Sample;
use crate::util;
use anyhow::{bail, Result};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Serialize, Deserialize)]
pub struct Section {
    pub runs: usize,
    pub svds: usize,
    /// SVDs that did not generate (the same in every run).
    pub failed: usize,
    pub one_thread: Sample,
    pub all_threads: Sample,
    /// CPU seconds this process used in each pass (user + system), in run
    /// order: with wall time they show how many cores a pass really got.
    #[serde(default)]
    pub one_thread_cpu_s: Vec<f64>,
    #[serde(default)]
    pub all_threads_cpu_s: Vec<f64>,
    /// The 1-minute load average before each pass, in run order.
    #[serde(default)]
    pub load_before: Vec<f64>,
    pub threads: usize,
    pub timed: String,
}

pub const TIMED: &str = "wall time of generating and writing PAC + HAL + coverage record for \
     every SVD of the corpus, with one module cache per pass (a PAC module another chip of the pass \
     already had verbatim is not parsed or formatted again, and most are not rendered by svd2rust \
     either: see pac::reuse); each SVD's output is deleted right after it is written (inside the \
     timed wall, a few ms each) because the disk here cannot hold the whole corpus's output";

fn one(out_root: &Path, vendor: &str, svd: &Path, cache: &hal_gen::pac::ModuleCache) -> bool {
    let stem = svd.file_stem().unwrap_or_default().to_string_lossy();
    let out = out_root.join(vendor).join(stem.as_ref());
    let config = hal_gen::Config {
        force: true,
        ..Default::default()
    };
    let ok = std::panic::catch_unwind(|| {
        let g = hal_gen::generate_cached(svd, &config, Some(cache))?;
        hal_gen::write_output(&out, &g.files, &g.chip.svd_file, &config)?;
        Ok::<_, hal_gen::Error>(())
    })
    .is_ok_and(|r| r.is_ok());
    let _ = std::fs::remove_dir_all(&out);
    ok
}

/// User + system CPU seconds of this process so far, from /proc (Linux;
/// USER_HZ is 100 there), or 0 elsewhere.
fn cpu_seconds() -> f64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            let fields: Vec<&str> = s.rsplit_once(')')?.1.split_whitespace().collect();
            let ticks = |i: usize| fields.get(i)?.parse::<f64>().ok();
            Some((ticks(11)? + ticks(12)?) / 100.0)
        })
        .unwrap_or(0.0)
}

/// The 1-minute load average, or 0 where /proc has none.
pub fn load_average() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0.0)
}

struct Pass {
    wall_s: f64,
    cpu_s: f64,
    failed: usize,
}

/// Generate every SVD on `threads` threads.
fn pass(svds: &[(String, PathBuf)], threads: usize) -> Result<Pass> {
    let out_root = util::cache().join("bench/corpus-out");
    let _ = std::fs::remove_dir_all(&out_root);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()?;
    // Largest first, one SVD per task, so the pass does not end with one
    // big SVD on one thread while the others idle.
    let mut order: Vec<&(String, PathBuf)> = svds.iter().collect();
    order.sort_by_key(|(_, svd)| std::cmp::Reverse(std::fs::metadata(svd).map_or(0, |m| m.len())));
    // A fresh cache per pass: each pass pays for every distinct module.
    let cache = hal_gen::pac::ModuleCache::new(crate::corpus::MODULE_CACHE_BYTES);
    let (started, cpu) = (Instant::now(), cpu_seconds());
    let failed = pool.install(|| {
        order
            .par_iter()
            .with_max_len(1)
            .filter(|(vendor, svd)| !one(&out_root, vendor, svd, &cache))
            .count()
    });
    Ok(Pass {
        wall_s: started.elapsed().as_secs_f64(),
        cpu_s: cpu_seconds() - cpu,
        failed,
    })
}

pub fn run(runs: usize, cores: usize) -> Result<Section> {
    let data = crate::fetch::corpus_dir()?;
    let svds = crate::fetch::list(&data)?;
    if svds.len() != crate::fetch::EXPECTED_SVDS {
        bail!(
            "expected {} SVDs in {}, found {}",
            crate::fetch::EXPECTED_SVDS,
            data.display(),
            svds.len()
        );
    }
    println!(
        "(5) corpus generation, {} SVDs, median of {runs} runs:",
        svds.len()
    );
    let (mut one_t, mut all_t) = (Vec::new(), Vec::new());
    let (mut one_cpu, mut all_cpu, mut load_before) = (Vec::new(), Vec::new(), Vec::new());
    let mut failed = 0;
    for _ in 0..runs {
        // Alternate, as elsewhere, so load drift hits both alike.
        for (threads, wall, cpu) in [
            (1, &mut one_t, &mut one_cpu),
            (cores, &mut all_t, &mut all_cpu),
        ] {
            let load = load_average();
            let p = pass(&svds, threads)?;
            eprintln!(
                "  {threads} thread(s): {:.1} s wall, {:.1} s CPU, load before {load:.1} ({} failed)",
                p.wall_s, p.cpu_s, p.failed
            );
            load_before.push(load);
            wall.push(p.wall_s);
            cpu.push(p.cpu_s);
            failed = p.failed;
        }
    }
    let section = Section {
        runs,
        svds: svds.len(),
        failed,
        one_thread: Sample::of(one_t),
        all_threads: Sample::of(all_t),
        one_thread_cpu_s: one_cpu,
        all_threads_cpu_s: all_cpu,
        load_before,
        threads: cores,
        timed: TIMED.into(),
    };
    println!(
        "1 thread {}   {} threads {}",
        section.one_thread.show(),
        cores,
        section.all_threads.show()
    );
    Ok(section)
}
