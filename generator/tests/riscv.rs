//! RISC-V output (issue 16): the HAL files a RISC-V chip gets, as insta
//! snapshots, and the `mcycle` delay's arithmetic, compiled from the
//! rendered template and run on the host.
//!
//! `tests/fixtures/riscv_no_cpu.svd` is a CPU-less chip with a CLINT, a
//! SiFive GPIO and a SiFive UART; its PAC files are in `snapshots.rs`.

use hal_gen::Config;
use std::path::Path;
use std::process::Command;

fn generated() -> hal_gen::Generated {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/riscv_no_cpu.svd");
    let text = std::fs::read_to_string(&path).expect("fixture readable");
    hal_gen::generate_from_str(Path::new("riscv_no_cpu.svd"), &text, &Config::default())
        .expect("riscv_no_cpu.svd generates")
}

fn hal_file(g: &hal_gen::Generated, rel: &str) -> String {
    let path = format!("{}/{rel}", g.chip.hal_crate_name());
    g.files
        .get(&path)
        .unwrap_or_else(|| panic!("{path} generated"))
        .clone()
}

#[test]
fn riscv_hal_snapshots() {
    let g = generated();
    assert_eq!(g.chip.target.triple, Some("riscv32i-unknown-none-elf"));
    for rel in [
        "Cargo.toml",
        "src/delay.rs",
        "src/gpio/gpio0.rs",
        "src/serial/uart0.rs",
        "examples/blinky.rs",
        "examples/serial_echo.rs",
    ] {
        let name = rel.replace(['/', '.'], "_");
        insta::with_settings!({
            snapshot_suffix => name,
            prepend_module_to_snapshot => false,
            omit_expression => true,
            description => format!("HAL {rel} of tests/fixtures/riscv_no_cpu.svd"),
        }, {
            insta::assert_snapshot!("riscv_hal", hal_file(&g, rel));
        });
    }
}

/// The coverage record says how the core was decided and that the
/// delay is `mcycle`.
#[test]
fn riscv_coverage_notes() {
    let g = generated();
    let path = format!("{}.coverage.json", g.chip.slug);
    let record: serde_json::Value =
        serde_json::from_str(&g.files[&path]).expect("coverage record is JSON");
    let notes = record["target_notes"].as_array().expect("target_notes");
    assert!(notes[0].as_str().unwrap_or("").contains("CLINT"));
    assert!(notes[1].as_str().unwrap_or("").contains("riscv32i"));
    assert_eq!(record["capabilities"]["delay"]["generated"][0], "mcycle");
}

/// Host test for the delay arithmetic: the constants and `const fn`s of
/// the rendered `delay.rs` (everything before the `Delay` type, which needs
/// the `riscv` crate) are compiled with a test harness that checks them
/// against exact 128-bit arithmetic: never short, at most one cycle plus
/// the fixed-point error long, and no overflow at the extremes.
#[test]
fn delay_arithmetic_on_the_host() {
    let g = generated();
    let delay = hal_file(&g, "src/delay.rs");
    let start = delay.find("const NS_SHIFT").expect("NS_SHIFT in delay.rs");
    let end = delay
        .find("/// A blocking delay")
        .expect("Delay type in delay.rs");
    let arithmetic = &delay[start..end];
    let source = format!(
        "#![allow(dead_code)]\n{arithmetic}\n{}",
        r#"
fn exact(count: u32, hz: u32, per: u64) -> u128 {
    (count as u128 * hz as u128).div_ceil(per as u128)
}

fn check(count: u32, hz: u32, per: u64, shift: u32) {
    let got = cycles(count, factor(hz, shift, per), shift) as u128;
    let want = exact(count, hz, per);
    assert!(got >= want, "short: {count} units at {hz} Hz / {per}: {got} < {want}");
    // The factor is at most one unit of 2^-shift cycles too big per count.
    let slack = (count as u128 >> shift) + 1;
    assert!(got <= want + slack, "long: {count} at {hz} Hz / {per}: {got} > {want} + {slack}");
}

#[test]
fn never_short_never_much_long() {
    let clocks = [1u32, 32_768, 1_000_000, 8_000_000, 16_000_000, 48_000_000, 320_000_000, 1_000_000_000, u32::MAX];
    let counts = [0u32, 1, 2, 3, 999, 1_000, 1_001, 65_535, 1_000_000, 123_456_789, u32::MAX];
    for &hz in &clocks {
        for &n in &counts {
            check(n, hz, 1_000_000_000, NS_SHIFT);
            check(n, hz, 1_000_000, US_SHIFT);
            check(n, hz, 1_000, MS_SHIFT);
        }
    }
}

#[test]
fn known_values() {
    // 16 MHz: 1 us is 16 cycles, 1 ms 16 000, 1 ns rounds up to 1.
    let hz = 16_000_000;
    assert_eq!(cycles(1, factor(hz, US_SHIFT, 1_000_000), US_SHIFT), 16);
    assert_eq!(cycles(1, factor(hz, MS_SHIFT, 1_000), MS_SHIFT), 16_000);
    assert_eq!(cycles(1, factor(hz, NS_SHIFT, 1_000_000_000), NS_SHIFT), 1);
    assert_eq!(cycles(0, factor(hz, NS_SHIFT, 1_000_000_000), NS_SHIFT), 0);
}
"#
    );
    let dir = std::env::temp_dir().join(format!("hal-gen-delay-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let src = dir.join("delay_arith.rs");
    let bin = dir.join("delay_arith");
    std::fs::write(&src, source).expect("write test source");
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let out = Command::new(rustc)
        .args(["--edition", "2021", "--test", "-O", "-o"])
        .arg(&bin)
        .arg(&src)
        .output()
        .expect("rustc runs");
    assert!(
        out.status.success(),
        "delay arithmetic does not compile:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let run = Command::new(&bin).output().expect("test binary runs");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        run.status.success(),
        "delay arithmetic tests failed:\n{}{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
}
