//! Figure 1, generation: the `hal-gen` binary (PAC and HAL, split,
//! formatted, written) against the usual svd2rust pipeline (svd2rust CLI,
//! then `form` to split, then rustfmt), which writes only a PAC.

use super::tools::{run as run_tool, Tools};
use super::{median_ratio, Chip, Sample};
use crate::util::{self, median};
use anyhow::Result;
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::process::Command;
use std::time::Instant;

#[derive(Serialize, Deserialize)]
pub struct Row {
    pub chip: String,
    /// `hal-gen CHIP.svd -o OUT`: PAC + HAL + coverage record.
    pub hal_gen: Sample,
    pub svd2rust_form_rustfmt: Sample,
    pub ratio: f64,
    /// Medians of the stages, seconds: hal-gen's own `--timings` and the
    /// baseline's three processes. Where the time goes, for the levers.
    pub hal_gen_stages: Vec<(String, f64)>,
    pub baseline_stages: Vec<(String, f64)>,
}

#[derive(Serialize, Deserialize)]
pub struct Section {
    pub runs: usize,
    pub rows: Vec<Row>,
    pub median_ratio: Option<f64>,
}

fn time(f: impl FnOnce() -> Result<()>) -> Result<f64> {
    let t = Instant::now();
    f()?;
    Ok(t.elapsed().as_secs_f64())
}

/// svd2rust → form → rustfmt, as svd2rust's documentation describes; the
/// seconds each of the three took.
pub fn baseline(tools: &Tools, svd: &Path, dir: &Path) -> Result<[f64; 3]> {
    baseline_with(tools, svd, dir, &[])
}

/// [`baseline`] with more svd2rust CLI flags (`--feature-peripheral`).
pub fn baseline_with(tools: &Tools, svd: &Path, dir: &Path, flags: &[&str]) -> Result<[f64; 3]> {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir)?;
    let a = time(|| {
        run_tool(
            Command::new(&tools.svd2rust)
                .arg("-i")
                .arg(svd)
                .arg("-o")
                .arg(dir)
                .args(["--target", "cortex-m"])
                .args(flags),
        )
    })?;
    let b = time(|| {
        run_tool(
            Command::new(&tools.form)
                .arg("-i")
                .arg(dir.join("lib.rs"))
                .arg("-o")
                .arg(dir.join("src")),
        )
    })?;
    std::fs::remove_file(dir.join("lib.rs"))?;
    let c = time(|| {
        run_tool(
            Command::new("rustfmt")
                .args(["--edition", "2021"])
                .arg(dir.join("src/lib.rs")),
        )
    })?;
    Ok([a, b, c])
}

/// `hal-gen --timings` prints `  stage:   12.3 ms` lines on stderr.
fn parse_timings(stderr: &str) -> Vec<(String, f64)> {
    stderr
        .lines()
        .filter_map(|l| {
            let (name, value) = l.rsplit_once(':')?;
            let ms: f64 = value.trim().strip_suffix(" ms")?.trim().parse().ok()?;
            Some((name.trim().to_string(), ms / 1000.0))
        })
        .collect()
}

fn stage_medians(runs: &[Vec<(String, f64)>]) -> Vec<(String, f64)> {
    let Some(first) = runs.first() else {
        return Vec::new();
    };
    first
        .iter()
        .map(|(name, _)| {
            let mut v: Vec<f64> = runs
                .iter()
                .filter_map(|r| r.iter().find(|(n, _)| n == name).map(|(_, t)| *t))
                .collect();
            (name.clone(), median(&mut v))
        })
        .collect()
}

pub fn run_chip(chip: &Chip, tools: &Tools, runs: usize) -> Result<Row> {
    let scratch = util::cache().join("bench/generation");
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    let (mut our_stages, mut their_stages) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        let out = scratch.join("hal-gen");
        let _ = std::fs::remove_dir_all(&out);
        let t = Instant::now();
        let o = Command::new(&tools.hal_gen)
            .arg(&chip.svd)
            .arg("-o")
            .arg(&out)
            .arg("--timings")
            .output()?;
        ours.push(t.elapsed().as_secs_f64());
        if !o.status.success() {
            anyhow::bail!(
                "hal-gen {} failed: {}",
                chip.name,
                String::from_utf8_lossy(&o.stderr)
            );
        }
        our_stages.push(parse_timings(&String::from_utf8_lossy(&o.stderr)));
        let t = Instant::now();
        let stages = baseline(tools, &chip.svd, &scratch.join("svd2rust"))?;
        theirs.push(t.elapsed().as_secs_f64());
        their_stages.push(
            ["svd2rust CLI", "form", "rustfmt"]
                .iter()
                .zip(stages)
                .map(|(n, t)| (n.to_string(), t))
                .collect::<Vec<_>>(),
        );
    }
    let (a, b) = (Sample::of(ours), Sample::of(theirs));
    Ok(Row {
        chip: chip.name.clone(),
        ratio: a.median_s / b.median_s,
        hal_gen: a,
        svd2rust_form_rustfmt: b,
        hal_gen_stages: stage_medians(&our_stages),
        baseline_stages: stage_medians(&their_stages),
    })
}

pub fn run(chips: &[Chip], tools: &Tools, runs: usize) -> Result<Section> {
    println!("(1) generation, median of {runs} runs (min–max):");
    println!(
        "{:<12} {:>28} {:>28} {:>7}",
        "chip", "hal-gen (PAC + HAL)", "svd2rust+form+rustfmt", "ratio"
    );
    let mut rows = Vec::new();
    for chip in chips {
        let row = run_chip(chip, tools, runs)?;
        println!(
            "{:<12} {:>28} {:>28} {:>7.2}",
            row.chip,
            row.hal_gen.show(),
            row.svd2rust_form_rustfmt.show(),
            row.ratio
        );
        rows.push(row);
    }
    let _ = std::fs::remove_dir_all(util::cache().join("bench/generation"));
    let median_ratio = median_ratio(rows.iter().map(|r| Some(r.ratio)));
    if let Some(m) = median_ratio {
        println!("median ratio: {m:.2} (goal ≤ 1.0)");
    }
    Ok(Section {
        runs,
        rows,
        median_ratio,
    })
}

#[cfg(test)]
mod tests {
    use super::parse_timings;

    #[test]
    fn reads_hal_gen_timings() {
        let t = parse_timings("            load:     38.3 ms\n  split + format:  53.4 ms\nnoise\n");
        assert_eq!(t.len(), 2);
        assert_eq!(t[1].0, "split + format");
        assert!((t[0].1 - 0.0383).abs() < 1e-9);
    }
}
