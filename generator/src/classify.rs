//! Stage 3c: recognise peripherals. Every instance is scored against every
//! catalogue family; the best match per kind, its score and its bindings
//! (role → register or field, each with its SVD line) are kept.
//!
//! A family matches only when every required role binds with the width and
//! access it asks for. Among matching families the one binding the most
//! roles wins, then the higher `priority`. No match is better than a wrong
//! one, so there is no partial credit.

use crate::catalogue::{AccessNeed, Capability, Catalogue, Family, Kind, Pattern, RegisterRole};
use crate::source_map::SourceMap;
use serde::Serialize;
use std::collections::BTreeMap;
use svd_rs::{Access, Device, Peripheral, RegisterCluster};

mod normalise;

/// One register of a peripheral, clusters flattened.
#[derive(Debug, Clone)]
pub struct FlatRegister {
    /// `CLUSTER.REG` inside the peripheral; the plain name outside clusters.
    pub path: String,
    pub name: String,
    /// From the peripheral's base address.
    pub offset: u64,
    pub size: u32,
    pub access: Access,
    /// Array length and stride, of the register or its innermost cluster.
    pub dim: Option<(u32, u32)>,
    pub fields: Vec<FlatField>,
    /// Other names it is known by once the instance's prefixes are
    /// removed (see `normalise`); filled per instance by `classify`.
    pub aliases: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct FlatField {
    pub name: String,
    pub bit: u32,
    pub width: u32,
    pub access: Access,
    /// As [`FlatRegister::aliases`], register names also removed.
    pub aliases: Vec<String>,
}

impl FlatRegister {
    /// Bits the fields cover, or the register size when it has no fields:
    /// the pin count of a port register, say.
    pub fn used_bits(&self) -> u32 {
        self.fields
            .iter()
            .map(|f| f.bit + f.width)
            .max()
            .unwrap_or(self.size)
            .min(self.size)
    }
}

/// A role bound to a register or to one field of it.
#[derive(Debug, Clone, Serialize)]
pub struct Binding {
    pub register: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Register offset from the peripheral base.
    pub offset: u64,
    /// Register size in bits.
    pub size: u32,
    /// Field position and width; the whole register for register roles.
    pub bit: u32,
    pub width: u32,
    /// See [`FlatRegister::used_bits`].
    pub used_bits: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dim: Option<(u32, u32)>,
    /// SVD line of the register or field.
    pub line: Option<u32>,
}

/// One port or channel of a family with `{n}` roles.
#[derive(Debug, Clone, Serialize)]
pub struct Unit {
    pub id: String,
    pub bindings: BTreeMap<String, Binding>,
}

/// A clock-gate bit found elsewhere in the chip.
#[derive(Debug, Clone, Serialize)]
pub struct GateBinding {
    pub peripheral: String,
    pub register: String,
    pub field: String,
    pub address: u64,
    pub size: u32,
    pub bit: u32,
    /// Write-only set registers (SAM `PMC_PCERn`) are written with the bit
    /// alone; a read-modify-write could set other bits.
    pub write_only: bool,
    pub line: Option<u32>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Match {
    pub family: String,
    pub kind: Kind,
    pub provides: Vec<Capability>,
    /// Bound roles over all roles of the family, 0 to 1.
    pub score: f64,
    pub bound: usize,
    pub roles: usize,
    pub bindings: BTreeMap<String, Binding>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub units: Vec<Unit>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clock_gate: Option<GateBinding>,
}

#[derive(Debug, Clone, Serialize)]
pub struct InstanceClass {
    pub instance: String,
    /// The peripheral whose registers it shares (`derivedFrom`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registers_from: Option<String>,
    /// Kinds its name or groupName suggests.
    pub hinted: Vec<Kind>,
    /// Best match per kind (multi-protocol blocks match several).
    pub matches: Vec<Match>,
    /// Its first registers (`NAME @ offset`), for skeleton docs.
    #[serde(skip)]
    pub registers: Vec<String>,
}

impl InstanceClass {
    pub fn best(&self, kind: Kind) -> Option<&Match> {
        self.matches.iter().find(|m| m.kind == kind)
    }
}

/// Classify every peripheral of the (repaired) device.
pub fn classify(device: &Device, source: &SourceMap, catalogue: &Catalogue) -> Vec<InstanceClass> {
    let by_name: BTreeMap<&str, &Peripheral> = device
        .peripherals
        .iter()
        .map(|p| (p.name.as_str(), p))
        .collect();
    let mut flat_cache: BTreeMap<String, Vec<FlatRegister>> = BTreeMap::new();
    let mut gate_cache: BTreeMap<String, Vec<FlatRegister>> = BTreeMap::new();
    let mut out = Vec::new();
    for p in &device.peripherals {
        let base = register_source(p, &by_name);
        let regs = flat_cache
            .entry(base.name.clone())
            .or_insert_with(|| flatten(base.registers.as_deref().unwrap_or(&[])));
        let mut names = vec![p.name.as_str()];
        if let Some(g) = &p.group_name {
            names.push(g);
        }
        if base.name != p.name {
            names.push(&base.name);
        }
        let description = p.description.as_deref().or(base.description.as_deref());
        let words = crate::catalogue::description_words(description.unwrap_or(""));
        let hinted = catalogue.hinted_kinds(&names, &words);
        // A register past the 32-bit address space (an SVD offset like
        // 0xFFFFF800 meant as negative) cannot be driven: no family binds
        // it, so the instance falls back to a skeleton rather than a
        // driver writing to a wrapped address.
        let in_space: Vec<FlatRegister>;
        let regs: &[FlatRegister] = if regs
            .iter()
            .any(|r| p.base_address + r.offset > u64::from(u32::MAX))
        {
            in_space = regs
                .iter()
                .filter(|r| p.base_address + r.offset <= u64::from(u32::MAX))
                .cloned()
                .collect();
            &in_space
        } else {
            regs
        };
        let normalised = with_aliases(regs, &names);
        let regs: &[FlatRegister] = &normalised;
        let mut best: BTreeMap<Kind, (Match, i32)> = BTreeMap::new();
        for family in &catalogue.families {
            let Some(m) = match_family(family, &names, &hinted, regs, &base.name, source) else {
                continue;
            };
            let better = match best.get(&family.kind) {
                None => true,
                Some((b, prio)) => (m.bound, family.priority) > (b.bound, *prio),
            };
            if better {
                best.insert(family.kind, (m, family.priority));
            }
        }
        let mut matches: Vec<Match> = best.into_values().map(|(m, _)| m).collect();
        for m in &mut matches {
            m.clock_gate = find_gate(p, m.kind, device, source, catalogue, &mut gate_cache);
        }
        out.push(InstanceClass {
            instance: p.name.clone(),
            registers_from: (base.name != p.name).then(|| base.name.clone()),
            hinted,
            matches,
            registers: regs
                .iter()
                .take(16)
                .map(|r| format!("{} @ {:#05x}", r.path, r.offset))
                .collect(),
        });
    }
    out
}

/// The registers with their aliases for this instance's `names`.
fn with_aliases(regs: &[FlatRegister], names: &[&str]) -> Vec<FlatRegister> {
    let prefixes = normalise::prefixes(names);
    regs.iter()
        .map(|r| {
            let mut r = r.clone();
            r.aliases = normalise::aliases(&r.name, &prefixes, false);
            let mut own: Vec<&str> = vec![r.name.as_str()];
            own.extend(r.aliases.iter().map(String::as_str));
            let mut field_prefixes = normalise::prefixes(&own);
            field_prefixes.extend(prefixes.iter().cloned());
            field_prefixes.sort_by_key(|p| std::cmp::Reverse(p.len()));
            for f in &mut r.fields {
                f.aliases = normalise::aliases(&f.name, &field_prefixes, true);
            }
            r
        })
        .collect()
}

/// Follow `derivedFrom` to the peripheral that holds the registers.
fn register_source<'a>(
    p: &'a Peripheral,
    by_name: &BTreeMap<&str, &'a Peripheral>,
) -> &'a Peripheral {
    let mut at = p;
    // Repair already broke cycles; the bound is a second guard.
    for _ in 0..64 {
        match at.derived_from.as_deref().and_then(|d| by_name.get(d)) {
            Some(next) if at.registers.is_none() => at = next,
            _ => break,
        }
    }
    at
}

pub fn flatten(items: &[RegisterCluster]) -> Vec<FlatRegister> {
    let mut out = Vec::new();
    flatten_into(items, "", 0, None, &mut out);
    out
}

fn flatten_into(
    items: &[RegisterCluster],
    prefix: &str,
    base: u64,
    outer_dim: Option<(u32, u32)>,
    out: &mut Vec<FlatRegister>,
) {
    for item in items {
        match item {
            RegisterCluster::Register(r) => {
                let dim = match r {
                    svd_rs::MaybeArray::Array(_, d) => Some((d.dim, d.dim_increment)),
                    svd_rs::MaybeArray::Single(_) => outer_dim,
                };
                out.push(FlatRegister {
                    path: format!("{prefix}{}", r.name),
                    name: r.name.clone(),
                    offset: base + u64::from(r.address_offset),
                    size: r.properties.size.unwrap_or(32),
                    access: r.properties.access.unwrap_or(Access::ReadWrite),
                    dim,
                    aliases: Vec::new(),
                    fields: r
                        .fields
                        .iter()
                        .flatten()
                        .flat_map(|f| {
                            let access = f
                                .access
                                .or(r.properties.access)
                                .unwrap_or(Access::ReadWrite);
                            // A field array (`pin%s`, dim 32) is one
                            // field per element.
                            let elements: Vec<(String, u32)> = match f {
                                svd_rs::MaybeArray::Array(_, d) => d
                                    .indexes()
                                    .zip(0u32..)
                                    .map(|(idx, i)| {
                                        (
                                            f.name.replace("%s", &idx),
                                            f.bit_range.offset + i * d.dim_increment,
                                        )
                                    })
                                    .collect(),
                                svd_rs::MaybeArray::Single(_) => {
                                    vec![(f.name.clone(), f.bit_range.offset)]
                                }
                            };
                            elements.into_iter().map(move |(name, bit)| FlatField {
                                name,
                                bit,
                                width: f.bit_range.width,
                                access,
                                aliases: Vec::new(),
                            })
                        })
                        .collect(),
                });
            }
            RegisterCluster::Cluster(c) => {
                let dim = match c {
                    svd_rs::MaybeArray::Array(_, d) => Some((d.dim, d.dim_increment)),
                    svd_rs::MaybeArray::Single(_) => outer_dim,
                };
                flatten_into(
                    &c.children,
                    &format!("{prefix}{}.", c.name),
                    base + u64::from(c.address_offset),
                    dim,
                    out,
                );
            }
        }
    }
}

fn access_ok(need: Option<AccessNeed>, have: Access) -> bool {
    match need {
        None => true,
        Some(AccessNeed::Read) => have.can_read(),
        Some(AccessNeed::Write) => have.can_write(),
        Some(AccessNeed::ReadWrite) => have.can_read() && have.can_write(),
    }
}

/// `Some(unit)` when a pattern matches the register's name or path, or
/// else one of its aliases.
fn name_match<'a>(patterns: &[Pattern], reg: &'a FlatRegister) -> Option<Option<&'a str>> {
    patterns
        .iter()
        .find_map(|p| p.matches(&reg.name).or_else(|| p.matches(&reg.path)))
        .or_else(|| {
            reg.aliases
                .iter()
                .find_map(|a| patterns.iter().find_map(|p| p.matches(a)))
        })
}

/// As [`name_match`], for a field.
fn field_match<'a>(patterns: &[Pattern], fld: &'a FlatField) -> Option<Option<&'a str>> {
    patterns
        .iter()
        .find_map(|p| p.matches(&fld.name))
        .or_else(|| {
            fld.aliases
                .iter()
                .find_map(|a| patterns.iter().find_map(|p| p.matches(a)))
        })
}

fn register_binding(reg: &FlatRegister, periph: &str, source: &SourceMap) -> Binding {
    Binding {
        register: reg.path.clone(),
        field: None,
        offset: reg.offset,
        size: reg.size,
        bit: 0,
        width: reg.size,
        used_bits: reg.used_bits(),
        dim: reg.dim,
        line: source
            .locate(&format!("{periph}.{}", reg.path))
            .map(|l| l.line),
    }
}

fn field_binding(reg: &FlatRegister, f: &FlatField, periph: &str, source: &SourceMap) -> Binding {
    Binding {
        field: Some(f.name.clone()),
        bit: f.bit,
        width: f.width,
        line: source
            .locate(&format!("{periph}.{}.{}", reg.path, f.name))
            .map(|l| l.line),
        ..register_binding(reg, periph, source)
    }
}

/// Bindings found for one role: unit id ("" when the role has no `{n}`) → binding.
type RoleHits = BTreeMap<String, Binding>;

/// A family matches by names; failing that, a family that states its
/// layout (see [`Family::has_layout`]) matches an instance whose name or
/// groupName hints at the family's kind when every required register sits at
/// its offset and every required field at its bit and width: a renamed clone
/// of the same IP block. A look-alike with another layout does not bind. A
/// layout of mostly low flags ([`Family::strong_layout`] false) also needs
/// the register names in place.
fn match_family(
    family: &Family,
    names: &[&str],
    hinted: &[Kind],
    regs: &[FlatRegister],
    periph: &str,
    source: &SourceMap,
) -> Option<Match> {
    match_roles(family, names, regs, periph, source, false).or_else(|| {
        (family.has_layout()
            && hinted.contains(&family.kind)
            && (family.strong_layout() || registers_named_in_place(family, regs)))
        .then(|| match_roles(family, names, regs, periph, source, true))
        .flatten()
    })
}

/// Every required register role has a register of its name at its offset:
/// only field names differ (a renamed flag in a block otherwise spelled
/// as the family expects).
fn registers_named_in_place(family: &Family, regs: &[FlatRegister]) -> bool {
    family.registers.values().filter(|r| !r.optional).all(|r| {
        regs.iter().any(|reg| {
            r.offset.is_none_or(|o| reg.offset == o) && name_match(&r.names, reg).is_some()
        })
    })
}

/// With `layout`, required roles that state an offset or bit bind by it
/// alone; the others, and optional roles (vendor extras such as an NXP
/// fractional divider, which another vendor may place a different register
/// at), bind by name.
fn match_roles(
    family: &Family,
    names: &[&str],
    regs: &[FlatRegister],
    periph: &str,
    source: &SourceMap,
    layout: bool,
) -> Option<Match> {
    let reg_hit = |r: &RegisterRole, reg: &'_ FlatRegister| -> bool {
        match r.offset {
            Some(o) if layout && !r.optional => reg.offset == o,
            _ => name_match(&r.names, reg).is_some(),
        }
    };
    if family
        .exclude
        .iter()
        .any(|p| names.iter().any(|n| p.matches(n).is_some()))
    {
        return None;
    }
    if !family.instances.is_empty()
        && !family
            .instances
            .iter()
            .any(|p| names.iter().any(|n| p.matches(n).is_some()))
    {
        return None;
    }
    let mut hits: BTreeMap<&str, RoleHits> = BTreeMap::new();
    for (role, r) in &family.registers {
        let mut found = RoleHits::new();
        for reg in regs {
            if !r.widths.is_empty() && !r.widths.contains(&reg.size) {
                continue;
            }
            if !access_ok(r.access, reg.access) {
                continue;
            }
            if !reg_hit(r, reg) {
                continue;
            }
            let unit = name_match(&r.names, reg).flatten();
            found
                .entry(unit.unwrap_or("").to_ascii_uppercase())
                .or_insert_with(|| register_binding(reg, periph, source));
        }
        if found.is_empty() && !r.optional {
            return None;
        }
        hits.insert(role, found);
    }
    for (role, f) in &family.fields {
        let reg_role = &family.registers[&f.register];
        // The register the role bound comes first, then other candidates.
        let bound_path = hits[f.register.as_str()]
            .get("")
            .map(|b| b.register.clone());
        let mut candidates: Vec<(&FlatRegister, Option<&str>)> = regs
            .iter()
            .filter(|reg| reg_hit(reg_role, reg))
            .map(|reg| (reg, name_match(&reg_role.names, reg).flatten()))
            .collect();
        candidates.sort_by_key(|(reg, _)| Some(&reg.path) != bound_path.as_ref());
        let placed = layout && !f.optional && !reg_role.optional && reg_role.offset.is_some();
        let mut found = RoleHits::new();
        for (reg, reg_unit) in candidates {
            for fld in &reg.fields {
                // A clone may widen a multi-bit field into bits the
                // original reserves (a clock-frequency field of 6 bits
                // grown to 8); a flag must keep its width.
                let width_ok = match f.width {
                    None => true,
                    Some(w) if placed && w >= 2 && f.bit.is_some() => fld.width >= w,
                    Some(w) => w == fld.width,
                };
                if !width_ok {
                    continue;
                }
                let field_unit = match f.bit {
                    Some(bit) if placed => {
                        // Placed by position, unless its name says it is
                        // another role of the block (an SVD that swaps
                        // two flags is not the layout stated).
                        let other_role = family.fields.iter().any(|(other, of)| {
                            other != role
                                && (of.register != f.register || of.bit != Some(bit))
                                && field_match(&of.names, fld).is_some()
                        });
                        if fld.bit != bit || other_role {
                            continue;
                        }
                        None
                    }
                    _ => match field_match(&f.names, fld) {
                        Some(u) => u,
                        None => continue,
                    },
                };
                let unit = match (reg_unit, field_unit) {
                    (Some(a), Some(b)) if !a.eq_ignore_ascii_case(b) => continue,
                    (Some(a), _) | (None, Some(a)) => a.to_ascii_uppercase(),
                    (None, None) => String::new(),
                };
                found
                    .entry(unit)
                    .or_insert_with(|| field_binding(reg, fld, periph, source));
            }
        }
        if found.is_empty() && !f.optional {
            return None;
        }
        hits.insert(role, found);
    }

    let per_unit = |role: &str| {
        family
            .registers
            .get(role)
            .map(|r| r.per_unit())
            .or_else(|| family.fields.get(role).map(|f| f.per_unit()))
            .unwrap_or(false)
    };
    let optional = |role: &str| {
        family
            .registers
            .get(role)
            .map(|r| r.optional)
            .or_else(|| family.fields.get(role).map(|f| f.optional))
            .unwrap_or(true)
    };
    let mut bindings = BTreeMap::new();
    let mut unit_ids: Vec<String> = Vec::new();
    for (role, found) in &hits {
        if per_unit(role) {
            unit_ids.extend(found.keys().filter(|k| !k.is_empty()).cloned());
        } else if let Some(b) = found.get("").or_else(|| found.values().next()) {
            bindings.insert(role.to_string(), b.clone());
        }
    }
    unit_ids.sort_by_key(|id| natural_key(id));
    unit_ids.dedup();
    let units: Vec<Unit> = unit_ids
        .into_iter()
        .filter_map(|id| {
            let mut ub = BTreeMap::new();
            for (role, found) in &hits {
                if !per_unit(role) {
                    continue;
                }
                match found.get(&id) {
                    Some(b) => {
                        ub.insert(role.to_string(), b.clone());
                    }
                    None if !optional(role) => return None,
                    None => {}
                }
            }
            Some(Unit { id, bindings: ub })
        })
        .collect();
    let needs_unit = hits.keys().any(|r| per_unit(r) && !optional(r));
    if needs_unit && units.is_empty() {
        return None;
    }
    let bound = bindings.len() + units.first().map_or(0, |u| u.bindings.len());
    let provides = family
        .provides
        .iter()
        .copied()
        .filter(|c| !family.unit_provides.contains(c) || !units.is_empty())
        .collect();
    Some(Match {
        family: family.name.clone(),
        kind: family.kind,
        provides,
        score: bound as f64 / family.role_count() as f64,
        bound,
        roles: family.role_count(),
        bindings,
        units,
        clock_gate: None,
    })
}

/// Numbers sort by value, so port 10 follows port 9.
fn natural_key(s: &str) -> (usize, String) {
    (s.len(), s.to_string())
}

fn find_gate(
    p: &Peripheral,
    kind: Kind,
    device: &Device,
    source: &SourceMap,
    catalogue: &Catalogue,
    cache: &mut BTreeMap<String, Vec<FlatRegister>>,
) -> Option<GateBinding> {
    let last = p.name.chars().last().map(String::from).unwrap_or_default();
    let irq = p
        .interrupt
        .first()
        .map(|i| i.value.to_string())
        .unwrap_or_else(|| "-".into());
    let vars = [
        ("instance", p.name.as_str()),
        ("last", last.as_str()),
        ("irq", irq.as_str()),
    ];
    for rule in &catalogue.gates {
        if !rule.kinds.is_empty() && !rule.kinds.contains(&kind) {
            continue;
        }
        let compile = |v: &[String]| -> Vec<Pattern> {
            // Rules were compiled once at load with dummy values; a failure
            // here cannot happen for the same placeholders.
            v.iter()
                .filter_map(|s| Pattern::compile(s, &vars).ok())
                .collect()
        };
        let (periphs, registers, fields) = (
            compile(&rule.peripherals),
            compile(&rule.registers),
            compile(&rule.fields),
        );
        for gp in &device.peripherals {
            if !periphs.iter().any(|pat| pat.matches(&gp.name).is_some()) {
                continue;
            }
            let regs = cache
                .entry(gp.name.clone())
                .or_insert_with(|| flatten(gp.registers.as_deref().unwrap_or(&[])));
            for reg in regs.iter() {
                if name_match(&registers, reg).is_none() || !reg.access.can_write() {
                    continue;
                }
                for f in &reg.fields {
                    if f.width == 1 && fields.iter().any(|pat| pat.matches(&f.name).is_some()) {
                        return Some(GateBinding {
                            peripheral: gp.name.clone(),
                            register: reg.path.clone(),
                            field: f.name.clone(),
                            address: gp.base_address + reg.offset,
                            size: reg.size,
                            bit: f.bit,
                            write_only: !reg.access.can_read(),
                            line: source
                                .locate(&format!("{}.{}.{}", gp.name, reg.path, f.name))
                                .map(|l| l.line),
                        });
                    }
                }
            }
        }
    }
    None
}
