//! `cargo xtask corpus`: hal-gen over every SVD of the corpus.
//!
//! Generation runs in parallel (rayon). `--check` then runs `cargo check`
//! on each generated PAC, two at a time, each worker with its own shared
//! target dir so dependencies build once per worker.

use crate::report::{CheckResult, ChipResult, Report, Status};
use crate::util;
use anyhow::{bail, Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::time::Instant;

/// Distinct PAC modules of the whole corpus come to about 650 MB of text;
/// this holds them with room to spare on a 24 GB machine.
pub const MODULE_CACHE_BYTES: usize = 2 << 30;

/// Which SVD collection a run covers.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Which {
    /// The cmsis-svd 0.4 corpus (490 SVDs) the repairs and families were written against.
    Training,
    /// The validation corpus (423 SVDs, ../shared/corpus), never committed.
    Validation,
}

/// SVDs in the validation corpus (../shared/corpus/validation.tsv).
pub const VALIDATION_SVDS: usize = 423;

/// The validation PACs CI checks with `cargo check --features all`: fixed,
/// one per vendor, across cores (Cortex-M0, M4F, M23, RISC-V, Xtensa), each
/// exercising a class of repair the validation corpus needed (free-text
/// tokens, a lower-case token, a synonym, don't-care enumerated values, an
/// overlapping register array svd2rust cannot render). The whole set is a
/// sharded run (docs/validation/README.md).
pub const VALIDATION_SAMPLE: &str = "Espressif-Community/esp8266.svd,\
GigaDevice/GD32VF103.svd,\
Infineon/TLE9868.svd,\
Nordic/nrf52820.svd,\
Renesas/R7FA2E1A9.svd,\
TexasInstruments/TM4C1230C3PM.svd";

impl Which {
    /// As reports name it ("over the … corpus").
    fn name(self) -> &'static str {
        match self {
            Self::Training => crate::report::TRAINING_CORPUS,
            Self::Validation => "validation (../shared/corpus)",
        }
    }

    /// The directory holding `<Vendor>/<chip>.svd`, unpacked if needed,
    /// and how many SVDs it must hold.
    pub fn dir(self) -> Result<(PathBuf, usize)> {
        match self {
            Self::Training => Ok((crate::fetch::corpus_dir()?, crate::fetch::EXPECTED_SVDS)),
            Self::Validation => Ok((validation_dir()?, VALIDATION_SVDS)),
        }
    }

    fn default_report_dir(self) -> PathBuf {
        match self {
            Self::Training => util::root().join("docs/corpus"),
            Self::Validation => util::root().join("docs/validation"),
        }
    }

    fn default_out_dir(self) -> PathBuf {
        match self {
            Self::Training => util::cache().join("corpus-out"),
            Self::Validation => util::cache().join("validation-out"),
        }
    }

    /// Where a run that must not touch the committed report writes.
    fn scratch_report_dir(self) -> PathBuf {
        match self {
            Self::Training => util::cache().join("corpus-report"),
            Self::Validation => util::cache().join("validation-report"),
        }
    }
}

/// `.cache/validation`, unpacked with `../shared/corpus/unpack.sh` (which
/// verifies every checksum) when it is not complete. The shared corpus
/// folder is `$HAL_GEN_SHARED_CORPUS` when set, else `../shared/corpus`
/// beside the checkout.
pub fn validation_dir() -> Result<PathBuf> {
    let dir = util::cache().join("validation");
    if dir.join(".complete").is_file() {
        return Ok(dir);
    }
    let shared = std::env::var_os("HAL_GEN_SHARED_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| util::root().join("../shared/corpus"));
    let script = shared.join("unpack.sh");
    if !script.is_file() {
        bail!(
            "the validation corpus is not here: no {} (set HAL_GEN_SHARED_CORPUS to the \
             folder holding unpack.sh and validation.tar.xz)",
            script.display()
        );
    }
    eprintln!(
        "unpacking the validation corpus with {} …",
        script.display()
    );
    let status = Command::new("bash")
        .arg(&script)
        .arg(&dir)
        .current_dir(util::root())
        .status()
        .with_context(|| format!("running {}", script.display()))?;
    if !status.success() {
        bail!("{} failed", script.display());
    }
    Ok(dir)
}

#[derive(clap::Args)]
pub struct Args {
    /// Which corpus: the training corpus (default) or the validation corpus.
    #[arg(long, value_enum, default_value = "training")]
    corpus: Which,
    /// Also `cargo check --features all` every generated PAC.
    #[arg(long)]
    check: bool,
    /// Also `cargo clippy -- -D warnings` every generated HAL on the host.
    #[arg(long)]
    hal: bool,
    /// Also build every Cortex-M HAL with its examples for the thumb target.
    #[arg(long)]
    thumb: bool,
    /// Only this shard of the sorted SVD list, 1-based: `--shard 2/4`.
    #[arg(long, value_parser = parse_shard)]
    shard: Option<(usize, usize)>,
    /// Generation threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Parallel `cargo check` workers.
    #[arg(long, default_value_t = 2)]
    check_jobs: usize,
    /// Only SVDs whose `Vendor/file` path contains this.
    #[arg(long)]
    filter: Option<String>,
    /// Only these SVDs, as comma-separated `Vendor/file.svd` (a fixed CI
    /// sample); fails if one is missing.
    #[arg(long)]
    sample: Option<String>,
    /// Fail unless every SVD generates (CI).
    #[arg(long)]
    expect_all: bool,
    /// Also generate every SVD without the module cache and fail the SVD
    /// if the cached output differs by a byte (untimed).
    #[arg(long)]
    verify_cache: bool,
    /// Where the report goes (default: docs/corpus, docs/validation with
    /// `--corpus validation`, or .cache/corpus-shards for a shard).
    #[arg(long)]
    report_dir: Option<PathBuf>,
    /// Where the generated crates and coverage records go (default:
    /// .cache/corpus-out, which `cargo xtask matrix` reads; .cache/validation-out
    /// with `--corpus validation`).
    #[arg(long)]
    out_dir: Option<PathBuf>,
    /// Then compare this committed report, which claims every SVD
    /// (docs/corpus/report.json), with the fresh run; also its .md and the
    /// README's corpus table. Fails on any difference (CI).
    #[arg(long)]
    compare: Vec<PathBuf>,
    /// Then check the stamps of this committed build record
    /// (docs/corpus-hal/report.json): each SVD it holds must generate the
    /// same PAC and HAL bytes now; also its .md and the README tables.
    #[arg(long)]
    compare_record: Vec<PathBuf>,
    /// With --compare-record: drop the record's stale SVDs (their results
    /// become not-run) instead of failing.
    #[arg(long)]
    prune_stale: bool,
}

/// How to rebuild what `--compare` checks.
pub const REGEN_REPORT: &str = "cargo xtask corpus   (writes docs/corpus/report.{json,md} and the README's corpus table, about 2 min; then `cargo xtask matrix`)";
/// How to rebuild the validation report `--compare` checks.
pub const REGEN_VALIDATION: &str = "cargo xtask corpus --corpus validation   (writes docs/validation/report.{json,md}, about 2 min)";
/// How to rebuild what `--compare-record` checks.
pub const REGEN_RECORD: &str = "run `cargo xtask corpus --check --hal --thumb --shard K/10 --out-dir .cache/corpus-hal-out` for K = 1..10, then `cargo xtask corpus-merge .cache/corpus-shards/shard-*-of-10.json --report-dir docs/corpus-hal` (hours); or re-run only the stale SVDs (--filter) and merge them onto the record (`cargo xtask corpus-merge docs/corpus-hal/report.json NEW.json --report-dir docs/corpus-hal`), or drop them (`cargo xtask corpus --compare-record docs/corpus-hal/report.json --prune-stale`); then `cargo xtask matrix`";

#[derive(clap::Args)]
pub struct MergeArgs {
    /// Shard report JSON files.
    files: Vec<PathBuf>,
    #[arg(long)]
    report_dir: Option<PathBuf>,
    /// Keep only the results whose stamps hold against this report (one
    /// generation of every SVD, e.g. docs/corpus/report.json): see
    /// `corpus --prune-stale`.
    #[arg(long)]
    restamp: Option<PathBuf>,
}

fn parse_shard(s: &str) -> Result<(usize, usize), String> {
    let (k, n) = s.split_once('/').ok_or("expected K/N")?;
    let (k, n): (usize, usize) = (
        k.parse().map_err(|_| "bad K")?,
        n.parse().map_err(|_| "bad N")?,
    );
    if n == 0 || k == 0 || k > n {
        return Err("need 1 <= K <= N".into());
    }
    Ok((k, n))
}

pub fn run(args: Args) -> Result<()> {
    let (data, expected) = args.corpus.dir()?;
    let mut svds = crate::fetch::list(&data)?;
    if let Some(sample) = &args.sample {
        let names: Vec<&str> = sample.split(',').map(str::trim).collect();
        svds.retain(|(v, p)| {
            let key = format!(
                "{v}/{}",
                p.file_name().unwrap_or_default().to_string_lossy()
            );
            names.contains(&key.as_str())
        });
        if svds.len() != names.len() {
            bail!(
                "--sample names {} SVD(s), {} of them found in {}",
                names.len(),
                svds.len(),
                data.display()
            );
        }
    }
    if args.filter.is_none()
        && args.shard.is_none()
        && args.sample.is_none()
        && svds.len() != expected
    {
        bail!(
            "expected {} SVDs in {}, found {}",
            expected,
            data.display(),
            svds.len()
        );
    }
    if let Some(f) = &args.filter {
        svds.retain(|(v, p)| {
            format!(
                "{v}/{}",
                p.file_name().unwrap_or_default().to_string_lossy()
            )
            .contains(f.as_str())
        });
    }
    if let Some((k, n)) = args.shard {
        svds = svds
            .into_iter()
            .enumerate()
            .filter(|(i, _)| i % n == k - 1)
            .map(|(_, s)| s)
            .collect();
    }
    let out_root = args
        .out_dir
        .clone()
        .unwrap_or_else(|| args.corpus.default_out_dir());
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()?;

    eprintln!("generating {} SVDs on {threads} thread(s) …", svds.len());
    // Vendors repeat peripherals verbatim across a family; each distinct
    // PAC module is formatted once (see hal_gen::pac::ModuleCache).
    let cache = hal_gen::pac::ModuleCache::new(MODULE_CACHE_BYTES);
    let started = Instant::now();
    let bar = progress(svds.len() as u64, "generate");
    let mut results: Vec<ChipResult> = pool.install(|| {
        // One SVD per task: rayon otherwise runs long stretches of the
        // list sequentially on one thread and leaves the other idle.
        svds.par_iter()
            .with_max_len(1)
            .map(|(vendor, path)| {
                bar.set_message(
                    path.file_name()
                        .unwrap_or_default()
                        .to_string_lossy()
                        .into_owned(),
                );
                let r = generate_one(vendor, path, &out_root, &cache, args.verify_cache);
                bar.inc(1);
                r
            })
            .collect()
    });
    bar.finish_and_clear();
    let generation_wall_s = started.elapsed().as_secs_f64();
    let stats = cache.stats();
    eprintln!(
        "generated in {generation_wall_s:.1} s ({} of {} PAC modules from the module cache, {} of them \
         not rendered by svd2rust either; {} MB cached)",
        stats.hits,
        stats.hits + stats.misses,
        stats.reused,
        stats.bytes >> 20
    );

    if args.check || args.hal || args.thumb {
        let what = Checks {
            pac: args.check,
            hal: args.hal,
            thumb: args.thumb,
        };
        check_all(&mut results, args.check_jobs.max(1), what)?;
    }

    let mut report = Report::new(results, args.check, generation_wall_s, threads, args.shard);
    report.corpus = args.corpus.name().into();
    let dir = match (&args.report_dir, args.shard) {
        (Some(d), _) => d.clone(),
        (None, Some(_)) => util::cache().join("corpus-shards"),
        (None, None) if args.filter.is_some() || args.sample.is_some() || args.expect_all => {
            args.corpus.scratch_report_dir()
        }
        (None, None) => args.corpus.default_report_dir(),
    };
    let name = match args.shard {
        Some((k, n)) => format!("shard-{k}-of-{n}"),
        None => "report".into(),
    };
    report.write(&dir, &name)?;
    update_readmes(&report, &dir)?;
    eprint!("{}", report.summary_text());
    let mut stale = Vec::new();
    for path in &args.compare {
        stale.extend(compare_committed(path, &report, true, false)?);
    }
    for path in &args.compare_record {
        stale.extend(compare_committed(path, &report, false, args.prune_stale)?);
    }
    if !stale.is_empty() {
        bail!("committed evidence is stale:\n{}", stale.join("\n"));
    }
    let t = &report.totals;
    if args.expect_all && (t.failed > 0 || t.compiled < t.checked) {
        bail!(
            "{} SVD(s) failed to generate, {} PAC(s) failed to compile",
            t.failed,
            t.checked - t.compiled
        );
    }
    Ok(())
}

pub fn merge(args: MergeArgs) -> Result<()> {
    let mut reports = Vec::new();
    for f in &args.files {
        let text =
            std::fs::read_to_string(f).with_context(|| format!("reading {}", f.display()))?;
        reports.push(
            serde_json::from_str::<Report>(&text)
                .with_context(|| format!("parsing {}", f.display()))?,
        );
    }
    let mut merged = Report::merge(reports)?;
    if let Some(path) = &args.restamp {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let fresh: Report =
            serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
        merged = restamp(&merged, &fresh, "the merged record");
    }
    let dir = args
        .report_dir
        .unwrap_or_else(|| util::root().join("docs/corpus"));
    merged.write(&dir, "report")?;
    update_readmes(&merged, &dir)?;
    eprint!("{}", merged.summary_text());
    Ok(())
}

/// The README blocks a committed report feeds: `(file, block)`.
fn readme_blocks(dir: &Path) -> Vec<(PathBuf, &'static str)> {
    let root = util::root();
    let dir = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
    if dir == root.join("docs/corpus") {
        vec![(root.join("README.md"), "corpus-table")]
    } else if dir == root.join("docs/corpus-hal") {
        vec![
            (root.join("README.md"), "corpus-hal-table"),
            (root.join("docs/corpus-hal/README.md"), "corpus-hal-table"),
        ]
    } else {
        vec![]
    }
}

fn readme_text(report: &Report, block: &str) -> String {
    match block {
        "corpus-table" => report.vendor_table(),
        _ => report.build_table(),
    }
}

/// Writing docs/corpus or docs/corpus-hal also rewrites the README tables
/// quoted from it.
fn update_readmes(report: &Report, dir: &Path) -> Result<()> {
    for (file, block) in readme_blocks(dir) {
        crate::report::readme::write(&file, block, &readme_text(report, block))?;
    }
    Ok(())
}

/// The record's rows made fresh, keeping only the results whose stamps
/// still hold against `fresh`: the PAC check while the PAC is the same
/// bytes, the HAL results while both crates are. Rows left with no result
/// are dropped.
fn restamp(committed: &Report, fresh: &Report, shown: &str) -> Report {
    let fresh_rows: std::collections::BTreeMap<String, &ChipResult> =
        fresh.chips.iter().map(|c| (c.key(), c)).collect();
    let before = committed.chips.len();
    let (mut pac_kept, mut hal_kept) = (0, 0);
    let chips: Vec<ChipResult> = committed
        .chips
        .iter()
        .filter_map(|c| {
            let f = fresh_rows.get(&c.key())?;
            let mut row = (*f).clone();
            row.gen_ms = c.gen_ms;
            (row.check, row.hal_check, row.hal_thumb) = (None, None, None);
            if c.pac_digest.is_some() && c.pac_digest == f.pac_digest {
                row.check = c.check.clone();
                pac_kept += usize::from(c.check.is_some());
                if c.hal_digest.is_some() && c.hal_digest == f.hal_digest {
                    row.hal_check = c.hal_check.clone();
                    row.hal_thumb = c.hal_thumb.clone();
                    hal_kept += usize::from(c.hal_check.is_some());
                }
            }
            let any = row.check.is_some() || row.hal_check.is_some() || row.hal_thumb.is_some();
            any.then_some(row)
        })
        .collect();
    eprintln!(
            "{shown}: kept {} of {before} SVD(s): {pac_kept} PAC check(s) and {hal_kept} HAL result(s) \
             whose stamps still hold",
            chips.len()
        );
    let mut restamped = Report::new(
        chips,
        committed.checked,
        committed.generation_wall_s,
        committed.threads,
        None,
    );
    restamped.corpus = committed.corpus.clone();
    restamped
}

/// One message per stale artifact (none when all is current): the
/// committed report at `path` against the fresh `report`, its Markdown
/// against its JSON, and the README tables quoted from it.
fn compare_committed(path: &Path, fresh: &Report, all: bool, prune: bool) -> Result<Vec<String>> {
    let shown = crate::matrix::display(path);
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let mut committed: Report =
        serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
    let dir = path.parent().unwrap_or(Path::new("."));
    let regen = match (all, dir.ends_with("validation")) {
        (true, true) => REGEN_VALIDATION,
        (true, false) => REGEN_REPORT,
        (false, _) => REGEN_RECORD,
    };
    let mut diff = crate::report::compare(&committed, fresh, all);
    if prune && !diff.is_empty() {
        committed = restamp(&committed, fresh, &shown);
        committed.write(dir, "report")?;
        update_readmes(&committed, dir)?;
        diff = crate::report::compare(&committed, fresh, all);
    }
    let mut out = Vec::new();
    if !diff.is_empty() {
        let mut lines: Vec<String> = diff.iter().take(20).map(|d| format!("    {d}")).collect();
        if diff.len() > 20 {
            lines.push(format!("    … and {} more", diff.len() - 20));
        }
        out.push(format!(
            "{shown} disagrees with a fresh run of the current code ({} difference(s); \
             not compared, as volatile: {}; not rerun, their pac_digest/hal_digest stamps \
             compared instead: {}):\n{}\n  regenerate: {regen}",
            diff.len(),
            crate::report::VOLATILE.join(", "),
            crate::report::STAMPED.join(", "),
            lines.join("\n")
        ));
    }
    let md = path.with_extension("md");
    let md_text = std::fs::read_to_string(&md).unwrap_or_default();
    if md_text != committed.markdown() {
        out.push(format!(
            "{} is not the rendering of {shown}\n  regenerate: {regen}",
            crate::matrix::display(&md)
        ));
    }
    for (file, block) in readme_blocks(dir) {
        let want = readme_text(&committed, block);
        if let Some(d) = crate::report::readme::check(&file, block, &want)? {
            out.push(format!(
                "{}: the `{block}` table is not the one {shown} gives: {d}\n  regenerate: {regen}",
                crate::matrix::display(&file)
            ));
        }
    }
    Ok(out)
}

/// A progress bar on a terminal; on a log (CI), a line every tenth.
fn progress(len: u64, what: &str) -> ProgressBar {
    use std::io::IsTerminal;
    if !std::io::stderr().is_terminal() {
        let bar = ProgressBar::hidden();
        bar.set_length(len);
        let what = what.to_string();
        let step = (len / 10).max(1);
        let ticker = bar.clone();
        std::thread::spawn(move || {
            let mut next = step;
            while !ticker.is_finished() {
                if ticker.position() >= next {
                    eprintln!(
                        "{what}: {}/{len} ({:.0} s)",
                        ticker.position(),
                        ticker.elapsed().as_secs_f64()
                    );
                    next += step;
                }
                std::thread::sleep(std::time::Duration::from_millis(200));
            }
        });
        return bar;
    }
    let bar = ProgressBar::new(len);
    bar.set_style(
        ProgressStyle::with_template(&format!(
            "{what} [{{bar:40}}] {{pos}}/{{len}} {{elapsed}} {{msg}}"
        ))
        .expect("static template")
        .progress_chars("=> "),
    );
    bar
}

fn generate_one(
    vendor: &str,
    path: &Path,
    out_root: &Path,
    cache: &hal_gen::pac::ModuleCache,
    verify_cache: bool,
) -> ChipResult {
    let file = path
        .file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned();
    let stem = path
        .file_stem()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned();
    let out = out_root.join(vendor).join(&stem);
    let config = hal_gen::Config {
        force: true,
        ..Default::default()
    };
    let started = Instant::now();
    // A panic is a bug to report, not a reason to lose the whole run.
    let outcome = std::panic::catch_unwind(|| {
        let generated = hal_gen::generate_cached(path, &config, Some(cache))?;
        hal_gen::write_output(&out, &generated.files, &generated.chip.svd_file, &config)?;
        Ok::<_, hal_gen::Error>(generated)
    });
    let gen_ms = started.elapsed().as_secs_f64() * 1000.0;
    let outcome = match outcome {
        Ok(Ok(g)) if verify_cache => std::panic::catch_unwind(|| {
            let plain = hal_gen::generate(path, &config)?;
            same_as_uncached(&g.files, &plain.files)?;
            Ok(g)
        }),
        other => other,
    };
    let mut r = ChipResult::new(vendor, &file, gen_ms);
    match outcome {
        Ok(Ok(g)) => {
            r.status = Status::Generated;
            r.chip = Some(g.chip.name.clone());
            r.target = g.chip.target.triple.map(str::to_string);
            r.peripherals = g.chip.peripherals.len();
            r.repairs = g.diagnostics.repairs().count();
            r.warnings = g.diagnostics.len() - r.repairs;
            let mut codes = std::collections::BTreeMap::new();
            for d in g.diagnostics.iter() {
                *codes.entry(d.code.to_string()).or_insert(0usize) += 1;
            }
            r.repair_codes = codes;
            r.pac_digest = Some(crate_digest(&g.files, &g.chip.pac_crate_name()));
            r.hal_digest = Some(crate_digest(&g.files, &g.chip.hal_crate_name()));
            r.pac_dir = Some(out.join(g.chip.pac_crate_name()));
            r.hal_dir = Some(out.join(g.chip.hal_crate_name()));
            let record = hal_gen::coverage::record(&g.chip, &g.classes);
            r.capabilities = record
                .capabilities
                .iter()
                .map(|(c, v)| (c.as_str().to_string(), v.status.to_string()))
                .collect();
        }
        Ok(Err(e)) => {
            r.status = Status::Failed;
            // The error and its causes, on one line.
            let mut text = e.to_string();
            let mut source = std::error::Error::source(&e);
            while let Some(cause) = source {
                text.push_str(&format!(": {cause}"));
                source = cause.source();
            }
            r.error = Some(first_line(&text));
        }
        Err(panic) => {
            r.status = Status::Panicked;
            let msg = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            r.error = Some(format!("panic: {msg}"));
        }
    }
    r
}

/// sha256 of one crate's files in the generated tree (each path and its
/// bytes), first 16 hex digits: what a check result of that crate is about.
pub fn crate_digest(files: &hal_gen::writer::FileTree, krate: &str) -> String {
    use sha2::{Digest, Sha256};
    let prefix = format!("{krate}/");
    let mut h = Sha256::new();
    for (path, text) in files.range(prefix.clone()..) {
        if !path.starts_with(&prefix) {
            break;
        }
        h.update(path.as_bytes());
        h.update([0]);
        h.update(text.as_bytes());
        h.update([0]);
    }
    h.finalize()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `Ok` if the cached generation wrote exactly what an uncached one does.
fn same_as_uncached(
    cached: &hal_gen::writer::FileTree,
    plain: &hal_gen::writer::FileTree,
) -> Result<(), hal_gen::Error> {
    let differs = plain
        .keys()
        .chain(cached.keys())
        .find(|path| cached.get(*path) != plain.get(*path));
    match differs {
        None => Ok(()),
        Some(path) => Err(hal_gen::Error::Pac {
            message: format!("module cache: {path} differs from uncached generation"),
        }),
    }
}

fn first_line(s: &str) -> String {
    let line = s.lines().next().unwrap_or_default();
    // Drop the absolute cache path so reports are the same on every machine.
    for marker in ["/data/", "/.cache/validation/"] {
        if let Some(i) = line.find(marker) {
            return line[i + marker.len()..].to_string();
        }
    }
    line.to_string()
}

#[derive(Clone, Copy)]
struct Checks {
    pac: bool,
    hal: bool,
    thumb: bool,
}

fn check_all(results: &mut [ChipResult], jobs: usize, what: Checks) -> Result<()> {
    let todo: Vec<usize> = (0..results.len())
        .filter(|&i| results[i].pac_dir.is_some())
        .collect();
    eprintln!("cargo check of {} PACs, {jobs} at a time …", todo.len());
    let bar = progress(todo.len() as u64, "check");
    let queue = Mutex::new(todo.into_iter());
    let done = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for worker in 0..jobs {
            let (queue, done, bar, results) = (&queue, &done, &bar, &*results);
            s.spawn(move || {
                let target_dir = util::cache().join(format!("corpus-target/w{worker}"));
                loop {
                    let Some(i) = queue.lock().expect("queue").next() else {
                        break;
                    };
                    let dir = results[i].pac_dir.clone().expect("filtered");
                    bar.set_message(results[i].file.clone());
                    let pac = what.pac.then(|| check_one(&dir, &target_dir));
                    let hal_dir = results[i].hal_dir.clone().expect("set with pac_dir");
                    let hal = what.hal.then(|| hal_clippy(&hal_dir, &target_dir));
                    let thumb = match (what.thumb, results[i].target.as_deref()) {
                        (true, Some(triple)) => Some(hal_thumb(&hal_dir, triple, &target_dir)),
                        _ => None,
                    };
                    forget_artifacts(&hal_dir, &target_dir);
                    done.lock().expect("done").push((i, (pac, hal, thumb)));
                    bar.inc(1);
                }
            });
        }
    });
    bar.finish_and_clear();
    for (i, (pac, hal, thumb)) in done.into_inner().expect("done") {
        results[i].check = pac;
        results[i].hal_check = hal;
        results[i].hal_thumb = thumb;
    }
    Ok(())
}

fn hal_clippy(hal: &Path, target_dir: &Path) -> CheckResult {
    let mut cmd = Command::new("cargo");
    cmd.args([
        "clippy",
        "--quiet",
        "--message-format",
        "short",
        "--manifest-path",
    ])
    .arg(hal.join("Cargo.toml"))
    .arg("--target-dir")
    .arg(target_dir)
    .args(["--", "-D", "warnings"]);
    run_check(cmd)
}

fn hal_thumb(hal: &Path, triple: &str, target_dir: &Path) -> CheckResult {
    let toolchain = match hal_gen::cross::detect(triple) {
        Ok(t) => t,
        Err(e) => {
            return CheckResult {
                passed: false,
                seconds: 0.0,
                error: Some(format!("no toolchain for {triple}: {e}")),
            }
        }
    };
    let mut cmd = toolchain.cargo("build", hal, triple, &target_dir.join("thumb"));
    cmd.args([
        "--quiet",
        "--release",
        "--message-format",
        "short",
        "--features",
        "rt,memory-x",
        "--lib",
        "--examples",
    ]);
    let result = run_check(cmd);
    let name = hal
        .file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned();
    let release = target_dir.join("thumb").join(triple).join("release");
    forget_artifacts_in(&release, &name);
    forget_artifacts_in(&release, &name.replace("-hal", "-pac"));
    result
}

fn run_check(mut cmd: Command) -> CheckResult {
    let started = Instant::now();
    let out = cmd
        .env("CARGO_TERM_COLOR", "never")
        .env("CARGO_INCREMENTAL", "0")
        .output();
    to_result(out, started.elapsed().as_secs_f64())
}

fn check_one(pac: &Path, target_dir: &Path) -> CheckResult {
    let started = Instant::now();
    let out = Command::new("cargo")
        .args([
            "check",
            "--quiet",
            "--features",
            "all",
            "--message-format",
            "short",
        ])
        .arg("--manifest-path")
        .arg(pac.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(target_dir)
        .env("CARGO_TERM_COLOR", "never")
        // Incremental state is ~100 MB a PAC and is never reused here.
        .env("CARGO_INCREMENTAL", "0")
        .output();
    let seconds = started.elapsed().as_secs_f64();
    forget_artifacts(pac, target_dir);
    to_result(out, seconds)
}

fn to_result(out: std::io::Result<std::process::Output>, seconds: f64) -> CheckResult {
    match out {
        Ok(o) if o.status.success() => CheckResult {
            passed: true,
            seconds,
            error: None,
        },
        Ok(o) => {
            let stderr = String::from_utf8_lossy(&o.stderr);
            let errors: Vec<&str> = stderr
                .lines()
                .filter(|l| l.contains("error"))
                .take(3)
                .collect();
            let error = errors.join(" | ");
            let error = match error.find("/src/") {
                Some(i) => error[i + 1..].to_string(),
                None => error,
            };
            CheckResult {
                passed: false,
                seconds,
                error: Some(error.chars().take(400).collect()),
            }
        }
        Err(e) => CheckResult {
            passed: false,
            seconds,
            error: Some(format!("could not run cargo: {e}")),
        },
    }
}

/// Delete one PAC's check artifacts (tens of MB each): 490 of them would
/// not fit on the disk, and the shared dependencies stay.
fn forget_artifacts(krate: &Path, target_dir: &Path) {
    let name = krate
        .file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned();
    forget_artifacts_in(&target_dir.join("debug"), &name);
    // The HAL's PAC, built with the HAL's feature subset.
    let pac = name.replace("-hal", "-pac");
    if pac != name {
        forget_artifacts_in(&target_dir.join("debug"), &pac);
    }
}

fn forget_artifacts_in(profile_dir: &Path, crate_name: &str) {
    let name = crate_name.replace('-', "_");
    for (dir, prefix) in [
        ("deps", format!("lib{name}-")),
        (".fingerprint", format!("{}-", name.replace('_', "-"))),
    ] {
        let Ok(entries) = std::fs::read_dir(profile_dir.join(dir)) else {
            continue;
        };
        for e in entries.flatten() {
            if e.file_name().to_string_lossy().starts_with(&prefix) {
                let p = e.path();
                let _ = if p.is_dir() {
                    std::fs::remove_dir_all(&p)
                } else {
                    std::fs::remove_file(&p)
                };
            }
        }
    }
}
