//! `cargo xtask bench`: hal-gen against svd2rust, side by side in one run
//! on the same SVDs. Every figure is the median of `--runs` runs, with min
//! and max, because this machine is noisy; the two sides are interleaved so
//! drift in machine load hits both alike.
//!
//! Figures (`--only` picks some): `gen` generation, `check` the PAC alone,
//! `app` a small application, `thumb` its release build for the target,
//! `corpus` generation over the whole corpus.

mod apps;
mod cargo;
mod check;
mod corpus;
mod generation;
mod markdown;
mod prepare;
mod thumb;
mod tools;

use crate::util::{self, median};
use anyhow::{bail, Result};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::time::Instant;

#[derive(clap::Args)]
pub struct Args {
    /// Runs per measurement (at least 5 for a quoted figure).
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// Runs of the whole-corpus generation (each takes minutes).
    #[arg(long, default_value_t = 5)]
    corpus_runs: usize,
    /// Chips (SVD file stems, comma-separated; default: all six).
    #[arg(long, value_delimiter = ',')]
    chips: Vec<String>,
    /// Figures to measure: gen,check,app,thumb,corpus (default: all).
    #[arg(long, value_delimiter = ',')]
    only: Vec<Part>,
    /// Where the JSON and Markdown go (default: docs/bench for a full run,
    /// .cache/bench/results when --chips or --only narrow it).
    #[arg(long)]
    out_dir: Option<PathBuf>,
    /// Measure nothing: render bench.md (and, for docs/bench, the README
    /// block) again from the bench.json in --out-dir or docs/bench.
    #[arg(long)]
    render: bool,
}

#[derive(clap::ValueEnum, Clone, Copy, PartialEq, Eq, Debug)]
enum Part {
    Gen,
    Check,
    App,
    Thumb,
    Corpus,
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

/// Median, min and max of one measurement, with every run kept.
#[derive(Serialize, Deserialize, Clone)]
pub struct Sample {
    pub median_s: f64,
    pub min_s: f64,
    pub max_s: f64,
    pub runs_s: Vec<f64>,
}

impl Sample {
    pub fn of(runs: Vec<f64>) -> Self {
        let mut sorted = runs.clone();
        let m = median(&mut sorted);
        Self {
            median_s: m,
            min_s: sorted[0],
            max_s: sorted[sorted.len() - 1],
            runs_s: runs,
        }
    }
    pub fn show(&self) -> String {
        format!(
            "{:.2} s ({:.2}–{:.2})",
            self.median_s, self.min_s, self.max_s
        )
    }
}

/// A timed figure, or why there is none (for example svd2rust's PAC does
/// not compile). Never a made-up number.
#[derive(Serialize, Deserialize, Clone)]
#[serde(rename_all = "snake_case")]
pub enum Figure {
    Ok(Sample),
    Failed(String),
}

impl Figure {
    pub fn median(&self) -> Option<f64> {
        match self {
            Figure::Ok(s) => Some(s.median_s),
            Figure::Failed(_) => None,
        }
    }
    pub fn show(&self) -> String {
        match self {
            Figure::Ok(s) => s.show(),
            Figure::Failed(why) => format!("fails: {}", markdown::one_line(why, 60)),
        }
    }
    /// Collects runs; the first failure makes the whole figure a failure.
    pub fn collect(runs: Vec<Result<f64>>) -> Self {
        let mut ok = Vec::new();
        for r in runs {
            match r {
                Ok(t) => ok.push(t),
                Err(e) => return Figure::Failed(format!("{e:#}")),
            }
        }
        Figure::Ok(Sample::of(ok))
    }
}

/// `a / b` of two medians, when both exist.
pub fn ratio(a: &Figure, b: &Figure) -> Option<f64> {
    Some(a.median()? / b.median()?)
}

/// Median of the ratios that exist.
pub fn median_ratio(ratios: impl Iterator<Item = Option<f64>>) -> Option<f64> {
    let mut v: Vec<f64> = ratios.flatten().collect();
    (!v.is_empty()).then(|| median(&mut v))
}

#[derive(Serialize, Deserialize)]
pub struct Results {
    pub command: String,
    pub runs: usize,
    pub cores: usize,
    pub tools: Vec<String>,
    pub chips: Vec<String>,
    pub wall_s: f64,
    /// 1-minute load average when the bench started and ended: the
    /// machine is shared, and this says how much.
    #[serde(default)]
    pub load_start: f64,
    #[serde(default)]
    pub load_end: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub generation: Option<generation::Section>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pac_check: Option<check::PacSection>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app_check: Option<check::AppSection>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thumb: Option<thumb::Section>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub corpus: Option<corpus::Section>,
}

pub fn run_bench(args: Args) -> Result<()> {
    if args.runs < 1 || args.corpus_runs < 1 {
        bail!("--runs and --corpus-runs must be at least 1");
    }
    if args.render {
        let dir = args
            .out_dir
            .unwrap_or_else(|| util::root().join("docs/bench"));
        let results: Results =
            serde_json::from_str(&std::fs::read_to_string(dir.join("bench.json"))?)?;
        return write(&results, &dir, dir == util::root().join("docs/bench"));
    }
    let started = Instant::now();
    let load_start = corpus::load_average();
    let want = |p: Part| args.only.is_empty() || args.only.contains(&p);
    let chips = select_chips(&args.chips)?;
    let tools = tools::Tools::ensure()?;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());

    // Every per-chip figure works on the same generated crates.
    let per_chip = want(Part::Gen) || want(Part::Check) || want(Part::App) || want(Part::Thumb);
    let mut prepared = Vec::new();
    if want(Part::Check) || want(Part::App) || want(Part::Thumb) {
        for chip in &chips {
            eprintln!("preparing {} …", chip.name);
            prepared.push(prepare::prepare(chip, &tools)?);
        }
    }
    let mut results = Results {
        command: command_line(),
        runs: args.runs,
        cores,
        tools: tools.versions(),
        chips: if per_chip {
            chips.iter().map(|c| c.name.clone()).collect()
        } else {
            Vec::new()
        },
        wall_s: 0.0,
        load_start,
        load_end: 0.0,
        generation: None,
        pac_check: None,
        app_check: None,
        thumb: None,
        corpus: None,
    };
    if want(Part::Gen) {
        results.generation = Some(generation::run(&chips, &tools, args.runs)?);
    }
    if want(Part::Check) {
        results.pac_check = Some(check::pac(&prepared, args.runs)?);
    }
    if want(Part::App) {
        results.app_check = Some(check::app(&prepared, args.runs)?);
    }
    if want(Part::Thumb) {
        results.thumb = Some(thumb::run(&prepared, args.runs)?);
    }
    if want(Part::Corpus) {
        results.corpus = Some(corpus::run(args.corpus_runs, cores)?);
    }
    results.wall_s = started.elapsed().as_secs_f64();
    results.load_end = corpus::load_average();

    let narrowed = !args.chips.is_empty() || !args.only.is_empty();
    let official = !narrowed && args.out_dir.is_none();
    let dir = args.out_dir.unwrap_or_else(|| {
        if narrowed {
            util::cache().join("bench/results")
        } else {
            util::root().join("docs/bench")
        }
    });
    std::fs::create_dir_all(&dir)?;
    std::fs::write(
        dir.join("bench.json"),
        serde_json::to_string_pretty(&results)? + "\n",
    )?;
    write(&results, &dir, official)?;
    println!(
        "bench took {:.0} s; results: {}",
        results.wall_s,
        dir.join("bench.md").display()
    );
    Ok(())
}

/// bench.md, and the README block for the official results.
fn write(results: &Results, dir: &std::path::Path, readme: bool) -> Result<()> {
    std::fs::write(dir.join("bench.md"), markdown::render(results))?;
    if readme {
        update_readme(&markdown::readme_block(results))?;
    }
    Ok(())
}

const README_BEGIN: &str = "<!-- bench:begin (written by `cargo xtask bench`) -->";
const README_END: &str = "<!-- bench:end -->";

/// A full run replaces the README's results block, so the README always
/// shows the figures docs/bench holds.
fn update_readme(block: &str) -> Result<()> {
    let path = util::root().join("README.md");
    let text = std::fs::read_to_string(&path)?;
    let (Some(b), Some(e)) = (text.find(README_BEGIN), text.find(README_END)) else {
        bail!("README.md has no {README_BEGIN} … {README_END} block");
    };
    let updated = format!("{}{README_BEGIN}\n{block}\n{}", &text[..b], &text[e..]);
    std::fs::write(&path, updated)?;
    Ok(())
}

/// One chip of the bench: its SVD and the name tables use.
pub struct Chip {
    pub name: String,
    pub svd: PathBuf,
}

fn select_chips(wanted: &[String]) -> Result<Vec<Chip>> {
    let mut chips = Vec::new();
    for entry in CHIPS {
        let svd = util::svd_path(entry)?;
        let name = svd
            .file_stem()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        if wanted.is_empty() || wanted.iter().any(|w| w.eq_ignore_ascii_case(&name)) {
            chips.push(Chip { name, svd });
        }
    }
    for w in wanted {
        if !chips.iter().any(|c| c.name.eq_ignore_ascii_case(w)) {
            bail!(
                "unknown chip {w}; the bench's chips are {}",
                CHIPS
                    .iter()
                    .map(|c| c.rsplit('/').next().unwrap_or(c).trim_end_matches(".svd"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
    }
    Ok(chips)
}

/// The command as a user would type it, for the results' provenance.
fn command_line() -> String {
    let args: Vec<String> = std::env::args().skip(1).collect();
    format!("cargo xtask {}", args.join(" "))
}
