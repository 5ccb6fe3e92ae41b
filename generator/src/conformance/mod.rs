//! Stage 6: conformance. Generates a per-chip harness firmware that links
//! the generated HAL with the generic tests of `hal-gen-conformance`,
//! runs it on a backend, and writes a results JSON for the matrix.
//!
//! ```text
//! board file ─► generate chip ─► harness crate ─► build for the target
//!     ─► backend: qemu (runs here) | renode (scripts; runs where
//!        renode-test exists) | probe-rs (boards; runs where a probe is)
//!     ─► protocol lines ─► Results JSON
//! ```

pub mod board;
pub mod harness;
pub mod probe_rs;
pub mod protocol;
pub mod qemu;
pub mod renode;
pub mod results;
mod vendored;

pub use board::Board;
pub use results::{Results, TestResult};

use crate::Config;
use protocol::{Event, Status};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[non_exhaustive]
pub enum ConformanceError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    #[diagnostic(code(hal_gen::conformance::board))]
    Board { path: PathBuf, message: String },
    #[error("no board file for machine `{machine}` in {dir} (known: {})", known.join(", "))]
    #[diagnostic(code(hal_gen::conformance::no_board))]
    NoBoard {
        machine: String,
        dir: PathBuf,
        known: Vec<String>,
    },
    #[error("{svd} is in an SVD corpus; fetch or unpack it first (`cargo xtask fetch`, `cargo xtask corpus --corpus validation`)")]
    NoCorpus { svd: String },
    #[error("board {board}: {instance} has no {kind} driver in the generated HAL")]
    #[diagnostic(code(hal_gen::conformance::no_driver))]
    NoDriver {
        board: String,
        instance: String,
        kind: &'static str,
    },
    #[error("{chip} has no microcontroller target (Cortex-M or RISC-V): nothing to run")]
    NoTarget { chip: String },
    #[error(transparent)]
    #[diagnostic(transparent)]
    Generate(#[from] crate::Error),
    #[error(transparent)]
    Toolchain(#[from] crate::cross::NoToolchain),
    #[error("{tool}: {message}")]
    Tool { tool: String, message: String },
    #[error("building the harness failed:\n{log}")]
    Build { log: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Backend {
    Qemu,
    Renode,
    #[value(name = "probe-rs")]
    ProbeRs,
}

impl Backend {
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Qemu => "qemu",
            Backend::Renode => "renode",
            Backend::ProbeRs => "probe-rs",
        }
    }
}

/// One conformance run.
#[derive(Debug, Clone)]
pub struct Options {
    pub backend: Backend,
    /// Build the harness with `conformance::fault` wrappers.
    pub fault: bool,
    /// Scratch space: generated crates, harness, target dir.
    pub work_dir: PathBuf,
    /// Shared cargo target dir (one per machine keeps `core` built once).
    pub target_dir: PathBuf,
    /// Wall-clock bound on one emulator run.
    pub timeout: Duration,
}

/// What a run made besides its results: where the harness is.
pub struct Prepared {
    pub board: Board,
    pub generated: crate::Generated,
    pub harness_dir: PathBuf,
}

/// Generate the chip and its harness crate for `board` into
/// `opts.work_dir`. Nothing is built yet.
pub fn prepare(
    board: &Board,
    svd: &Path,
    config: &Config,
    opts: &Options,
) -> Result<Prepared, ConformanceError> {
    let generated = crate::generate(svd, config)?;
    // The harness manifest names these by path: make them absolute.
    let work_dir = std::path::absolute(&opts.work_dir).map_err(|source| ConformanceError::Io {
        path: opts.work_dir.clone(),
        source,
    })?;
    let gen_dir = work_dir.join("gen");
    let write_config = Config {
        force: true,
        ..config.clone()
    };
    crate::write_output(
        &gen_dir,
        &generated.files,
        &generated.chip.svd_file,
        &write_config,
    )?;
    let conformance_dir = work_dir.join("hal-gen-conformance");
    vendored::write(&conformance_dir)?;
    let catalogue = crate::load_catalogue(config)?;
    let hal_dir = gen_dir.join(generated.chip.hal_crate_name());
    let ctx = harness::context(&generated, &catalogue, board, &hal_dir, &conformance_dir)?;
    let renderer = crate::render::Renderer::new(config)?;
    let files = harness::render(&renderer, &ctx)?;
    let harness_dir = work_dir.join("harness");
    for (path, text) in files {
        let path = harness_dir.join(path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|source| ConformanceError::Io {
                path: parent.to_path_buf(),
                source,
            })?;
        }
        write_if_changed(&path, &text)?;
    }
    Ok(Prepared {
        board: board.clone(),
        generated,
        harness_dir,
    })
}

/// Keep mtimes of unchanged files, so cargo does not rebuild them.
fn write_if_changed(path: &Path, text: &str) -> Result<(), ConformanceError> {
    if std::fs::read_to_string(path).is_ok_and(|old| old == text) {
        return Ok(());
    }
    std::fs::write(path, text).map_err(|source| ConformanceError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Build the harness for the chip's target: the ELF's path.
pub fn build(
    p: &Prepared,
    opts: &Options,
    features: &[&str],
    default_features: bool,
) -> Result<PathBuf, ConformanceError> {
    let triple = p
        .generated
        .chip
        .target
        .triple
        .ok_or_else(|| ConformanceError::NoTarget {
            chip: p.generated.chip.name.clone(),
        })?;
    let toolchain = crate::cross::detect(triple)?;
    let mut cmd = toolchain.cargo("build", &p.harness_dir, triple, &opts.target_dir);
    cmd.args(["--release", "--quiet"]);
    if !default_features {
        cmd.arg("--no-default-features");
    }
    let mut features: Vec<&str> = features.to_vec();
    if opts.fault {
        features.push("fault");
    }
    if !features.is_empty() {
        cmd.args(["--features", &features.join(",")]);
    }
    let out = cmd.output().map_err(|e| ConformanceError::Tool {
        tool: "cargo".into(),
        message: e.to_string(),
    })?;
    if !out.status.success() {
        let log = String::from_utf8_lossy(&out.stderr);
        let tail: Vec<&str> = log.lines().rev().take(40).collect();
        return Err(ConformanceError::Build {
            log: tail.into_iter().rev().collect::<Vec<_>>().join("\n"),
        });
    }
    Ok(opts
        .target_dir
        .join(triple)
        .join("release")
        .join(format!("hgc-harness-{}", p.board.name)))
}

fn rustc_version() -> String {
    std::process::Command::new("rustc")
        .arg("--version")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|| "unknown".into())
}

fn base_results(p: &Prepared, backend: Backend, machine: &str, fault: bool) -> Results {
    results_for(&p.generated.chip.name, &p.board, backend, machine, fault)
}

fn results_for(chip: &str, board: &Board, backend: Backend, machine: &str, fault: bool) -> Results {
    let mut tools = BTreeMap::new();
    tools.insert("hal-gen".into(), env!("CARGO_PKG_VERSION").into());
    tools.insert("rustc".into(), rustc_version());
    Results {
        schema_version: results::SCHEMA_VERSION,
        hal: None,
        chip: chip.into(),
        svd: board.svd.clone(),
        board: board.name.clone(),
        backend: backend.as_str().into(),
        machine: machine.into(),
        status: "ran".into(),
        not_run_reason: None,
        fault_injection: fault,
        started_at: results::now_rfc3339(),
        duration_s: 0.0,
        build_s: 0.0,
        tools,
        tests: Vec::new(),
    }
}

/// Results that say plainly that nothing ran, and why.
fn not_run(mut r: Results, reason: String) -> Results {
    r.status = "not-run".into();
    r.not_run_reason = Some(reason);
    r
}

/// Generate, build and run the board's harness on the chosen backend.
pub fn run(
    board: &Board,
    svd: &Path,
    config: &Config,
    opts: &Options,
) -> Result<Results, ConformanceError> {
    let p = prepare(board, svd, config, opts)?;
    match opts.backend {
        Backend::Qemu => run_qemu(&p, opts),
        Backend::Renode => renode::run(&p, opts),
        Backend::ProbeRs => probe_rs::run(&p, opts),
    }
}

fn run_qemu(p: &Prepared, opts: &Options) -> Result<Results, ConformanceError> {
    let mut r = base_results(p, Backend::Qemu, &p.board.machine, opts.fault);
    let Some(version) = qemu::version(&p.board) else {
        return Ok(not_run(r, qemu_missing(&p.board)));
    };
    r.tools.insert("qemu".into(), version);
    let t = Instant::now();
    let elf = build(p, opts, &[], true)?;
    r.build_s = t.elapsed().as_secs_f64();
    judge_qemu(r, &p.board, &elf, opts)
}

fn qemu_missing(board: &Board) -> String {
    format!(
        "{} not found (Debian: apt-get install qemu-system-arm for Cortex-M boards, \
         qemu-system-misc for RISC-V), not run",
        board.qemu_binary()
    )
}

/// Run a harness firmware built elsewhere (any HAL's, linked with
/// `hal-gen-conformance`) on the board's QEMU machine, with the same host
/// side and the same results as a generated harness. The chip is the one
/// the firmware's `begin` line names; `opts.fault` only labels the run
/// (the firmware decides what it wraps).
pub fn run_firmware(
    board: &Board,
    elf: &Path,
    opts: &Options,
) -> Result<Results, ConformanceError> {
    let mut r = results_for("-", board, Backend::Qemu, &board.machine, opts.fault);
    r.svd = "-".into();
    let Some(version) = qemu::version(board) else {
        return Ok(not_run(r, qemu_missing(board)));
    };
    r.tools = BTreeMap::from([("qemu".into(), version)]);
    judge_qemu(r, board, elf, opts)
}

/// Run `elf` under QEMU and turn what it printed, and what the host saw on
/// the UART, into test results.
fn judge_qemu(
    mut r: Results,
    board: &Board,
    elf: &Path,
    opts: &Options,
) -> Result<Results, ConformanceError> {
    let run = qemu::run(board, elf, opts.timeout)?;
    if let Some(chip) = run.events.iter().find_map(|(_, e)| match e {
        Event::Begin { chip, .. } => Some(chip.clone()),
        _ => None,
    }) {
        if r.chip == "-" {
            r.chip = chip;
        }
    }
    r.duration_s = run.wall.as_secs_f64();
    r.tests = tests_from_events(&run.events);
    // The host's half of the serial write tests: it expects the pattern of
    // each write test the firmware ran, not of one it skipped (a HAL
    // without embedded-hal-nb never sends that pattern).
    let ran = |name: &str| {
        r.tests
            .iter()
            .any(|t| t.name == name && t.status != Status::Skip)
    };
    let (io_ran, nb_ran) = (
        ran(hal_gen_conformance::tests::serial::WRITE_IO.name),
        ran(hal_gen_conformance::tests::serial::WRITE_NB.name),
    );
    let host_check = match (&board.serial, board.skip_reason("serial")) {
        (Some(serial), _) => Some(match qemu::check_uart_stream(&run.uart, io_ran, nb_ran) {
            Ok(()) => (serial.instance.clone(), Status::Pass, String::new()),
            Err(why) => (serial.instance.clone(), Status::Fail, why),
        }),
        (None, Some(reason)) => Some(("-".into(), Status::Skip, reason.into())),
        (None, None) => None,
    };
    if let Some((instance, status, detail)) = host_check {
        let info = hal_gen_conformance::tests::serial::HOST_SAW_WRITES;
        r.tests.push(TestResult {
            name: info.name.into(),
            trait_path: info.trait_path.into(),
            capability: info.capability.into(),
            instance,
            status,
            detail,
            duration_ms: 0.0,
            fault: None,
        });
        // The firmware's write tests pass only if their bytes arrived.
        for (name, verdict) in qemu::check_uart_patterns(&run.uart) {
            if let (Some(t), Err(why)) = (
                r.tests
                    .iter_mut()
                    .find(|t| t.name == name && t.status == Status::Pass),
                verdict,
            ) {
                t.status = Status::Fail;
                t.detail = why;
            }
        }
    }
    if !run.ended() {
        let why = run
            .events
            .iter()
            .find_map(|(_, e)| match e {
                Event::Abort { message } => Some(message.clone()),
                _ => None,
            })
            .unwrap_or_else(|| {
                if run.timed_out {
                    format!(
                        "no end line within {} s: hang or fault",
                        opts.timeout.as_secs()
                    )
                } else {
                    format!(
                        "QEMU exited ({:?}) before the end line; last output: {}",
                        run.exit_code,
                        run.other_output.join(" | ")
                    )
                }
            });
        r.tests.push(TestResult {
            name: "harness_completed".into(),
            trait_path: "-".into(),
            capability: "harness".into(),
            instance: "-".into(),
            status: Status::Fail,
            detail: why,
            duration_ms: 0.0,
            fault: None,
        });
    }
    if opts.fault {
        for t in &mut r.tests {
            t.fault = hal_gen_conformance::tests::find(&t.name).map(|i| i.fault.name().into());
        }
    }
    Ok(r)
}

/// Test results from protocol events; each test's duration is the host
/// time since the line before it.
pub fn tests_from_events(events: &[(Duration, Event)]) -> Vec<TestResult> {
    let mut out = Vec::new();
    let mut last = None;
    for (at, e) in events {
        match e {
            Event::Begin { .. } => last = Some(*at),
            Event::Test(t) => {
                let since = last.map_or(Duration::ZERO, |l| at.saturating_sub(l));
                last = Some(*at);
                out.push(TestResult {
                    name: t.name.clone(),
                    trait_path: t.trait_path.clone(),
                    capability: t.capability.clone(),
                    instance: t.instance.clone(),
                    status: t.status,
                    detail: t.detail.clone(),
                    duration_ms: (since.as_secs_f64() * 1000.0 * 10.0).round() / 10.0,
                    fault: None,
                });
            }
            _ => {}
        }
    }
    out
}

/// One test of the normal run, judged in the fault run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultVerdict {
    pub test: String,
    pub instance: String,
    /// The twin fault it ran under.
    pub fault: String,
    /// Failed under its fault, as it must.
    pub caught: bool,
    /// What happened: the failure message, or why it does not count.
    pub detail: String,
}

/// Every test that passed in `normal` must fail in `fault`, the run with
/// each test under its own twin fault. A test that passes there checks
/// nothing; one that did not run there (an early abort, a missing line)
/// proves nothing, so both count as not caught.
pub fn fault_verdicts(normal: &Results, fault: &Results) -> Vec<FaultVerdict> {
    normal
        .tests
        .iter()
        .filter(|t| t.status == Status::Pass)
        .map(|t| {
            let twin = fault
                .tests
                .iter()
                .find(|f| f.name == t.name && f.instance == t.instance);
            let fault_name = twin
                .and_then(|f| f.fault.clone())
                .or_else(|| {
                    hal_gen_conformance::tests::find(&t.name).map(|i| i.fault.name().into())
                })
                .unwrap_or_else(|| "none".into());
            let (caught, detail) = match twin {
                _ if fault.status != "ran" => (
                    false,
                    format!("the fault run did not run: {:?}", fault.not_run_reason),
                ),
                None => (false, "did not run under its fault".into()),
                Some(f) if f.status == Status::Fail => (true, f.detail.clone()),
                Some(f) if f.status == Status::Pass => (false, "passed under its fault".into()),
                Some(f) => (false, format!("skipped under its fault: {}", f.detail)),
            };
            FaultVerdict {
                test: t.name.clone(),
                instance: t.instance.clone(),
                fault: fault_name,
                caught,
                detail,
            }
        })
        .collect()
}

/// The tests of `normal` that their twin fault did not catch, as
/// `test (instance) under fault: why`; empty when every one was caught.
pub fn fault_missed(normal: &Results, fault: &Results) -> Vec<String> {
    fault_verdicts(normal, fault)
        .into_iter()
        .filter(|v| !v.caught)
        .map(|v| {
            format!(
                "{} ({}) under {}: {}",
                v.test, v.instance, v.fault, v.detail
            )
        })
        .collect()
}
