//! `cargo xtask conformance`: the conformance suite on every board in
//! `conformance/boards/`, under QEMU, then once more with fault injection,
//! where every test that passed must fail under its own twin fault. Writes
//! one results JSON per board and backend to docs/conformance/ (the matrix
//! reads them), the fault run's beside it (`<board>-qemu-fault.json`), and
//! a summary with every test's twin verdict and the runner's timings.

use crate::util;
use anyhow::{bail, Context, Result};
use hal_gen::conformance::{self as conf, protocol::Status, Backend, Board, Results};
use std::fmt::Write as _;
use std::time::{Duration, Instant};

#[derive(clap::Args)]
pub struct Args {
    /// Board names (default: every file in conformance/boards/).
    boards: Vec<String>,
    /// Skip the fault-injection pass.
    #[arg(long)]
    no_fault: bool,
    /// Wall-clock limit of one QEMU run, seconds.
    #[arg(long, default_value_t = 60)]
    timeout: u64,
}

struct BoardRun {
    board: Board,
    results: Results,
    fault: Option<Results>,
}

fn options(board: &str, backend: Backend, fault: bool, timeout: u64) -> conf::Options {
    conf::Options {
        backend,
        fault,
        work_dir: util::cache().join("conformance").join(board),
        target_dir: util::cache().join("conformance-target"),
        timeout: Duration::from_secs(timeout),
    }
}

pub fn run(args: Args) -> Result<()> {
    let dir = util::root().join("conformance/boards");
    let mut names = Board::list(&dir);
    if !args.boards.is_empty() {
        names.retain(|n| args.boards.contains(n));
    }
    let out = util::root().join("docs/conformance");
    std::fs::create_dir_all(&out)?;
    let started = Instant::now();
    let mut runs = Vec::new();
    let mut failures = Vec::new();
    for name in &names {
        let board = Board::load(&dir.join(format!("{name}.toml")))?;
        let svd = util::svd_path(&board.svd)?;
        eprintln!("conformance: {name} ({}) …", board.machine);
        let config = hal_gen::Config::default();
        let results = conf::run(
            &board,
            &svd,
            &config,
            &options(name, Backend::Qemu, false, args.timeout),
        )
        .with_context(|| format!("board {name}"))?;
        print_results(&results);
        if !results.passed() {
            failures.push(format!("{name}: tests failed"));
        }
        write_json(&out.join(format!("{name}-qemu.json")), &results)?;
        // The other backends, so the matrix shows them as not run, and why.
        for backend in [Backend::Renode, Backend::ProbeRs] {
            let r = conf::run(
                &board,
                &svd,
                &config,
                &options(name, backend, false, args.timeout),
            )
            .with_context(|| format!("board {name}, {}", backend.as_str()))?;
            if r.status == "ran" {
                print_results(&r);
                if !r.passed() {
                    failures.push(format!("{name} on {}: tests failed", backend.as_str()));
                }
            } else {
                eprintln!(
                    "  {}: {}",
                    backend.as_str(),
                    r.not_run_reason.as_deref().unwrap_or("not run")
                );
            }
            write_json(&out.join(format!("{name}-{}.json", backend.as_str())), &r)?;
        }
        runs.push(BoardRun {
            board,
            results,
            fault: None,
        });
    }
    let normal_wall = started.elapsed();
    if !args.no_fault {
        for run in &mut runs {
            let name = run.board.name.clone();
            let svd = util::svd_path(&run.board.svd)?;
            eprintln!("conformance with fault injection: {name} …");
            let r = conf::run(
                &run.board,
                &svd,
                &hal_gen::Config::default(),
                &options(&name, Backend::Qemu, true, args.timeout),
            )?;
            let missed = conf::fault_missed(&run.results, &r);
            if missed.is_empty() {
                eprintln!(
                    "  every passing test failed under its twin fault ({} tests)",
                    conf::fault_verdicts(&run.results, &r).len()
                );
            } else {
                for m in &missed {
                    eprintln!("  NOT caught: {m}");
                }
                failures.push(format!(
                    "{name}: {} test(s) survived their fault",
                    missed.len()
                ));
            }
            write_json(&out.join(format!("{name}-qemu-fault.json")), &r)?;
            run.fault = Some(r);
        }
    }
    let summary = summary(&runs, normal_wall, started.elapsed());
    std::fs::write(out.join("README.md"), &summary)?;
    print!("{summary}");
    if !failures.is_empty() {
        bail!("conformance failures: {}", failures.join("; "));
    }
    Ok(())
}

fn write_json(path: &std::path::Path, r: &Results) -> Result<()> {
    std::fs::write(path, serde_json::to_string_pretty(r)? + "\n")
        .with_context(|| format!("writing {}", path.display()))
}

fn print_results(r: &Results) {
    for t in &r.tests {
        if t.status != Status::Pass {
            eprintln!(
                "  {:<5} {:<28} {:<8} {}",
                t.status.as_str(),
                t.name,
                t.instance,
                t.detail
            );
        }
    }
    eprintln!("  {}", r.summary());
}

/// The Markdown summary: counts per machine and capability, and timings.
fn summary(runs: &[BoardRun], normal: Duration, total: Duration) -> String {
    let mut s = String::from(
        "# Conformance results\n\nWritten by `cargo xtask conformance`: the generic tests of \
         `conformance/` against each generated HAL under QEMU (`-icount shift=4`), then again \
         with each test under its own twin fault (`conformance::fault`), where every test that \
         passed must fail. Per-run JSON (schema below) sits beside this file; the fault run's is \
         `<board>-qemu-fault.json`.\n\n\
         | machine | chip | passed | failed | skipped | gpio | serial | spi | i2c | delay | pwm | caught by twin fault | build s | run s |\n\
         |---|---|---:|---:|---:|---|---|---|---|---|---|---:|---:|---:|\n",
    );
    for run in runs {
        let r = &run.results;
        let caps = r.by_capability();
        let cell = |c: &str| match caps.get(c) {
            Some((p, 0, _)) if *p > 0 => format!("{p} pass"),
            Some((_, f, _)) if *f > 0 => format!("**{f} FAIL**"),
            Some(_) => "skipped".to_string(),
            None => "-".to_string(),
        };
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {:.1} | {:.1} |",
            run.board.machine,
            r.chip,
            r.count(Status::Pass),
            r.count(Status::Fail),
            r.count(Status::Skip),
            cell("gpio"),
            cell("serial"),
            cell("spi"),
            cell("i2c"),
            cell("delay"),
            cell("pwm"),
            run.fault.as_ref().map_or("not run".into(), |f| {
                let v = conf::fault_verdicts(r, f);
                format!("{} of {}", v.iter().filter(|v| v.caught).count(), v.len())
            }),
            r.build_s,
            r.duration_s
        );
    }
    let run_s: f64 = runs.iter().map(|r| r.results.duration_s).sum();
    let build_s: f64 = runs.iter().map(|r| r.results.build_s).sum();
    let _ = writeln!(
        s,
        "\nTimings (this run): QEMU runs {run_s:.1} s in all; harness builds {build_s:.1} s; \
         the normal pass over {} machines took {:.1} s wall, with fault injection {:.1} s.\n",
        runs.len(),
        normal.as_secs_f64(),
        total.as_secs_f64()
    );
    s.push_str(
        "Each passing test and the twin fault that failed it (the fault run's message):\n\n\
         | machine | test | instance | twin fault | under the fault |\n|---|---|---|---|---|\n",
    );
    for run in runs {
        if let Some(f) = &run.fault {
            for v in conf::fault_verdicts(&run.results, f) {
                let _ = writeln!(
                    s,
                    "| {} | `{}` | {} | `{}` | {}{} |",
                    run.board.machine,
                    v.test,
                    v.instance,
                    v.fault,
                    if v.caught {
                        "failed: "
                    } else {
                        "**NOT CAUGHT**: "
                    },
                    v.detail.replace('|', "\\|")
                );
            }
        }
    }
    s.push('\n');
    s.push_str("Skips, with the reasons the board files give:\n\n");
    for run in runs {
        for (cap, reason) in &run.board.skip {
            let _ = writeln!(s, "- {} `{cap}`: {reason}", run.board.machine);
        }
        for (test, reason) in &run.board.exclude {
            let _ = writeln!(s, "- {} test `{test}`: {reason}", run.board.machine);
        }
    }
    s.push_str(SCHEMA_DOC);
    s
}

const SCHEMA_DOC: &str = r#"
## Results JSON (schema_version 1)

One file per board and backend: `<board>-<backend>.json`.

| key | meaning |
|---|---|
| `schema_version` | 1 |
| `chip` | the SVD's device name (as in the chip's coverage record) |
| `svd`, `board`, `machine` | the SVD (`corpus:` = cmsis-svd 0.4), the board file, the QEMU machine / Renode platform / probe-rs chip |
| `backend` | `qemu`, `renode` or `probe-rs` |
| `status` | `ran` or `not-run`; `not_run_reason` says why (`renode not found, not run`, `no probe, not run`) |
| `fault_injection` | true for a fault-injection run (`<board>-qemu-fault.json`): each test ran under its own twin fault |
| `started_at`, `duration_s`, `build_s` | UTC start; emulator wall time; harness build time |
| `tools` | hal-gen, rustc and emulator versions |
| `tests[]` | `name`, `trait`, `capability` (gpio, serial, spi, i2c, delay, pwm), `instance`, `status` (`pass`, `fail`, `skip`), `detail` (failure message or skip reason), `duration_ms` (host time since the previous result), and in a fault run `fault` (the twin fault the test ran under) |

A run that never prints its `end` line (hang, fault, reset loop) gets a failing
`harness_completed` test with the reason, and the wall-clock timeout ends it.
"#;
