//! Digital pins: what is set reads back.

use crate::fault::Fault;
use crate::{fail, Outcome, TestInfo};
use embedded_hal::digital::{InputPin, OutputPin, PinState, StatefulOutputPin};

pub const OUTPUT_STATEFUL: TestInfo = TestInfo {
    name: "gpio_output_stateful",
    capability: "gpio",
    trait_path: "digital::StatefulOutputPin",
    fault: Fault::PinWritesIgnored,
};

/// The tests, in the order a harness runs them.
pub const ALL: &[TestInfo] = &[OUTPUT_STATEFUL, INPUT_READBACK];

/// set_high, set_low, set_state and toggle, each read back through
/// `is_set_high`/`is_set_low`.
pub fn output_stateful<P: StatefulOutputPin>(pin: &mut P) -> Outcome {
    let mut steps: [(&str, bool); 6] = [("", false); 6];
    let mut run = |pin: &mut P| -> Result<(), P::Error> {
        pin.set_high()?;
        steps[0] = ("set_high", pin.is_set_high()? && !pin.is_set_low()?);
        pin.set_low()?;
        steps[1] = ("set_low", pin.is_set_low()? && !pin.is_set_high()?);
        pin.toggle()?;
        steps[2] = ("toggle to high", pin.is_set_high()?);
        pin.toggle()?;
        steps[3] = ("toggle to low", pin.is_set_low()?);
        pin.set_state(PinState::High)?;
        steps[4] = ("set_state(High)", pin.is_set_high()?);
        pin.set_state(PinState::Low)?;
        steps[5] = ("set_state(Low)", pin.is_set_low()?);
        Ok(())
    };
    if run(pin).is_err() {
        return fail!("a pin method returned an error");
    }
    match steps.iter().find(|(_, ok)| !ok) {
        None => Outcome::Pass,
        Some((step, _)) => fail!("{step} did not read back"),
    }
}

pub const INPUT_READBACK: TestInfo = TestInfo {
    name: "gpio_input_readback",
    capability: "gpio",
    trait_path: "digital::InputPin",
    fault: Fault::PinInputStuckLow,
};

/// The pin's input reads the level its own output drives, on backends
/// where the input buffer sees the output (QEMU's PL061 and nRF51 GPIO; a
/// board with a jumper).
pub fn input_readback<P: OutputPin + InputPin>(pin: &mut P) -> Outcome {
    let run = |pin: &mut P| -> Result<(bool, bool), P::Error> {
        pin.set_high()?;
        let high = pin.is_high()? && !pin.is_low()?;
        pin.set_low()?;
        let low = pin.is_low()? && !pin.is_high()?;
        Ok((high, low))
    };
    match run(pin) {
        Err(_) => fail!("a pin method returned an error"),
        Ok((true, true)) => Outcome::Pass,
        Ok((high, _)) => fail!(
            "input did not follow output {}",
            if high { "low" } else { "high" }
        ),
    }
}
