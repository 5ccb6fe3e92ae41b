//! Conformance harness for nrf51-hal (crates.io, embedded-hal 1.0) on QEMU
//! `microbit` (BBC micro:bit v1, nRF51822).
//!
//! Runs the same generic tests of `hal-gen-conformance` as the harness
//! hal-gen renders for its own nrf51 HAL (templates/conformance/main.rs.j2),
//! against nrf51-hal's drivers, and reports each result as a protocol line
//! over semihosting. With the `fault` feature every driver is wrapped in
//! `conformance::fault::Faulty` and each test runs under its own twin
//! fault: every test must then fail.
//!
//! Wiring (conformance/boards/microbit.toml): GPIO pin 0 reads back what it
//! drives, UART0 is the first `-serial` chardev (the host), TIMER0 is free.
//! SPI, I2C and PWM are skipped for the board's reasons.
#![no_std]
#![no_main]

use conformance::{tests, Runner, Sink};
use cortex_m_rt::{entry, exception, ExceptionFrame};
use nrf51_hal as hal;
use hal::pac;

/// Protocol lines to the host.
struct Out;

impl Sink for Out {
    fn line(&mut self, args: core::fmt::Arguments<'_>) {
        use core::fmt::Write as _;
        if let Ok(mut host) = cortex_m_semihosting::hio::hstdout() {
            let _ = host.write_fmt(format_args!("{args}\n"));
        }
    }
}

/// The driver as it is, or, with the `fault` feature, behind
/// `conformance::fault::Faulty`, which breaks it on request.
macro_rules! under_test {
    ($driver:expr) => {{
        #[cfg(feature = "fault")]
        let d = conformance::fault::Faulty::new($driver);
        #[cfg(not(feature = "fault"))]
        let d = $driver;
        d
    }};
}

/// Runs one test on `$d`; with the `fault` feature, first arms that test's
/// own twin fault, so the run shows each test failing under it.
macro_rules! check {
    ($r:ident, $test:expr, $instance:expr, $d:ident, $body:expr) => {{
        let test = &$test;
        $r.run(test, $instance, || {
            #[cfg(feature = "fault")]
            $d.arm(test.fault);
            $body
        })
    }};
}

/// Core clock of QEMU's microbit (the board file's `core_clock_hz`).
const CORE_HZ: u64 = 16_000_000;

/// A reference clock from SysTick counting core cycles, free-running.
/// QEMU's microbit gives SysTick's reference clock as 0 Hz, so it counts
/// the core clock.
struct SysTickStopwatch {
    syst: cortex_m::peripheral::SYST,
}

impl conformance::tests::delay::Stopwatch for SysTickStopwatch {
    fn bracket(
        &mut self,
        work: &mut dyn FnMut(),
        lo_ns: u64,
        hi_ns: u64,
    ) -> conformance::tests::delay::Bracket {
        const MASK: u32 = 0x00ff_ffff;
        self.syst.set_clock_source(cortex_m::peripheral::syst::SystClkSource::Core);
        self.syst.set_reload(MASK);
        self.syst.clear_current();
        self.syst.enable_counter();
        let start = cortex_m::peripheral::SYST::get_current();
        work();
        let end = cortex_m::peripheral::SYST::get_current();
        self.syst.disable_counter();
        // SysTick counts down and wraps at 24 bits.
        let cycles = u64::from(start.wrapping_sub(end) & MASK);
        let ns = cycles * 1_000_000_000 / CORE_HZ;
        let out_of_range = hi_ns * CORE_HZ / 1_000_000_000 > u64::from(MASK);
        conformance::tests::delay::Bracket {
            at_least: ns >= lo_ns,
            under: ns < hi_ns,
            measured_ns: Some(ns),
            out_of_range,
        }
    }
}

#[entry]
fn main() -> ! {
    let p = pac::Peripherals::take().unwrap();
    let cp = cortex_m::Peripherals::take().unwrap();
    let mut r = Runner::begin(Out, "nrf51", "microbit");
    for t in tests::spi::ALL {
        r.skip(t, "-", "QEMU microbit does not model the nRF51 SPI");
    }
    for t in tests::i2c::ALL {
        r.skip(t, "-", "QEMU microbit's TWI is a stub with canned answers: no device can attach");
    }
    for t in tests::pwm::ALL {
        r.skip(t, "-", "nrf51-hal has no PWM driver for nrf51 (the nRF51 has no PWM peripheral)");
    }

    let port0 = hal::gpio::p0::Parts::new(p.GPIO);

    // GPIO: pin 0 of GPIO. nrf51-hal's only pin type that is both an output
    // and an input is the open-drain input/output (`OpenDrainIO`).
    {
        use embedded_hal::digital::OutputPin as _;
        let mut pin = port0
            .p0_00
            .into_open_drain_input_output(hal::gpio::OpenDrainConfig::Standard0Disconnect1, hal::gpio::Level::Low);
        // What the HAL needs from the board: an open-drain pin releases the
        // line when set high, and a released line floats (QEMU keeps the
        // last level it saw), so reading a high back needs a pull-up on the
        // pin. nrf51-hal cannot configure one on an open-drain pin, so the
        // harness sets PIN_CNF[0].PULL = Pullup through the PAC, standing in
        // for the external pull-up an open-drain line has on a real board.
        unsafe { (*pac::GPIO::ptr()).pin_cnf[0].modify(|_, w| w.pull().pullup()) };
        let _ = pin.set_low();
        let mut pin = under_test!(&mut pin);
        check!(r, tests::gpio::OUTPUT_STATEFUL, "GPIO", pin, tests::gpio::output_stateful(&mut pin));
        check!(r, tests::gpio::INPUT_READBACK, "GPIO", pin, tests::gpio::input_readback(&mut pin));
    }

    // Serial: UART0, wired to the host (micro:bit's USB-serial pins, TX
    // P0.24 / RX P0.25; QEMU does not look at PSEL).
    {
        let pins = hal::uart::Pins {
            txd: port0.p0_24.into_push_pull_output(hal::gpio::Level::High).degrade(),
            rxd: port0.p0_25.into_floating_input().degrade(),
            cts: None,
            rts: None,
        };
        let mut uart = hal::Uart::new(p.UART0, pins, hal::uart::Parity::EXCLUDED, hal::uart::Baudrate::BAUD115200);
        // !!! EMULATOR WORKAROUND (QEMU, not nrf51-hal) !!!
        // `Uart::new` writes a dummy byte to TXD *before* enabling the UART,
        // to raise EVENTS_TXDRDY so the first blocking write does not wait.
        // On silicon that works; QEMU's nrf51 UART ignores TXD writes while
        // the UART is disabled, so TXDRDY never rises and the first
        // `embedded_io::Write::write` spins for ever. Raise the event once,
        // here, through the PAC, as the dummy byte would have on hardware.
        // Nothing else is touched; every later TXDRDY comes from the model.
        #[cfg(not(feature = "no-emulator-workaround"))]
        unsafe { (*pac::UART0::ptr()).events_txdrdy.write(|w| w.bits(1)) };
        let i = "UART0";
        {
            let mut u = under_test!(&mut uart);
            check!(r, tests::serial::WRITE_IO, i, u, tests::serial::write_io(&mut u));
            r.skip(
                &tests::serial::WRITE_NB,
                i,
                "nrf51-hal does not implement embedded_hal_nb::serial::Write (only embedded-hal 0.2's serial::Write)",
            );
            check!(r, tests::serial::WRITE_READY, i, u, tests::serial::write_ready(&mut u));
            check!(r, tests::serial::READ_READY_IDLE, i, u, tests::serial::read_ready_idle(&mut u));
        }
        tests::serial::prompt(&mut uart);
        let mut u = under_test!(&mut uart);
        check!(r, tests::serial::READ_READY, i, u, tests::serial::read_ready(&mut u));
        check!(r, tests::serial::READ_IO, i, u, tests::serial::read_io(&mut u));
        r.skip(
            &tests::serial::READ_NB,
            i,
            "nrf51-hal does not implement embedded_hal_nb::serial::Read (only embedded-hal 0.2's serial::Read)",
        );
    }

    // DelayNs: nrf51-hal's `Timer` on TIMER0, measured by SysTick. The
    // generated HAL's harness also tests a SysTick delay measured by TIMER0;
    // nrf51-hal has none for the nRF51 (`nrf_hal_common::delay` is
    // `#[cfg(not(feature = "51"))]`), so those three are skipped.
    {
        for t in tests::delay::ALL {
            r.skip(t, "SysTick", "nrf51-hal has no SysTick delay for nrf51 (its delay module is built for every chip but the nRF51)");
        }
        let mut watch = SysTickStopwatch { syst: cp.SYST };
        let mut timer = hal::Timer::new(p.TIMER0);
        let mut d = under_test!(&mut timer);
        let i = "TIMER0";
        check!(r, tests::delay::NS, i, d, tests::delay::ns(&mut d, &mut watch));
        check!(r, tests::delay::US, i, d, tests::delay::us(&mut d, &mut watch));
        check!(r, tests::delay::MS, i, d, tests::delay::ms(&mut d, &mut watch));
        check!(r, tests::delay::NS_SUB_US, i, d, tests::delay::ns_sub_us(&mut d, &mut watch));
        check!(r, tests::delay::NS_FRACTION, i, d, tests::delay::ns_fraction(&mut d, &mut watch));
        // nrf51-hal's `Timer` counts a 1 MHz clock.
        check!(r, tests::delay::US_PAST_TICK, i, d, tests::delay::us_past_tick(&mut d, &mut watch, 1_000_000));
    }

    let passed = r.end();
    finish(passed)
}

/// Report the outcome to the host and stop.
fn finish(passed: bool) -> ! {
    cortex_m_semihosting::debug::exit(if passed {
        cortex_m_semihosting::debug::EXIT_SUCCESS
    } else {
        cortex_m_semihosting::debug::EXIT_FAILURE
    });
    loop {
        cortex_m::asm::bkpt();
    }
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    conformance::abort_line(&mut Out, format_args!("panic: {}", info.message()));
    finish(false)
}

#[exception]
unsafe fn HardFault(frame: &ExceptionFrame) -> ! {
    conformance::abort_line(&mut Out, format_args!("hard fault at pc {:#010x}", frame.pc()));
    finish(false)
}
