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

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    pub hal_gen_version: String,
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

    fn summarise(&mut self) {
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
        let wall = reports.iter().map(|r| r.generation_wall_s).sum();
        let chips = reports.into_iter().flat_map(|r| r.chips).collect();
        Ok(Self::new(chips, checked, wall, threads, None))
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
            "hal-gen {} over the cmsis-svd 0.4 corpus{}. Produced by `cargo xtask corpus{}`.\n",
            self.hal_gen_version,
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
