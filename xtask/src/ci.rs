//! `cargo xtask ci`: every check CI runs, each timed, in one command.

use anyhow::{bail, Result};
use std::process::Command;
use std::time::Instant;

struct Step {
    name: &'static str,
    run: fn() -> Result<()>,
}

fn cargo(args: &[&str]) -> Result<()> {
    let status = Command::new("cargo").args(args).status()?;
    if !status.success() {
        bail!("cargo {} failed", args.join(" "));
    }
    Ok(())
}

fn xtask(args: &[&str]) -> Result<()> {
    // Same binary, fresh process: each step starts clean.
    let status = Command::new(std::env::current_exe()?).args(args).status()?;
    if !status.success() {
        bail!("xtask {} failed", args.join(" "));
    }
    Ok(())
}

const STEPS: &[Step] = &[
    Step {
        name: "fmt",
        run: || cargo(&["fmt", "--all", "--", "--check"]),
    },
    Step {
        name: "clippy",
        run: || {
            cargo(&[
                "clippy",
                "--workspace",
                "--all-targets",
                "--quiet",
                "--",
                "-D",
                "warnings",
            ])
        },
    },
    Step {
        name: "test",
        run: || cargo(&["test", "--workspace"]),
    },
    Step {
        name: "regen --check",
        run: || xtask(&["regen", "--check"]),
    },
    Step {
        name: "cross (thumb and RISC-V builds)",
        run: || xtask(&["cross"]),
    },
    Step {
        // Every SVD twice, with and without the module cache: the cache's
        // keys are checked against the whole corpus, not only fixtures.
        // The fresh report (in .cache/corpus-report) is then compared with
        // the committed docs/corpus report, field by field (timings
        // ignored), and the committed build record's per-SVD PAC and HAL
        // digests with the ones just generated; also the README tables
        // quoted from both.
        name: "corpus (490 SVDs, cached = uncached); committed reports current",
        run: || {
            xtask(&[
                "corpus",
                "--expect-all",
                "--verify-cache",
                "--compare",
                "docs/corpus/report.json",
                "--compare-record",
                "docs/corpus-hal/report.json",
            ])
        },
    },
    Step {
        // The validation corpus (../shared/corpus, unpacked on first use):
        // every SVD must generate and match the committed report; then a
        // fixed sample of its PACs, across vendors and cores, must pass
        // `cargo check --features all` and its HALs clippy -D warnings
        // (the whole set is a sharded run, docs/validation/README.md).
        name: "validation corpus (423 SVDs) generates; committed report current; sample PACs check, HALs clippy",
        run: || {
            xtask(&[
                "corpus",
                "--corpus",
                "validation",
                "--expect-all",
                "--compare",
                "docs/validation/report.json",
            ])?;
            xtask(&[
                "corpus",
                "--corpus",
                "validation",
                "--sample",
                crate::corpus::VALIDATION_SAMPLE,
                "--check",
                "--hal",
                "--expect-all",
                "--out-dir",
                ".cache/validation-sample-out",
            ])
        },
    },
    Step {
        name: "HAL coverage targets, training and validation; README coverage table current",
        run: || {
            xtask(&["coverage", "--expect-targets", "--check-readme"])?;
            xtask(&["coverage", "--corpus", "validation", "--expect-targets"])
        },
    },
    Step {
        // Rebuilt from the coverage records the corpus step just wrote, the
        // committed reports and the committed conformance results (before
        // the conformance step below rewrites them), and compared byte for
        // byte with coverage/.
        name: "committed coverage matrix current",
        run: || xtask(&["matrix", "--check", "--strict"]),
    },
    Step {
        // The training labels, then the validation labels (the corpus the
        // families were not written against; unpacked by the step above).
        name: "classifier precision, training and validation labels (no wrong match)",
        run: || {
            xtask(&["precision", "--no-wrong"])?;
            xtask(&[
                "precision",
                "--no-wrong",
                "--labels",
                "docs/precision/validation-labels.toml",
                "--corpus",
                ".cache/validation",
                "--report",
                ".cache/validation-precision.md",
            ])
        },
    },
    Step {
        name: "curated chips: clippy, rustdoc, target builds; lockfile and newest",
        run: || xtask(&["curated"]),
    },
    Step {
        // Each passing test must fail under its twin fault, and the
        // committed results must match this run.
        name: "conformance (7 QEMU machines, Cortex-M and RISC-V, and the nrf51-hal peer, each test under its twin fault, results checked)",
        run: || xtask(&["conformance", "--check"]),
    },
    Step {
        name: "matrix of the curated chips, checked in chromium",
        run: || {
            xtask(&[
                "matrix",
                "--project-only",
                "--strict",
                "--out",
                ".cache/matrix-ci",
                "--browser-test",
            ])
        },
    },
];

pub fn run() -> Result<()> {
    let started = Instant::now();
    let mut results = Vec::new();
    for step in STEPS {
        println!("\n==> ci: {}", step.name);
        let t = Instant::now();
        let outcome = (step.run)();
        let secs = t.elapsed().as_secs_f64();
        if let Err(e) = &outcome {
            println!("ci: {} FAILED: {e:#}", step.name);
        }
        results.push((step.name, outcome.is_ok(), secs));
    }
    println!("\nci step times:");
    for (name, ok, secs) in &results {
        println!(
            "  {:<24} {:>7.1} s  {}",
            name,
            secs,
            if *ok { "ok" } else { "FAILED" }
        );
    }
    println!(
        "  {:<24} {:>7.1} s",
        "total",
        started.elapsed().as_secs_f64()
    );
    let failed = results.iter().filter(|r| !r.1).count();
    println!("ci: {} passed, {} failed", results.len() - failed, failed);
    if failed > 0 {
        bail!("{failed} CI step(s) failed");
    }
    Ok(())
}
