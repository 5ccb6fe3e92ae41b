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

/// The Espressif UART of the parts with a register-sync bit (ESP32-C3 as
/// its SVD spells it): REG_UPDATE in ID.
fn esp_uart(update: Reg<'static>) -> Vec<Reg<'static>> {
    vec![
        ("FIFO", 0x0, "read-write", &[("RXFIFO_RD_BYTE", 0, 8)]),
        (
            "INT_RAW",
            0x4,
            "read-write",
            &[
                ("PARITY_ERR_INT_RAW", 2, 1),
                ("FRM_ERR_INT_RAW", 3, 1),
                ("RXFIFO_OVF_INT_RAW", 4, 1),
            ],
        ),
        (
            "INT_CLR",
            0x10,
            "write-only",
            &[
                ("PARITY_ERR_INT_CLR", 2, 1),
                ("FRM_ERR_INT_CLR", 3, 1),
                ("RXFIFO_OVF_INT_CLR", 4, 1),
            ],
        ),
        (
            "CLKDIV",
            0x14,
            "read-write",
            &[("CLKDIV", 0, 12), ("FRAG", 20, 4)],
        ),
        (
            "STATUS",
            0x1c,
            "read-only",
            &[("RXFIFO_CNT", 0, 10), ("TXFIFO_CNT", 16, 10)],
        ),
        (
            "CONF0",
            0x20,
            "read-write",
            &[
                ("PARITY", 0, 1),
                ("PARITY_EN", 1, 1),
                ("BIT_NUM", 2, 2),
                ("STOP_BIT_NUM", 4, 2),
            ],
        ),
        (
            "FSM_STATUS",
            0x6c,
            "read-only",
            &[("ST_URX_OUT", 0, 4), ("ST_UTX_OUT", 4, 4)],
        ),
        update,
    ]
}

#[test]
fn espressif_uart_with_a_sync_bit_binds() {
    let c3 = esp_uart((
        "ID",
        0x80,
        "read-write",
        &[("ID", 0, 30), ("HIGH_SPEED", 30, 1), ("REG_UPDATE", 31, 1)],
    ));
    assert_eq!(family_of("UART0", "UART", &c3).as_deref(), Some("esp_uart"));
    // The C6 LP UART's spelling: `*_SYNC` registers, REG_UPDATE on its own.
    let mut lp = esp_uart(("REG_UPDATE", 0x98, "read-write", &[("REG_UPDATE", 0, 1)]));
    lp[3] = (
        "CLKDIV_SYNC",
        0x14,
        "read-write",
        &[("CLKDIV", 0, 12), ("CLKDIV_FRAG", 20, 4)],
    );
    lp[5].0 = "CONF0_SYNC";
    assert_eq!(
        family_of("LP_UART", "LP_UART", &lp).as_deref(),
        Some("esp_uart")
    );
}

/// ESP32 and ESP32-S2 have the same block without REG_UPDATE; at their
/// SVD address the FIFO needs another bus (errata), so they do not bind.
#[test]
fn espressif_uart_without_the_sync_bit_does_not_bind() {
    let esp32 = esp_uart(("ID", 0x7c, "read-write", &[("ID", 0, 32)]));
    assert_eq!(family_of("UART0", "UART", &esp32), None);
}

/// A DesignWare APB UART as the K210 SVD gives it: registers that share an
/// address named together, and no fields at all.
fn fieldless_dw_uart(with_usr: bool) -> Vec<Reg<'static>> {
    let mut regs: Vec<Reg<'static>> = vec![
        ("rbr_dll_thr", 0x0, "read-write", &[]),
        ("dlh_ier", 0x4, "read-write", &[]),
        ("fcr_iir", 0x8, "read-write", &[]),
        ("lcr", 0xc, "read-write", &[]),
        ("mcr", 0x10, "read-write", &[]),
        ("lsr", 0x14, "read-write", &[]),
        ("msr", 0x18, "read-write", &[]),
    ];
    if with_usr {
        regs.push(("usr", 0x7c, "read-write", &[]));
    }
    regs
}

#[test]
fn fieldless_designware_uart_binds_by_its_registers() {
    assert_eq!(
        family_of("UART1", "UART", &fieldless_dw_uart(true)).as_deref(),
        Some("dw_apb_uart")
    );
}

/// Without USR nothing says which 16550 it is, nor are there fields to
/// check its bits by: no driver.
#[test]
fn fieldless_16550_without_usr_does_not_bind() {
    assert_eq!(family_of("UART1", "UART", &fieldless_dw_uart(false)), None);
}

/// A DesignWare UART whose SVD has the fields (Allwinner D1-H's spelling:
/// DLH, `dls`, `dr`): `ns16550` binds it by layout, with more roles than
/// `dw_apb_uart`.
#[test]
fn designware_uart_with_fields_is_a_16550() {
    let regs: &[Reg] = &[
        ("RBR", 0x0, "read-only", &[("rbr", 0, 8)]),
        ("THR", 0x0, "write-only", &[("thr", 0, 8)]),
        ("DLL", 0x0, "read-write", &[("dll", 0, 8)]),
        ("DLH", 0x4, "read-write", &[("dlh", 0, 8)]),
        (
            "IER",
            0x4,
            "read-write",
            &[("erbfi", 0, 1), ("etbei", 1, 1)],
        ),
        ("IIR", 0x8, "read-only", &[("iid", 0, 4)]),
        (
            "FCR",
            0x8,
            "write-only",
            &[("fifoe", 0, 1), ("rfifor", 1, 1), ("xfifor", 2, 1)],
        ),
        (
            "LCR",
            0xc,
            "read-write",
            &[("dls", 0, 2), ("stop", 2, 1), ("pen", 3, 1), ("dlab", 7, 1)],
        ),
        ("MCR", 0x10, "read-write", &[("dtr", 0, 1), ("rts", 1, 1)]),
        (
            "LSR",
            0x14,
            "read-only",
            &[
                ("dr", 0, 1),
                ("oe", 1, 1),
                ("pe", 2, 1),
                ("fe", 3, 1),
                ("bi", 4, 1),
                ("thre", 5, 1),
                ("temt", 6, 1),
            ],
        ),
        ("USR", 0x7c, "read-only", &[("busy", 0, 1), ("tfnf", 1, 1)]),
    ];
    assert_eq!(family_of("UART0", "UART", regs).as_deref(), Some("ns16550"));
}
