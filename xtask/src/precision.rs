//! `cargo xtask precision`: the classifier against a hand-labelled sample
//! (labelled from SVD descriptions, groupNames and registers, not from the
//! classifier). By default the training sample `docs/precision/labels.toml`
//! over the fetched cmsis-svd corpus, writing `docs/precision/report.md`;
//! `--labels`, `--corpus` and `--report` point it at another sample, e.g.
//! the validation one:
//!
//! ```text
//! cargo xtask precision --labels docs/precision/validation-labels.toml \
//!     --corpus .cache/validation --report docs/precision/validation-report.md
//! ```
//!
//! Each (instance, kind) decision is counted as right (matched and
//! labelled), wrong (matched, not labelled: the costly error) or missed
//! (labelled, not matched). An SVD that does not load (or classify) is
//! reported as "not loaded" and a labelled peripheral the classifier does
//! not list as "not found"; neither fails the run. Their labelled kinds are
//! left out of the headline figures (which judge the classifier on what it
//! saw) and counted as missed in the "recall, all labels" figure, which is
//! what `--min-recall` gates on.

use anyhow::{Context, Result};
use hal_gen::catalogue::Kind;
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The training sample, its corpus and report (the defaults).
const TRAINING_LABELS: &str = "docs/precision/labels.toml";
const TRAINING_REPORT: &str = "docs/precision/report.md";

#[derive(serde::Deserialize)]
struct Labels {
    instance: Vec<Label>,
}

#[derive(serde::Deserialize)]
struct Label {
    svd: String,
    peripheral: String,
    kinds: Vec<Kind>,
    #[serde(default)]
    note: String,
}

#[derive(clap::Args)]
pub struct Args {
    /// Exit with an error if any match is wrong.
    #[arg(long)]
    no_wrong: bool,
    /// The label file (relative to the workspace root or absolute).
    #[arg(long, default_value = TRAINING_LABELS)]
    labels: PathBuf,
    /// Directory the labels' `Vendor/file.svd` paths are relative to
    /// (default: the fetched cmsis-svd corpus; `project/<file>` is always
    /// the project's own `svd/` directory).
    #[arg(long)]
    corpus: Option<PathBuf>,
    /// The Markdown report to write.
    #[arg(long, default_value = TRAINING_REPORT)]
    report: PathBuf,
    /// Exit with an error if precision (all kinds, in percent) is below this.
    #[arg(long, value_name = "PERCENT")]
    min_precision: Option<f64>,
    /// Exit with an error if recall over all labels (in percent; labels on
    /// SVDs that do not load or peripherals not found count as missed) is
    /// below this.
    #[arg(long, value_name = "PERCENT")]
    min_recall: Option<f64>,
}

#[derive(Default, Clone, Copy)]
struct Tally {
    right: usize,
    wrong: usize,
    missed: usize,
    /// Labelled kinds on instances that were not loaded or not found.
    unjudged: usize,
    negatives_clean: usize,
}

impl Tally {
    fn add(&mut self, other: &Tally) {
        self.right += other.right;
        self.wrong += other.wrong;
        self.missed += other.missed;
        self.unjudged += other.unjudged;
        self.negatives_clean += other.negatives_clean;
    }

    fn precision(&self) -> Option<f64> {
        ratio(self.right, self.right + self.wrong)
    }

    fn recall(&self) -> Option<f64> {
        ratio(self.right, self.right + self.missed)
    }

    /// Recall counting labels the classifier never saw as missed.
    fn recall_all(&self) -> Option<f64> {
        ratio(self.right, self.right + self.missed + self.unjudged)
    }
}

/// What the classifier made of one SVD.
enum Classified {
    Loaded(Vec<hal_gen::classify::InstanceClass>),
    NotLoaded(String),
}

pub fn run(args: Args) -> Result<()> {
    let root = crate::util::root();
    let labels_path = absolute(&root, &args.labels);
    let text = std::fs::read_to_string(&labels_path)
        .with_context(|| format!("reading {}", labels_path.display()))?;
    let labels: Labels =
        toml::from_str(&text).with_context(|| format!("{}", labels_path.display()))?;
    let data = match &args.corpus {
        Some(dir) => absolute(&root, dir),
        None => crate::fetch::corpus_dir()?,
    };
    let config = hal_gen::Config::default();
    let mut by_svd: BTreeMap<&str, Vec<&Label>> = BTreeMap::new();
    for l in &labels.instance {
        by_svd.entry(l.svd.as_str()).or_default().push(l);
    }
    let classified: BTreeMap<&str, Classified> = by_svd
        .par_iter()
        .map(|(svd, _)| {
            let path: PathBuf = match svd.strip_prefix("project/") {
                Some(file) => root.join("svd").join(file),
                None => data.join(svd),
            };
            (*svd, classify(&path, &config))
        })
        .collect();
    let mut total = Tally::default();
    let mut per_kind: BTreeMap<Kind, Tally> = BTreeMap::new();
    let mut per_vendor: BTreeMap<String, Tally> = BTreeMap::new();
    let mut not_loaded: Vec<(&str, String, usize)> = Vec::new();
    let root_prefix = format!("{}/", root.display());
    let mut not_found = 0usize;
    let mut rows = String::new();
    for (svd, group) in &by_svd {
        let vendor = svd.split('/').next().unwrap_or("?").to_string();
        let mut v = Tally::default();
        let classes = match &classified[svd] {
            Classified::Loaded(classes) => Some(classes),
            Classified::NotLoaded(why) => {
                not_loaded.push((svd, why.replace(&root_prefix, ""), group.len()));
                None
            }
        };
        for label in group {
            let labelled: BTreeSet<Kind> = label.kinds.iter().copied().collect();
            let class = classes.and_then(|c| find(c, &label.peripheral));
            let Some(class) = class else {
                let why = if classes.is_some() {
                    not_found += 1;
                    "peripheral not found"
                } else {
                    "SVD not loaded"
                };
                for kind in &labelled {
                    per_kind.entry(*kind).or_default().unjudged += 1;
                }
                v.unjudged += labelled.len();
                writeln!(
                    rows,
                    "| {svd} | {} | {} | {why} | {} |",
                    label.peripheral,
                    kinds_text(&labelled),
                    cell(&label.note)
                )?;
                continue;
            };
            let predicted: BTreeSet<Kind> = class.matches.iter().map(|m| m.kind).collect();
            let mut verdicts = Vec::new();
            for kind in predicted.union(&labelled) {
                let t = per_kind.entry(*kind).or_default();
                let family = class.best(*kind).map(|m| m.family.as_str()).unwrap_or("-");
                match (predicted.contains(kind), labelled.contains(kind)) {
                    (true, true) => {
                        t.right += 1;
                        v.right += 1;
                        verdicts.push(format!("{} right ({family})", kind.as_str()));
                    }
                    (true, false) => {
                        t.wrong += 1;
                        v.wrong += 1;
                        verdicts.push(format!("{} WRONG ({family})", kind.as_str()));
                    }
                    _ => {
                        t.missed += 1;
                        v.missed += 1;
                        verdicts.push(format!("{} missed", kind.as_str()));
                    }
                }
            }
            if labelled.is_empty() && predicted.is_empty() {
                v.negatives_clean += 1;
                verdicts.push("none, correctly".into());
            }
            writeln!(
                rows,
                "| {svd} | {} | {} | {} | {} |",
                label.peripheral,
                kinds_text(&labelled),
                verdicts.join("; "),
                cell(&label.note)
            )?;
        }
        total.add(&v);
        per_vendor.entry(vendor).or_default().add(&v);
    }
    let precision = pct(total.precision());
    let recall = pct(total.recall());
    let recall_all = pct(total.recall_all());
    let labels_name = shown(&root, &labels_path);
    let mut md = format!(
        "# Classifier precision on the hand-labelled sample\n\n\
         `cargo xtask precision{}` over `{labels_name}`: {} instances from {} vendors \
         (labelled by hand from SVD descriptions, groupNames and registers).\n\n",
        command_args(&args),
        labels.instance.len(),
        per_vendor.len()
    );
    if !not_loaded.is_empty() || not_found > 0 {
        let unloaded: usize = not_loaded.iter().map(|(_, _, n)| n).sum();
        writeln!(
            md,
            "{} of {} SVDs did not load ({unloaded} instances) and {not_found} labelled \
             peripherals were not found in the classifier's output; their {} labelled kinds \
             are left out of right/wrong/missed and counted as missed in \"recall, all labels\" \
             ({recall_all}).\n",
            not_loaded.len(),
            by_svd.len(),
            total.unjudged
        )?;
    }
    md.push_str("| | right | wrong | missed | precision | recall |\n|---|---|---|---|---|---|\n");
    for (kind, t) in &per_kind {
        writeln!(
            md,
            "| {} | {} | {} | {} | {} | {} |",
            kind.as_str(),
            t.right,
            t.wrong,
            t.missed,
            pct(t.precision()),
            pct(t.recall())
        )?;
    }
    writeln!(
        md,
        "| **all** | {} | {} | {} | {precision} | {recall} |\n\n\
         Negatives (labelled none of the kinds) left unmatched: {}.\n\n\
         right: matched and labelled; wrong: matched but not labelled (a wrong driver, the costly error); \
         missed: labelled but not matched (a skeleton).\n",
        total.right, total.wrong, total.missed, total.negatives_clean
    )?;
    if total.unjudged > 0 {
        writeln!(
            md,
            "Labelled kinds on SVDs not loaded or peripherals not found: {} \
             (recall counting them as missed: {recall_all}).\n",
            total.unjudged
        )?;
        md.push_str("| | not loaded or not found |\n|---|---|\n");
        for (kind, t) in &per_kind {
            if t.unjudged > 0 {
                writeln!(md, "| {} | {} |", kind.as_str(), t.unjudged)?;
            }
        }
        md.push('\n');
    }
    md.push_str(
        "Per vendor folder:\n\n\
         | vendor | right | wrong | missed | not loaded/found | precision | recall |\n\
         |---|---|---|---|---|---|---|\n",
    );
    for (vendor, t) in &per_vendor {
        writeln!(
            md,
            "| {vendor} | {} | {} | {} | {} | {} | {} |",
            t.right,
            t.wrong,
            t.missed,
            t.unjudged,
            pct(t.precision()),
            pct(t.recall())
        )?;
    }
    if !not_loaded.is_empty() {
        md.push_str("\nSVDs not loaded:\n\n| SVD | instances | error |\n|---|---|---|\n");
        for (svd, why, n) in &not_loaded {
            writeln!(md, "| {svd} | {n} | {} |", cell(why))?;
        }
    }
    md.push_str("\n| SVD | peripheral | label | verdict | label note |\n|---|---|---|---|---|\n");
    md.push_str(&rows);
    let out = absolute(&root, &args.report);
    std::fs::write(&out, md).with_context(|| format!("writing {}", out.display()))?;
    println!(
        "precision sample {labels_name}: {} instances, {} vendors: right {}, wrong {}, missed {} \
         (precision {precision}, recall {recall}); not loaded or not found: {} labelled kinds \
         (recall, all labels {recall_all}); report: {}",
        labels.instance.len(),
        per_vendor.len(),
        total.right,
        total.wrong,
        total.missed,
        total.unjudged,
        out.display()
    );
    for (kind, t) in &per_kind {
        println!(
            "  {:<6} right {:>3}  wrong {:>3}  missed {:>3}  unjudged {:>3}",
            kind.as_str(),
            t.right,
            t.wrong,
            t.missed,
            t.unjudged
        );
    }
    for (svd, why, _) in &not_loaded {
        println!("  not loaded: {svd}: {}", first_line(why));
    }
    let mut failures = Vec::new();
    if args.no_wrong && total.wrong > 0 {
        failures.push(format!("{} wrong matches", total.wrong));
    }
    // An SVD that did not load judges none of its labels: "no wrong match"
    // would pass on nothing (a missing corpus, say).
    if args.no_wrong && !not_loaded.is_empty() {
        failures.push(format!("{} labelled SVD(s) not loaded", not_loaded.len()));
    }
    if let Some(min) = args.min_precision {
        if below(total.precision(), min) {
            failures.push(format!("precision {precision} < {min}%"));
        }
    }
    if let Some(min) = args.min_recall {
        if below(total.recall_all(), min) {
            failures.push(format!("recall (all labels) {recall_all} < {min}%"));
        }
    }
    if !failures.is_empty() {
        anyhow::bail!("{}", failures.join("; "));
    }
    Ok(())
}

/// Load and classify one SVD; any error or panic is a "not loaded".
fn classify(path: &Path, config: &hal_gen::Config) -> Classified {
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        hal_gen::classify_file(path, config)
    }));
    match result {
        Ok(Ok((_, classes))) => Classified::Loaded(classes),
        Ok(Err(e)) => Classified::NotLoaded(format!("{e:#}")),
        Err(panic) => {
            let msg = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            Classified::NotLoaded(format!("panic: {msg}"))
        }
    }
}

/// The classifier's entry for a labelled peripheral. Labels name an element
/// of a peripheral array (`TWI[%s]` with `dim`) by its first element,
/// `TWI0`; if the classifier lists the array under its SVD name instead,
/// that entry stands for it.
fn find<'a>(
    classes: &'a [hal_gen::classify::InstanceClass],
    name: &str,
) -> Option<&'a hal_gen::classify::InstanceClass> {
    classes.iter().find(|c| c.instance == name).or_else(|| {
        let stem = name.trim_end_matches(|c: char| c.is_ascii_digit());
        if stem.len() == name.len() {
            return None;
        }
        classes
            .iter()
            .find(|c| c.instance == format!("{stem}[%s]") || c.instance == format!("{stem}%s"))
    })
}

fn absolute(root: &Path, path: &Path) -> PathBuf {
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        root.join(path)
    }
}

/// A path as shown in the report: relative to the workspace root if inside.
fn shown(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// The non-default arguments, to show the command that wrote the report.
fn command_args(args: &Args) -> String {
    let mut s = String::new();
    if args.labels != Path::new(TRAINING_LABELS) {
        write!(s, " --labels {}", args.labels.display()).ok();
    }
    if let Some(corpus) = &args.corpus {
        write!(s, " --corpus {}", corpus.display()).ok();
    }
    if args.report != Path::new(TRAINING_REPORT) {
        write!(s, " --report {}", args.report.display()).ok();
    }
    s
}

fn kinds_text(kinds: &BTreeSet<Kind>) -> String {
    if kinds.is_empty() {
        "none".into()
    } else {
        kinds
            .iter()
            .map(|k| k.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Text safe inside one Markdown table cell.
fn cell(text: &str) -> String {
    text.replace('|', "/").replace('\n', " ")
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("")
}

fn ratio(num: usize, den: usize) -> Option<f64> {
    (den > 0).then(|| 100.0 * num as f64 / den as f64)
}

fn pct(value: Option<f64>) -> String {
    match value {
        Some(v) => format!("{v:.1}%"),
        None => "n/a".into(),
    }
}

/// A figure under its threshold; no decisions at all (n/a) is not below.
fn below(value: Option<f64>, min: f64) -> bool {
    value.is_some_and(|v| v < min)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_compare_percentages() {
        let t = Tally {
            right: 75,
            wrong: 1,
            missed: 20,
            unjudged: 5,
            negatives_clean: 0,
        };
        assert!(!below(t.precision(), 98.0));
        assert!(below(t.precision(), 99.0));
        assert!(!below(t.recall(), 75.0));
        assert!(!below(t.recall_all(), 75.0));
        assert!(below(t.recall_all(), 75.1));
        assert!(!below(Tally::default().precision(), 98.0));
        assert_eq!(pct(t.recall_all()), "75.0%");
        assert_eq!(pct(None), "n/a");
    }

    #[test]
    fn labels_parse_with_and_without_notes() {
        let labels: Labels = toml::from_str(
            "[[instance]]\nsvd = \"V/a.svd\"\nperipheral = \"UART0\"\nkinds = [\"uart\", \"spi\"]\n\
             [[instance]]\nsvd = \"V/a.svd\"\nperipheral = \"RTC\"\nkinds = []\nnote = \"x | y\"\n",
        )
        .unwrap();
        assert_eq!(labels.instance.len(), 2);
        assert_eq!(labels.instance[0].kinds, vec![Kind::Uart, Kind::Spi]);
        assert_eq!(cell(&labels.instance[1].note), "x / y");
    }

    #[test]
    fn the_validation_labels_parse() {
        let path = crate::util::root().join("docs/precision/validation-labels.toml");
        let labels: Labels = toml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        assert!(labels.instance.len() >= 320);
        let vendors: BTreeSet<&str> = labels
            .instance
            .iter()
            .filter_map(|l| l.svd.split('/').next())
            .collect();
        assert!(vendors.len() >= 12);
    }
}
