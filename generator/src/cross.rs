//! Building a generated crate for its thumb target.
//!
//! Users' machines have `rustup target add thumbv7m-none-eabi`; that is
//! preferred whenever the target's std is installed. Where rustup cannot
//! download targets (CI here), Debian's `rustc-web cargo-web rust-web-src
//! lld` build `core` from source with `-Z build-std=core`, linking with
//! ld.lld.

use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CrossToolchain {
    /// The active rustup toolchain has the target installed.
    Rustup,
    /// Debian's toolchain, building `core` from `rust-web-src`.
    DebianBuildStd { cargo: PathBuf, rustc: PathBuf },
}

#[derive(Debug, thiserror::Error)]
#[error("no toolchain can build for {triple}: {reason}. Install it with `rustup target add {triple}`, or on Debian `apt-get install rustc-web cargo-web rust-web-src lld`")]
pub struct NoToolchain {
    pub triple: String,
    pub reason: String,
}

/// Find a toolchain that can build for `triple`.
pub fn detect(triple: &str) -> Result<CrossToolchain, NoToolchain> {
    if rustup_has_target(triple) {
        return Ok(CrossToolchain::Rustup);
    }
    let (cargo, rustc) = (
        PathBuf::from("/usr/bin/cargo"),
        PathBuf::from("/usr/bin/rustc"),
    );
    let src = Path::new("/usr/lib/rustlib/src/rust/library/core");
    let missing = [
        (cargo.as_path(), "cargo-web"),
        (rustc.as_path(), "rustc-web"),
        (src, "rust-web-src"),
    ]
    .into_iter()
    .find(|(p, _)| !p.exists());
    if let Some((path, package)) = missing {
        return Err(NoToolchain {
            triple: triple.into(),
            reason: format!(
                "the rustup target is not installed and {} (Debian {package}) is missing",
                path.display()
            ),
        });
    }
    if Command::new("ld.lld").arg("--version").output().is_err() {
        return Err(NoToolchain {
            triple: triple.into(),
            reason: "the rustup target is not installed and ld.lld (Debian lld) is missing".into(),
        });
    }
    Ok(CrossToolchain::DebianBuildStd { cargo, rustc })
}

fn rustup_has_target(triple: &str) -> bool {
    let Ok(out) = Command::new("rustc").args(["--print", "sysroot"]).output() else {
        return false;
    };
    let sysroot = String::from_utf8_lossy(&out.stdout).trim().to_string();
    Path::new(&sysroot)
        .join("lib/rustlib")
        .join(triple)
        .join("lib")
        .is_dir()
}

impl CrossToolchain {
    /// `cargo <subcommand> --target <triple>` for the crate at `manifest_dir`,
    /// with whatever this toolchain needs. Add more arguments to taste.
    pub fn cargo(
        &self,
        subcommand: &str,
        manifest_dir: &Path,
        triple: &str,
        target_dir: &Path,
    ) -> Command {
        let manifest = manifest_dir.join("Cargo.toml");
        let mut cmd;
        match self {
            CrossToolchain::Rustup => {
                cmd = Command::new("cargo");
                cmd.arg(subcommand);
            }
            CrossToolchain::DebianBuildStd { cargo, rustc } => {
                cmd = Command::new(cargo);
                cmd.arg(subcommand).args(["-Z", "build-std=core"]);
                // Keep rustup's proxies and settings out of this toolchain.
                for var in [
                    "RUSTUP_TOOLCHAIN",
                    "RUSTC_WRAPPER",
                    "RUSTC_WORKSPACE_WRAPPER",
                    "CARGO",
                    "RUSTDOC",
                ] {
                    cmd.env_remove(var);
                }
                cmd.env("RUSTC", rustc).env("RUSTC_BOOTSTRAP", "1");
                let var = format!(
                    "CARGO_TARGET_{}_LINKER",
                    triple.to_uppercase().replace(['-', '.'], "_")
                );
                cmd.env(var, "ld.lld");
            }
        }
        cmd.arg("--manifest-path")
            .arg(manifest)
            .args(["--target", triple])
            .arg("--target-dir")
            .arg(target_dir);
        cmd
    }
}
