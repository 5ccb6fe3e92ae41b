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

/// Whether `file` is a build artifact of `package` as cargo names them:
/// `lib<ident>-<16 hex>.rlib`, `<ident>-<hash>.d`, `<package>-<hash>/`.
fn is_artifact(file: &str, package: &str) -> bool {
    let ident = package.replace('-', "_");
    [
        format!("lib{ident}-"),
        format!("{ident}-"),
        format!("{package}-"),
    ]
    .iter()
    .filter_map(|prefix| file.strip_prefix(prefix.as_str()))
    .any(|rest| {
        rest.get(..16)
            .is_some_and(|h| h.chars().all(|c| c.is_ascii_hexdigit()))
            && (rest.len() == 16 || rest[16..].starts_with('.'))
    })
}

/// Delete the artifacts of `packages` from a target dir, so that a chip's
/// PACs (hundreds of MB for the large ones) do not pile up on the disk.
pub fn forget(dir: &Path, packages: &[String]) -> Result<()> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        let is_dir = entry.file_type()?.is_dir();
        if packages.iter().any(|p| is_artifact(&name, p)) {
            if is_dir {
                std::fs::remove_dir_all(&path)?;
            } else {
                std::fs::remove_file(&path)?;
            }
        } else if is_dir {
            forget(&path, packages)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod artifact_tests {
    use super::is_artifact;

    #[test]
    fn matches_only_the_package() {
        let pkg = "lm3s6965-pac";
        assert!(is_artifact("liblm3s6965_pac-0123456789abcdef.rmeta", pkg));
        assert!(is_artifact("lm3s6965_pac-0123456789abcdef.d", pkg));
        assert!(is_artifact("lm3s6965-pac-0123456789abcdef", pkg));
        assert!(!is_artifact("lm3s6965-pac-extra-0123456789abcdef", pkg));
        assert!(!is_artifact("liblm3s6965_pac_x-0123456789abcdef.rlib", pkg));
        assert!(!is_artifact("libvcell-0123456789abcdef.rlib", pkg));
    }
}
