//! The corpus report: per chip, per vendor, as JSON and Markdown.

use anyhow::{bail, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Generated,
    Failed,
    Panicked,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CheckResult {
    pub passed: bool,
    pub seconds: f64,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChipResult {
    pub vendor: String,
    pub file: String,
    pub chip: Option<String>,
    pub status: Status,
    pub error: Option<String>,
    pub target: Option<String>,
    pub peripherals: usize,
    pub repairs: usize,
    pub warnings: usize,
    /// Diagnostic code → count.
    pub repair_codes: BTreeMap<String, usize>,
    pub gen_ms: f64,
    pub check: Option<CheckResult>,
    /// Capability → `generated` | `skeleton` | `absent`, from the coverage record.
    #[serde(default)]
    pub capabilities: BTreeMap<String, String>,
    /// `cargo clippy -- -D warnings` of the HAL crate on the host.
    #[serde(default)]
    pub hal_check: Option<CheckResult>,
    /// `cargo build --release --examples` of the HAL for its thumb target.
    #[serde(default)]
    pub hal_thumb: Option<CheckResult>,
    /// The stamp of `check`: sha256 (first 16 hex digits) of the PAC
    /// crate's files as generated (path and bytes). A committed check
    /// result describes the current code only while this digest is the one
    /// a fresh run computes (`cargo xtask corpus --compare`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pac_digest: Option<String>,
    /// The same for the HAL crate: with `pac_digest`, the stamp of
    /// `hal_check` and `hal_thumb`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hal_digest: Option<String>,
    #[serde(skip)]
    pub pac_dir: Option<PathBuf>,
    #[serde(skip)]
    pub hal_dir: Option<PathBuf>,
}

impl ChipResult {
    pub fn new(vendor: &str, file: &str, gen_ms: f64) -> Self {
        Self {
            vendor: vendor.into(),
            file: file.into(),
            chip: None,
            status: Status::Failed,
            error: None,
            target: None,
            peripherals: 0,
            repairs: 0,
            warnings: 0,
            repair_codes: BTreeMap::new(),
            gen_ms,
            check: None,
            capabilities: BTreeMap::new(),
            hal_check: None,
            hal_thumb: None,
            pac_digest: None,
            hal_digest: None,
            pac_dir: None,
            hal_dir: None,
        }
    }
}

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct VendorSummary {
    pub svds: usize,
    pub generated: usize,
    pub failed: usize,
    pub checked: usize,
    pub compiled: usize,
    /// Capability → (chips with a generated driver, chips that have it).
    #[serde(default)]
    pub capabilities: BTreeMap<String, (usize, usize)>,
    #[serde(default)]
    pub hal_checked: usize,
    #[serde(default)]
    pub hal_passed: usize,
    #[serde(default)]
    pub thumb_checked: usize,
    #[serde(default)]
    pub thumb_passed: usize,
}

/// The corpus a report covers when it does not say (every report written
/// before reports named their corpus covered this one).
pub const TRAINING_CORPUS: &str = "cmsis-svd 0.4";

fn training_corpus() -> String {
    TRAINING_CORPUS.into()
}

fn is_training(corpus: &str) -> bool {
    corpus == TRAINING_CORPUS
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    pub hal_gen_version: String,
    /// Which SVD collection: the training corpus (the default, left out of
    /// the JSON) or the validation corpus.
    #[serde(default = "training_corpus", skip_serializing_if = "is_training")]
    pub corpus: String,
    pub checked: bool,
    pub threads: usize,
    pub shard: Option<(usize, usize)>,
    pub generation_wall_s: f64,
    pub totals: VendorSummary,
    pub vendors: BTreeMap<String, VendorSummary>,
    pub chips: Vec<ChipResult>,
}

impl Report {
    pub fn new(
        mut chips: Vec<ChipResult>,
        checked: bool,
        generation_wall_s: f64,
        threads: usize,
        shard: Option<(usize, usize)>,
    ) -> Self {
        chips.sort_by(|a, b| (&a.vendor, &a.file).cmp(&(&b.vendor, &b.file)));
        let mut r = Self {
            hal_gen_version: env!("CARGO_PKG_VERSION").into(),
            corpus: training_corpus(),
            checked,
            threads,
            shard,
            generation_wall_s,
            totals: VendorSummary::default(),
            vendors: BTreeMap::new(),
            chips,
        };
        r.summarise();
        r
    }

    pub fn summarise(&mut self) {
        self.vendors.clear();
        self.totals = VendorSummary::default();
        for c in &self.chips {
            for s in [
                self.vendors.entry(c.vendor.clone()).or_default(),
                &mut self.totals,
            ] {
                s.svds += 1;
                match c.status {
                    Status::Generated => s.generated += 1,
                    _ => s.failed += 1,
                }
                if let Some(check) = &c.check {
                    s.checked += 1;
                    s.compiled += usize::from(check.passed);
                }
                if let Some(check) = &c.hal_check {
                    s.hal_checked += 1;
                    s.hal_passed += usize::from(check.passed);
                }
                if let Some(check) = &c.hal_thumb {
                    s.thumb_checked += 1;
                    s.thumb_passed += usize::from(check.passed);
                }
                for (cap, status) in &c.capabilities {
                    let e = s.capabilities.entry(cap.clone()).or_default();
                    e.0 += usize::from(status == "generated");
                    e.1 += usize::from(status != "absent");
                }
            }
        }
    }

    pub fn merge(reports: Vec<Report>) -> Result<Self> {
        let Some(first) = reports.first() else {
            bail!("no shard reports given")
        };
        let (checked, threads) = (first.checked, first.threads);
        let corpus = first.corpus.clone();
        let wall = reports.iter().map(|r| r.generation_wall_s).sum();
        // A later report's row for an SVD replaces an earlier one: re-run
        // SVDs are merged onto a record. A result the later run did not
        // produce is kept from the earlier row while its stamp holds (the
        // same PAC, and for HAL results the same HAL, bytes).
        let mut chips: BTreeMap<String, ChipResult> = BTreeMap::new();
        for mut c in reports.into_iter().flat_map(|r| r.chips) {
            if let Some(old) = chips.get(&c.key()) {
                let same_pac = old.pac_digest.is_some() && old.pac_digest == c.pac_digest;
                let same_hal = same_pac && old.hal_digest == c.hal_digest;
                if c.check.is_none() && same_pac {
                    c.check = old.check.clone();
                }
                if c.hal_check.is_none() && c.hal_thumb.is_none() && same_hal {
                    c.hal_check = old.hal_check.clone();
                    c.hal_thumb = old.hal_thumb.clone();
                }
            }
            chips.insert(c.key(), c);
        }
        let mut merged = Self::new(chips.into_values().collect(), checked, wall, threads, None);
        merged.corpus = corpus;
        Ok(merged)
    }

    pub fn write(&self, dir: &Path, name: &str) -> Result<()> {
        std::fs::create_dir_all(dir)?;
        let json = serde_json::to_string_pretty(self)? + "\n";
        std::fs::write(dir.join(format!("{name}.json")), json)?;
        std::fs::write(dir.join(format!("{name}.md")), self.markdown())?;
        eprintln!("report: {}", dir.join(format!("{name}.md")).display());
        Ok(())
    }

    pub fn summary_text(&self) -> String {
        let t = &self.totals;
        let mut s = format!(
            "{} SVDs: {} generated, {} failed",
            t.svds, t.generated, t.failed
        );
        if self.checked {
            let _ = write!(s, ", {}/{} compiled (cargo check)", t.compiled, t.checked);
        }
        s.push('\n');
        s
    }

    /// The per-vendor table, as embedded in the README.
    pub fn vendor_table(&self) -> String {
        let mut s = String::from("| vendor | SVDs | generated | failed | cargo check passed |\n|---|---:|---:|---:|---:|\n");
        let row = |s: &mut String, name: &str, v: &VendorSummary| {
            let check = if self.checked {
                format!("{}/{}", v.compiled, v.checked)
            } else {
                "not run".into()
            };
            let _ = writeln!(
                s,
                "| {name} | {} | {} | {} | {check} |",
                v.svds, v.generated, v.failed
            );
        };
        for (name, v) in &self.vendors {
            row(&mut s, name, v);
        }
        row(&mut s, "**all**", &self.totals);
        s
    }

    /// The build record's table: per vendor, the SVDs it holds and the
    /// results of the three builds, as embedded in the READMEs.
    pub fn build_table(&self) -> String {
        let mut s = String::from(
            "| vendor | SVDs in the record | PAC `cargo check` | HAL clippy -D warnings (host) | HAL + examples (thumb) |\n|---|---:|---:|---:|---:|\n",
        );
        let cell = |p: usize, c: usize| {
            if c == 0 {
                "not run".to_string()
            } else {
                format!("{p}/{c}")
            }
        };
        let mut row = |name: &str, v: &VendorSummary| {
            let _ = writeln!(
                s,
                "| {name} | {} | {} | {} | {} |",
                v.svds,
                cell(v.compiled, v.checked),
                cell(v.hal_passed, v.hal_checked),
                cell(v.thumb_passed, v.thumb_checked)
            );
        };
        for (name, v) in &self.vendors {
            row(name, v);
        }
        row("**all**", &self.totals);
        s
    }

    /// Per-vendor HAL coverage and HAL build results.
    pub fn coverage_table(&self) -> String {
        const CAPS: [&str; 6] = ["gpio", "serial", "spi", "i2c", "delay", "pwm"];
        let mut s = String::from("| vendor |");
        for c in CAPS {
            let _ = write!(s, " {c} |");
        }
        s.push_str(" HAL clippy (host) | HAL + examples (thumb) |\n|---|");
        for _ in CAPS {
            s.push_str("---:|");
        }
        s.push_str("---:|---:|\n");
        let row = |s: &mut String, name: &str, v: &VendorSummary| {
            let _ = write!(s, "| {name} |");
            for c in CAPS {
                let (g, h) = v.capabilities.get(c).copied().unwrap_or_default();
                if h == 0 {
                    s.push_str(" - |");
                } else {
                    let _ = write!(s, " {g}/{h} ({:.0}%) |", 100.0 * g as f64 / h as f64);
                }
            }
            let cell = |p: usize, c: usize| {
                if c == 0 {
                    "not run".to_string()
                } else {
                    format!("{p}/{c}")
                }
            };
            let _ = writeln!(
                s,
                " {} | {} |",
                cell(v.hal_passed, v.hal_checked),
                cell(v.thumb_passed, v.thumb_checked)
            );
        };
        for (name, v) in &self.vendors {
            row(&mut s, name, v);
        }
        row(&mut s, "**all**", &self.totals);
        s
    }

    pub fn markdown(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "# Corpus report\n");
        let _ = writeln!(
            s,
            "hal-gen {} over the {} corpus{}. Produced by `cargo xtask corpus{}`.\n",
            self.hal_gen_version,
            self.corpus,
            match self.shard {
                Some((k, n)) => format!(" (shard {k}/{n})"),
                None => String::new(),
            },
            if self.checked { " --check" } else { "" },
        );
        let _ = writeln!(s, "{}", self.vendor_table());
        let _ = writeln!(s, "## HAL coverage\n\nChips with a generated (non-skeleton) driver, over chips that have the peripheral (a generated driver or a skeleton); delay counts SysTick on Cortex-M chips.\n\n{}", self.coverage_table());
        let mut times: Vec<f64> = self.chips.iter().map(|c| c.gen_ms).collect();
        let median = crate::util::median(&mut times);
        let max = times.last().copied().unwrap_or(0.0);
        let _ = writeln!(
            s,
            "Generation (load, repair, svd2rust, split, format, write): wall {:.1} s on {} thread(s); per chip median {:.0} ms, max {:.0} ms.\n",
            self.generation_wall_s, self.threads, median, max
        );
        if self.checked {
            let mut secs: Vec<f64> = self
                .chips
                .iter()
                .filter_map(|c| c.check.as_ref().map(|k| k.seconds))
                .collect();
            let m = crate::util::median(&mut secs);
            let _ = writeln!(s, "`cargo check --features all` per PAC (deps prebuilt): median {m:.1} s, max {:.1} s.\n", secs.last().copied().unwrap_or(0.0));
        }

        let failures: Vec<&ChipResult> = self
            .chips
            .iter()
            .filter(|c| {
                c.status != Status::Generated
                    || [&c.check, &c.hal_check, &c.hal_thumb]
                        .iter()
                        .any(|k| k.as_ref().is_some_and(|k| !k.passed))
            })
            .collect();
        let _ = writeln!(s, "## Failures\n");
        if failures.is_empty() {
            let _ = writeln!(s, "None.\n");
        } else {
            let _ = writeln!(s, "| vendor | SVD | stage | reason |\n|---|---|---|---|");
            for c in failures {
                let failed = |k: &Option<CheckResult>| {
                    k.as_ref()
                        .filter(|k| !k.passed)
                        .and_then(|k| k.error.clone())
                };
                let (stage, why) = match (&c.status, &c.check) {
                    (Status::Generated, Some(k)) if !k.passed => {
                        ("cargo check", k.error.clone().unwrap_or_default())
                    }
                    (Status::Generated, _) if failed(&c.hal_check).is_some() => {
                        ("HAL clippy", failed(&c.hal_check).unwrap_or_default())
                    }
                    (Status::Generated, _) if failed(&c.hal_thumb).is_some() => {
                        ("HAL thumb build", failed(&c.hal_thumb).unwrap_or_default())
                    }
                    (Status::Panicked, _) => {
                        ("generate (panic)", c.error.clone().unwrap_or_default())
                    }
                    _ => ("generate", c.error.clone().unwrap_or_default()),
                };
                let _ = writeln!(
                    s,
                    "| {} | {} | {stage} | {} |",
                    c.vendor,
                    c.file,
                    why.replace('|', "\\|")
                );
            }
            s.push('\n');
        }

        let mut codes: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
        for c in &self.chips {
            for (code, n) in &c.repair_codes {
                let e = codes.entry(code).or_default();
                e.0 += 1;
                e.1 += n;
            }
        }
        let _ = writeln!(
            s,
            "## Repairs applied\n\n| diagnostic | chips | occurrences |\n|---|---:|---:|"
        );
        for (code, (chips, n)) in codes {
            let _ = writeln!(s, "| `{code}` | {chips} | {n} |");
        }
        let _ = writeln!(
            s,
            "\n## Per chip\n\n<details><summary>{} chips</summary>\n",
            self.chips.len()
        );
        let _ = writeln!(s, "| vendor | SVD | chip | target | peripherals | repairs | generate ms | check s |\n|---|---|---|---|---:|---:|---:|---:|");
        for c in &self.chips {
            let check = match &c.check {
                Some(k) if k.passed => format!("{:.1}", k.seconds),
                Some(k) => format!("fail ({:.1})", k.seconds),
                None => "-".into(),
            };
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} | {} | {:.0} | {check} |",
                c.vendor,
                c.file,
                c.chip.as_deref().unwrap_or("-"),
                c.target.as_deref().unwrap_or("-"),
                c.peripherals,
                c.repairs,
                c.gen_ms
            );
        }
        let _ = writeln!(s, "\n</details>");
        s
    }
}

/// Report fields that differ between two runs of the same code, so they are
/// never compared: timings, the machine's thread count, the shard.
pub const VOLATILE: &[&str] = &[
    "generation_wall_s",
    "threads",
    "shard",
    "checked",
    "chips[].gen_ms",
    "chips[].{check,hal_check,hal_thumb}.seconds",
];

/// Results a CI run does not recompute (cargo check, clippy and the thumb
/// build of every chip take hours). Each is stamped instead: it stands only
/// while the chip's `pac_digest` (and for the HAL results `hal_digest`)
/// equals what a fresh generation of the current code gives.
pub const STAMPED: &[&str] = &["chips[].check", "chips[].hal_check", "chips[].hal_thumb"];

impl ChipResult {
    /// `Vendor/file.svd`.
    pub fn key(&self) -> String {
        format!("{}/{}", self.vendor, self.file)
    }

    /// The fields a fresh generation run recomputes, as JSON: everything
    /// but the VOLATILE and STAMPED ones.
    fn generation_fields(&self) -> serde_json::Map<String, serde_json::Value> {
        let mut v = match serde_json::to_value(self) {
            Ok(serde_json::Value::Object(m)) => m,
            _ => serde_json::Map::new(),
        };
        for k in ["gen_ms", "check", "hal_check", "hal_thumb"] {
            v.remove(k);
        }
        // Absent and null mean the same (older reports leave keys out).
        for k in ["pac_digest", "hal_digest"] {
            v.entry(k).or_insert(serde_json::Value::Null);
        }
        v
    }
}

/// Where a committed report disagrees with a fresh generation run of the
/// current code, one line per difference. `all`: the committed report
/// claims every SVD of the fresh run (docs/corpus); otherwise it is a
/// record of some SVDs (docs/corpus-hal shards). Also: stamped results
/// without their stamp, and per-vendor totals that are not the sum of the
/// report's own chips.
pub fn compare(committed: &Report, fresh: &Report, all: bool) -> Vec<String> {
    let mut out = Vec::new();
    if committed.hal_gen_version != fresh.hal_gen_version {
        out.push(format!(
            "hal_gen_version: committed {:?}, fresh {:?}",
            committed.hal_gen_version, fresh.hal_gen_version
        ));
    }
    let fresh_chips: BTreeMap<String, &ChipResult> =
        fresh.chips.iter().map(|c| (c.key(), c)).collect();
    let mut seen = std::collections::BTreeSet::new();
    for c in &committed.chips {
        let key = c.key();
        if !seen.insert(key.clone()) {
            out.push(format!("{key}: listed twice"));
            continue;
        }
        let Some(f) = fresh_chips.get(&key) else {
            out.push(format!("{key}: not an SVD of the fresh run"));
            continue;
        };
        let (a, b) = (c.generation_fields(), f.generation_fields());
        for (field, want) in &b {
            let got = a.get(field).unwrap_or(&serde_json::Value::Null);
            if let (Some(g), Some(w)) = (got.as_object(), want.as_object()) {
                // capabilities, repair_codes: name the key.
                let keys: std::collections::BTreeSet<&String> = g.keys().chain(w.keys()).collect();
                for k in keys {
                    let (x, y) = (g.get(k), w.get(k));
                    if x != y {
                        let show = |v: Option<&serde_json::Value>| v.map_or("(none)".into(), short);
                        out.push(format!(
                            "{key}: {field}.{k}: committed {}, fresh {}",
                            show(x),
                            show(y)
                        ));
                    }
                }
            } else if got != want {
                out.push(format!(
                    "{key}: {field}: committed {}, fresh {}",
                    short(got),
                    short(want)
                ));
            }
        }
        if c.check.is_some() && c.pac_digest.is_none() {
            out.push(format!(
                "{key}: check: a PAC check result without its stamp (pac_digest)"
            ));
        }
        if (c.hal_check.is_some() || c.hal_thumb.is_some())
            && (c.pac_digest.is_none() || c.hal_digest.is_none())
        {
            out.push(format!(
                "{key}: hal_check/hal_thumb: HAL results without their stamp (pac_digest, hal_digest)"
            ));
        }
    }
    if all {
        for key in fresh_chips.keys() {
            if !seen.contains(key) {
                out.push(format!("{key}: missing (the fresh run has it)"));
            }
        }
    }
    let mut again = committed.clone();
    again.summarise();
    let summary = |r: &Report| {
        serde_json::to_value((&r.totals, &r.vendors)).unwrap_or(serde_json::Value::Null)
    };
    if summary(&again) != summary(committed) {
        out.push(
            "totals/vendors: not the sum of the report's own chips (edited by hand?)".to_string(),
        );
    }
    out
}

fn short(v: &serde_json::Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 160 {
        format!("{}…", s.chars().take(160).collect::<String>())
    } else {
        s
    }
}

/// A generated block of the README: the text between
/// `<!-- begin NAME -->` and `<!-- end NAME -->`.
pub mod readme {
    use anyhow::{bail, Context, Result};
    use std::path::Path;

    fn markers(name: &str) -> (String, String) {
        (
            format!("<!-- begin {name} -->\n"),
            format!("<!-- end {name} -->"),
        )
    }

    fn span(text: &str, name: &str) -> Option<(usize, usize)> {
        let (b, e) = markers(name);
        let start = text.find(&b)? + b.len();
        let end = start + text[start..].find(&e)?;
        Some((start, end))
    }

    /// `None` when the block matches `want`, else what differs (first line).
    pub fn check(path: &Path, name: &str, want: &str) -> Result<Option<String>> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let Some((s, e)) = span(&text, name) else {
            bail!("{}: no `<!-- begin {name} -->` block", path.display());
        };
        let got = &text[s..e];
        if got == want {
            return Ok(None);
        }
        let line = got
            .lines()
            .zip(want.lines())
            .find(|(a, b)| a != b)
            .map(|(a, b)| format!("committed `{a}`, rebuilt `{b}`"))
            .unwrap_or_else(|| "a line added or removed".into());
        Ok(Some(line))
    }

    pub fn write(path: &Path, name: &str, text: &str) -> Result<()> {
        let old =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let Some((s, e)) = span(&old, name) else {
            bail!("{}: no `<!-- begin {name} -->` block", path.display());
        };
        let new = format!("{}{text}{}", &old[..s], &old[e..]);
        if new != old {
            std::fs::write(path, new)?;
            eprintln!("updated the {name} block of {}", path.display());
        }
        Ok(())
    }
}
