//! Names that collide once svd2rust cases them (`CTRL` and `Ctrl`, `A_B`
//! and `A_b`): the later ones get a numeric suffix.

use super::{join, Ctx};
use heck::{ToSnakeCase, ToUpperCamelCase};
use std::collections::{HashMap, HashSet};
use svd_rs::{Device, RegisterCluster};

/// Both casings svd2rust derives from a name; two names collide if either does.
fn keys(name: &str) -> [String; 2] {
    let bare = name.replace("%s", "");
    [bare.to_snake_case(), bare.to_upper_camel_case()]
}

/// Hands out names that collide with nothing seen so far.
#[derive(Default)]
struct Namespace {
    taken: HashSet<String>,
    occurrences: HashMap<String, usize>,
}

impl Namespace {
    /// Returns the new name if `name` had to change, and which occurrence
    /// of that name in the file this one is.
    fn claim(&mut self, name: &str) -> (Option<String>, usize) {
        let nth = {
            let n = self.occurrences.entry(name.to_string()).or_default();
            *n += 1;
            *n - 1
        };
        if keys(name).iter().all(|k| !self.taken.contains(k)) {
            self.taken.extend(keys(name));
            return (None, nth);
        }
        for i in 1.. {
            let candidate = if name.contains("%s") {
                name.replacen("%s", &format!("_{i}_%s"), 1)
            } else {
                format!("{name}_{i}")
            };
            if keys(&candidate).iter().all(|k| !self.taken.contains(k)) {
                self.taken.extend(keys(&candidate));
                return (Some(candidate), nth);
            }
        }
        unreachable!("the suffixes are unbounded")
    }
}

pub(super) fn run(device: &mut Device, ctx: &mut Ctx) {
    let mut peripherals = Namespace::default();
    for p in &mut device.peripherals {
        let (new, nth) = peripherals.claim(&p.name);
        if let Some(new) = new {
            ctx.renamed(new.clone(), &p.name, nth);
            ctx.repair(
                "duplicate-name",
                &new,
                format!("peripheral `{}` is declared again; renamed `{new}`", p.name),
            );
            p.name = new;
        }
    }
    interrupts(device, ctx);
    for p in &mut device.peripherals {
        let pname = p.name.clone();
        if let Some(regs) = p.registers.as_mut() {
            block(regs, &pname, ctx);
        }
    }
}

/// svd2rust makes one enum variant per interrupt, keyed by name and by value.
fn interrupts(device: &mut Device, ctx: &mut Ctx) {
    let mut by_value: HashMap<u32, String> = HashMap::new();
    let mut by_name: HashMap<String, u32> = HashMap::new();
    for p in &mut device.peripherals {
        let pname = p.name.clone();
        p.interrupt.retain_mut(|i| {
            match (by_value.get(&i.value), by_name.get(&i.name)) {
                // The same interrupt listed by two peripherals: shared IRQ.
                (Some(n), Some(v)) if *n == i.name && *v == i.value => true,
                (Some(n), _) => {
                    ctx.repair(
                        "duplicate-interrupt",
                        &pname,
                        format!(
                            "interrupt `{}` reuses IRQ {} of `{n}`; dropped",
                            i.name, i.value
                        ),
                    );
                    false
                }
                (None, Some(v)) => {
                    let new = format!("{}_{}", i.name, i.value);
                    ctx.repair(
                        "duplicate-interrupt",
                        &pname,
                        format!(
                            "interrupt `{}` (IRQ {}) reuses the name of IRQ {v}; renamed `{new}`",
                            i.name, i.value
                        ),
                    );
                    i.name = new;
                    by_value.insert(i.value, i.name.clone());
                    by_name.insert(i.name.clone(), i.value);
                    true
                }
                (None, None) => {
                    by_value.insert(i.value, i.name.clone());
                    by_name.insert(i.name.clone(), i.value);
                    true
                }
            }
        });
    }
}

fn block(items: &mut [RegisterCluster], prefix: &str, ctx: &mut Ctx) {
    let mut names = Namespace::default();
    for item in items.iter_mut() {
        let old = item.name().clone();
        let (new, nth) = names.claim(&old);
        if let Some(new) = new {
            let kind = match item {
                RegisterCluster::Register(_) => "register",
                RegisterCluster::Cluster(_) => "cluster",
            };
            ctx.renamed(join(prefix, &new), &join(prefix, &old), nth);
            ctx.repair(
                "duplicate-name",
                &join(prefix, &new),
                format!(
                    "{kind} `{old}` collides with an earlier name in this block; renamed `{new}`"
                ),
            );
            match item {
                RegisterCluster::Register(r) => r.name = new,
                RegisterCluster::Cluster(c) => c.name = new,
            }
        }
        let path = join(prefix, item.name());
        match item {
            RegisterCluster::Cluster(c) => block(&mut c.children, &path, ctx),
            RegisterCluster::Register(r) => fields(r, &path, ctx),
        }
    }
}

fn fields(r: &mut svd_rs::Register, path: &str, ctx: &mut Ctx) {
    let Some(fields) = r.fields.as_mut() else {
        return;
    };
    let mut names = Namespace::default();
    // Enum type names share the register module's namespace.
    let mut enum_names = Namespace::default();
    for f in fields.iter_mut() {
        let old = f.name.clone();
        let (new, nth) = names.claim(&old);
        if let Some(new) = new {
            ctx.renamed(join(path, &new), &join(path, &old), nth);
            ctx.repair(
                "duplicate-name",
                &join(path, &new),
                format!("field `{old}` collides with an earlier field; renamed `{new}`"),
            );
            f.name = new;
        }
        let fpath = join(path, &f.name);
        for set in &mut f.enumerated_values {
            if let Some(n) = set.name.as_mut() {
                if let (Some(new), _) = enum_names.claim(n) {
                    ctx.repair("duplicate-name", &fpath, format!("enumeratedValues `{n}` collides with another set in this register; renamed `{new}`"));
                    *n = new;
                }
            }
            let mut values = Namespace::default();
            for v in &mut set.values {
                if let (Some(new), _) = values.claim(&v.name) {
                    ctx.repair(
                        "duplicate-name",
                        &fpath,
                        format!(
                            "enumeratedValue `{}` collides with an earlier value; renamed `{new}`",
                            v.name
                        ),
                    );
                    v.name = new;
                }
            }
        }
    }
}
