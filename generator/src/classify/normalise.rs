//! Name normalisation before matching: the same IP block is spelled
//! `FR`, `UARTFR`, `UART0_FR` or `UART_FR` for a register and `TXFF`,
//! `UART_FR_TXFF` for a field, depending on the vendor's SVD generator.
//!
//! One rule: a name is also known by what is left after removing, from its
//! start, the instance's name, its groupName or the name of the peripheral it
//! derives from (each also without its instance number), then any instance
//! number, then a `_`; for fields also the register's own names. The
//! stripping repeats (`UART_FR_TXFF` → `FR_TXFF` → `TXFF`). Array suffixes
//! (`[%s]`, `%s`) are dropped. Matching is case-insensitive already.
//!
//! The original name always stays first, so a family pattern written for
//! the raw spelling keeps binding it; aliases only add candidates.

/// Prefixes of an instance: its names (instance, groupName, register
/// source), each also without trailing digits, longest first so that
/// `UART0` is removed before `UART`.
pub fn prefixes(names: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for n in names {
        let upper = n.to_ascii_uppercase();
        let bare = upper.trim_end_matches(|c: char| c.is_ascii_digit());
        let bare = bare.trim_end_matches('_');
        for p in [upper.as_str(), bare] {
            if p.len() >= 2 && !out.iter().any(|o| o == p) {
                out.push(p.to_string());
            }
        }
    }
    out.sort_by_key(|p| std::cmp::Reverse(p.len()));
    out
}

/// The array suffix `[%s]` or `%s`, dropped.
fn strip_array(name: &str) -> Option<&str> {
    name.strip_suffix("[%s]")
        .or_else(|| name.strip_suffix("%s"))
        .map(|s| s.trim_end_matches('_'))
        .filter(|s| !s.is_empty())
}

/// A second register of the same name (a read and a write view) comes
/// out of repair as `NAME_1`: the suffix dropped.
fn strip_copy_number(name: &str) -> Option<&str> {
    let (head, tail) = name.rsplit_once('_')?;
    let numbered = !tail.is_empty() && tail.bytes().all(|b| b.is_ascii_digit());
    (numbered && head.len() >= 2).then_some(head)
}

/// `name` without `prefix` (case-insensitive), then without an instance
/// number and a `_`. With `separated`, the prefix must be followed by a
/// number or `_`, so a field `CTLEN` is not read as `CTL` + `EN`. The rest
/// must start with a letter and be at least two characters long.
fn strip_one<'a>(name: &'a str, prefix: &str, separated: bool) -> Option<&'a str> {
    let head = name.get(..prefix.len())?;
    if !head.eq_ignore_ascii_case(prefix) {
        return None;
    }
    let rest = &name[prefix.len()..];
    let after_digits = rest.trim_start_matches(|c: char| c.is_ascii_digit());
    let had_sep = after_digits.len() != rest.len() || after_digits.starts_with('_');
    if separated && !had_sep {
        return None;
    }
    let rest = after_digits.strip_prefix('_').unwrap_or(after_digits);
    let ok = rest.len() >= 2 && rest.starts_with(|c: char| c.is_ascii_alphabetic());
    ok.then_some(rest)
}

/// The other names `name` is known by, without the name itself, in the
/// order found. `separated` as in [`strip_one`]; register names use
/// `false` (`UARTDR`), field names `true`.
pub fn aliases(name: &str, prefixes: &[String], separated: bool) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let push = |s: &str, out: &mut Vec<String>| {
        if !s.eq_ignore_ascii_case(name) && !out.iter().any(|o| o.eq_ignore_ascii_case(s)) {
            out.push(s.to_string());
        }
    };
    let mut at = name;
    // A name kept off a keyword (`IN_`, by the vendor or the repair) is
    // the keyword's register.
    if let Some(s) = at
        .strip_suffix('_')
        .filter(|s| s.len() >= 2 && !s.ends_with('_'))
    {
        push(s, &mut out);
        at = s;
    }
    if let Some(s) = strip_array(at).or_else(|| strip_copy_number(at)) {
        push(s, &mut out);
        at = s;
    }
    // Each round removes one prefix; names have few, the bound is a guard.
    for _ in 0..4 {
        let Some(rest) = prefixes.iter().find_map(|p| strip_one(at, p, separated)) else {
            break;
        };
        push(rest, &mut out);
        at = rest;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(names: &[&str]) -> Vec<String> {
        prefixes(names)
    }

    #[test]
    fn prefixes_include_bare_names_longest_first() {
        assert_eq!(p(&["UART0", "UART"]), ["UART0", "UART"]);
        assert_eq!(p(&["I2C_1"]), ["I2C_1", "I2C"]);
        // One letter is no prefix.
        assert_eq!(p(&["A"]), Vec::<String>::new());
    }

    #[test]
    fn registers_lose_peripheral_and_instance_prefixes() {
        let pre = p(&["UART3", "UART", "UART0"]);
        assert_eq!(aliases("UARTDR", &pre, false), ["DR"]);
        assert_eq!(aliases("UART0_DR", &pre, false), ["DR"]);
        assert_eq!(aliases("uart3_lcr_h", &pre, false), ["lcr_h"]);
        assert_eq!(aliases("UARTLCR_H", &pre, false), ["LCR_H"]);
        assert!(aliases("DR", &pre, false).is_empty());
        // Too little left: the name stays as it is.
        assert!(aliases("UARTX", &pre, false).is_empty());
        // A copy number is dropped, but nothing is left after the prefix.
        assert_eq!(aliases("UART_1", &pre, false), ["UART"]);
    }

    #[test]
    fn fields_lose_group_and_register_prefixes() {
        let mut pre = p(&["UART3", "UART", "UART0"]);
        pre.extend(p(&["FR"]));
        assert_eq!(aliases("UART_FR_TXFF", &pre, true), ["FR_TXFF", "TXFF"]);
        assert_eq!(aliases("TXFF", &pre, true), Vec::<String>::new());
        // Without a separator a register prefix is part of the word.
        let pre = p(&["CTL"]);
        assert!(aliases("CTLEN", &pre, true).is_empty());
        assert_eq!(aliases("CTL_EN", &pre, true), ["EN"]);
    }

    #[test]
    fn copy_numbers_are_dropped() {
        let pre = p(&["I2C2", "I2C", "I2C0"]);
        assert_eq!(aliases("MCS_1", &pre, false), ["MCS"]);
        assert_eq!(aliases("I2C_MCS_1", &pre, false), ["I2C_MCS", "MCS"]);
        assert!(aliases("MCS1", &pre, false).is_empty());
    }

    #[test]
    fn array_suffixes_are_dropped() {
        let pre = p(&["SPI0", "SPI"]);
        assert_eq!(aliases("dr%s", &pre, false), ["dr"]);
        assert_eq!(aliases("SPI_DR[%s]", &pre, false), ["SPI_DR", "DR"]);
        assert_eq!(aliases("PIN_CNF[%s]", &pre, false), ["PIN_CNF"]);
    }

    #[test]
    fn a_trailing_underscore_is_dropped() {
        let pre = p(&["PORT"]);
        assert_eq!(aliases("IN_", &pre, false), ["IN"]);
        assert_eq!(aliases("PORT_IN_", &pre, false), ["PORT_IN", "IN"]);
        assert!(aliases("I_", &pre, false).is_empty());
    }
}
