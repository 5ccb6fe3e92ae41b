//! Fields that overlap inside a register.

use super::Ctx;
use std::collections::HashMap;
use svd_rs::Device;

pub(super) fn run(device: &mut Device, ctx: &mut Ctx) {
    super::registers_of(device, &mut |r, path| {
        let Some(fields) = r.fields.as_mut() else {
            return;
        };
        // Linear in the number of fields (a hostile register may have a
        // great many): the first kept field with each exact range, and for
        // each bit the first kept field that covers it. Fields were fitted
        // into their register (at most 64 bits) before this pass.
        let mut names: Vec<String> = Vec::new();
        let mut by_range: HashMap<(u32, u32), usize> = HashMap::new();
        let mut first_on_bit: [Option<usize>; 64] = [None; 64];
        fields.retain(|f| {
            let lo = f.bit_range.offset;
            let hi = lo.saturating_add(f.bit_range.width);
            let bits = (lo.min(64) as usize)..(hi.min(64) as usize);
            let fpath = format!("{path}.{}", f.name);
            if let Some(&i) = by_range.get(&(lo, hi)) {
                let other = &names[i];
                // Two names for the same bits: keep the first, as svd2rust
                // would emit two accessors that alias each other.
                if other.eq_ignore_ascii_case(&f.name)
                    || f.derived_from.is_none() && f.enumerated_values.is_empty()
                {
                    ctx.repair(
                        "field-duplicate-range",
                        &fpath,
                        format!("covers exactly the bits of `{other}` ({lo}..{hi}); dropped"),
                    );
                    return false;
                }
            }
            if let Some(i) = first_on_bit[bits.clone()].iter().flatten().min() {
                ctx.warn(
                    "field-overlap",
                    &fpath,
                    format!("bits {lo}..{hi} overlap field `{}`; both kept", names[*i]),
                );
            }
            let index = names.len();
            names.push(f.name.clone());
            by_range.entry((lo, hi)).or_insert(index);
            for slot in &mut first_on_bit[bits] {
                slot.get_or_insert(index);
            }
            true
        });
    });
}
