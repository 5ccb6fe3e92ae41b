//! The small application of figures 3 and 4, written three ways:
//! (a) blinky + serial echo on hal-gen's HAL (its own examples, copied),
//! with default features off and only the examples' driver instances on,
//! so the PAC builds only those peripherals; (b) the same with every
//! driver and the PAC's `all` feature on (enums stay off in both, as the
//! HAL leaves them); (c) a blinky with raw register access on svd2rust's
//! PAC, no HAL: the baseline; (d) the same blinky on svd2rust's PAC
//! generated with `--feature-peripheral`, only the blinky's peripherals
//! enabled: the fair baseline for (a), which also builds only what it
//! uses. svd2rust has no enum gate, so (c) and (d) keep its enums.

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

/// A blinky on svd2rust's PAC for one chip.
pub struct RawBlinky {
    pub chip: &'static str,
    /// Clock gate and direction, run once.
    pub setup: &'static str,
    /// The toggle, run every half second.
    pub toggle: &'static str,
    /// The peripherals `setup` and `toggle` use (the `p.<name>` fields):
    /// the cargo features (d) enables on the feature-gated PAC.
    pub peripherals: &'static [&'static str],
    /// Features (d) enables although the blinky does not use them: svd2rust
    /// 0.37.1's `--feature-peripheral` PAC fails to compile (E0084, a
    /// `#[repr(u16)] enum Interrupt` whose variants are all cfg'd out) when
    /// no enabled peripheral has an interrupt, as GPIO on nrf51 and
    /// MB9BF50xR has none. The chip's clock controller (small, and what the
    /// other chips' blinkies enable anyway) is added there.
    pub workaround: &'static [&'static str],
}

/// Per chip, the GPIO writes of a blinky on svd2rust's PAC: clock gate and
/// direction (run once), then the toggle. Pin 0 of the first port; the
/// register names are svd2rust 0.37's accessors for each SVD. ATSAM3X8E's
/// SVD gives these registers no reset value, so svd2rust offers no `write`
/// on them, only `write_with_zero`.
pub const RAW_BLINKY: &[RawBlinky] = &[
    RawBlinky {
        chip: "LM3S6965",
        setup: "p.sysctl.rcgc2().modify(|r, w| w.bits(r.bits() | 1)); p.gpioa.dir().modify(|r, w| w.bits(r.bits() | 1)); p.gpioa.den().modify(|r, w| w.bits(r.bits() | 1));",
        toggle: "p.gpioa.data().modify(|r, w| w.bits(r.bits() ^ 1));",
        peripherals: &["sysctl", "gpioa"],
        workaround: &[],
    },
    RawBlinky {
        chip: "nrf51",
        setup: "p.gpio.dirset().write(|w| w.bits(1));",
        toggle: "p.gpio.out().modify(|r, w| w.bits(r.bits() ^ 1));",
        peripherals: &["gpio"],
        workaround: &["clock"],
    },
    RawBlinky {
        chip: "STM32F40x",
        setup: "p.rcc.ahb1enr().modify(|r, w| w.bits(r.bits() | 1)); p.gpioa.moder().modify(|r, w| w.bits((r.bits() & !3) | 1));",
        toggle: "p.gpioa.odr().modify(|r, w| w.bits(r.bits() ^ 1));",
        peripherals: &["rcc", "gpioa"],
        workaround: &[],
    },
    RawBlinky {
        chip: "ATSAM3X8E",
        setup: "p.pmc.pmc_pcer0().write_with_zero(|w| w.bits(1 << 11)); p.pioa.per().write_with_zero(|w| w.bits(1)); p.pioa.oer().write_with_zero(|w| w.bits(1));",
        toggle: "if p.pioa.odsr().read().bits() & 1 == 0 { p.pioa.sodr().write_with_zero(|w| w.bits(1)); } else { p.pioa.codr().write_with_zero(|w| w.bits(1)); }",
        peripherals: &["pmc", "pioa"],
        workaround: &[],
    },
    RawBlinky {
        chip: "MB9BF50xR",
        setup: "p.gpio.pfr0().modify(|r, w| w.bits(r.bits() & !1)); p.gpio.ddr0().modify(|r, w| w.bits(r.bits() | 1));",
        toggle: "p.gpio.pdor0().modify(|r, w| w.bits(r.bits() ^ 1));",
        peripherals: &["gpio"],
        workaround: &["crg"],
    },
    RawBlinky {
        chip: "MK64F12",
        setup: "p.sim.scgc5().modify(|r, w| w.bits(r.bits() | (1 << 9))); p.porta.pcr0().write(|w| w.bits(1 << 8)); p.gpioa.pddr().modify(|r, w| w.bits(r.bits() | 1));",
        toggle: "p.gpioa.ptor().write(|w| w.bits(1));",
        peripherals: &["sim", "porta", "gpioa"],
        workaround: &[],
    },
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

/// The table's blinky for `chip`.
pub fn raw_blinky_of(chip: &str) -> Result<&'static RawBlinky> {
    RAW_BLINKY
        .iter()
        .find(|b| b.chip == chip)
        .with_context(|| format!("no raw blinky for {chip} in bench/apps.rs"))
}

/// The flavour of svd2rust's PAC a raw blinky builds on.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum RawPac {
    /// (c) svd2rust's default output: every peripheral.
    Full,
    /// (d) `--feature-peripheral`, only the blinky's peripherals enabled.
    FeatureGated,
}

/// (c) or (d): blinky on svd2rust's PAC with the table's register writes.
pub fn raw_app(
    dir: &Path,
    chip: &str,
    stem: &str,
    pac: &Crate,
    memory_x: &Path,
    flavour: RawPac,
) -> Result<App, String> {
    write_raw_app(dir, chip, stem, pac, memory_x, flavour).map_err(|e| format!("{e:#}"))
}

/// The package name of the raw blinky application.
pub fn raw_app_name(stem: &str, flavour: RawPac) -> String {
    match flavour {
        RawPac::Full => format!("bench-{stem}-svd2rust"),
        RawPac::FeatureGated => format!("bench-{stem}-svd2rust-gated"),
    }
}

fn write_raw_app(
    dir: &Path,
    chip: &str,
    stem: &str,
    pac: &Crate,
    memory_x: &Path,
    flavour: RawPac,
) -> Result<App> {
    let blinky = raw_blinky_of(chip)?;
    std::fs::create_dir_all(dir.join("src"))?;
    std::fs::write(
        dir.join("src/blinky.rs"),
        raw_blinky(chip, blinky.setup, blinky.toggle),
    )?;
    std::fs::copy(memory_x, dir.join("memory.x")).context("hal-gen's memory.x")?;
    std::fs::write(dir.join("build.rs"), RAW_BUILD_RS)?;
    let (bin, extra) = match flavour {
        RawPac::Full => (format!("{stem}-raw-blinky"), String::new()),
        RawPac::FeatureGated => (
            format!("{stem}-raw-blinky-gated"),
            blinky
                .peripherals
                .iter()
                .chain(blinky.workaround)
                .map(|p| format!(", \"{p}\""))
                .collect(),
        ),
    };
    let deps = format!(
        "pac = {{ package = \"{}\", path = \"{}\", features = [\"rt\", \"critical-section\"{extra}] }}\n\
         cortex-m = {{ version = \"0.7\", features = [\"critical-section-single-core\"] }}\ncortex-m-rt = \"0.7\"\n",
        pac.name,
        path_of(&pac.dir)
    );
    let name = raw_app_name(stem, flavour);
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

#[cfg(test)]
mod tests {
    use super::RAW_BLINKY;
    use std::collections::BTreeSet;

    /// The `p.<peripheral>` fields a snippet uses.
    fn fields(code: &str) -> BTreeSet<String> {
        code.split("p.")
            .skip(1)
            .filter_map(|rest| rest.split('.').next().map(str::to_string))
            .collect()
    }

    #[test]
    fn gated_features_are_the_peripherals_the_blinky_touches() {
        for b in RAW_BLINKY {
            let used: BTreeSet<String> =
                fields(b.setup).union(&fields(b.toggle)).cloned().collect();
            let listed: BTreeSet<String> = b.peripherals.iter().map(|p| p.to_string()).collect();
            assert_eq!(used, listed, "{}", b.chip);
        }
    }
}
