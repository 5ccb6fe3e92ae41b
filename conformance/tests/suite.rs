//! Each test of the suite against a working model of its trait (it must
//! pass) and against the same model behind `conformance::fault` (it must
//! fail). The QEMU runs do the same against real generated drivers.

use embedded_hal::delay::DelayNs;
use embedded_hal::digital::{ErrorType, InputPin, OutputPin, StatefulOutputPin};
use embedded_hal::i2c::{self, I2c, Operation};
use embedded_hal::pwm::SetDutyCycle;
use embedded_hal::spi::SpiBus;
use hal_gen_conformance::fault::{Fault, Faulty};
use hal_gen_conformance::protocol::{SERIAL_INJECT, SERIAL_PATTERN_IO, SERIAL_PATTERN_NB};
use hal_gen_conformance::tests::{delay, gpio, i2c as i2c_tests, pwm, serial, spi};
use hal_gen_conformance::{Outcome, Runner, Sink, TestInfo};
use std::cell::Cell;
use std::collections::VecDeque;
use std::convert::Infallible;
use std::rc::Rc;

fn pass(o: Outcome) {
    assert!(o.is_pass(), "{o:?}");
}
fn fails(o: Outcome) {
    assert!(!o.is_pass(), "a broken driver passed");
}

/// `driver` broken the way `test`'s twin fault says.
fn twin<D>(driver: D, test: &TestInfo) -> Faulty<D> {
    let mut f = Faulty::new(driver);
    f.arm(test.fault);
    f
}

/// A pin whose input sees its output.
#[derive(Default)]
struct Pin(bool);
impl ErrorType for Pin {
    type Error = Infallible;
}
impl OutputPin for Pin {
    fn set_low(&mut self) -> Result<(), Infallible> {
        self.0 = false;
        Ok(())
    }
    fn set_high(&mut self) -> Result<(), Infallible> {
        self.0 = true;
        Ok(())
    }
}
impl StatefulOutputPin for Pin {
    fn is_set_high(&mut self) -> Result<bool, Infallible> {
        Ok(self.0)
    }
    fn is_set_low(&mut self) -> Result<bool, Infallible> {
        Ok(!self.0)
    }
}
impl InputPin for Pin {
    fn is_high(&mut self) -> Result<bool, Infallible> {
        Ok(self.0)
    }
    fn is_low(&mut self) -> Result<bool, Infallible> {
        Ok(!self.0)
    }
}

#[test]
fn gpio() {
    pass(gpio::output_stateful(&mut Pin::default()));
    pass(gpio::input_readback(&mut Pin::default()));
    fails(gpio::output_stateful(&mut twin(
        Pin::default(),
        &gpio::OUTPUT_STATEFUL,
    )));
    fails(gpio::input_readback(&mut twin(
        Pin::default(),
        &gpio::INPUT_READBACK,
    )));
}

/// Virtual time: the delay advances it, the stopwatch reads it.
#[derive(Clone, Default)]
struct Clock(Rc<Cell<u64>>);
struct Delay(Clock);
impl DelayNs for Delay {
    fn delay_ns(&mut self, ns: u32) {
        let c = &(self.0).0;
        c.set(c.get() + u64::from(ns) + 300);
    }
}
impl delay::Stopwatch for Clock {
    fn bracket(&mut self, work: &mut dyn FnMut(), lo: u64, hi: u64) -> delay::Bracket {
        let start = self.0.get();
        work();
        let ns = self.0.get() - start;
        delay::Bracket {
            at_least: ns >= lo,
            under: ns < hi,
            measured_ns: Some(ns),
            out_of_range: false,
        }
    }
}

/// A delay that takes twice as long as asked: also wrong.
struct SlowDelay(Clock);
impl DelayNs for SlowDelay {
    fn delay_ns(&mut self, ns: u32) {
        let c = &(self.0).0;
        c.set(c.get() + 2 * u64::from(ns));
    }
}

#[test]
fn delay() {
    let clock = Clock::default();
    for test in [delay::ns::<Delay>, delay::us::<Delay>, delay::ms::<Delay>] {
        pass(test(&mut Delay(clock.clone()), &mut clock.clone()));
    }
    for (info, test) in [
        (
            delay::NS,
            delay::ns::<Faulty<Delay>> as fn(&mut _, &mut dyn delay::Stopwatch) -> _,
        ),
        (delay::US, delay::us::<Faulty<Delay>>),
        (delay::MS, delay::ms::<Faulty<Delay>>),
    ] {
        let mut watch = clock.clone();
        fails(test(&mut twin(Delay(clock.clone()), &info), &mut watch));
    }
    fails(delay::ms(&mut SlowDelay(clock.clone()), &mut clock.clone()));
}

/// nrf-hal's `Timer::delay_ns` in a model: `delay_us(ns / 1000)`.
struct WholeMicrosDelay(Clock);
impl DelayNs for WholeMicrosDelay {
    fn delay_ns(&mut self, ns: u32) {
        let c = &(self.0).0;
        c.set(c.get() + u64::from(ns / 1_000) * 1_000 + 300);
    }
}

/// A delay on a 32.768 kHz clock that rounds to the nearest tick.
struct NearestTickDelay(Clock);
const SLOW_TICK_HZ: u64 = 32_768;
impl DelayNs for NearestTickDelay {
    fn delay_ns(&mut self, ns: u32) {
        let ticks = (u64::from(ns) * SLOW_TICK_HZ + 500_000_000) / 1_000_000_000;
        let c = &(self.0).0;
        c.set(c.get() + ticks * 1_000_000_000 / SLOW_TICK_HZ + 300);
    }
}

#[test]
fn delay_below_a_microsecond_and_a_tick() {
    let clock = Clock::default();
    let w = &mut clock.clone();
    pass(delay::ns_sub_us(&mut Delay(clock.clone()), w));
    pass(delay::ns_fraction(&mut Delay(clock.clone()), w));
    pass(delay::us_past_tick(&mut Delay(clock.clone()), w, 1_000_000));
    pass(delay::us_past_tick(&mut Delay(clock.clone()), w, 32_768));
    for info in [delay::NS_SUB_US, delay::NS_FRACTION] {
        let test = if info.name == delay::NS_SUB_US.name {
            delay::ns_sub_us::<Faulty<Delay>>
        } else {
            delay::ns_fraction::<Faulty<Delay>>
        };
        fails(test(&mut twin(Delay(clock.clone()), &info), w));
    }
    for tick_hz in [1_000_000, 16_000_000, 32_768] {
        let mut d = twin(Delay(clock.clone()), &delay::US_PAST_TICK);
        fails(delay::us_past_tick(&mut d, w, tick_hz));
    }
    // The bugs these tests are for.
    fails(delay::ns_sub_us(&mut WholeMicrosDelay(clock.clone()), w));
    fails(delay::ns_fraction(&mut WholeMicrosDelay(clock.clone()), w));
    fails(delay::us_past_tick(
        &mut NearestTickDelay(clock.clone()),
        w,
        32_768,
    ));
    assert_eq!(delay::past_tick_us(32_768), 31);
    assert_eq!(delay::past_tick_us(16_000_000), 1);
}

/// A UART wired to a scripted host: it records writes and, once the
/// prompt is written, has the host's bytes to read.
#[derive(Default)]
struct Uart {
    sent: Vec<u8>,
    rx: VecDeque<u8>,
}
impl embedded_io::ErrorType for Uart {
    type Error = Infallible;
}
impl embedded_io::Write for Uart {
    fn write(&mut self, buf: &[u8]) -> Result<usize, Infallible> {
        self.sent.extend_from_slice(buf);
        if self
            .sent
            .ends_with(hal_gen_conformance::protocol::SERIAL_PROMPT)
        {
            self.rx.extend(SERIAL_INJECT);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> Result<(), Infallible> {
        Ok(())
    }
}
impl embedded_io::Read for Uart {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, Infallible> {
        let n = buf.len().min(self.rx.len());
        for b in &mut buf[..n] {
            *b = self.rx.pop_front().unwrap();
        }
        Ok(n)
    }
}
impl embedded_io::ReadReady for Uart {
    fn read_ready(&mut self) -> Result<bool, Infallible> {
        Ok(!self.rx.is_empty())
    }
}
impl embedded_io::WriteReady for Uart {
    fn write_ready(&mut self) -> Result<bool, Infallible> {
        Ok(true)
    }
}
impl embedded_hal_nb::serial::ErrorType for Uart {
    type Error = Infallible;
}
impl embedded_hal_nb::serial::Write<u8> for Uart {
    fn write(&mut self, w: u8) -> nb::Result<(), Infallible> {
        self.sent.push(w);
        Ok(())
    }
    fn flush(&mut self) -> nb::Result<(), Infallible> {
        Ok(())
    }
}
impl embedded_hal_nb::serial::Read<u8> for Uart {
    fn read(&mut self) -> nb::Result<u8, Infallible> {
        self.rx.pop_front().ok_or(nb::Error::WouldBlock)
    }
}

#[test]
fn serial() {
    let mut uart = Uart::default();
    pass(serial::write_io(&mut uart));
    pass(serial::write_nb(&mut uart));
    pass(serial::write_ready(&mut uart));
    pass(serial::read_ready_idle(&mut uart));
    assert!(serial::prompt(&mut uart));
    pass(serial::read_ready(&mut uart));
    pass(serial::read_io(&mut uart));
    pass(serial::read_nb(&mut uart));
    assert!(uart
        .sent
        .starts_with(&[SERIAL_PATTERN_IO, SERIAL_PATTERN_NB].concat()));

    // Each test under its own twin. The write tests fail on the host's side:
    // the host would not see the pattern.
    let mut uart = Uart::default();
    pass(serial::write_io(&mut twin(&mut uart, &serial::WRITE_IO)));
    pass(serial::write_nb(&mut twin(&mut uart, &serial::WRITE_NB)));
    assert!(uart.sent.is_empty(), "the host would see the writes");
    fails(serial::write_ready(&mut twin(
        &mut uart,
        &serial::WRITE_READY,
    )));
    fails(serial::read_ready_idle(&mut twin(
        &mut uart,
        &serial::READ_READY_IDLE,
    )));
    serial::prompt(&mut uart);
    fails(serial::read_ready(&mut twin(
        &mut uart,
        &serial::READ_READY,
    )));
    fails(serial::read_io(&mut twin(&mut uart, &serial::READ_IO)));
    fails(serial::read_nb(&mut twin(&mut uart, &serial::READ_NB)));
}

/// A transmitter that never takes a byte: `write` would block for ever
/// (here it panics, so a test that calls it without waiting shows).
struct StuckUart;
impl embedded_io::ErrorType for StuckUart {
    type Error = Infallible;
}
impl embedded_io::Write for StuckUart {
    fn write(&mut self, _: &[u8]) -> Result<usize, Infallible> {
        panic!("write called on a transmitter that is not ready: it would block for ever");
    }
    fn flush(&mut self) -> Result<(), Infallible> {
        panic!("flush called on a transmitter that is not ready: it would block for ever");
    }
}
impl embedded_io::WriteReady for StuckUart {
    fn write_ready(&mut self) -> Result<bool, Infallible> {
        Ok(false)
    }
}

#[test]
fn stuck_transmitter_is_a_failure_not_a_hang() {
    match serial::write_io(&mut StuckUart) {
        Outcome::Fail(m) => assert!(m.as_str().contains("stuck"), "{m:?}"),
        o => panic!("{o:?}"),
    }
    match serial::write_ready(&mut StuckUart) {
        Outcome::Fail(m) => assert!(m.as_str().contains("stuck"), "{m:?}"),
        o => panic!("{o:?}"),
    }
    assert!(!serial::prompt(&mut StuckUart));
}

/// A SPI bus in loopback, or (loopback off) an idle bus that reads 0xff.
struct Loopback(Rc<Cell<bool>>);
impl Loopback {
    fn new() -> Self {
        Self(Rc::new(Cell::new(true)))
    }
    fn clock(&self, out: u8) -> u8 {
        if self.0.get() {
            out
        } else {
            0xff
        }
    }
}
impl embedded_hal::spi::ErrorType for Loopback {
    type Error = Infallible;
}
impl SpiBus<u8> for Loopback {
    fn read(&mut self, words: &mut [u8]) -> Result<(), Infallible> {
        words.fill(self.clock(0));
        Ok(())
    }
    fn write(&mut self, _: &[u8]) -> Result<(), Infallible> {
        Ok(())
    }
    fn transfer(&mut self, read: &mut [u8], write: &[u8]) -> Result<(), Infallible> {
        for (r, &w) in read.iter_mut().zip(write) {
            *r = self.clock(w);
        }
        Ok(())
    }
    fn transfer_in_place(&mut self, words: &mut [u8]) -> Result<(), Infallible> {
        words.iter_mut().for_each(|w| *w = self.clock(*w));
        Ok(())
    }
    fn flush(&mut self) -> Result<(), Infallible> {
        Ok(())
    }
}

/// A SPI NOR flash that answers JEDEC ID the way QEMU's m25p80 does.
#[derive(Default)]
struct Flash {
    answer: VecDeque<u8>,
}
impl Flash {
    fn clock(&mut self, out: u8) -> u8 {
        if let Some(b) = self.answer.pop_front() {
            return b;
        }
        if out == 0x9f {
            self.answer.extend([0xef, 0x40, 0x17, 0, 0, 0]);
        }
        0xff
    }
}
impl embedded_hal::spi::ErrorType for Flash {
    type Error = Infallible;
}
impl SpiBus<u8> for Flash {
    fn read(&mut self, words: &mut [u8]) -> Result<(), Infallible> {
        words.iter_mut().for_each(|w| *w = self.clock(0));
        Ok(())
    }
    fn write(&mut self, words: &[u8]) -> Result<(), Infallible> {
        words.iter().for_each(|&w| {
            self.clock(w);
        });
        Ok(())
    }
    fn transfer(&mut self, read: &mut [u8], write: &[u8]) -> Result<(), Infallible> {
        for (r, &w) in read.iter_mut().zip(write) {
            *r = self.clock(w);
        }
        Ok(())
    }
    fn transfer_in_place(&mut self, words: &mut [u8]) -> Result<(), Infallible> {
        words.iter_mut().for_each(|w| *w = self.clock(*w));
        Ok(())
    }
    fn flush(&mut self) -> Result<(), Infallible> {
        Ok(())
    }
}

#[test]
fn spi() {
    let bus = Loopback::new();
    let switch = bus.0.clone();
    let mut loopback = |on: bool| switch.set(on);
    let mut bus = bus;
    pass(spi::loopback_transfer(&mut bus));
    pass(spi::loopback_transfer_in_place(&mut bus, &mut loopback));
    pass(spi::loopback_write(&mut bus));
    pass(spi::loopback_read(&mut bus));
    pass(spi::loopback_flush(&mut bus));
    fails(spi::loopback_transfer(&mut twin(&mut bus, &spi::TRANSFER)));
    fails(spi::loopback_transfer_in_place(
        &mut twin(&mut bus, &spi::TRANSFER_IN_PLACE),
        &mut loopback,
    ));
    fails(spi::loopback_write(&mut twin(&mut bus, &spi::WRITE)));
    fails(spi::loopback_read(&mut twin(&mut bus, &spi::READ)));
    fails(spi::loopback_flush(&mut twin(&mut bus, &spi::FLUSH)));

    let j = spi::Jedec {
        command: 0x9f,
        id: [0xef, 0x40, 0x17],
        response_len: 6,
    };
    let mut flash = Flash::default();
    pass(spi::jedec_write(&mut flash, &j));
    pass(spi::jedec_transfer(&mut flash, &j));
    pass(spi::jedec_transfer_in_place(&mut flash, &j));
    pass(spi::jedec_read(&mut flash, &j));
    pass(spi::jedec_flush(&mut flash, &j));
    let mut flash = Flash::default();
    fails(spi::jedec_write(&mut twin(&mut flash, &spi::WRITE), &j));
    let mut flash = Flash::default();
    fails(spi::jedec_transfer(
        &mut twin(&mut flash, &spi::TRANSFER),
        &j,
    ));
    let mut flash = Flash::default();
    fails(spi::jedec_transfer_in_place(
        &mut twin(&mut flash, &spi::TRANSFER_IN_PLACE),
        &j,
    ));
    let mut flash = Flash::default();
    fails(spi::jedec_read(&mut twin(&mut flash, &spi::READ), &j));
    let mut flash = Flash::default();
    fails(spi::jedec_flush(&mut twin(&mut flash, &spi::FLUSH), &j));
}

/// A TMP105 at 0x48 (pointer register, T_LOW 0x4B00, T_HIGH writable).
struct Tmp105 {
    pointer: u8,
    regs: [[u8; 2]; 4],
    at: usize,
}
impl Default for Tmp105 {
    fn default() -> Self {
        Self {
            pointer: 0,
            regs: [[0, 0], [0, 0], [0x4b, 0], [0x50, 0]],
            at: 0,
        }
    }
}
impl i2c::ErrorType for Tmp105 {
    type Error = i2c::ErrorKind;
}
impl I2c for Tmp105 {
    fn transaction(&mut self, address: u8, ops: &mut [Operation<'_>]) -> Result<(), Self::Error> {
        if address != 0x48 {
            return Err(i2c::ErrorKind::NoAcknowledge(
                i2c::NoAcknowledgeSource::Address,
            ));
        }
        self.at = 0;
        for op in ops {
            match op {
                Operation::Write(bytes) => {
                    if let Some((&p, data)) = bytes.split_first() {
                        self.pointer = p & 3;
                        self.at = 0;
                        for (i, &b) in data.iter().enumerate().take(2) {
                            self.regs[self.pointer as usize][i] = b;
                        }
                    }
                }
                Operation::Read(buf) => {
                    for b in buf.iter_mut() {
                        *b = self.regs[self.pointer as usize][self.at.min(1)];
                        self.at += 1;
                    }
                }
            }
        }
        Ok(())
    }
}

#[test]
fn i2c() {
    let dev = i2c_tests::Device {
        address: 0x48,
        read_register: 2,
        read_value: [0x4b, 0],
        write_register: 3,
        write_value: [0x5a, 0],
    };
    pass(i2c_tests::write_read(&mut Tmp105::default(), &dev));
    pass(i2c_tests::write_then_read(&mut Tmp105::default(), &dev));
    pass(i2c_tests::transaction(&mut Tmp105::default(), &dev));
    pass(i2c_tests::nack_absent(&mut Tmp105::default(), 0x49));
    pass(i2c_tests::recovers(&mut Tmp105::default(), &dev, 0x49));
    let mut dev_bus = Tmp105::default();
    fails(i2c_tests::write_read(
        &mut twin(&mut dev_bus, &i2c_tests::WRITE_READ),
        &dev,
    ));
    fails(i2c_tests::write_then_read(
        &mut twin(&mut dev_bus, &i2c_tests::WRITE_THEN_READ),
        &dev,
    ));
    fails(i2c_tests::transaction(
        &mut twin(&mut dev_bus, &i2c_tests::TRANSACTION),
        &dev,
    ));
    fails(i2c_tests::nack_absent(
        &mut twin(&mut dev_bus, &i2c_tests::NACK_ADDRESS),
        0x49,
    ));
    fails(i2c_tests::recovers(
        &mut twin(&mut dev_bus, &i2c_tests::RECOVERS),
        &dev,
        0x49,
    ));
}

/// A PWM channel whose compare register is readable: `period` ticks,
/// compare scaled as a correct driver scales it.
struct Channel {
    compare: Rc<Cell<u32>>,
    period: u32,
}
impl embedded_hal::pwm::ErrorType for Channel {
    type Error = Infallible;
}
impl SetDutyCycle for Channel {
    fn max_duty_cycle(&self) -> u16 {
        self.period.min(u32::from(u16::MAX)) as u16
    }
    fn set_duty_cycle(&mut self, duty: u16) -> Result<(), Infallible> {
        let max = u64::from(self.max_duty_cycle());
        self.compare
            .set((u64::from(duty) * u64::from(self.period) / max) as u32);
        Ok(())
    }
}

/// The scaling the generated HAL once had: `duty * (period / max)`, which
/// reaches only 65% of a 100,000-tick period.
struct TruncatingChannel(Channel);
impl embedded_hal::pwm::ErrorType for TruncatingChannel {
    type Error = Infallible;
}
impl SetDutyCycle for TruncatingChannel {
    fn max_duty_cycle(&self) -> u16 {
        self.0.max_duty_cycle()
    }
    fn set_duty_cycle(&mut self, duty: u16) -> Result<(), Infallible> {
        let max = u32::from(self.max_duty_cycle());
        self.0
            .compare
            .set(u32::from(duty) * (self.0.period / max).max(1));
        Ok(())
    }
}

#[test]
fn pwm() {
    for period in [1000, 100_000] {
        let reg = Rc::new(Cell::new(0));
        let channel = || Channel {
            compare: reg.clone(),
            period,
        };
        let r = reg.clone();
        pass(pwm::duty_readback(
            &mut channel(),
            &mut || r.get(),
            Some(period),
        ));
        let r = reg.clone();
        fails(pwm::duty_readback(
            &mut twin(channel(), &pwm::DUTY_READBACK),
            &mut || r.get(),
            Some(period),
        ));
        if period > 65_535 {
            let r = reg.clone();
            fails(pwm::duty_readback(
                &mut TruncatingChannel(channel()),
                &mut || r.get(),
                Some(period),
            ));
        }
    }
}

/// Every test names a twin fault, and the suite's list finds each by name.
#[test]
fn every_test_has_a_twin_fault() {
    for family in hal_gen_conformance::tests::FAMILIES {
        for t in *family {
            assert_ne!(t.fault, Fault::None, "{} has no twin fault", t.name);
            assert_eq!(
                hal_gen_conformance::tests::find(t.name).map(|f| f.name),
                Some(t.name)
            );
        }
    }
}

struct Lines(Vec<String>);
impl Sink for Lines {
    fn line(&mut self, args: core::fmt::Arguments<'_>) {
        self.0.push(args.to_string());
    }
}

#[test]
fn runner_writes_the_protocol_and_honours_exclusions() {
    let mut r = Runner::begin(Lines(Vec::new()), "CHIP", "board");
    r.exclude(&[("gpio_input_readback", "no loopback here")]);
    r.run(&gpio::OUTPUT_STATEFUL, "P0", || Outcome::Pass);
    r.run(&gpio::INPUT_READBACK, "P0", || unreachable!("excluded"));
    r.record(
        &delay::MS,
        "SysTick",
        hal_gen_conformance::fail!("took {} ns", 5),
    );
    let lines = &r.sink().0.clone();
    assert!(!r.end());
    assert_eq!(
        lines,
        &[
            "@hgc 1 begin CHIP board",
            "@hgc 1 test gpio_output_stateful gpio digital::StatefulOutputPin P0 pass",
            "@hgc 1 test gpio_input_readback gpio digital::InputPin P0 skip no loopback here",
            "@hgc 1 test delay_ms delay delay::DelayNs SysTick fail took 5 ns",
        ]
    );
}
