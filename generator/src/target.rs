//! Which core an SVD describes, and so which Rust target (and svd2rust
//! target) its crates build for.
//!
//! `<cpu><name>` decides when it names a core this module knows. A RISC-V
//! part is also recognised from its own content: a RISC-V interrupt
//! controller (CLINT, PLIC, CLIC, …), `mtime`/`mtimecmp` registers, or the
//! words RISC-V in its descriptions. What the SVD settles and what is
//! assumed is written down in [`TargetInfo::notes`], which the coverage
//! record carries.

use serde::Serialize;
use svd_rs::Device;

/// The architecture family svd2rust generates for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Arch {
    CortexM,
    RiscV,
    /// Anything svd2rust has no runtime support for (Cortex-A/R, ARM9, …):
    /// the PAC is generated without interrupt or runtime glue.
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TargetInfo {
    pub arch: Arch,
    /// The CPU name as the SVD spells it (`CM4`), or `None` if it has no `<cpu>`.
    pub cpu: Option<String>,
    /// The Rust target triple firmware for this chip builds for, if any.
    pub triple: Option<&'static str>,
    /// True when the triple rests on an assumption (see `notes`).
    pub assumed: bool,
    /// RISC-V only: the ISA the triple was chosen for (`rv32imac`), as far
    /// as the SVD tells it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub isa: Option<String>,
    /// False for application-class cores (64-bit RISC-V): the crates build
    /// for bare metal, but such a chip is not a microcontroller target.
    pub microcontroller: bool,
    /// How the core was decided, and what was assumed, in words.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// RISC-V interrupt controllers and timers: peripherals no Cortex-M part
/// has (it has an NVIC and SysTick instead). Matched as name tokens, with
/// trailing instance digits dropped (`sifive_clint0_0` → `clint`).
const RISCV_CONTROLLERS: &[&str] = &["clint", "aclint", "plic", "aplic", "clic", "eclic", "imsic"];

/// What in the SVD points at a RISC-V core.
#[derive(Debug, Default)]
struct RiscvEvidence {
    /// Peripherals named like a RISC-V interrupt controller.
    controllers: Vec<String>,
    /// A register named `mtime` or `mtimecmp*` (the RISC-V machine timer).
    mtime_register: Option<String>,
    /// The device's own description says RISC-V.
    device_text: bool,
    /// Some peripheral's name or description says RISC-V.
    peripheral_text: Option<String>,
}

impl RiscvEvidence {
    fn scan(device: &Device) -> Self {
        let mut e = Self {
            device_text: mentions_riscv(&device.description),
            ..Self::default()
        };
        for p in &device.peripherals {
            let named = |s: &str| {
                s.split(|c: char| !c.is_ascii_alphanumeric())
                    .map(|t| t.trim_end_matches(|c: char| c.is_ascii_digit()))
                    .any(|t| RISCV_CONTROLLERS.contains(&t.to_ascii_lowercase().as_str()))
            };
            if named(&p.name) || p.group_name.as_deref().is_some_and(named) {
                e.controllers.push(p.name.clone());
            }
            if e.peripheral_text.is_none()
                && (mentions_riscv(&p.name) || p.description.as_deref().is_some_and(mentions_riscv))
            {
                e.peripheral_text = Some(p.name.clone());
            }
            if e.mtime_register.is_none() {
                e.mtime_register = p
                    .all_registers()
                    .map(|r| r.name.to_ascii_lowercase())
                    .find(|n| n == "mtime" || n.starts_with("mtimecmp"))
                    .map(|r| format!("{}.{r}", p.name));
            }
        }
        e
    }

    fn any(&self) -> bool {
        !self.controllers.is_empty()
            || self.mtime_register.is_some()
            || self.device_text
            || self.peripheral_text.is_some()
    }

    fn describe(&self) -> String {
        let mut parts = Vec::new();
        if !self.controllers.is_empty() {
            parts.push(format!(
                "RISC-V interrupt controller peripheral(s) {}",
                self.controllers.join(", ")
            ));
        }
        if let Some(r) = &self.mtime_register {
            parts.push(format!("the machine-timer register {r}"));
        }
        if self.device_text {
            parts.push("a device description that says RISC-V".into());
        }
        if let Some(p) = &self.peripheral_text {
            parts.push(format!(
                "peripheral {p}, whose name or description says RISC-V"
            ));
        }
        parts.join("; ")
    }
}

/// `RISC-V`, `RISCV`, `RISC V` as a word, case-insensitive.
fn mentions_riscv(text: &str) -> bool {
    let upper = text.to_ascii_uppercase();
    ["RISC-V", "RISCV", "RISC V", "RISC_V"]
        .iter()
        .any(|w| upper.contains(w))
}

/// An ISA string (`RV32IMAC`, `rv64gc`, `RV32IMAFC_Zicsr`) inside `text`:
/// the XLEN and the single-letter extensions, `G` expanded.
fn find_isa(text: &str) -> Option<(u32, String)> {
    let upper = text.to_ascii_uppercase();
    let bytes = upper.as_bytes();
    let mut start = 0;
    while let Some(at) = upper[start..].find("RV") {
        let i = start + at;
        start = i + 2;
        // A word start: `RV` not preceded by a letter or digit.
        if i > 0 && bytes[i - 1].is_ascii_alphanumeric() {
            continue;
        }
        let rest = &upper[i + 2..];
        let xlen = if rest.starts_with("32") {
            32
        } else if rest.starts_with("64") {
            64
        } else {
            continue;
        };
        let letters: String = rest[2..]
            .chars()
            .take_while(|c| c.is_ascii_alphabetic())
            .collect();
        let mut exts = String::new();
        for c in letters.chars() {
            // Multi-letter extensions (Zicsr, Xfoo) start with Z/X/S; the
            // single-letter list ends there.
            if matches!(c, 'Z' | 'X' | 'S') {
                break;
            }
            let add = if c == 'G' { "IMAFD" } else { &c.to_string() };
            for a in add.chars() {
                if !exts.contains(a) {
                    exts.push(a);
                }
            }
        }
        return Some((xlen, exts));
    }
    None
}

/// The Rust bare-metal target with the most extensions the core has all
/// of. Every RV32 core runs `riscv32i`. Rust has no `riscv64i` bare-metal
/// target: an RV64 core whose extensions are unknown gets `riscv64imac`,
/// recorded as assumed.
fn triple_for(xlen: u32, exts: &str) -> &'static str {
    let has = |s: &str| s.chars().all(|c| exts.contains(c));
    let embedded = exts.contains('E') && !exts.contains('I');
    match (xlen, embedded) {
        (64, _) if has("IMAFDC") => "riscv64gc-unknown-none-elf",
        (64, _) if has("IMAC") => "riscv64imac-unknown-none-elf",
        (64, _) if has("IM") => "riscv64im-unknown-none-elf",
        (64, _) => "riscv64imac-unknown-none-elf",
        (_, true) if has("EMC") => "riscv32emc-unknown-none-elf",
        (_, true) if has("EM") => "riscv32em-unknown-none-elf",
        (_, true) => "riscv32e-unknown-none-elf",
        _ if has("IMAFC") => "riscv32imafc-unknown-none-elf",
        _ if has("IMAC") => "riscv32imac-unknown-none-elf",
        _ if has("IMC") => "riscv32imc-unknown-none-elf",
        _ if has("IMA") => "riscv32ima-unknown-none-elf",
        _ if has("IM") => "riscv32im-unknown-none-elf",
        _ => "riscv32i-unknown-none-elf",
    }
}

impl TargetInfo {
    /// Decide from the whole device: `<cpu>` first, the content where
    /// `<cpu>` is absent or contradicted.
    pub fn from_device(device: &Device) -> Self {
        let evidence = RiscvEvidence::scan(device);
        let Some(cpu) = device.cpu.as_ref() else {
            if evidence.any() {
                let note = format!(
                    "the SVD has no `<cpu>`; RISC-V from its content: {}",
                    evidence.describe()
                );
                return Self::riscv(None, device, note);
            }
            // Most CPU-less SVDs in the wild are old Cortex-M3 parts; the
            // assumption is recorded, never hidden.
            return Self {
                arch: Arch::CortexM,
                cpu: None,
                triple: Some("thumbv7m-none-eabi"),
                assumed: true,
                isa: None,
                microcontroller: true,
                notes: vec![
                    "the SVD has no `<cpu>` and nothing in it says which core it is \
                     (no RISC-V interrupt controller, machine timer or RISC-V wording): \
                     assumed Cortex-M3 (thumbv7m-none-eabi)"
                        .into(),
                ],
            };
        };
        let declared = Self::from_cpu(cpu);
        match declared.arch {
            Arch::RiscV => {
                let note = format!(
                    "`<cpu>` (or hal-gen's core table, where the SVD has none) names {}, a RISC-V core",
                    cpu.name.trim()
                );
                Self::riscv(Some(cpu.name.trim()), device, note)
            }
            // A declared Cortex-M core with a RISC-V interrupt controller and
            // a device description saying RISC-V: the <cpu> block was copied
            // from a template (a Cortex-M has an NVIC, not these).
            Arch::CortexM if !evidence.controllers.is_empty() && evidence.device_text => {
                let note = format!(
                    "`<cpu>` says {} but the SVD has {}: treated as RISC-V",
                    cpu.name.trim(),
                    evidence.describe()
                );
                let mut t = Self::riscv(None, device, note);
                t.cpu = Some(cpu.name.trim().to_string());
                t
            }
            _ => declared,
        }
    }

    /// A RISC-V core; `cpu_name` is the `<cpu><name>` when it named RISC-V.
    fn riscv(cpu_name: Option<&str>, device: &Device, why: String) -> Self {
        let mut notes = vec![why];
        let from_text = cpu_name
            .and_then(find_isa)
            .map(|i| (i, "`<cpu>`"))
            .or_else(|| find_isa(&device.description).map(|i| (i, "the device description")));
        let described_64 = {
            let d = device.description.to_ascii_lowercase();
            d.contains("64-bit") || d.contains("64 bit")
        };
        let width_64 = device.width == 64;
        let (xlen, exts, assumed) = match from_text {
            Some(((xlen, exts), source)) if !exts.is_empty() => {
                notes.push(format!("ISA RV{xlen}{exts} from {source}"));
                (xlen, exts, false)
            }
            Some(((xlen, _), source)) => {
                notes.push(format!(
                    "{source} gives XLEN {xlen} but no extensions: built for the base ISA"
                ));
                (xlen, String::new(), true)
            }
            None if described_64 => {
                notes.push("the device description says 64-bit; extensions not stated".into());
                (64, String::new(), true)
            }
            None if width_64 => {
                notes.push("`<width>` is 64: taken as RV64; extensions not stated".into());
                (64, String::new(), true)
            }
            None => {
                notes.push(
                    "the SVD states neither XLEN nor extensions: assumed RV32 and built for \
                     the base ISA riscv32i, which every RV32 core runs (a 64-bit part would \
                     need its own target)"
                        .into(),
                );
                (32, String::new(), true)
            }
        };
        let triple = triple_for(xlen, &exts);
        let microcontroller = xlen == 32;
        if !microcontroller {
            notes.push(format!(
                "64-bit RISC-V is an application-class core, not a microcontroller target: \
                 the PAC and HAL build bare-metal for {triple} so they compile, but such \
                 chips usually boot through firmware that runs an OS"
            ));
        }
        let isa = format!(
            "rv{xlen}{}",
            if exts.is_empty() {
                "i".to_string()
            } else {
                exts.to_ascii_lowercase()
            }
        );
        Self {
            arch: Arch::RiscV,
            cpu: cpu_name.map(str::to_string),
            triple: Some(triple),
            assumed,
            isa: Some(isa),
            microcontroller,
            notes,
        }
    }

    /// The core `<cpu><name>` alone names (RISC-V without its ISA).
    pub fn from_cpu(cpu: &svd_rs::Cpu) -> Self {
        let name = cpu.name.trim().to_ascii_uppercase();
        let fpu = cpu.fpu_present;
        let (arch, triple) = match name.as_str() {
            "CM0" | "CM0PLUS" | "CM0+" | "CM1" | "SC000" => {
                (Arch::CortexM, Some("thumbv6m-none-eabi"))
            }
            "CM3" | "SC300" => (Arch::CortexM, Some("thumbv7m-none-eabi")),
            "CM4" | "CM7" if fpu => (Arch::CortexM, Some("thumbv7em-none-eabihf")),
            "CM4" | "CM7" => (Arch::CortexM, Some("thumbv7em-none-eabi")),
            "CM23" | "ARMV8MBL" => (Arch::CortexM, Some("thumbv8m.base-none-eabi")),
            "CM33" | "CM35P" | "ARMV8MML" if fpu => {
                (Arch::CortexM, Some("thumbv8m.main-none-eabihf"))
            }
            "CM33" | "CM35P" | "ARMV8MML" => (Arch::CortexM, Some("thumbv8m.main-none-eabi")),
            "CM55" | "CM85" | "ARMV81MML" => (Arch::CortexM, Some("thumbv8m.main-none-eabihf")),
            n if find_isa(n).is_some() || mentions_riscv(n) => (Arch::RiscV, None),
            _ => (Arch::Other, None),
        };
        Self {
            arch,
            cpu: Some(cpu.name.trim().to_string()),
            triple,
            assumed: false,
            isa: None,
            microcontroller: arch != Arch::Other,
            notes: Vec::new(),
        }
    }

    pub fn svd2rust_target(&self) -> svd2rust::Target {
        match self.arch {
            Arch::CortexM => svd2rust::Target::CortexM,
            // svd2rust's riscv target, legacy interrupt rendering (no
            // `riscv_config`): an `Interrupt` enum, `__EXTERNAL_INTERRUPTS`
            // and device.x. The riscv-peripheral CLINT/PLIC wrappers need
            // the mtime frequency, which no SVD states.
            Arch::RiscV => svd2rust::Target::RISCV,
            Arch::Other => svd2rust::Target::None,
        }
    }

    /// Whether the PAC gets an `rt` feature with a real runtime
    /// (cortex-m-rt or riscv-rt, device.x, memory.x).
    pub fn has_rt(&self) -> bool {
        matches!(self.arch, Arch::CortexM | Arch::RiscV)
    }

    /// The runtime crate family: `cortex-m`, `riscv`, or `none`.
    pub fn runtime(&self) -> &'static str {
        match self.arch {
            Arch::CortexM => "cortex-m",
            Arch::RiscV => "riscv",
            Arch::Other => "none",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A device with `head` after `<version>` and `peripherals` (a plain
    /// UART when empty).
    fn svd(head: &str, peripherals: &str) -> Device {
        let peripherals = if peripherals.is_empty() {
            PLAIN
        } else {
            peripherals
        };
        let xml = format!(
            r#"<?xml version="1.0" encoding="utf-8"?>
<device schemaVersion="1.1">
  <name>CHIP</name>
  <version>1.0</version>
  {head}
  <addressUnitBits>8</addressUnitBits>
  <width>32</width>
  <size>32</size>
  <resetValue>0</resetValue>
  <resetMask>0xFFFFFFFF</resetMask>
  <peripherals>{peripherals}</peripherals>
</device>"#
        );
        svd_parser::parse(&xml).expect("test SVD parses")
    }

    fn device(head: &str) -> Device {
        svd(head, "")
    }

    const PLAIN: &str = r#"<peripheral><name>UART0</name><baseAddress>0x40000000</baseAddress>
      <registers><register><name>DATA</name><addressOffset>0</addressOffset></register></registers></peripheral>"#;

    fn periph(name: &str, desc: &str, reg: &str) -> String {
        format!(
            r#"<peripheral><name>{name}</name><description>{desc}</description><baseAddress>0x02000000</baseAddress>
      <registers><register><name>{reg}</name><addressOffset>0</addressOffset></register></registers></peripheral>"#
        )
    }

    fn cpu(name: &str) -> String {
        format!(
            "<cpu><name>{name}</name><revision>r0p0</revision><endian>little</endian>\
             <mpuPresent>false</mpuPresent><fpuPresent>false</fpuPresent>\
             <nvicPrioBits>4</nvicPrioBits><vendorSystickConfig>false</vendorSystickConfig></cpu>"
        )
    }

    #[test]
    fn cpu_names_an_isa() {
        let t = TargetInfo::from_device(&device(&cpu("RV32IMC")));
        assert_eq!(t.arch, Arch::RiscV);
        assert_eq!(t.triple, Some("riscv32imc-unknown-none-elf"));
        assert_eq!(t.isa.as_deref(), Some("rv32imc"));
        assert!(!t.assumed && t.microcontroller);
        let t = TargetInfo::from_device(&device(&cpu("RV32IMAC")));
        assert_eq!(t.triple, Some("riscv32imac-unknown-none-elf"));
        let t = TargetInfo::from_device(&device(&cpu("rv32imafc_zicsr")));
        assert_eq!(t.triple, Some("riscv32imafc-unknown-none-elf"));
        let t = TargetInfo::from_device(&device(&cpu("RV32I")));
        assert_eq!(t.triple, Some("riscv32i-unknown-none-elf"));
        let t = TargetInfo::from_device(&device(&cpu("RV32EMC")));
        assert_eq!(t.triple, Some("riscv32emc-unknown-none-elf"));
    }

    #[test]
    fn rv64_is_not_a_microcontroller() {
        let t = TargetInfo::from_device(&device(&cpu("RV64GC")));
        assert_eq!(t.triple, Some("riscv64gc-unknown-none-elf"));
        assert!(!t.microcontroller);
        assert!(t.notes.iter().any(|n| n.contains("not a microcontroller")));
    }

    #[test]
    fn cpu_says_riscv_without_isa() {
        let t = TargetInfo::from_device(&device(&cpu("RISC-V")));
        assert_eq!(t.arch, Arch::RiscV);
        assert_eq!(t.triple, Some("riscv32i-unknown-none-elf"));
        assert!(t.assumed);
    }

    #[test]
    fn no_cpu_with_a_clint_is_riscv() {
        let d = svd("", &periph("CLINT", "Core local interruptor", "msip"));
        let t = TargetInfo::from_device(&d);
        assert_eq!(t.arch, Arch::RiscV);
        assert!(t.assumed);
        assert!(t.notes[0].contains("CLINT"), "{:?}", t.notes);
        // Vendor spelling with an instance suffix.
        let d = svd("", &periph("sifive_plic0_0", "interrupts", "priority"));
        assert_eq!(TargetInfo::from_device(&d).arch, Arch::RiscV);
    }

    #[test]
    fn no_cpu_with_mtime_or_wording_is_riscv() {
        let d = svd("", &periph("TIMER", "core timer", "mtime"));
        assert_eq!(TargetInfo::from_device(&d).arch, Arch::RiscV);
        let d = svd("", &periph("SYSCFG", "RISC-V system configuration", "CTRL"));
        assert_eq!(TargetInfo::from_device(&d).arch, Arch::RiscV);
    }

    #[test]
    fn no_cpu_64_bit_description() {
        let d = svd(
            "<description>Some 64-bit RISC-V CPU</description>",
            &periph("PLIC", "interrupts", "priority"),
        );
        let t = TargetInfo::from_device(&d);
        assert_eq!(t.triple, Some("riscv64imac-unknown-none-elf"));
        assert!(!t.microcontroller);
    }

    #[test]
    fn no_cpu_and_no_evidence_is_assumed_cortex_m_and_says_so() {
        let t = TargetInfo::from_device(&device(""));
        assert_eq!(t.arch, Arch::CortexM);
        assert!(t.assumed);
        assert_eq!(t.notes.len(), 1);
    }

    #[test]
    fn declared_cortex_m_contradicted_by_content() {
        let d = svd(
            &format!(
                "<description>A RISC-V microcontroller</description>{}",
                cpu("CM3")
            ),
            &periph(
                "ECLIC",
                "Enhanced core local interrupt controller",
                "CLICCFG",
            ),
        );
        let t = TargetInfo::from_device(&d);
        assert_eq!(t.arch, Arch::RiscV);
        assert_eq!(t.cpu.as_deref(), Some("CM3"));
        assert!(t.notes[0].contains("ECLIC"));
    }

    #[test]
    fn declared_cortex_m_with_a_riscv_word_only_stays_cortex_m() {
        // A Cortex-M part with a RISC-V coprocessor mentioned somewhere.
        let d = svd(
            &cpu("CM33"),
            &periph("RISCV_DM", "RISC-V debug module", "CTRL"),
        );
        let t = TargetInfo::from_device(&d);
        assert_eq!(t.arch, Arch::CortexM);
        assert!(t.notes.is_empty());
    }

    #[test]
    fn isa_parsing() {
        assert_eq!(find_isa("RV32IMAC"), Some((32, "IMAC".into())));
        assert_eq!(find_isa("rv64gc"), Some((64, "IMAFDC".into())));
        assert_eq!(find_isa("SRV32"), None);
        assert_eq!(find_isa("core: RV32IMC_Zicsr"), Some((32, "IMC".into())));
    }
}
