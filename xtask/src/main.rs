//! `cargo xtask`: the project's own automation. The product logic lives in
//! the `hal-gen` library; this only drives it over corpora, benches and CI.

mod bench;
mod ci;
mod conformance;
mod corpus;
mod coverage;
mod cross;
mod curated;
mod fetch;
mod fuzz;
mod matrix;
mod precision;
mod regen;
mod report;
mod util;

use anyhow::Result;
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "xtask")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Fetch the cmsis-svd 0.4 corpus (490 SVDs) into .cache/ and verify it.
    Fetch,
    /// Run hal-gen over the corpus, in parallel, and write a report.
    Corpus(corpus::Args),
    /// Classify the corpus (no PAC) and print per-vendor driver coverage.
    Coverage(coverage::Args),
    /// Classifier precision on the hand-labelled sample (docs/precision).
    Precision(precision::Args),
    /// The conformance suite on every QEMU board, then with fault injection.
    Conformance(conformance::Args),
    /// Merge shard reports written by `corpus --shard K/N`.
    CorpusMerge(corpus::MergeArgs),
    /// Curated chips: host clippy/rustdoc and target builds, locked and newest versions.
    Curated(curated::Args),
    /// Build generated PACs for their thumb target (rustup target or Debian build-std).
    Cross(cross::Args),
    /// Regenerate the crates checked in under generated/ (`--check`: compare only).
    Regen(regen::Args),
    /// hal-gen against svd2rust: generation, check, app, thumb build, corpus; medians of N runs.
    Bench(bench::Args),
    /// The coverage matrix: coverage/matrix.json, MATRIX.md and index.html.
    Matrix(matrix::Args),
    /// Fuzz load, repair and generate with cargo-fuzz (nightly) for N seconds.
    Fuzz(fuzz::Args),
    /// Everything CI runs: fmt, clippy, tests, regeneration drift, thumb builds, corpus.
    Ci,
}

// The same allocator as the hal-gen binary, so in-process generation
// (corpus, bench) measures what users run.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> Result<()> {
    match Cli::parse().command {
        Command::Fetch => fetch::corpus_dir().map(|dir| println!("{}", dir.display())),
        Command::Corpus(args) => corpus::run(args),
        Command::Coverage(args) => coverage::run(args),
        Command::Conformance(args) => conformance::run(args),
        Command::Precision(args) => precision::run(args),
        Command::CorpusMerge(args) => corpus::merge(args),
        Command::Cross(args) => cross::run(args),
        Command::Curated(args) => curated::run(args),
        Command::Regen(args) => regen::run(args),
        Command::Fuzz(args) => fuzz::run(args),
        Command::Matrix(args) => matrix::run(args),
        Command::Ci => ci::run(),
        Command::Bench(args) => bench::run_bench(args),
    }
}
