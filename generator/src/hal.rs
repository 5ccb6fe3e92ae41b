//! Stage 3d: the HAL crate. Turns classified instances into typed template
//! contexts and renders one driver module per recognised instance, the
//! per-kind modules with the embedded-hal impls, skeletons for the rest,
//! and examples.
//!
//! Every value a template prints is prepared here: identifiers already cased
//! (heck), addresses and masks already formatted.

use crate::catalogue::{Capability, Catalogue, Kind};
use crate::classify::{Binding, GateBinding, InstanceClass, Match};
use crate::error::Error;
use crate::model::Chip;
use crate::render::Renderer;
use heck::{ToPascalCase, ToShoutySnakeCase, ToSnakeCase};
use minijinja::value::{merge_maps, Value};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Which module of the HAL holds a kind's drivers.
fn module_of(kind: Kind) -> &'static str {
    match kind {
        Kind::Gpio => "gpio",
        Kind::Uart => "serial",
        Kind::Spi => "spi",
        Kind::I2c => "i2c",
        Kind::Timer => "timer",
    }
}

#[derive(Debug, Serialize)]
pub struct HalCrateContext {
    pub crate_name: String,
    pub crate_ident: String,
    pub pac_crate: String,
    pub pac_ident: String,
    pub chip_name: String,
    pub svd_file: String,
    pub generator_version: &'static str,
    pub cortex_m: bool,
    /// A RISC-V core: `riscv`/`riscv-rt`, `DelayNs` on `mcycle`.
    pub riscv: bool,
    pub target_triple: Option<&'static str>,
    /// One per driver instance: its PAC peripheral's feature, which is
    /// also the HAL feature that compiles the driver.
    pub pac_features: Vec<String>,
    pub kinds: Vec<KindContext>,
    pub skeletons: Vec<SkeletonContext>,
    pub examples: Vec<ExampleContext>,
    /// One row per capability for the README.
    pub capabilities: Vec<CapabilityRow>,
}

#[derive(Debug, Serialize)]
pub struct KindContext {
    pub kind: &'static str,
    pub module: &'static str,
    pub drivers: Vec<DriverContext>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DriverContext {
    pub kind: &'static str,
    pub family: String,
    pub family_description: String,
    pub template: String,
    pub instance: String,
    /// Module file name, snake case (`uart0`).
    pub module: String,
    /// Driver type name, Pascal case (`Uart0`).
    pub type_name: String,
    /// The PAC's peripheral type and singleton field.
    pub pac_type: String,
    pub pac_singleton: String,
    pub pac_feature: String,
    pub base: String,
    pub line: Option<u32>,
    pub description: String,
    pub score: String,
    pub provides: Vec<&'static str>,
    /// Role → binding, for roles without `{n}`.
    pub r: BTreeMap<String, RoleContext>,
    pub units: Vec<UnitContext>,
    pub params: BTreeMap<String, serde_json::Value>,
    pub clock_gate: Option<GateContext>,
}

#[derive(Debug, Clone, Serialize)]
pub struct UnitContext {
    pub id: String,
    /// Lower-case id for identifiers (`porta`, `ch1`).
    pub ident: String,
    pub index: usize,
    /// The unit's roles, with the instance-wide ones merged in.
    pub r: BTreeMap<String, RoleContext>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RoleContext {
    /// `REG` or `REG.FIELD`, as in the SVD.
    pub svd_name: String,
    /// Constant name in the driver's `regs` module (`TXFF`).
    pub ident: String,
    /// Absolute address, hex.
    pub addr: String,
    /// `u8`, `u16` or `u32`: the register's access width.
    pub rty: &'static str,
    pub bit: u32,
    pub width: u32,
    /// The field's bits in place (`0x0000_0020`).
    pub mask: String,
    /// The largest value the field holds (`0x3f` for 6 bits).
    pub max: String,
    pub used_bits: u32,
    /// Array length and stride, when the register or its cluster repeats.
    pub count: u32,
    pub stride: u32,
    pub is_field: bool,
    pub line: Option<u32>,
}

#[derive(Debug, Clone, Serialize)]
pub struct GateContext {
    pub svd_name: String,
    pub addr: String,
    pub rty: &'static str,
    pub bit: u32,
    pub write_only: bool,
    pub line: Option<u32>,
}

#[derive(Debug, Serialize)]
pub struct SkeletonContext {
    pub instance: String,
    pub type_name: String,
    pub pac_type: String,
    pub pac_feature: String,
    pub base: String,
    pub line: Option<u32>,
    pub description: String,
    /// Kinds the name suggests ("looks like a UART").
    pub hinted: Vec<&'static str>,
    /// Registers a maintainer would start from.
    pub candidate_registers: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct ExampleContext {
    pub name: &'static str,
    pub driver: DriverContext,
    pub pin: u32,
}

#[derive(Debug, Serialize)]
pub struct CapabilityRow {
    pub capability: &'static str,
    pub traits: &'static str,
    pub status: &'static str,
    pub instances: String,
}

fn hex(v: u64) -> String {
    let s = format!("{v:08x}");
    let mut out = String::from("0x");
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 4 == 0 {
            out.push('_');
        }
        out.push(c);
    }
    out
}

fn rty(size: u32) -> &'static str {
    match size {
        8 => "u8",
        16 => "u16",
        _ => "u32",
    }
}

fn role_context(role: &str, b: &Binding, base: u64) -> RoleContext {
    let mask = if b.width >= 32 {
        u64::from(u32::MAX)
    } else {
        ((1u64 << b.width) - 1) << b.bit
    };
    RoleContext {
        svd_name: match &b.field {
            Some(f) => format!("{}.{f}", b.register),
            None => b.register.clone(),
        },
        ident: role.to_shouty_snake_case(),
        addr: hex(base + b.offset),
        rty: rty(b.size),
        bit: b.bit,
        width: b.width,
        mask: hex(mask),
        max: format!(
            "{:#x}",
            if b.width >= 32 {
                u64::from(u32::MAX)
            } else {
                (1u64 << b.width) - 1
            }
        ),
        used_bits: b.used_bits,
        count: b.dim.map_or(1, |d| d.0),
        stride: b.dim.map_or(0, |d| d.1),
        is_field: b.field.is_some(),
        line: b.line,
    }
}

fn gate_context(g: &GateBinding) -> GateContext {
    GateContext {
        svd_name: format!("{}.{}.{}", g.peripheral, g.register, g.field),
        addr: hex(g.address),
        rty: rty(g.size),
        bit: g.bit,
        write_only: g.write_only,
        line: g.line,
    }
}

fn pac_ident(kind: &str, name: &str) -> String {
    let formats = svd2rust::config::IdentFormats::default_theme();
    match formats.get(kind) {
        Some(f) => f.apply(name).into_owned(),
        None => name.to_string(),
    }
}

/// Text from an SVD or a family file, made safe for a doc comment:
/// `PIN_CNF[n]` is not an intra-doc link and `<n>` is not an HTML tag.
fn doc_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '[' | ']' | '<' | '>') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The driver context of one instance's match.
pub fn driver_context(
    chip: &Chip,
    class: &InstanceClass,
    m: &Match,
    catalogue: &Catalogue,
) -> Option<DriverContext> {
    let periph = chip.peripherals.iter().find(|p| p.name == class.instance)?;
    let family = catalogue.families.iter().find(|f| f.name == m.family)?;
    let base = periph.base_address;
    let roles = |bindings: &BTreeMap<String, Binding>| {
        bindings
            .iter()
            .map(|(role, b)| (role.clone(), role_context(role, b, base)))
            .collect()
    };
    Some(DriverContext {
        kind: module_of(m.kind),
        family: m.family.clone(),
        family_description: doc_text(&family.description),
        template: family.template.clone(),
        instance: class.instance.clone(),
        module: class.instance.to_snake_case(),
        type_name: class.instance.to_pascal_case(),
        pac_type: pac_ident("peripheral", &class.instance),
        pac_singleton: pac_ident("peripheral_singleton", &class.instance),
        pac_feature: periph.feature.clone(),
        base: hex(base),
        line: periph.line,
        description: doc_text(periph.description.as_deref().unwrap_or_default()),
        score: format!("{:.2}", m.score),
        provides: m.provides.iter().map(|c| c.as_str()).collect(),
        r: roles(&m.bindings),
        units: m
            .units
            .iter()
            .enumerate()
            .map(|(index, u)| {
                // Instance-wide roles are merged in, so a template renders
                // a unit from one map.
                let mut r: BTreeMap<String, RoleContext> = roles(&m.bindings);
                r.extend(roles(&u.bindings));
                UnitContext {
                    id: u.id.clone(),
                    ident: u.id.to_ascii_lowercase(),
                    index,
                    r,
                }
            })
            .collect(),
        params: family.params.clone(),
        clock_gate: m.clock_gate.as_ref().map(gate_context),
    })
}

/// Every file of the HAL crate, relative to its directory.
pub fn crate_files(
    chip: &Chip,
    classes: &[InstanceClass],
    catalogue: &Catalogue,
    pac_features: &[String],
    renderer: &Renderer,
) -> Result<BTreeMap<String, String>, Error> {
    let ctx = crate_context(chip, classes, catalogue, pac_features);
    let mut files = BTreeMap::new();
    files.insert(
        "Cargo.toml".into(),
        renderer.render("hal/Cargo.toml.j2", &ctx)?,
    );
    files.insert(
        "README.md".into(),
        renderer.render("hal/README.md.j2", &ctx)?,
    );
    files.insert("src/lib.rs".into(), renderer.render("hal/lib.rs.j2", &ctx)?);
    files.insert("src/reg.rs".into(), renderer.render("hal/reg.rs.j2", &ctx)?);
    files.insert(
        "src/time.rs".into(),
        renderer.render("hal/time.rs.j2", &ctx)?,
    );
    if ctx.cortex_m {
        files.insert(
            "src/delay.rs".into(),
            renderer.render("hal/delay.rs.j2", &ctx)?,
        );
    } else if ctx.riscv {
        files.insert(
            "src/delay.rs".into(),
            renderer.render("hal/delay_riscv.rs.j2", &ctx)?,
        );
    }
    if !ctx.examples.is_empty() {
        files.insert("build.rs".into(), renderer.render("hal/build.rs.j2", &ctx)?);
    }
    if !ctx.skeletons.is_empty() {
        files.insert(
            "src/skeleton.rs".into(),
            renderer.render("hal/skeleton.rs.j2", &ctx)?,
        );
    }
    // Kind, driver and example files each see the crate context plus one
    // field of their own. The crate context becomes a template value once,
    // rather than being serialised again for every one of those files.
    let krate = Value::from_serialize(&ctx);
    let with = |name: &str, value: Value| {
        merge_maps([Value::from_iter([(name.to_string(), value)]), krate.clone()])
    };
    for k in &ctx.kinds {
        let kctx = with("k", Value::from_serialize(k));
        files.insert(
            format!("src/{}/mod.rs", k.module),
            renderer.render(&format!("hal/{}/mod.rs.j2", k.module), &kctx)?,
        );
        files.insert(
            format!("src/{}/impls.rs", k.module),
            renderer.render(&format!("hal/{}/impls.rs.j2", k.module), &kctx)?,
        );
        for d in &k.drivers {
            files.insert(
                format!("src/{}/{}.rs", k.module, d.module),
                renderer.render(&d.template, &with("d", Value::from_serialize(d)))?,
            );
        }
    }
    for e in &ctx.examples {
        files.insert(
            format!("examples/{}.rs", e.name),
            renderer.render(
                &format!("hal/examples/{}.rs.j2", e.name),
                &with("e", Value::from_serialize(e)),
            )?,
        );
    }
    Ok(files)
}

pub fn crate_context(
    chip: &Chip,
    classes: &[InstanceClass],
    catalogue: &Catalogue,
    pac_features: &[String],
) -> HalCrateContext {
    let mut by_kind: BTreeMap<Kind, Vec<DriverContext>> = BTreeMap::new();
    let mut skeletons = Vec::new();
    let mut needed = BTreeSet::new();
    for class in classes {
        let Some(periph) = chip.peripherals.iter().find(|p| p.name == class.instance) else {
            continue;
        };
        // svd2rust makes no type for a peripheral without registers.
        if !pac_features.contains(&periph.feature) {
            continue;
        }
        let mut matched = false;
        for m in &class.matches {
            if let Some(d) = driver_context(chip, class, m, catalogue) {
                needed.insert(d.pac_feature.clone());
                by_kind.entry(m.kind).or_default().push(d);
                matched = true;
            }
        }
        if !matched {
            skeletons.push(SkeletonContext {
                instance: class.instance.clone(),
                type_name: class.instance.to_pascal_case(),
                pac_type: pac_ident("peripheral", &class.instance),
                pac_feature: periph.feature.clone(),
                base: hex(periph.base_address),
                line: periph.line,
                description: doc_text(periph.description.as_deref().unwrap_or_default()),
                hinted: class.hinted.iter().map(|k| k.as_str()).collect(),
                candidate_registers: class.registers.clone(),
            });
        }
    }
    let kinds: Vec<KindContext> = by_kind
        .into_iter()
        .map(|(kind, drivers)| KindContext {
            kind: kind.as_str(),
            module: module_of(kind),
            drivers,
        })
        .collect();
    let cortex_m = chip.target.arch == crate::target::Arch::CortexM;
    let riscv = chip.target.arch == crate::target::Arch::RiscV;
    let first = |kind: &str, cap: &str| {
        kinds
            .iter()
            .filter(|k| k.kind == kind)
            .flat_map(|k| &k.drivers)
            .find(|d| d.provides.contains(&cap))
            .cloned()
    };
    let mut examples = Vec::new();
    if cortex_m || riscv {
        if let Some(d) = first("gpio", "gpio") {
            examples.push(ExampleContext {
                name: "blinky",
                driver: d,
                pin: 0,
            });
        }
        if let Some(d) = first("uart", "serial") {
            examples.push(ExampleContext {
                name: "serial_echo",
                driver: d,
                pin: 0,
            });
        }
    }
    let capabilities = Capability::ALL
        .iter()
        .map(|cap| {
            let names: Vec<&str> = kinds
                .iter()
                .flat_map(|k| &k.drivers)
                .filter(|d| d.provides.contains(&cap.as_str()))
                .map(|d| d.instance.as_str())
                .collect();
            // The core's own delay: SysTick on Cortex-M, mcycle on RISC-V.
            let core_delay = match (*cap == Capability::Delay, cortex_m, riscv) {
                (true, true, _) => Some("SysTick"),
                (true, _, true) => Some("mcycle"),
                _ => None,
            };
            CapabilityRow {
                capability: cap.as_str(),
                traits: cap.traits(),
                status: if names.is_empty() && core_delay.is_none() {
                    "absent"
                } else {
                    "generated"
                },
                instances: match (core_delay, names.is_empty()) {
                    (Some(core), true) => core.into(),
                    (Some(core), false) => format!("{core}, {}", names.join(", ")),
                    _ => names.join(", "),
                },
            }
        })
        .collect();
    HalCrateContext {
        crate_name: chip.hal_crate_name(),
        crate_ident: chip.hal_crate_name().to_snake_case(),
        pac_crate: chip.pac_crate_name(),
        pac_ident: chip.pac_crate_name().to_snake_case(),
        chip_name: chip.name.clone(),
        svd_file: chip.svd_file.clone(),
        generator_version: env!("CARGO_PKG_VERSION"),
        cortex_m,
        riscv,
        target_triple: chip.target.triple,
        pac_features: needed.into_iter().collect(),
        kinds,
        skeletons,
        examples,
        capabilities,
    }
}
