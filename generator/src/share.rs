//! Stage 2b: identical peripherals share one register block.
//!
//! Vendors often describe each instance of a peripheral in full (UART0,
//! UART1, ... with the same registers) instead of writing `derivedFrom`.
//! svd2rust then emits one module per instance. Turning each later copy
//! into a `derivedFrom` of the first makes svd2rust emit
//! `pub use self::uart0 as uart1;` instead: the same API (`pac::uart1::…`,
//! `pac::Uart1`), less code to generate and to compile.
//!
//! Runs after classification, so coverage records and the HAL still name
//! each instance's own registers and SVD lines.

use std::collections::HashSet;
use svd_rs::{Device, Peripheral};

/// Make every peripheral whose register description equals an earlier
/// one's derive from it. Returns (instance, base) per shared instance.
pub fn identical_peripherals(device: &mut Device) -> Vec<(String, String)> {
    let referenced = referenced_peripherals(device);
    let mut bases: Vec<usize> = Vec::new();
    let mut shared = Vec::new();
    for i in 0..device.peripherals.len() {
        let p = &device.peripherals[i];
        if !shareable(p) {
            continue;
        }
        let base = bases
            .iter()
            .copied()
            .find(|&b| same_registers(&device.peripherals[b], p));
        match base {
            Some(b) if !referenced.contains(&p.name) => {
                let base_name = device.peripherals[b].name.clone();
                let p = &mut device.peripherals[i];
                shared.push((p.name.clone(), base_name.clone()));
                p.registers = None;
                p.derived_from = Some(base_name);
            }
            Some(_) => {}
            None => bases.push(i),
        }
    }
    shared
}

/// Plain peripherals with registers of their own: not arrays, not
/// already derived.
fn shareable(p: &Peripheral) -> bool {
    matches!(p, Peripheral::Single(_))
        && p.derived_from.is_none()
        && p.registers.as_ref().is_some_and(|r| !r.is_empty())
}

fn same_registers(a: &Peripheral, b: &Peripheral) -> bool {
    register_block(a) == register_block(b)
}

/// Everything svd2rust reads to lay out and name a register block. The PAC
/// stage keys reused peripheral modules on it too (`pac::reuse`).
pub(crate) fn register_block(p: &Peripheral) -> impl PartialEq + std::fmt::Debug + '_ {
    (
        &p.registers,
        &p.default_register_properties,
        &p.prepend_to_name,
        &p.append_to_name,
        &p.header_struct_name,
    )
}

/// Peripherals named by some `derivedFrom` path (`UART1.CR.PARITY`): their
/// registers must stay where the path points.
pub(crate) fn referenced_peripherals(device: &Device) -> HashSet<String> {
    let mut out = HashSet::new();
    for p in &device.peripherals {
        for_each_inner_derive(p, &mut |path| {
            if let Some((first, _)) = path.split_once('.') {
                out.insert(first.to_string());
            }
        });
    }
    out
}

/// Every `derivedFrom` path below a peripheral: on its registers,
/// clusters, fields and enumerated values.
pub(crate) fn for_each_inner_derive(p: &Peripheral, visit: &mut dyn FnMut(&str)) {
    use svd_rs::RegisterCluster;
    fn walk(items: &[RegisterCluster], visit: &mut dyn FnMut(&str)) {
        for item in items {
            match item {
                RegisterCluster::Register(r) => {
                    each(r.derived_from.as_deref(), visit);
                    for f in r.fields() {
                        each(f.derived_from.as_deref(), visit);
                        for ev in &f.enumerated_values {
                            each(ev.derived_from.as_deref(), visit);
                        }
                    }
                }
                RegisterCluster::Cluster(c) => {
                    each(c.derived_from.as_deref(), visit);
                    walk(&c.children, visit);
                }
            }
        }
    }
    fn each(path: Option<&str>, visit: &mut dyn FnMut(&str)) {
        if let Some(path) = path {
            visit(path);
        }
    }
    if let Some(r) = &p.registers {
        walk(r, visit);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn device(svd: &str) -> Device {
        svd_parser::parse(svd).unwrap()
    }

    const SVD: &str = r#"<device><name>T</name><addressUnitBits>8</addressUnitBits><width>32</width>
      <size>32</size><access>read-write</access><resetValue>0</resetValue><resetMask>0xFFFFFFFF</resetMask>
      <peripherals>
        <peripheral><name>UART0</name><baseAddress>0x1000</baseAddress>
          <registers><register><name>DR</name><addressOffset>0</addressOffset></register></registers></peripheral>
        <peripheral><name>UART1</name><baseAddress>0x2000</baseAddress>
          <registers><register><name>DR</name><addressOffset>0</addressOffset></register></registers></peripheral>
        <peripheral><name>SPI0</name><baseAddress>0x3000</baseAddress>
          <registers><register><name>DR</name><addressOffset>4</addressOffset></register></registers></peripheral>
        <peripheral><name>UART2</name><baseAddress>0x4000</baseAddress>
          <registers><register><name>DR</name><addressOffset>0</addressOffset>
            <fields><field><name>D</name><bitOffset>0</bitOffset><bitWidth>8</bitWidth>
              <enumeratedValues derivedFrom="UART3.DR.D.V"/></field></fields></register></registers></peripheral>
        <peripheral><name>UART3</name><baseAddress>0x5000</baseAddress>
          <registers><register><name>DR</name><addressOffset>0</addressOffset>
            <fields><field><name>D</name><bitOffset>0</bitOffset><bitWidth>8</bitWidth>
              <enumeratedValues derivedFrom="UART3.DR.D.V"/></field></fields></register></registers></peripheral>
      </peripherals></device>"#;

    #[test]
    fn later_identical_instances_derive_from_the_first() {
        let mut d = device(SVD);
        let shared = identical_peripherals(&mut d);
        assert_eq!(shared, vec![("UART1".to_string(), "UART0".to_string())]);
        let uart1 = &d.peripherals[1];
        assert_eq!(uart1.derived_from.as_deref(), Some("UART0"));
        assert!(uart1.registers.is_none());
        // A different offset is a different block.
        assert!(d.peripherals[2].derived_from.is_none());
        // UART3 equals UART2 but a derivedFrom path points into it.
        assert!(d.peripherals[4].derived_from.is_none());
    }
}
