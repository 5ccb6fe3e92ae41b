//! The per-chip harness firmware: a crate that links the generated HAL
//! with `hal-gen-conformance` and runs the board's tests. Rendered from
//! `templates/conformance/` with a typed context; every name is resolved
//! here from the chip's classification, so a board that names an instance
//! the HAL has no driver for fails before anything is built.

use super::board::{Board, CAPABILITIES};
use super::ConformanceError;
use crate::catalogue::{Catalogue, Kind};
use crate::hal::{driver_context, DriverContext};
use crate::render::Renderer;
use crate::Generated;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Debug, Serialize)]
pub struct HarnessContext {
    pub generator_version: &'static str,
    pub chip: String,
    pub board: String,
    pub description: String,
    pub hal_crate: String,
    pub hal_path: String,
    pub conformance_path: String,
    pub core_clock_hz: u32,
    /// A RISC-V target (riscv-rt, riscv-semihosting, `mcycle` delay);
    /// otherwise Cortex-M (cortex-m-rt, cortex-m-semihosting, SysTick).
    pub riscv: bool,
    pub skips: Vec<SkipContext>,
    pub excluded: Vec<ExcludedContext>,
    pub gpio: Option<GpioContext>,
    pub serial: Option<DriverRef>,
    pub spi: Option<SpiContext>,
    pub i2c: Option<I2cContext>,
    /// Cortex-M: SysTick and a timer measure each other.
    pub delay: Option<DelayContext>,
    /// RISC-V: `mtime` measures the HAL's `mcycle` delay.
    pub mtime: Option<MtimeContext>,
    pub pwm: Option<PwmContext>,
}

#[derive(Debug, Serialize)]
pub struct MtimeContext {
    pub address: String,
    pub hz: u32,
}

#[derive(Debug, Serialize)]
pub struct ExcludedContext {
    pub name: String,
    pub reason: String,
}

#[derive(Debug, Serialize)]
pub struct SkipContext {
    pub capability: &'static str,
    pub reason: String,
}

/// A driver of the generated HAL: where it lives and how to make one.
#[derive(Debug, Serialize)]
pub struct DriverRef {
    pub instance: String,
    pub module: String,
    pub type_name: String,
    pub singleton: String,
    pub clock_hz: u32,
}

#[derive(Debug, Serialize)]
pub struct GpioContext {
    pub instance: String,
    pub module: String,
    pub singleton: String,
    /// `.porta` where the instance holds several ports, else empty.
    pub port: String,
    pub pin: u32,
    pub no_readback: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct SpiContext {
    #[serde(flatten)]
    pub driver: DriverRef,
    pub loopback_address: Option<String>,
    pub loopback_bit: u32,
    pub flash_command: String,
    pub flash_id: String,
    pub flash_response_len: usize,
}

#[derive(Debug, Serialize)]
pub struct I2cContext {
    #[serde(flatten)]
    pub driver: DriverRef,
    pub device: String,
    pub address: String,
    pub absent: String,
    pub read_register: String,
    pub read_value: String,
    pub write_register: String,
    pub write_value: String,
}

#[derive(Debug, Serialize)]
pub struct DelayContext {
    #[serde(flatten)]
    pub driver: DriverRef,
    pub timer_clock_hz: u32,
}

#[derive(Debug, Serialize)]
pub struct PwmContext {
    #[serde(flatten)]
    pub driver: DriverRef,
    pub channel: usize,
    pub period_ticks: u32,
    /// From the board file (the reference manual), not the HAL's binding.
    pub compare_addr: String,
}

fn bytes(b: &[u8]) -> String {
    let items: Vec<String> = b.iter().map(|x| format!("{x:#04x}")).collect();
    format!("[{}]", items.join(", "))
}

fn driver(
    g: &Generated,
    catalogue: &Catalogue,
    board: &Board,
    instance: &str,
    kind: Kind,
) -> Result<DriverContext, ConformanceError> {
    let missing = || ConformanceError::NoDriver {
        board: board.name.clone(),
        instance: instance.into(),
        kind: kind.as_str(),
    };
    let class = g
        .classes
        .iter()
        .find(|c| c.instance == instance)
        .ok_or_else(missing)?;
    let m = class.best(kind).ok_or_else(missing)?;
    driver_context(&g.chip, class, m, catalogue).ok_or_else(missing)
}

fn driver_ref(d: &DriverContext, clock_hz: u32) -> DriverRef {
    DriverRef {
        instance: d.instance.clone(),
        module: d.module.clone(),
        type_name: d.type_name.clone(),
        singleton: d.pac_singleton.clone(),
        clock_hz,
    }
}

/// Resolve the board's instances against the generated HAL.
pub fn context(
    g: &Generated,
    catalogue: &Catalogue,
    board: &Board,
    hal_path: &Path,
    conformance_path: &Path,
) -> Result<HarnessContext, ConformanceError> {
    let riscv = g.chip.target.triple.is_some_and(|t| t.starts_with("riscv"));
    // Each reference clock belongs to one core's harness.
    if let Some(b) = &board.delay {
        if riscv == b.mtime.is_none() {
            return Err(ConformanceError::Board {
                path: format!("{}.toml", board.name).into(),
                message: format!(
                    "delay: {} is a {} chip: use `{}`",
                    g.chip.name,
                    if riscv { "RISC-V" } else { "Cortex-M" },
                    if riscv {
                        "mtime"
                    } else {
                        "timer` and `timer_clock_hz"
                    }
                ),
            });
        }
    }
    let gpio = match &board.gpio {
        None => None,
        Some(b) => {
            let d = driver(g, catalogue, board, &b.instance, Kind::Gpio)?;
            let port = d
                .units
                .first()
                .map(|u| format!(".{}", u.ident))
                .unwrap_or_default();
            Some(GpioContext {
                instance: d.instance.clone(),
                module: d.module.clone(),
                singleton: d.pac_singleton.clone(),
                port,
                pin: b.pin,
                no_readback: b.no_readback.clone(),
            })
        }
    };
    let serial = match &board.serial {
        None => None,
        Some(b) => Some(driver_ref(
            &driver(g, catalogue, board, &b.instance, Kind::Uart)?,
            b.clock_hz,
        )),
    };
    let spi = match &board.spi {
        None => None,
        Some(b) => {
            let d = driver(g, catalogue, board, &b.instance, Kind::Spi)?;
            let flash = b.flash.as_ref();
            Some(SpiContext {
                driver: driver_ref(&d, b.clock_hz),
                loopback_address: b.loopback.as_ref().map(|l| format!("{:#010x}", l.address)),
                loopback_bit: b.loopback.as_ref().map_or(0, |l| l.bit),
                flash_command: format!("{:#04x}", flash.map_or(0, |f| f.command)),
                flash_id: bytes(&flash.map_or([0; 3], |f| f.id)),
                flash_response_len: flash.map_or(0, |f| f.response_len),
            })
        }
    };
    let i2c = match &board.i2c {
        None => None,
        Some(b) => {
            let d = driver(g, catalogue, board, &b.instance, Kind::I2c)?;
            Some(I2cContext {
                driver: driver_ref(&d, b.clock_hz),
                device: b.device.clone(),
                address: format!("{:#04x}", b.address),
                absent: format!("{:#04x}", b.absent),
                read_register: format!("{:#04x}", b.read_register),
                read_value: bytes(&b.read_value),
                write_register: format!("{:#04x}", b.write_register),
                write_value: bytes(&b.write_value),
            })
        }
    };
    let delay = match board.delay.as_ref().map(|b| (&b.timer, b.timer_clock_hz)) {
        Some((Some(timer), Some(hz))) => {
            let d = driver(g, catalogue, board, timer, Kind::Timer)?;
            Some(DelayContext {
                driver: driver_ref(&d, hz),
                timer_clock_hz: hz,
            })
        }
        _ => None,
    };
    let mtime = board
        .delay
        .as_ref()
        .and_then(|b| b.mtime.as_ref())
        .map(|m| MtimeContext {
            address: format!("{:#010x}", m.address),
            hz: m.hz,
        });
    let pwm = match &board.pwm {
        None => None,
        Some(b) => {
            let d = driver(g, catalogue, board, &b.instance, Kind::Timer)?;
            if !d.provides.contains(&"pwm") {
                return Err(ConformanceError::NoDriver {
                    board: board.name.clone(),
                    instance: b.instance.clone(),
                    kind: "pwm",
                });
            }
            Some(PwmContext {
                driver: driver_ref(&d, 0),
                channel: b.channel,
                period_ticks: b.period_ticks,
                compare_addr: format!("{:#010x}", b.compare_address),
            })
        }
    };
    let skips = CAPABILITIES
        .iter()
        .filter_map(|&cap| {
            board.skip_reason(cap).map(|reason| SkipContext {
                capability: cap,
                reason: reason.replace('"', "'"),
            })
        })
        .collect();
    Ok(HarnessContext {
        generator_version: env!("CARGO_PKG_VERSION"),
        chip: g.chip.name.clone(),
        board: board.name.clone(),
        description: board.description.clone(),
        hal_crate: g.chip.hal_crate_name(),
        hal_path: hal_path.display().to_string(),
        conformance_path: conformance_path.display().to_string(),
        core_clock_hz: board.core_clock_hz,
        riscv,
        skips,
        excluded: board
            .exclude
            .iter()
            .map(|(name, reason)| ExcludedContext {
                name: name.clone(),
                reason: reason.replace('"', "'"),
            })
            .collect(),
        gpio,
        serial,
        spi,
        i2c,
        delay,
        mtime,
        pwm,
    })
}

/// The harness crate's files, by path inside the crate.
pub fn render(
    renderer: &Renderer,
    ctx: &HarnessContext,
) -> Result<BTreeMap<String, String>, crate::Error> {
    let mut files = BTreeMap::new();
    for (path, template) in [
        ("Cargo.toml", "conformance/Cargo.toml.j2"),
        ("build.rs", "conformance/build.rs.j2"),
        ("src/main.rs", "conformance/main.rs.j2"),
    ] {
        files.insert(path.to_string(), renderer.render(template, ctx)?);
    }
    Ok(files)
}
