//! Which Rust target (and svd2rust target) a `<cpu><name>` means.

use serde::Serialize;

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
    /// True when the SVD gave no CPU and the triple is an assumption.
    pub assumed: bool,
}

impl TargetInfo {
    pub fn from_cpu(cpu: Option<&svd_rs::Cpu>) -> Self {
        let Some(cpu) = cpu else {
            // Most CPU-less SVDs in the wild are old Cortex-M3 parts; the
            // assumption is recorded as a diagnostic, never hidden.
            return Self {
                arch: Arch::CortexM,
                cpu: None,
                triple: Some("thumbv7m-none-eabi"),
                assumed: true,
            };
        };
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
            n if n.starts_with("RV32") || n.starts_with("RISCV") => (Arch::RiscV, None),
            _ => (Arch::Other, None),
        };
        Self {
            arch,
            cpu: Some(cpu.name.trim().to_string()),
            triple,
            assumed: false,
        }
    }

    pub fn svd2rust_target(&self) -> svd2rust::Target {
        match self.arch {
            Arch::CortexM => svd2rust::Target::CortexM,
            // The riscv runtime glue needs riscv-specific SVD extensions that
            // vendor files rarely have; a plain PAC is the honest output.
            Arch::RiscV | Arch::Other => svd2rust::Target::None,
        }
    }

    /// Whether the PAC gets an `rt` feature (cortex-m-rt, device.x).
    pub fn has_rt(&self) -> bool {
        self.arch == Arch::CortexM
    }
}
