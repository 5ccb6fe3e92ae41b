//! I2c (7-bit): a present device answers with registers whose values are
//! known; an absent address gives `NoAcknowledge`; a failed transaction
//! does not wedge the bus.

use crate::fault::Fault;
use crate::{fail, Outcome, TestInfo};
use embedded_hal::i2c::{Error as _, ErrorKind, I2c, Operation};

/// A device on the bus and what its registers hold after reset.
#[derive(Clone, Copy, Debug)]
pub struct Device {
    pub address: u8,
    /// A register (pointer byte) and its 2-byte reset value.
    pub read_register: u8,
    pub read_value: [u8; 2],
    /// A writable 2-byte register and a value it keeps.
    pub write_register: u8,
    pub write_value: [u8; 2],
}

pub const WRITE_READ: TestInfo = TestInfo {
    name: "i2c_write_read",
    capability: "i2c",
    trait_path: "i2c::I2c::write_read",
    fault: Fault::I2cAddressShifted,
};
pub const WRITE_THEN_READ: TestInfo = TestInfo {
    name: "i2c_write_then_read",
    capability: "i2c",
    trait_path: "i2c::I2c::write",
    fault: Fault::I2cWritesDropped,
};
pub const TRANSACTION: TestInfo = TestInfo {
    name: "i2c_transaction",
    capability: "i2c",
    trait_path: "i2c::I2c::transaction",
    fault: Fault::I2cReadsZeros,
};
pub const NACK_ADDRESS: TestInfo = TestInfo {
    name: "i2c_nack_absent_address",
    capability: "i2c",
    trait_path: "i2c::ErrorKind::NoAcknowledge",
    fault: Fault::I2cNackIgnored,
};
pub const RECOVERS: TestInfo = TestInfo {
    name: "i2c_bus_recovers_after_nack",
    capability: "i2c",
    trait_path: "i2c::I2c",
    fault: Fault::I2cAddressShifted,
};

/// The tests, in the order a harness runs them.
pub const ALL: &[TestInfo] = &[
    WRITE_READ,
    WRITE_THEN_READ,
    TRANSACTION,
    NACK_ADDRESS,
    RECOVERS,
];

/// `write_read` of the pointer register gives its reset value.
pub fn write_read<B: I2c>(bus: &mut B, dev: &Device) -> Outcome {
    let mut buf = [0u8; 2];
    match bus.write_read(dev.address, &[dev.read_register], &mut buf) {
        Ok(()) => Outcome::check(
            buf == dev.read_value,
            format_args!(
                "register {:#04x} read {buf:02x?}, want {:02x?}",
                dev.read_register, dev.read_value
            ),
        ),
        Err(e) => fail!("write_read to {:#04x}: {:?}", dev.address, e.kind()),
    }
}

/// `write` of pointer and value, then a `read` from the same pointer gets
/// the value back.
pub fn write_then_read<B: I2c>(bus: &mut B, dev: &Device) -> Outcome {
    let [hi, lo] = dev.write_value;
    if let Err(e) = bus.write(dev.address, &[dev.write_register, hi, lo]) {
        return fail!("write: {:?}", e.kind());
    }
    if let Err(e) = bus.write(dev.address, &[dev.write_register]) {
        return fail!("pointer write: {:?}", e.kind());
    }
    let mut buf = [0u8; 2];
    if let Err(e) = bus.read(dev.address, &mut buf) {
        return fail!("read: {:?}", e.kind());
    }
    Outcome::check(
        buf == dev.write_value,
        format_args!("wrote {:02x?}, read {buf:02x?}", dev.write_value),
    )
}

/// One `transaction` with a write and two reads: the reads continue where
/// the first stopped (a repeated start between operations of the same
/// direction is not allowed, so this is one read of two halves).
pub fn transaction<B: I2c>(bus: &mut B, dev: &Device) -> Outcome {
    let (mut first, mut second) = ([0u8; 1], [0u8; 1]);
    let mut ops = [
        Operation::Write(&[dev.read_register]),
        Operation::Read(&mut first),
        Operation::Read(&mut second),
    ];
    if let Err(e) = bus.transaction(dev.address, &mut ops) {
        return fail!("transaction: {:?}", e.kind());
    }
    let got = [first[0], second[0]];
    Outcome::check(
        got == dev.read_value,
        format_args!("read {got:02x?}, want {:02x?}", dev.read_value),
    )
}

/// An address nobody answers: `write` and `read` both fail with
/// `NoAcknowledge`.
pub fn nack_absent<B: I2c>(bus: &mut B, absent: u8) -> Outcome {
    let w = bus.write(absent, &[0x00]).map_err(|e| e.kind());
    let mut buf = [0u8; 1];
    let r = bus.read(absent, &mut buf).map_err(|e| e.kind());
    match (w, r) {
        (Err(ErrorKind::NoAcknowledge(_)), Err(ErrorKind::NoAcknowledge(_))) => Outcome::Pass,
        (w, r) => fail!("{absent:#04x}: write gave {w:?}, read gave {r:?}"),
    }
}

/// After a NACK the present device still answers: a pointer `write`,
/// then a `read` (no repeated start, so this holds on buses that lack one).
pub fn recovers<B: I2c>(bus: &mut B, dev: &Device, absent: u8) -> Outcome {
    let _ = bus.write(absent, &[0x00]);
    if let Err(e) = bus.write(dev.address, &[dev.read_register]) {
        return fail!("after a NACK, the device gave {:?}", e.kind());
    }
    let mut buf = [0u8; 2];
    match bus.read(dev.address, &mut buf) {
        Ok(()) if buf == dev.read_value => Outcome::Pass,
        Ok(()) => fail!(
            "after a NACK, read {buf:02x?}, want {:02x?}",
            dev.read_value
        ),
        Err(e) => fail!("after a NACK, the device gave {:?}", e.kind()),
    }
}
