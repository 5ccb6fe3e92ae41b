//! `cargo xtask curated`: the curated chips (the conformance boards' chips
//! plus one per vendor) built as CI's proof that generated crates work
//! against upstream embedded-hal:
//!
//! 1. regenerate them into a scratch workspace that uses the checked-in
//!    lockfile `generated/curated.Cargo.lock` (`--locked`);
//! 2. clippy (`-D warnings`) and rustdoc (`-D warnings`) on every HAL, on
//!    the host;
//! 3. every HAL with a microcontroller target (thumb, RISC-V) built with
//!    its examples for that target;
//! 4. the same again in a copy where `cargo update` took the newest
//!    compatible embedded-hal, embedded-hal-nb and embedded-io, reporting
//!    which versions each pass used.
//!
//! `--update-lock` writes a fresh lockfile to generated/.

use crate::util;
use anyhow::{bail, Context, Result};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

#[derive(clap::Args)]
pub struct Args {
    /// Write generated/curated.Cargo.lock from a fresh resolution, then check.
    #[arg(long)]
    update_lock: bool,
    /// Only the locked pass (skip the newest-versions pass).
    #[arg(long)]
    locked_only: bool,
}

/// The crates the lock pins that the matrix is about.
const WATCHED: &[&str] = &[
    "embedded-hal",
    "embedded-hal-nb",
    "embedded-io",
    "nb",
    "cortex-m",
    "cortex-m-rt",
    "riscv",
    "riscv-rt",
];

struct Chip {
    name: String,
    pac: String,
    hal: String,
    triple: Option<&'static str>,
}

fn lock_path() -> PathBuf {
    util::root().join("generated/curated.Cargo.lock")
}

/// Regenerate every curated chip into `ws` and make it a workspace.
fn workspace(ws: &Path) -> Result<Vec<Chip>> {
    let _ = std::fs::remove_dir_all(ws);
    std::fs::create_dir_all(ws)?;
    let config = hal_gen::Config {
        force: true,
        ..Default::default()
    };
    let mut chips = Vec::new();
    for entry in crate::regen::curated() {
        let svd = util::svd_path(entry)?;
        let g = hal_gen::generate(&svd, &config).with_context(|| format!("generating {entry}"))?;
        hal_gen::write_output(ws, &g.files, &g.chip.svd_file, &config)?;
        chips.push(Chip {
            name: g.chip.name.clone(),
            pac: g.chip.pac_crate_name(),
            hal: g.chip.hal_crate_name(),
            triple: g.chip.target.triple,
        });
    }
    let members: Vec<String> = chips
        .iter()
        .flat_map(|c| [format!("  \"{}\",", c.pac), format!("  \"{}\",", c.hal)])
        .collect();
    std::fs::write(
        ws.join("Cargo.toml"),
        format!(
            "# Scratch workspace of the curated chips (cargo xtask curated).\n[workspace]\nresolver = \"2\"\nmembers = [\n{}\n]\n",
            members.join("\n")
        ),
    )?;
    Ok(chips)
}

fn cargo(ws: &Path, args: &[&str], envs: &[(&str, &str)]) -> Result<()> {
    let mut cmd = Command::new("cargo");
    cmd.args(args).current_dir(ws);
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let status = cmd
        .status()
        .with_context(|| format!("cargo {}", args.join(" ")))?;
    if !status.success() {
        bail!("cargo {} failed", args.join(" "));
    }
    Ok(())
}

/// Versions of the watched crates in a lockfile.
fn watched_versions(lock: &Path) -> Result<BTreeMap<String, Vec<String>>> {
    let text =
        std::fs::read_to_string(lock).with_context(|| format!("reading {}", lock.display()))?;
    let doc: toml::Value = toml::from_str(&text)?;
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for p in doc
        .get("package")
        .and_then(|p| p.as_array())
        .into_iter()
        .flatten()
    {
        let (Some(name), Some(version)) = (
            p.get("name").and_then(|v| v.as_str()),
            p.get("version").and_then(|v| v.as_str()),
        ) else {
            continue;
        };
        if WATCHED.contains(&name) {
            out.entry(name.into()).or_default().push(version.into());
        }
    }
    Ok(out)
}

struct Timer(Vec<(String, f64, bool)>);

impl Timer {
    fn step(&mut self, name: &str, f: impl FnOnce() -> Result<()>) -> bool {
        println!("\n==> curated: {name}");
        let t = Instant::now();
        let r = f();
        if let Err(e) = &r {
            println!("curated: {name} FAILED: {e:#}");
        }
        self.0
            .push((name.into(), t.elapsed().as_secs_f64(), r.is_ok()));
        r.is_ok()
    }
}

/// Host clippy and rustdoc, then target builds, in `ws`.
fn build_pass(timer: &mut Timer, label: &str, ws: &Path, chips: &[Chip], locked: bool) {
    let lock_flag = if locked { vec!["--locked"] } else { vec![] };
    let mut hal_args: Vec<String> = Vec::new();
    for c in chips {
        hal_args.push("-p".into());
        hal_args.push(c.hal.clone());
    }
    let hal_args: Vec<&str> = hal_args.iter().map(String::as_str).collect();
    let target = util::cache().join("curated-target");
    let target_s = target.display().to_string();
    timer.step(
        &format!("{label}: host clippy -D warnings ({} HALs)", chips.len()),
        || {
            let mut args = vec!["clippy", "--quiet", "--target-dir", &target_s];
            args.extend(&lock_flag);
            args.extend(&hal_args);
            args.extend(["--", "-D", "warnings"]);
            cargo(ws, &args, &[])
        },
    );
    timer.step(&format!("{label}: rustdoc -D warnings"), || {
        let mut args = vec!["doc", "--quiet", "--no-deps", "--target-dir", &target_s];
        args.extend(&lock_flag);
        args.extend(&hal_args);
        cargo(ws, &args, &[("RUSTDOCFLAGS", "-D warnings")])
    });
    timer.step(&format!("{label}: target builds with examples"), || {
        let mut failed = Vec::new();
        for c in chips {
            let Some(triple) = c.triple else {
                println!("{:<14} no microcontroller target: host only", c.name);
                continue;
            };
            let toolchain = hal_gen::cross::detect(triple)?;
            let t = Instant::now();
            let mut cmd = toolchain.cargo("build", &ws.join(&c.hal), triple, &target);
            cmd.args([
                "--quiet",
                "--release",
                "--features",
                "rt,memory-x",
                "--lib",
                "--examples",
            ]);
            if locked {
                cmd.arg("--locked");
            }
            let ok = cmd.status()?.success();
            println!(
                "{:<14} {triple:<28} {} {:>6.1} s",
                c.name,
                if ok { "ok    " } else { "FAILED" },
                t.elapsed().as_secs_f64()
            );
            if !ok {
                failed.push(c.name.clone());
            }
        }
        if failed.is_empty() {
            Ok(())
        } else {
            bail!("target build failed: {}", failed.join(", "))
        }
    });
}

pub fn run(args: Args) -> Result<()> {
    let started = Instant::now();
    let mut timer = Timer(Vec::new());
    let ws = util::cache().join("curated/locked");
    let mut chips = Vec::new();
    timer.step("regenerate the curated chips", || {
        chips = workspace(&ws)?;
        Ok(())
    });
    if chips.is_empty() {
        bail!("regeneration failed");
    }
    if args.update_lock || !lock_path().exists() {
        timer.step("resolve a fresh lockfile", || {
            cargo(&ws, &["generate-lockfile"], &[])?;
            std::fs::copy(ws.join("Cargo.lock"), lock_path())?;
            println!("wrote {}", lock_path().display());
            Ok(())
        });
    } else {
        std::fs::copy(lock_path(), ws.join("Cargo.lock"))?;
    }
    let locked_versions = watched_versions(&ws.join("Cargo.lock"))?;
    build_pass(&mut timer, "lockfile", &ws, &chips, true);

    let mut latest_versions = BTreeMap::new();
    if !args.locked_only {
        let latest = util::cache().join("curated/latest");
        timer.step("newest compatible versions (cargo update)", || {
            let _ = std::fs::remove_dir_all(&latest);
            copy_dir(&ws, &latest)?;
            cargo(&latest, &["update", "--quiet"], &[])?;
            latest_versions = watched_versions(&latest.join("Cargo.lock"))?;
            Ok(())
        });
        if latest.join("Cargo.lock").exists() {
            build_pass(&mut timer, "newest", &latest, &chips, false);
        }
    }

    println!(
        "\ncurated chips: {}",
        chips
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!(
        "\n{:<16} {:<20} {:<20}",
        "crate", "lockfile", "newest compatible"
    );
    for name in WATCHED {
        let show = |m: &BTreeMap<String, Vec<String>>| {
            m.get(*name).map_or("-".to_string(), |v| v.join(", "))
        };
        println!(
            "{name:<16} {:<20} {:<20}",
            show(&locked_versions),
            show(&latest_versions)
        );
    }
    println!("\ncurated step times:");
    for (name, secs, ok) in &timer.0 {
        println!(
            "  {name:<52} {secs:>7.1} s  {}",
            if *ok { "ok" } else { "FAILED" }
        );
    }
    println!(
        "  {:<52} {:>7.1} s",
        "total",
        started.elapsed().as_secs_f64()
    );
    let failed = timer.0.iter().filter(|s| !s.2).count();
    if failed > 0 {
        bail!("{failed} curated step(s) failed");
    }
    Ok(())
}

fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to)?;
    for e in std::fs::read_dir(from)? {
        let e = e?;
        let dest = to.join(e.file_name());
        if e.file_type()?.is_dir() {
            copy_dir(&e.path(), &dest)?;
        } else {
            std::fs::copy(e.path(), dest)?;
        }
    }
    Ok(())
}
