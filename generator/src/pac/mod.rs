//! Stage 3a: the PAC, from svd2rust used as a library.
//!
//! svd2rust renders one token stream; hal-gen splits it in-process into a
//! file per top-level module (what `form` does, without the extra process)
//! and formats each file with prettyplease, which is faster than spawning
//! rustfmt and deterministic across machines.

mod enums;

use crate::config::Config;
use crate::error::Error;
use crate::model::Chip;
use std::collections::{BTreeMap, BTreeSet};
use svd_rs::Device;

/// The PAC's Rust sources and the facts the crate templates need.
#[derive(Debug)]
pub struct PacOutput {
    /// Path relative to `src/` → formatted Rust source.
    pub modules: BTreeMap<String, String>,
    /// Every peripheral feature the code is gated on, sorted.
    pub features: Vec<String>,
    /// Interrupt handler names for `device.x`, in vector order.
    pub interrupt_handlers: Vec<String>,
}

/// Cargo features svd2rust gates on that are not peripherals.
const NON_PERIPHERAL_FEATURES: &[&str] = &["rt", "critical-section", "impl-debug", enums::FEATURE];

pub fn svd2rust_config(chip: &Chip, config: &Config) -> svd2rust::Config {
    let mut c = svd2rust::Config::default();
    c.target = chip.target.svd2rust_target();
    c.feature_peripheral = true;
    // Debug impls cost compile time on every register; keep them behind a
    // feature so only people who want them pay for them.
    c.impl_debug = true;
    c.impl_debug_feature = Some("impl-debug".into());
    if config.impl_debug {
        c.impl_debug_feature = None;
    }
    c.ident_formats = svd2rust::config::IdentFormats::default_theme();
    c
}

/// `lap` is told when each sub-stage ends (svd2rust, parse, split+format).
pub fn emit(
    device: &Device,
    chip: &Chip,
    config: &Config,
    lap: &mut dyn FnMut(&'static str),
) -> Result<PacOutput, Error> {
    let s2r = svd2rust_config(chip, config);
    let mut device_x = String::new();
    // Repairs are meant to leave nothing svd2rust panics on; this is the
    // backstop so that a missed case is an error, not a crash.
    let rendered = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        svd2rust::generate::device::render(device, &s2r, &mut device_x)
    }))
    .map_err(|panic| Error::Pac {
        message: format!("svd2rust panicked: {}", panic_message(&panic)),
    })?
    .map_err(|e| Error::Pac {
        message: format!("{e:#}"),
    })?;

    lap("svd2rust");
    let mut file: syn::File = syn::parse2(rendered).map_err(|e| Error::Pac {
        message: format!("svd2rust produced invalid Rust: {e}"),
    })?;
    ungate_interrupts(&mut file.items);
    if !device_x.contains("PROVIDE(") {
        // No interrupts in the SVD: svd2rust still emits an empty
        // `__INTERRUPTS`, which clashes with cortex-m-rt's default table
        // (the PAC then leaves `cortex-m-rt/device` off).
        file.items
            .retain(|item| !matches!(item, syn::Item::Static(s) if s.ident == "__INTERRUPTS"));
    }
    lap("syn parse");
    enums::gate(&mut file);
    lap("enum gate");
    let mut modules = BTreeMap::new();
    split_top_level(file, &mut modules);
    lap("split + format");

    let mut features = BTreeSet::new();
    for source in modules.values() {
        collect_features(source, &mut features);
    }
    for f in NON_PERIPHERAL_FEATURES {
        features.remove(*f);
    }

    let interrupt_handlers = device_x
        .lines()
        .filter_map(|l| l.trim().strip_prefix("PROVIDE("))
        .filter_map(|l| l.split_once(" = ").map(|(name, _)| name.trim().to_string()))
        .collect();

    Ok(PacOutput {
        modules,
        features: features.into_iter().collect(),
        interrupt_handlers,
    })
}

/// svd2rust gates each `Interrupt` variant on its peripheral's feature, so a
/// crate enabling no peripheral with an interrupt gets a zero-variant
/// `#[repr(u16)]` enum, which does not compile. Interrupt numbers are a
/// fact of the chip, not of a peripheral's module: keep every variant.
fn ungate_interrupts(items: &mut [syn::Item]) {
    for item in items {
        match item {
            syn::Item::Enum(e) if e.ident == "Interrupt" => {
                for variant in &mut e.variants {
                    variant.attrs.retain(|a| !a.path().is_ident("cfg"));
                }
            }
            syn::Item::Mod(m) => {
                if let Some((_, content)) = m.content.as_mut() {
                    ungate_interrupts(content);
                }
            }
            _ => {}
        }
    }
}

/// Move every inline top-level module into its own file. Peripheral modules
/// are the unit users enable by feature, so one file each keeps diffs
/// readable; deeper modules stay inline to keep the file count small.
fn split_top_level(mut file: syn::File, out: &mut BTreeMap<String, String>) {
    for item in &mut file.items {
        let syn::Item::Mod(module) = item else {
            continue;
        };
        let Some((_, content)) = module.content.take() else {
            continue;
        };
        let (inner, outer): (Vec<_>, Vec<_>) = module
            .attrs
            .drain(..)
            .partition(|a| matches!(a.style, syn::AttrStyle::Inner(_)));
        module.attrs = outer;
        module.semi = Some(Default::default());
        let child = syn::File {
            shebang: None,
            attrs: inner,
            items: content,
        };
        out.insert(
            format!("{}.rs", module.ident),
            prettyplease::unparse(&child),
        );
    }
    out.insert("lib.rs".to_string(), prettyplease::unparse(&file));
}

/// Find every `feature = "..."` inside cfg attributes of the formatted code.
fn collect_features(source: &str, features: &mut BTreeSet<String>) {
    const NEEDLE: &str = "feature = \"";
    let mut rest = source;
    while let Some(i) = rest.find(NEEDLE) {
        rest = &rest[i + NEEDLE.len()..];
        if let Some(end) = rest.find('"') {
            features.insert(rest[..end].to_string());
            rest = &rest[end..];
        }
    }
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "unknown panic".into())
}
