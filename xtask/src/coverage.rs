//! `cargo xtask coverage`: classify every corpus SVD (no PAC, no files) and
//! print, per vendor, the share of chips with a generated driver for each
//! capability, plus the peripherals no family matched, grouped by their
//! register names, so the catalogue can grow where the corpus needs it.

use anyhow::Result;
use hal_gen::catalogue::{Capability, Kind};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// Which SVD collection to classify.
    #[arg(long, value_enum, default_value = "training")]
    corpus: crate::corpus::Which,
    /// Only SVDs whose `Vendor/file` path contains this.
    #[arg(long)]
    filter: Option<String>,
    /// Print unmatched peripherals of this kind, grouped by register shape.
    #[arg(long, value_parser = parse_kind)]
    unmatched: Option<Kind>,
    /// Print every instance's match for this kind (family, score).
    #[arg(long, value_parser = parse_kind)]
    matches: Option<Kind>,
    /// Families and templates from this directory override the built-in ones.
    #[arg(long)]
    templates: Option<PathBuf>,
    /// Write the per-vendor table as JSON here.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Fail below the corpus-wide targets (GPIO 90%, UART 85%, SPI 75%,
    /// I2C 70%, PWM 50%, DelayNs from a hardware timer 50%).
    #[arg(long)]
    expect_targets: bool,
    /// Fail unless the README's coverage table is the one printed (CI).
    #[arg(long)]
    check_readme: bool,
    /// Write the table into the README (its `coverage-table` block).
    #[arg(long)]
    write_readme: bool,
}

/// How to rebuild the README's coverage table.
pub const REGEN: &str = "cargo xtask coverage --write-readme   (about 30 s)";

/// Capability → the share of chips that have it which must get a driver.
const TARGETS: &[(&str, f64)] = &[
    ("gpio", 0.90),
    ("serial", 0.85),
    ("spi", 0.75),
    ("i2c", 0.70),
    ("pwm", 0.50),
    // DelayNs from a timer family (TimerDelay), over chips with a timer.
    // SysTick's DelayNs is on every Cortex-M chip by construction, so it is
    // not counted: a target it met could not fail.
    ("delay", 0.50),
];

fn parse_kind(s: &str) -> Result<Kind, String> {
    Kind::ALL
        .into_iter()
        .find(|k| k.as_str() == s)
        .ok_or_else(|| "one of gpio, uart, spi, i2c, timer".to_string())
}

#[derive(Default, serde::Serialize)]
struct VendorRow {
    chips: usize,
    cortex_m: usize,
    /// Chips with SysTick's DelayNs (every Cortex-M chip).
    systick: usize,
    /// Capability → (chips with it generated, chips that have it at all).
    capabilities: BTreeMap<&'static str, (usize, usize)>,
}

pub fn run(args: Args) -> Result<()> {
    if (args.check_readme || args.write_readme) && args.corpus != crate::corpus::Which::Training {
        anyhow::bail!("the README's coverage table is the training corpus's: drop --corpus");
    }
    let (data, _) = args.corpus.dir()?;
    let mut svds: Vec<(String, PathBuf)> = crate::fetch::list(&data)?
        .into_iter()
        .map(|(vendor, path)| {
            let file = path
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            (format!("{vendor}/{file}"), path)
        })
        .collect();
    if let Some(f) = &args.filter {
        svds.retain(|(rel, _)| rel.contains(f.as_str()));
    }
    let config = hal_gen::Config {
        templates_dir: args.templates.clone(),
        ..hal_gen::Config::default()
    };
    let results: Vec<_> = svds
        .par_iter()
        .with_max_len(1)
        .map(|(rel, path)| (rel.clone(), hal_gen::classify_file(path, &config)))
        .collect();
    let mut vendors: BTreeMap<String, VendorRow> = BTreeMap::new();
    let mut shapes: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (rel, result) in &results {
        let vendor = rel.split('/').next().unwrap_or("?").to_string();
        let (chip, classes) = match result {
            Ok(ok) => ok,
            Err(e) => {
                println!("{rel}: {e}");
                continue;
            }
        };
        let record = hal_gen::coverage::record(chip, classes);
        let row = vendors.entry(vendor).or_default();
        row.chips += 1;
        row.cortex_m += usize::from(chip.target.has_rt());
        for cap in Capability::ALL {
            let c = &record.capabilities[&cap];
            let entry = row.capabilities.entry(cap.as_str()).or_default();
            if cap == Capability::Delay {
                // A hardware timer's DelayNs, not SysTick's.
                let timer = c.generated.iter().any(|i| i != "SysTick");
                entry.0 += usize::from(timer);
                entry.1 += usize::from(timer || !c.skeleton.is_empty());
                row.systick += usize::from(c.generated.iter().any(|i| i == "SysTick"));
            } else {
                entry.0 += usize::from(c.status == "generated");
                entry.1 += usize::from(c.status != "absent");
            }
        }
        for class in classes {
            if let Some(kind) = args.matches {
                if let Some(m) = class.best(kind) {
                    println!("{rel} {}: {} ({:.2})", class.instance, m.family, m.score);
                }
            }
            if let Some(kind) = args.unmatched {
                if class.hinted.contains(&kind)
                    && class.best(kind).is_none()
                    && class.registers_from.is_none()
                {
                    let shape: Vec<&str> = class
                        .registers
                        .iter()
                        .map(|r| r.split(" @").next().unwrap_or(r))
                        .collect();
                    shapes
                        .entry(shape.join(" "))
                        .or_default()
                        .push(format!("{rel}:{}", class.instance));
                }
            }
        }
    }
    let mut groups: Vec<_> = shapes.into_iter().collect();
    groups.sort_by_key(|(_, v)| std::cmp::Reverse(v.len()));
    for (shape, who) in groups.iter().take(40) {
        println!(
            "{:4} × [{shape}]\n       e.g. {}",
            who.len(),
            who.iter().take(3).cloned().collect::<Vec<_>>().join(", ")
        );
    }
    let total = print_table(&vendors);
    if let Some(path) = &args.json {
        std::fs::write(path, serde_json::to_string_pretty(&vendors)? + "\n")?;
    }
    if args.expect_targets {
        let mut missed = Vec::new();
        for (cap, target) in TARGETS {
            let (g, h) = total.capabilities.get(cap).copied().unwrap_or_default();
            let share = if h == 0 { 1.0 } else { g as f64 / h as f64 };
            if share < *target {
                missed.push(format!(
                    "{cap} {:.1}% < {:.0}%",
                    share * 100.0,
                    target * 100.0
                ));
            }
        }
        if !missed.is_empty() {
            anyhow::bail!("coverage below target: {}", missed.join(", "));
        }
        println!("coverage targets met");
    }
    let table = markdown_table(&vendors, &total);
    let readme = crate::util::root().join("README.md");
    if args.write_readme {
        crate::report::readme::write(&readme, "coverage-table", &table)?;
    }
    if args.check_readme {
        if let Some(d) = crate::report::readme::check(&readme, "coverage-table", &table)? {
            anyhow::bail!(
                "README.md: the `coverage-table` block is not what a fresh classification of the \
                 corpus gives: {d}\n  regenerate: {REGEN}"
            );
        }
        println!("README coverage table is current");
    }
    Ok(())
}

/// The README's table: per vendor, chips with a generated driver over
/// chips that have the peripheral (DelayNs: from a hardware timer).
fn markdown_table(vendors: &BTreeMap<String, VendorRow>, total: &VendorRow) -> String {
    use std::fmt::Write as _;
    let caps = ["gpio", "serial", "spi", "i2c", "delay", "pwm"];
    let mut s = String::from(
        "| vendor | chips | GPIO | UART | SPI | I2C | DelayNs (timer) | PWM | DelayNs (SysTick) |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    let mut row = |name: &str, r: &VendorRow| {
        let _ = write!(s, "| {name} | {} |", r.chips);
        for c in caps {
            let (g, h) = r.capabilities.get(c).copied().unwrap_or_default();
            if h == 0 {
                s.push_str(" - |");
            } else {
                let _ = write!(s, " {g}/{h} ({:.0}%) |", 100.0 * g as f64 / h as f64);
            }
        }
        let _ = writeln!(s, " {} |", r.systick);
    };
    for (name, r) in vendors {
        row(name, r);
    }
    row("**all**", total);
    s
}

fn print_table(vendors: &BTreeMap<String, VendorRow>) -> VendorRow {
    let caps: Vec<&str> = Capability::ALL.iter().map(|c| c.as_str()).collect();
    println!(
        "\n{:<12} {:>5} {}",
        "vendor",
        "chips",
        caps.iter().map(|c| format!("{c:>14}")).collect::<String>()
    );
    let mut total = VendorRow::default();
    for (vendor, row) in vendors {
        print_row(vendor, row, &caps);
        total.chips += row.chips;
        total.cortex_m += row.cortex_m;
        total.systick += row.systick;
        for (cap, (g, h)) in &row.capabilities {
            let e = total.capabilities.entry(cap).or_default();
            e.0 += g;
            e.1 += h;
        }
    }
    print_row("all", &total, &caps);
    println!(
        "(generated/has; delay: a hardware timer's DelayNs; SysTick's is on {} of {} chips, the Cortex-M ones: {})",
        total.systick, total.chips, total.cortex_m
    );
    total
}

fn print_row(name: &str, row: &VendorRow, caps: &[&str]) {
    let cells: String = caps
        .iter()
        .map(|c| {
            let (g, h) = row.capabilities.get(c).copied().unwrap_or_default();
            let pct = if h == 0 {
                0.0
            } else {
                100.0 * g as f64 / h as f64
            };
            format!("{:>14}", format!("{g}/{h} {pct:.0}%"))
        })
        .collect();
    println!("{name:<12} {:>5} {cells}", row.chips);
}
