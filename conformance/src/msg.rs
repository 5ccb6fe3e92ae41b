use core::fmt;

/// A short failure message in a fixed buffer: tests run without an
/// allocator. Text past the capacity is cut, never an error.
#[derive(Clone)]
pub struct Msg {
    buf: [u8; Msg::CAPACITY],
    len: usize,
}

impl Msg {
    pub const CAPACITY: usize = 120;

    pub const fn new() -> Self {
        Self {
            buf: [0; Self::CAPACITY],
            len: 0,
        }
    }

    pub fn from_args(args: fmt::Arguments<'_>) -> Self {
        let mut m = Self::new();
        let _ = fmt::write(&mut m, args);
        m
    }

    pub fn as_str(&self) -> &str {
        // Only whole UTF-8 characters are ever copied in.
        core::str::from_utf8(&self.buf[..self.len]).unwrap_or("")
    }
}

impl Default for Msg {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Write for Msg {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for c in s.chars() {
            // Newlines would break the line protocol.
            let c = if c == '\n' || c == '\r' { ' ' } else { c };
            let mut utf8 = [0; 4];
            let bytes = c.encode_utf8(&mut utf8).as_bytes();
            if self.len + bytes.len() > Self::CAPACITY {
                break;
            }
            self.buf[self.len..self.len + bytes.len()].copy_from_slice(bytes);
            self.len += bytes.len();
        }
        Ok(())
    }
}

impl fmt::Debug for Msg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

/// `fail!("x was {}", x)`: an [`Outcome::Fail`](crate::Outcome) with a message.
#[macro_export]
macro_rules! fail {
    ($($arg:tt)*) => {
        $crate::Outcome::Fail($crate::Msg::from_args(format_args!($($arg)*)))
    };
}
