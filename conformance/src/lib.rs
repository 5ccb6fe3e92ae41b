//! Generic embedded-hal 1.0 conformance tests.
//!
//! Every test here is written against the embedded-hal 1.0, embedded-hal-nb
//! and embedded-io traits only, so the same test runs on any HAL. A test
//! states the capability it needs ([`TestInfo::capability`]); a harness that
//! cannot provide it calls [`Runner::skip`] with the reason, never `pass`.
//!
//! Results leave the target as text lines ([`protocol`]) through whatever
//! [`Sink`] the harness has: semihosting under an emulator, RTT on a board.
//! [`fault`] wraps a driver so that it misbehaves: a harness built with fault
//! injection must see these tests fail, which shows that they can.
#![no_std]

pub mod fault;
mod msg;
pub mod protocol;
mod runner;
pub mod tests;

pub use msg::Msg;
pub use runner::{abort_line, Outcome, Runner, Sink, TestInfo};
