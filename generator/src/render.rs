//! Stage 3b: crate files from minijinja templates.
//!
//! Templates only render: every value they print is prepared here, already
//! cased, in a typed context. Undefined variables are errors, so a typo in a
//! template fails the snapshot tests instead of printing nothing.

use crate::config::Config;
use crate::error::Error;
use crate::model::Chip;
use minijinja::{Environment, UndefinedBehavior};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

mod builtin {
    include!(concat!(env!("OUT_DIR"), "/builtin_templates.rs"));
}

/// The files shipped under `templates/` (templates and catalogue data), by
/// relative path. `--templates DIR` overrides any of them with `DIR/<path>`.
pub fn builtin_files() -> impl Iterator<Item = (&'static str, &'static str)> {
    builtin::BUILTIN.iter().copied()
}

const MEMORY_TABLE: &str = include_str!("../data/memory.toml");

pub struct Renderer {
    env: Environment<'static>,
}

#[derive(Debug, Serialize)]
pub struct PacCrateContext {
    pub crate_name: String,
    pub chip_name: String,
    pub vendor: Option<String>,
    pub description: String,
    pub svd_file: String,
    pub generator_version: &'static str,
    pub svd2rust_version: &'static str,
    pub target_triple: Option<&'static str>,
    pub target_assumed: bool,
    /// How the core was decided and what was assumed (see `TargetInfo`).
    pub target_notes: Vec<String>,
    pub has_rt: bool,
    /// `cortex-m`, `riscv` or `none`: which runtime crates the PAC uses.
    pub runtime: &'static str,
    pub features: Vec<FeatureContext>,
    pub interrupts: Vec<String>,
    pub memory: MemoryContext,
    pub peripherals: Vec<PeripheralContext>,
    pub repair_count: usize,
}

#[derive(Debug, Serialize)]
pub struct FeatureContext {
    pub name: String,
    /// Feature of the peripheral this one derives from (its module is shared).
    pub base: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct PeripheralContext {
    pub name: String,
    pub feature: String,
    pub base_address: String,
    pub description: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MemoryContext {
    pub flash: String,
    pub flash_len: String,
    pub ram: String,
    pub ram_len: String,
    pub source: String,
    pub assumed: bool,
}

impl Renderer {
    pub fn new(config: &Config) -> Result<Self, Error> {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_keep_trailing_newline(true);
        let overrides = config.templates_dir.clone();
        env.set_loader(move |name| {
            if let Some(dir) = &overrides {
                let path = dir.join(name);
                if path.is_file() {
                    return std::fs::read_to_string(&path).map(Some).map_err(|e| {
                        minijinja::Error::new(
                            minijinja::ErrorKind::InvalidOperation,
                            format!("{}: {e}", path.display()),
                        )
                    });
                }
            }
            Ok(builtin_files()
                .find(|(n, _)| *n == name)
                .map(|(_, src)| src.to_string()))
        });
        Ok(Self { env })
    }

    pub fn has_template(&self, name: &str) -> bool {
        self.env.get_template(name).is_ok()
    }

    pub fn render<S: Serialize>(&self, name: &str, ctx: &S) -> Result<String, Error> {
        let err = |e: minijinja::Error| Error::Template {
            name: name.to_string(),
            message: format!("{e:#}"),
        };
        self.env
            .get_template(name)
            .map_err(err)?
            .render(ctx)
            .map_err(err)
    }

    /// Cargo.toml, build.rs, device.x, memory.x and README.md of the PAC.
    pub fn pac_crate_files(
        &self,
        chip: &Chip,
        features: &[String],
        interrupts: &[String],
        repair_count: usize,
    ) -> Result<BTreeMap<String, String>, Error> {
        let ctx = pac_context(chip, features, interrupts, repair_count);
        let mut files = BTreeMap::new();
        files.insert("Cargo.toml".into(), self.render("pac/Cargo.toml.j2", &ctx)?);
        files.insert("README.md".into(), self.render("pac/README.md.j2", &ctx)?);
        if ctx.has_rt {
            files.insert("build.rs".into(), self.render("pac/build.rs.j2", &ctx)?);
            files.insert("device.x".into(), self.render("pac/device.x.j2", &ctx)?);
            files.insert("memory.x".into(), self.render("pac/memory.x.j2", &ctx)?);
        }
        Ok(files)
    }
}

pub fn pac_context(
    chip: &Chip,
    features: &[String],
    interrupts: &[String],
    repair_count: usize,
) -> PacCrateContext {
    let feature_of: BTreeMap<String, &crate::model::PeripheralInstance> = chip
        .peripherals
        .iter()
        .map(|p| (p.feature.clone(), p))
        .collect();
    let feature_contexts = features
        .iter()
        .map(|f| FeatureContext {
            name: f.clone(),
            base: feature_of
                .get(f)
                .and_then(|p| p.derived_from.as_deref())
                .map(crate::model::feature_name)
                .filter(|b| features.contains(b) && b != f),
        })
        .collect();
    PacCrateContext {
        crate_name: chip.pac_crate_name(),
        chip_name: chip.name.clone(),
        vendor: chip.vendor.clone(),
        description: chip.description.clone(),
        svd_file: chip.svd_file.clone(),
        generator_version: env!("CARGO_PKG_VERSION"),
        svd2rust_version: "0.37.1",
        target_triple: chip.target.triple,
        target_assumed: chip.target.assumed,
        target_notes: chip.target.notes.clone(),
        has_rt: chip.target.has_rt(),
        runtime: chip.target.runtime(),
        features: feature_contexts,
        interrupts: interrupts.to_vec(),
        memory: memory_for(chip),
        // Peripherals without registers get no module, so no feature either.
        peripherals: chip
            .peripherals
            .iter()
            .filter(|p| features.contains(&p.feature))
            .map(|p| PeripheralContext {
                name: p.name.clone(),
                feature: p.feature.clone(),
                base_address: format!("{:#010x}", p.base_address),
                description: p
                    .description
                    .clone()
                    .unwrap_or_default()
                    .replace('|', "\\|"),
            })
            .collect(),
        repair_count,
    }
}

#[derive(Deserialize)]
struct MemoryTable {
    vendor_default: BTreeMap<String, MemoryEntry>,
    chip: Vec<ChipMemory>,
}

#[derive(Deserialize)]
struct MemoryEntry {
    flash: u64,
    flash_len: String,
    ram: u64,
    ram_len: String,
}

#[derive(Deserialize)]
struct ChipMemory {
    #[serde(rename = "match")]
    prefix: String,
    source: String,
    #[serde(flatten)]
    memory: MemoryEntry,
}

fn memory_for(chip: &Chip) -> MemoryContext {
    // The table is compiled in and covered by a unit test, so it parses.
    let table: MemoryTable = toml::from_str(MEMORY_TABLE).expect("data/memory.toml is valid");
    let name = chip.name.to_ascii_lowercase();
    let ctx = |m: &MemoryEntry, source: String, assumed| MemoryContext {
        flash: format!("{:#010x}", m.flash),
        flash_len: m.flash_len.clone(),
        ram: format!("{:#010x}", m.ram),
        ram_len: m.ram_len.clone(),
        source,
        assumed,
    };
    if let Some(c) = table
        .chip
        .iter()
        .find(|c| name.starts_with(&c.prefix.to_ascii_lowercase()))
    {
        return ctx(&c.memory, c.source.clone(), false);
    }
    let vendor = chip.vendor.clone().unwrap_or_default();
    let (key, m) = table
        .vendor_default
        .get_key_value(&vendor)
        .or_else(|| table.vendor_default.get_key_value("default"))
        .expect("data/memory.toml has a default");
    let source = if key == "default" {
        match chip.target.arch {
            crate::target::Arch::CortexM => "generic Cortex-M defaults".to_string(),
            _ => "generic defaults (flash at 0, RAM at 0x20000000)".to_string(),
        }
    } else {
        format!("{key} defaults")
    };
    ctx(m, source, true)
}
