//! The tests, one module per trait family. Each `pub const *: TestInfo`
//! names a test; the function beside it runs it and returns its
//! [`Outcome`](crate::Outcome).

pub mod delay;
pub mod gpio;
pub mod i2c;
pub mod pwm;
pub mod serial;
pub mod spi;

use crate::TestInfo;

/// Every test of the suite, by trait family.
pub const FAMILIES: &[&[TestInfo]] = &[
    gpio::ALL,
    serial::ALL,
    serial::HOST,
    spi::ALL,
    i2c::ALL,
    delay::ALL,
    pwm::ALL,
];

/// The test called `name`, wherever it is defined.
pub fn find(name: &str) -> Option<&'static TestInfo> {
    FAMILIES
        .iter()
        .flat_map(|f| f.iter())
        .find(|t| t.name == name)
}

/// Poll `ready` at most `bound` times; true once it says so.
pub(crate) fn poll(bound: u32, mut ready: impl FnMut() -> bool) -> bool {
    (0..bound).any(|_| ready())
}
