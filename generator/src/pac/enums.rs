//! Put svd2rust's enumerated values behind the PAC's `enums` feature.
//!
//! Field enums are most of a PAC's code (MK64F12's check time drops from
//! 35 s to 7 s without them) and the HAL never uses them: it binds raw
//! fields. So every enum, everything that names one (its impls, the
//! reader/writer `variant` helpers, `pub use` aliases of derived values)
//! gets `#[cfg(feature = "enums")]`, and each field reader/writer alias
//! that names an enum gets a twin under `cfg(not(...))` with the enum's raw
//! type (`u8`, `bool`, ...) in its place. The register API is otherwise
//! the same with or without the feature.

use std::collections::HashMap;
use syn::visit::Visit;
use syn::visit_mut::VisitMut;

pub const FEATURE: &str = "enums";

/// svd2rust's top-level modules that are not peripherals.
const NOT_PERIPHERALS: &[&str] = &["generic", "interrupt"];

/// Gate the enums in the items of one top-level module of the PAC.
/// svd2rust's `generic` and `interrupt` modules are left alone. Peripheral
/// modules are self-contained (repairs resolve every `derivedFrom` below
/// peripheral level), so each can be gated, and cached, on its own.
pub fn gate_module_items(module: &str, items: &mut Vec<syn::Item>) {
    if NOT_PERIPHERALS.contains(&module) {
        return;
    }
    let root = vec![module.to_string()];
    let mut enums = EnumTable::default();
    enums.collect_declared(&root, items);
    for_each_module(items, &mut root.clone(), &mut |path, items| {
        enums.collect_declared(path, items)
    });
    // Derived values alias a base enum, possibly through another alias.
    loop {
        let before = enums.raw.len();
        enums.collect_aliases(&root, items);
        for_each_module(items, &mut root.clone(), &mut |path, items| {
            enums.collect_aliases(path, items)
        });
        if enums.raw.len() == before {
            break;
        }
    }
    if !enums.raw.is_empty() {
        gate_items(items, &mut root.clone(), &enums);
    }
}

/// Enum path (`usart1::cr1::Parity`) → the raw type of its field.
#[derive(Default)]
struct EnumTable {
    raw: HashMap<String, syn::Type>,
}

impl EnumTable {
    fn collect_declared(&mut self, module: &[String], items: &[syn::Item]) {
        for item in items {
            if let syn::Item::Enum(e) = item {
                self.raw
                    .insert(join(module, &e.ident.to_string()), raw_type(&e.attrs));
            }
        }
    }

    fn collect_aliases(&mut self, module: &[String], items: &[syn::Item]) {
        for item in items {
            let syn::Item::Use(u) = item else { continue };
            if let Some((target, alias)) = use_alias(&u.tree) {
                let full = resolve(module, &target);
                if let Some(ty) = self.raw.get(&full).cloned() {
                    self.raw.entry(join(module, &alias)).or_insert(ty);
                }
            }
        }
    }

    /// The enum a path in `module` names, or one of its prefixes names
    /// (`Parity::Even` names `Parity`).
    fn named_by(&self, module: &[String], path: &syn::Path) -> Option<&syn::Type> {
        let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        (1..=segments.len()).find_map(|n| self.raw.get(&resolve(module, &segments[..n])))
    }
}

fn join(module: &[String], ident: &str) -> String {
    let mut s = module.join("::");
    if !s.is_empty() {
        s.push_str("::");
    }
    s.push_str(ident);
    s
}

/// A path as written in `module`, made absolute. svd2rust writes local
/// names, `self::`, `super::` and `crate::` paths.
fn resolve(module: &[String], segments: &[String]) -> String {
    let mut base: Vec<&str> = module.iter().map(String::as_str).collect();
    let mut rest = segments;
    match rest.first().map(String::as_str) {
        Some("crate") => {
            base.clear();
            rest = &rest[1..];
        }
        Some("self") => rest = &rest[1..],
        _ => {}
    }
    while rest.first().map(String::as_str) == Some("super") {
        base.pop();
        rest = &rest[1..];
    }
    let mut out = base.join("::");
    for s in rest {
        if !out.is_empty() {
            out.push_str("::");
        }
        out.push_str(s);
    }
    out
}

/// `use a::b::C as D;` → (`[a, b, C]`, `D`); `use a::C;` → (`[a, C]`, `C`).
fn use_alias(tree: &syn::UseTree) -> Option<(Vec<String>, String)> {
    let mut segments = Vec::new();
    let mut tree = tree;
    loop {
        match tree {
            syn::UseTree::Path(p) => {
                segments.push(p.ident.to_string());
                tree = &p.tree;
            }
            syn::UseTree::Name(n) => {
                segments.push(n.ident.to_string());
                return Some((segments, n.ident.to_string()));
            }
            syn::UseTree::Rename(r) => {
                segments.push(r.ident.to_string());
                return Some((segments, r.rename.to_string()));
            }
            _ => return None,
        }
    }
}

/// `#[repr(u8)]` enums are multi-bit fields; single-bit ones have no repr
/// and convert to `bool`.
fn raw_type(attrs: &[syn::Attribute]) -> syn::Type {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("repr"))
        .find_map(|a| a.parse_args::<syn::Type>().ok())
        .unwrap_or_else(|| syn::parse_quote!(bool))
}

fn for_each_module(
    items: &[syn::Item],
    path: &mut Vec<String>,
    f: &mut dyn FnMut(&[String], &[syn::Item]),
) {
    for item in items {
        let syn::Item::Mod(m) = item else { continue };
        let Some((_, content)) = &m.content else {
            continue;
        };
        path.push(m.ident.to_string());
        f(path, content);
        for_each_module(content, path, f);
        path.pop();
    }
}

fn gate_module(module: &mut syn::ItemMod, path: &mut Vec<String>, enums: &EnumTable) {
    if let Some((_, content)) = module.content.as_mut() {
        gate_items(content, path, enums);
    }
}

fn gate_items(content: &mut Vec<syn::Item>, path: &mut Vec<String>, enums: &EnumTable) {
    let mut out = Vec::with_capacity(content.len());
    for mut item in content.drain(..) {
        if let syn::Item::Mod(m) = &mut item {
            path.push(m.ident.to_string());
            gate_module(m, path, enums);
            path.pop();
        } else if let syn::Item::Type(alias) = &mut item {
            if names_enum(&alias.ty, path, enums) {
                let mut raw = alias.clone();
                RawTypes {
                    module: path,
                    enums,
                }
                .visit_type_mut(&mut raw.ty);
                raw.attrs
                    .push(syn::parse_quote!(#[cfg(not(feature = "enums"))]));
                alias
                    .attrs
                    .push(syn::parse_quote!(#[cfg(feature = "enums")]));
                out.push(item);
                out.push(syn::Item::Type(raw));
                continue;
            }
        } else if item_names_enum(&item, path, enums) {
            push_gate(&mut item);
        }
        out.push(item);
    }
    *content = out;
}

fn item_names_enum(item: &syn::Item, module: &[String], enums: &EnumTable) -> bool {
    match item {
        syn::Item::Enum(e) => enums.raw.contains_key(&join(module, &e.ident.to_string())),
        syn::Item::Use(u) => use_alias(&u.tree)
            .is_some_and(|(target, _)| enums.raw.contains_key(&resolve(module, &target))),
        syn::Item::Impl(i) => {
            let mut finder = Finder {
                module,
                enums,
                found: false,
            };
            finder.visit_item_impl(i);
            finder.found
        }
        _ => false,
    }
}

fn names_enum(ty: &syn::Type, module: &[String], enums: &EnumTable) -> bool {
    let mut finder = Finder {
        module,
        enums,
        found: false,
    };
    finder.visit_type(ty);
    finder.found
}

fn push_gate(item: &mut syn::Item) {
    let attr: syn::Attribute = syn::parse_quote!(#[cfg(feature = "enums")]);
    match item {
        syn::Item::Enum(e) => e.attrs.push(attr),
        syn::Item::Use(u) => u.attrs.push(attr),
        syn::Item::Impl(i) => i.attrs.push(attr),
        _ => {}
    }
}

struct Finder<'a> {
    module: &'a [String],
    enums: &'a EnumTable,
    found: bool,
}

impl<'ast> Visit<'ast> for Finder<'_> {
    fn visit_path(&mut self, path: &'ast syn::Path) {
        if !self.found && self.enums.named_by(self.module, path).is_some() {
            self.found = true;
        }
        if !self.found {
            syn::visit::visit_path(self, path);
        }
    }
}

/// Replaces each enum in a type with its raw type.
struct RawTypes<'a> {
    module: &'a [String],
    enums: &'a EnumTable,
}

impl VisitMut for RawTypes<'_> {
    fn visit_type_mut(&mut self, ty: &mut syn::Type) {
        if let syn::Type::Path(p) = ty {
            if p.qself.is_none() {
                if let Some(raw) = self.enums.raw.get(&resolve(
                    self.module,
                    &p.path
                        .segments
                        .iter()
                        .map(|s| s.ident.to_string())
                        .collect::<Vec<_>>(),
                )) {
                    *ty = raw.clone();
                    return;
                }
            }
        }
        syn::visit_mut::visit_type_mut(self, ty);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    /// What `pac::emit` does: each top-level module gated on its own.
    fn gated(src: proc_macro2::TokenStream) -> String {
        let mut file: syn::File = syn::parse2(src).unwrap();
        for item in &mut file.items {
            if let syn::Item::Mod(m) = item {
                let name = m.ident.to_string();
                if let Some((_, content)) = m.content.as_mut() {
                    gate_module_items(&name, content);
                }
            }
        }
        prettyplease::unparse(&file)
    }

    #[test]
    fn enums_their_impls_and_aliases_are_gated_and_readers_get_a_raw_twin() {
        let out = gated(quote! {
            pub enum Interrupt { UART0 = 5 }
            pub mod uart0 {
                pub mod cr {
                    #[repr(u8)]
                    pub enum Parity { Even = 0, Odd = 1 }
                    impl crate::FieldSpec for Parity { type Ux = u8; }
                    pub type ParityR = crate::FieldReader<Parity>;
                    impl ParityR { pub fn is_even(&self) -> bool { *self == Parity::Even } }
                    pub use Parity as Parity2;
                    pub type Parity2W<'a, REG> = crate::FieldWriter<'a, REG, 2, Parity2, crate::Safe>;
                    pub enum En { Off = 0, On = 1 }
                    pub type EnR = crate::BitReader<En>;
                    pub type DataR = crate::FieldReader<u16>;
                    impl R { pub fn en(&self) -> EnR { EnR::new(true) } }
                }
                pub mod sr {
                    pub use super::cr::Parity as Pe;
                    pub type PeR = crate::FieldReader<Pe>;
                }
                pub type Cr = crate::Reg<cr::CrSpec>;
            }
        });
        let expect = [
            "#[cfg(feature = \"enums\")]\n        pub enum Parity",
            "#[cfg(feature = \"enums\")]\n        impl crate::FieldSpec for Parity",
            "#[cfg(feature = \"enums\")]\n        pub type ParityR = crate::FieldReader<Parity>;",
            "#[cfg(not(feature = \"enums\"))]\n        pub type ParityR = crate::FieldReader<u8>;",
            "#[cfg(feature = \"enums\")]\n        impl ParityR",
            "#[cfg(feature = \"enums\")]\n        pub use Parity as Parity2;",
            "pub type Parity2W<'a, REG> = crate::FieldWriter<'a, REG, 2, u8, crate::Safe>;",
            "#[cfg(not(feature = \"enums\"))]\n        pub type EnR = crate::BitReader<bool>;",
            "#[cfg(feature = \"enums\")]\n        pub use super::cr::Parity as Pe;",
            "#[cfg(not(feature = \"enums\"))]\n        pub type PeR = crate::FieldReader<u8>;",
        ];
        for e in expect {
            assert!(out.contains(e), "missing {e:?} in:\n{out}");
        }
        // Items that name no enum stay as they were.
        assert!(!out.contains("enums\")]\n    pub enum Interrupt"), "{out}");
        assert!(!out.contains("enums\")]\n        impl R"), "{out}");
        assert!(!out.contains("enums\")]\n        pub type DataR"), "{out}");
        assert!(!out.contains("enums\")]\n    pub type Cr"), "{out}");
        assert_eq!(out.matches("pub type DataR").count(), 1);
    }
}
