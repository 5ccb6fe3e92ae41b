//! Arrays svd2rust cannot generate: `dim` 0, an array of no elements
//! (svd2rust panics on it). A `dimIndex` list of another length than `dim`
//! is an error of svd-parser's already.

use super::{join, Ctx};
use svd_rs::{Device, DimElement, MaybeArray, RegisterCluster};

/// Whether to keep the array.
fn check(dim: &DimElement, path: &str, ctx: &mut Ctx) -> bool {
    if dim.dim == 0 {
        ctx.repair(
            "dim-zero",
            path,
            "dim is 0: an array of no elements; dropped",
        );
        return false;
    }
    true
}

pub(super) fn run(device: &mut Device, ctx: &mut Ctx) {
    device.peripherals.retain_mut(|p| {
        let name = p.name.clone();
        let keep = match p {
            MaybeArray::Array(_, dim) => check(dim, &name, ctx),
            MaybeArray::Single(_) => true,
        };
        if keep {
            if let Some(regs) = p.registers.as_mut() {
                block(regs, &name, ctx);
            }
        }
        keep
    });
}

fn block(items: &mut Vec<RegisterCluster>, prefix: &str, ctx: &mut Ctx) {
    items.retain_mut(|item| {
        let path = join(prefix, item.name());
        let keep = match item {
            RegisterCluster::Register(MaybeArray::Array(_, dim))
            | RegisterCluster::Cluster(MaybeArray::Array(_, dim)) => check(dim, &path, ctx),
            _ => true,
        };
        if !keep {
            return false;
        }
        match item {
            RegisterCluster::Cluster(c) => block(&mut c.children, &path, ctx),
            RegisterCluster::Register(r) => {
                if let Some(fields) = r.fields.as_mut() {
                    fields.retain_mut(|f| {
                        let fpath = join(&path, &f.name);
                        match f {
                            MaybeArray::Array(_, dim) => check(dim, &fpath, ctx),
                            MaybeArray::Single(_) => true,
                        }
                    });
                }
            }
        }
        true
    });
}
