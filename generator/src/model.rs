//! Stage 2: the chip model (IR) that the emitters and reports share.
//!
//! It is owned, serde-serialisable and ordered, so a dump of it is stable
//! and can be snapshot-tested.

use crate::source_map::SourceMap;
use crate::target::TargetInfo;
use heck::ToKebabCase;
use serde::Serialize;
use std::collections::BTreeMap;
use svd_rs::Device;

#[derive(Debug, Clone, Serialize)]
pub struct Chip {
    /// `<device><name>` as the SVD spells it.
    pub name: String,
    /// Kebab-case name used for crate and file names (`stm32f40x`).
    pub slug: String,
    pub vendor: Option<String>,
    pub version: String,
    pub description: String,
    /// File name of the SVD it came from.
    pub svd_file: String,
    pub target: TargetInfo,
    pub peripherals: Vec<PeripheralInstance>,
    /// IRQ number → name, as declared.
    pub interrupts: BTreeMap<u32, String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PeripheralInstance {
    pub name: String,
    /// The PAC cargo feature that enables it.
    pub feature: String,
    pub base_address: u64,
    pub group: Option<String>,
    pub description: Option<String>,
    pub derived_from: Option<String>,
    /// Line of its `<peripheral>` element in the SVD.
    pub line: Option<u32>,
}

impl Chip {
    pub fn from_device(device: &Device, source: &SourceMap) -> Self {
        let peripherals = device
            .peripherals
            .iter()
            .map(|p| PeripheralInstance {
                name: p.name.clone(),
                feature: feature_name(&p.name),
                base_address: p.base_address,
                group: p.group_name.clone(),
                description: p.description.as_deref().map(clean_text),
                derived_from: p.derived_from.clone(),
                line: source.locate(&p.name).map(|l| l.line),
            })
            .collect();
        let mut interrupts = BTreeMap::new();
        for p in &device.peripherals {
            for i in &p.interrupt {
                interrupts.entry(i.value).or_insert_with(|| i.name.clone());
            }
        }
        let svd_file = std::path::Path::new(&source.file)
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
        Self {
            slug: slug(&device.name),
            name: device.name.clone(),
            vendor: device.vendor.clone(),
            version: device.version.clone(),
            description: clean_text(&device.description),
            svd_file,
            target: TargetInfo::from_device(device),
            peripherals,
            interrupts,
        }
    }

    pub fn pac_crate_name(&self) -> String {
        format!("{}-pac", self.slug)
    }

    pub fn hal_crate_name(&self) -> String {
        format!("{}-hal", self.slug)
    }
}

/// Kebab-case, ASCII alphanumerics and `-` only: it names directories.
fn slug(name: &str) -> String {
    let kebab: String = name
        .to_kebab_case()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let trimmed = kebab.trim_matches('-');
    if trimmed.is_empty() {
        "chip".into()
    } else {
        trimmed.to_string()
    }
}

/// The cargo feature svd2rust gates a peripheral on.
pub fn feature_name(peripheral: &str) -> String {
    let formats = svd2rust::config::IdentFormats::default_theme();
    match formats.get("peripheral_feature") {
        Some(format) => format.apply(peripheral).into_owned(),
        None => peripheral.to_ascii_lowercase(),
    }
}

/// Collapse the whitespace runs vendor descriptions are full of.
pub fn clean_text(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}
