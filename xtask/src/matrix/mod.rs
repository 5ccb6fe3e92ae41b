//! `cargo xtask matrix`: join every chip's coverage record with the
//! conformance results and the corpus report into the published coverage
//! matrix: coverage/matrix.json, coverage/MATRIX.md and coverage/index.html
//! (one self-contained page). Deterministic: the same inputs give the same
//! bytes. Schema and cell rules: coverage/README.md.

mod browser;
mod html;
pub mod input;
mod markdown;
pub mod model;
#[cfg(test)]
mod tests;

use crate::report::Report;
use crate::util;
use anyhow::{bail, ensure, Context, Result};
use input::{file_name, Record};
use model::{ChipInput, Inputs, Matrix, Origin};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct Args {
    /// Coverage records written by `cargo xtask corpus`.
    #[arg(long)]
    corpus_out: Option<PathBuf>,
    /// The corpus report (generation, PAC check, HAL clippy and thumb results).
    #[arg(long)]
    report: Option<PathBuf>,
    /// The build record: PAC check, HAL clippy and thumb results per SVD,
    /// each stamped with the digests of what it built (default:
    /// docs/corpus-hal/report.json when it exists). A row whose digests
    /// are not the report's is not used (a warning).
    #[arg(long)]
    hal_record: Option<PathBuf>,
    /// Conformance results, one JSON file per (board, backend) run.
    #[arg(long)]
    conformance: Option<PathBuf>,
    /// Output directory.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Corpus SVDs with no coverage record are classified in this process
    /// (load, repair, classify; no PAC) instead of showing as `unknown`.
    #[arg(long)]
    classify_missing: bool,
    /// Only the project's chips (generated/*.coverage.json), no corpus.
    #[arg(long)]
    project_only: bool,
    /// Fail when the matrix disagrees with the corpus report or a results
    /// file names no chip.
    #[arg(long)]
    strict: bool,
    /// Write nothing: fail unless matrix.json, MATRIX.md and index.html in
    /// the output directory are what these inputs give (CI).
    #[arg(long)]
    check: bool,
    /// Then load index.html in headless Chromium and check what it shows.
    #[arg(long)]
    browser_test: bool,
    /// With --browser-test: also save the filtered-page screenshot here.
    #[arg(long)]
    screenshot: Option<PathBuf>,
}

pub fn run(args: Args) -> Result<()> {
    let root = util::root();
    let out = args.out.clone().unwrap_or_else(|| root.join("coverage"));
    let conformance = args
        .conformance
        .clone()
        .unwrap_or_else(|| root.join("docs/conformance"));
    let report_path = args
        .report
        .clone()
        .unwrap_or_else(|| root.join("docs/corpus/report.json"));
    // Project-only runs (CI has no corpus) still read the report when it
    // is there, for the curated corpus chips' ids and build times.
    let report = if args.project_only && !report_path.is_file() {
        None
    } else {
        Some(read_report(&report_path)?)
    };
    let corpus_out = args
        .corpus_out
        .clone()
        .unwrap_or_else(|| util::cache().join("corpus-out"));
    let record_path = args
        .hal_record
        .clone()
        .unwrap_or_else(|| root.join("docs/corpus-hal/report.json"));
    let record = if args.hal_record.is_some() || record_path.is_file() {
        Some(read_report(&record_path)?)
    } else {
        None
    };

    let inputs = gather(&GatherArgs {
        corpus_out: (!args.project_only).then_some(corpus_out.as_path()),
        report: report.as_ref().map(|r| (r, display(&report_path))),
        hal_record: record.as_ref().map(|r| (r, display(&record_path))),
        conformance: &conformance,
        project: &root.join("generated"),
        project_only: args.project_only,
        classify_missing: args.classify_missing && !args.project_only,
    })?;
    let (matrix, mut warnings) = model::build(inputs);
    if let (Some(r), false) = (&report, args.project_only) {
        warnings.extend(check_against_report(&matrix, r));
    }
    for w in &warnings {
        eprintln!("warning: {w}");
    }
    if args.check {
        let stale = check_files(&matrix, &out)?;
        if !stale.is_empty() {
            bail!(
                "{} is stale (rebuilt from corpus-out, generated/, {}, {} and {}):\n{}\n  regenerate: {REGEN}",
                display(&out),
                display(&report_path),
                display(&record_path),
                display(&conformance),
                stale.join("\n")
            );
        }
        if args.strict && !warnings.is_empty() {
            bail!("{} warning(s) with --strict", warnings.len());
        }
        eprintln!(
            "{}: matrix.json, MATRIX.md and index.html are current",
            display(&out)
        );
        return Ok(());
    }
    write(&matrix, &out)?;
    print_summary(&matrix, &out);
    if args.strict && !warnings.is_empty() {
        bail!("{} warning(s) with --strict", warnings.len());
    }
    if args.browser_test {
        let report = (report.is_some() && !args.project_only).then_some(report_path.as_path());
        browser::run(&out, &conformance, report, args.screenshot.as_deref())?;
    }
    Ok(())
}

fn read_report(path: &Path) -> Result<Report> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))
}

/// A path relative to the workspace root when it is inside it.
pub fn display(p: &Path) -> String {
    let root = util::root();
    p.strip_prefix(&root)
        .unwrap_or(p)
        .to_string_lossy()
        .into_owned()
}

/// How to rebuild coverage/ (the corpus step writes the records it reads).
pub const REGEN: &str = "cargo xtask corpus && cargo xtask matrix   (about 2.5 min)";

/// Where the files in `out` differ from the matrix `m` renders: for
/// matrix.json the first differing field, for the others the first
/// differing line.
pub fn check_files(m: &Matrix, out: &Path) -> Result<Vec<String>> {
    let mut stale = Vec::new();
    let json_path = out.join("matrix.json");
    let committed = std::fs::read_to_string(&json_path).unwrap_or_default();
    let rebuilt = to_json(m)?;
    if committed != rebuilt {
        let what = match serde_json::from_str::<serde_json::Value>(&committed) {
            Ok(old) => {
                let new: serde_json::Value = serde_json::from_str(&rebuilt)?;
                let mut diffs = Vec::new();
                json_diff(&old, &new, String::new(), &mut diffs);
                let n = diffs.len();
                let mut text: Vec<String> = diffs.into_iter().take(10).collect();
                if n > 10 {
                    text.push(format!("… and {} more", n - 10));
                }
                if text.is_empty() {
                    "same data, different bytes (formatting)".to_string()
                } else {
                    text.join("\n      ")
                }
            }
            Err(e) => format!("unreadable ({e})"),
        };
        stale.push(format!("  {}: {what}", display(&json_path)));
    }
    for (name, text) in [
        ("MATRIX.md", markdown::render(m)),
        ("index.html", html::render(m)?),
    ] {
        let path = out.join(name);
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        if committed != text {
            let line = committed
                .lines()
                .zip(text.lines())
                .position(|(a, b)| a != b)
                .map_or_else(
                    || "a line added or removed".to_string(),
                    |i| format!("first difference at line {}", i + 1),
                );
            stale.push(format!("  {}: {line}", display(&path)));
        }
    }
    Ok(stale)
}

/// Differences between two JSON values as `path: committed X, rebuilt Y`;
/// array elements with an `id` (chips) or `file` (runs) are named by it.
fn json_diff(a: &serde_json::Value, b: &serde_json::Value, at: String, out: &mut Vec<String>) {
    use serde_json::Value;
    let short = |v: &Value| {
        let s = v.to_string();
        if s.len() > 120 {
            format!("{}…", s.chars().take(120).collect::<String>())
        } else {
            s
        }
    };
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            for k in keys {
                let p = if at.is_empty() {
                    k.clone()
                } else {
                    format!("{at}.{k}")
                };
                match (x.get(k), y.get(k)) {
                    (Some(v), Some(w)) => json_diff(v, w, p, out),
                    (v, w) => out.push(format!(
                        "{p}: committed {}, rebuilt {}",
                        v.map_or("(none)".into(), short),
                        w.map_or("(none)".into(), short)
                    )),
                }
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            let name = |v: &Value, i: usize| {
                v.get("id")
                    .or_else(|| v.get("file"))
                    .and_then(Value::as_str)
                    .map_or(i.to_string(), str::to_string)
            };
            let named = x
                .iter()
                .chain(y)
                .all(|v| v.get("id").is_some() || v.get("file").is_some())
                && !x.is_empty();
            if named {
                let xs: BTreeMap<String, &Value> =
                    x.iter().enumerate().map(|(i, v)| (name(v, i), v)).collect();
                let ys: BTreeMap<String, &Value> =
                    y.iter().enumerate().map(|(i, v)| (name(v, i), v)).collect();
                let keys: std::collections::BTreeSet<&String> =
                    xs.keys().chain(ys.keys()).collect();
                for k in keys {
                    let p = format!("{at}[{k}]");
                    match (xs.get(k), ys.get(k)) {
                        (Some(v), Some(w)) => json_diff(v, w, p, out),
                        (Some(_), None) => out.push(format!("{p}: only in the committed file")),
                        _ => out.push(format!("{p}: missing from the committed file")),
                    }
                }
            } else if x.len() != y.len() {
                out.push(format!(
                    "{at}: committed {}, rebuilt {}",
                    short(a),
                    short(b)
                ));
            } else {
                for (i, (v, w)) in x.iter().zip(y).enumerate() {
                    json_diff(v, w, format!("{at}[{i}]"), out);
                }
            }
        }
        _ if a != b => out.push(format!(
            "{at}: committed {}, rebuilt {}",
            short(a),
            short(b)
        )),
        _ => {}
    }
}

pub struct GatherArgs<'a> {
    pub corpus_out: Option<&'a Path>,
    pub report: Option<(&'a Report, String)>,
    /// The build record (docs/corpus-hal): its check results replace the
    /// report's for the SVDs whose PAC and HAL digests agree.
    pub hal_record: Option<(&'a Report, String)>,
    pub conformance: &'a Path,
    pub project: &'a Path,
    /// Only the chips with a record in `project` (the report still gives
    /// their ids and build results).
    pub project_only: bool,
    pub classify_missing: bool,
}

/// Collect every chip: the corpus report's, those with a record in
/// corpus-out, the project's own (generated/), and with `classify_missing`
/// every corpus SVD. A chip's record comes from the first of corpus-out,
/// generated/ and classification that has one.
pub fn gather(a: &GatherArgs) -> Result<Inputs> {
    let mut chips: BTreeMap<String, ChipInput> = BTreeMap::new();
    let mut warnings = Vec::new();
    let corpus_id = |vendor: &str, file: &str| format!("corpus:{vendor}/{file}");
    let new = |id: String, vendor: &str| ChipInput {
        curated: false,
        id,
        vendor: vendor.to_string(),
        source: "corpus",
        record: None,
        report: None,
    };

    if let Some((report, _)) = &a.report {
        for c in &report.chips {
            let id = corpus_id(&c.vendor, &c.file);
            chips
                .entry(id.clone())
                .or_insert_with(|| new(id, &c.vendor))
                .report = Some(c.clone());
        }
    }
    let mut record_used = false;
    if let Some((record, path)) = &a.hal_record {
        for r in &record.chips {
            let id = corpus_id(&r.vendor, &r.file);
            let Some(c) = chips.get_mut(&id).and_then(|c| c.report.as_mut()) else {
                warnings.push(format!("{path}: {id} is not in the corpus report"));
                continue;
            };
            let stamped = r.pac_digest.is_some()
                && (&r.pac_digest, &r.hal_digest) == (&c.pac_digest, &c.hal_digest);
            if !stamped {
                warnings.push(format!(
                    "{path}: {id} built pac {:?} hal {:?}, the report generates pac {:?} hal {:?}: its results are not used",
                    r.pac_digest, r.hal_digest, c.pac_digest, c.hal_digest
                ));
                continue;
            }
            record_used = true;
            for (mine, theirs) in [
                (&mut c.check, &r.check),
                (&mut c.hal_check, &r.hal_check),
                (&mut c.hal_thumb, &r.hal_thumb),
            ] {
                if theirs.is_some() {
                    *mine = theirs.clone();
                }
            }
        }
    }
    if let Some(dir) = a.corpus_out {
        for ((vendor, stem), path) in input::corpus_records(dir)? {
            let record = Record::read(&path)?;
            let id = corpus_id(&vendor, &record.svd_file);
            if !record.svd_file.ends_with(".svd") || !record.svd_file.starts_with(stem.as_str()) {
                bail!(
                    "{}: svd_file {:?} does not match its folder {stem}",
                    path.display(),
                    record.svd_file
                );
            }
            chips
                .entry(id.clone())
                .or_insert_with(|| new(id, &vendor))
                .record = Some((record, Origin::CorpusOut));
        }
    }
    let lock = pac_inputs_lock(&a.project.join("pac-inputs.lock"))?;
    for path in project_records(a.project)? {
        let record = Record::read(&path)?;
        let id = project_id(&record, &lock, &chips)
            .with_context(|| format!("{}: which SVD is it from?", path.display()))?;
        let vendor = record.vendor.clone().unwrap_or_else(|| "unknown".into());
        let chip = chips.entry(id.clone()).or_insert_with(|| ChipInput {
            source: source_of(&id),
            ..new(id, &vendor)
        });
        // Checked in under generated/: the curated set.
        chip.curated = true;
        if chip.record.is_none() {
            chip.record = Some((record, Origin::Generated));
        }
    }
    if a.project_only {
        chips.retain(|_, c| c.curated);
    }
    // Last: a checked-in record is the same output, and costs nothing.
    if a.classify_missing {
        classify_missing(&mut chips)?;
    }

    let runs = input::results_files(a.conformance)?
        .into_iter()
        .map(|(p, r)| (display(&p), r))
        .collect();
    let peer_runs = input::results_files(&a.conformance.join("peer"))?
        .into_iter()
        .map(|(p, r)| (display(&p), r))
        .collect();
    let built: Vec<&crate::report::ChipResult> =
        chips.values().filter_map(|c| c.report.as_ref()).collect();
    let mut report_checks = Vec::new();
    for (name, present) in [
        ("pac_check", built.iter().any(|c| c.check.is_some())),
        ("hal_clippy", built.iter().any(|c| c.hal_check.is_some())),
        ("hal_thumb", built.iter().any(|c| c.hal_thumb.is_some())),
    ] {
        if present {
            report_checks.push(name.to_string());
        }
    }
    Ok(Inputs {
        chips: chips.into_values().collect(),
        runs,
        peer_runs,
        report_path: a.report.as_ref().map(|(_, p)| p.clone()),
        hal_record: a
            .hal_record
            .as_ref()
            .filter(|_| record_used)
            .map(|(_, p)| p.clone()),
        report_checks,
        warnings,
    })
}

/// A chip's `source` from its id: `corpus` (`corpus:`, the cmsis-svd
/// training corpus), `validation` (`validation:`, the validation corpus)
/// or `project` (`svd/`, the project's own SVDs).
pub fn source_of(id: &str) -> &'static str {
    if id.starts_with("corpus:") {
        "corpus"
    } else if id.starts_with("validation:") {
        "validation"
    } else {
        "project"
    }
}

/// PAC crate → SVD id, from generated/pac-inputs.lock (`svd sha hal-gen
/// pac-crate tree-sha` per line), which `cargo xtask regen` writes for the
/// curated corpus and validation-corpus chips.
fn pac_inputs_lock(path: &Path) -> Result<BTreeMap<String, String>> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Ok(BTreeMap::new());
    };
    Ok(text
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter_map(|l| {
            let cols: Vec<&str> = l.split_whitespace().collect();
            (cols.len() >= 4).then(|| (cols[3].to_string(), cols[0].to_string()))
        })
        .collect())
}

/// The id of a record checked in under generated/: `svd/<file>` when the
/// project has that SVD, else the corpus or validation-corpus SVD the PAC
/// lock names, else the one corpus SVD of that file name.
fn project_id(
    record: &Record,
    lock: &BTreeMap<String, String>,
    chips: &BTreeMap<String, ChipInput>,
) -> Result<String> {
    let svd_file = &record.svd_file;
    if util::root().join("svd").join(svd_file).is_file() {
        return Ok(format!("svd/{svd_file}"));
    }
    if let Some(id) = lock.get(&record.pac_crate) {
        return Ok(id.clone());
    }
    let suffix = format!("/{svd_file}");
    let found: Vec<&String> = chips
        .keys()
        .filter(|id| id.starts_with("corpus:") && id.ends_with(&suffix))
        .collect();
    match found.as_slice() {
        [one] => Ok(one.to_string()),
        [] => bail!("{svd_file} is neither in svd/ nor a corpus SVD the report lists"),
        many => bail!(
            "{svd_file} names several corpus SVDs and pac-inputs.lock has no {}: {many:?}",
            record.pac_crate
        ),
    }
}

fn project_records(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut v = Vec::new();
    if dir.is_dir() {
        for e in std::fs::read_dir(dir)? {
            let p = e?.path();
            if file_name(&p).ends_with(".coverage.json") {
                v.push(p);
            }
        }
    }
    v.sort();
    Ok(v)
}

/// Classify the corpus SVDs that have no record yet: the same library calls
/// `cargo xtask corpus` makes, without the PAC.
fn classify_missing(chips: &mut BTreeMap<String, ChipInput>) -> Result<()> {
    let data = crate::fetch::corpus_dir()?;
    let todo: Vec<(String, String, PathBuf)> = crate::fetch::list(&data)?
        .into_iter()
        .map(|(vendor, path)| {
            let id = format!("corpus:{vendor}/{}", file_name(&path));
            (id, vendor, path)
        })
        .filter(|(id, _, _)| chips.get(id).is_none_or(|c| c.record.is_none()))
        .collect();
    eprintln!(
        "classifying {} corpus SVD(s) with no coverage record …",
        todo.len()
    );
    let config = hal_gen::Config::default();
    let done: Vec<(String, String, Result<Record>)> = todo
        .into_par_iter()
        .with_max_len(1)
        .map(|(id, vendor, path)| {
            let record = hal_gen::classify_file(&path, &config)
                .map_err(anyhow::Error::from)
                .and_then(|(chip, classes)| {
                    Record::from_library(&hal_gen::coverage::record(&chip, &classes))
                })
                .with_context(|| format!("classifying {id}"));
            (id, vendor, record)
        })
        .collect();
    for (id, vendor, record) in done {
        let entry = chips.entry(id.clone()).or_insert_with(|| ChipInput {
            curated: false,
            id: id.clone(),
            vendor,
            source: "corpus",
            record: None,
            report: None,
        });
        match record {
            Ok(r) => entry.record = Some((r, Origin::Classified)),
            // Generation failed too: the report says so; the cells stay unknown.
            Err(e) => eprintln!("warning: {e:#}"),
        }
    }
    Ok(())
}

/// Where the matrix and the corpus report disagree: chips and generation
/// per vendor, and when the report has them, capability counts and HAL
/// builds. Empty when they agree.
pub fn check_against_report(m: &Matrix, r: &Report) -> Vec<String> {
    let mut out = Vec::new();
    let corpus: Vec<&model::Chip> = m.chips.iter().filter(|c| c.source == "corpus").collect();
    let mut per_vendor: BTreeMap<&str, Vec<&model::Chip>> = BTreeMap::new();
    for c in &corpus {
        per_vendor.entry(c.vendor.as_str()).or_default().push(c);
    }
    for (vendor, v) in &r.vendors {
        let chips = per_vendor.remove(vendor.as_str()).unwrap_or_default();
        if chips.len() != v.svds {
            out.push(format!(
                "{vendor}: {} chips in the matrix, {} SVDs in the report",
                chips.len(),
                v.svds
            ));
        }
        let generated = chips
            .iter()
            .filter(|c| c.build.generation.as_deref() == Some("generated"))
            .count();
        if generated != v.generated {
            out.push(format!(
                "{vendor}: {generated} generated in the matrix, {} in the report",
                v.generated
            ));
        }
        for (cap, (gen, has)) in &v.capabilities {
            let cells = chips.iter().filter_map(|c| c.cells.get(cap));
            let (mut g, mut h) = (0, 0);
            for cell in cells {
                g += usize::from(cell.coverage == "generated");
                h += usize::from(cell.coverage != "absent" && cell.coverage != "unknown");
            }
            if (g, h) != (*gen, *has) {
                out.push(format!(
                    "{vendor} {cap}: generated/has {g}/{h} in the matrix, {gen}/{has} in the report"
                ));
            }
        }
        if v.hal_checked > 0 {
            let passed = chips
                .iter()
                .filter(|c| c.build.hal_clippy.is_some_and(|(ok, _)| ok))
                .count();
            if passed != v.hal_passed {
                out.push(format!(
                    "{vendor}: HAL clippy passed on {passed} chips in the matrix, {} in the report",
                    v.hal_passed
                ));
            }
        }
    }
    for (vendor, chips) in per_vendor {
        let in_report = chips
            .iter()
            .filter(|c| c.build.generation.is_some())
            .count();
        if in_report > 0 {
            out.push(format!("{vendor}: not among the report's vendors"));
        }
    }
    out
}

fn write(m: &Matrix, out: &Path) -> Result<()> {
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let json = to_json(m)?;
    std::fs::write(out.join("matrix.json"), &json)?;
    std::fs::write(out.join("MATRIX.md"), markdown::render(m))?;
    std::fs::write(out.join("index.html"), html::render(m)?)?;
    Ok(())
}

/// Pretty at the top, one line per chip and per run: small, and a change
/// to one chip is a one-line diff. Keys keep the schema's order.
pub fn to_json(m: &Matrix) -> Result<String> {
    let mut top = m.clone();
    top.chips.clear();
    top.runs.clear();
    let mut s = serde_json::to_string_pretty(&top)? + "\n";
    for (key, lines) in [("runs", lines_of(&m.runs)?), ("chips", lines_of(&m.chips)?)] {
        let empty = format!("\n  \"{key}\": []");
        ensure!(s.matches(&empty).count() == 1, "one top-level {key}");
        let full = if lines.is_empty() {
            empty.clone()
        } else {
            format!("\n  \"{key}\": [\n    {}\n  ]", lines.join(",\n    "))
        };
        s = s.replacen(&empty, &full, 1);
    }
    Ok(s)
}

fn lines_of<T: serde::Serialize>(items: &[T]) -> Result<Vec<String>> {
    items
        .iter()
        .map(|i| serde_json::to_string(i).map_err(Into::into))
        .collect()
}

fn print_summary(m: &Matrix, out: &Path) {
    let size = |f: &str| std::fs::metadata(out.join(f)).map_or(0, |m| m.len());
    eprintln!(
        "matrix: {} chips ({} corpus, {} project, {} validation), {} conformance run(s); records: {:?}",
        m.chips.len(),
        m.chips.iter().filter(|c| c.source == "corpus").count(),
        m.chips.iter().filter(|c| c.source == "project").count(),
        m.chips.iter().filter(|c| c.source == "validation").count(),
        m.runs.len(),
        m.inputs.records
    );
    eprintln!(
        "wrote {}: matrix.json {} KB, MATRIX.md {} KB, index.html {} KB",
        display(out),
        size("matrix.json") / 1024,
        size("MATRIX.md") / 1024,
        size("index.html") / 1024
    );
}
