//! `cargo xtask smoke`: hand-run smoke firmware on QEMU boards, built
//! against the generated HAL. For each board in `conformance/boards/`, it
//! generates the chip, writes a firmware crate that prints over the board's
//! UART through the HAL's `Uart` and (where QEMU models GPIO) drives a pin
//! through `Flex` and reads it back, builds it for the target, runs it under
//! `qemu-system-arm -icount` and checks what came out of the serial port.
//! The full trait suite is `conformance/`'s job; this proves the drivers run.

use anyhow::{bail, Context, Result};
use heck::{ToPascalCase, ToSnakeCase};
use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[derive(clap::Args)]
pub struct Args {
    /// Board names (files in conformance/boards/); default: all.
    boards: Vec<String>,
}

#[derive(serde::Deserialize)]
struct Board {
    machine: String,
    svd: String,
    gpio: Option<GpioPin>,
    uart: UartPort,
    i2c: Option<I2cBus>,
    core_clock_hz: u32,
}

#[derive(serde::Deserialize)]
struct GpioPin {
    instance: String,
    pin: u32,
    readback: bool,
}

#[derive(serde::Deserialize)]
struct I2cBus {
    instance: String,
    /// A device QEMU attaches (`-device <device>,address=<present>`).
    present: u8,
    /// An address nothing answers.
    absent: u8,
    device: String,
}

#[derive(serde::Deserialize)]
struct UartPort {
    instance: String,
    clock_hz: u32,
}

pub fn run(args: Args) -> Result<()> {
    let root = crate::util::root();
    let dir = root.join("conformance/boards");
    let mut names: Vec<String> = std::fs::read_dir(&dir)?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            e.file_name()
                .to_str()?
                .strip_suffix(".toml")
                .map(String::from)
        })
        .collect();
    names.sort();
    if !args.boards.is_empty() {
        names.retain(|n| args.boards.contains(n));
    }
    let mut failures = Vec::new();
    let mut table = String::from("| board | chip | check | result |\n|---|---|---|---|\n");
    for name in &names {
        let board: Board =
            toml::from_str(&std::fs::read_to_string(dir.join(format!("{name}.toml")))?)
                .with_context(|| format!("conformance/boards/{name}.toml"))?;
        match smoke_board(name, &board) {
            Ok(lines) => {
                for (check, ok) in lines {
                    println!(
                        "{name:<16} {check:<40} {}",
                        if ok { "ok" } else { "FAILED" }
                    );
                    writeln!(
                        table,
                        "| {name} | {} | {check} | {} |",
                        board.svd,
                        if ok { "ok" } else { "FAILED" }
                    )?;
                    if !ok {
                        failures.push(format!("{name}: {check}"));
                    }
                }
            }
            Err(e) => {
                println!("{name:<16} FAILED: {e:#}");
                writeln!(
                    table,
                    "| {name} | {} | build or run | FAILED: {e} |",
                    board.svd
                )?;
                failures.push(format!("{name}: {e}"));
            }
        }
    }
    let out = root.join("docs/smoke.md");
    std::fs::write(
        &out,
        format!(
            "# QEMU smoke runs\n\n`cargo xtask smoke` (qemu-system-arm {} with `-icount shift=4`): firmware built \
             against each generated HAL prints over the board's UART and, where QEMU models GPIO, drives a pin \
             through `Flex` and reads it back (`is_set_high` and `is_high`).\n\n{table}",
            qemu_version()
        ),
    )?;
    if !failures.is_empty() {
        bail!("smoke failures: {}", failures.join("; "));
    }
    Ok(())
}

fn qemu_version() -> String {
    Command::new("qemu-system-arm")
        .arg("--version")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| {
            s.lines()
                .next()
                .map(|l| l.replace("QEMU emulator version ", ""))
        })
        .unwrap_or_else(|| "(not found)".into())
}

/// (check, passed) for each line the firmware should print.
fn smoke_board(name: &str, board: &Board) -> Result<Vec<(String, bool)>> {
    let work = crate::util::cache().join("smoke").join(name);
    let out = work.join("gen");
    let config = hal_gen::Config {
        force: true,
        ..Default::default()
    };
    let g = hal_gen::generate(&crate::util::svd_path(&board.svd)?, &config)?;
    hal_gen::write_output(&out, &g.files, &g.chip.svd_file, &config)?;
    let triple = g.chip.target.triple.context("not a Cortex-M chip")?;
    let matched = |instance: &str, kind: hal_gen::catalogue::Kind| {
        g.classes
            .iter()
            .find(|c| c.instance == instance)
            .and_then(|c| c.best(kind))
            .with_context(|| {
                format!(
                    "{instance} has no {} driver in the generated HAL",
                    kind.as_str()
                )
            })
    };
    matched(&board.uart.instance, hal_gen::catalogue::Kind::Uart)?;
    let mut expected = vec![format!("smoke: serial {} ok", board.uart.instance)];
    let gpio = match &board.gpio {
        Some(gp) => {
            let m = matched(&gp.instance, hal_gen::catalogue::Kind::Gpio)?;
            let port = m
                .units
                .first()
                .map(|u| format!("port{}", u.id.to_ascii_lowercase()));
            if gp.readback {
                expected.push(format!(
                    "smoke: gpio {}.p{} readback ok",
                    gp.instance, gp.pin
                ));
            }
            Some((gp, port))
        }
        None => None,
    };
    if let Some(bus) = &board.i2c {
        matched(&bus.instance, hal_gen::catalogue::Kind::I2c)?;
        expected.push(format!(
            "smoke: i2c {} {:#04x} ack ok",
            bus.instance, bus.present
        ));
        expected.push(format!(
            "smoke: i2c {} {:#04x} nack ok",
            bus.instance, bus.absent
        ));
    }
    let firmware = work.join("firmware");
    std::fs::create_dir_all(firmware.join("src"))?;
    let hal = g.chip.hal_crate_name();
    std::fs::write(
        firmware.join("Cargo.toml"),
        format!(
            "[package]\nname = \"smoke-{name}\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
             [dependencies]\nhal = {{ package = \"{hal}\", path = \"../gen/{hal}\", features = [\"rt\", \"memory-x\"] }}\n\
             cortex-m = \"0.7\"\ncortex-m-rt = \"0.7\"\ncortex-m-semihosting = \"0.5\"\n\
             embedded-hal = \"1.0\"\nembedded-io = \"0.7\"\n\n[profile.release]\ndebug = true\n\n[workspace]\n"
        ),
    )?;
    std::fs::write(
        firmware.join("build.rs"),
        "fn main() {\n    println!(\"cargo:rustc-link-arg=-Tlink.x\");\n}\n",
    )?;
    std::fs::write(
        firmware.join("src/main.rs"),
        firmware_source(board, gpio.as_ref()),
    )?;

    let toolchain = hal_gen::cross::detect(triple)?;
    let target_dir = crate::util::cache().join("smoke-target");
    let status = toolchain
        .cargo("build", &firmware, triple, &target_dir)
        .args(["--quiet", "--release"])
        .status()?;
    if !status.success() {
        bail!("firmware build failed");
    }
    let elf = target_dir
        .join(triple)
        .join("release")
        .join(format!("smoke-{name}"));
    let devices: Vec<String> = board
        .i2c
        .iter()
        .map(|b| format!("{},address={:#04x}", b.device, b.present))
        .collect();
    let output = run_qemu(&board.machine, &devices, &elf, Duration::from_secs(30))?;
    Ok(expected
        .into_iter()
        .map(|line| {
            let ok = output.lines().any(|l| l.trim_end() == line);
            (line, ok)
        })
        .collect())
}

fn firmware_source(board: &Board, gpio: Option<&(&GpioPin, Option<String>)>) -> String {
    let u = &board.uart;
    let umod = u.instance.to_snake_case();
    let utype = u.instance.to_pascal_case();
    let usingleton = u.instance.to_snake_case();
    let mut src = format!(
        "//! Smoke firmware for the {machine} QEMU board, generated by `cargo xtask smoke`.
#![no_std]
#![no_main]

use core::fmt::Write as _;
use cortex_m_rt::entry;
use cortex_m_semihosting::debug;
use hal::{{pac, Hertz}};

struct Line<'a, U: hal::serial::UartOps>(&'a mut hal::serial::Uart<U>);

impl<U: hal::serial::UartOps> core::fmt::Write for Line<'_, U> {{
    fn write_str(&mut self, s: &str) -> core::fmt::Result {{
        embedded_io::Write::write_all(self.0, s.as_bytes()).map_err(|_| core::fmt::Error)
    }}
}}

#[entry]
fn main() -> ! {{
    let p = pac::Peripherals::take().unwrap();
    let _core_clock = Hertz::hz({core});
    let port = hal::serial::{umod}::{utype}::new(p.{usingleton});
    let mut uart = hal::serial::Uart::new(port, Hertz::hz({uclk}), hal::serial::Config::default()).unwrap();
    #[allow(unused_mut)]
    let mut ok = true;
    writeln!(Line(&mut uart), \"smoke: serial {uinst} ok\").unwrap();
",
        machine = board.machine,
        core = board.core_clock_hz,
        uclk = u.clock_hz,
        uinst = u.instance,
    );
    if let Some((gp, port)) = gpio {
        let gmod = gp.instance.to_snake_case();
        let pins = match port {
            Some(port) => format!("hal::gpio::{gmod}::split(p.{gmod}).{port}"),
            None => format!("hal::gpio::{gmod}::split(p.{gmod})"),
        };
        let _ = write!(
            src,
            "    use embedded_hal::digital::{{InputPin, OutputPin, StatefulOutputPin}};
    let pins = {pins};
    let mut pin = hal::gpio::Flex::new(pins.p{n});
    pin.set_as_output(hal::gpio::Level::Low);
    pin.set_high().unwrap();
    let high = pin.is_set_high().unwrap() && pin.is_high().unwrap();
    pin.set_low().unwrap();
    let low = pin.is_set_low().unwrap() && pin.is_low().unwrap();
    let verdict = if high && low {{ \"ok\" }} else {{ \"FAILED\" }};
    ok &= high && low;
    writeln!(Line(&mut uart), \"smoke: gpio {inst}.p{n} readback {{verdict}}\").unwrap();
",
            n = gp.pin,
            inst = gp.instance
        );
    }
    if let Some(bus) = &board.i2c {
        let m = bus.instance.to_snake_case();
        let t = bus.instance.to_pascal_case();
        let _ = write!(
            src,
            "    use embedded_hal::i2c::{{I2c as _, ErrorKind, Error as _}};
    let mut i2c = hal::i2c::I2c::new(hal::i2c::{m}::{t}::new(p.{m}), Hertz::hz({core}), hal::i2c::Config::default()).unwrap();
    let mut reg = [0u8; 2];
    let acked = i2c.write_read({present:#04x}, &[0x00], &mut reg).is_ok();
    ok &= acked;
    writeln!(Line(&mut uart), \"smoke: i2c {inst} {present:#04x} ack {{}}\", if acked {{ \"ok\" }} else {{ \"FAILED\" }}).unwrap();
    let nacked = matches!(i2c.write({absent:#04x}, &[0x00]).map_err(|e| e.kind()), Err(ErrorKind::NoAcknowledge(_)));
    ok &= nacked;
    writeln!(Line(&mut uart), \"smoke: i2c {inst} {absent:#04x} nack {{}}\", if nacked {{ \"ok\" }} else {{ \"FAILED\" }}).unwrap();
",
            core = board.core_clock_hz,
            present = bus.present,
            absent = bus.absent,
            inst = bus.instance,
        );
    }
    src.push_str(
        "    let _ = embedded_io::Write::flush(&mut uart);
    debug::exit(if ok { debug::EXIT_SUCCESS } else { debug::EXIT_FAILURE });
    loop {
        cortex_m::asm::nop();
    }
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    debug::exit(debug::EXIT_FAILURE);
    loop {
        cortex_m::asm::nop();
    }
}
",
    );
    src
}

/// Run the ELF under QEMU with a wall-clock bound; the serial port is
/// stdout. A hang or a fault is a timeout, reported, never a stuck run.
fn run_qemu(machine: &str, devices: &[String], elf: &Path, limit: Duration) -> Result<String> {
    let mut cmd = Command::new("qemu-system-arm");
    for d in devices {
        cmd.args(["-device", d]);
    }
    let mut child = cmd
        .args([
            "-M",
            machine,
            "-nographic",
            "-monitor",
            "none",
            "-icount",
            "shift=4",
        ])
        .args([
            "-semihosting-config",
            "enable=on,target=native",
            "-serial",
            "stdio",
        ])
        .arg("-kernel")
        .arg(elf)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("starting qemu-system-arm")?;
    let started = Instant::now();
    loop {
        if child.try_wait()?.is_some() {
            break;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            bail!("timed out after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let output = child.wait_with_output()?;
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}
