//! Conformance stage: board files validate, the harness and the Renode
//! scripts render (snapshots), and backends that cannot run here say so.
//! The QEMU runs themselves are `cargo xtask conformance`.

use hal_gen::conformance::{self as conf, harness, renode, Backend, Board};
use hal_gen::Config;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn boards_dir() -> PathBuf {
    root().join("conformance/boards")
}

#[test]
fn every_board_file_validates_and_covers_every_capability() {
    let names = Board::list(&boards_dir());
    assert!(names.len() >= 6, "{names:?}");
    for name in names {
        let board = Board::load(&boards_dir().join(format!("{name}.toml")))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(board.name, name);
    }
}

fn load_text(text: &str) -> Result<Board, String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.toml");
    std::fs::write(&path, text).unwrap();
    Board::load(&path).map_err(|e| e.to_string())
}

const MINIMAL: &str = r#"
machine = "m"
svd = "svd/LM3S6965.svd"
description = "d"
core_clock_hz = 1
[serial]
instance = "UART0"
clock_hz = 1
"#;

#[test]
fn board_files_with_gaps_or_contradictions_are_refused_with_the_key() {
    let all_skipped =
        "[skip]\ngpio = \"g\"\nspi = \"s\"\ni2c = \"i\"\ndelay = \"d\"\npwm = \"p\"\n";
    assert!(load_text(&format!("{MINIMAL}{all_skipped}")).is_ok());
    let cases = [
        (String::from(MINIMAL), "neither set up nor in [skip]"),
        (
            format!("{MINIMAL}{all_skipped}serial = \"x\"\n"),
            "serial is set up and also in [skip]",
        ),
        (
            format!("{MINIMAL}{all_skipped}uart = \"x\"\n"),
            "skip.uart: not a capability",
        ),
        (
            format!("{MINIMAL}{all_skipped}\n[bogus]\n"),
            "unknown field",
        ),
        (
            MINIMAL.replace(
                "[serial]",
                "[spi]\ninstance = \"S\"\nclock_hz = 1\n[serial]",
            ) + &all_skipped.replace("spi = \"s\"\n", ""),
            "exactly one of `loopback` and `flash`",
        ),
        (
            MINIMAL.replace(
                "[serial]",
                "[delay]\ntimer = \"T\"\nmtime = { address = 0, hz = 1 }\n[serial]",
            ) + &all_skipped.replace("delay = \"d\"\n", ""),
            "delay: give either `timer` with `timer_clock_hz`",
        ),
        (
            MINIMAL.replace(
                "machine = \"m\"",
                "machine = \"m\"\nqemu_arch = \"arm; rm\"",
            ) + all_skipped,
            "qemu_arch = \"arm; rm\"",
        ),
    ];
    for (text, want) in cases {
        let err = load_text(&text).expect_err(want);
        assert!(err.contains("bad.toml"), "{err}");
        assert!(err.contains(want), "{err} (wanted {want})");
    }
}

#[test]
fn an_unknown_machine_lists_the_known_boards() {
    let err = Board::find(&boards_dir(), "no-such-board")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("lm3s6965evb") && err.contains("mps2-an385"),
        "{err}"
    );
}

/// The harness for each bundled-SVD board, with fixed paths.
#[test]
fn harness_snapshots() {
    let config = Config::default();
    let catalogue = hal_gen::load_catalogue(&config).unwrap();
    let renderer = hal_gen::render::Renderer::new(&config).unwrap();
    for name in ["lm3s6965evb", "mps2-an385"] {
        let board = Board::find(&boards_dir(), name).unwrap();
        let svd = board.svd_path(&root(), None, None).unwrap();
        let g = hal_gen::generate(&svd, &config).unwrap();
        let ctx = harness::context(
            &g,
            &catalogue,
            &board,
            Path::new("/gen/hal"),
            Path::new("/conformance"),
        )
        .unwrap();
        let files = harness::render(&renderer, &ctx).unwrap();
        insta::assert_snapshot!(format!("harness_{name}_main"), files["src/main.rs"]);
        insta::assert_snapshot!(format!("harness_{name}_cargo"), files["Cargo.toml"]);
    }
}

/// A RISC-V chip's harness: riscv-rt, riscv-semihosting, and the `mcycle`
/// delay measured by `mtime`. The chip is the CPU-less RISC-V fixture (a
/// CLINT, a SiFive GPIO and UART), so this needs no corpus.
#[test]
fn riscv_harness_snapshot() {
    let config = Config::default();
    let catalogue = hal_gen::load_catalogue(&config).unwrap();
    let renderer = hal_gen::render::Renderer::new(&config).unwrap();
    let svd = root().join("generator/tests/fixtures/riscv_no_cpu.svd");
    let text = std::fs::read_to_string(&svd).unwrap();
    let g = hal_gen::generate_from_str(Path::new("riscv_no_cpu.svd"), &text, &config).unwrap();
    let board = load_text(
        r#"
machine = "sifive_e"
qemu_arch = "riscv32"
svd = "generator/tests/fixtures/riscv_no_cpu.svd"
description = "fixture"
core_clock_hz = 1_000_000_000
[gpio]
instance = "GPIO0"
pin = 3
[serial]
instance = "UART0"
clock_hz = 16_000_000
[delay]
mtime = { address = 0x0200_BFF8, hz = 10_000_000 }
[skip]
spi = "s"
i2c = "i"
pwm = "p"
"#,
    )
    .unwrap();
    assert_eq!(board.qemu_binary(), "qemu-system-riscv32");
    let ctx = harness::context(
        &g,
        &catalogue,
        &board,
        Path::new("/gen/hal"),
        Path::new("/conformance"),
    )
    .unwrap();
    assert!(ctx.riscv);
    let files = harness::render(&renderer, &ctx).unwrap();
    let main = &files["src/main.rs"];
    for want in [
        "use riscv_rt::entry;",
        "struct MtimeStopwatch;",
        "hal::delay::Delay::new(Hertz::hz(1000000000))",
        "#[export_name = \"ExceptionHandler\"]",
    ] {
        assert!(main.contains(want), "{want} missing");
    }
    for cortex_only in ["cortex_m", "SysTick", "HardFault"] {
        assert!(
            !main.contains(cortex_only),
            "{cortex_only} in a RISC-V harness"
        );
    }
    insta::assert_snapshot!("harness_riscv_main", main);
    insta::assert_snapshot!("harness_riscv_cargo", files["Cargo.toml"]);

    // The other core's reference clock is refused before anything is built.
    let mut cortex_board = board.clone();
    cortex_board.delay = Some(toml::from_str("timer = \"UART0\"\ntimer_clock_hz = 1").unwrap());
    let err = harness::context(
        &g,
        &catalogue,
        &cortex_board,
        Path::new("/h"),
        Path::new("/c"),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("is a RISC-V chip: use `mtime`"), "{err}");
}

#[test]
fn a_board_naming_an_instance_without_a_driver_is_an_error_before_any_build() {
    let config = Config::default();
    let catalogue = hal_gen::load_catalogue(&config).unwrap();
    let mut board = Board::find(&boards_dir(), "lm3s6965evb").unwrap();
    board.serial.as_mut().unwrap().instance = "SYSCTL".into();
    let g = hal_gen::generate(&board.svd_path(&root(), None, None).unwrap(), &config).unwrap();
    let err = harness::context(&g, &catalogue, &board, Path::new("/h"), Path::new("/c"))
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "board lm3s6965evb: SYSCTL has no uart driver in the generated HAL"
    );
}

#[test]
fn renode_script_snapshots() {
    let renderer = hal_gen::render::Renderer::new(&Config::default()).unwrap();
    let board = Board::find(&boards_dir(), "netduinoplus2").unwrap();
    let r = board
        .renode
        .as_ref()
        .expect("netduinoplus2 has a Renode platform");
    let ctx = renode::RenodeContext {
        generator_version: "0.1.0",
        chip: "STM32F40x".into(),
        board: board.name.clone(),
        platform: r.platform.clone(),
        uart: r.uart.clone(),
        elf: "/target/hgc-harness-netduinoplus2".into(),
        resc: "/work/renode/netduinoplus2.resc".into(),
        timeout_s: 60,
        inject: hal_gen_conformance::protocol::SERIAL_INJECT
            .iter()
            .map(|b| format!("{b:#04x}"))
            .collect(),
    };
    let files = renode::scripts(&renderer, &ctx).unwrap();
    insta::assert_snapshot!("renode_netduinoplus2_resc", files["netduinoplus2.resc"]);
    insta::assert_snapshot!("renode_netduinoplus2_robot", files["netduinoplus2.robot"]);
}

/// Renode and probe-rs are not installed here: the runner must say "not
/// run", never pass. (Where they are installed this checks nothing more
/// than that the run returns.)
#[test]
fn renode_and_probe_rs_report_not_run_when_missing() {
    let dir = tempfile::tempdir().unwrap();
    let mut board = Board::find(&boards_dir(), "lm3s6965evb").unwrap();
    board.renode =
        Some(toml::from_str("platform = \"platforms/cpus/lm3s.repl\"\nuart = \"uart0\"").unwrap());
    board.probe_rs = Some(toml::from_str("chip = \"LM3S6965\"").unwrap());
    let svd = board.svd_path(&root(), None, None).unwrap();
    for (backend, tool, reason) in [
        (Backend::Renode, "renode-test", "renode not found, not run"),
        (Backend::ProbeRs, "probe-rs", "no probe, not run"),
    ] {
        let opts = conf::Options {
            backend,
            fault: false,
            work_dir: dir.path().join("work"),
            target_dir: dir.path().join("target"),
            timeout: std::time::Duration::from_secs(5),
        };
        let r = conf::run(&board, &svd, &Config::default(), &opts).unwrap();
        if renode::on_path(tool) {
            continue;
        }
        assert_eq!(r.status, "not-run");
        assert!(r.tests.is_empty());
        assert!(!r.passed());
        let why = r.not_run_reason.unwrap();
        assert!(why.starts_with(reason), "{why}");
    }
    assert!(dir.path().join("work/renode/lm3s6965evb.robot").is_file());
}

fn results(fault: bool, tests: &[(&str, conf::protocol::Status)]) -> conf::Results {
    conf::Results {
        hal: None,
        schema_version: 1,
        chip: "CHIP".into(),
        svd: "svd/x.svd".into(),
        board: "board".into(),
        backend: "qemu".into(),
        machine: "m".into(),
        status: "ran".into(),
        not_run_reason: None,
        fault_injection: fault,
        started_at: String::new(),
        duration_s: 0.0,
        build_s: 0.0,
        tools: Default::default(),
        tests: tests
            .iter()
            .map(|(name, status)| conf::TestResult {
                name: (*name).into(),
                trait_path: "-".into(),
                capability: "gpio".into(),
                instance: "P0".into(),
                status: *status,
                detail: String::new(),
                duration_ms: 0.0,
                fault: None,
            })
            .collect(),
    }
}

/// A passing test counts as caught only if it failed in the fault run:
/// passing there, missing there (an early abort) or a fault run that never
/// ran are all misses; tests that did not pass normally are not judged.
#[test]
fn a_test_is_caught_only_by_failing_under_its_twin() {
    use conf::protocol::Status::{Fail, Pass, Skip};
    let normal = results(
        false,
        &[
            ("gpio_output_stateful", Pass),
            ("gpio_input_readback", Pass),
            ("delay_ns", Pass),
            ("delay_us", Skip),
        ],
    );
    let fault = results(
        true,
        &[
            ("gpio_output_stateful", Fail),
            ("gpio_input_readback", Pass),
        ],
    );
    let verdicts = conf::fault_verdicts(&normal, &fault);
    let caught: Vec<(&str, bool)> = verdicts
        .iter()
        .map(|v| (v.test.as_str(), v.caught))
        .collect();
    assert_eq!(
        caught,
        [
            ("gpio_output_stateful", true),
            ("gpio_input_readback", false),
            ("delay_ns", false),
        ]
    );
    assert_eq!(verdicts[0].fault, "pin_writes_ignored");
    assert_eq!(verdicts[2].detail, "did not run under its fault");
    assert_eq!(conf::fault_missed(&normal, &fault).len(), 2);

    let mut not_run = fault.clone();
    not_run.status = "not-run".into();
    assert_eq!(conf::fault_missed(&normal, &not_run).len(), 3);
}
