//! The generated HAL's shared driver code, checked on the host.
//!
//! * `driver_loops_are_bounded`: every `while`/`loop` in the rendered HAL of
//!   the catalogue's synthesised chip (every family's template) counts
//!   something down or up; hardware waits go through `reg::wait_for`.
//! * `shared_driver_code_runs_on_the_host`: the family-independent modules
//!   (`gpio`, `serial` and `timer`: their `mod.rs` and `impls.rs`, with
//!   `reg.rs` and `time.rs`) are compiled into a small host crate together
//!   with fake `PinOps`/`UartOps`/`PwmOps` and unit tests ([`HOST_TESTS`]),
//!   and `cargo test` runs it under a wall-clock limit, so a wait that never
//!   ends fails instead of hanging. No PAC is built: the driver modules are
//!   behind features the host crate does not have.

use hal_gen::Config;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The HAL of the synthesised catalogue chip: path (below `src/`) → text.
fn catalogue_hal() -> (Vec<(String, String)>, String) {
    let config = Config::default();
    let catalogue = hal_gen::load_catalogue(&config).expect("built-in catalogue loads");
    let (svd, _) = hal_gen::catalogue::synth::svd(&catalogue);
    let generated = hal_gen::generate_from_str(Path::new("CATALOGUE.svd"), &svd, &config)
        .expect("synthesised SVD generates");
    let hal = generated.chip.hal_crate_name();
    let src = format!("{hal}/src/");
    let files = generated
        .files
        .iter()
        .filter_map(|(p, c)| Some((p.strip_prefix(&src)?.to_string(), c.clone())))
        .collect();
    let manifest = generated.files[&format!("{hal}/Cargo.toml")].clone();
    (files, manifest)
}

/// Why `line` (trimmed, not a comment) is a loop that may not end, if it is.
fn unbounded(line: &str) -> Option<&'static str> {
    let code = line.split("//").next().unwrap_or("").trim();
    if code.starts_with("loop") && code[4..].trim_start().starts_with('{') {
        return Some("`loop` in driver code: poll through `crate::reg::wait_for`");
    }
    let cond = code.strip_prefix("while ")?;
    if cond.starts_with("let ") {
        return Some("`while let`: nothing bounds it");
    }
    if code.ends_with("{}") {
        return Some("an empty `while` body spins on its condition");
    }
    // The first conjunct must compare a plain counter: `n < buf.len()`,
    // `ticks > 0`. A condition that starts with a call or a negation is a
    // poll, and polls go through `wait_for`.
    let mut words = cond.split_whitespace();
    let counter = words.next().unwrap_or("");
    let op = words.next().unwrap_or("");
    let is_ident = !counter.is_empty()
        && counter
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if is_ident && ["<", "<=", ">", ">=", "!="].contains(&op) {
        None
    } else {
        Some("a `while` that does not start by comparing a counter: poll through `crate::reg::wait_for`")
    }
}

#[test]
fn unbounded_finds_spins() {
    assert!(unbounded("while !self.ops.read_ready() {}").is_some());
    assert!(unbounded("while regs::SR.read() & 1 == 0 {").is_some());
    assert!(unbounded("loop {").is_some());
    assert!(unbounded("while let Some(x) = it.next() {").is_some());
    assert!(unbounded("while n < buf.len() && self.ops.read_ready() {").is_none());
    assert!(unbounded("while ticks > 0 {").is_none());
    assert!(unbounded("// loop {").is_none());
}

#[test]
fn driver_loops_are_bounded() {
    let (files, _) = catalogue_hal();
    let mut found = Vec::new();
    for (path, text) in &files {
        if !path.ends_with(".rs") {
            continue;
        }
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.starts_with("//") {
                continue;
            }
            if let Some(why) = unbounded(line) {
                found.push(format!("src/{path}:{}: {line}\n    {why}", i + 1));
            }
        }
    }
    assert!(
        found.is_empty(),
        "unbounded loops in the generated HAL:\n{}",
        found.join("\n")
    );
}

/// Unit tests compiled into the host crate, against the generated modules.
const HOST_TESTS: &str = r#"
use crate::gpio::{Flex, Level, Output, PinOps};
use crate::serial::{Config, Error, Uart, UartOps};
use crate::timer::{Pwm, PwmChannel, PwmOps};
use crate::Hertz;
use core::cell::Cell;
use embedded_hal::digital::{OutputPin, StatefulOutputPin};
use embedded_hal::pwm::SetDutyCycle;

// --- PWM -------------------------------------------------------------------

struct FakeTimer {
    period: u32,
    compare: Cell<u32>,
}

impl PwmOps for FakeTimer {
    const CHANNELS: usize = 1;
    fn start(&mut self, period: u32) {
        self.period = period;
        self.compare.set(0);
    }
    fn period(&self) -> u32 {
        self.period
    }
    fn set_compare(&self, channel: usize, compare: u32) {
        assert_eq!(channel, 0);
        self.compare.set(compare);
    }
}

/// The compare value `set` leaves on a timer with `period` ticks, and the
/// channel's max duty.
fn compare(period: u32, set: impl FnOnce(&mut PwmChannel<'_, FakeTimer>)) -> (u32, u16) {
    let pwm = Pwm::new(FakeTimer { period: 0, compare: Cell::new(u32::MAX) }, period);
    let mut ch = pwm.channel(0).unwrap();
    set(&mut ch);
    let max = ch.max_duty_cycle();
    (pwm.free().compare.get(), max)
}

const PERIODS: &[u32] = &[1, 2, 3, 1_000, 65_534, 65_535, 65_536, 100_000, 1_000_000, u32::MAX];

#[test]
fn pwm_full_duty_is_the_whole_period() {
    for &period in PERIODS {
        let (on, _) = compare(period, |c| c.set_duty_cycle_fully_on().unwrap());
        assert_eq!(on, period, "full duty on a {period}-tick period");
        let (off, _) = compare(period, |c| c.set_duty_cycle_fully_off().unwrap());
        assert_eq!(off, 0, "zero duty on a {period}-tick period");
    }
}

#[test]
fn pwm_half_duty_on_a_long_period() {
    let (half, max) = compare(100_000, |c| c.set_duty_cycle_fraction(1, 2).unwrap());
    assert_eq!(max, u16::MAX);
    assert!(half.abs_diff(50_000) <= 2, "half duty of 100000 ticks gave {half}");
    let (quarter, _) = compare(100_000, |c| c.set_duty_cycle_percent(25).unwrap());
    assert!(quarter.abs_diff(25_000) <= 2, "25% of 100000 ticks gave {quarter}");
}

#[test]
fn pwm_compare_is_duty_times_period_over_max() {
    for &period in PERIODS {
        for duty in [0u16, 1, 2, 100, 1_000, 32_767, 32_768, 65_534, 65_535] {
            let (got, max) = compare(period, |c| c.set_duty_cycle(duty).unwrap());
            let max = u64::from(max.max(1));
            let want = u64::from(duty).min(max) * u64::from(period) / max;
            assert_eq!(u64::from(got), want, "duty {duty} of max {max}, period {period}");
        }
    }
}

#[test]
fn pwm_short_period_duty_is_ticks() {
    // A 16-bit timer's period fits u16: duty counts ticks one to one.
    for period in [1_000u32, 65_535] {
        for duty in [0u16, 1, 500, 999] {
            let (got, max) = compare(period, |c| c.set_duty_cycle(duty).unwrap());
            assert_eq!(u32::from(max), period);
            assert_eq!(got, u32::from(duty));
        }
    }
}

// --- Serial ----------------------------------------------------------------

/// A UART that never receives and whose transmitter never frees up.
struct DeadUart;

impl UartOps for DeadUart {
    fn configure(&mut self, _: Hertz, _: &Config) -> Result<(), crate::serial::ConfigError> {
        Ok(())
    }
    fn write_ready(&self) -> bool {
        false
    }
    fn write_byte(&mut self, _: u8) {}
    fn read_ready(&self) -> bool {
        false
    }
    fn read_byte(&mut self) -> Result<u8, Error> {
        Ok(0)
    }
    fn tx_idle(&self) -> bool {
        false
    }
}

fn dead_uart() -> Uart<DeadUart> {
    Uart::new(DeadUart, Hertz::mhz(1), Config::default().baudrate(115_200)).unwrap()
}

#[test]
fn serial_blocking_read_gives_up() {
    let mut uart = dead_uart();
    let mut buf = [0u8; 4];
    let err = embedded_io::Read::read(&mut uart, &mut buf).unwrap_err();
    assert_eq!(err, Error::Timeout);
    assert_eq!(embedded_io::Error::kind(&err), embedded_io::ErrorKind::TimedOut);
    assert_eq!(
        embedded_hal_nb::serial::Error::kind(&err),
        embedded_hal_nb::serial::ErrorKind::Other
    );
}

#[test]
fn serial_blocking_write_and_flush_give_up() {
    let mut uart = dead_uart();
    assert_eq!(embedded_io::Write::write(&mut uart, b"x").unwrap_err(), Error::Timeout);
    assert_eq!(embedded_io::Write::flush(&mut uart).unwrap_err(), Error::Timeout);
}

#[test]
fn serial_nb_does_not_wait() {
    let mut uart = dead_uart();
    assert!(matches!(embedded_hal_nb::serial::Read::read(&mut uart), Err(nb::Error::WouldBlock)));
    assert!(matches!(embedded_hal_nb::serial::Write::write(&mut uart, 0), Err(nb::Error::WouldBlock)));
}

// --- GPIO ------------------------------------------------------------------

/// A PL061-style pin: one data register, which returns the output latch
/// for an output and the pad for an input, and ignores writes to an input
/// (whose latch follows the pad).
struct OneDataRegister {
    output: bool,
    latch: bool,
    pad: bool,
}

impl PinOps for OneDataRegister {
    fn set_high(&mut self) {
        if self.output {
            self.latch = true;
        }
    }
    fn set_low(&mut self) {
        if self.output {
            self.latch = false;
        }
    }
    fn is_set_high(&self) -> bool {
        if self.output { self.latch } else { self.pad }
    }
    fn is_high(&self) -> bool {
        self.is_set_high()
    }
    fn make_output(&mut self) {
        self.latch = self.pad;
        self.output = true;
    }
    fn make_input(&mut self) {
        self.output = false;
    }
}

fn low_input() -> OneDataRegister {
    OneDataRegister { output: false, latch: false, pad: false }
}

#[test]
fn gpio_initial_level_reaches_a_port_that_ignores_input_writes() {
    let mut out = Output::new(low_input(), Level::High);
    assert!(out.is_set_high().unwrap(), "Output::new(.., High) drives low");
    let mut flex = Flex::new(low_input());
    flex.set_as_output(Level::High);
    assert!(flex.is_set_high().unwrap(), "Flex::set_as_output(High) drives low");
    flex.set_low().unwrap();
    assert!(flex.is_set_low().unwrap());
}
"#;

fn target_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the generator lives in the workspace")
        .join("target/fixture-check")
}

/// The host crate: the generated shared modules, the HAL's own dependency
/// lines (minus the PAC) and [`HOST_TESTS`].
fn write_host_crate(dir: &Path) {
    let (files, manifest) = catalogue_hal();
    let deps: Vec<&str> = manifest
        .split("[dependencies]")
        .nth(1)
        .expect("[dependencies]")
        .split("\n[")
        .next()
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#') && l.contains('=') && !l.contains("path ="))
        .collect();
    assert!(
        deps.iter().any(|l| l.starts_with("embedded-hal ")),
        "{deps:?}"
    );
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"hal-host-check\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
             [dependencies]\n{}\n\n[lints.rust]\nunexpected_cfgs = \"allow\"\n\n[workspace]\n",
            deps.join("\n")
        ),
    )
    .unwrap();
    let src = dir.join("src");
    for module in ["gpio", "serial", "timer"] {
        std::fs::create_dir_all(src.join(module)).unwrap();
    }
    let wanted = [
        "reg.rs",
        "time.rs",
        "gpio/mod.rs",
        "gpio/impls.rs",
        "serial/mod.rs",
        "serial/impls.rs",
        "timer/mod.rs",
        "timer/impls.rs",
    ];
    for rel in wanted {
        let (_, text) = files
            .iter()
            .find(|(p, _)| p == rel)
            .unwrap_or_else(|| panic!("the catalogue HAL has no src/{rel}"));
        std::fs::write(src.join(rel), text).unwrap();
    }
    std::fs::write(
        src.join("lib.rs"),
        "//! hal-gen's shared driver modules, on the host.\n\
         #![allow(dead_code)]\n\
         pub use time::Hertz;\n\
         pub mod gpio;\nmod reg;\npub mod serial;\npub mod time;\npub mod timer;\n\
         #[cfg(test)]\nmod host_tests;\n",
    )
    .unwrap();
    std::fs::write(src.join("host_tests.rs"), HOST_TESTS).unwrap();
}

fn cargo(dir: &Path, args: &[&str]) -> Command {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.args(args)
        .arg("--manifest-path")
        .arg(dir.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(target_dir())
        .env("CARGO_TERM_COLOR", "never");
    cmd
}

/// Build the host crate's test binary and return its path.
fn build_host_tests(dir: &Path) -> PathBuf {
    let built = cargo(dir, &["test", "--no-run", "--message-format=json"])
        .output()
        .expect("cargo runs");
    assert!(
        built.status.success(),
        "the host crate does not build:\n{}",
        String::from_utf8_lossy(&built.stderr)
    );
    String::from_utf8_lossy(&built.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|m| m["reason"] == "compiler-artifact" && m["profile"]["test"] == true)
        .find_map(|m| m["executable"].as_str().map(PathBuf::from))
        .expect("cargo names the test executable")
}

#[test]
fn shared_driver_code_runs_on_the_host() {
    let dir = tempfile::tempdir().unwrap();
    write_host_crate(dir.path());
    let exe = build_host_tests(dir.path());
    // The tests take well under a second, unless a wait never ends: run the
    // binary itself (not through cargo) so that it can be killed.
    let log = dir.path().join("test.log");
    let file = std::fs::File::create(&log).unwrap();
    let mut child = Command::new(&exe)
        .stdout(file.try_clone().unwrap())
        .stderr(Stdio::from(file))
        .spawn()
        .expect("the host tests run");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let output = std::fs::read_to_string(&log).unwrap_or_default();
    match status {
        None => panic!("the host tests did not finish in 60 s: a wait never ends\n{output}"),
        Some(s) => assert!(s.success(), "the host tests failed:\n{output}"),
    }
}
