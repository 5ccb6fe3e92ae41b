//! SetDutyCycle: the duty set reaches the compare register. The harness
//! reads that register at an address the board file takes from the chip's
//! reference manual, not from the HAL, so a driver bound to the wrong
//! register fails.

use crate::fault::Fault;
use crate::{fail, Outcome, TestInfo};
use embedded_hal::pwm::SetDutyCycle;

pub const DUTY_READBACK: TestInfo = TestInfo {
    name: "pwm_duty_readback",
    capability: "pwm",
    trait_path: "pwm::SetDutyCycle",
    fault: Fault::PwmDutyIgnored,
};

/// The tests, in the order a harness runs them.
pub const ALL: &[TestInfo] = &[DUTY_READBACK];

/// Duty 0, ¼, ½ and full give compare values that step evenly (to ±1
/// count) and in one direction (down-counting hardware inverts them), and
/// where the period is known (`period_ticks`), full duty spans all of it:
/// a period longer than `max_duty_cycle` must still reach 100%.
pub fn duty_readback<P: SetDutyCycle>(
    pwm: &mut P,
    compare: &mut dyn FnMut() -> u32,
    period_ticks: Option<u32>,
) -> Outcome {
    let max = pwm.max_duty_cycle();
    if max < 4 {
        return fail!("max_duty_cycle is {max}: too small to test");
    }
    let duties = [0, max / 4, max / 2, max];
    let mut seen = [0i64; 4];
    for (slot, &duty) in seen.iter_mut().zip(&duties) {
        if pwm.set_duty_cycle(duty).is_err() {
            return fail!("set_duty_cycle({duty}) returned an error");
        }
        *slot = i64::from(compare());
    }
    let span = seen[3] - seen[0];
    if span == 0 {
        return fail!("compare stayed {} for every duty", seen[0]);
    }
    if let Some(period) = period_ticks {
        if (span.abs() - i64::from(period)).abs() > 1 {
            return fail!(
                "full duty moved compare by {} of a {period}-tick period",
                span.abs()
            );
        }
    }
    for (i, &duty) in duties.iter().enumerate() {
        let want = seen[0] + span * i64::from(duty) / i64::from(max);
        if (seen[i] - want).abs() > 1 {
            return fail!("duties {duties:?} gave compare {seen:?}: not linear");
        }
    }
    if pwm.set_duty_cycle_fully_off().is_err() || i64::from(compare()) != seen[0] {
        return fail!("set_duty_cycle_fully_off did not give compare {}", seen[0]);
    }
    Outcome::Pass
}
