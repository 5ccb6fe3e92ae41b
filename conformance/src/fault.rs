//! Deliberately broken drivers: the proof that each test can fail.
//!
//! Every test names its twin [`Fault`] ([`TestInfo::fault`](crate::TestInfo)),
//! a way real drivers break that the test exists to catch. A harness built
//! with fault injection wraps each driver in [`Faulty`] and, before each
//! test, arms that test's own fault ([`Faulty::arm`]); the host then checks
//! that every test which passed on the working driver fails on its twin.
//! A test whose twin cannot fail it checks nothing.
//!
//! Faults act on the trait calls only, so they break any HAL the same way.

use embedded_hal::delay::DelayNs;
use embedded_hal::digital::{ErrorType as PinErrorType, InputPin, OutputPin, StatefulOutputPin};
use embedded_hal::i2c::{
    Error as _, ErrorKind as I2cErrorKind, ErrorType as I2cErrorType, I2c, Operation,
    SevenBitAddress,
};
use embedded_hal::pwm::{ErrorType as PwmErrorType, SetDutyCycle};
use embedded_hal::spi::{ErrorType as SpiErrorType, SpiBus};

/// One way a driver breaks. Each names the tests it is the twin of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// No fault: the driver as it is.
    None,
    /// `set_high`/`set_low` return `Ok` and change nothing (a driver that
    /// does nothing). Twin of `gpio_output_stateful`.
    PinWritesIgnored,
    /// The input reads low whatever the pin does (the wrong register, or an
    /// input buffer left disabled). Twin of `gpio_input_readback`.
    PinInputStuckLow,
    /// Every delay half as long as asked (a clock taken for twice its rate).
    /// Twin of the `delay_*` tests.
    DelayHalved,
    /// Every delay a microsecond short of what was asked, or no delay when
    /// asked less (a request rounded down to whole microseconds or whole
    /// ticks). Twin of `delay_ns_sub_us` and `delay_us_past_tick`.
    DelayMicroShort,
    /// Every delay returns at once (a driver that does nothing). Twin of
    /// `delay_ns_fraction`: a microsecond short of 1.5 µs is within a
    /// Cortex-M0 HAL's own call overhead under QEMU, so the shorter twin
    /// would not show whether the test can fail.
    DelayIgnored,
    /// Writes return `Ok` and send nothing. Twin of `serial_write_io`,
    /// `serial_write_nb` and the host's `serial_host_saw_writes`.
    SerialWritesDropped,
    /// `write_ready` is never true (the wrong flag, or its polarity).
    /// Twin of `serial_write_ready`.
    SerialNeverWriteReady,
    /// `read_ready` is always true. Twin of `serial_read_ready_idle`.
    SerialAlwaysReadReady,
    /// `read_ready` is never true. Twin of `serial_read_ready`.
    SerialNeverReadReady,
    /// Reads return zeros without taking a byte from the receiver (a driver
    /// that never reads). Twin of `serial_read_io` and `serial_read_nb`.
    SerialReadsNothing,
    /// What the bus clocks in is never stored: read buffers come back as
    /// they went in. Twin of `spi_transfer`, `spi_transfer_in_place` and
    /// `spi_read`.
    SpiReadIgnored,
    /// The word received during a `write` stays in the receiver and comes
    /// out of the next read (a write or flush that does not drain it).
    /// Twin of `spi_write` and `spi_flush`.
    SpiLeavesStale,
    /// Every address one higher (an address shifted the wrong way). Twin of
    /// `i2c_write_read` and `i2c_bus_recovers_after_nack`.
    I2cAddressShifted,
    /// Transactions made only of writes return `Ok` and send nothing. Twin
    /// of `i2c_write_then_read`.
    I2cWritesDropped,
    /// Read buffers come back as zeros. Twin of `i2c_transaction`.
    I2cReadsZeros,
    /// A NACK is reported as success. Twin of `i2c_nack_absent_address`.
    I2cNackIgnored,
    /// `set_duty_cycle` returns `Ok` and writes nothing. Twin of
    /// `pwm_duty_readback`.
    PwmDutyIgnored,
}

impl Fault {
    /// The name results files carry, snake_case.
    pub const fn name(self) -> &'static str {
        match self {
            Fault::None => "none",
            Fault::PinWritesIgnored => "pin_writes_ignored",
            Fault::PinInputStuckLow => "pin_input_stuck_low",
            Fault::DelayHalved => "delay_halved",
            Fault::DelayMicroShort => "delay_micro_short",
            Fault::DelayIgnored => "delay_ignored",
            Fault::SerialWritesDropped => "serial_writes_dropped",
            Fault::SerialNeverWriteReady => "serial_never_write_ready",
            Fault::SerialAlwaysReadReady => "serial_always_read_ready",
            Fault::SerialNeverReadReady => "serial_never_read_ready",
            Fault::SerialReadsNothing => "serial_reads_nothing",
            Fault::SpiReadIgnored => "spi_read_ignored",
            Fault::SpiLeavesStale => "spi_leaves_stale",
            Fault::I2cAddressShifted => "i2c_address_shifted",
            Fault::I2cWritesDropped => "i2c_writes_dropped",
            Fault::I2cReadsZeros => "i2c_reads_zeros",
            Fault::I2cNackIgnored => "i2c_nack_ignored",
            Fault::PwmDutyIgnored => "pwm_duty_ignored",
        }
    }
}

/// A driver with one [`Fault`] armed at a time; with [`Fault::None`] it
/// passes every call through unchanged.
pub struct Faulty<D> {
    inner: D,
    armed: Fault,
    /// [`Fault::SpiLeavesStale`]: the word left in the receiver.
    stale: Option<u8>,
}

impl<D> Faulty<D> {
    pub fn new(inner: D) -> Self {
        Self {
            inner,
            armed: Fault::None,
            stale: None,
        }
    }

    /// Break the driver this way from now on.
    pub fn arm(&mut self, fault: Fault) {
        self.armed = fault;
        self.stale = None;
    }

    pub fn armed(&self) -> Fault {
        self.armed
    }

    pub fn into_inner(self) -> D {
        self.inner
    }
}

impl<P: PinErrorType> PinErrorType for Faulty<P> {
    type Error = P::Error;
}

impl<P: OutputPin> OutputPin for Faulty<P> {
    fn set_low(&mut self) -> Result<(), Self::Error> {
        match self.armed {
            Fault::PinWritesIgnored => Ok(()),
            _ => self.inner.set_low(),
        }
    }
    fn set_high(&mut self) -> Result<(), Self::Error> {
        match self.armed {
            Fault::PinWritesIgnored => Ok(()),
            _ => self.inner.set_high(),
        }
    }
}

impl<P: StatefulOutputPin> StatefulOutputPin for Faulty<P> {
    fn is_set_high(&mut self) -> Result<bool, Self::Error> {
        self.inner.is_set_high()
    }
    fn is_set_low(&mut self) -> Result<bool, Self::Error> {
        self.inner.is_set_low()
    }
}

impl<P: InputPin> InputPin for Faulty<P> {
    fn is_high(&mut self) -> Result<bool, Self::Error> {
        match self.armed {
            Fault::PinInputStuckLow => Ok(false),
            _ => self.inner.is_high(),
        }
    }
    fn is_low(&mut self) -> Result<bool, Self::Error> {
        match self.armed {
            Fault::PinInputStuckLow => Ok(true),
            _ => self.inner.is_low(),
        }
    }
}

// Each method goes to the same method of the driver, so a fault build
// times the driver's own `delay_us` and `delay_ms`, not the trait's
// defaults built on `delay_ns`.
impl<D: DelayNs> DelayNs for Faulty<D> {
    fn delay_ns(&mut self, ns: u32) {
        match self.armed {
            Fault::DelayHalved => self.inner.delay_ns(ns / 2),
            Fault::DelayIgnored => {}
            Fault::DelayMicroShort => {
                if ns > 1_000 {
                    self.inner.delay_ns(ns - 1_000)
                }
            }
            _ => self.inner.delay_ns(ns),
        }
    }
    fn delay_us(&mut self, us: u32) {
        match self.armed {
            Fault::DelayHalved => self.inner.delay_us(us / 2),
            Fault::DelayIgnored => {}
            Fault::DelayMicroShort => {
                if us > 1 {
                    self.inner.delay_us(us - 1)
                }
            }
            _ => self.inner.delay_us(us),
        }
    }
    fn delay_ms(&mut self, ms: u32) {
        match self.armed {
            Fault::DelayHalved => self.inner.delay_ms(ms / 2),
            Fault::DelayIgnored => {}
            Fault::DelayMicroShort => self
                .inner
                .delay_us(ms.saturating_mul(1_000).saturating_sub(1)),
            _ => self.inner.delay_ms(ms),
        }
    }
}

impl<U: embedded_io::ErrorType> embedded_io::ErrorType for Faulty<U> {
    type Error = U::Error;
}

impl<U: embedded_io::Write> embedded_io::Write for Faulty<U> {
    fn write(&mut self, buf: &[u8]) -> Result<usize, Self::Error> {
        match self.armed {
            Fault::SerialWritesDropped => Ok(buf.len()),
            _ => self.inner.write(buf),
        }
    }
    fn flush(&mut self) -> Result<(), Self::Error> {
        self.inner.flush()
    }
}

impl<U: embedded_io::Read> embedded_io::Read for Faulty<U> {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, Self::Error> {
        match self.armed {
            Fault::SerialReadsNothing => {
                buf.fill(0);
                Ok(buf.len())
            }
            _ => self.inner.read(buf),
        }
    }
}

impl<U: embedded_io::ReadReady> embedded_io::ReadReady for Faulty<U> {
    fn read_ready(&mut self) -> Result<bool, Self::Error> {
        match self.armed {
            Fault::SerialAlwaysReadReady => Ok(true),
            Fault::SerialNeverReadReady => Ok(false),
            _ => self.inner.read_ready(),
        }
    }
}

impl<U: embedded_io::WriteReady> embedded_io::WriteReady for Faulty<U> {
    fn write_ready(&mut self) -> Result<bool, Self::Error> {
        match self.armed {
            Fault::SerialNeverWriteReady => Ok(false),
            _ => self.inner.write_ready(),
        }
    }
}

impl<U: embedded_hal_nb::serial::ErrorType> embedded_hal_nb::serial::ErrorType for Faulty<U> {
    type Error = U::Error;
}

impl<U: embedded_hal_nb::serial::Write<u8>> embedded_hal_nb::serial::Write<u8> for Faulty<U> {
    fn write(&mut self, word: u8) -> nb::Result<(), Self::Error> {
        match self.armed {
            Fault::SerialWritesDropped => Ok(()),
            _ => self.inner.write(word),
        }
    }
    fn flush(&mut self) -> nb::Result<(), Self::Error> {
        self.inner.flush()
    }
}

impl<U: embedded_hal_nb::serial::Read<u8>> embedded_hal_nb::serial::Read<u8> for Faulty<U> {
    fn read(&mut self) -> nb::Result<u8, Self::Error> {
        match self.armed {
            Fault::SerialReadsNothing => Ok(0),
            _ => self.inner.read(),
        }
    }
}

impl<S: SpiErrorType> SpiErrorType for Faulty<S> {
    type Error = S::Error;
}

/// Scratch for [`Fault::SpiReadIgnored`]: the bus still clocks, a chunk at
/// a time, but what comes in is thrown away.
const SCRATCH: usize = 16;

impl<S: SpiBus<u8>> Faulty<S> {
    /// [`Fault::SpiLeavesStale`]: the stale word comes out first, and the
    /// last word received stays behind in its place.
    fn shift_in_stale(&mut self, words: &mut [u8]) {
        if let Some(stale) = self.stale.take() {
            if let Some(&last) = words.last() {
                words.rotate_right(1);
                words[0] = stale;
                self.stale = Some(last);
            } else {
                self.stale = Some(stale);
            }
        }
    }
}

impl<S: SpiBus<u8>> SpiBus<u8> for Faulty<S> {
    fn read(&mut self, words: &mut [u8]) -> Result<(), Self::Error> {
        match self.armed {
            Fault::SpiReadIgnored => {
                for chunk in words.chunks(SCRATCH) {
                    self.inner.read(&mut [0u8; SCRATCH][..chunk.len()])?;
                }
                Ok(())
            }
            _ => {
                self.inner.read(words)?;
                self.shift_in_stale(words);
                Ok(())
            }
        }
    }
    fn write(&mut self, words: &[u8]) -> Result<(), Self::Error> {
        self.inner.write(words)?;
        if self.armed == Fault::SpiLeavesStale {
            if let Some(&last) = words.last() {
                self.stale = Some(last);
            }
        }
        Ok(())
    }
    fn transfer(&mut self, read: &mut [u8], write: &[u8]) -> Result<(), Self::Error> {
        match self.armed {
            Fault::SpiReadIgnored => self.inner.write(write),
            _ => {
                self.inner.transfer(read, write)?;
                self.shift_in_stale(read);
                Ok(())
            }
        }
    }
    fn transfer_in_place(&mut self, words: &mut [u8]) -> Result<(), Self::Error> {
        match self.armed {
            Fault::SpiReadIgnored => self.inner.write(words),
            _ => {
                self.inner.transfer_in_place(words)?;
                self.shift_in_stale(words);
                Ok(())
            }
        }
    }
    fn flush(&mut self) -> Result<(), Self::Error> {
        self.inner.flush()
    }
}

impl<B: I2cErrorType> I2cErrorType for Faulty<B> {
    type Error = B::Error;
}

impl<B: I2c> I2c for Faulty<B> {
    fn transaction(
        &mut self,
        address: SevenBitAddress,
        operations: &mut [Operation<'_>],
    ) -> Result<(), Self::Error> {
        match self.armed {
            Fault::I2cAddressShifted => self
                .inner
                .transaction(address.wrapping_add(1) & 0x7f, operations),
            Fault::I2cWritesDropped
                if operations.iter().all(|o| matches!(o, Operation::Write(_))) =>
            {
                Ok(())
            }
            Fault::I2cReadsZeros => {
                self.inner.transaction(address, operations)?;
                for op in operations {
                    if let Operation::Read(buf) = op {
                        buf.fill(0);
                    }
                }
                Ok(())
            }
            Fault::I2cNackIgnored => match self.inner.transaction(address, operations) {
                Err(e) if matches!(e.kind(), I2cErrorKind::NoAcknowledge(_)) => Ok(()),
                other => other,
            },
            _ => self.inner.transaction(address, operations),
        }
    }
}

impl<P: PwmErrorType> PwmErrorType for Faulty<P> {
    type Error = P::Error;
}

impl<P: SetDutyCycle> SetDutyCycle for Faulty<P> {
    fn max_duty_cycle(&self) -> u16 {
        self.inner.max_duty_cycle()
    }
    fn set_duty_cycle(&mut self, duty: u16) -> Result<(), Self::Error> {
        match self.armed {
            Fault::PwmDutyIgnored => Ok(()),
            _ => self.inner.set_duty_cycle(duty),
        }
    }
}
