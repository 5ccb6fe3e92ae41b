//! The QEMU backend: `qemu-system-<arch> -icount` with the board's machine and
//! attached devices, the UART under test on a socket the runner drives,
//! and the protocol read from semihosting output. A hang, reset loop or
//! fault ends in a bounded wall-clock timeout, reported as a failure.

use super::board::Board;
use super::protocol::{parse_line, Event};
use super::ConformanceError;
use hal_gen_conformance::protocol::{
    SERIAL_INJECT, SERIAL_PATTERN_IO, SERIAL_PATTERN_NB, SERIAL_PROMPT,
};
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// `-icount shift=4`: 16 ns of virtual time per instruction, so timers and
/// SysTick read the same on every run.
pub const ICOUNT: &str = "shift=4";

/// What came out of one QEMU run.
#[derive(Debug, Default)]
pub struct Run {
    /// Protocol events, with the host time they arrived (since start).
    pub events: Vec<(Duration, Event)>,
    /// Every byte the UART under test sent.
    pub uart: Vec<u8>,
    pub timed_out: bool,
    pub exit_code: Option<i32>,
    /// The last lines QEMU wrote that were not protocol, for errors.
    pub other_output: Vec<String>,
    pub wall: Duration,
}

impl Run {
    pub fn ended(&self) -> bool {
        self.events
            .iter()
            .any(|(_, e)| matches!(e, Event::End { .. }))
    }
}

/// `qemu-system-<arch> --version`'s first line, or None when it is missing.
pub fn version(board: &Board) -> Option<String> {
    let out = Command::new(board.qemu_binary())
        .arg("--version")
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .next()
        .map(|l| l.replace("QEMU emulator version ", ""))
}

/// The QEMU command line for a board, without the socket and kernel.
pub fn device_args(board: &Board) -> Vec<String> {
    let mut args = Vec::new();
    if let Some(i2c) = &board.i2c {
        args.push("-device".into());
        args.push(format!("{},address={:#04x}", i2c.device, i2c.address));
    }
    if let Some(flash) = board.spi.as_ref().and_then(|s| s.flash.as_ref()) {
        args.push("-device".into());
        args.push(flash.device.clone());
    }
    args
}

/// Run `elf` on the board's machine until it exits or `limit` passes.
pub fn run(board: &Board, elf: &Path, limit: Duration) -> Result<Run, ConformanceError> {
    let socket =
        std::env::temp_dir().join(format!("hgc-{}-{}.sock", std::process::id(), board.name));
    let _ = std::fs::remove_file(&socket);
    let qemu = board.qemu_binary();
    let mut child = Command::new(&qemu)
        .args(["-M", &board.machine, "-nographic", "-monitor", "none"])
        .args(["-icount", ICOUNT])
        .args(["-semihosting-config", "enable=on,target=native"])
        .arg("-chardev")
        .arg(format!(
            "socket,id=uut,path={},server=on,wait=on",
            socket.display()
        ))
        .args(["-serial", "chardev:uut"])
        .args(device_args(board))
        .arg("-kernel")
        .arg(elf)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| ConformanceError::Tool {
            tool: qemu.clone(),
            message: e.to_string(),
        })?;
    let started = Instant::now();
    let events = Arc::new(Mutex::new(Vec::new()));
    let other = Arc::new(Mutex::new(Vec::new()));
    let mut readers = Vec::new();
    let stdout = child
        .stdout
        .take()
        .map(|s| Box::new(s) as Box<dyn Read + Send>);
    let stderr = child
        .stderr
        .take()
        .map(|s| Box::new(s) as Box<dyn Read + Send>);
    for stream in [stdout, stderr].into_iter().flatten() {
        let (events, other) = (events.clone(), other.clone());
        readers.push(std::thread::spawn(move || {
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                match parse_line(&line) {
                    Some(e) => events.lock().expect("events").push((started.elapsed(), e)),
                    None => {
                        let mut o = other.lock().expect("other");
                        o.push(line);
                        if o.len() > 20 {
                            o.remove(0);
                        }
                    }
                }
            }
        }));
    }

    // QEMU waits for this connection before it starts the machine.
    let mut stream = None;
    while started.elapsed() < Duration::from_secs(10) {
        if let Ok(s) = UnixStream::connect(&socket) {
            stream = Some(s);
            break;
        }
        if child.try_wait().ok().flatten().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let uart = Arc::new(Mutex::new(Vec::new()));
    if let Some(stream) = stream {
        let uart = uart.clone();
        std::thread::spawn(move || drive_uart(stream, uart));
    }

    let mut run = Run::default();
    loop {
        if let Some(status) = child.try_wait().ok().flatten() {
            run.exit_code = status.code();
            break;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            run.timed_out = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    run.wall = started.elapsed();
    for r in readers {
        let _ = r.join();
    }
    let _ = std::fs::remove_file(&socket);
    run.events = std::mem::take(&mut *events.lock().expect("events"));
    run.other_output = std::mem::take(&mut *other.lock().expect("other"));
    run.uart = std::mem::take(&mut *uart.lock().expect("uart"));
    Ok(run)
}

/// Record what the UART sends; answer the prompt once with the bytes the
/// firmware will read back.
fn drive_uart(mut stream: UnixStream, seen: Arc<Mutex<Vec<u8>>>) {
    let mut answered = false;
    let mut buf = [0u8; 256];
    loop {
        let n = match stream.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        let mut all = seen.lock().expect("uart");
        all.extend_from_slice(&buf[..n]);
        if !answered && all.windows(SERIAL_PROMPT.len()).any(|w| w == SERIAL_PROMPT) {
            answered = true;
            let _ = stream.write_all(SERIAL_INJECT);
        }
    }
}

/// The host's side of the serial write tests: the patterns of the write
/// tests that ran (`io`, `nb`) arrived exactly, in order, before anything
/// else.
pub fn check_uart_stream(uart: &[u8], io: bool, nb: bool) -> Result<(), String> {
    let mut want: Vec<u8> = Vec::new();
    if io {
        want.extend_from_slice(SERIAL_PATTERN_IO);
    }
    if nb {
        want.extend_from_slice(SERIAL_PATTERN_NB);
    }
    if uart.starts_with(&want) {
        return Ok(());
    }
    let at = uart
        .iter()
        .zip(&want)
        .position(|(a, b)| a != b)
        .unwrap_or(uart.len().min(want.len()));
    Err(format!(
        "host saw {} byte(s); first difference at byte {at} (got {:02x?}, want {:02x?})",
        uart.len(),
        uart.get(at),
        want.get(at)
    ))
}

/// The host's side of each serial write test: `(test name, verdict)` for
/// `serial_write_io` (its pattern came first) and `serial_write_nb` (its
/// pattern came next; after whatever the first test managed to send).
pub fn check_uart_patterns(uart: &[u8]) -> [(&'static str, Result<(), String>); 2] {
    let after_io = uart.strip_prefix(SERIAL_PATTERN_IO);
    let io = match after_io {
        Some(_) => Ok(()),
        None => Err(format!(
            "the host did not see the embedded-io pattern first (saw {} byte(s))",
            uart.len()
        )),
    };
    let rest = after_io.unwrap_or(uart);
    let nb = if rest.starts_with(SERIAL_PATTERN_NB) {
        Ok(())
    } else {
        Err("the host did not see the embedded-hal-nb pattern next".into())
    };
    [
        (hal_gen_conformance::tests::serial::WRITE_IO.name, io),
        (hal_gen_conformance::tests::serial::WRITE_NB.name, nb),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uart_stream_check_finds_the_first_wrong_byte() {
        let good: Vec<u8> = [SERIAL_PATTERN_IO, SERIAL_PATTERN_NB, SERIAL_PROMPT].concat();
        assert!(check_uart_stream(&good, true, true).is_ok());
        let mut flipped = good.clone();
        flipped[3] ^= 1;
        let err = check_uart_stream(&flipped, true, true).unwrap_err();
        assert!(err.contains("byte 3"), "{err}");
        assert!(check_uart_stream(&good[..5], true, true).is_err());
        assert!(check_uart_stream(b"", true, true).is_err());
        // A HAL that skipped the embedded-hal-nb test sent only the first
        // pattern: that is all the host may ask for.
        let io_only: Vec<u8> = [SERIAL_PATTERN_IO, SERIAL_PROMPT].concat();
        assert!(check_uart_stream(&io_only, true, true).is_err());
        assert!(check_uart_stream(&io_only, true, false).is_ok());
    }

    #[test]
    fn each_write_test_is_judged_by_its_own_pattern() {
        let verdicts = |bytes: &[u8]| check_uart_patterns(bytes).map(|(_, v)| v.is_ok());
        let good: Vec<u8> = [SERIAL_PATTERN_IO, SERIAL_PATTERN_NB, SERIAL_PROMPT].concat();
        assert_eq!(verdicts(&good), [true, true]);
        let no_io: Vec<u8> = [SERIAL_PATTERN_NB, SERIAL_PROMPT].concat();
        assert_eq!(verdicts(&no_io), [false, true]);
        let no_nb: Vec<u8> = [SERIAL_PATTERN_IO, SERIAL_PROMPT].concat();
        assert_eq!(verdicts(&no_nb), [true, false]);
        assert_eq!(verdicts(SERIAL_PROMPT), [false, false]);
    }
}
