//! DelayNs: each delay is measured against a reference clock that is not
//! the one under test.
//!
//! Tolerance: never shorter than asked (the trait's contract), and at most
//! [`SLOW_PERCENT`]% plus [`SLACK_NS`] longer (call and setup overhead).
//! The reference's own cost, measured around a closure that does nothing,
//! is taken off what it measures.

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

/// A delay shorter than a microsecond: a HAL that rounds down to whole
/// microseconds returns at once.
pub const NS_SUB_US: TestInfo = TestInfo {
    name: "delay_ns_sub_us",
    capability: "delay",
    trait_path: "delay::DelayNs",
    fault: Fault::DelayMicroShort,
};
/// A delay that is not a whole number of microseconds.
pub const NS_FRACTION: TestInfo = TestInfo {
    name: "delay_ns_fraction",
    capability: "delay",
    trait_path: "delay::DelayNs",
    fault: Fault::DelayIgnored,
};
/// A delay just over one tick of the delay's own clock: a HAL that rounds
/// ticks down or to the nearest waits one tick, too short.
pub const US_PAST_TICK: TestInfo = TestInfo {
    name: "delay_us_past_tick",
    capability: "delay",
    trait_path: "delay::DelayNs",
    fault: Fault::DelayMicroShort,
};

/// The tests, in the order a harness runs them.
pub const ALL: &[TestInfo] = &[NS, US, MS, NS_SUB_US, NS_FRACTION, US_PAST_TICK];

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

/// `delay_ns(500)`.
pub fn ns_sub_us<D: DelayNs>(delay: &mut D, clock: &mut dyn Stopwatch) -> Outcome {
    check(clock, 500, &mut || delay.delay_ns(500))
}

/// `delay_ns(1_500)`.
pub fn ns_fraction<D: DelayNs>(delay: &mut D, clock: &mut dyn Stopwatch) -> Outcome {
    check(clock, 1_500, &mut || delay.delay_ns(1_500))
}

/// `delay_us(n)` with `n` the whole microseconds in one tick of the
/// delay's clock (`tick_hz`, which the harness knows from the board) plus
/// one: 31 µs on a 32.768 kHz clock, 1 µs on a clock of a MHz or more.
pub fn us_past_tick<D: DelayNs>(delay: &mut D, clock: &mut dyn Stopwatch, tick_hz: u32) -> Outcome {
    let us = past_tick_us(tick_hz);
    check(clock, u64::from(us) * 1_000, &mut || delay.delay_us(us))
}

/// The request [`us_past_tick`] makes for a clock of `tick_hz`.
pub fn past_tick_us(tick_hz: u32) -> u32 {
    1_000_000 / tick_hz.max(1) + 1
}

/// The upper bound for a delay of `ns`.
pub fn upper_bound_ns(ns: u64) -> u64 {
    ns + ns * SLOW_PERCENT / 100 + SLACK_NS
}

fn check(clock: &mut dyn Stopwatch, ns: u64, work: &mut dyn FnMut()) -> Outcome {
    let hi = upper_bound_ns(ns);
    // What the reference measures around a closure that does nothing (its
    // own reads and the call) is added to both bounds, so a short delay is
    // judged on the delay alone: under QEMU that cost is about as long as
    // `delay_ns(500)` itself.
    let idle = clock.bracket(&mut || {}, ns, hi);
    if idle.out_of_range {
        return fail!("the reference clock cannot count to {hi} ns");
    }
    // A clock that only says "at least" cannot take its own cost off.
    if idle.at_least && idle.measured_ns.is_none() {
        return fail!(
            "the reference clock runs out of {ns} ns around nothing: it cannot judge this delay"
        );
    }
    let own = idle.measured_ns.unwrap_or(0);
    let b = clock.bracket(work, ns + own, hi + own);
    if b.out_of_range {
        return fail!("the reference clock cannot count to {} ns", hi + own);
    }
    let took = b.measured_ns.map(|m| m.saturating_sub(own));
    match (b.at_least, b.under, took) {
        (true, true, _) => Outcome::Pass,
        (false, _, Some(m)) => fail!("asked {ns} ns, took {m} ns: too short"),
        (false, _, None) => fail!("asked {ns} ns, took less"),
        (_, false, Some(m)) => fail!("asked {ns} ns, took {m} ns: over {hi}"),
        (_, false, None) => fail!("asked {ns} ns, took {hi} ns or more"),
    }
}
