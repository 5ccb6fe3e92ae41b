//! The command line: `generate` is the default subcommand, so `hal-gen
//! CHIP.svd` and `hal-gen generate CHIP.svd` are the same command, and
//! `conformance` is a subcommand of its own.

use std::path::Path;
use std::process::Command;

fn hal_gen() -> Command {
    Command::new(env!("CARGO_BIN_EXE_hal-gen"))
}

fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().display().to_string();
                out.push((rel, std::fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn generate_is_the_default_subcommand() {
    let svd = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/array.svd");
    let scratch = std::env::temp_dir().join(format!("hal-gen-cli-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    let (plain, sub) = (scratch.join("plain"), scratch.join("sub"));
    let ok = hal_gen().arg(&svd).arg("-o").arg(&plain).status().unwrap();
    assert!(ok.success());
    let ok = hal_gen()
        .arg("generate")
        .arg(&svd)
        .arg("-o")
        .arg(&sub)
        .status()
        .unwrap();
    assert!(ok.success());
    let (a, b) = (files(&plain), files(&sub));
    assert!(!a.is_empty());
    assert_eq!(a, b, "the same command, the same bytes");
    let _ = std::fs::remove_dir_all(&scratch);
}

#[test]
fn help_lists_the_subcommands_and_no_svd_is_a_usage_error() {
    let out = hal_gen().arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    for sub in ["generate", "conformance"] {
        assert!(help.contains(sub), "{help}");
    }
    let out = hal_gen().output().unwrap();
    assert_eq!(out.status.code(), Some(2), "clap's usage error");
    assert!(String::from_utf8_lossy(&out.stderr).contains("<SVD>"));
    let out = hal_gen().args(["conformance", "--help"]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("--firmware"));
}
