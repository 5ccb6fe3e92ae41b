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
        name: "cross (thumb builds)",
        run: || xtask(&["cross"]),
    },
    Step {
        // Every SVD twice, with and without the module cache: the cache's
        // keys are checked against the whole corpus, not only fixtures.
        name: "corpus (490 SVDs, cached = uncached)",
        run: || xtask(&["corpus", "--expect-all", "--verify-cache"]),
    },
    Step {
        name: "HAL coverage targets",
        run: || xtask(&["coverage", "--expect-targets"]),
    },
    Step {
        name: "classifier precision (no wrong match)",
        run: || xtask(&["precision", "--no-wrong"]),
    },
    Step {
        name: "curated chips: clippy, rustdoc, thumb; lockfile and newest",
        run: || xtask(&["curated"]),
    },
    Step {
        name: "conformance (6 QEMU machines, then fault injection)",
        run: || xtask(&["conformance"]),
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
