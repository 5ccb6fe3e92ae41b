//! `cargo xtask fuzz --seconds N`: run the `generate` fuzz target (load,
//! repair and generate arbitrary bytes) with cargo-fuzz on nightly.
//!
//! cargo-fuzz is installed into `.cache/tools` the first time. The corpus
//! grows in `.cache/fuzz/corpus/generate`, seeded from the checked-in
//! `fuzz/seeds/generate` (the test fixtures); crashes land in
//! `.cache/fuzz/artifacts/generate` and are copied into
//! `generator/tests/fixtures/hostile/` as `fuzz-crash-*.svd`, where
//! `tests/hostile.rs` turns each into a regression test. Executions and
//! coverage are printed at the end.

use crate::util;
use anyhow::{bail, Context, Result};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

const TARGET: &str = "generate";

#[derive(clap::Args)]
pub struct Args {
    /// How long to fuzz, in seconds.
    #[arg(long, default_value_t = 60)]
    seconds: u64,
    /// Parallel fuzzing jobs (libFuzzer `-fork`); 1 runs in-process.
    #[arg(long, default_value_t = 1)]
    jobs: u32,
    /// Rust toolchain cargo-fuzz builds with (it needs nightly).
    #[arg(long, default_value = "nightly")]
    toolchain: String,
    /// Print every libFuzzer line, not only the periodic status lines.
    #[arg(long)]
    verbose: bool,
}

/// What libFuzzer said about the run.
#[derive(Debug, Default)]
struct Stats {
    executions: Option<u64>,
    coverage: Option<u64>,
    features: Option<u64>,
    corpus: Option<String>,
    peak_rss_mb: Option<u64>,
    new_units: Option<u64>,
}

fn tools_dir() -> PathBuf {
    util::cache().join("tools")
}

/// cargo-fuzz from crates.io, installed once into `.cache/tools`.
fn ensure_cargo_fuzz() -> Result<PathBuf> {
    let bin = tools_dir().join("bin/cargo-fuzz");
    if !bin.exists() {
        eprintln!("installing cargo-fuzz into .cache/tools (once) …");
        let status = Command::new("cargo")
            .args(["install", "--locked", "--quiet", "--root"])
            .arg(tools_dir())
            .arg("cargo-fuzz")
            .status()
            .context("running cargo install")?;
        if !status.success() {
            bail!("cargo install cargo-fuzz failed");
        }
    }
    Ok(bin)
}

pub fn run(args: Args) -> Result<()> {
    let root = util::root();
    let cargo_fuzz = ensure_cargo_fuzz()?;
    let work = util::cache().join("fuzz");
    let corpus = work.join("corpus").join(TARGET);
    let artifacts = work.join("artifacts").join(TARGET);
    let seeds = root.join("fuzz/seeds").join(TARGET);
    for dir in [&corpus, &artifacts] {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let before = crash_files(&artifacts);

    let mut cmd = Command::new(&cargo_fuzz);
    cmd.current_dir(&root)
        // cargo-fuzz runs `cargo`; with the variables `cargo run` set for
        // xtask it would reuse this (stable) toolchain.
        .env_remove("CARGO")
        .env_remove("RUSTC")
        .env_remove("RUSTDOC")
        .env_remove("RUSTC_WRAPPER")
        .env_remove("CARGO_TARGET_DIR")
        .env("RUSTUP_TOOLCHAIN", &args.toolchain)
        .args(["fuzz", "run", TARGET, "--fuzz-dir", "fuzz"])
        // Safe Rust: no sanitizer (2-3x the executions); debug assertions
        // on, so arithmetic overflow is a finding as it is in tests.
        .args(["--sanitizer", "none", "--debug-assertions"])
        .arg("--target-dir")
        .arg(target_dir(&root).join("fuzz"))
        .arg(&corpus)
        .arg(&seeds)
        .arg("--")
        .arg(format!("-max_total_time={}", args.seconds))
        .arg(format!("-dict={}", root.join("fuzz/svd.dict").display()))
        .arg(format!("-artifact_prefix={}/", artifacts.display()))
        .args(["-max_len=16384", "-timeout=20", "-rss_limit_mb=2048"])
        .arg("-print_final_stats=1");
    if args.jobs > 1 {
        cmd.arg(format!("-fork={}", args.jobs));
    }
    cmd.stderr(Stdio::piped());
    eprintln!(
        "fuzzing `{TARGET}` for {} s (corpus {}, seeds {})",
        args.seconds,
        corpus.display(),
        seeds.display()
    );
    let started = Instant::now();
    let mut child = cmd.spawn().context("running cargo-fuzz")?;
    let log_path = work.join("fuzz.log");
    let mut log = std::fs::File::create(&log_path)?;
    let mut stats = Stats::default();
    let stderr = child.stderr.take().expect("piped");
    for line in BufReader::new(stderr).lines() {
        let line = line.unwrap_or_default();
        writeln!(log, "{line}")?;
        parse_line(&line, &mut stats);
        let status_line = line.contains("pulse")
            || line.contains("INITED")
            || line.contains("DONE")
            || line.starts_with("stat::");
        let noise = line
            .split_whitespace()
            .nth(1)
            .is_some_and(|w| w == "NEW" || w == "REDUCE");
        if args.verbose || status_line || !noise {
            eprintln!("{line}");
        }
    }
    let status = child.wait()?;
    let elapsed = started.elapsed().as_secs_f64();

    let new_crashes: Vec<PathBuf> = crash_files(&artifacts)
        .into_iter()
        .filter(|p| !before.contains(p))
        .collect();
    let fixtures = root.join("generator/tests/fixtures/hostile");
    for crash in &new_crashes {
        let name = crash.file_name().expect("a file").to_string_lossy();
        let dest = fixtures.join(format!("fuzz-{name}.svd"));
        std::fs::create_dir_all(&fixtures)?;
        std::fs::copy(crash, &dest)?;
        eprintln!(
            "crash {} copied to {} (a regression case of tests/hostile.rs)",
            crash.display(),
            dest.display()
        );
    }

    println!("\nfuzz `{TARGET}`: {elapsed:.0} s");
    let show = |v: Option<u64>| v.map_or("?".to_string(), |n| n.to_string());
    println!("  executions      {}", show(stats.executions));
    if let (Some(n), true) = (stats.executions, elapsed > 0.0) {
        println!("  executions/s    {:.0}", n as f64 / elapsed);
    }
    println!("  coverage (cov)  {} edges", show(stats.coverage));
    println!("  features (ft)   {}", show(stats.features));
    println!(
        "  corpus          {}",
        stats.corpus.as_deref().unwrap_or("?")
    );
    println!("  new units       {}", show(stats.new_units));
    println!("  peak RSS        {} MB", show(stats.peak_rss_mb));
    println!("  crashes         {}", new_crashes.len());
    println!("  log             {}", log_path.display());
    if !new_crashes.is_empty() {
        bail!("{} crash(es) found", new_crashes.len());
    }
    if !status.success() {
        bail!("cargo fuzz failed ({status}); see {}", log_path.display());
    }
    Ok(())
}

/// The workspace's target directory (`CARGO_TARGET_DIR` if set); the fuzz
/// build (instrumented, nightly) goes into its `fuzz/` subdirectory.
fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
}

fn crash_files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            let name = p.file_name().unwrap_or_default().to_string_lossy();
            ["crash-", "oom-", "timeout-", "leak-"]
                .iter()
                .any(|k| name.starts_with(k))
        })
        .collect();
    out.sort();
    out
}

/// Pick the figures out of libFuzzer's status lines
/// (`#1234 pulse cov: 567 ft: 890 corp: 12/3456b …`) and final stats
/// (`stat::number_of_executed_units: 1234`).
fn parse_line(line: &str, stats: &mut Stats) {
    if let Some(rest) = line.strip_prefix("stat::") {
        let (key, value) = rest.split_once(':').unwrap_or((rest, ""));
        let value = value.trim().parse().ok();
        match key {
            "number_of_executed_units" => stats.executions = value.or(stats.executions),
            "peak_rss_mb" => stats.peak_rss_mb = value,
            "new_units_added" => stats.new_units = value,
            _ => {}
        }
        return;
    }
    let Some(rest) = line.strip_prefix('#') else {
        return;
    };
    let mut words = rest.split_whitespace();
    if let Some(n) = words.next().and_then(|n| n.parse().ok()) {
        stats.executions = Some(n);
    }
    let words: Vec<&str> = rest.split_whitespace().collect();
    for pair in words.windows(2) {
        match pair[0] {
            "cov:" => stats.coverage = pair[1].parse().ok(),
            "ft:" => stats.features = pair[1].parse().ok(),
            "corp:" => stats.corpus = Some(pair[1].to_string()),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_and_final_lines_parse() {
        let mut s = Stats::default();
        parse_line(
            "#4096\tpulse  cov: 5123 ft: 20456 corp: 310/1234Kb exec/s: 40 rss: 300Mb",
            &mut s,
        );
        assert_eq!(s.executions, Some(4096));
        assert_eq!(s.coverage, Some(5123));
        assert_eq!(s.features, Some(20456));
        assert_eq!(s.corpus.as_deref(), Some("310/1234Kb"));
        parse_line("stat::number_of_executed_units: 5000", &mut s);
        parse_line("stat::peak_rss_mb: 412", &mut s);
        assert_eq!(s.executions, Some(5000));
        assert_eq!(s.peak_rss_mb, Some(412));
    }
}
