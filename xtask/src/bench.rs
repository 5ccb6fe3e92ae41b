//! `cargo xtask bench`: hal-gen against the usual svd2rust pipeline
//! (svd2rust CLI, then `form` to split, then rustfmt), side by side in one
//! run on the same SVDs. Every figure is the median of `--runs` runs, with
//! min and max, because this machine is noisy.

use crate::util::{self, median};
use anyhow::{bail, Context, Result};
use serde::Serialize;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

#[derive(clap::Args)]
pub struct Args {
    /// Runs per measurement (at least 5 for a quoted figure).
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// Where the JSON and Markdown results go.
    #[arg(long)]
    out_dir: Option<PathBuf>,
}

/// Chips of different sizes from different vendors. `corpus:` paths are in
/// the cmsis-svd cache; others are in this repository.
const CHIPS: &[&str] = &[
    "svd/LM3S6965.svd",
    "corpus:Nordic/nrf51.svd",
    "corpus:STMicro/STM32F40x.svd",
    "corpus:Atmel/ATSAM3X8E.svd",
    "corpus:Fujitsu/MB9BF50xR.svd",
    "corpus:Freescale/MK64F12.svd",
];

#[derive(Serialize)]
struct Sample {
    median_s: f64,
    min_s: f64,
    max_s: f64,
}

impl Sample {
    fn of(mut v: Vec<f64>) -> Self {
        let m = median(&mut v);
        Self {
            median_s: m,
            min_s: v[0],
            max_s: v[v.len() - 1],
        }
    }
    fn show(&self) -> String {
        format!(
            "{:.2} s ({:.2}–{:.2})",
            self.median_s, self.min_s, self.max_s
        )
    }
}

#[derive(Serialize)]
struct GenerationRow {
    chip: String,
    hal_gen: Sample,
    svd2rust_form_rustfmt: Sample,
    ratio: f64,
}

#[derive(Serialize)]
struct Results {
    runs: usize,
    tools: Vec<String>,
    generation: Vec<GenerationRow>,
    median_generation_ratio: f64,
}

fn tools_dir() -> PathBuf {
    util::cache().join("tools")
}

/// svd2rust's CLI and form, pinned, installed into the cache.
fn ensure_tools() -> Result<(PathBuf, PathBuf)> {
    let bin = tools_dir().join("bin");
    let (svd2rust, form) = (bin.join("svd2rust"), bin.join("form"));
    if !svd2rust.exists() || !form.exists() {
        eprintln!("installing svd2rust 0.37.1 and form into .cache/tools (once) …");
        let status = Command::new("cargo")
            .args(["install", "--locked", "--quiet", "--root"])
            .arg(tools_dir())
            .args(["svd2rust@0.37.1", "form"])
            .status()?;
        if !status.success() {
            bail!("cargo install svd2rust form failed");
        }
    }
    Ok((svd2rust, form))
}

fn hal_gen_binary() -> Result<PathBuf> {
    let status = Command::new("cargo")
        .args(["build", "--release", "--quiet", "-p", "hal-gen"])
        .current_dir(util::root())
        .status()?;
    if !status.success() {
        bail!("building hal-gen failed");
    }
    Ok(util::root().join("target/release/hal-gen"))
}

fn run(cmd: &mut Command) -> Result<()> {
    let out = cmd.output().with_context(|| format!("running {cmd:?}"))?;
    if !out.status.success() {
        bail!(
            "{cmd:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .take(5)
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
    Ok(())
}

fn time(f: impl FnOnce() -> Result<()>) -> Result<f64> {
    let t = Instant::now();
    f()?;
    Ok(t.elapsed().as_secs_f64())
}

/// svd2rust → form → rustfmt, as svd2rust's documentation describes.
fn baseline(svd2rust: &Path, form: &Path, svd: &Path, dir: &Path) -> Result<()> {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir)?;
    run(Command::new(svd2rust)
        .arg("-i")
        .arg(svd)
        .arg("-o")
        .arg(dir)
        .args(["--target", "cortex-m"]))?;
    run(Command::new(form)
        .arg("-i")
        .arg(dir.join("lib.rs"))
        .arg("-o")
        .arg(dir.join("src")))?;
    run(Command::new("rustfmt")
        .args(["--edition", "2021"])
        .arg(dir.join("src/lib.rs")))
}

pub fn run_bench(args: Args) -> Result<()> {
    if args.runs < 1 {
        bail!("--runs must be at least 1");
    }
    let (svd2rust, form) = ensure_tools()?;
    let hal_gen = hal_gen_binary()?;
    let data = crate::fetch::corpus_dir()?;
    let scratch = util::cache().join("bench");
    let mut rows = Vec::new();
    println!("generation, median of {} runs (min–max):", args.runs);
    println!(
        "{:<12} {:>28} {:>28} {:>7}",
        "chip", "hal-gen (PAC, formatted)", "svd2rust+form+rustfmt", "ratio"
    );
    for chip in CHIPS {
        let svd = match chip.strip_prefix("corpus:") {
            Some(rel) => data.join(rel),
            None => util::root().join(chip),
        };
        let name = svd
            .file_stem()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let (mut ours, mut theirs) = (Vec::new(), Vec::new());
        // Interleave the two tools so drift in machine load hits both alike.
        for _ in 0..args.runs {
            let out = scratch.join("hal-gen");
            let _ = std::fs::remove_dir_all(&out);
            ours.push(time(|| {
                run(Command::new(&hal_gen).arg(&svd).arg("-o").arg(&out))
            })?);
            theirs.push(time(|| {
                baseline(&svd2rust, &form, &svd, &scratch.join("svd2rust"))
            })?);
        }
        let (a, b) = (Sample::of(ours), Sample::of(theirs));
        let ratio = a.median_s / b.median_s;
        println!("{name:<12} {:>28} {:>28} {ratio:>7.2}", a.show(), b.show());
        rows.push(GenerationRow {
            chip: name,
            hal_gen: a,
            svd2rust_form_rustfmt: b,
            ratio,
        });
    }
    let mut ratios: Vec<f64> = rows.iter().map(|r| r.ratio).collect();
    let median_ratio = median(&mut ratios);
    println!("median ratio hal-gen / (svd2rust+form+rustfmt): {median_ratio:.2} (goal: ≤ 1.0)");

    let results = Results {
        runs: args.runs,
        tools: tool_versions(&svd2rust, &form),
        generation: rows,
        median_generation_ratio: median_ratio,
    };
    let dir = args
        .out_dir
        .unwrap_or_else(|| util::root().join("docs/bench"));
    std::fs::create_dir_all(&dir)?;
    std::fs::write(
        dir.join("bench.json"),
        serde_json::to_string_pretty(&results)? + "\n",
    )?;
    std::fs::write(dir.join("bench.md"), markdown(&results))?;
    println!("results: {}", dir.join("bench.md").display());
    Ok(())
}

fn tool_versions(svd2rust: &Path, form: &Path) -> Vec<String> {
    let version = |cmd: &mut Command| {
        cmd.arg("--version")
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .unwrap_or_else(|_| "unknown".into())
    };
    vec![
        version(&mut Command::new(svd2rust)),
        format!(
            "form {}",
            version(&mut Command::new(form)).trim_start_matches("form ")
        ),
        version(&mut Command::new("rustfmt")),
        version(&mut Command::new("rustc")),
    ]
}

fn markdown(r: &Results) -> String {
    let mut s = String::from("# Benchmarks\n\nProduced by `cargo xtask bench`");
    let _ = writeln!(s, " ({} runs per figure; median, with min–max).\n", r.runs);
    let _ = writeln!(s, "Tools: {}.\n", r.tools.join("; "));
    let _ = writeln!(
        s,
        "## Generation: hal-gen against svd2rust + form + rustfmt\n"
    );
    let _ = writeln!(
        s,
        "| chip | hal-gen | svd2rust + form + rustfmt | ratio |\n|---|---:|---:|---:|"
    );
    for row in &r.generation {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {:.2} |",
            row.chip,
            row.hal_gen.show(),
            row.svd2rust_form_rustfmt.show(),
            row.ratio
        );
    }
    let _ = writeln!(
        s,
        "\nMedian ratio: **{:.2}** (goal ≤ 1.0).",
        r.median_generation_ratio
    );
    s
}
