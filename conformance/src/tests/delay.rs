//! DelayNs: each delay is measured against a reference clock that is not
//! the one under test.
//!
//! Tolerance: never shorter than asked (the trait's contract), and at most
//! [`SLOW_PERCENT`]% plus [`SLACK_NS`] longer (call and setup overhead).

use crate::fault::Fault;
use crate::{fail, Outcome, TestInfo};
use embedded_hal::delay::DelayNs;

pub const SLOW_PERCENT: u64 = 25;
pub const SLACK_NS: u64 = 20_000;

/// What a reference clock can say about a piece of work.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bracket {
    /// It took at least the lower bound.
    pub at_least: bool,
    /// It took less than the upper bound.
    pub under: bool,
    /// The measured time, where the reference can read one.
    pub measured_ns: Option<u64>,
    /// The reference cannot count as far as the upper bound.
    pub out_of_range: bool,
}

/// A reference clock.
pub trait Stopwatch {
    /// Run `work` and say how its duration compares with `lo_ns..hi_ns`.
    /// A one-shot timer may run `work` twice (once per bound).
    fn bracket(&mut self, work: &mut dyn FnMut(), lo_ns: u64, hi_ns: u64) -> Bracket;
}

pub const NS: TestInfo = TestInfo {
    name: "delay_ns",
    capability: "delay",
    trait_path: "delay::DelayNs",
    fault: Fault::DelayHalved,
};
pub const US: TestInfo = TestInfo {
    name: "delay_us",
    capability: "delay",
    trait_path: "delay::DelayNs",
    fault: Fault::DelayHalved,
};
pub const MS: TestInfo = TestInfo {
    name: "delay_ms",
    capability: "delay",
    trait_path: "delay::DelayNs",
    fault: Fault::DelayHalved,
};

/// The tests, in the order a harness runs them.
pub const ALL: &[TestInfo] = &[NS, US, MS];

/// `delay_ns(50_000)`.
pub fn ns<D: DelayNs>(delay: &mut D, clock: &mut dyn Stopwatch) -> Outcome {
    check(clock, 50_000, &mut || delay.delay_ns(50_000))
}

/// `delay_us(500)`.
pub fn us<D: DelayNs>(delay: &mut D, clock: &mut dyn Stopwatch) -> Outcome {
    check(clock, 500_000, &mut || delay.delay_us(500))
}

/// `delay_ms(2)` (a 16-bit timer at 16 MHz still spans its upper bound).
pub fn ms<D: DelayNs>(delay: &mut D, clock: &mut dyn Stopwatch) -> Outcome {
    check(clock, 2_000_000, &mut || delay.delay_ms(2))
}

/// The upper bound for a delay of `ns`.
pub fn upper_bound_ns(ns: u64) -> u64 {
    ns + ns * SLOW_PERCENT / 100 + SLACK_NS
}

fn check(clock: &mut dyn Stopwatch, ns: u64, work: &mut dyn FnMut()) -> Outcome {
    let hi = upper_bound_ns(ns);
    let b = clock.bracket(work, ns, hi);
    if b.out_of_range {
        return fail!("the reference clock cannot count to {hi} ns");
    }
    match (b.at_least, b.under, b.measured_ns) {
        (true, true, _) => Outcome::Pass,
        (false, _, Some(m)) => fail!("asked {ns} ns, took {m} ns: too short"),
        (false, _, None) => fail!("asked {ns} ns, took less"),
        (_, false, Some(m)) => fail!("asked {ns} ns, took {m} ns: over {hi}"),
        (_, false, None) => fail!("asked {ns} ns, took {hi} ns or more"),
    }
}
