//! Peripherals that share a base address.
//!
//! svd2rust gives each its own singleton, so two handles reach the same
//! registers and the PAC's ownership model no longer holds for them. Some
//! vendor SVDs do this on purpose (one block described two ways); it is
//! kept, and said.

use super::Ctx;
use std::collections::HashMap;
use svd_rs::Device;

pub(super) fn run(device: &Device, ctx: &mut Ctx) {
    let mut first_at: HashMap<u64, &str> = HashMap::new();
    for p in &device.peripherals {
        match first_at.get(&p.base_address) {
            Some(first) => ctx.warn(
                "same-address",
                &p.name,
                format!(
                    "base address {:#x} is also `{first}`'s; both kept, and both handles reach the same registers",
                    p.base_address
                ),
            ),
            None => {
                first_at.insert(p.base_address, &p.name);
            }
        }
    }
}
