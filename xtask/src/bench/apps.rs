//! The small application of figures 3 and 4, written three ways:
//! (a) blinky + serial echo on hal-gen's HAL (its own examples, copied),
//! with default features off and only the examples' driver instances on,
//! so the PAC builds only those peripherals; (b) the same with every
//! driver and the PAC's `all` feature on (enums stay off in both, as the
//! HAL leaves them); (c) a blinky with raw register access on svd2rust's
//! PAC, no HAL: the baseline.

use super::prepare::Crate;
use anyhow::{bail, Context, Result};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// An application crate: what to build and what a build must recompile.
pub struct App {
    pub dir: PathBuf,
    /// Binaries, in the order their sizes are reported.
    pub bins: Vec<String>,
    /// The PAC, touched before a timed run.
    pub pac: Crate,
    /// Packages a timed run must recompile (PAC, HAL, the app); a run
    /// that recompiles fewer measured nothing and is an error.
    pub rebuilt: Vec<String>,
}

/// Per chip, the GPIO writes of a blinky on svd2rust's PAC: clock gate and
/// direction (run once), then the toggle. Pin 0 of the first port; the
/// register names are svd2rust 0.37's accessors for each SVD.
const RAW_BLINKY: &[(&str, &str, &str)] = &[
    (
        "LM3S6965",
        "p.sysctl.rcgc2().modify(|r, w| w.bits(r.bits() | 1)); p.gpioa.dir().modify(|r, w| w.bits(r.bits() | 1)); p.gpioa.den().modify(|r, w| w.bits(r.bits() | 1));",
        "p.gpioa.data().modify(|r, w| w.bits(r.bits() ^ 1));",
    ),
    (
        "nrf51",
        "p.gpio.dirset().write(|w| w.bits(1));",
        "p.gpio.out().modify(|r, w| w.bits(r.bits() ^ 1));",
    ),
    (
        "STM32F40x",
        "p.rcc.ahb1enr().modify(|r, w| w.bits(r.bits() | 1)); p.gpioa.moder().modify(|r, w| w.bits((r.bits() & !3) | 1));",
        "p.gpioa.odr().modify(|r, w| w.bits(r.bits() ^ 1));",
    ),
    (
        "ATSAM3X8E",
        "p.pmc.pmc_pcer0().write(|w| w.bits(1 << 11)); p.pioa.per().write(|w| w.bits(1)); p.pioa.oer().write(|w| w.bits(1));",
        "if p.pioa.odsr().read().bits() & 1 == 0 { p.pioa.sodr().write(|w| w.bits(1)); } else { p.pioa.codr().write(|w| w.bits(1)); }",
    ),
    (
        "MB9BF50xR",
        "p.gpio.pfr0().modify(|r, w| w.bits(r.bits() & !1)); p.gpio.ddr0().modify(|r, w| w.bits(r.bits() | 1));",
        "p.gpio.pdor0().modify(|r, w| w.bits(r.bits() ^ 1));",
    ),
    (
        "MK64F12",
        "p.sim.scgc5().modify(|r, w| w.bits(r.bits() | (1 << 9))); p.porta.pcr0().write(|w| w.bits(1 << 8)); p.gpioa.pddr().modify(|r, w| w.bits(r.bits() | 1));",
        "p.gpioa.ptor().write(|w| w.bits(1));",
    ),
];

const BUILD_RS: &str = "//! cortex-m-rt's link.x; memory.x comes from the PAC or the HAL.
fn main() {
    println!(\"cargo:rerun-if-changed=build.rs\");
    println!(\"cargo:rustc-link-arg-bins=-Tlink.x\");
}
";

/// Puts the same memory.x as hal-gen's PAC on the linker path: svd2rust
/// writes none, and the two builds should link the same memory map.
const RAW_BUILD_RS: &str = "//! cortex-m-rt's link.x, and memory.x from this crate.
fn main() {
    let out = std::path::PathBuf::from(std::env::var_os(\"OUT_DIR\").unwrap());
    std::fs::copy(\"memory.x\", out.join(\"memory.x\")).unwrap();
    println!(\"cargo:rustc-link-search={}\", out.display());
    println!(\"cargo:rerun-if-changed=build.rs\");
    println!(\"cargo:rerun-if-changed=memory.x\");
    println!(\"cargo:rustc-link-arg-bins=-Tlink.x\");
}
";

fn manifest(name: &str, bins: &[(String, &str)], deps: &str) -> String {
    let mut s = format!(
        "# Written by `cargo xtask bench`.\n[package]\nname = \"{name}\"\nversion = \"0.0.0\"\n\
         edition = \"2021\"\npublish = false\nautobins = false\n"
    );
    for (bin, path) in bins {
        let _ = write!(
            s,
            "\n[[bin]]\nname = \"{bin}\"\npath = \"{path}\"\ntest = false\nbench = false\n"
        );
    }
    // `cargo check` on the host needs abort for a no_std binary; the
    // thumb targets abort anyway.
    let _ = write!(
        s,
        "\n[dependencies]\n{deps}\n[profile.dev]\npanic = \"abort\"\n\n\
         [profile.release]\npanic = \"abort\"\n\n[workspace]\n"
    );
    s
}

fn path_of(dir: &Path) -> String {
    dir.display().to_string().replace('\\', "/")
}

/// (a) or, with `all`, (b).
pub fn hal_app(dir: &Path, stem: &str, hal: &Crate, pac: &Crate, all: bool) -> Result<App, String> {
    write_hal_app(dir, stem, hal, pac, all).map_err(|e| format!("{e:#}"))
}

fn write_hal_app(dir: &Path, stem: &str, hal: &Crate, pac: &Crate, all: bool) -> Result<App> {
    let examples = hal.dir.join("examples");
    let mut bins = Vec::new();
    std::fs::create_dir_all(dir.join("src"))?;
    for example in ["blinky", "serial_echo"] {
        let src = examples.join(format!("{example}.rs"));
        if !src.exists() {
            bail!("the HAL has no {example} example (no GPIO or UART driver)");
        }
        std::fs::copy(&src, dir.join(format!("src/{example}.rs")))?;
        bins.push((
            format!("{stem}-{}", example.replace('_', "-")),
            match example {
                "blinky" => "src/blinky.rs",
                _ => "src/serial_echo.rs",
            },
        ));
    }
    let features = if all {
        r#""rt", "memory-x""#.to_string()
    } else {
        example_features(&hal.dir.join("Cargo.toml"))?
            .iter()
            .map(|f| format!("\"{f}\""))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut deps = format!(
        "{} = {{ path = \"{}\", default-features = {all}, features = [{features}] }}\n\
         cortex-m = \"0.7\"\ncortex-m-rt = \"0.7\"\nembedded-hal = \"1.0\"\nembedded-io = \"0.7\"\n",
        hal.name,
        path_of(&hal.dir)
    );
    if all {
        let _ = writeln!(
            deps,
            "# Every peripheral of the PAC, not only those the HAL uses.\n{} = {{ path = \"{}\", default-features = false, features = [\"all\"] }}",
            pac.name,
            path_of(&pac.dir)
        );
    }
    let name = format!("bench-{stem}-hal{}", if all { "-all" } else { "" });
    std::fs::write(dir.join("Cargo.toml"), manifest(&name, &bins, &deps))?;
    std::fs::write(dir.join("build.rs"), BUILD_RS)?;
    Ok(App {
        dir: dir.to_path_buf(),
        bins: bins.into_iter().map(|(b, _)| b).collect(),
        pac: pac.clone(),
        rebuilt: vec![pac.name.clone(), hal.name.clone(), name],
    })
}

/// The union of the `required-features` of the HAL's examples: `rt`,
/// `memory-x` and the driver instances they use.
fn example_features(manifest: &Path) -> Result<Vec<String>> {
    let text = std::fs::read_to_string(manifest)?;
    let doc: toml::Table = text
        .parse()
        .with_context(|| manifest.display().to_string())?;
    let mut features: Vec<String> = doc
        .get("example")
        .and_then(|e| e.as_array())
        .into_iter()
        .flatten()
        .filter_map(|e| e.get("required-features")?.as_array())
        .flatten()
        .filter_map(|f| f.as_str().map(str::to_string))
        .collect();
    features.sort();
    features.dedup();
    Ok(features)
}

/// (c): blinky on svd2rust's PAC with the table's register writes.
pub fn raw_app(
    dir: &Path,
    chip: &str,
    stem: &str,
    pac: &Crate,
    memory_x: &Path,
) -> Result<App, String> {
    write_raw_app(dir, chip, stem, pac, memory_x).map_err(|e| format!("{e:#}"))
}

fn write_raw_app(dir: &Path, chip: &str, stem: &str, pac: &Crate, memory_x: &Path) -> Result<App> {
    let (_, setup, toggle) = RAW_BLINKY
        .iter()
        .find(|(c, _, _)| *c == chip)
        .with_context(|| format!("no raw blinky for {chip} in bench/apps.rs"))?;
    std::fs::create_dir_all(dir.join("src"))?;
    std::fs::write(dir.join("src/blinky.rs"), raw_blinky(chip, setup, toggle))?;
    std::fs::copy(memory_x, dir.join("memory.x")).context("hal-gen's memory.x")?;
    std::fs::write(dir.join("build.rs"), RAW_BUILD_RS)?;
    let bin = format!("{stem}-raw-blinky");
    let deps = format!(
        "pac = {{ package = \"{}\", path = \"{}\", features = [\"rt\", \"critical-section\"] }}\n\
         cortex-m = {{ version = \"0.7\", features = [\"critical-section-single-core\"] }}\ncortex-m-rt = \"0.7\"\n",
        pac.name,
        path_of(&pac.dir)
    );
    let name = format!("bench-{stem}-svd2rust");
    std::fs::write(
        dir.join("Cargo.toml"),
        manifest(&name, &[(bin.clone(), "src/blinky.rs")], &deps),
    )?;
    Ok(App {
        dir: dir.to_path_buf(),
        bins: vec![bin],
        pac: pac.clone(),
        rebuilt: vec![pac.name.clone(), name],
    })
}

fn raw_blinky(chip: &str, setup: &str, toggle: &str) -> String {
    format!(
        "//! Blink pin 0 of the first GPIO port of {chip} with raw register
//! writes on svd2rust's PAC, timed by SysTick. Written by `cargo xtask bench`.
#![no_std]
#![no_main]
// `bits` is unsafe on some registers and safe on others.
#![allow(unused_unsafe)]

use cortex_m_rt::entry;

/// The core clock after reset; as in the HAL's examples.
const CORE_CLOCK_HZ: u32 = 12_000_000;

#[entry]
fn main() -> ! {{
    let p = pac::Peripherals::take().unwrap();
    let cp = cortex_m::Peripherals::take().unwrap();
    let mut delay = cortex_m::delay::Delay::new(cp.SYST, CORE_CLOCK_HZ);
    unsafe {{
        {setup}
    }}
    loop {{
        unsafe {{
            {toggle}
        }}
        delay.delay_ms(500);
    }}
}}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {{
    loop {{
        cortex_m::asm::nop();
    }}
}}
"
    )
}
