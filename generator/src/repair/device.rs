//! Device-level properties svd2rust relies on.

use super::Ctx;
use serde::Deserialize;
use svd_rs::{Cpu, Device, Endian, ValidateLevel};

const CORE_TABLE: &str = include_str!("../../data/cores.toml");

#[derive(Deserialize)]
struct CoreTable {
    core: Vec<CoreEntry>,
}

#[derive(Deserialize)]
struct CoreEntry {
    prefix: String,
    core: String,
    #[serde(default)]
    fpu: bool,
    nvic_prio_bits: u32,
    source: String,
}

/// The core of a CPU-less chip, from `data/cores.toml`.
fn core_for(device_name: &str) -> Option<(Cpu, String)> {
    // Compiled-in data, parsed by a unit test: it cannot fail at run time.
    let table: CoreTable = toml::from_str(CORE_TABLE).expect("data/cores.toml is valid");
    let name = device_name.to_ascii_uppercase();
    let entry = table
        .core
        .into_iter()
        .find(|e| name.starts_with(&e.prefix.to_ascii_uppercase()))?;
    let cpu = Cpu::builder()
        .name(entry.core)
        .revision("r0p0".into())
        .endian(Endian::Little)
        .mpu_present(false)
        .fpu_present(entry.fpu)
        .nvic_priority_bits(entry.nvic_prio_bits)
        .has_vendor_systick(false)
        .build(ValidateLevel::Disabled)
        .ok()?;
    Some((cpu, entry.source))
}

#[cfg(test)]
#[test]
fn core_table_parses_and_matches() {
    let (cpu, _) = core_for("STM32F030").unwrap();
    assert_eq!(cpu.name, "CM0");
    let (cpu, _) = core_for("MB9B560R").unwrap();
    assert!(cpu.fpu_present);
    assert!(core_for("NOTACHIP").is_none());
}

pub(super) fn run(device: &mut Device, ctx: &mut Ctx) {
    if device.address_unit_bits != 8 {
        let was = device.address_unit_bits;
        device.address_unit_bits = 8;
        ctx.repair_device(
            "address-unit-bits",
            &device.name.clone(),
            format!("addressUnitBits was {was}; Cortex-M and every svd2rust target address bytes, set to 8"),
        );
    }
    if !matches!(device.width, 8 | 16 | 32 | 64) {
        let was = device.width;
        device.width = 32;
        ctx.repair_device(
            "device-width",
            &device.name.clone(),
            format!("width was {was}, set to 32"),
        );
    }
    if device.cpu.is_none() {
        let name = device.name.clone();
        match core_for(&name) {
            Some((cpu, source)) => {
                ctx.repair_device(
                    "cpu-from-table",
                    &name,
                    format!(
                        "no <cpu>; core {} (fpu: {}) from hal-gen's core table: {source}",
                        cpu.name, cpu.fpu_present
                    ),
                );
                device.cpu = Some(cpu);
            }
            None => {
                // The core may still be clear from the content (a RISC-V
                // interrupt controller, ...): word the warning as decided.
                let target = crate::target::TargetInfo::from_device(device);
                let assumed = match (target.arch, target.triple) {
                    (crate::target::Arch::RiscV, Some(triple)) => {
                        format!("RISC-V from its content, built for {triple}")
                    }
                    _ => "assuming Cortex-M3 (thumbv7m-none-eabi)".to_string(),
                };
                ctx.warn_device(
                    "cpu-unknown",
                    &name,
                    format!("no <cpu> and the chip is not in hal-gen's core table; {assumed}"),
                )
            }
        }
    }
    interrupts_in_range(device, ctx);
    if device.name.trim().is_empty() {
        device.name = "chip".into();
        ctx.repair_device(
            "device-name",
            "chip",
            "the device has no name; called it `chip`",
        );
    }
}

/// The NVIC of an ARMv6-M core (Cortex-M0, M0+, M1) has at most 32
/// external interrupts; cortex-m-rt refuses to link a vector table with
/// more. ARMv7-M and ARMv8-M allow 496 (480 on ARMv7-M implementations).
fn interrupts_in_range(device: &mut Device, ctx: &mut Ctx) {
    let Some(cpu) = &device.cpu else { return };
    let core = cpu.name.to_ascii_uppercase();
    let limit: u32 = if ["CM0", "CM0PLUS", "CM0+", "CM1", "SC000"].contains(&core.as_str()) {
        32
    } else {
        480
    };
    let mut dropped = Vec::new();
    for p in &mut device.peripherals {
        let periph = p.name.clone();
        p.interrupt.retain(|i| {
            let keep = i.value < limit;
            if !keep {
                dropped.push((periph.clone(), i.name.clone(), i.value));
            }
            keep
        });
    }
    for (periph, name, value) in dropped {
        ctx.repair(
            "interrupt-out-of-range",
            &periph,
            format!(
                "interrupt `{name}` is IRQ {value}, but a {core} has IRQs 0 to {}; dropped",
                limit - 1
            ),
        );
    }
}
