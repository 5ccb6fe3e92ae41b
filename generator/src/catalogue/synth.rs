//! A synthetic SVD with one peripheral per catalogue family, built from the
//! family's own patterns: every role, required and optional, gets a
//! register or field with a name its first pattern matches (a `CLUSTER.REG`
//! pattern gets a cluster), with two units where the family has `{n}` roles.
//!
//! It is the catalogue's self-test: each family must be recognised on its
//! own instance (or lose to a family with more roles, which the test then
//! reports), and the HAL rendered for it must compile. It also lets every
//! template be snapshot-tested without vendor SVDs, which are not ours to
//! commit.

use super::{AccessNeed, Catalogue, Family};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Unit indices given to `{n}` roles.
const UNITS: [&str; 2] = ["1", "2"];

/// A name the pattern matches: `*` → `fill`, `?` → `X`, `#` → `1`, `{n}` → `unit`.
fn concrete(pattern: &str, unit: &str, fill: &str) -> String {
    let mut out = String::new();
    let mut rest = pattern;
    let mut filled = false;
    while let Some(c) = rest.chars().next() {
        if let Some(after) = rest.strip_prefix("{n}") {
            out.push_str(unit);
            rest = after;
            continue;
        }
        match c {
            '*' if !filled => {
                out.push_str(fill);
                filled = true;
            }
            '*' => {}
            '?' => out.push('X'),
            '#' => out.push('1'),
            _ => out.push(c),
        }
        rest = &rest[c.len_utf8()..];
    }
    out
}

struct SynthField {
    name: String,
    bit: u32,
    width: u32,
}

struct SynthRegister {
    name: String,
    size: u32,
    access: &'static str,
    fields: Vec<SynthField>,
    next_bit: u32,
}

fn access_of(need: Option<AccessNeed>) -> &'static str {
    match need {
        Some(AccessNeed::Read) => "read-only",
        Some(AccessNeed::Write) => "write-only",
        _ => "read-write",
    }
}

/// The instance name for a family: its first instance pattern made
/// concrete, or the family name.
pub fn instance_name(family: &Family) -> String {
    let token = family.name.to_ascii_uppercase().replace('-', "_");
    match family.instances.first() {
        Some(p) => {
            let name = concrete(p.source(), "0", &token);
            if name.contains(&token) {
                name
            } else {
                format!("{name}_{token}")
            }
        }
        None => token,
    }
}

fn registers_for(family: &Family) -> Vec<SynthRegister> {
    let mut regs: BTreeMap<String, SynthRegister> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    // Which register each register role became, per unit ("" when unitless).
    let mut bound: BTreeMap<(String, String), String> = BTreeMap::new();
    for (role, r) in &family.registers {
        let units: Vec<&str> = if r.per_unit() {
            UNITS.to_vec()
        } else {
            vec![""]
        };
        for unit in units {
            let name = concrete(r.names[0].source(), unit, "");
            let size = r.widths.first().copied().unwrap_or(32);
            let entry = regs.entry(name.clone()).or_insert_with(|| {
                order.push(name.clone());
                SynthRegister {
                    name: name.clone(),
                    size,
                    access: access_of(r.access),
                    fields: Vec::new(),
                    next_bit: 0,
                }
            });
            if entry.access != access_of(r.access) {
                entry.access = "read-write";
            }
            bound.insert((role.clone(), unit.to_string()), name);
        }
    }
    for f in family.fields.values() {
        let reg_role = &family.registers[&f.register];
        let units: Vec<&str> = if f.per_unit() || reg_role.per_unit() {
            UNITS.to_vec()
        } else {
            vec![""]
        };
        for unit in units {
            let reg_unit = if reg_role.per_unit() { unit } else { "" };
            let Some(reg_name) = bound.get(&(f.register.clone(), reg_unit.to_string())) else {
                continue;
            };
            let reg = regs.get_mut(reg_name).expect("bound register exists");
            let name = concrete(f.names[0].source(), unit, "");
            if reg.fields.iter().any(|x| x.name == name) {
                continue;
            }
            let width = f.width.unwrap_or(8).min(reg.size);
            if reg.next_bit + width > reg.size {
                reg.next_bit = 0;
            }
            reg.fields.push(SynthField {
                name,
                bit: reg.next_bit,
                width,
            });
            reg.next_bit += width;
        }
    }
    order.into_iter().filter_map(|n| regs.remove(&n)).collect()
}

/// The SVD text, and the instance name of each family in it.
pub fn svd(catalogue: &Catalogue) -> (String, BTreeMap<String, String>) {
    let mut instances = BTreeMap::new();
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
         <!-- Synthesised by hal-gen from its catalogue: one peripheral per family. -->\n\
         <device schemaVersion=\"1.3\">\n\
         <vendor>hal-gen catalogue</vendor>\n<name>CATALOGUE</name>\n<version>1.0</version>\n\
         <description>One peripheral per catalogue family</description>\n\
         <cpu><name>CM3</name><revision>r2p1</revision><endian>little</endian>\
         <mpuPresent>false</mpuPresent><fpuPresent>false</fpuPresent>\
         <nvicPrioBits>3</nvicPrioBits><vendorSystickConfig>false</vendorSystickConfig></cpu>\n\
         <addressUnitBits>8</addressUnitBits>\n<width>32</width>\n<size>32</size>\n\
         <access>read-write</access>\n<resetValue>0</resetValue>\n<resetMask>0xFFFFFFFF</resetMask>\n\
         <peripherals>\n",
    );
    for (i, family) in catalogue.families.iter().enumerate() {
        let name = instance_name(family);
        instances.insert(family.name.clone(), name.clone());
        let base = 0x4000_0000u64 + (i as u64) * 0x1000;
        writeln!(
            out,
            "<peripheral><name>{name}</name><description>Family {}</description>\
             <baseAddress>{base:#x}</baseAddress>\
             <addressBlock><offset>0</offset><size>0x1000</size><usage>registers</usage></addressBlock>\n<registers>",
            family.name
        )
        .unwrap();
        // A `CLUSTER.REG` name (a pattern naming a cluster path) becomes
        // REG inside cluster CLUSTER at offset 0, so its path is the name.
        let mut clusters: BTreeMap<String, String> = BTreeMap::new();
        for (j, reg) in registers_for(family).iter().enumerate() {
            let (text, name) = match reg.name.split_once('.') {
                Some((cluster, name)) => (clusters.entry(cluster.to_string()).or_default(), name),
                None => (&mut out, reg.name.as_str()),
            };
            let offset = j * 4;
            let dim = if reg.name.contains("%s") {
                "<dim>4</dim><dimIncrement>0x100</dimIncrement>"
            } else {
                ""
            };
            // Arrays sit above the plain registers so they cannot overlap.
            let offset = if dim.is_empty() {
                offset
            } else {
                0x400 + j * 0x400
            };
            write!(
                text,
                "<register>{dim}<name>{name}</name><description>role register</description>\
                 <addressOffset>{offset:#x}</addressOffset><size>{}</size><access>{}</access>\
                 <resetValue>0</resetValue>",
                reg.size, reg.access
            )
            .unwrap();
            if !reg.fields.is_empty() {
                text.push_str("<fields>");
                for f in &reg.fields {
                    write!(
                        text,
                        "<field><name>{}</name><bitOffset>{}</bitOffset><bitWidth>{}</bitWidth></field>",
                        f.name, f.bit, f.width
                    )
                    .unwrap();
                }
                text.push_str("</fields>");
            }
            text.push_str("</register>\n");
        }
        for (cluster, registers) in &clusters {
            write!(
                out,
                "<cluster><name>{cluster}</name><description>role cluster</description>\
                 <addressOffset>0</addressOffset>\n{registers}</cluster>\n"
            )
            .unwrap();
        }
        out.push_str("</registers></peripheral>\n");
    }
    out.push_str("</peripherals>\n</device>\n");
    (out, instances)
}

#[cfg(test)]
mod tests {
    use super::concrete;

    #[test]
    fn concrete_names_match_their_patterns() {
        for (pattern, unit) in [
            ("PDOR{n}", "1"),
            ("*UART*", ""),
            ("CCMR#*", ""),
            ("P{n}_DOUT", "2"),
            ("PIN_CNF[%s]", ""),
        ] {
            let name = concrete(pattern, unit, "X");
            let compiled = super::super::Pattern::compile(pattern, &[]).unwrap();
            assert!(compiled.matches(&name).is_some(), "{pattern} -> {name}");
        }
    }
}
