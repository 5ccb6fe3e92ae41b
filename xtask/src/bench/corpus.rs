//! Figure 5: hal-gen over the whole corpus, generation only, on one thread
//! and on all cores. The work per SVD is the generation phase of
//! `cargo xtask corpus` (`hal_gen::generate` then `write_output`, on a
//! rayon pool, in this release binary), written into a directory of its
//! own so a running corpus job's output is left alone. Each SVD's output is
//! deleted as soon as it is written: the whole corpus is 2.4 GB, more than
//! this machine's disk can spare.

use super::Sample;
use crate::util;
use anyhow::{bail, Result};
use rayon::prelude::*;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Serialize)]
pub struct Section {
    pub runs: usize,
    pub svds: usize,
    /// SVDs that did not generate (the same in every run).
    pub failed: usize,
    pub one_thread: Sample,
    pub all_threads: Sample,
    pub threads: usize,
    pub timed: &'static str,
}

pub const TIMED: &str = "wall time of generating and writing PAC + HAL + coverage record for \
     every SVD of the corpus; each SVD's output is deleted right after it is written (inside the \
     timed wall, a few ms each) because the disk here cannot hold the whole corpus's output";

fn one(out_root: &Path, vendor: &str, svd: &Path) -> bool {
    let stem = svd.file_stem().unwrap_or_default().to_string_lossy();
    let out = out_root.join(vendor).join(stem.as_ref());
    let config = hal_gen::Config {
        force: true,
        ..Default::default()
    };
    let ok = std::panic::catch_unwind(|| {
        let g = hal_gen::generate(svd, &config)?;
        hal_gen::write_output(&out, &g.files, &g.chip.svd_file, &config)?;
        Ok::<_, hal_gen::Error>(())
    })
    .is_ok_and(|r| r.is_ok());
    let _ = std::fs::remove_dir_all(&out);
    ok
}

/// Seconds to generate every SVD on `threads` threads, and the failures.
fn pass(svds: &[(String, PathBuf)], threads: usize) -> Result<(f64, usize)> {
    let out_root = util::cache().join("bench/corpus-out");
    let _ = std::fs::remove_dir_all(&out_root);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()?;
    let started = Instant::now();
    let failed = pool.install(|| {
        svds.par_iter()
            .filter(|(vendor, svd)| !one(&out_root, vendor, svd))
            .count()
    });
    Ok((started.elapsed().as_secs_f64(), failed))
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
    let mut failed = 0;
    for _ in 0..runs {
        // Alternate, as elsewhere, so load drift hits both alike.
        let (t, f) = pass(&svds, 1)?;
        eprintln!("  1 thread: {t:.1} s ({f} failed)");
        one_t.push(t);
        let (t, f) = pass(&svds, cores)?;
        eprintln!("  {cores} threads: {t:.1} s ({f} failed)");
        all_t.push(t);
        failed = f;
    }
    let section = Section {
        runs,
        svds: svds.len(),
        failed,
        one_thread: Sample::of(one_t),
        all_threads: Sample::of(all_t),
        threads: cores,
        timed: TIMED,
    };
    println!(
        "1 thread {}   {} threads {}",
        section.one_thread.show(),
        cores,
        section.all_threads.show()
    );
    Ok(section)
}
