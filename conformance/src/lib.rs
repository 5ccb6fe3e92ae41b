//! Generic embedded-hal 1.0 conformance tests.
//!
//! Nothing lives here yet: the test suite and the per-chip harness are tracked
//! by the conformance issue. The crate exists so the workspace layout is stable.
#![no_std]
