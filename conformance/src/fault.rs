//! Deliberately broken drivers. Each wraps a working one and breaks it the
//! way real drivers break; a harness built with fault injection runs the
//! suite on these, and every trait family's tests must fail. That is the
//! proof the suite can fail.

use embedded_hal::delay::DelayNs;
use embedded_hal::digital::{ErrorType as PinErrorType, InputPin, OutputPin, StatefulOutputPin};
use embedded_hal::i2c::{ErrorType as I2cErrorType, I2c, Operation, SevenBitAddress};
use embedded_hal::pwm::{ErrorType as PwmErrorType, SetDutyCycle};
use embedded_hal::spi::{ErrorType as SpiErrorType, SpiBus};

/// Output levels swapped: `set_high` drives low and the other way round.
pub struct InvertedPin<P>(pub P);

impl<P: PinErrorType> PinErrorType for InvertedPin<P> {
    type Error = P::Error;
}

impl<P: OutputPin> OutputPin for InvertedPin<P> {
    fn set_low(&mut self) -> Result<(), Self::Error> {
        self.0.set_high()
    }
    fn set_high(&mut self) -> Result<(), Self::Error> {
        self.0.set_low()
    }
}

impl<P: StatefulOutputPin> StatefulOutputPin for InvertedPin<P> {
    fn is_set_high(&mut self) -> Result<bool, Self::Error> {
        self.0.is_set_high()
    }
    fn is_set_low(&mut self) -> Result<bool, Self::Error> {
        self.0.is_set_low()
    }
}

impl<P: InputPin> InputPin for InvertedPin<P> {
    fn is_high(&mut self) -> Result<bool, Self::Error> {
        self.0.is_high()
    }
    fn is_low(&mut self) -> Result<bool, Self::Error> {
        self.0.is_low()
    }
}

/// Every delay half as long as asked (a clock taken for twice its rate).
pub struct HalfDelay<D>(pub D);

impl<D: DelayNs> DelayNs for HalfDelay<D> {
    fn delay_ns(&mut self, ns: u32) {
        self.0.delay_ns(ns / 2)
    }
}

/// Bit 0 of every byte flipped, both ways (a wrong frame format).
pub struct FlippedSerial<U>(pub U);

impl<U: embedded_io::ErrorType> embedded_io::ErrorType for FlippedSerial<U> {
    type Error = U::Error;
}

impl<U: embedded_io::Write> embedded_io::Write for FlippedSerial<U> {
    fn write(&mut self, buf: &[u8]) -> Result<usize, Self::Error> {
        match buf.first() {
            None => Ok(0),
            Some(&b) => self.0.write(&[b ^ 1]),
        }
    }
    fn flush(&mut self) -> Result<(), Self::Error> {
        self.0.flush()
    }
}

impl<U: embedded_io::Read> embedded_io::Read for FlippedSerial<U> {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, Self::Error> {
        let n = self.0.read(buf)?;
        buf[..n].iter_mut().for_each(|b| *b ^= 1);
        Ok(n)
    }
}

impl<U: embedded_io::ReadReady> embedded_io::ReadReady for FlippedSerial<U> {
    fn read_ready(&mut self) -> Result<bool, Self::Error> {
        self.0.read_ready()
    }
}

impl<U: embedded_io::WriteReady> embedded_io::WriteReady for FlippedSerial<U> {
    fn write_ready(&mut self) -> Result<bool, Self::Error> {
        self.0.write_ready()
    }
}

impl<U: embedded_hal_nb::serial::ErrorType> embedded_hal_nb::serial::ErrorType
    for FlippedSerial<U>
{
    type Error = U::Error;
}

impl<U: embedded_hal_nb::serial::Write<u8>> embedded_hal_nb::serial::Write<u8>
    for FlippedSerial<U>
{
    fn write(&mut self, word: u8) -> nb::Result<(), Self::Error> {
        self.0.write(word ^ 1)
    }
    fn flush(&mut self) -> nb::Result<(), Self::Error> {
        self.0.flush()
    }
}

impl<U: embedded_hal_nb::serial::Read<u8>> embedded_hal_nb::serial::Read<u8> for FlippedSerial<U> {
    fn read(&mut self) -> nb::Result<u8, Self::Error> {
        self.0.read().map(|b| b ^ 1)
    }
}

/// What was read comes back with bit 7 flipped (a wrong clock phase).
pub struct FlippedSpi<S>(pub S);

impl<S: SpiErrorType> SpiErrorType for FlippedSpi<S> {
    type Error = S::Error;
}

impl<S: SpiBus<u8>> SpiBus<u8> for FlippedSpi<S> {
    fn read(&mut self, words: &mut [u8]) -> Result<(), Self::Error> {
        self.0.read(words)?;
        words.iter_mut().for_each(|b| *b ^= 0x80);
        Ok(())
    }
    fn write(&mut self, words: &[u8]) -> Result<(), Self::Error> {
        self.0.write(words)
    }
    fn transfer(&mut self, read: &mut [u8], write: &[u8]) -> Result<(), Self::Error> {
        self.0.transfer(read, write)?;
        read.iter_mut().for_each(|b| *b ^= 0x80);
        Ok(())
    }
    fn transfer_in_place(&mut self, words: &mut [u8]) -> Result<(), Self::Error> {
        self.0.transfer_in_place(words)?;
        words.iter_mut().for_each(|b| *b ^= 0x80);
        Ok(())
    }
    fn flush(&mut self) -> Result<(), Self::Error> {
        self.0.flush()
    }
}

/// Every address one higher (an address shifted the wrong way).
pub struct ShiftedI2c<B>(pub B);

impl<B: I2cErrorType> I2cErrorType for ShiftedI2c<B> {
    type Error = B::Error;
}

impl<B: I2c> I2c for ShiftedI2c<B> {
    fn transaction(
        &mut self,
        address: SevenBitAddress,
        operations: &mut [Operation<'_>],
    ) -> Result<(), Self::Error> {
        self.0
            .transaction(address.wrapping_add(1) & 0x7f, operations)
    }
}

/// The duty written is always half of full scale (a write to the wrong
/// channel or a stuck register).
pub struct StuckPwm<P>(pub P);

impl<P: PwmErrorType> PwmErrorType for StuckPwm<P> {
    type Error = P::Error;
}

impl<P: SetDutyCycle> SetDutyCycle for StuckPwm<P> {
    fn max_duty_cycle(&self) -> u16 {
        self.0.max_duty_cycle()
    }
    fn set_duty_cycle(&mut self, _duty: u16) -> Result<(), Self::Error> {
        let half = self.0.max_duty_cycle() / 2;
        self.0.set_duty_cycle(half)
    }
}
