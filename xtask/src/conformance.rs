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
    /// Fail when a committed results file, or the README's results block,
    /// disagrees with this run (test statuses, twin faults, not-run
    /// reasons; timings and messages may differ). The files are rewritten
    /// either way, so `git diff` shows what changed.
    #[arg(long)]
    check: bool,
}

struct BoardRun {
    board: Board,
    results: Results,
    fault: Option<Results>,
    /// Renode and probe-rs: ran, or why not.
    others: Vec<Results>,
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
    let mut stale = Vec::new();
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
        write_json(&out.join(format!("{name}-qemu.json")), &results, &mut stale)?;
        // The other backends, so the matrix shows them as not run, and why.
        let mut others = Vec::new();
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
            write_json(
                &out.join(format!("{name}-{}.json", backend.as_str())),
                &r,
                &mut stale,
            )?;
            others.push(r);
        }
        runs.push(BoardRun {
            board,
            results,
            fault: None,
            others,
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
            write_json(&out.join(format!("{name}-qemu-fault.json")), &r, &mut stale)?;
            run.fault = Some(r);
        }
    }
    if args.boards.is_empty() && !args.no_fault {
        for peer in PEERS {
            run_peer(peer, args.timeout, &out, &mut stale, &mut failures)
                .with_context(|| format!("peer {}", peer.dir))?;
        }
    }
    let summary = summary(&runs, normal_wall, started.elapsed());
    std::fs::write(out.join("README.md"), &summary)?;
    print!("{summary}");
    if args.boards.is_empty() && !args.no_fault {
        if let Some(diff) = update_readme(&readme_block(&runs))? {
            stale.push(diff);
        }
    }
    if args.check && !stale.is_empty() {
        for s in &stale {
            eprintln!("stale: {s}");
        }
        failures.push(format!(
            "{} committed conformance result(s) disagree with this run; \
             commit what `cargo xtask conformance` wrote",
            stale.len()
        ));
    }
    if !failures.is_empty() {
        bail!("conformance failures: {}", failures.join("; "));
    }
    Ok(())
}

/// A HAL nobody here wrote, judged by the same suite: a harness crate under
/// `peers/`, built for the board's target and run through the same runner
/// (`run_firmware`), plain and with its twin faults armed. Its results sit
/// under docs/conformance/peer/ (explained in its README there) and are
/// checked like the generated HALs'.
struct Peer {
    /// The HAL and version its lockfile pins, as results and matrix name it.
    hal: &'static str,
    dir: &'static str,
    board: &'static str,
    triple: &'static str,
    bin: &'static str,
    results: &'static str,
    /// Tests this HAL fails, each a finding about the HAL explained in
    /// docs/conformance/peer/README.md. The run fails if any other test
    /// fails, or if one of these passes (the finding is then out of date).
    findings: &'static [&'static str],
}

const PEERS: &[Peer] = &[Peer {
    hal: "nrf51-hal 0.19.0",
    dir: "peers/nrf51-hal",
    board: "microbit",
    triple: "thumbv6m-none-eabi",
    bin: "hgc-peer-nrf51-hal",
    results: "microbit-nrf51-hal-qemu",
    // `Timer::delay_ns` waits `ns / 1000` whole microseconds.
    findings: &["delay_ns_sub_us", "delay_ns_fraction"],
}];

fn run_peer(
    peer: &Peer,
    timeout: u64,
    out: &std::path::Path,
    stale: &mut Vec<String>,
    failures: &mut Vec<String>,
) -> Result<()> {
    let root = util::root();
    let dir = root.join(peer.dir);
    let board = Board::load(&root.join(format!("conformance/boards/{}.toml", peer.board)))?;
    let toolchain = hal_gen::cross::detect(peer.triple)?;
    let target_dir = util::cache().join("peer-target");
    let elf_dir = util::cache().join("peer-elf");
    std::fs::create_dir_all(&elf_dir)?;
    let mut elves = Vec::new();
    for fault in [false, true] {
        eprintln!(
            "peer {}: building{} …",
            peer.dir,
            if fault { " with twin faults" } else { "" }
        );
        let mut cmd = toolchain.cargo("build", &dir, peer.triple, &target_dir);
        // Its .cargo/config.toml (the linker script) is found from here.
        cmd.current_dir(&dir)
            .args(["--release", "--quiet", "--locked"]);
        if fault {
            cmd.args(["--features", "fault"]);
        }
        let status = cmd.status()?;
        if !status.success() {
            bail!("building {} failed", peer.dir);
        }
        let elf = elf_dir.join(format!(
            "{}{}.elf",
            peer.bin,
            if fault { "-fault" } else { "" }
        ));
        std::fs::copy(
            target_dir.join(peer.triple).join("release").join(peer.bin),
            &elf,
        )?;
        elves.push(elf);
    }
    let opts = |fault| options(peer.board, Backend::Qemu, fault, timeout);
    let mut results = conf::run_firmware(&board, &elves[0], &opts(false))?;
    results.hal = Some(peer.hal.into());
    print_results(&results);
    let mut faulty = conf::run_firmware(&board, &elves[1], &opts(true))?;
    faulty.hal = Some(peer.hal.into());
    let missed = conf::fault_missed(&results, &faulty);
    for m in &missed {
        eprintln!("  NOT caught: {m}");
    }
    let failed: Vec<&str> = results
        .tests
        .iter()
        .filter(|t| t.status == Status::Fail)
        .map(|t| t.name.as_str())
        .collect();
    for name in &failed {
        if !peer.findings.contains(name) {
            failures.push(format!("peer {}: {name} failed", peer.dir));
        }
    }
    for name in peer.findings {
        if !failed.contains(name) {
            failures.push(format!(
                "peer {}: {name} no longer fails: update the finding",
                peer.dir
            ));
        }
    }
    if results.status != "ran" {
        failures.push(format!("peer {}: did not run", peer.dir));
    }
    if !missed.is_empty() {
        failures.push(format!(
            "peer {}: {} test(s) survived their fault",
            peer.dir,
            missed.len()
        ));
    }
    let peer_out = out.join("peer");
    std::fs::create_dir_all(&peer_out)?;
    write_json(
        &peer_out.join(format!("{}.json", peer.results)),
        &results,
        stale,
    )?;
    write_json(
        &peer_out.join(format!("{}.fault.json", peer.results)),
        &faulty,
        stale,
    )?;
    Ok(())
}

fn write_json(path: &std::path::Path, r: &Results, stale: &mut Vec<String>) -> Result<()> {
    let committed = std::fs::read_to_string(path)
        .ok()
        .and_then(|t| serde_json::from_str::<Results>(&t).ok());
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    match committed {
        None => stale.push(format!("{name}: not committed")),
        Some(c) => {
            if let Some(diff) = outcome_diff(&c, r) {
                stale.push(format!("{name}: {diff}"));
            }
        }
    }
    std::fs::write(path, serde_json::to_string_pretty(r)? + "\n")
        .with_context(|| format!("writing {}", path.display()))
}

/// What a results file claims, without what varies between runs
/// (timings, dates, measured values in messages): the run's status and
/// reason, and each test's name, instance, status and twin fault.
fn outcome(r: &Results) -> (String, Option<String>, Vec<[String; 4]>) {
    let tests = r
        .tests
        .iter()
        .map(|t| {
            [
                t.name.clone(),
                t.instance.clone(),
                t.status.as_str().to_string(),
                t.fault.clone().unwrap_or_default(),
            ]
        })
        .collect();
    (r.status.clone(), r.not_run_reason.clone(), tests)
}

/// The first difference between a committed result and this run's.
fn outcome_diff(committed: &Results, now: &Results) -> Option<String> {
    let (a, b) = (outcome(committed), outcome(now));
    if a.0 != b.0 || a.1 != b.1 {
        return Some(format!(
            "run status {} ({:?}) is now {} ({:?})",
            a.0, a.1, b.0, b.1
        ));
    }
    if a.2.len() != b.2.len() {
        return Some(format!("{} tests, now {}", a.2.len(), b.2.len()));
    }
    a.2.iter().zip(&b.2).find(|(x, y)| x != y).map(|(x, y)| {
        format!(
            "{} ({}) was {} {}, now {} {}",
            x[0], x[1], x[2], x[3], y[2], y[3]
        )
    })
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
            caught(run),
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

/// The README block `cargo xtask conformance` writes (`report::readme`).
const README_BLOCK: &str = "conformance-table";

/// `N of M`: passing tests that failed under their twin fault.
fn caught(run: &BoardRun) -> String {
    run.fault.as_ref().map_or("not run".into(), |f| {
        let v = conf::fault_verdicts(&run.results, f);
        format!("{} of {}", v.iter().filter(|v| v.caught).count(), v.len())
    })
}

/// The README's results table: per board and backend, what ran and what
/// it showed. Counts only, so it is the same for every run of the same code.
fn readme_block(runs: &[BoardRun]) -> String {
    let mut s = String::from(
        "| machine | chip | backend | passed | failed | skipped | passing tests caught by their twin fault |\n\
         |---|---|---|---:|---:|---:|---:|\n",
    );
    for run in runs {
        let r = &run.results;
        let _ = writeln!(
            s,
            "| {} | {} | qemu | {} | {} | {} | {} |",
            run.board.machine,
            r.chip,
            r.count(Status::Pass),
            r.count(Status::Fail),
            r.count(Status::Skip),
            caught(run),
        );
        for o in &run.others {
            let cell = |n: usize| {
                if o.status == "ran" {
                    n.to_string()
                } else {
                    "–".into()
                }
            };
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} | {} | {} |",
                run.board.machine,
                r.chip,
                o.backend,
                cell(o.count(Status::Pass)),
                cell(o.count(Status::Fail)),
                cell(o.count(Status::Skip)),
                o.not_run_reason.as_deref().unwrap_or("ran"),
            );
        }
    }
    s
}

/// Replace the README's results block; a note when the old one differed.
fn update_readme(block: &str) -> Result<Option<String>> {
    let path = util::root().join("README.md");
    let stale = crate::report::readme::check(&path, README_BLOCK, block)?
        .map(|diff| format!("README.md {README_BLOCK} block: {diff}"));
    crate::report::readme::write(&path, README_BLOCK, block)?;
    Ok(stale)
}

const SCHEMA_DOC: &str = r#"
## Results JSON (schema_version 1)

One file per board and backend: `<board>-<backend>.json`.

| key | meaning |
|---|---|
| `schema_version` | 1 |
| `chip` | the SVD's device name (as in the chip's coverage record) |
| `svd`, `board`, `machine` | the SVD (`corpus:` = cmsis-svd 0.4, `validation:` = the validation corpus), the board file, the QEMU machine / Renode platform / probe-rs chip |
| `backend` | `qemu`, `renode` or `probe-rs` |
| `status` | `ran` or `not-run`; `not_run_reason` says why (`renode not found, not run`, `no probe, not run`) |
| `fault_injection` | true for a fault-injection run (`<board>-qemu-fault.json`): each test ran under its own twin fault |
| `started_at`, `duration_s`, `build_s` | UTC start; emulator wall time; harness build time |
| `tools` | hal-gen, rustc and emulator versions |
| `tests[]` | `name`, `trait`, `capability` (gpio, serial, spi, i2c, delay, pwm), `instance`, `status` (`pass`, `fail`, `skip`), `detail` (failure message or skip reason), `duration_ms` (host time since the previous result), and in a fault run `fault` (the twin fault the test ran under) |

A run that never prints its `end` line (hang, fault, reset loop) gets a failing
`harness_completed` test with the reason, and the wall-clock timeout ends it.
"#;
