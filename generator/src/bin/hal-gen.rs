//! `hal-gen CHIP.svd [-o OUT]` (or `hal-gen generate …`) and `hal-gen
//! conformance …`: the thin CLI over the `hal_gen` library, clap
//! subcommands with `generate` the default.

use clap::Parser;
use hal_gen::{Config, Severity};
use std::path::PathBuf;
use std::process::ExitCode;

// Generation allocates millions of small tokens; with mimalloc instead of
// glibc's malloc MK64F12 generates in 1.8 s instead of 2.9 s (median of 5).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Generate a PAC crate (and, where peripherals are recognised, an
/// embedded-hal 1.0 HAL) from a CMSIS-SVD file: `hal-gen CHIP.svd`, the
/// same as `hal-gen generate CHIP.svd`.
#[derive(Parser, Debug)]
#[command(
    name = "hal-gen",
    version,
    about,
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    generate: GenerateCli,
}

#[derive(clap::Subcommand, Debug)]
enum Command {
    /// Generate the PAC and HAL crates from an SVD (the default command).
    Generate(GenerateCli),
    /// Run the generic embedded-hal conformance tests against the HAL
    /// generated for a board's chip, or against any HAL's harness firmware
    /// (`--firmware`). Exit status: 0 every test passed or was skipped with
    /// a reason, 1 a test failed (or, with --fault, a test that passed did
    /// not fail under its own twin fault), 2 trouble.
    Conformance(ConformanceCli),
}

#[derive(clap::Args, Debug)]
struct GenerateCli {
    /// The SVD file to read.
    #[arg(required = true)]
    svd: Option<PathBuf>,
    /// Output directory; `<chip>-pac/` is written inside it.
    #[arg(short, long, default_value = ".")]
    out: PathBuf,
    /// Treat every SVD repair as an error.
    #[arg(long)]
    strict: bool,
    /// Overwrite output hal-gen did not create, or generated files a person edited.
    #[arg(long)]
    force: bool,
    /// Directory of templates that override the built-in ones, by relative path.
    #[arg(long, value_name = "DIR")]
    templates: Option<PathBuf>,
    /// Print each repair (default: a count, and the first few).
    #[arg(short, long)]
    verbose: bool,
    /// Print how long each stage took.
    #[arg(long)]
    timings: bool,
    /// Write the diagnostics as JSON to this file.
    #[arg(long, value_name = "FILE")]
    diagnostics_json: Option<PathBuf>,
    /// Write nothing; print what regeneration would change in OUT as a
    /// unified diff per file. Exit status as diff(1): 0 no changes,
    /// 1 changes, 2 trouble.
    #[arg(long)]
    diff: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Conformance(c)) => match conformance(&c) {
            Ok(true) => ExitCode::SUCCESS,
            Ok(false) => ExitCode::FAILURE,
            Err(report) => {
                eprintln!("{report:?}");
                ExitCode::from(2)
            }
        },
        Some(Command::Generate(g)) => generate_command(&g),
        None => generate_command(&cli.generate),
    }
}

fn generate_command(cli: &GenerateCli) -> ExitCode {
    let config = Config {
        strict: cli.strict,
        force: cli.force,
        templates_dir: cli.templates.clone(),
        ..Config::default()
    };
    if cli.diff {
        return match diff(cli, &config) {
            Ok(false) => ExitCode::SUCCESS,
            Ok(true) => ExitCode::from(1),
            Err(report) => {
                eprintln!("{report:?}");
                ExitCode::from(2)
            }
        };
    }
    match run(cli, &config) {
        Ok(()) => ExitCode::SUCCESS,
        Err(report) => {
            eprintln!("{report:?}");
            ExitCode::FAILURE
        }
    }
}

/// `--diff`: whether regeneration would change anything in OUT.
fn diff(cli: &GenerateCli, config: &Config) -> miette::Result<bool> {
    let generated = generate(cli, config)?;
    let changes = hal_gen::diff::diff_output(&cli.out, &generated.files, &generated.chip.svd_file)?;
    print!("{}", changes.unified());
    use hal_gen::diff::Change;
    if changes.is_empty() {
        eprintln!(
            "no changes: regeneration would leave {} as it is",
            cli.out.display()
        );
    } else {
        eprintln!(
            "{} file(s) would change in {}: {} added, {} modified, {} removed",
            changes.files.len(),
            cli.out.display(),
            changes.count(Change::Added),
            changes.count(Change::Modified),
            changes.count(Change::Removed),
        );
    }
    Ok(!changes.is_empty())
}

/// Generate in memory and report the diagnostics.
fn generate(cli: &GenerateCli, config: &Config) -> miette::Result<hal_gen::Generated> {
    // clap requires it unless a subcommand was given.
    let svd = cli
        .svd
        .as_deref()
        .ok_or_else(|| miette::miette!("no SVD file given"))?;
    let generated = hal_gen::generate(svd, config)?;
    let diags = &generated.diagnostics;
    let file = svd.display();
    const SHOWN: usize = 5;
    for (i, d) in diags.iter().enumerate() {
        if cli.verbose || i < SHOWN {
            eprintln!("{file}:{d}");
        }
    }
    if !cli.verbose && diags.len() > SHOWN {
        eprintln!(
            "… and {} more (use --verbose to see all)",
            diags.len() - SHOWN
        );
    }
    if let Some(path) = &cli.diagnostics_json {
        let json = serde_json::to_string_pretty(diags).map_err(|e| miette::miette!("{e}"))?;
        std::fs::write(path, json + "\n")
            .map_err(|e| miette::miette!("cannot write {}: {e}", path.display()))?;
    }
    Ok(generated)
}

fn run(cli: &GenerateCli, config: &Config) -> miette::Result<()> {
    let generated = generate(cli, config)?;
    let diags = &generated.diagnostics;
    let write_started = std::time::Instant::now();
    let report =
        hal_gen::write_output(&cli.out, &generated.files, &generated.chip.svd_file, config)?;
    if cli.timings {
        let write = ("write", write_started.elapsed());
        for (stage, took) in generated.timings.iter().chain(std::iter::once(&write)) {
            eprintln!("{stage:>16}: {:>8.1} ms", took.as_secs_f64() * 1000.0);
        }
    }
    let repairs = diags
        .iter()
        .filter(|d| d.severity == Severity::Repair)
        .count();
    let warnings = diags.len() - repairs;
    for dir in &report.written {
        eprintln!("wrote {}", dir.display());
    }
    for dir in &report.unchanged {
        eprintln!("unchanged {}", dir.display());
    }
    for file in &report.kept {
        eprintln!("kept hand-written {}", file.display());
    }
    let chip = &generated.chip;
    eprintln!(
        "{}: {} peripherals, target {}, {repairs} repair(s), {warnings} warning(s)",
        chip.name,
        chip.peripherals.len(),
        chip.target.triple.unwrap_or("none (host only)"),
    );
    Ok(())
}

// The options of `hal-gen conformance` (its help is on `Command`).
#[derive(clap::Args, Debug)]
struct ConformanceCli {
    /// The SVD (default: the one the board file names).
    svd: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "qemu")]
    backend: hal_gen::conformance::Backend,
    /// The board: `<boards>/<machine>.toml` (the QEMU machine name).
    #[arg(long)]
    machine: String,
    /// Directory of board files.
    #[arg(long, default_value = "conformance/boards")]
    boards: PathBuf,
    /// Where `corpus:` SVD paths of board files resolve.
    #[arg(long, default_value = ".cache/corpus/cmsis-svd-0.4/cmsis_svd/data")]
    corpus: PathBuf,
    /// Where `validation:` SVD paths of board files resolve (the
    /// validation corpus, `cargo xtask corpus --corpus validation` unpacks it).
    #[arg(long, default_value = ".cache/validation")]
    validation_corpus: PathBuf,
    /// Write the results JSON here (the fault run's beside it, as
    /// `FILE.fault.json`).
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// Run this harness firmware instead of generating one: any HAL's
    /// build linked with `hal-gen-conformance` (see
    /// docs/conformance/other-hals.md). QEMU only.
    #[arg(long, value_name = "ELF")]
    firmware: Option<PathBuf>,
    /// With --firmware: the same harness built with its twin faults armed;
    /// every test that passed must fail in it.
    #[arg(long, value_name = "ELF", requires = "firmware")]
    fault_firmware: Option<PathBuf>,
    /// With --firmware: the HAL it tests, for the results and the matrix
    /// (`"nrf51-hal 0.19.0"`).
    #[arg(long, value_name = "NAME", requires = "firmware")]
    hal: Option<String>,
    /// Then run again with each test under its own twin fault
    /// (`conformance::fault`): every test that passed must now fail.
    #[arg(long)]
    fault: bool,
    /// Scratch directory (generated crates, harness).
    #[arg(long, default_value = "target/hal-gen-conformance")]
    work_dir: PathBuf,
    /// Wall-clock limit of one emulator run, seconds.
    #[arg(long, default_value_t = 60)]
    timeout: u64,
}

fn conformance(cli: &ConformanceCli) -> miette::Result<bool> {
    use hal_gen::conformance as conf;
    let board = conf::Board::find(&cli.boards, &cli.machine)?;
    let work = cli.work_dir.join(&board.name);
    let opts = conf::Options {
        backend: cli.backend,
        fault: cli.fault,
        target_dir: cli.work_dir.join("target"),
        work_dir: work,
        timeout: std::time::Duration::from_secs(cli.timeout),
    };
    if let Some(elf) = &cli.firmware {
        eprintln!("conformance: {} on {} (qemu)", elf.display(), board.name);
        let normal_opts = conf::Options {
            fault: false,
            ..opts.clone()
        };
        return firmware(cli, &board, elf, &normal_opts);
    }
    let svd = match &cli.svd {
        Some(svd) => svd.clone(),
        None => board.svd_path(
            std::path::Path::new("."),
            Some(&cli.corpus),
            Some(&cli.validation_corpus),
        )?,
    };
    eprintln!(
        "conformance: {} on {} ({}){}",
        svd.display(),
        board.name,
        cli.backend.as_str(),
        if cli.fault {
            ", fault injection on"
        } else {
            ""
        }
    );
    let normal_opts = conf::Options {
        fault: false,
        ..opts.clone()
    };
    let results = conf::run(&board, &svd, &Config::default(), &normal_opts)?;
    print_results(&board.name, &results);
    if let Some(path) = &cli.json {
        write_results(path, &results)?;
    }
    if !cli.fault {
        return Ok(results.passed());
    }
    eprintln!("{}: each test again, under its own twin fault", board.name);
    let faulty = conf::run(&board, &svd, &Config::default(), &opts)?;
    let verdicts = conf::fault_verdicts(&results, &faulty);
    for v in &verdicts {
        eprintln!(
            "  {:<8} {:<30} {:<10} {:<26} {}",
            if v.caught { "caught" } else { "MISSED" },
            v.test,
            v.instance,
            v.fault,
            v.detail
        );
    }
    if let Some(path) = &cli.json {
        write_results(&path.with_extension("fault.json"), &faulty)?;
    }
    let missed = verdicts.iter().filter(|v| !v.caught).count();
    eprintln!(
        "{}: {} of {} passing tests failed under their twin fault",
        board.name,
        verdicts.len() - missed,
        verdicts.len()
    );
    Ok(missed == 0 && !verdicts.is_empty())
}

/// `--firmware`: a harness someone else built, run and judged the same way.
fn firmware(
    cli: &ConformanceCli,
    board: &hal_gen::conformance::Board,
    elf: &std::path::Path,
    opts: &hal_gen::conformance::Options,
) -> miette::Result<bool> {
    use hal_gen::conformance as conf;
    if cli.backend != conf::Backend::Qemu {
        miette::bail!("--firmware runs under QEMU only (--backend qemu)");
    }
    let mut results = conf::run_firmware(board, elf, opts)?;
    results.hal = cli.hal.clone();
    print_results(&board.name, &results);
    if let Some(path) = &cli.json {
        write_results(path, &results)?;
    }
    let Some(fault_elf) = &cli.fault_firmware else {
        return Ok(results.passed());
    };
    let fault_opts = conf::Options {
        fault: true,
        ..opts.clone()
    };
    let mut faulty = conf::run_firmware(board, fault_elf, &fault_opts)?;
    faulty.hal = cli.hal.clone();
    let missed = conf::fault_missed(&results, &faulty);
    for m in &missed {
        eprintln!("  MISSED {m}");
    }
    if let Some(path) = &cli.json {
        write_results(&path.with_extension("fault.json"), &faulty)?;
    }
    eprintln!(
        "{}: {} passing test(s) not caught by their twin fault",
        board.name,
        missed.len()
    );
    Ok(results.passed() && missed.is_empty())
}

fn print_results(board: &str, results: &hal_gen::conformance::Results) {
    for t in &results.tests {
        let detail = if t.detail.is_empty() {
            String::new()
        } else {
            format!("  {}", t.detail)
        };
        eprintln!(
            "  {:<5} {:<30} {:<10} {}{detail}",
            t.status.as_str(),
            t.name,
            t.instance,
            t.trait_path
        );
    }
    if let Some(reason) = &results.not_run_reason {
        eprintln!("  {reason}");
    }
    eprintln!("{board}: {}", results.summary());
}

fn write_results(
    path: &std::path::Path,
    results: &hal_gen::conformance::Results,
) -> miette::Result<()> {
    let json = serde_json::to_string_pretty(results).map_err(|e| miette::miette!("{e}"))?;
    std::fs::write(path, json + "\n")
        .map_err(|e| miette::miette!("cannot write {}: {e}", path.display()))
}
