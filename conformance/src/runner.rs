use crate::fault::Fault;
use crate::protocol::{PREFIX, VERSION};
use crate::Msg;
use core::fmt;

/// Where protocol lines go: semihosting, RTT, a UART the host reads.
pub trait Sink {
    /// Write one whole line (the sink adds the newline).
    fn line(&mut self, args: fmt::Arguments<'_>);
}

/// What one test says about itself.
#[derive(Clone, Copy, Debug)]
pub struct TestInfo {
    /// Unique within the suite, snake_case.
    pub name: &'static str,
    /// The coverage-record capability it proves: gpio, serial, spi, i2c,
    /// delay or pwm.
    pub capability: &'static str,
    /// The trait it exercises, as `module::Trait`.
    pub trait_path: &'static str,
    /// Its twin: the fault it must fail under (see [`crate::fault`]).
    pub fault: Fault,
}

#[derive(Debug)]
pub enum Outcome {
    Pass,
    Fail(Msg),
}

impl Outcome {
    /// `Pass` when `ok`, else a failure saying `what`.
    pub fn check(ok: bool, what: fmt::Arguments<'_>) -> Self {
        if ok {
            Outcome::Pass
        } else {
            Outcome::Fail(Msg::from_args(what))
        }
    }

    pub fn is_pass(&self) -> bool {
        matches!(self, Outcome::Pass)
    }
}

/// Reports tests as they run, and counts them.
pub struct Runner<S: Sink> {
    sink: S,
    /// (test name, reason): tests this backend cannot run faithfully.
    excluded: &'static [(&'static str, &'static str)],
    passed: u32,
    failed: u32,
    skipped: u32,
}

impl<S: Sink> Runner<S> {
    /// Starts the run: writes the `begin` line.
    pub fn begin(mut sink: S, chip: &str, board: &str) -> Self {
        sink.line(format_args!("{PREFIX} {VERSION} begin {chip} {board}"));
        Self {
            sink,
            excluded: &[],
            passed: 0,
            failed: 0,
            skipped: 0,
        }
    }

    /// Tests that [`Runner::run`] skips, with the reason (for example an
    /// emulator model that does not implement what the test needs).
    pub fn exclude(&mut self, excluded: &'static [(&'static str, &'static str)]) {
        self.excluded = excluded;
    }

    /// Runs `test` and records it, unless it is excluded here.
    pub fn run(&mut self, info: &TestInfo, instance: &str, test: impl FnOnce() -> Outcome) {
        match self.excluded.iter().find(|(name, _)| *name == info.name) {
            Some((_, reason)) => self.skip(info, instance, reason),
            None => {
                let outcome = test();
                self.record(info, instance, outcome);
            }
        }
    }

    /// Records a test that ran.
    pub fn record(&mut self, info: &TestInfo, instance: &str, outcome: Outcome) {
        let (status, message) = match &outcome {
            Outcome::Pass => {
                self.passed += 1;
                ("pass", "")
            }
            Outcome::Fail(m) => {
                self.failed += 1;
                ("fail", m.as_str())
            }
        };
        self.emit(info, instance, status, message);
    }

    /// Records a test that could not run here, with the reason.
    pub fn skip(&mut self, info: &TestInfo, instance: &str, reason: &str) {
        self.skipped += 1;
        self.emit(info, instance, "skip", reason);
    }

    fn emit(&mut self, info: &TestInfo, instance: &str, status: &str, message: &str) {
        let instance = if instance.is_empty() { "-" } else { instance };
        let sep = if message.is_empty() { "" } else { " " };
        self.sink.line(format_args!(
            "{PREFIX} {VERSION} test {} {} {} {instance} {status}{sep}{message}",
            info.name, info.capability, info.trait_path
        ));
    }

    /// Ends the run: writes the `end` line. True when nothing failed.
    pub fn end(mut self) -> bool {
        self.sink.line(format_args!(
            "{PREFIX} {VERSION} end {} {} {}",
            self.passed, self.failed, self.skipped
        ));
        self.failed == 0
    }

    pub fn sink(&mut self) -> &mut S {
        &mut self.sink
    }
}

/// The `abort` line, for panic and fault handlers that have no runner.
pub fn abort_line(sink: &mut impl Sink, message: fmt::Arguments<'_>) {
    sink.line(format_args!("{PREFIX} {VERSION} abort {message}"));
}
