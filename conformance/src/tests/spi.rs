//! SpiBus<u8>: either a bus in loopback (what is sent comes back), or a
//! bus with a SPI NOR flash that answers the JEDEC ID command.

use crate::fault::Fault;
use crate::{fail, Outcome, TestInfo};
use embedded_hal::spi::SpiBus;

pub const TRANSFER: TestInfo = TestInfo {
    name: "spi_transfer",
    capability: "spi",
    trait_path: "spi::SpiBus::transfer",
    fault: Fault::SpiReadIgnored,
};
pub const TRANSFER_IN_PLACE: TestInfo = TestInfo {
    name: "spi_transfer_in_place",
    capability: "spi",
    trait_path: "spi::SpiBus::transfer_in_place",
    fault: Fault::SpiReadIgnored,
};
pub const WRITE: TestInfo = TestInfo {
    name: "spi_write",
    capability: "spi",
    trait_path: "spi::SpiBus::write",
    fault: Fault::SpiLeavesStale,
};
pub const READ: TestInfo = TestInfo {
    name: "spi_read",
    capability: "spi",
    trait_path: "spi::SpiBus::read",
    fault: Fault::SpiReadIgnored,
};
pub const FLUSH: TestInfo = TestInfo {
    name: "spi_flush",
    capability: "spi",
    trait_path: "spi::SpiBus::flush",
    fault: Fault::SpiLeavesStale,
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

/// Loopback: `transfer_in_place` gives back what it sent, and with the
/// loopback off (`loopback(false)`: the bus is idle and does not echo) it
/// gives back something else. A driver that never stores what it receives
/// passes the first half only.
pub fn loopback_transfer_in_place<S: SpiBus<u8>>(
    spi: &mut S,
    loopback: &mut dyn FnMut(bool),
) -> Outcome {
    let mut want = PATTERN;
    want.reverse();
    loopback(false);
    let mut buf = want;
    let off = spi.transfer_in_place(&mut buf);
    loopback(true);
    if off.is_err() {
        return fail!("transfer_in_place returned an error (loopback off)");
    }
    if buf == want {
        return fail!("loopback off, the buffer came back unchanged: nothing was received");
    }
    let mut buf = want;
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
/// what came back, which is that same word each time. The buffer starts
/// as four different bytes, so a `read` that stores nothing fails.
pub fn loopback_read<S: SpiBus<u8>>(spi: &mut S) -> Outcome {
    let mut buf = [0x96, 0x69, 0x3c, 0xc3];
    if spi.read(&mut buf).is_err() {
        return fail!("read returned an error");
    }
    Outcome::check(
        buf.iter().all(|&b| b == buf[0]),
        format_args!("read {buf:02x?}: not one repeated fill word"),
    )
}

/// Loopback: after `write` and `flush` the bus is idle with nothing left
/// over, so a `transfer` reads exactly its own words.
pub fn loopback_flush<S: SpiBus<u8>>(spi: &mut S) -> Outcome {
    if spi.write(&[0xa5]).is_err() {
        return fail!("write returned an error");
    }
    if spi.flush().is_err() {
        return fail!("flush returned an error");
    }
    let mut read = [0u8; 2];
    if spi.transfer(&mut read, &[0x5a, 0xc3]).is_err() {
        return fail!("transfer after flush returned an error");
    }
    Outcome::check(
        read == [0x5a, 0xc3],
        format_args!("after flush, transfer read {read:02x?}: words left over"),
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

/// Flash: `write` the command, then `transfer` zeros for the answer.
pub fn jedec_write<S: SpiBus<u8>>(spi: &mut S, j: &Jedec) -> Outcome {
    let n = j.response_len.min(16);
    let mut answer = [0u8; 16];
    if spi.write(&[j.command]).is_err() || spi.transfer(&mut answer[..n], &[0u8; 16][..n]).is_err()
    {
        return fail!("write or transfer returned an error");
    }
    Outcome::check(
        answer[..3] == j.id,
        format_args!("JEDEC ID {:02x?}, want {:02x?}", &answer[..3], j.id),
    )
}

/// Flash: the command through `transfer_in_place`, then `read` the answer.
pub fn jedec_read<S: SpiBus<u8>>(spi: &mut S, j: &Jedec) -> Outcome {
    let n = j.response_len.min(16);
    let mut answer = [0u8; 16];
    if spi.transfer_in_place(&mut [j.command]).is_err() || spi.read(&mut answer[..n]).is_err() {
        return fail!("transfer_in_place or read returned an error");
    }
    Outcome::check(
        answer[..3] == j.id,
        format_args!("JEDEC ID {:02x?}, want {:02x?}", &answer[..3], j.id),
    )
}

/// Flash: `write` the command and `flush`, then `read`: the flash saw the
/// whole command and nothing is left in the receiver.
pub fn jedec_flush<S: SpiBus<u8>>(spi: &mut S, j: &Jedec) -> Outcome {
    let n = j.response_len.min(16);
    let mut answer = [0u8; 16];
    if spi.write(&[j.command]).is_err() || spi.flush().is_err() {
        return fail!("write or flush returned an error");
    }
    if spi.read(&mut answer[..n]).is_err() {
        return fail!("read after flush returned an error");
    }
    Outcome::check(
        answer[..3] == j.id,
        format_args!(
            "after flush, JEDEC ID {:02x?}, want {:02x?}",
            &answer[..3],
            j.id
        ),
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
