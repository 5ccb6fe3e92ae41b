//! Timing one cargo command with its dependencies prebuilt.
//!
//! A warm-up run (untimed) builds everything. Before each timed run the
//! PAC's `src/lib.rs` is touched, so cargo recompiles exactly the PAC and
//! what depends on it (HAL, application), and nothing else: third-party
//! crates and build scripts stay built. Incremental compilation is off, so
//! a timed run compiles those crates from scratch, as on a first build.
//! The run's own "Compiling"/"Checking" lines are read back to prove that.

use super::tools::first_error;
use anyhow::{bail, Result};
use std::path::Path;
use std::process::Command;
use std::time::{Instant, SystemTime};

/// Builds a fresh command for each run.
pub type MakeCommand<'a> = &'a dyn Fn() -> Command;

fn output(make: MakeCommand) -> Result<(f64, String)> {
    let mut cmd = make();
    cmd.env("CARGO_INCREMENTAL", "0")
        .env("CARGO_TERM_COLOR", "never")
        .env("CARGO_TERM_PROGRESS_WHEN", "never");
    let started = Instant::now();
    let out = cmd.output()?;
    let took = started.elapsed().as_secs_f64();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    if !out.status.success() {
        bail!("{}", first_error(&stderr));
    }
    Ok((took, stderr))
}

/// The untimed run that builds the dependencies.
pub fn warm(make: MakeCommand) -> Result<()> {
    output(make).map(|_| ())
}

/// Packages cargo compiled or checked, from its status lines.
fn compiled(stderr: &str) -> Vec<String> {
    stderr
        .lines()
        .filter_map(|l| {
            let l = l.trim_start();
            let rest = l
                .strip_prefix("Compiling ")
                .or_else(|| l.strip_prefix("Checking "))?;
            rest.split_whitespace().next().map(str::to_string)
        })
        .collect()
}

fn touch(path: &Path) -> Result<()> {
    std::fs::File::options()
        .write(true)
        .open(path)?
        .set_modified(SystemTime::now())?;
    Ok(())
}

/// Seconds one run took, after touching `pac_lib`. `rebuilt` must be
/// exactly what the run compiled.
pub fn timed(make: MakeCommand, pac_lib: &Path, rebuilt: &[String]) -> Result<f64> {
    touch(pac_lib)?;
    let (took, stderr) = output(make)?;
    let mut got = compiled(&stderr);
    got.sort();
    let mut want = rebuilt.to_vec();
    want.sort();
    if got != want {
        bail!(
            "expected the timed run to compile {} but it compiled {}",
            want.join(", "),
            if got.is_empty() {
                "nothing".into()
            } else {
                got.join(", ")
            }
        );
    }
    Ok(took)
}

#[cfg(test)]
mod tests {
    use super::compiled;

    #[test]
    fn reads_cargo_status_lines() {
        let err = "   Compiling lm3s6965-pac v0.1.0 (/x)\n    Checking app v0.0.0 (/y)\nwarning: unused\n    Finished `dev` profile\n";
        assert_eq!(compiled(err), ["lm3s6965-pac", "app"]);
    }
}
