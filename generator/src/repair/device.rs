//! Device-level properties svd2rust relies on.

use super::Ctx;
use svd_rs::Device;

pub(super) fn run(device: &mut Device, ctx: &mut Ctx) {
    if device.address_unit_bits != 8 {
        let was = device.address_unit_bits;
        device.address_unit_bits = 8;
        ctx.repair(
            "address-unit-bits",
            &device.name.clone(),
            format!("addressUnitBits was {was}; Cortex-M and every svd2rust target address bytes, set to 8"),
        );
    }
    if !matches!(device.width, 8 | 16 | 32 | 64) {
        let was = device.width;
        device.width = 32;
        ctx.repair(
            "device-width",
            &device.name.clone(),
            format!("width was {was}, set to 32"),
        );
    }
    if device.name.trim().is_empty() {
        device.name = "chip".into();
        ctx.repair(
            "device-name",
            "chip",
            "the device has no name; called it `chip`",
        );
    }
}
