//! Stage 2a: repair passes for the defects real vendor SVDs have.
//!
//! Each pass fixes one kind of defect and reports every change as a
//! [`Diagnostic`](crate::diag::Diagnostic) with the SVD location. Passes run
//! in a fixed order: structure first (derivedFrom), then properties and
//! values, then names last, so earlier passes see the names the file has.

mod addresses;
mod arrays;
mod derive;
mod device;
mod duplicates;
mod enums;
mod fields;
pub mod lenient;
mod names;
mod properties;

use crate::config::Config;
use crate::diag::{Diagnostics, Location};
use crate::error::Error;
use crate::source_map::SourceMap;
use std::collections::HashMap;
use svd_rs::{Device, RegisterCluster};

/// What every pass needs: where things are, and where to report.
pub(crate) struct Ctx<'a> {
    pub source: &'a SourceMap,
    pub config: &'a Config,
    pub diags: &'a mut Diagnostics,
    /// New path → the path the element had in the file, for renamed elements.
    original: HashMap<String, (String, usize)>,
}

impl Ctx<'_> {
    /// Location of an element by its current path (renames are followed).
    pub fn locate(&self, path: &str) -> Option<Location> {
        if let Some(loc) = self
            .source
            .locate(path)
            .filter(|_| !self.original.contains_key(path))
        {
            return Some(loc);
        }
        // The element or one of its parents was renamed: map the longest
        // renamed prefix back to the name the file has.
        let parts: Vec<&str> = path.split('.').collect();
        for i in (1..=parts.len()).rev() {
            let prefix = parts[..i].join(".");
            if let Some((orig, nth)) = self.original.get(&prefix) {
                let rest = &parts[i..];
                if rest.is_empty() {
                    return self.source.locate_nth(orig, *nth);
                }
                return self.source.locate(&format!("{orig}.{}", rest.join(".")));
            }
        }
        None
    }

    /// A repair of the device itself (not of an element below it).
    pub fn repair_device(&mut self, code: &'static str, device: &str, message: impl Into<String>) {
        let loc = self.source.locate(crate::source_map::DEVICE);
        self.diags.repair(code, device, loc, message);
    }

    pub fn warn_device(&mut self, code: &'static str, device: &str, message: impl Into<String>) {
        let loc = self.source.locate(crate::source_map::DEVICE);
        self.diags.warn(code, device, loc, message);
    }

    pub fn repair(&mut self, code: &'static str, path: &str, message: impl Into<String>) {
        let loc = self.locate(path);
        self.diags.repair(code, path, loc, message);
    }

    pub fn warn(&mut self, code: &'static str, path: &str, message: impl Into<String>) {
        let loc = self.locate(path);
        self.diags.warn(code, path, loc, message);
    }

    /// Remember that `new_path` was called `old_path` (its `nth` occurrence).
    pub fn renamed(&mut self, new_path: String, old_path: &str, nth: usize) {
        let origin = self
            .original
            .get(old_path)
            .cloned()
            .unwrap_or_else(|| (old_path.to_string(), nth));
        self.original.insert(new_path, origin);
    }
}

pub fn run_all(
    device: &mut Device,
    source: &SourceMap,
    config: &Config,
    diags: &mut Diagnostics,
) -> Result<(), Error> {
    let mut ctx = Ctx {
        source,
        config,
        diags,
        original: HashMap::new(),
    };
    device::run(device, &mut ctx);
    arrays::run(device, &mut ctx);
    derive::run(device, &mut ctx)?;
    svd_parser::expand_properties(device);
    properties::run(device, &mut ctx);
    fields::run(device, &mut ctx);
    enums::run(device, &mut ctx);
    names::run(device, &mut ctx);
    duplicates::run(device, &mut ctx);
    addresses::run(device, &mut ctx);
    ctx.diags.sort();
    Ok(())
}

/// Visit every register with its dotted path and the access/size defaults
/// of its block.
pub(crate) fn for_each_register(
    items: &mut [RegisterCluster],
    prefix: &str,
    f: &mut dyn FnMut(&mut svd_rs::Register, &str),
) {
    for item in items {
        match item {
            RegisterCluster::Register(r) => {
                let path = format!("{prefix}.{}", r.name);
                f(r, &path);
            }
            RegisterCluster::Cluster(c) => {
                let path = format!("{prefix}.{}", c.name);
                for_each_register(&mut c.children, &path, f);
            }
        }
    }
}

/// The dotted SVD path of `name` inside `parent` (a peripheral is top level).
pub(crate) fn join(parent: &str, name: &str) -> String {
    if parent.is_empty() {
        name.to_string()
    } else {
        format!("{parent}.{name}")
    }
}

/// Every register of every peripheral that owns its registers.
pub(crate) fn registers_of(device: &mut Device, f: &mut dyn FnMut(&mut svd_rs::Register, &str)) {
    for p in &mut device.peripherals {
        let name = p.name.clone();
        if let Some(regs) = p.registers.as_mut() {
            for_each_register(regs, &name, f);
        }
    }
}
