//! The programs the bench runs: the baseline pipeline (svd2rust CLI and
//! form, pinned, installed into the cache), hal-gen's release binary and a
//! `size` that reads ARM ELF files.

use crate::util;
use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::process::Command;

pub struct Tools {
    pub svd2rust: PathBuf,
    pub form: PathBuf,
    pub hal_gen: PathBuf,
}

impl Tools {
    pub fn ensure() -> Result<Self> {
        let root = util::cache().join("tools");
        let bin = root.join("bin");
        let (svd2rust, form) = (bin.join("svd2rust"), bin.join("form"));
        if !svd2rust.exists() || !form.exists() {
            eprintln!("installing svd2rust 0.37.1 and form into .cache/tools (once) …");
            let status = Command::new("cargo")
                .args(["install", "--locked", "--quiet", "--root"])
                .arg(&root)
                .args(["svd2rust@0.37.1", "form"])
                .status()?;
            if !status.success() {
                bail!("cargo install svd2rust form failed");
            }
        }
        let status = Command::new("cargo")
            .args(["build", "--release", "--quiet", "-p", "hal-gen"])
            .current_dir(util::root())
            .status()?;
        if !status.success() {
            bail!("building hal-gen failed");
        }
        Ok(Self {
            svd2rust,
            form,
            hal_gen: util::root().join("target/release/hal-gen"),
        })
    }

    pub fn versions(&self) -> Vec<String> {
        let mut v = vec![
            version(&self.svd2rust),
            format!("form {}", version(&self.form).trim_start_matches("form ")),
            version(Path::new("rustfmt")),
            version(Path::new("rustc")),
            version(Path::new("cargo")),
        ];
        if let Ok(tc) = hal_gen::cross::detect("thumbv7m-none-eabi") {
            v.push(match tc {
                hal_gen::cross::CrossToolchain::Rustup => "thumb: rustup target".into(),
                hal_gen::cross::CrossToolchain::DebianBuildStd { rustc, .. } => {
                    format!("thumb: {} -Z build-std=core", version(&rustc))
                }
            });
        }
        if let Some(size) = size_tool() {
            v.push(format!("size: {}", size.display()));
        }
        v
    }
}

fn version(program: &Path) -> String {
    Command::new(program)
        .arg("--version")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.lines().next().map(|l| l.trim().to_string()))
        .unwrap_or_else(|| format!("{} (unknown version)", program.display()))
}

/// Run to completion; a failure carries the first lines of stderr.
pub fn run(cmd: &mut Command) -> Result<()> {
    let out = cmd.output().with_context(|| format!("running {cmd:?}"))?;
    if !out.status.success() {
        bail!(
            "{} failed: {}",
            cmd.get_program().to_string_lossy(),
            first_error(&String::from_utf8_lossy(&out.stderr))
        );
    }
    Ok(())
}

/// The first `error` line of compiler output and the line after it, or
/// the first lines when there is none.
pub fn first_error(stderr: &str) -> String {
    let lines: Vec<&str> = stderr.lines().collect();
    match lines.iter().position(|l| l.starts_with("error")) {
        Some(i) => lines[i..lines.len().min(i + 2)].join(" "),
        None => lines.iter().take(3).copied().collect::<Vec<_>>().join(" "),
    }
}

/// A `size` that reads ARM ELF files: binutils' arm-none-eabi-size, else
/// llvm-size, else the host's size.
pub fn size_tool() -> Option<PathBuf> {
    ["arm-none-eabi-size", "llvm-size", "size"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| {
            Command::new(p)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
}

/// Flash an ELF occupies: `text + data` of `size`'s Berkeley format
/// (initialised data is stored in flash and copied to RAM at reset).
pub fn flash_bytes(elf: &Path) -> Result<u64> {
    let tool = size_tool().context("no size tool (apt-get install binutils-arm-none-eabi)")?;
    let out = Command::new(&tool).arg(elf).output()?;
    if !out.status.success() {
        bail!(
            "{} {}: {}",
            tool.display(),
            elf.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let numbers: Vec<u64> = text
        .lines()
        .nth(1)
        .context("size printed no figures")?
        .split_whitespace()
        .take(2)
        .map(str::parse)
        .collect::<Result<_, _>>()
        .context("size's Berkeley format")?;
    Ok(numbers.iter().sum())
}
