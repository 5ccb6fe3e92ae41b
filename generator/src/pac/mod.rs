//! Stage 3a: the PAC, from svd2rust used as a library.
//!
//! svd2rust renders one token stream; hal-gen splits it in-process into a
//! file per top-level module (what `form` does, without the extra process),
//! parses each, puts its enums behind the `enums` feature and formats it
//! with prettyplease, which is faster than spawning rustfmt and
//! deterministic across machines. With a [`ModuleCache`], a module some
//! earlier chip had verbatim is not parsed or formatted again, and a
//! peripheral whose register block an earlier chip had is not even
//! rendered (`reuse`).

mod cache;
mod contain;
mod enums;
mod reuse;

pub use cache::{CacheStats, ModuleCache};

use crate::config::Config;
use crate::diag::Diagnostics;
use crate::error::Error;
use crate::model::Chip;
use crate::source_map::SourceMap;
use proc_macro2::{Delimiter, Punct, Spacing, TokenStream, TokenTree};
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};
use svd_rs::Device;

/// The PAC's Rust sources and the facts the crate templates need.
#[derive(Debug)]
pub struct PacOutput {
    /// Path relative to `src/` → formatted Rust source (shared with the
    /// module cache).
    pub modules: BTreeMap<String, Arc<str>>,
    /// Every peripheral feature the code is gated on, sorted.
    pub features: Vec<String>,
    /// Interrupt handler names for `device.x`, in vector order.
    pub interrupt_handlers: Vec<String>,
    /// svd2rust failed on the device as given, and peripherals were
    /// repaired, reduced to skeletons or dropped (see [`contain`]).
    pub contained: bool,
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

/// `laps` gets the time of each sub-stage: svd2rust, then parse, enum gate
/// and split + format summed over the modules, then the cache's hashing.
///
/// With a cache, reusable peripherals are first looked up by their SVD
/// description (see [`reuse`]); the device is handed back as it came,
/// unless svd2rust fails on it: then the peripherals at fault are repaired
/// in place, each change a diagnostic in `diags` (see [`contain`]).
pub fn emit(
    device: &mut Device,
    chip: &Chip,
    config: &Config,
    cache: Option<&ModuleCache>,
    source: &SourceMap,
    diags: &mut Diagnostics,
    laps: &mut dyn FnMut(&[Lap]),
) -> Result<PacOutput, Error> {
    let s2r = svd2rust_config(chip, config);
    let mut times = SubStages::default();
    let mut output = None;
    let rebased = contain::core_bases(device, &s2r, source, diags);
    let mut contained = false;
    if let Some(cache) = cache {
        let planned = Instant::now();
        let mut plan = reuse::Plan::make(device, &s2r, cache);
        times.cache += planned.elapsed();
        let rendered = times.render(device, &s2r);
        plan.restore(device);
        match rendered {
            // `None`: svd2rust's modules did not match the plan; render
            // again without it rather than guess.
            Ok(rendered) => output = times.assemble(rendered, Some(cache), &plan)?,
            Err(_) => contained = contain::contain(device, &s2r, source, diags),
        }
    }
    let output = match output {
        Some(output) => output,
        None => {
            let rendered = match times.render(device, &s2r) {
                Ok(rendered) => rendered,
                Err(_) if !contained && contain::contain(device, &s2r, source, diags) => {
                    contained = true;
                    times.render(device, &s2r)?
                }
                Err(e) => return Err(e),
            };
            let plan = reuse::Plan::default();
            times
                .assemble(rendered, cache, &plan)?
                .expect("an empty plan always matches")
        }
    };
    let output = PacOutput {
        contained: contained || rebased,
        ..output
    };
    laps(&[
        ("svd2rust", times.svd2rust),
        ("syn parse", times.parse),
        ("enum gate", times.gate),
        ("split + format", times.format),
        ("module cache", times.cache),
    ]);
    Ok(output)
}

/// svd2rust's output for a device: the token stream and `device.x`.
struct Rendered {
    tokens: TokenStream,
    device_x: String,
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

/// A sub-stage and its time.
pub type Lap = (&'static str, Duration);

/// Where the PAC stage's time goes, summed over the modules.
#[derive(Default)]
struct SubStages {
    svd2rust: Duration,
    parse: Duration,
    gate: Duration,
    format: Duration,
    cache: Duration,
}

impl SubStages {
    fn render(&mut self, device: &Device, s2r: &svd2rust::Config) -> Result<Rendered, Error> {
        let started = Instant::now();
        let mut device_x = String::new();
        // Repairs are meant to leave nothing svd2rust panics on; this is the
        // backstop so that a missed case is an error, not a crash.
        let tokens = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            svd2rust::generate::device::render(device, s2r, &mut device_x)
        }))
        .map_err(|panic| Error::Pac {
            message: format!("svd2rust panicked: {}", panic_message(&panic)),
        })?
        .map_err(|e| Error::Pac {
            message: format!("{e:#}"),
        })?;
        self.svd2rust += started.elapsed();
        Ok(Rendered { tokens, device_x })
    }

    /// Split, parse, gate and format svd2rust's output into the PAC's
    /// files, taking what `plan` and `cache` already hold. `None` if a
    /// planned hit's module is not in the output exactly once.
    fn assemble(
        &mut self,
        rendered: Rendered,
        cache: Option<&ModuleCache>,
        plan: &reuse::Plan,
    ) -> Result<Option<PacOutput>, Error> {
        let Rendered { tokens, device_x } = rendered;
        let split_started = Instant::now();
        let (root, bodies) = split_tokens(tokens);
        self.format += split_started.elapsed();
        // A module name svd2rust emits twice cannot be matched to one
        // peripheral: such modules are neither served nor stored by it.
        let mut seen = HashSet::new();
        let repeated: HashSet<String> = bodies
            .iter()
            .filter(|(name, _)| !seen.insert(name.as_str()))
            .map(|(name, _)| name.clone())
            .collect();
        if plan
            .hits
            .keys()
            .any(|m| !seen.contains(m.as_str()) || repeated.contains(m))
        {
            return Ok(None);
        }
        drop(seen);

        let mut file = self.parse(root)?;
        ungate_interrupts(&mut file.items);
        if !device_x.contains("PROVIDE(") {
            // No interrupts in the SVD: svd2rust still emits an empty
            // `__INTERRUPTS`, which clashes with cortex-m-rt's default table
            // (the PAC then leaves `cortex-m-rt/device` off).
            file.items
                .retain(|item| !matches!(item, syn::Item::Static(s) if s.ident == "__INTERRUPTS"));
        }
        let mut modules = BTreeMap::new();
        modules.insert("lib.rs".to_string(), Arc::from(self.format(&file)));
        for (name, body) in bodies {
            let text = match (plan.hits.get(&name), cache) {
                (Some(text), _) => text.clone(),
                (None, Some(cache)) => {
                    let hashed = Instant::now();
                    let key = cache::key(&name, &body);
                    self.cache += hashed.elapsed();
                    let text = match cache.get(&key) {
                        Some(text) => text,
                        None => cache.insert(key, self.module(&name, body)?),
                    };
                    if let (Some(key), false) = (plan.misses.get(&name), repeated.contains(&name)) {
                        cache.alias(*key, text.clone());
                    }
                    text
                }
                (None, None) => Arc::from(self.module(&name, body)?),
            };
            modules.insert(format!("{name}.rs"), text);
        }

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
        Ok(Some(PacOutput {
            modules,
            features: features.into_iter().collect(),
            interrupt_handlers,
            contained: false,
        }))
    }

    fn parse(&mut self, tokens: TokenStream) -> Result<syn::File, Error> {
        let started = Instant::now();
        let file = syn::parse2(tokens).map_err(|e| Error::Pac {
            message: format!("svd2rust produced invalid Rust: {e}"),
        });
        self.parse += started.elapsed();
        file
    }

    fn format(&mut self, file: &syn::File) -> String {
        let started = Instant::now();
        let text = prettyplease::unparse(file);
        self.format += started.elapsed();
        text
    }

    /// One top-level module's file: parsed, enums gated, formatted.
    fn module(&mut self, name: &str, body: TokenStream) -> Result<String, Error> {
        let mut file = self.parse(body)?;
        let started = Instant::now();
        // Non-Cortex-M targets keep `Interrupt` in this module.
        if name == "interrupt" {
            ungate_interrupts(&mut file.items);
        }
        enums::gate_module_items(name, &mut file.items);
        self.gate += started.elapsed();
        Ok(self.format(&file))
    }
}

/// Take every inline top-level module (`mod name { ... }`) out of the
/// stream, leaving `mod name;` behind: the root becomes lib.rs and each
/// body a file of its own. Peripheral modules are the unit users enable by
/// feature, so one file each keeps diffs readable; deeper modules stay
/// inline to keep the file count small. Splitting tokens rather than the
/// syntax tree lets each module be parsed (or found in the cache) alone.
fn split_tokens(stream: TokenStream) -> (TokenStream, Vec<(String, TokenStream)>) {
    let mut root = Vec::new();
    let mut bodies = Vec::new();
    let mut tokens = stream.into_iter().peekable();
    while let Some(tt) = tokens.next() {
        let is_mod = matches!(&tt, TokenTree::Ident(i) if i == "mod");
        root.push(tt);
        if !is_mod {
            continue;
        }
        let Some(TokenTree::Ident(name)) = tokens.next_if(|t| matches!(t, TokenTree::Ident(_)))
        else {
            continue;
        };
        let body = tokens
            .next_if(|t| matches!(t, TokenTree::Group(g) if g.delimiter() == Delimiter::Brace));
        let module = name.to_string();
        root.push(TokenTree::Ident(name));
        match body {
            Some(TokenTree::Group(g)) => {
                root.push(TokenTree::Punct(Punct::new(';', Spacing::Alone)));
                bodies.push((module, g.stream()));
            }
            Some(other) => root.push(other),
            None => {}
        }
    }
    (root.into_iter().collect(), bodies)
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
