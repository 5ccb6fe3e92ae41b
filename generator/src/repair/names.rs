//! Names that cannot become Rust identifiers, or cannot be paths.
//!
//! svd2rust cases names but does not clean them: spaces, path separators,
//! stray `%s`, leading digits and keywords make it emit invalid code or
//! panic. Every element's name is cleaned here, and every change reported.

use super::{join, Ctx};
use svd_rs::{Device, MaybeArray, RegisterCluster};

/// Identifiers that stay reserved in every casing svd2rust produces.
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "box", "break", "const", "continue", "crate", "do", "dyn", "else",
    "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let", "loop",
    "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref", "return", "self",
    "static", "struct", "super", "trait", "true", "try", "type", "typeof", "unsafe", "unsized",
    "use", "virtual", "where", "while", "yield", "abstract", "become",
];

/// The cleaned name, or `None` if it is fine as it is.
pub(crate) fn clean(name: &str, is_array: bool) -> Option<String> {
    clean_with(name, is_array, true)
}

/// Enumerated value names: svd2rust already prefixes a leading digit with
/// `_` and escapes keywords for them, and `1_BIT`-style names are so common
/// (a million in the corpus) that reporting each would drown the real repairs.
fn clean_value(name: &str) -> Option<String> {
    clean_with(name, false, false)
}

fn clean_with(name: &str, is_array: bool, identifier_rules: bool) -> Option<String> {
    let mut out = String::with_capacity(name.len());
    let mut rest = name.trim();
    let mut has_placeholder = false;
    while !rest.is_empty() {
        if let Some(r) = rest
            .strip_prefix("[%s]")
            .filter(|_| is_array && !has_placeholder)
        {
            // svd2rust turns `NAME[%s]` into a Rust array: keep it.
            out.push_str("[%s]");
            has_placeholder = true;
            rest = r;
            continue;
        }
        if let Some(r) = rest.strip_prefix("%s") {
            if is_array && !has_placeholder {
                out.push_str("%s");
                has_placeholder = true;
            }
            rest = r;
            continue;
        }
        let c = rest.chars().next().unwrap_or('_');
        rest = &rest[c.len_utf8()..];
        match c {
            // `[%s]` arrays: keep the placeholder, drop the brackets.
            '[' | ']' => {}
            c if c.is_ascii_alphanumeric() || c == '_' => out.push(c),
            _ => {
                if !out.ends_with('_') {
                    out.push('_');
                }
            }
        }
    }
    if is_array && !has_placeholder {
        out.push_str("%s");
    }
    let bare = out.replace("[%s]", "").replace("%s", "");
    if bare.trim_matches('_').is_empty() {
        out = format!("UNNAMED{out}");
    } else if identifier_rules && out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    if identifier_rules && KEYWORDS.contains(&out.to_ascii_lowercase().as_str()) {
        out.push('_');
    }
    (out != name).then_some(out)
}

/// A register or cluster name like `_9BITADDR` or `_reserved`: svd2rust
/// cases nothing after a leading underscore, so its type and module for
/// it get one name (`_9bitaddr`, `_reserved`). Before a digit the
/// underscores give way to the kind's letter, as for a leading digit;
/// before a lower-case letter they go (a clash with another register is
/// the duplicate repair's, which runs next).
fn leading_underscore(kind: &str, name: &str) -> Option<String> {
    let rest = name.trim_start_matches('_');
    if !matches!(kind, "register" | "cluster") || rest.len() == name.len() {
        return None;
    }
    if rest.starts_with(|c: char| c.is_ascii_digit()) {
        return Some(format!("{}{rest}", kind[..1].to_ascii_uppercase()));
    }
    rest.starts_with(|c: char| c.is_ascii_lowercase())
        .then(|| rest.to_string())
}

/// svd2rust names a field's enum after its enumeratedValues set, or the
/// field when the set has no name; in the register's module, `R` and `W`
/// are already the reader and writer. The clashing name gets `_FIELD`.
fn clashes_with_reader(name: &str) -> bool {
    let n = name.trim_matches('_');
    n.eq_ignore_ascii_case("r") || n.eq_ignore_ascii_case("w")
}

fn rename(ctx: &mut Ctx, kind: &str, name: &mut String, parent: &str, is_array: bool) {
    if let Some(new) = leading_underscore(kind, name) {
        let old_path = join(parent, name);
        let new_path = join(parent, &new);
        ctx.repair(
            "name",
            &old_path,
            format!(
                "{kind} name `{name}` would give svd2rust's type and module the same name; renamed `{new}`"
            ),
        );
        ctx.renamed(new_path, &old_path, 0);
        *name = new;
        return;
    }
    if let Some(mut new) = clean(name, is_array) {
        // svd2rust names a register's type and module from the same name;
        // `_3STATE` would make both `_3state`. A letter keeps them apart.
        if new.starts_with('_') && name.starts_with(|c: char| c.is_ascii_digit()) {
            new.replace_range(..1, &kind[..1].to_ascii_uppercase());
        }
        let old_path = join(parent, name);
        let new_path = join(parent, &new);
        ctx.repair(
            "name",
            &old_path,
            format!(
                "{kind} name `{}` is not a usable identifier; renamed `{new}`",
                name.escape_debug()
            ),
        );
        ctx.renamed(new_path, &old_path, 0);
        *name = new;
    }
}

pub(super) fn run(device: &mut Device, ctx: &mut Ctx) {
    if let Some(new) = clean(&device.name, false) {
        ctx.repair(
            "name",
            &device.name.clone(),
            format!(
                "device name `{}` renamed `{new}`",
                device.name.escape_debug()
            ),
        );
        device.name = new;
    }
    let peripheral_names: Vec<(String, String)> = device
        .peripherals
        .iter()
        .filter_map(|p| clean(&p.name, p.is_array()).map(|n| (p.name.clone(), n)))
        .collect();
    for p in &mut device.peripherals {
        let is_array = p.is_array();
        rename(ctx, "peripheral", &mut p.name, "", is_array);
        if let Some(base) = &mut p.derived_from {
            if let Some((_, new)) = peripheral_names.iter().find(|(old, _)| old == base) {
                *base = new.clone();
            }
        }
        for i in &mut p.interrupt {
            rename(ctx, "interrupt", &mut i.name, "", false);
        }
        let pname = p.name.clone();
        if let Some(regs) = p.registers.as_mut() {
            block(regs, &pname, ctx);
        }
    }
}

fn block(items: &mut [RegisterCluster], prefix: &str, ctx: &mut Ctx) {
    for item in items {
        match item {
            RegisterCluster::Cluster(c) => {
                let is_array = matches!(c, MaybeArray::Array(..));
                rename(ctx, "cluster", &mut c.name, prefix, is_array);
                let path = join(prefix, &c.name);
                let cname = c.name.clone();
                same_as_cluster(&cname, &mut c.children, &path, ctx);
                block(&mut c.children, &path, ctx);
            }
            RegisterCluster::Register(r) => {
                let is_array = matches!(r, MaybeArray::Array(..));
                rename(ctx, "register", &mut r.name, prefix, is_array);
                let path = join(prefix, &r.name);
                for f in r.fields.iter_mut().flatten() {
                    let is_array = matches!(f, MaybeArray::Array(..));
                    rename(ctx, "field", &mut f.name, &path, is_array);
                    let unnamed_set = f.enumerated_values.iter().any(|s| s.name.is_none());
                    if unnamed_set && clashes_with_reader(&f.name) {
                        let new = format!("{}_FIELD", f.name);
                        let old_path = join(&path, &f.name);
                        ctx.repair(
                            "name",
                            &old_path,
                            format!(
                                "field `{}` would name its enum like the register's reader or writer; renamed `{new}`",
                                f.name
                            ),
                        );
                        ctx.renamed(join(&path, &new), &old_path, 0);
                        f.name = new;
                    }
                    let fpath = join(&path, &f.name);
                    for set in &mut f.enumerated_values {
                        if let Some(n) = set.name.as_mut() {
                            if clashes_with_reader(n) {
                                let new = format!("{n}_FIELD");
                                ctx.repair(
                                    "name",
                                    &fpath,
                                    format!(
                                        "enumeratedValues name `{n}` is the register's reader or writer; renamed `{new}`"
                                    ),
                                );
                                *n = new;
                            }
                            if let Some(new) = clean(n, false) {
                                ctx.repair(
                                    "name",
                                    &fpath,
                                    format!(
                                        "enumeratedValues name `{}` renamed `{new}`",
                                        n.escape_debug()
                                    ),
                                );
                                *n = new;
                            }
                        }
                        for v in &mut set.values {
                            if let Some(new) = clean_value(&v.name) {
                                ctx.repair(
                                    "name",
                                    &fpath,
                                    format!(
                                        "enumeratedValue name `{}` renamed `{new}`",
                                        v.name.escape_debug()
                                    ),
                                );
                                v.name = new;
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A name without its array placeholder, lower case: what svd2rust's
/// type and module names are made of.
fn base_name(name: &str) -> String {
    name.replace("[%s]", "")
        .replace("%s", "")
        .trim_matches('_')
        .to_ascii_lowercase()
}

/// A register or cluster named like the cluster it is in (`CHANNEL` in
/// `CHANNEL[%s]`): svd2rust puts the cluster's struct and the child's
/// type under one name in one module. The child gets `_REG` (`_CL` for a
/// cluster).
fn same_as_cluster(cluster: &str, children: &mut [RegisterCluster], path: &str, ctx: &mut Ctx) {
    let base = base_name(cluster);
    for child in children {
        let (name, suffix) = match child {
            RegisterCluster::Register(r) => (&mut r.name, "_REG"),
            RegisterCluster::Cluster(c) => (&mut c.name, "_CL"),
        };
        if base_name(name) != base {
            continue;
        }
        let new = match name.find("[%s]").or_else(|| name.find("%s")) {
            Some(i) => format!("{}{suffix}{}", &name[..i], &name[i..]),
            None => format!("{name}{suffix}"),
        };
        let old_path = join(path, name);
        ctx.repair(
            "name",
            &old_path,
            format!(
                "`{name}` is named like its cluster: svd2rust would give both one type name; renamed `{new}`"
            ),
        );
        ctx.renamed(join(path, &new), &old_path, 0);
        *name = new;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_leading_underscore_svd2rust_would_not_case_gives_way() {
        assert_eq!(
            leading_underscore("register", "_9BITADDR").as_deref(),
            Some("R9BITADDR")
        );
        assert_eq!(
            leading_underscore("cluster", "__2X").as_deref(),
            Some("C2X")
        );
        // The K210's padding registers (validation corpus).
        assert_eq!(
            leading_underscore("register", "_reserved").as_deref(),
            Some("reserved")
        );
        assert_eq!(
            leading_underscore("register", "_reserved%s").as_deref(),
            Some("reserved%s")
        );
        assert_eq!(leading_underscore("field", "_9BIT"), None);
        assert_eq!(leading_underscore("field", "_adr"), None);
        assert_eq!(leading_underscore("register", "_CTRL"), None);
    }

    #[test]
    fn base_names_ignore_placeholders_and_case() {
        assert_eq!(base_name("CHANNEL[%s]"), base_name("Channel"));
        assert_ne!(base_name("CHANNEL%s"), base_name("CHANNELS"));
    }

    #[test]
    fn enum_names_of_the_reader_and_writer_clash() {
        assert!(clashes_with_reader("R"));
        assert!(clashes_with_reader("w"));
        assert!(!clashes_with_reader("RW"));
    }
}
