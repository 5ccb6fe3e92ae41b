//! Serial through embedded-io and embedded-hal-nb. The host on the other
//! end checks what was written and sends bytes to read back (see
//! [`protocol`](crate::protocol)); run these in the order below.

use super::poll;
use crate::fault::Fault;
use crate::protocol::{SERIAL_INJECT, SERIAL_PATTERN_IO, SERIAL_PATTERN_NB, SERIAL_PROMPT};
use crate::{fail, Outcome, TestInfo};
use embedded_io::{Read, ReadReady, Write, WriteReady};

/// Polls of a readiness flag before a test gives up. Under an emulator
/// this covers the host's reaction time many times over.
pub const READY_BOUND: u32 = 5_000_000;

/// Polls before a read-side test gives up on bytes the host sent. Larger:
/// QEMU 7.2 under `-icount` hands host input to a guest that busy-polls
/// its UART only every so often; on an idle 2-core machine the answer to
/// the prompt arrived about 1 s of host time later, past 5 million polls
/// on microbit and mps2-an385. A bound only costs its length when the
/// driver is broken (the twin fault `serial_never_read_ready`).
pub const READ_BOUND: u32 = 50_000_000;

pub const WRITE_IO: TestInfo = TestInfo {
    name: "serial_write_io",
    capability: "serial",
    trait_path: "embedded_io::Write",
    fault: Fault::SerialWritesDropped,
};
/// Evaluated by the host: it saw every byte written, in order.
pub const HOST_SAW_WRITES: TestInfo = TestInfo {
    name: "serial_host_saw_writes",
    capability: "serial",
    trait_path: "embedded_io::Write",
    fault: Fault::SerialWritesDropped,
};
pub const WRITE_NB: TestInfo = TestInfo {
    name: "serial_write_nb",
    capability: "serial",
    trait_path: "embedded_hal_nb::serial::Write",
    fault: Fault::SerialWritesDropped,
};
pub const WRITE_READY: TestInfo = TestInfo {
    name: "serial_write_ready",
    capability: "serial",
    trait_path: "embedded_io::WriteReady",
    fault: Fault::SerialNeverWriteReady,
};
pub const READ_READY_IDLE: TestInfo = TestInfo {
    name: "serial_read_ready_idle",
    capability: "serial",
    trait_path: "embedded_io::ReadReady",
    fault: Fault::SerialAlwaysReadReady,
};
pub const READ_READY: TestInfo = TestInfo {
    name: "serial_read_ready",
    capability: "serial",
    trait_path: "embedded_io::ReadReady",
    fault: Fault::SerialNeverReadReady,
};
pub const READ_IO: TestInfo = TestInfo {
    name: "serial_read_io",
    capability: "serial",
    trait_path: "embedded_io::Read",
    fault: Fault::SerialReadsNothing,
};
pub const READ_NB: TestInfo = TestInfo {
    name: "serial_read_nb",
    capability: "serial",
    trait_path: "embedded_hal_nb::serial::Read",
    fault: Fault::SerialReadsNothing,
};

/// Tests the host evaluates from what it saw on the wire.
pub const HOST: &[TestInfo] = &[HOST_SAW_WRITES];

/// The firmware's tests, in the order a harness runs them.
pub const ALL: &[TestInfo] = &[
    WRITE_IO,
    WRITE_NB,
    WRITE_READY,
    READ_READY_IDLE,
    READ_READY,
    READ_IO,
    READ_NB,
];

/// [`SERIAL_PATTERN_IO`] through `write`, then `flush`. The host
/// completes the verdict: the test fails there unless the pattern arrived
/// intact. Each `write` comes after a bounded wait for `write_ready`, so a
/// transmitter that never takes a byte fails this test instead of blocking
/// the run.
pub fn write_io<U: Write + WriteReady>(uart: &mut U) -> Outcome {
    match write_when_ready(uart, SERIAL_PATTERN_IO).and_then(|()| flush_when_ready(uart)) {
        Ok(true) => Outcome::Pass,
        Ok(false) => fail!("flush returned an error"),
        Err(Stuck::NeverReady(n)) => fail!(
            "write_ready stayed false after {n} of {} bytes: the transmitter is stuck",
            SERIAL_PATTERN_IO.len()
        ),
        Err(Stuck::Error(n)) => fail!("write returned an error after {n} bytes"),
        Err(Stuck::WroteNothing(n)) => fail!("write returned 0 after {n} bytes"),
    }
}

/// Why [`write_when_ready`] stopped, with the bytes written before.
enum Stuck {
    NeverReady(usize),
    Error(usize),
    WroteNothing(usize),
}

/// Wait (bounded) until the transmitter takes a byte again, then `flush`:
/// a blocking flush on a transmitter that never finishes could otherwise
/// wait for ever. `Ok(false)`: flush returned an error.
fn flush_when_ready<U: Write + WriteReady>(uart: &mut U) -> Result<bool, Stuck> {
    wait_write_ready(uart, 0)?;
    Ok(uart.flush().is_ok())
}

/// Poll `write_ready` at most [`READY_BOUND`] times; `written` is what the
/// caller sent before, for the report.
fn wait_write_ready<U: WriteReady>(uart: &mut U, written: usize) -> Result<(), Stuck> {
    let mut error = false;
    let ready = poll(READY_BOUND, || match uart.write_ready() {
        Ok(r) => r,
        Err(_) => {
            error = true;
            true
        }
    });
    match (error, ready) {
        (true, _) => Err(Stuck::Error(written)),
        (false, false) => Err(Stuck::NeverReady(written)),
        (false, true) => Ok(()),
    }
}

/// `bytes` through `write`, each call made only once `write_ready` says
/// so (polled at most [`READY_BOUND`] times): a blocking `write` can then
/// not wait for ever.
fn write_when_ready<U: Write + WriteReady>(uart: &mut U, bytes: &[u8]) -> Result<(), Stuck> {
    let mut n = 0;
    while n < bytes.len() {
        wait_write_ready(uart, n)?;
        match uart.write(&bytes[n..]) {
            Ok(0) => return Err(Stuck::WroteNothing(n)),
            Ok(k) => n += k,
            Err(_) => return Err(Stuck::Error(n)),
        }
    }
    Ok(())
}

/// [`SERIAL_PATTERN_NB`] a word at a time through embedded-hal-nb, with a
/// bounded retry on `WouldBlock`, then `flush`. As for [`write_io`], the
/// host fails it unless the pattern arrived intact.
pub fn write_nb<U: embedded_hal_nb::serial::Write<u8>>(uart: &mut U) -> Outcome {
    for &byte in SERIAL_PATTERN_NB {
        let mut sent = false;
        let mut error = false;
        poll(READY_BOUND, || match uart.write(byte) {
            Ok(()) => {
                sent = true;
                true
            }
            Err(nb::Error::WouldBlock) => false,
            Err(nb::Error::Other(_)) => {
                error = true;
                true
            }
        });
        if error {
            return fail!("write returned an error");
        }
        if !sent {
            return fail!("write stayed WouldBlock");
        }
    }
    let mut flushed = false;
    poll(READY_BOUND, || {
        flushed = !matches!(uart.flush(), Err(nb::Error::WouldBlock));
        flushed
    });
    Outcome::check(flushed, format_args!("flush stayed WouldBlock"))
}

/// After a flush the transmitter can take a byte at once. The flush comes
/// only once `write_ready` has said yes (bounded), so a stuck transmitter
/// fails here instead of blocking in `flush`.
///
/// Emulators never make a transmitter busy, so a `write_ready` that always
/// says yes cannot be told from a correct one there; its twin is the
/// opposite bug (never ready, or the flag's polarity inverted).
pub fn write_ready<U: Write + WriteReady>(uart: &mut U) -> Outcome {
    match flush_when_ready(uart) {
        Ok(true) => {}
        Ok(false) => return fail!("flush returned an error"),
        Err(Stuck::NeverReady(_)) => {
            return fail!("write_ready never became true: the transmitter is stuck")
        }
        Err(_) => return fail!("write_ready returned an error"),
    }
    match uart.write_ready() {
        Ok(true) => Outcome::Pass,
        Ok(false) => fail!("write_ready is false on an idle transmitter"),
        Err(_) => fail!("write_ready returned an error"),
    }
}

/// `read_ready` is false while the host is silent.
pub fn read_ready_idle<U: ReadReady>(uart: &mut U) -> Outcome {
    match uart.read_ready() {
        Ok(false) => Outcome::Pass,
        Ok(true) => fail!("read_ready is true before the host sent anything"),
        Err(_) => fail!("read_ready returned an error"),
    }
}

/// Asks the host for [`SERIAL_INJECT`]. The harness calls it with the
/// unwrapped driver, so a broken driver under test cannot hide the prompt;
/// a stuck transmitter makes it return false rather than block.
pub fn prompt<U: Write + WriteReady>(uart: &mut U) -> bool {
    matches!(
        write_when_ready(uart, SERIAL_PROMPT).and_then(|()| flush_when_ready(uart)),
        Ok(true)
    )
}

/// After the prompt, `read_ready` turns true once the host's bytes arrive.
pub fn read_ready<U: ReadReady>(uart: &mut U) -> Outcome {
    let mut error = false;
    let ready = poll(READ_BOUND, || match uart.read_ready() {
        Ok(r) => r,
        Err(_) => {
            error = true;
            true
        }
    });
    if error {
        return fail!("read_ready returned an error");
    }
    Outcome::check(
        ready,
        format_args!("read_ready stayed false after the host sent bytes"),
    )
}

/// The first half of [`SERIAL_INJECT`] through `embedded_io::Read`, each
/// read after `read_ready` so it cannot block for ever.
pub fn read_io<U: Read + ReadReady>(uart: &mut U) -> Outcome {
    let want = &SERIAL_INJECT[..SERIAL_INJECT.len() / 2];
    let mut got = [0u8; 32];
    let mut n = 0;
    while n < want.len() {
        if !poll(READ_BOUND, || matches!(uart.read_ready(), Ok(true))) {
            return fail!("only {n} of {} bytes arrived", want.len());
        }
        match uart.read(&mut got[n..want.len()]) {
            Ok(0) => return fail!("read returned 0 bytes"),
            Ok(k) => n += k,
            Err(_) => return fail!("read returned an error after {n} bytes"),
        }
    }
    Outcome::check(
        &got[..n] == want,
        format_args!("read {:02x?}, want {:02x?}", &got[..n], want),
    )
}

/// The second half of [`SERIAL_INJECT`] through embedded-hal-nb.
pub fn read_nb<U: embedded_hal_nb::serial::Read<u8>>(uart: &mut U) -> Outcome {
    let want = &SERIAL_INJECT[SERIAL_INJECT.len() / 2..];
    let mut got = [0u8; 32];
    for (i, slot) in got.iter_mut().take(want.len()).enumerate() {
        let mut result = None;
        poll(READ_BOUND, || match uart.read() {
            Ok(b) => {
                result = Some(Ok(b));
                true
            }
            Err(nb::Error::WouldBlock) => false,
            Err(nb::Error::Other(_)) => {
                result = Some(Err(()));
                true
            }
        });
        match result {
            Some(Ok(b)) => *slot = b,
            Some(Err(())) => return fail!("read returned an error at byte {i}"),
            None => return fail!("byte {i} never arrived"),
        }
    }
    let got = &got[..want.len()];
    Outcome::check(
        got == want,
        format_args!("read {got:02x?}, want {want:02x?}"),
    )
}
