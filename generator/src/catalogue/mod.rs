//! The peripheral catalogue: register idioms ("families") as data.
//!
//! Each `templates/families/<kind>/<family>.toml` names the register and
//! field roles a driver needs, as [`Pattern`]s with width and access
//! constraints, and the template that renders the driver from the bindings.
//! `families/kinds.toml` says which instance names hint at a kind (for
//! skeletons and the coverage record) and `families/clock_gates.toml` where
//! clock-gate bits live. All of it is validated on load, with errors that
//! name the file and key. `templates/README.md` explains how to add a family.

mod contract;
mod hint;
mod pattern;
pub mod synth;

pub use hint::{words as description_words, KindHint, Phrase};
pub use pattern::Pattern;

use crate::error::Error;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// What a family's driver is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Gpio,
    Uart,
    Spi,
    I2c,
    Timer,
}

impl Kind {
    pub const ALL: [Kind; 5] = [Kind::Gpio, Kind::Uart, Kind::Spi, Kind::I2c, Kind::Timer];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Gpio => "gpio",
            Kind::Uart => "uart",
            Kind::Spi => "spi",
            Kind::I2c => "i2c",
            Kind::Timer => "timer",
        }
    }
}

/// An embedded-hal capability a family's driver implements; these are the
/// columns of the coverage matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Capability {
    /// `digital::{OutputPin, StatefulOutputPin, InputPin}`
    Gpio,
    /// `embedded_io::{Read, Write, ReadReady, WriteReady}` and `embedded_hal_nb::serial`
    Serial,
    /// `spi::SpiBus<u8>`
    Spi,
    /// `i2c::I2c` (7-bit)
    I2c,
    /// `delay::DelayNs`
    Delay,
    /// `pwm::SetDutyCycle`
    Pwm,
}

impl Capability {
    pub const ALL: [Capability; 6] = [
        Capability::Gpio,
        Capability::Serial,
        Capability::Spi,
        Capability::I2c,
        Capability::Delay,
        Capability::Pwm,
    ];

    /// The names of [`Capability::ALL`], in the same order: the keys of
    /// coverage records, board files and conformance results.
    pub const NAMES: [&'static str; 6] = {
        let mut names = [""; 6];
        let mut i = 0;
        while i < names.len() {
            names[i] = Capability::ALL[i].as_str();
            i += 1;
        }
        names
    };

    pub const fn as_str(self) -> &'static str {
        match self {
            Capability::Gpio => "gpio",
            Capability::Serial => "serial",
            Capability::Spi => "spi",
            Capability::I2c => "i2c",
            Capability::Delay => "delay",
            Capability::Pwm => "pwm",
        }
    }

    /// The trait paths a capability stands for, for docs and reports.
    pub fn traits(self) -> &'static str {
        match self {
            Capability::Gpio => "digital::{OutputPin, StatefulOutputPin, InputPin}",
            Capability::Serial => "embedded_io::{Read, Write, ReadReady, WriteReady}, embedded_hal_nb::serial::{Read, Write}",
            Capability::Spi => "spi::SpiBus<u8>",
            Capability::I2c => "i2c::I2c",
            Capability::Delay => "delay::DelayNs",
            Capability::Pwm => "pwm::SetDutyCycle",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum AccessNeed {
    #[serde(rename = "r")]
    Read,
    #[serde(rename = "w")]
    Write,
    #[serde(rename = "rw")]
    ReadWrite,
}

#[derive(Debug)]
pub struct Family {
    pub name: String,
    pub kind: Kind,
    pub provides: Vec<Capability>,
    /// Of `provides`, those that need at least one bound unit (PWM needs a
    /// compare channel).
    pub unit_provides: Vec<Capability>,
    pub template: String,
    pub description: String,
    /// Instance name or groupName must match one of these, when given.
    pub instances: Vec<Pattern>,
    /// Instances that look the part but are not (STM32 `I2S2ext` has SPI
    /// registers and is only an I2S data path).
    pub exclude: Vec<Pattern>,
    /// Breaks ties between families binding the same number of roles.
    pub priority: i32,
    pub registers: BTreeMap<String, RegisterRole>,
    pub fields: BTreeMap<String, FieldRole>,
    /// Constants handed to the template as they are.
    pub params: BTreeMap<String, serde_json::Value>,
    /// Where it was loaded from, for messages.
    pub source: String,
}

#[derive(Debug)]
pub struct RegisterRole {
    pub names: Vec<Pattern>,
    pub optional: bool,
    pub widths: Vec<u32>,
    pub access: Option<AccessNeed>,
    /// Offset from the peripheral base in the IP block's layout.
    pub offset: Option<u64>,
}

impl RegisterRole {
    pub fn per_unit(&self) -> bool {
        self.names.iter().any(Pattern::has_unit)
    }
}

#[derive(Debug)]
pub struct FieldRole {
    /// The register role whose candidate registers hold this field.
    pub register: String,
    pub names: Vec<Pattern>,
    pub optional: bool,
    pub width: Option<u32>,
    /// Bit position in the IP block's layout (needs `width`).
    pub bit: Option<u32>,
}

impl FieldRole {
    pub fn per_unit(&self) -> bool {
        self.names.iter().any(Pattern::has_unit)
    }
}

/// A rule for finding an instance's clock-gate bit elsewhere in the chip.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GateRule {
    pub description: String,
    pub peripherals: Vec<String>,
    pub registers: Vec<String>,
    /// May use `{instance}`, `{last}` and `{irq}`.
    pub fields: Vec<String>,
    #[serde(default)]
    pub kinds: Vec<Kind>,
}

#[derive(Debug)]
pub struct Catalogue {
    pub families: Vec<Family>,
    /// What suggests each kind (names, description phrases).
    pub hints: BTreeMap<Kind, KindHint>,
    pub gates: Vec<GateRule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FamilyFile {
    name: String,
    kind: Kind,
    provides: Vec<Capability>,
    #[serde(default)]
    unit_provides: Vec<Capability>,
    template: String,
    description: String,
    #[serde(default)]
    instances: Vec<String>,
    #[serde(default)]
    exclude: Vec<String>,
    #[serde(default)]
    priority: i32,
    registers: BTreeMap<String, RegisterFile>,
    #[serde(default)]
    fields: BTreeMap<String, FieldFile>,
    #[serde(default)]
    params: BTreeMap<String, toml::Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RegisterFile {
    names: Vec<String>,
    #[serde(default)]
    optional: bool,
    #[serde(default)]
    width: Vec<u32>,
    access: Option<AccessNeed>,
    offset: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FieldFile {
    register: String,
    names: Vec<String>,
    #[serde(default)]
    optional: bool,
    width: Option<u32>,
    bit: Option<u32>,
}

#[derive(Deserialize)]
struct KindsFile {
    #[serde(flatten)]
    kinds: BTreeMap<Kind, KindHints>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KindHints {
    instances: Vec<String>,
    #[serde(default)]
    descriptions: Vec<String>,
    #[serde(default)]
    not_descriptions: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GatesFile {
    rule: Vec<GateRule>,
}

const KINDS_FILE: &str = "families/kinds.toml";
const GATES_FILE: &str = "families/clock_gates.toml";

impl Catalogue {
    /// The built-in catalogue, with files under `overrides/families/`
    /// replacing or adding to it.
    pub fn load(
        overrides: Option<&Path>,
        template_exists: &dyn Fn(&str) -> bool,
    ) -> Result<Self, Error> {
        let mut files: BTreeMap<String, (String, String)> = crate::render::builtin_files()
            .filter(|(name, _)| name.starts_with("families/") && name.ends_with(".toml"))
            .map(|(name, text)| {
                (
                    name.to_string(),
                    (format!("templates/{name}"), text.to_string()),
                )
            })
            .collect();
        if let Some(dir) = overrides {
            let root = dir.join("families");
            if root.is_dir() {
                collect_overrides(dir, &root, &mut files)?;
            }
        }
        let mut families = Vec::new();
        let mut contracts = BTreeMap::new();
        let mut hints = BTreeMap::new();
        let mut gates = Vec::new();
        for (name, (source, text)) in &files {
            let bad = |message: String| Error::Catalogue {
                file: source.clone(),
                message,
            };
            if name == KINDS_FILE {
                let parsed: KindsFile = toml::from_str(text).map_err(|e| bad(e.to_string()))?;
                for (kind, h) in parsed.kinds {
                    let phrases = |list: &[String], key: &str| {
                        list.iter()
                            .map(|p| {
                                Phrase::compile(p)
                                    .map_err(|e| bad(format!("{}.{key}: {e}", kind.as_str())))
                            })
                            .collect::<Result<Vec<_>, _>>()
                    };
                    let hint = KindHint {
                        names: compile_all(&h.instances, &[]).map_err(bad)?,
                        descriptions: phrases(&h.descriptions, "descriptions")?,
                        not_descriptions: phrases(&h.not_descriptions, "not_descriptions")?,
                    };
                    hints.insert(kind, hint);
                }
            } else if name == GATES_FILE {
                let parsed: GatesFile = toml::from_str(text).map_err(|e| bad(e.to_string()))?;
                let vars = [("instance", "X"), ("last", "X"), ("irq", "0")];
                for (i, rule) in parsed.rule.iter().enumerate() {
                    for list in [&rule.peripherals, &rule.registers, &rule.fields] {
                        compile_all(list, &vars)
                            .map_err(|e| bad(format!("rule {}: {e}", i + 1)))?;
                    }
                }
                gates = parsed.rule;
            } else {
                let parsed: FamilyFile = toml::from_str(text).map_err(|e| bad(e.to_string()))?;
                check_folder(name, parsed.kind).map_err(bad)?;
                check_params(&parsed, text, overrides, &mut contracts).map_err(bad)?;
                families.push(Family::validate(parsed, source, template_exists).map_err(bad)?);
            }
        }
        families.sort_by(|a, b| a.name.cmp(&b.name));
        if let Some(w) = families.windows(2).find(|w| w[0].name == w[1].name) {
            return Err(Error::Catalogue {
                file: w[1].source.clone(),
                message: format!(
                    "family name `{}` is also used by {}",
                    w[1].name, w[0].source
                ),
            });
        }
        Ok(Self {
            families,
            hints,
            gates,
        })
    }

    /// The kinds an instance's names or description (as
    /// [`description_words`]) suggest.
    pub fn hinted_kinds(&self, names: &[&str], description: &[String]) -> Vec<Kind> {
        self.hints
            .iter()
            .filter(|(_, hint)| hint.suggests(names, description))
            .map(|(k, _)| *k)
            .collect()
    }
}

fn collect_overrides(
    dir: &Path,
    at: &Path,
    files: &mut BTreeMap<String, (String, String)>,
) -> Result<(), Error> {
    let read_err = |path: &Path, e: std::io::Error| Error::Catalogue {
        file: path.display().to_string(),
        message: e.to_string(),
    };
    let mut entries: Vec<_> = std::fs::read_dir(at)
        .map_err(|e| read_err(at, e))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect_overrides(dir, &path, files)?;
        } else if path.extension().is_some_and(|e| e == "toml") {
            let rel = path
                .strip_prefix(dir)
                .expect("walked from dir")
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            let text = std::fs::read_to_string(&path).map_err(|e| read_err(&path, e))?;
            files.insert(rel, (path.display().to_string(), text));
        }
    }
    Ok(())
}

/// A family file under `families/<kind>/` must declare that kind.
fn check_folder(name: &str, kind: Kind) -> Result<(), String> {
    let parts: Vec<&str> = name.split('/').collect();
    match parts.as_slice() {
        ["families", folder, _] if *folder != kind.as_str() => Err(format!(
            "kind = \"{}\" but the file is under families/{folder}/: move it to families/{}/ or fix `kind`",
            kind.as_str(),
            kind.as_str()
        )),
        _ => Ok(()),
    }
}

/// The family's `[params]` against its template's contract
/// (`contract::path_for`): every param declared, of its type, enums among
/// their values, required ones present, writes naming the family's roles.
fn check_params(
    family: &FamilyFile,
    text: &str,
    overrides: Option<&Path>,
    contracts: &mut BTreeMap<String, Option<contract::Contract>>,
) -> Result<(), String> {
    let path = contract::path_for(&family.template);
    if !contracts.contains_key(&path) {
        let found = template_file(overrides, &path)
            .map(|(source, text)| {
                contract::Contract::parse(&text).map_err(|e| format!("{source}: {e}"))
            })
            .transpose()?;
        contracts.insert(path.clone(), found);
    }
    let Some(c) = &contracts[&path] else {
        return match family.params.keys().next() {
            Some(key) => Err(format!(
                "params.{key}: {} declares no params (no {path} beside it)",
                family.template
            )),
            None => Ok(()),
        };
    };
    let roles = |r: &str| family.registers.contains_key(r) || family.fields.contains_key(r);
    c.check(&family.template, &family.params, &roles)
        .map_err(|(key, message)| match contract::line_of(text, &key) {
            Some(line) => format!("line {line}: {message} (contract: {path})"),
            None => format!("{message} (contract: {path})"),
        })
}

/// A file under the templates folder: from `overrides` if it is there,
/// else built in. `(where it came from, its text)`.
fn template_file(overrides: Option<&Path>, name: &str) -> Option<(String, String)> {
    if let Some(dir) = overrides {
        let path = dir.join(name);
        if let Ok(text) = std::fs::read_to_string(&path) {
            return Some((path.display().to_string(), text));
        }
    }
    crate::render::builtin_files()
        .find(|(n, _)| *n == name)
        .map(|(n, text)| (format!("templates/{n}"), text.to_string()))
}

fn compile_all(sources: &[String], vars: &[(&str, &str)]) -> Result<Vec<Pattern>, String> {
    sources.iter().map(|s| Pattern::compile(s, vars)).collect()
}

impl Family {
    fn validate(
        file: FamilyFile,
        source: &str,
        template_exists: &dyn Fn(&str) -> bool,
    ) -> Result<Self, String> {
        if !template_exists(&file.template) {
            return Err(format!("template `{}` does not exist", file.template));
        }
        if file.provides.is_empty() {
            return Err("`provides` is empty".into());
        }
        if let Some(c) = file
            .unit_provides
            .iter()
            .find(|c| !file.provides.contains(c))
        {
            return Err(format!(
                "unit_provides: `{}` is not in `provides`",
                c.as_str()
            ));
        }
        if file.registers.values().all(|r| r.optional) {
            return Err("needs at least one required register role".into());
        }
        let mut registers = BTreeMap::new();
        for (role, r) in file.registers {
            if r.names.is_empty() {
                return Err(format!("registers.{role}: `names` is empty"));
            }
            if let Some(w) = r.width.iter().find(|w| ![8, 16, 32, 64].contains(*w)) {
                return Err(format!(
                    "registers.{role}: width {w} is not 8, 16, 32 or 64"
                ));
            }
            let names = compile_all(&r.names, &[]).map_err(|e| format!("registers.{role}: {e}"))?;
            registers.insert(
                role,
                RegisterRole {
                    names,
                    optional: r.optional,
                    widths: r.width,
                    access: r.access,
                    offset: r.offset,
                },
            );
        }
        let mut fields = BTreeMap::new();
        for (role, f) in file.fields {
            if registers.contains_key(&role) {
                return Err(format!("fields.{role}: a register role has the same name"));
            }
            if !registers.contains_key(&f.register) {
                return Err(format!(
                    "fields.{role}: register role `{}` is not declared",
                    f.register
                ));
            }
            if f.names.is_empty() {
                return Err(format!("fields.{role}: `names` is empty"));
            }
            let names = compile_all(&f.names, &[]).map_err(|e| format!("fields.{role}: {e}"))?;
            if f.bit.is_some() && f.width.is_none() {
                return Err(format!("fields.{role}: `bit` needs `width`"));
            }
            if let (Some(b), Some(w)) = (f.bit, f.width) {
                if b + w > 64 {
                    return Err(format!("fields.{role}: bit {b} + width {w} is past 64"));
                }
            }
            fields.insert(
                role,
                FieldRole {
                    register: f.register,
                    names,
                    optional: f.optional,
                    width: f.width,
                    bit: f.bit,
                },
            );
        }
        let params = file
            .params
            .into_iter()
            .map(|(k, v)| {
                serde_json::to_value(v)
                    .map(|v| (k.clone(), v))
                    .map_err(|e| format!("params.{k}: {e}"))
            })
            .collect::<Result<_, _>>()?;
        Ok(Self {
            name: file.name,
            kind: file.kind,
            provides: file.provides,
            unit_provides: file.unit_provides,
            template: file.template,
            description: file.description,
            instances: compile_all(&file.instances, &[])?,
            exclude: compile_all(&file.exclude, &[])?,
            priority: file.priority,
            registers,
            fields,
            params,
            source: source.to_string(),
        })
    }

    /// Whether the family states its IP block's layout well enough to
    /// recognise a renamed clone by structure alone: every required
    /// register role has an `offset`, every required field role a `bit`,
    /// there are at least [`Family::MIN_LAYOUT_FIELDS`] such fields, and no
    /// role is per unit.
    pub fn has_layout(&self) -> bool {
        let regs_ok = self
            .registers
            .values()
            .all(|r| !r.per_unit() && (r.optional || r.offset.is_some()));
        let fields_ok = self
            .fields
            .values()
            .all(|f| !f.per_unit() && (f.optional || f.bit.is_some()));
        let placed = self
            .fields
            .values()
            .filter(|f| !f.optional && f.bit.is_some())
            .count();
        regs_ok && fields_ok && placed >= Self::MIN_LAYOUT_FIELDS
    }

    /// Whether the layout alone is a strong fingerprint: at least
    /// [`Family::MIN_HIGH_FIELDS`] required fields placed at bit 2 or
    /// above. Flags at bits 0 and 1 are where every block puts its first
    /// ones (an enable, an interrupt), so they tell little; a layout of
    /// mostly low flags binds only where the register names agree too.
    pub fn strong_layout(&self) -> bool {
        self.fields
            .values()
            .filter(|f| !f.optional && f.bit.is_some_and(|b| b >= 2))
            .count()
            >= Self::MIN_HIGH_FIELDS
    }

    pub const MIN_HIGH_FIELDS: usize = 4;

    /// Fewer placed fields than this are too weak a fingerprint.
    pub const MIN_LAYOUT_FIELDS: usize = 5;

    /// The number of roles, required and optional, for scores.
    pub fn role_count(&self) -> usize {
        self.registers.len() + self.fields.len()
    }
}
