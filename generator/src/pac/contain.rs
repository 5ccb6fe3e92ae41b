//! Containment: one peripheral svd2rust cannot render never costs the chip.
//!
//! Only when svd2rust fails on the whole device (an error or a panic) is
//! each peripheral rendered alone to find the ones at fault. Each of those
//! is repaired, smallest change first:
//!
//! 1. in a cluster array whose elements are larger than its
//!    `dimIncrement` (each would overlap the next), the registers reaching
//!    past the increment are dropped;
//! 2. registers and clusters that overlap others are dropped one by one,
//!    the one overlapping the most first (an array spanning several plain
//!    registers goes before them), until svd2rust renders the peripheral;
//! 3. if it still cannot, the peripheral is kept as a skeleton: its base
//!    address and interrupts, no register block;
//! 4. if even that fails, the peripheral is dropped.
//!
//! Every step is a diagnostic at the element's place in the SVD.

use crate::diag::Diagnostics;
use crate::source_map::SourceMap;
use svd_rs::{Device, MaybeArray, Peripheral, RegisterCluster};

/// Drops at most this many registers from one peripheral before falling
/// back to a skeleton: each try renders the peripheral once more.
const MAX_DROPS: usize = 64;

/// Peripherals svd2rust leaves to the `cortex-m` crate on Cortex-M (it
/// emits no module for them; FPU only when the core has one).
const CORE_PERIPHERALS: &[&str] = &[
    "CBP", "CPUID", "DCB", "DWT", "FPB", "FPU", "ITM", "MPU", "NVIC", "SCB", "SYST", "TPIU",
];

/// A peripheral derived from one svd2rust emits no module for (`MPU_NS`
/// from `MPU`) would name a module that does not exist: it gets its base's
/// registers instead. Returns whether anything changed.
pub(crate) fn core_bases(
    device: &mut Device,
    s2r: &svd2rust::Config,
    source: &SourceMap,
    diags: &mut Diagnostics,
) -> bool {
    if s2r.target != svd2rust::Target::CortexM {
        return false;
    }
    let fpu = device.cpu.as_ref().is_some_and(|c| c.fpu_present);
    let skipped = |name: &str| {
        let upper = name.to_uppercase();
        CORE_PERIPHERALS.contains(&upper.as_str()) && (fpu || upper != "FPU")
    };
    let bases: Vec<(String, Option<Vec<RegisterCluster>>)> = device
        .peripherals
        .iter()
        .filter(|p| skipped(&p.name))
        .map(|p| (p.name.clone(), p.registers.clone()))
        .collect();
    let mut changed = false;
    for p in &mut device.peripherals {
        let Some(base) = p.derived_from.clone() else {
            continue;
        };
        let Some((_, registers)) = bases.iter().find(|(n, _)| *n == base) else {
            continue;
        };
        if p.registers.is_none() {
            p.registers = registers.clone();
        }
        p.derived_from = None;
        changed = true;
        diags.repair(
            "derived-from-core-peripheral",
            p.name.clone(),
            source.locate(&p.name),
            format!(
                "derives from `{base}`, a core peripheral svd2rust leaves to the cortex-m crate \
                 (no module to derive from); given `{base}`'s registers instead"
            ),
        );
    }
    changed
}

/// Does svd2rust render `device` without an error or a panic?
pub(crate) fn renders(device: &Device, s2r: &svd2rust::Config) -> bool {
    let mut device_x = String::new();
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        svd2rust::generate::device::render(device, s2r, &mut device_x).is_ok()
    }))
    .unwrap_or(false)
}

/// Find the peripherals svd2rust cannot render and repair them (see the
/// module documentation). Returns whether anything changed.
pub(crate) fn contain(
    device: &mut Device,
    s2r: &svd2rust::Config,
    source: &SourceMap,
    diags: &mut Diagnostics,
) -> bool {
    let peripherals = std::mem::take(&mut device.peripherals);
    let shell = device.clone();
    device.peripherals = peripherals;
    let alone = |p: &Peripheral, all: &[Peripheral]| -> Device {
        let mut d = shell.clone();
        // A derived peripheral renders with its base.
        if let Some(base) = p
            .derived_from
            .as_deref()
            .and_then(|b| all.iter().find(|q| q.name == b))
        {
            d.peripherals.push(base.clone());
        }
        d.peripherals.push(p.clone());
        d
    };
    let mut changed = false;
    let mut dropped = Vec::new();
    for i in 0..device.peripherals.len() {
        if renders(&alone(&device.peripherals[i], &device.peripherals), s2r) {
            continue;
        }
        changed = true;
        let name = device.peripherals[i].name.clone();
        let loc = source.locate(&name);
        // 1. Cluster arrays larger than their increment.
        if let Some(regs) = device.peripherals[i].registers.as_mut() {
            let mut found = Vec::new();
            cluster_increments(regs, &name, &mut found);
            let any = !found.is_empty();
            for (path, message) in found {
                let loc = source.locate(&path).or(loc);
                diags.repair("cluster-exceeds-increment", path, loc, message);
            }
            if any && renders(&alone(&device.peripherals[i], &device.peripherals), s2r) {
                continue;
            }
        }
        // 2. Overlapping registers, one at a time.
        let mut fixed = false;
        for _ in 0..MAX_DROPS {
            let Some(regs) = device.peripherals[i].registers.as_mut() else {
                break;
            };
            let Some((path, what)) = drop_worst_overlap(regs, &name) else {
                break;
            };
            let loc = source.locate(&path).or(loc);
            diags.repair(
                "pac-overlap-dropped",
                path,
                loc,
                format!(
                    "svd2rust cannot render `{name}` with overlapping registers; {what}, dropped"
                ),
            );
            if renders(&alone(&device.peripherals[i], &device.peripherals), s2r) {
                fixed = true;
                break;
            }
        }
        if fixed {
            continue;
        }
        // 3. A skeleton: base address and interrupts, no registers.
        let p = &mut device.peripherals[i];
        if p.derived_from.is_none() {
            p.registers = None;
        }
        if renders(&alone(&device.peripherals[i], &device.peripherals), s2r) {
            diags.repair(
                "pac-peripheral-skeleton",
                name.clone(),
                loc,
                "svd2rust cannot render this peripheral's registers; emitted as a skeleton \
                 (base address and interrupts, no register block)",
            );
            continue;
        }
        // 4. Dropped.
        diags.repair(
            "pac-peripheral-dropped",
            name.clone(),
            loc,
            "svd2rust cannot render this peripheral even without registers; dropped",
        );
        dropped.push(name);
    }
    if !dropped.is_empty() {
        device.peripherals.retain(|p| !dropped.contains(&p.name));
        // Derived from a dropped peripheral: nothing to derive from.
        for p in &mut device.peripherals {
            if p.derived_from.as_ref().is_some_and(|b| dropped.contains(b)) {
                p.derived_from = None;
            }
        }
    }
    changed
}

/// In cluster arrays whose elements are larger than the `dimIncrement`
/// (elements would overlap the next; svd2rust refuses the peripheral),
/// drop the registers that reach past the increment, and a cluster left
/// with none. Each drop: `(path, message)`.
fn cluster_increments(
    items: &mut Vec<RegisterCluster>,
    prefix: &str,
    found: &mut Vec<(String, String)>,
) {
    items.retain_mut(|item| {
        let RegisterCluster::Cluster(c) = item else {
            return true;
        };
        let path = format!("{prefix}.{}", c.name);
        cluster_increments(&mut c.children, &path, found);
        let MaybeArray::Array(_, dim) = c else {
            return true;
        };
        if dim.dim <= 1 {
            return true;
        }
        let increment = u64::from(dim.dim_increment);
        let before = c.children.len();
        c.children.retain(|child| {
            let (start, end) = span(child);
            if end <= increment {
                return true;
            }
            found.push((
                format!("{path}.{}", child.name()),
                format!(
                    "reaches byte {end:#x} of its cluster element (from {start:#x}), past the array's \
                     dimIncrement {increment:#x}: elements would overlap, which svd2rust cannot render; dropped"
                ),
            ));
            false
        });
        if c.children.is_empty() && before > 0 {
            found.push((
                path,
                "every register of the cluster reaches past its dimIncrement; the cluster is dropped".into(),
            ));
            return false;
        }
        true
    });
}

/// The bytes a register or cluster spans, from the start of the block
/// it is in: `(start, end)`; arrays whole, a register of unknown size as
/// 32 bits.
fn span(item: &RegisterCluster) -> (u64, u64) {
    match item {
        RegisterCluster::Register(r) => {
            let start = u64::from(r.address_offset);
            let bytes = u64::from(r.properties.size.unwrap_or(32).div_ceil(8)).max(1);
            let extra = match r {
                MaybeArray::Array(_, dim) => {
                    u64::from(dim.dim.saturating_sub(1)) * u64::from(dim.dim_increment)
                }
                MaybeArray::Single(_) => 0,
            };
            (start, start + extra + bytes)
        }
        RegisterCluster::Cluster(c) => {
            let start = u64::from(c.address_offset);
            let one = c.children.iter().map(|ch| span(ch).1).max().unwrap_or(1);
            let total = match c {
                MaybeArray::Array(_, dim) => {
                    u64::from(dim.dim.saturating_sub(1)) * u64::from(dim.dim_increment) + one
                }
                MaybeArray::Single(_) => one,
            };
            (start, start + total)
        }
    }
}

fn is_array(item: &RegisterCluster) -> bool {
    match item {
        RegisterCluster::Register(r) => matches!(r, MaybeArray::Array(..)),
        RegisterCluster::Cluster(c) => matches!(c, MaybeArray::Array(..)),
    }
}

/// The byte ranges an item occupies: one per array element (a cluster
/// element counts as its whole extent). Arrays past [`MAX_ELEMENTS`]
/// count as their whole span.
fn ranges(item: &RegisterCluster) -> Vec<(u64, u64)> {
    let (start, end) = span(item);
    let (dim, inc, one) = match item {
        RegisterCluster::Register(MaybeArray::Array(r, d)) => (
            d.dim,
            d.dim_increment,
            u64::from(r.properties.size.unwrap_or(32).div_ceil(8)).max(1),
        ),
        RegisterCluster::Cluster(MaybeArray::Array(c, d)) => (
            d.dim,
            d.dim_increment,
            c.children.iter().map(|ch| span(ch).1).max().unwrap_or(1),
        ),
        _ => return vec![(start, end)],
    };
    if dim as usize > MAX_ELEMENTS {
        return vec![(start, end)];
    }
    (0..u64::from(dim))
        .map(|k| {
            let at = start + k * u64::from(inc);
            (at, at + one)
        })
        .collect()
}

/// Array elements compared one by one; past this an array is one range.
const MAX_ELEMENTS: usize = 1024;

/// Two items overlap when bytes of theirs coincide (interleaved arrays do
/// not), unless both are plain registers at the same offset: svd2rust
/// renders those as alternates.
fn overlap(a: &RegisterCluster, b: &RegisterCluster) -> bool {
    let ((a0, a1), (b0, b1)) = (span(a), span(b));
    if a0 >= b1 || b0 >= a1 {
        return false;
    }
    let plain = |x: &RegisterCluster| matches!(x, RegisterCluster::Register(MaybeArray::Single(_)));
    if plain(a) && plain(b) && a0 == b0 {
        return false;
    }
    let (ra, rb) = (ranges(a), ranges(b));
    let (mut i, mut j) = (0, 0);
    // Both lists are sorted by start and their ranges do not overlap.
    while i < ra.len() && j < rb.len() {
        let ((s1, e1), (s2, e2)) = (ra[i], rb[j]);
        if s1 < e2 && s2 < e1 {
            return true;
        }
        if e1 <= e2 {
            i += 1;
        } else {
            j += 1;
        }
    }
    false
}

/// Drop the item that overlaps the most others, at this level or (if this
/// level has none) inside a cluster; returns its SVD path and a note.
fn drop_worst_overlap(items: &mut Vec<RegisterCluster>, prefix: &str) -> Option<(String, String)> {
    let n = items.len();
    let mut counts = vec![0usize; n];
    for i in 0..n {
        for j in i + 1..n {
            if overlap(&items[i], &items[j]) {
                counts[i] += 1;
                counts[j] += 1;
            }
        }
    }
    // Most overlaps; then arrays (they span others); then the later one.
    let worst = (0..n)
        .filter(|&i| counts[i] > 0)
        .max_by_key(|&i| (counts[i], is_array(&items[i]), i));
    if let Some(i) = worst {
        let item = items.remove(i);
        let path = format!("{prefix}.{}", item.name());
        let (start, end) = span(&item);
        let what = format!(
            "`{}` (offset {start:#x}..{end:#x}) overlaps {} other register(s) or cluster(s)",
            item.name(),
            counts[i]
        );
        return Some((path, what));
    }
    for item in items.iter_mut() {
        if let RegisterCluster::Cluster(c) = item {
            let path = format!("{prefix}.{}", c.name);
            if let Some(found) = drop_worst_overlap(&mut c.children, &path) {
                return Some(found);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reg(name: &str, offset: u32, dim: Option<(u32, u32)>) -> RegisterCluster {
        let info = svd_rs::RegisterInfo::builder()
            .name(name.into())
            .address_offset(offset)
            .size(Some(8))
            .build(svd_rs::ValidateLevel::Disabled)
            .expect("valid");
        let r = match dim {
            None => MaybeArray::Single(info),
            Some((d, inc)) => MaybeArray::Array(
                info,
                svd_rs::DimElement::builder()
                    .dim(d)
                    .dim_increment(inc)
                    .build(svd_rs::ValidateLevel::Disabled)
                    .expect("valid"),
            ),
        };
        RegisterCluster::Register(r)
    }

    #[test]
    fn an_array_spanning_plain_registers_goes_first() {
        let mut items = vec![
            reg("A", 0, None),
            reg("B%s", 2, Some((4, 2))),
            reg("C", 2, None),
            reg("D", 4, None),
            reg("E", 6, None),
        ];
        let (path, what) = drop_worst_overlap(&mut items, "P").expect("an overlap");
        assert_eq!(path, "P.B%s");
        assert!(what.contains("3 other"), "{what}");
        assert!(drop_worst_overlap(&mut items, "P").is_none());
        assert_eq!(items.len(), 4);
    }

    #[test]
    fn registers_past_a_cluster_increment_are_dropped() {
        let info = svd_rs::ClusterInfo::builder()
            .name("CH%s".into())
            .address_offset(0)
            .children(vec![
                reg("CTRL", 0, None),
                reg("DATA", 4, None),
                reg("LATE", 8, None),
            ])
            .build(svd_rs::ValidateLevel::Disabled)
            .expect("valid");
        let dim = svd_rs::DimElement::builder()
            .dim(4)
            .dim_increment(8)
            .build(svd_rs::ValidateLevel::Disabled)
            .expect("valid");
        let mut items = vec![RegisterCluster::Cluster(MaybeArray::Array(info, dim))];
        let mut found = Vec::new();
        cluster_increments(&mut items, "P", &mut found);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, "P.CH%s.LATE");
        let RegisterCluster::Cluster(c) = &items[0] else {
            panic!("the cluster stays");
        };
        assert_eq!(c.children.len(), 2);
    }

    #[test]
    fn interleaved_arrays_do_not_overlap() {
        let mut items = vec![
            reg("A%s", 0, Some((2, 0x10))),
            reg("B%s", 2, Some((2, 0x10))),
        ];
        assert!(drop_worst_overlap(&mut items, "P").is_none());
    }

    #[test]
    fn plain_registers_at_one_offset_are_alternates() {
        let mut items = vec![reg("A", 0, None), reg("A_ALT", 0, None)];
        assert!(drop_worst_overlap(&mut items, "P").is_none());
    }
}
