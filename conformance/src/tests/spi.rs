//! SpiBus<u8>: either a bus in loopback (what is sent comes back), or a
//! bus with a SPI NOR flash that answers the JEDEC ID command.

use crate::{fail, Outcome, TestInfo};
use embedded_hal::spi::SpiBus;

pub const TRANSFER: TestInfo = TestInfo {
    name: "spi_transfer",
    capability: "spi",
    trait_path: "spi::SpiBus::transfer",
};
pub const TRANSFER_IN_PLACE: TestInfo = TestInfo {
    name: "spi_transfer_in_place",
    capability: "spi",
    trait_path: "spi::SpiBus::transfer_in_place",
};
pub const WRITE: TestInfo = TestInfo {
    name: "spi_write",
    capability: "spi",
    trait_path: "spi::SpiBus::write",
};
pub const READ: TestInfo = TestInfo {
    name: "spi_read",
    capability: "spi",
    trait_path: "spi::SpiBus::read",
};
pub const FLUSH: TestInfo = TestInfo {
    name: "spi_flush",
    capability: "spi",
    trait_path: "spi::SpiBus::flush",
};

/// The tests, in the order a harness runs them.
pub const ALL: &[TestInfo] = &[TRANSFER, TRANSFER_IN_PLACE, WRITE, READ, FLUSH];

const PATTERN: [u8; 8] = [0x00, 0xff, 0x5a, 0xa5, 0x01, 0x80, 0x3c, 0xc3];

/// Loopback: `transfer` reads back exactly what it sent.
pub fn loopback_transfer<S: SpiBus<u8>>(spi: &mut S) -> Outcome {
    let mut read = [0u8; 8];
    if spi.transfer(&mut read, &PATTERN).is_err() {
        return fail!("transfer returned an error");
    }
    Outcome::check(
        read == PATTERN,
        format_args!("sent {PATTERN:02x?}, read {read:02x?}"),
    )
}

/// Loopback: `transfer_in_place` leaves the buffer as it was.
pub fn loopback_transfer_in_place<S: SpiBus<u8>>(spi: &mut S) -> Outcome {
    let mut buf = PATTERN;
    buf.reverse();
    let want = buf;
    if spi.transfer_in_place(&mut buf).is_err() {
        return fail!("transfer_in_place returned an error");
    }
    Outcome::check(
        buf == want,
        format_args!("sent {want:02x?}, read {buf:02x?}"),
    )
}

/// Loopback: `write` discards what comes back, so a `transfer` after it
/// reads its own bytes and not stale ones.
pub fn loopback_write<S: SpiBus<u8>>(spi: &mut S) -> Outcome {
    if spi.write(&[0x11, 0x22, 0x33]).is_err() || spi.flush().is_err() {
        return fail!("write or flush returned an error");
    }
    let mut read = [0u8; 2];
    if spi.transfer(&mut read, &[0x44, 0x55]).is_err() {
        return fail!("transfer after write returned an error");
    }
    Outcome::check(
        read == [0x44, 0x55],
        format_args!("after write, transfer read {read:02x?}: stale bytes left behind"),
    )
}

/// Loopback: `read` clocks out one fill word for every byte and returns
/// what came back, which is that same word each time.
pub fn loopback_read<S: SpiBus<u8>>(spi: &mut S) -> Outcome {
    let mut buf = [0x96u8; 4];
    if spi.read(&mut buf).is_err() {
        return fail!("read returned an error");
    }
    Outcome::check(
        buf.iter().all(|&b| b == buf[0]),
        format_args!("read {buf:02x?}: not one repeated fill word"),
    )
}

/// `flush` returns once the bus is idle, and the bus still works after it.
pub fn flush<S: SpiBus<u8>>(spi: &mut S) -> Outcome {
    if spi.write(&[0xa5]).is_err() {
        return fail!("write returned an error");
    }
    if spi.flush().is_err() {
        return fail!("flush returned an error");
    }
    Outcome::check(
        spi.flush().is_ok(),
        format_args!("a second flush returned an error"),
    )
}

/// A flash's JEDEC ID command and what it answers. The flash returns
/// `response_len` bytes (the ID, then padding) after the command byte and
/// is then ready for the next command.
#[derive(Clone, Copy, Debug)]
pub struct Jedec {
    pub command: u8,
    pub id: [u8; 3],
    pub response_len: usize,
}

/// Flash: `write` the command, then `read` the answer.
pub fn jedec_write_read<S: SpiBus<u8>>(spi: &mut S, j: &Jedec) -> Outcome {
    let mut answer = [0u8; 16];
    let answer = &mut answer[..j.response_len.min(16)];
    if spi.write(&[j.command]).is_err() || spi.read(answer).is_err() {
        return fail!("write or read returned an error");
    }
    Outcome::check(
        answer[..3] == j.id,
        format_args!("JEDEC ID {:02x?}, want {:02x?}", &answer[..3], j.id),
    )
}

/// Flash: one `transfer` carrying the command and the clocks for the answer.
pub fn jedec_transfer<S: SpiBus<u8>>(spi: &mut S, j: &Jedec) -> Outcome {
    let n = (j.response_len + 1).min(16);
    let mut tx = [0u8; 16];
    tx[0] = j.command;
    let mut rx = [0u8; 16];
    if spi.transfer(&mut rx[..n], &tx[..n]).is_err() {
        return fail!("transfer returned an error");
    }
    Outcome::check(
        rx[1..4] == j.id,
        format_args!("JEDEC ID {:02x?}, want {:02x?}", &rx[1..4], j.id),
    )
}

/// Flash: the same through `transfer_in_place`.
pub fn jedec_transfer_in_place<S: SpiBus<u8>>(spi: &mut S, j: &Jedec) -> Outcome {
    let n = (j.response_len + 1).min(16);
    let mut buf = [0u8; 16];
    buf[0] = j.command;
    if spi.transfer_in_place(&mut buf[..n]).is_err() {
        return fail!("transfer_in_place returned an error");
    }
    Outcome::check(
        buf[1..4] == j.id,
        format_args!("JEDEC ID {:02x?}, want {:02x?}", &buf[1..4], j.id),
    )
}
