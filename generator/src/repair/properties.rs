//! Register sizes, access, reset values, and fields that do not fit.

use super::Ctx;
use svd_rs::{Access, Device};

pub(super) fn run(device: &mut Device, ctx: &mut Ctx) {
    let width = device.width;
    super::registers_of(device, &mut |r, path| {
        let props = &mut r.properties;
        let size = match props.size {
            Some(s @ (8 | 16 | 32 | 64)) => s,
            Some(s) => {
                let fixed = [8, 16, 32, 64].into_iter().find(|&w| w >= s).unwrap_or(64);
                ctx.repair(
                    "register-size",
                    path,
                    format!("size {s} is not 8, 16, 32 or 64; set to {fixed}"),
                );
                fixed
            }
            None => {
                ctx.repair(
                    "missing-size",
                    path,
                    format!("no <size> here or inherited; set to the device width {width}"),
                );
                width
            }
        };
        props.size = Some(size);
        let mask = if size == 64 {
            u64::MAX
        } else {
            (1u64 << size) - 1
        };
        match props.reset_value {
            None => {
                props.reset_value = Some(0);
                ctx.repair(
                    "missing-reset-value",
                    path,
                    "no <resetValue> here or inherited; set to 0",
                );
            }
            Some(v) if v & !mask != 0 => {
                props.reset_value = Some(v & mask);
                ctx.repair(
                    "reset-value-too-wide",
                    path,
                    format!(
                        "resetValue {v:#x} is wider than the {size}-bit register; masked to {:#x}",
                        v & mask
                    ),
                );
            }
            Some(_) => {}
        }
        match props.reset_mask {
            None => props.reset_mask = Some(mask),
            Some(m) if m & !mask != 0 => {
                props.reset_mask = Some(m & mask);
                ctx.repair(
                    "reset-mask-too-wide",
                    path,
                    format!("resetMask {m:#x} is wider than the {size}-bit register; masked"),
                );
            }
            Some(_) => {}
        }
        let access = match props.access {
            Some(a) => a,
            None => {
                // Infer from the fields when they all agree: a register of
                // read-only fields is read-only, not writable.
                let field_access: Vec<Access> =
                    r.fields.iter().flatten().filter_map(|f| f.access).collect();
                let inferred = match field_access.first() {
                    Some(&first) if field_access.iter().all(|&a| a == first) => first,
                    _ => Access::ReadWrite,
                };
                ctx.repair(
                    "missing-access",
                    path,
                    format!(
                        "no <access> here or inherited; set to {} (from its fields)",
                        inferred.as_str()
                    ),
                );
                r.properties.access = Some(inferred);
                inferred
            }
        };

        let Some(fields) = r.fields.as_mut() else {
            return;
        };
        fields.retain_mut(|f| {
            let fpath = format!("{path}.{}", f.name);
            // In u64: a hostile offset and width can overflow u32 when added.
            let (offset, bits) = (u64::from(f.bit_range.offset), u64::from(f.bit_range.width));
            let size = u64::from(size);
            if bits == 0 || offset >= size {
                ctx.repair(
                    "field-outside-register",
                    &fpath,
                    format!(
                        "bits {offset}..{} lie outside the {size}-bit register; field dropped",
                        offset + bits
                    ),
                );
                return false;
            }
            if offset + bits > size {
                // offset < size <= 64, so the narrowed width fits.
                f.bit_range.width = (size - offset) as u32;
                ctx.repair(
                    "field-too-wide",
                    &fpath,
                    format!(
                        "bits {offset}..{} run past the {size}-bit register; narrowed to {} bits",
                        offset + bits,
                        size - offset
                    ),
                );
            }
            true
        });
        // A field cannot be more accessible than its register: svd2rust
        // would emit a writer for a register that has no write proxy.
        let mut widen = false;
        for f in fields.iter_mut() {
            let fpath = format!("{path}.{}", f.name);
            let Some(fa) = f.access else { continue };
            let read = fa.can_read() && access.can_read();
            let write = fa.can_write() && access.can_write();
            let clamped = match (read, write) {
                (true, true) => fa,
                (true, false) => Access::ReadOnly,
                (false, true) if fa == Access::WriteOnce || fa == Access::ReadWriteOnce => {
                    Access::WriteOnce
                }
                (false, true) => Access::WriteOnly,
                (false, false) => {
                    widen = true;
                    continue;
                }
            };
            if clamped != fa {
                f.access = Some(clamped);
                ctx.repair(
                    "field-access",
                    &fpath,
                    format!(
                        "field is {} in a {} register; set to {}",
                        fa.as_str(),
                        access.as_str(),
                        clamped.as_str()
                    ),
                );
            }
        }
        if widen {
            r.properties.access = Some(Access::ReadWrite);
            ctx.repair(
                "register-access",
                path,
                format!(
                    "{} register holds a field it cannot access; register set to read-write",
                    access.as_str()
                ),
            );
        }
    });
}
