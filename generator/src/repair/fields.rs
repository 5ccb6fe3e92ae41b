//! Fields that overlap inside a register.

use super::Ctx;
use svd_rs::Device;

pub(super) fn run(device: &mut Device, ctx: &mut Ctx) {
    super::registers_of(device, &mut |r, path| {
        let Some(fields) = r.fields.as_mut() else {
            return;
        };
        let mut kept: Vec<(u32, u32, String)> = Vec::with_capacity(fields.len());
        fields.retain(|f| {
            let (lo, hi) = (f.bit_range.offset, f.bit_range.offset + f.bit_range.width);
            let fpath = format!("{path}.{}", f.name);
            if let Some((_, _, other)) = kept.iter().find(|(l, h, _)| (*l, *h) == (lo, hi)) {
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
            if let Some((_, _, other)) = kept.iter().find(|(l, h, _)| lo < *h && *l < hi) {
                ctx.warn(
                    "field-overlap",
                    &fpath,
                    format!("bits {lo}..{hi} overlap field `{other}`; both kept"),
                );
            }
            kept.push((lo, hi, f.name.clone()));
            true
        });
    });
}
