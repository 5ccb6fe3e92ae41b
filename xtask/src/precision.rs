//! `cargo xtask precision`: the classifier against the hand-labelled sample
//! in `docs/precision/labels.toml` (labelled from SVD descriptions,
//! groupNames and registers, not from the classifier).
//!
//! Each (instance, kind) decision is counted as right (matched and
//! labelled), wrong (matched, not labelled: the costly error) or missed
//! (labelled, not matched). Writes `docs/precision/report.md`.

use anyhow::{Context, Result};
use hal_gen::catalogue::Kind;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::PathBuf;

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
}

#[derive(Default)]
struct Tally {
    right: usize,
    wrong: usize,
    missed: usize,
    negatives_clean: usize,
}

pub fn run(args: Args) -> Result<()> {
    let root = crate::util::root();
    let text = std::fs::read_to_string(root.join("docs/precision/labels.toml"))?;
    let labels: Labels = toml::from_str(&text).context("docs/precision/labels.toml")?;
    let data = crate::fetch::corpus_dir()?;
    let config = hal_gen::Config::default();
    let mut by_svd: BTreeMap<&str, Vec<&Label>> = BTreeMap::new();
    for l in &labels.instance {
        by_svd.entry(l.svd.as_str()).or_default().push(l);
    }
    let mut total = Tally::default();
    let mut per_kind: BTreeMap<Kind, Tally> = BTreeMap::new();
    let mut vendors = BTreeSet::new();
    let mut rows = String::new();
    for (svd, group) in &by_svd {
        let path: PathBuf = match svd.strip_prefix("project/") {
            Some(file) => root.join("svd").join(file),
            None => data.join(svd),
        };
        vendors.insert(svd.split('/').next().unwrap_or("?").to_string());
        let (_, classes) = hal_gen::classify_file(&path, &config)
            .with_context(|| format!("classifying {}", path.display()))?;
        for label in group {
            let class = classes
                .iter()
                .find(|c| c.instance == label.peripheral)
                .with_context(|| format!("{svd}: no peripheral {}", label.peripheral))?;
            let predicted: BTreeSet<Kind> = class.matches.iter().map(|m| m.kind).collect();
            let labelled: BTreeSet<Kind> = label.kinds.iter().copied().collect();
            let mut verdicts = Vec::new();
            for kind in predicted.union(&labelled) {
                let t = per_kind.entry(*kind).or_default();
                let family = class.best(*kind).map(|m| m.family.as_str()).unwrap_or("-");
                match (predicted.contains(kind), labelled.contains(kind)) {
                    (true, true) => {
                        t.right += 1;
                        total.right += 1;
                        verdicts.push(format!("{} right ({family})", kind.as_str()));
                    }
                    (true, false) => {
                        t.wrong += 1;
                        total.wrong += 1;
                        verdicts.push(format!("{} WRONG ({family})", kind.as_str()));
                    }
                    _ => {
                        t.missed += 1;
                        total.missed += 1;
                        verdicts.push(format!("{} missed", kind.as_str()));
                    }
                }
            }
            if labelled.is_empty() && predicted.is_empty() {
                total.negatives_clean += 1;
                verdicts.push("none, correctly".into());
            }
            writeln!(
                rows,
                "| {svd} | {} | {} | {} | {} |",
                label.peripheral,
                kinds_text(&labelled),
                verdicts.join("; "),
                label.note.replace('|', "/")
            )?;
        }
    }
    let precision = pct(total.right, total.right + total.wrong);
    let recall = pct(total.right, total.right + total.missed);
    let mut md = format!(
        "# Classifier precision on the hand-labelled sample\n\n\
         `cargo xtask precision` over `docs/precision/labels.toml`: {} instances from {} vendors \
         (labelled by hand from SVD descriptions, groupNames and registers).\n\n\
         | | right | wrong | missed | precision | recall |\n|---|---|---|---|---|---|\n",
        labels.instance.len(),
        vendors.len()
    );
    for (kind, t) in &per_kind {
        writeln!(
            md,
            "| {} | {} | {} | {} | {} | {} |",
            kind.as_str(),
            t.right,
            t.wrong,
            t.missed,
            pct(t.right, t.right + t.wrong),
            pct(t.right, t.right + t.missed)
        )?;
    }
    writeln!(
        md,
        "| **all** | {} | {} | {} | {precision} | {recall} |\n\n\
         Negatives (labelled none of the kinds) left unmatched: {}.\n\n\
         right: matched and labelled; wrong: matched but not labelled (a wrong driver, the costly error); \
         missed: labelled but not matched (a skeleton).\n\n\
         | SVD | peripheral | label | verdict | label note |\n|---|---|---|---|---|",
        total.right, total.wrong, total.missed, total.negatives_clean
    )?;
    md.push_str(&rows);
    let out = root.join("docs/precision/report.md");
    std::fs::write(&out, md)?;
    println!(
        "precision sample: {} instances, {} vendors: right {}, wrong {}, missed {} (precision {precision}, recall {recall}); report: {}",
        labels.instance.len(),
        vendors.len(),
        total.right,
        total.wrong,
        total.missed,
        out.display()
    );
    for (kind, t) in &per_kind {
        println!(
            "  {:<6} right {:>3}  wrong {:>3}  missed {:>3}",
            kind.as_str(),
            t.right,
            t.wrong,
            t.missed
        );
    }
    if args.no_wrong && total.wrong > 0 {
        anyhow::bail!("{} wrong matches", total.wrong);
    }
    Ok(())
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

fn pct(num: usize, den: usize) -> String {
    if den == 0 {
        "n/a".into()
    } else {
        format!("{:.1}%", 100.0 * num as f64 / den as f64)
    }
}
