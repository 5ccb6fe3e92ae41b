//! The coverage record: per chip, what each capability's status is and
//! why: the family every instance matched, its score, and the bound
//! registers with their SVD lines. The matrix joins these records with
//! conformance results.

use crate::catalogue::{Capability, Kind};
use crate::classify::InstanceClass;
use crate::model::Chip;
use crate::target::Arch;
use serde::Serialize;
use std::collections::BTreeMap;

/// Bumped when the record's shape changes.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Serialize)]
pub struct CoverageRecord {
    pub schema_version: u32,
    pub generated_by: String,
    pub chip: String,
    pub vendor: Option<String>,
    pub svd_file: String,
    pub cpu: Option<String>,
    pub target_triple: Option<&'static str>,
    /// How the core and target were decided, and what was assumed (an
    /// application-class core says so here). Absent when `<cpu>` named a
    /// known core outright.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub target_notes: Vec<String>,
    pub pac_crate: String,
    pub hal_crate: String,
    /// Capability → status, in matrix vocabulary.
    pub capabilities: BTreeMap<Capability, CapabilityCoverage>,
    pub instances: Vec<InstanceClass>,
}

#[derive(Debug, Serialize)]
pub struct CapabilityCoverage {
    /// `generated`, `skeleton` or `absent`. `verified:<backend>` is only
    /// ever added by the matrix, from conformance results.
    pub status: &'static str,
    pub traits: &'static str,
    /// Instances with a generated driver.
    pub generated: Vec<String>,
    /// Instances whose name suggests the kind but which no family matched.
    pub skeleton: Vec<String>,
}

/// The kind whose instances can provide a capability.
fn kind_of(cap: Capability) -> Kind {
    match cap {
        Capability::Gpio => Kind::Gpio,
        Capability::Serial => Kind::Uart,
        Capability::Spi => Kind::Spi,
        Capability::I2c => Kind::I2c,
        Capability::Delay | Capability::Pwm => Kind::Timer,
    }
}

pub fn record(chip: &Chip, classes: &[InstanceClass]) -> CoverageRecord {
    let mut capabilities = BTreeMap::new();
    for cap in Capability::ALL {
        let mut generated: Vec<String> = classes
            .iter()
            .filter(|c| c.matches.iter().any(|m| m.provides.contains(&cap)))
            .map(|c| c.instance.clone())
            .collect();
        // SysTick is part of every Cortex-M core and mcycle of every
        // RISC-V core, so the delay always exists.
        if cap == Capability::Delay {
            match chip.target.arch {
                Arch::CortexM => generated.insert(0, "SysTick".into()),
                Arch::RiscV => generated.insert(0, "mcycle".into()),
                Arch::Other => {}
            }
        }
        let kind = kind_of(cap);
        let skeleton: Vec<String> = classes
            .iter()
            .filter(|c| c.hinted.contains(&kind) && c.best(kind).is_none())
            .map(|c| c.instance.clone())
            .collect();
        let status = if !generated.is_empty() {
            "generated"
        } else if !skeleton.is_empty() {
            "skeleton"
        } else {
            "absent"
        };
        capabilities.insert(
            cap,
            CapabilityCoverage {
                status,
                traits: cap.traits(),
                generated,
                skeleton,
            },
        );
    }
    CoverageRecord {
        schema_version: SCHEMA_VERSION,
        generated_by: format!("hal-gen {}", env!("CARGO_PKG_VERSION")),
        chip: chip.name.clone(),
        vendor: chip.vendor.clone(),
        svd_file: chip.svd_file.clone(),
        cpu: chip.target.cpu.clone(),
        target_triple: chip.target.triple,
        target_notes: chip.target.notes.clone(),
        pac_crate: chip.pac_crate_name(),
        hal_crate: chip.hal_crate_name(),
        capabilities,
        instances: classes.to_vec(),
    }
}

impl CoverageRecord {
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("coverage record serialises") + "\n"
    }
}
