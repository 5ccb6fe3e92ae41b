//! Recognising IP blocks, not spellings (issue 14): a renamed clone of a
//! catalogue block is recognised by its normalised names or, failing that,
//! by its layout; a look-alike with another layout is not.

use hal_gen::Config;
use std::fmt::Write as _;
use std::path::Path;

/// `(name, offset, access, fields as (name, bit, width))`
type Reg<'a> = (&'a str, u32, &'a str, &'a [(&'a str, u32, u32)]);

fn svd(peripheral: &str, group: &str, regs: &[Reg]) -> String {
    let mut r = String::new();
    for (name, offset, access, fields) in regs {
        let mut f = String::new();
        for (fname, bit, width) in *fields {
            write!(
                f,
                "<field><name>{fname}</name><bitOffset>{bit}</bitOffset><bitWidth>{width}</bitWidth></field>"
            )
            .unwrap();
        }
        write!(
            r,
            "<register><name>{name}</name><description>{name}</description>\
             <addressOffset>{offset:#x}</addressOffset><size>32</size><access>{access}</access>\
             <resetValue>0</resetValue><fields>{f}</fields></register>"
        )
        .unwrap();
    }
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<device schemaVersion="1.3">
  <vendor>hal-gen tests</vendor><name>CLONE</name><version>1.0</version>
  <description>Renamed clones.</description>
  <cpu><name>CM3</name><revision>r0p0</revision><endian>little</endian><mpuPresent>false</mpuPresent>
  <fpuPresent>false</fpuPresent><nvicPrioBits>3</nvicPrioBits><vendorSystickConfig>false</vendorSystickConfig></cpu>
  <addressUnitBits>8</addressUnitBits><width>32</width><size>32</size><access>read-write</access>
  <resetValue>0</resetValue><resetMask>0xFFFFFFFF</resetMask>
  <peripherals><peripheral><name>{peripheral}</name><description>{peripheral}</description>
  <groupName>{group}</groupName><baseAddress>0x40001000</baseAddress>
  <addressBlock><offset>0</offset><size>0x400</size><usage>registers</usage></addressBlock>
  <registers>{r}</registers></peripheral></peripherals>
</device>"#
    )
}

fn family_of(peripheral: &str, group: &str, regs: &[Reg]) -> Option<String> {
    let text = svd(peripheral, group, regs);
    let generated = hal_gen::generate_from_str(Path::new("CLONE.svd"), &text, &Config::default())
        .unwrap_or_else(|e| panic!("should generate: {e:?}\n{text}"));
    let class = generated
        .classes
        .iter()
        .find(|c| c.instance == peripheral)
        .expect("instance classified");
    class.matches.first().map(|m| m.family.clone())
}

/// A PL011 whose registers and fields carry the peripheral and register
/// names (`UART0_FR`, `UART_FR_TXFF`).
#[test]
fn prefixed_pl011_binds_after_normalisation() {
    let fr: &[(&str, u32, u32)] = &[
        ("UART_FR_BUSY", 3, 1),
        ("UART_FR_RXFE", 4, 1),
        ("UART_FR_TXFF", 5, 1),
    ];
    let lcrh: &[(&str, u32, u32)] = &[("UART_LCRH_FEN", 4, 1), ("UART_LCRH_WLEN", 5, 2)];
    let ctl: &[(&str, u32, u32)] = &[
        ("UART_CTL_UARTEN", 0, 1),
        ("UART_CTL_TXE", 8, 1),
        ("UART_CTL_RXE", 9, 1),
    ];
    let regs: &[Reg] = &[
        ("UART0_DR", 0x0, "read-write", &[("UART_DR_DATA", 0, 8)]),
        ("UART0_FR", 0x18, "read-only", fr),
        ("UART0_IBRD", 0x24, "read-write", &[]),
        ("UART0_FBRD", 0x28, "read-write", &[]),
        ("UART0_LCRH", 0x2c, "read-write", lcrh),
        ("UART0_CTL", 0x30, "read-write", ctl),
    ];
    assert_eq!(family_of("UART0", "UART", regs).as_deref(), Some("pl011"));
}

const CR1: &[(&str, u32, u32)] = &[
    ("RXON", 2, 1),
    ("TXON", 3, 1),
    ("PARITYON", 10, 1),
    ("WORDLEN", 12, 1),
    ("ON", 13, 1),
];

/// An STM32 F1 USART with every register and field renamed, bits in place.
fn renamed_usart(tx_ready_bit: u32) -> Vec<Reg<'static>> {
    let status: &'static [(&str, u32, u32)] = Box::leak(
        vec![
            ("PERR", 0, 1),
            ("FERR", 1, 1),
            ("NERR", 2, 1),
            ("OVERRUN", 3, 1),
            ("RXFULL", 5, 1),
            ("DONE", 6, 1),
            ("TXEMPTY", tx_ready_bit, 1),
        ]
        .into_boxed_slice(),
    );
    vec![
        ("STS", 0x0, "read-only", status),
        ("DT", 0x4, "read-write", &[("DT", 0, 9)]),
        ("BAUDR", 0x8, "read-write", &[("DIV", 0, 16)]),
        ("CTRL1", 0xc, "read-write", CR1),
        ("CTRL2", 0x10, "read-write", &[("STOPBITS", 12, 2)]),
    ]
}

#[test]
fn renamed_clone_with_the_same_layout_binds() {
    assert_eq!(
        family_of("USART1", "USART", &renamed_usart(7)).as_deref(),
        Some("stm32_usart_v1")
    );
}

#[test]
fn look_alike_with_another_layout_does_not_bind() {
    // The transmit-empty flag one bit off: not the same block.
    assert_eq!(family_of("USART1", "USART", &renamed_usart(8)), None);
}

#[test]
fn layout_alone_needs_a_name_that_hints_at_the_kind() {
    // The same layout in a block named for something else.
    assert_eq!(family_of("CRYPTO", "CRYPTO", &renamed_usart(7)), None);
}

/// A CMSDK UART whose overrun flag is spelled differently: registers are
/// named in place, so its flags bind by position.
#[test]
fn renamed_flag_in_named_registers_binds() {
    let regs: &[Reg] = &[
        ("DATA", 0x0, "read-write", &[("DATA", 0, 8)]),
        (
            "STATE",
            0x4,
            "read-write",
            &[
                ("TXBF", 0, 1),
                ("RXBF", 1, 1),
                ("TXOV", 2, 1),
                ("RXOV", 3, 1),
            ],
        ),
        ("CTRL", 0x8, "read-write", &[("TXEN", 0, 1), ("RXEN", 1, 1)]),
        ("BAUDDIV", 0x10, "read-write", &[("BAUDDIV", 0, 20)]),
    ];
    assert_eq!(
        family_of("UART0", "UART", regs).as_deref(),
        Some("cmsdk_uart")
    );
}

/// Low flags at the same offsets, under other register names: a weak
/// layout (mostly bits 0 and 1) does not bind without the names.
#[test]
fn weak_layout_without_names_does_not_bind() {
    let regs: &[Reg] = &[
        ("FIFO", 0x0, "read-write", &[("RXFIFO_RD_BYTE", 0, 8)]),
        (
            "INT_RAW",
            0x4,
            "read-write",
            &[
                ("RXFIFO_FULL", 0, 1),
                ("TXFIFO_EMPTY", 1, 1),
                ("PARITY_ERR", 2, 1),
                ("FRM_ERR", 3, 1),
            ],
        ),
        (
            "INT_ST",
            0x8,
            "read-write",
            &[("RXFIFO_FULL", 0, 1), ("TXFIFO_EMPTY", 1, 1)],
        ),
        ("CLKDIV", 0x10, "read-write", &[("CLKDIV", 0, 20)]),
    ];
    assert_eq!(family_of("UART1", "UART", regs), None);
}

/// A layout whose flag at a stated bit is named as another role of the
/// block (two flags swapped) is not the layout stated.
#[test]
fn swapped_flags_do_not_bind_by_position() {
    let mut regs = renamed_usart(7);
    // CR1 with TE and RE swapped by name.
    regs[3] = (
        "CTRL1",
        0xc,
        "read-write",
        &[
            ("TE", 2, 1),
            ("RE", 3, 1),
            ("PARITYON", 10, 1),
            ("WORDLEN", 12, 1),
            ("ON", 13, 1),
        ],
    );
    assert_eq!(family_of("USART1", "USART", &regs), None);
}
