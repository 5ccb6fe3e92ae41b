//! The result protocol: one text line per event, the same over semihosting
//! and RTT, so one host parser reads both.
//!
//! ```text
//! @hgc 1 begin <chip> <board>
//! @hgc 1 test <name> <capability> <trait> <instance> pass
//! @hgc 1 test <name> <capability> <trait> <instance> fail <message…>
//! @hgc 1 test <name> <capability> <trait> <instance> skip <reason…>
//! @hgc 1 end <passed> <failed> <skipped>
//! @hgc 1 abort <message…>          (panic or fault: the run is over)
//! ```
//! Fields before the message contain no spaces. A run that ends with no
//! `end` line (hang, reset loop, lost output) is a failure on the host.
//!
//! The serial tests also talk to the host over the UART under test: the
//! firmware writes [`SERIAL_PATTERN_IO`] then [`SERIAL_PATTERN_NB`] then
//! [`SERIAL_PROMPT`]; the host checks those bytes arrived exactly and in
//! order, then answers with [`SERIAL_INJECT`], which the firmware reads back.

/// Every protocol line starts with this.
pub const PREFIX: &str = "@hgc";
/// Bumped when a line's meaning changes.
pub const VERSION: u32 = 1;

/// Written through `embedded_io::Write`. Covers every bit position and the
/// bytes line disciplines like to eat (NUL, CR, LF, XON/XOFF, DEL, 0xFF).
pub const SERIAL_PATTERN_IO: &[u8] = b"hgc-io:\x00\x01\x0d\x0a\x11\x13\x55\xaa\x7f\x80\xfe\xff;";
/// Written through `embedded_hal_nb::serial::Write`.
pub const SERIAL_PATTERN_NB: &[u8] = b"hgc-nb:0123456789ABCDEF;";
/// Tells the host to send [`SERIAL_INJECT`].
pub const SERIAL_PROMPT: &[u8] = b"hgc-send?";
/// What the host sends back: the first half is read through embedded-io,
/// the second through embedded-hal-nb.
pub const SERIAL_INJECT: &[u8] = b"\x5a\xa5\x00\xffhost\x0d\x0a\x7f\x80HOST";
