//! Enumerated values: values that do not fit, duplicates, empty and
//! conflicting sets.

use super::Ctx;
use std::collections::HashSet;
use svd_rs::{Device, Usage};

pub(super) fn run(device: &mut Device, ctx: &mut Ctx) {
    super::registers_of(device, &mut |r, path| {
        for f in r.fields.iter_mut().flatten() {
            let fpath = format!("{path}.{}", f.name);
            let width = f.bit_range.width;
            let max = if width >= 64 {
                u64::MAX
            } else {
                (1u64 << width) - 1
            };
            for set in &mut f.enumerated_values {
                if set.derived_from.is_some() {
                    continue;
                }
                let mut seen = HashSet::new();
                let mut has_default = false;
                set.values.retain(|v| {
                    match v.value {
                        Some(value) if value > max => {
                            ctx.repair("enum-value-too-wide", &fpath, format!("value `{}` = {value:#x} does not fit the {width}-bit field; dropped", v.name));
                            false
                        }
                        Some(value) if !seen.insert(value) => {
                            ctx.repair("enum-duplicate-value", &fpath, format!("value `{}` = {value:#x} repeats an earlier value; dropped", v.name));
                            false
                        }
                        Some(_) => true,
                        None if v.is_default == Some(true) && !has_default => {
                            has_default = true;
                            true
                        }
                        None => {
                            ctx.repair("enum-value-missing", &fpath, format!("value `{}` has no <value> (or is a second default); dropped", v.name));
                            false
                        }
                    }
                });
            }
            let before = f.enumerated_values.len();
            f.enumerated_values
                .retain(|s| s.derived_from.is_some() || s.values.iter().any(|v| v.value.is_some()));
            if f.enumerated_values.len() != before {
                ctx.repair(
                    "enum-empty",
                    &fpath,
                    "removed an enumeratedValues set left with no values",
                );
            }
            // svd2rust takes one set for reading and one for writing.
            let (mut read, mut write) = (false, false);
            let before = f.enumerated_values.len();
            f.enumerated_values.retain(|s| {
                let usage = s.usage.unwrap_or(Usage::ReadWrite);
                let (r, w) = (usage != Usage::Write, usage != Usage::Read);
                if (r && read) || (w && write) {
                    return false;
                }
                read |= r;
                write |= w;
                true
            });
            if f.enumerated_values.len() != before {
                ctx.repair(
                    "enum-conflicting-usage",
                    &fpath,
                    "more than one enumeratedValues set for reading or writing; kept the first",
                );
            }
        }
    });
}
