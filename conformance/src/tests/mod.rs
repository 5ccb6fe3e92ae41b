//! The tests, one module per trait family. Each `pub const *: TestInfo`
//! names a test; the function beside it runs it and returns its
//! [`Outcome`](crate::Outcome).

pub mod delay;
pub mod gpio;
pub mod i2c;
pub mod pwm;
pub mod serial;
pub mod spi;

/// Poll `ready` at most `bound` times; true once it says so.
pub(crate) fn poll(bound: u32, mut ready: impl FnMut() -> bool) -> bool {
    (0..bound).any(|_| ready())
}
