//! Name patterns of the catalogue: case-insensitive globs that allow vendor
//! spellings and array placeholders.
//!
//! | syntax | matches |
//! |---|---|
//! | `*` | any run of characters, also none |
//! | `?` | one character |
//! | `#` | one or more decimal digits |
//! | `{n}` | the unit index (port, channel): 1 to 3 letters or digits, captured |
//! | `{instance}`, `{last}`, `{irq}` | (clock-gate rules only) the instance's name, its last character, its first interrupt number |
//!
//! Everything else is literal, so `PIN_CNF[%s]` matches svd2rust-style array
//! names as written in the SVD.

use regex::Regex;

#[derive(Debug, Clone)]
pub struct Pattern {
    source: String,
    regex: Regex,
}

impl Pattern {
    /// `vars` substitutes `{name}` placeholders other than `{n}` before
    /// compiling (clock-gate rules).
    pub fn compile(source: &str, vars: &[(&str, &str)]) -> Result<Self, String> {
        let mut re = String::from("(?i)^");
        let mut rest = source;
        while let Some(c) = rest.chars().next() {
            if let Some(after) = rest.strip_prefix("{n}") {
                re.push_str("(?P<n>[0-9A-Za-z]{1,3}?)");
                rest = after;
                continue;
            }
            if c == '{' {
                let end = rest
                    .find('}')
                    .ok_or_else(|| format!("pattern `{source}`: unclosed `{{`"))?;
                let var = &rest[1..end];
                let value = vars
                    .iter()
                    .find(|(k, _)| *k == var)
                    .map(|(_, v)| *v)
                    .ok_or_else(|| {
                        format!("pattern `{source}`: unknown placeholder `{{{var}}}`")
                    })?;
                re.push_str(&regex::escape(value));
                rest = &rest[end + 1..];
                continue;
            }
            match c {
                '*' => re.push_str(".*"),
                '?' => re.push('.'),
                '#' => re.push_str("[0-9]+"),
                _ => re.push_str(&regex::escape(c.encode_utf8(&mut [0; 4]))),
            }
            rest = &rest[c.len_utf8()..];
        }
        re.push('$');
        let regex = compiled(re).map_err(|e| format!("pattern `{source}`: {e}"))?;
        Ok(Self {
            source: source.to_string(),
            regex,
        })
    }

    pub fn has_unit(&self) -> bool {
        self.source.contains("{n}")
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    /// `None` when it does not match; `Some(unit)` when it does, with the
    /// captured unit index if the pattern has `{n}`.
    pub fn matches<'a>(&self, name: &'a str) -> Option<Option<&'a str>> {
        let caps = self.regex.captures(name)?;
        Some(caps.name("n").map(|m| m.as_str()))
    }
}

/// Clock-gate rules are compiled per instance, with its name substituted,
/// and the same names (`UART0`, `TIMER1`) recur on every chip of a family:
/// compiled regexes are kept for the process, by their source. A `Regex`
/// clone shares the compiled program.
fn compiled(re: String) -> Result<Regex, regex::Error> {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    // Bounds the memory a long run can spend here; past it, compile anew.
    const MAX_ENTRIES: usize = 100_000;
    static MEMO: OnceLock<Mutex<HashMap<String, Regex>>> = OnceLock::new();
    let memo = MEMO.get_or_init(Mutex::default);
    let lock = || memo.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(regex) = lock().get(&re) {
        return Ok(regex.clone());
    }
    let regex = Regex::new(&re)?;
    let mut map = lock();
    if map.len() < MAX_ENTRIES {
        map.insert(re, regex.clone());
    }
    Ok(regex)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_digits_and_units() {
        let p = Pattern::compile("PDOR{n}", &[]).unwrap();
        assert_eq!(p.matches("PDOR0"), Some(Some("0")));
        assert_eq!(p.matches("pdorF"), Some(Some("F")));
        assert_eq!(p.matches("PDOR"), None);
        let p = Pattern::compile("CCMR#*", &[]).unwrap();
        assert_eq!(p.matches("CCMR1_Output"), Some(None));
        assert_eq!(p.matches("CCMR"), None);
        let p = Pattern::compile("PIN_CNF[%s]", &[]).unwrap();
        assert_eq!(p.matches("PIN_CNF[%s]"), Some(None));
        assert_eq!(p.matches("PIN_CNFX%s]"), None);
        let p = Pattern::compile("C{n}SC", &[]).unwrap();
        assert_eq!(p.matches("C12SC"), Some(Some("12")));
    }

    #[test]
    fn variables() {
        let p = Pattern::compile("{instance}EN", &[("instance", "USART1")]).unwrap();
        assert!(p.matches("usart1en").is_some());
        assert!(Pattern::compile("{nope}", &[]).is_err());
    }
}
