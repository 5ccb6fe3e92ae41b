//! `derivedFrom`: resolve what can be resolved, drop what cannot, and break
//! cycles. svd2rust fails on `derivedFrom` inside clusters and on dangling
//! references, so registers, clusters and fields that derive are
//! materialised (the copy is made here); peripherals keep `derivedFrom`,
//! because svd2rust shares one module between them, which is cheaper to compile.

use super::Ctx;
use crate::error::Error;
use std::collections::{HashMap, HashSet};
use svd_rs::{DeriveFrom, Device, RegisterCluster};

pub(super) fn run(device: &mut Device, ctx: &mut Ctx) -> Result<(), Error> {
    peripherals(device, ctx)?;
    blocks(device, ctx);
    enum_references(device, ctx);
    Ok(())
}

fn peripherals(device: &mut Device, ctx: &mut Ctx) -> Result<(), Error> {
    let parent: HashMap<String, Option<String>> = device
        .peripherals
        .iter()
        .map(|p| (p.name.clone(), p.derived_from.clone()))
        .collect();
    let max = ctx.config.limits.max_derive_chain;
    for p in &mut device.peripherals {
        let Some(first) = p.derived_from.clone() else {
            continue;
        };
        // Follow the chain to its root, bounded, noting cycles.
        let mut seen = HashSet::from([p.name.clone()]);
        let mut root = first.clone();
        let mut problem = None;
        loop {
            match parent.get(&root) {
                None => {
                    problem = Some(format!("derivedFrom `{root}` names no peripheral; dropped"));
                    break;
                }
                Some(None) => break,
                Some(Some(next)) => {
                    if !seen.insert(root.clone()) {
                        problem = Some(format!("derivedFrom `{first}` forms a cycle; dropped"));
                        break;
                    }
                    if seen.len() > max {
                        let at = ctx.locate(&p.name);
                        return Err(Error::Limit {
                            path: ctx.source.file.clone().into(),
                            line: at.map_or(0, |l| l.line),
                            col: at.map_or(0, |l| l.col),
                            limit: "limits.max_derive_chain",
                            max: max as u64,
                            detail: format!(
                                "peripheral {} derives through a chain of more than {max} peripherals",
                                p.name
                            ),
                        });
                    }
                    root = next.clone();
                }
            }
        }
        let path = p.name.clone();
        if let Some(msg) = problem {
            p.derived_from = None;
            if p.registers.is_none() {
                p.registers = Some(Vec::new());
            }
            ctx.repair("derived-from-unresolved", &path, msg);
        } else if root != first {
            p.derived_from = Some(root.clone());
            ctx.repair(
                "derived-from-chain",
                &path,
                format!("derivedFrom `{first}` itself derives; now derives from the root `{root}`"),
            );
        }
    }
    Ok(())
}

/// Materialise `derivedFrom` on registers, clusters and fields.
fn blocks(device: &mut Device, ctx: &mut Ctx) {
    // Snapshot of every register and cluster by full path, to copy from.
    let mut items: HashMap<String, RegisterCluster> = HashMap::new();
    for p in &device.peripherals {
        if let Some(regs) = &p.registers {
            index_items(regs, &p.name, &mut items);
        }
    }
    let max = ctx.config.limits.max_derive_chain;
    for p in &mut device.peripherals {
        let pname = p.name.clone();
        if let Some(regs) = p.registers.as_mut() {
            materialise(regs, &pname, &pname, &items, ctx, max);
        }
    }
}

fn index_items(
    items: &[RegisterCluster],
    prefix: &str,
    out: &mut HashMap<String, RegisterCluster>,
) {
    for item in items {
        let path = format!("{prefix}.{}", item.name());
        out.insert(path.clone(), item.clone());
        if let RegisterCluster::Cluster(c) = item {
            index_items(&c.children, &path, out);
        }
    }
}

fn resolve<'m>(
    reference: &str,
    block_prefix: &str,
    peripheral: &str,
    items: &'m HashMap<String, RegisterCluster>,
) -> Option<&'m RegisterCluster> {
    items
        .get(&format!("{block_prefix}.{reference}"))
        .or_else(|| items.get(&format!("{peripheral}.{reference}")))
        .or_else(|| items.get(reference))
}

fn materialise(
    block: &mut [RegisterCluster],
    prefix: &str,
    peripheral: &str,
    items: &HashMap<String, RegisterCluster>,
    ctx: &mut Ctx,
    max: usize,
) {
    for item in block.iter_mut() {
        let path = format!("{prefix}.{}", item.name());
        // Follow the chain a bounded number of steps.
        let mut steps = 0;
        while let Some(reference) = item.derived_from().clone() {
            steps += 1;
            let target = resolve(&reference, prefix, peripheral, items).filter(|_| steps <= max);
            match (&mut *item, target) {
                (RegisterCluster::Register(r), Some(RegisterCluster::Register(t))) => {
                    let own_fields = r.fields.take();
                    let (name, offset, desc) =
                        (r.name.clone(), r.address_offset, r.description.clone());
                    let props = r.properties;
                    r.derived_from = t.derived_from.clone();
                    r.fields = own_fields.or_else(|| t.fields.clone());
                    r.properties = props.derive_from(&t.properties);
                    r.name = name;
                    r.address_offset = offset;
                    r.description = desc.or_else(|| t.description.clone());
                }
                (RegisterCluster::Cluster(c), Some(RegisterCluster::Cluster(t))) => {
                    if c.children.is_empty() {
                        c.children = t.children.clone();
                    }
                    c.default_register_properties = c
                        .default_register_properties
                        .derive_from(&t.default_register_properties);
                    c.description = c.description.clone().or_else(|| t.description.clone());
                    c.derived_from = t.derived_from.clone();
                }
                (item, _) => {
                    clear_derived(item);
                    let why = if steps > max {
                        "is a chain too long or a cycle"
                    } else {
                        "does not resolve to an element of the same kind"
                    };
                    ctx.repair(
                        "derived-from-unresolved",
                        &path,
                        format!("derivedFrom `{reference}` {why}; dropped"),
                    );
                    break;
                }
            }
            if item.derived_from().is_none() {
                ctx.repair(
                    "derived-from-materialised",
                    &path,
                    format!("copied the contents of `{reference}` (svd2rust cannot derive here)"),
                );
            }
        }
        match item {
            RegisterCluster::Cluster(c) => {
                materialise(&mut c.children, &path, peripheral, items, ctx, max);
            }
            RegisterCluster::Register(r) => fields(r, &path, ctx),
        }
    }
}

fn clear_derived(item: &mut RegisterCluster) {
    match item {
        RegisterCluster::Register(r) => r.derived_from = None,
        RegisterCluster::Cluster(c) => c.derived_from = None,
    }
}

fn fields(register: &mut svd_rs::Register, path: &str, ctx: &mut Ctx) {
    let Some(fields) = register.fields.as_mut() else {
        return;
    };
    let snapshot: HashMap<String, svd_rs::Field> =
        fields.iter().map(|f| (f.name.clone(), f.clone())).collect();
    for f in fields.iter_mut() {
        let Some(reference) = f.derived_from.take() else {
            continue;
        };
        let fpath = format!("{path}.{}", f.name);
        let short = reference.rsplit('.').next().unwrap_or(&reference);
        match snapshot.get(short).filter(|t| t.derived_from.is_none()) {
            Some(t) => {
                if f.description.is_none() {
                    f.description = t.description.clone();
                }
                if f.access.is_none() {
                    f.access = t.access;
                }
                if f.enumerated_values.is_empty() {
                    f.enumerated_values = t.enumerated_values.clone();
                }
                ctx.repair(
                    "derived-from-materialised",
                    &fpath,
                    format!("copied field `{reference}`"),
                );
            }
            None => ctx.repair(
                "derived-from-unresolved",
                &fpath,
                format!("field derivedFrom `{reference}` does not resolve; dropped"),
            ),
        }
    }
}

/// Enumerated value sets may derive from a set by name anywhere in the
/// device. Keep those svd2rust can find; drop the dangling ones (a set left
/// with no values is then removed by the enums pass).
fn enum_references(device: &mut Device, ctx: &mut Ctx) {
    let mut names = HashSet::new();
    super::registers_of(device, &mut |r, _| {
        for f in r.fields.iter().flatten() {
            for ev in &f.enumerated_values {
                if let Some(n) = &ev.name {
                    names.insert(n.clone());
                }
            }
        }
    });
    super::registers_of(device, &mut |r, path| {
        for f in r.fields.iter_mut().flatten() {
            let fpath = format!("{path}.{}", f.name);
            for ev in &mut f.enumerated_values {
                let Some(reference) = ev.derived_from.clone() else {
                    continue;
                };
                let short = reference.rsplit('.').next().unwrap_or(&reference);
                if !names.contains(short) {
                    ev.derived_from = None;
                    ctx.repair("derived-from-unresolved", &fpath, format!("enumeratedValues derivedFrom `{reference}` names no value set; dropped"));
                }
            }
        }
    });
}
