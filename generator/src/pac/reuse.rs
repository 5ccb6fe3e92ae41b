//! Whole peripheral modules reused across the chips of a run, keyed by
//! their SVD description rather than by svd2rust's output.
//!
//! The module cache keys a module by svd2rust's tokens, so svd2rust still
//! renders every module, and its tokens are still hashed, before a hit is
//! known: about a third of a corpus run. A peripheral module depends only on
//! the peripheral's register block, its name and the svd2rust config, as
//! long as no `derivedFrom` path leads into or out of it. For such a
//! peripheral the cache is asked first: on a hit its registers are swapped
//! for a one-register stand-in, svd2rust renders only its root items (the
//! type alias, its Debug impl, its `Peripherals` field, which read nothing
//! below the peripheral) and the stand-in's module is replaced by the
//! cached text. A plan that does not match what svd2rust rendered is
//! dropped and the chip is rendered again without it (see `pac::emit`).

use super::cache::{HashWriter, Key, ModuleCache};
use crate::share;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use svd_rs::{Access, Device, Peripheral, RegisterCluster, RegisterInfo, ValidateLevel};

/// What one chip's render reuses and what it will add to the cache.
#[derive(Default)]
pub(super) struct Plan {
    /// Module name → cached text, for peripherals swapped for the stand-in.
    pub hits: HashMap<String, Arc<str>>,
    /// Module name → key to store the formatted module under.
    pub misses: HashMap<String, Key>,
    /// The registers taken out for the stand-in, to put back after rendering.
    taken: Vec<(usize, Option<Vec<RegisterCluster>>)>,
}

impl Plan {
    /// Ask the cache about every reusable peripheral and swap the hits'
    /// registers for the stand-in.
    pub fn make(device: &mut Device, s2r: &svd2rust::Config, cache: &ModuleCache) -> Self {
        let config_tag = config_tag(s2r);
        let pinned = pinned_peripherals(device);
        let mut by_module: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, p) in device.peripherals.iter().enumerate() {
            by_module.entry(module_name(p, s2r)).or_default().push(i);
        }
        let mut plan = Self::default();
        for (module, indices) in by_module {
            // Two peripherals with one module name cannot be told apart in
            // svd2rust's output.
            let [i] = indices[..] else { continue };
            let p = &mut device.peripherals[i];
            if !self_contained(p) || pinned.contains(&p.name) {
                continue;
            }
            let key = key(&config_tag, &module, p);
            match cache.get_reused(&key) {
                Some(text) => {
                    plan.taken.push((i, p.registers.replace(vec![stand_in()])));
                    plan.hits.insert(module, text);
                }
                None => {
                    plan.misses.insert(module, key);
                }
            }
        }
        plan
    }

    /// Put back the registers the stand-ins replaced.
    pub fn restore(&mut self, device: &mut Device) {
        for (i, registers) in self.taken.drain(..) {
            device.peripherals[i].registers = registers;
        }
    }
}

/// The svd2rust config as text that is the same in every process and for
/// every copy of the config: its ident formats are a `HashMap`, whose
/// order is random, so they are printed sorted.
fn config_tag(s2r: &svd2rust::Config) -> String {
    let mut rest = s2r.clone();
    let formats: BTreeMap<_, _> = std::mem::take(&mut *rest.ident_formats)
        .into_iter()
        .collect();
    format!("{rest:?} {formats:?}")
}

/// The module svd2rust puts a peripheral's register block in.
fn module_name(p: &Peripheral, s2r: &svd2rust::Config) -> String {
    let name = svd2rust::util::name_of(p, s2r.ignore_groups);
    svd2rust::util::ident(&name, s2r, "peripheral_mod", proc_macro2::Span::call_site()).to_string()
}

/// A peripheral with registers of its own and no `derivedFrom` anywhere in
/// or below it: its module reads nothing outside itself.
fn self_contained(p: &Peripheral) -> bool {
    if p.derived_from.is_some() || p.registers.as_ref().is_none_or(|r| r.is_empty()) {
        return false;
    }
    let mut derives = false;
    share::for_each_inner_derive(p, &mut |_| derives = true);
    !derives
}

/// Peripherals something else reads the registers of while rendering: the
/// target of a path below a peripheral, and the base of a peripheral that
/// derives from it but has registers of its own (svd2rust merges the two).
fn pinned_peripherals(device: &Device) -> HashSet<String> {
    let mut pinned = share::referenced_peripherals(device);
    for p in &device.peripherals {
        if let (Some(base), Some(_)) = (&p.derived_from, &p.registers) {
            pinned.insert(base.clone());
        }
    }
    pinned
}

/// SHA-256 of the svd2rust config, the module and peripheral names and
/// the register block. Base address, interrupts and description are left
/// out: svd2rust uses them only for the root items, which it still renders.
fn key(config_tag: &str, module: &str, p: &Peripheral) -> Key {
    let mut w = HashWriter::new();
    for part in ["peripheral", config_tag, module, &p.name] {
        w.bytes(part.as_bytes());
        w.bytes(&[0]);
    }
    let _ = std::fmt::Write::write_fmt(&mut w, format_args!("{:?}", share::register_block(p)));
    w.finish()
}

/// The smallest register block svd2rust renders a module for (a
/// peripheral without registers is dropped altogether).
fn stand_in() -> RegisterCluster {
    let register = RegisterInfo::builder()
        .name("HAL_GEN_STAND_IN".into())
        .address_offset(0)
        .size(Some(32))
        .access(Some(Access::ReadWrite))
        .reset_value(Some(0))
        .reset_mask(Some(0xFFFF_FFFF))
        .build(ValidateLevel::Disabled)
        .expect("a fixed, unvalidated register always builds");
    RegisterCluster::Register(register.single())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SVD: &str = r#"<device><name>T</name><addressUnitBits>8</addressUnitBits><width>32</width>
      <size>32</size><access>read-write</access><resetValue>0</resetValue><resetMask>0xFFFFFFFF</resetMask>
      <peripherals>
        <peripheral><name>UART0</name><baseAddress>0x1000</baseAddress>
          <registers><register><name>DR</name><addressOffset>0</addressOffset></register></registers></peripheral>
        <peripheral derivedFrom="UART0"><name>UART1</name><baseAddress>0x2000</baseAddress></peripheral>
        <peripheral><name>SPI0</name><baseAddress>0x3000</baseAddress>
          <registers><register><name>DR</name><addressOffset>0</addressOffset>
            <fields><field><name>D</name><bitOffset>0</bitOffset><bitWidth>8</bitWidth>
              <enumeratedValues derivedFrom="TIMER0.CR.EN.V"/></field></fields></register></registers></peripheral>
        <peripheral><name>TIMER0</name><baseAddress>0x4000</baseAddress>
          <registers><register><name>CR</name><addressOffset>0</addressOffset>
            <fields><field><name>EN</name><bitOffset>0</bitOffset><bitWidth>1</bitWidth>
              <enumeratedValues><name>V</name><enumeratedValue><name>OFF</name><value>0</value></enumeratedValue></enumeratedValues>
            </field></fields></register></registers></peripheral>
        <peripheral><name>WDT</name><baseAddress>0x5000</baseAddress>
          <registers><register><name>LOAD</name><addressOffset>0</addressOffset></register></registers></peripheral>
        <peripheral derivedFrom="WDT"><name>WDT1</name><baseAddress>0x6000</baseAddress>
          <registers><register><name>CTRL</name><addressOffset>4</addressOffset></register></registers></peripheral>
      </peripherals></device>"#;

    fn s2r() -> svd2rust::Config {
        let mut c = svd2rust::Config::default();
        c.ident_formats = svd2rust::config::IdentFormats::default_theme();
        c
    }

    fn names(map: &HashMap<String, impl Sized>) -> Vec<&str> {
        let mut names: Vec<&str> = map.keys().map(String::as_str).collect();
        names.sort();
        names
    }

    #[test]
    fn only_self_contained_peripherals_are_reused_and_restore_undoes_the_swap() {
        let original = svd_parser::parse(SVD).unwrap();
        let mut device = original.clone();
        let cache = ModuleCache::new(1 << 20);
        let s2r = s2r();

        // Not SPI0 (a path leads out of it), TIMER0 (one leads into it),
        // UART1 and WDT1 (derived), WDT (WDT1 adds registers to it).
        let cold = Plan::make(&mut device, &s2r, &cache);
        assert!(cold.hits.is_empty());
        assert_eq!(names(&cold.misses), ["uart0"]);
        assert_eq!(device, original);

        cache.alias(cold.misses["uart0"], Arc::from("// uart0\n"));
        let mut warm = Plan::make(&mut device, &s2r, &cache);
        assert_eq!(names(&warm.hits), ["uart0"]);
        assert_eq!(&*warm.hits["uart0"], "// uart0\n");
        assert_eq!(device.peripherals[0].registers, Some(vec![stand_in()]));
        warm.restore(&mut device);
        assert_eq!(device, original);
    }

    #[test]
    fn the_key_is_the_same_for_every_copy_of_the_config() {
        // Each `IdentFormats` is a HashMap with its own random order.
        let p = &svd_parser::parse(SVD).unwrap().peripherals[0];
        let keys: Vec<Key> = (0..8)
            .map(|_| key(&config_tag(&s2r()), "uart0", p))
            .collect();
        assert!(keys.windows(2).all(|w| w[0] == w[1]));
    }
}
