//! The generated PAC crates compile: `cargo check --features all` on each
//! fixture's crate, written to a temporary directory, with the default
//! `enums` and without them.
//!
//! All checks share `target/fixture-check` in the workspace, so the
//! dependencies (cortex-m, vcell, …) are built once and reruns take a few
//! seconds. Crates are checked one after another, never in parallel.

mod common;

use hal_gen::Config;
use std::path::{Path, PathBuf};
use std::process::Command;

fn target_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the generator lives in the workspace")
        .join("target/fixture-check")
}

/// Generate `fixture` below `out` and return the PAC crate directory.
fn write_crate(fixture: &str, out: &Path) -> PathBuf {
    let generated = common::generate_ok(fixture);
    hal_gen::write_output(
        out,
        &generated.files,
        &generated.chip.svd_file,
        &Config::default(),
    )
    .unwrap_or_else(|e| panic!("{fixture}: {e}"));
    out.join(generated.chip.pac_crate_name())
}

/// `cargo check --features all` on one crate, with the default `enums` and
/// without them; the failure message carries cargo's stderr.
fn cargo_check(crate_dir: &Path) -> Result<(), String> {
    cargo_check_with(crate_dir, &["--features", "all"])?;
    cargo_check_with(crate_dir, &["--no-default-features", "--features", "all"])
        .map_err(|e| format!("without `enums`: {e}"))
}

fn cargo_check_with(crate_dir: &Path, features: &[&str]) -> Result<(), String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .arg("check")
        .arg("--quiet")
        .args(features)
        .arg("--manifest-path")
        .arg(crate_dir.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(target_dir())
        // Diagnostics without colour, so they read well in the test output.
        .env("CARGO_TERM_COLOR", "never")
        .output()
        .expect("cargo runs");
    if output.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    }
}

fn check_fixtures(fixtures: &[String]) {
    let dir = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    for fixture in fixtures {
        let out = dir.path().join(fixture.trim_end_matches(".svd"));
        let crate_dir = write_crate(fixture, &out);
        let started = std::time::Instant::now();
        match cargo_check(&crate_dir) {
            Ok(()) => eprintln!("{fixture}: cargo check ok in {:.1?}", started.elapsed()),
            Err(stderr) => {
                eprintln!("{fixture}: cargo check FAILED:\n{stderr}");
                failures.push(fixture.clone());
            }
        }
    }
    assert!(
        failures.is_empty(),
        "cargo check failed for {failures:?} (their stderr is printed above)"
    );
}

/// minimal.svd and array.svd first (the brief's two), then every other
/// fixture that is expected to compile.
#[test]
fn generated_pacs_pass_cargo_check() {
    let mut fixtures = vec!["minimal.svd".to_string(), "array.svd".to_string()];
    for f in common::all_fixtures() {
        if !fixtures.contains(&f) {
            fixtures.push(f);
        }
    }
    check_fixtures(&fixtures);
}

/// The HAL rendered for the catalogue's synthesised chip (one peripheral per
/// family, see `catalogue::synth`) passes clippy with `-D warnings`: every
/// driver template compiles. Fixture HALs are checked the same way.
#[test]
fn generated_hals_pass_clippy() {
    let config = Config::default();
    let catalogue = hal_gen::load_catalogue(&config).unwrap();
    let (svd, _) = hal_gen::catalogue::synth::svd(&catalogue);
    let dir = tempfile::tempdir().unwrap();
    let mut crates = Vec::new();
    let synthesised =
        hal_gen::generate_from_str(Path::new("CATALOGUE.svd"), &svd, &config).unwrap();
    let out = dir.path().join("catalogue");
    hal_gen::write_output(&out, &synthesised.files, "CATALOGUE.svd", &config).unwrap();
    crates.push((
        "CATALOGUE.svd".to_string(),
        out.join(synthesised.chip.hal_crate_name()),
    ));
    for fixture in common::all_fixtures() {
        let out = dir.path().join(fixture.trim_end_matches(".svd"));
        write_crate(&fixture, &out);
        let hal = common::generate_ok(&fixture).chip.hal_crate_name();
        crates.push((fixture, out.join(hal)));
    }
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut failures = Vec::new();
    for (name, crate_dir) in crates {
        let output = Command::new(&cargo)
            .args(["clippy", "--quiet", "--manifest-path"])
            .arg(crate_dir.join("Cargo.toml"))
            .arg("--target-dir")
            .arg(target_dir())
            .args(["--", "-D", "warnings"])
            .env("CARGO_TERM_COLOR", "never")
            .output()
            .expect("cargo runs");
        if !output.status.success() {
            eprintln!(
                "{name}: clippy FAILED:\n{}",
                String::from_utf8_lossy(&output.stderr)
            );
            failures.push(name);
        }
    }
    assert!(
        failures.is_empty(),
        "clippy failed for {failures:?} (stderr above)"
    );
}
