//! The lenient normalisation before svd-parser, one test per class of
//! value vendors write that the schema refuses, and the containment of
//! peripherals svd2rust cannot render. Small inline SVDs throughout.

use hal_gen::load::load_str;
use hal_gen::{Config, Severity};
use std::path::Path;
use svd_rs::{Access, ModifiedWriteValues, ReadAction, RegisterCluster, Usage};

/// A device with one peripheral whose `<registers>` are `regs`; `block` is
/// the addressBlock's `<usage>`.
fn svd(block: &str, regs: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<device schemaVersion="1.3">
  <name>LENIENT</name>
  <version>1.0</version>
  <description>test</description>
  <cpu>
    <name>CM0PLUS</name>
    <revision>r0p1</revision>
    <endian>little</endian>
    <mpuPresent>false</mpuPresent>
    <fpuPresent>false</fpuPresent>
    <nvicPrioBits>2</nvicPrioBits>
    <vendorSystickConfig>false</vendorSystickConfig>
  </cpu>
  <addressUnitBits>8</addressUnitBits>
  <width>32</width>
  <size>32</size>
  <resetValue>0</resetValue>
  <resetMask>0xFFFFFFFF</resetMask>
  <peripherals>
    <peripheral>
      <name>P</name>
      <baseAddress>0x40000000</baseAddress>
      <addressBlock>
        <offset>0</offset>
        <size>0x100</size>
        <usage>{block}</usage>
      </addressBlock>
      <registers>
{regs}
      </registers>
    </peripheral>
  </peripherals>
</device>
"#
    )
}

fn reg(name: &str, offset: u32, inner: &str) -> String {
    format!(
        "<register><name>{name}</name><description>d</description>\
         <addressOffset>{offset:#x}</addressOffset><size>32</size>{inner}</register>"
    )
}

fn field(name: &str, lsb: u32, width: u32, inner: &str) -> String {
    format!(
        "<field><name>{name}</name><description>d</description>\
         <bitOffset>{lsb}</bitOffset><bitWidth>{width}</bitWidth>{inner}</field>"
    )
}

fn load(text: &str) -> hal_gen::load::Loaded {
    load_str(Path::new("lenient.svd"), text, &Config::default())
        .unwrap_or_else(|e| panic!("load failed: {e}"))
}

fn register<'a>(loaded: &'a hal_gen::load::Loaded, name: &str) -> &'a svd_rs::Register {
    loaded.device.peripherals[0]
        .registers
        .as_ref()
        .expect("registers")
        .iter()
        .find_map(|rc| match rc {
            RegisterCluster::Register(r) if r.name == name => Some(r),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no register {name}"))
}

/// The diagnostics with `code`: (severity, line, message).
fn diags(loaded: &hal_gen::load::Loaded, code: &str) -> Vec<(Severity, u32, String)> {
    loaded
        .diagnostics
        .iter()
        .filter(|d| d.code == code)
        .map(|d| {
            (
                d.severity,
                d.location.map_or(0, |l| l.line),
                d.message.clone(),
            )
        })
        .collect()
}

fn line_of(text: &str, needle: &str) -> u32 {
    let at = text.find(needle).unwrap_or_else(|| panic!("no {needle}"));
    text[..at].matches('\n').count() as u32 + 1
}

#[test]
fn tokens_in_another_case_are_read_as_the_schema_token() {
    let text = svd("Registers", &reg("A", 0, "<access>read-writeonce</access>"));
    let loaded = load(&text);
    assert_eq!(
        register(&loaded, "A").properties.access,
        Some(Access::ReadWriteOnce)
    );
    let found = diags(&loaded, "svd-token-spelling");
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found.iter().all(|d| d.0 == Severity::Repair));
    // Each at its own element, on the line of the file.
    assert!(found
        .iter()
        .any(|d| d.1 == line_of(&text, "<access>read-writeonce")));
    assert!(found
        .iter()
        .any(|d| d.1 == line_of(&text, "<usage>Registers")));
}

#[test]
fn synonyms_and_abbreviations_are_read_as_their_token() {
    let regs = [
        reg("W", 0, "<access>write</access>"),
        reg("RO", 4, "<access>RO</access>"),
        reg(
            "C",
            8,
            &format!(
                "<fields>{}</fields>",
                field(
                    "F",
                    0,
                    1,
                    "<access>rw</access><modifiedWriteValues>W1C</modifiedWriteValues>\
                     <readAction>clear-on-read</readAction>"
                )
            ),
        ),
    ]
    .join("\n");
    let loaded = load(&svd("registers", &regs));
    assert_eq!(
        register(&loaded, "W").properties.access,
        Some(Access::WriteOnly)
    );
    assert_eq!(
        register(&loaded, "RO").properties.access,
        Some(Access::ReadOnly)
    );
    let f = &register(&loaded, "C").fields.as_ref().expect("fields")[0];
    assert_eq!(f.access, Some(Access::ReadWrite));
    assert_eq!(
        f.modified_write_values,
        Some(ModifiedWriteValues::OneToClear)
    );
    assert_eq!(f.read_action, Some(ReadAction::Clear));
    assert_eq!(diags(&loaded, "svd-token-spelling").len(), 5);
}

#[test]
fn free_text_is_read_by_its_words() {
    let text = svd(
        "RTC CNTL registers",
        &reg("A", 0, "<access>Read/Write</access>"),
    );
    let loaded = load(&text);
    let block = &loaded.device.peripherals[0]
        .address_block
        .as_ref()
        .expect("block")[0];
    assert_eq!(block.usage, svd_rs::AddressBlockUsage::Registers);
    assert_eq!(
        register(&loaded, "A").properties.access,
        Some(Access::ReadWrite)
    );
    let found = diags(&loaded, "svd-token-free-text");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].2.contains("RTC CNTL registers"), "{found:?}");
    // `Read/Write` is read-write by key, a spelling repair.
    assert_eq!(diags(&loaded, "svd-token-spelling").len(), 1);
}

#[test]
fn unexplained_register_access_defaults_to_what_the_fields_imply() {
    let fields = format!(
        "<fields>{}{}</fields>",
        field("A", 0, 1, "<access>read-only</access>"),
        field("B", 1, 1, "<access>read-only</access>")
    );
    let text = svd(
        "registers",
        &format!(
            "{}\n{}",
            reg("R", 0, &format!("<access>see manual</access>{fields}")),
            reg("S", 4, "<access>see manual</access>")
        ),
    );
    let loaded = load(&text);
    assert_eq!(
        register(&loaded, "R").properties.access,
        Some(Access::ReadOnly)
    );
    // No fields to go by: the element is dropped and the access inherited.
    assert_eq!(register(&loaded, "S").properties.access, None);
    let found = diags(&loaded, "svd-token-unknown");
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found.iter().all(|d| d.0 == Severity::Warning));
}

#[test]
fn unexplained_values_of_other_elements_are_dropped_with_a_warning() {
    let text = svd(
        "registers",
        &reg(
            "A",
            0,
            "<modifiedWriteValues>sometimes</modifiedWriteValues>",
        ),
    );
    let loaded = load(&text);
    assert_eq!(register(&loaded, "A").modified_write_values, None);
    assert_eq!(diags(&loaded, "svd-token-unknown").len(), 1);
}

#[test]
fn an_unexplained_block_usage_becomes_registers() {
    let loaded = load(&svd("the peripheral", &reg("A", 0, "")));
    let block = &loaded.device.peripherals[0]
        .address_block
        .as_ref()
        .expect("block")[0];
    assert_eq!(block.usage, svd_rs::AddressBlockUsage::Registers);
    assert_eq!(diags(&loaded, "svd-token-unknown").len(), 1);
}

#[test]
fn booleans_in_another_spelling_are_read() {
    let text = svd("registers", &reg("A", 0, "")).replace(
        "<mpuPresent>false</mpuPresent>",
        "<mpuPresent>TRUE</mpuPresent>",
    );
    let loaded = load(&text);
    assert_eq!(
        loaded.device.cpu.as_ref().map(|c| c.mpu_present),
        Some(true)
    );
}

fn enum_field(values: &str) -> String {
    format!(
        "<fields>{}</fields>",
        field(
            "MODE",
            0,
            4,
            &format!("<enumeratedValues>{values}</enumeratedValues>")
        )
    )
}

fn ev(name: &str, value: &str) -> String {
    format!(
        "<enumeratedValue>\n<name>{name}</name>\n<description>d</description>\n<value>{value}</value>\n</enumeratedValue>\n"
    )
}

#[test]
fn dont_care_bits_are_expanded_without_the_values_named_elsewhere() {
    let values = [
        ev("OFF", "0b0000"),
        ev("CAP", "0b01XX"),
        ev("ONE", "0b0101"),
    ]
    .concat();
    let text = svd("registers", &reg("A", 0, &enum_field(&values)));
    let loaded = load(&text);
    let f = &register(&loaded, "A").fields.as_ref().expect("fields")[0];
    let got: Vec<(String, Option<u64>)> = f.enumerated_values[0]
        .values
        .iter()
        .map(|v| (v.name.clone(), v.value))
        .collect();
    let want: Vec<(String, Option<u64>)> = [
        ("OFF", 0),
        ("CAP", 4),
        ("CAP_6", 6),
        ("CAP_7", 7),
        ("ONE", 5),
    ]
    .iter()
    .map(|(n, v)| (n.to_string(), Some(*v)))
    .collect();
    assert_eq!(got, want);
    let found = diags(&loaded, "enum-dont-care");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].1, line_of(&text, "<value>0b01XX"));
}

#[test]
fn many_dont_care_bits_stay_one_value_with_a_warning() {
    let values = [ev("ANY", "0bXXXX"), ev("OFF", "0B0001")].concat();
    let loaded = load(&svd("registers", &reg("A", 0, &enum_field(&values))));
    let f = &register(&loaded, "A").fields.as_ref().expect("fields")[0];
    let got: Vec<Option<u64>> = f.enumerated_values[0]
        .values
        .iter()
        .map(|v| v.value)
        .collect();
    assert_eq!(got, vec![Some(0), Some(1)]);
    let found = diags(&loaded, "enum-dont-care");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].0, Severity::Warning);
    assert_eq!(diags(&loaded, "svd-token-spelling").len(), 1, "0B0001");
}

#[test]
fn an_error_after_edits_points_at_the_file() {
    // A multi-line expansion before, and `<access>write</access>`
    // lengthened on the same line: the bad number must still be reported
    // at its line and column in the file.
    let values = [ev("CAP", "0b01XX"), ev("OFF", "0")].concat();
    let regs = format!(
        "{}\n<register><name>B</name><access>write</access><addressOffset>zz</addressOffset><size>32</size></register>",
        reg("A", 0, &enum_field(&values))
    );
    let text = svd("registers", &regs);
    let err = load_str(Path::new("lenient.svd"), &text, &Config::default())
        .expect_err("zz is not a number");
    let shown = format!("{err}");
    let line = line_of(&text, "<addressOffset>zz");
    let line_text = text.lines().nth(line as usize - 1).expect("line");
    let element = line_text.find("<addressOffset>zz").expect("element") + 1;
    let value = line_text.find("zz").expect("zz") + 1;
    let at = shown
        .split_once(&format!("lenient.svd:{line}:"))
        .and_then(|(_, rest)| rest.split(':').next())
        .and_then(|c| c.parse::<usize>().ok())
        .unwrap_or_else(|| panic!("{shown}: not at line {line}"));
    assert!(
        at == element || at == value,
        "{shown}: column {at}, want {element} or {value}"
    );
}

#[test]
fn overlapping_registers_cost_one_register_not_the_chip() {
    // An array of byte registers over four plain ones (an RTC's BCD
    // counters seen as one array): svd2rust cannot render that.
    let regs = [
        reg("CNT", 0, ""),
        "<register><dim>4</dim><dimIncrement>2</dimIncrement><name>ALT%s</name><description>d</description>\
         <addressOffset>0x2</addressOffset><size>32</size></register>"
            .to_string(),
        reg("A", 2, ""),
        reg("B", 4, ""),
        reg("C", 6, ""),
        reg("D", 8, ""),
    ]
    .join("\n")
    .replace("<size>32</size>", "<size>8</size>");
    let text = svd("registers", &regs);
    let g = hal_gen::generate_from_str(Path::new("overlap.svd"), &text, &Config::default())
        .unwrap_or_else(|e| panic!("the chip must generate: {e}"));
    let dropped: Vec<_> = g
        .diagnostics
        .iter()
        .filter(|d| d.code == "pac-overlap-dropped")
        .collect();
    assert_eq!(dropped.len(), 1, "{dropped:?}");
    assert_eq!(dropped[0].path, "P.ALT%s");
    assert_eq!(
        dropped[0].location.map(|l| l.line),
        Some(line_of(&text, "<register><dim>4"))
    );
    let module = g
        .files
        .iter()
        .find(|(k, _)| k.ends_with("src/p.rs"))
        .map(|(_, v)| v.clone())
        .expect("the peripheral's module");
    assert!(module.contains("fn cnt"), "CNT kept");
    assert!(module.contains("fn d"), "D kept");
}

#[test]
fn strict_refuses_what_lenient_loading_repaired() {
    let text = svd("registers", &reg("A", 0, "<access>RW</access>"));
    let config = Config {
        strict: true,
        ..Default::default()
    };
    let err = hal_gen::generate_from_str(Path::new("strict.svd"), &text, &config)
        .expect_err("strict refuses repairs");
    assert!(matches!(err, hal_gen::Error::Strict { .. }), "{err}");
    assert!(format!("{err}").contains("svd-token-spelling"), "{err}");
}

#[test]
fn usage_of_enumerated_values_in_any_case() {
    let values = format!("<usage>Read-Write</usage>{}", ev("OFF", "0"));
    let loaded = load(&svd("registers", &reg("A", 0, &enum_field(&values))));
    let f = &register(&loaded, "A").fields.as_ref().expect("fields")[0];
    assert_eq!(f.enumerated_values[0].usage, Some(Usage::ReadWrite));
}

#[test]
fn vendor_extensions_are_left_alone() {
    let text = svd("registers", &reg("A", 0, "")).replace(
        "</peripherals>",
        "</peripherals>\n<vendorExtensions><memory><addressBlock><usage>FLASH Memory</usage></addressBlock></memory></vendorExtensions>",
    );
    let loaded = load(&text);
    assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics);
}

#[test]
fn a_peripheral_derived_from_a_core_peripheral_gets_its_registers() {
    let text = svd("registers", &reg("CTRL", 0, "")).replace("<name>P</name>", "<name>MPU</name>").replace(
        "</peripherals>",
        "<peripheral derivedFrom=\"MPU\"><name>MPU_NS</name><baseAddress>0x40001000</baseAddress></peripheral>\n</peripherals>",
    );
    let g = hal_gen::generate_from_str(Path::new("core.svd"), &text, &Config::default())
        .unwrap_or_else(|e| panic!("must generate: {e}"));
    let found: Vec<_> = g
        .diagnostics
        .iter()
        .filter(|d| d.code == "derived-from-core-peripheral")
        .collect();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].path, "MPU_NS");
    let lib = g
        .files
        .iter()
        .find(|(k, _)| k.ends_with("src/lib.rs"))
        .map(|(_, v)| v.clone())
        .expect("lib.rs");
    assert!(
        !lib.contains("pub use self::mpu as mpu_ns"),
        "no alias of a module svd2rust does not emit"
    );
}
