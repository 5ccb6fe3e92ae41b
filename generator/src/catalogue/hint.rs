//! What suggests a kind for a peripheral no family matched: its names
//! (instance, groupName, derivedFrom source) or its description. A hint
//! never makes a driver; it decides which unrecognised peripherals are a
//! `skeleton` of a kind, so the coverage denominator counts what the SVD
//! says the chip has, not only what a family found.

use super::Pattern;

/// A phrase: words that must appear in this order, one after another, in
/// a description split into lower-case words (any run of characters other
/// than letters and digits separates words, so `I/O` is `i o`). A word may
/// use `*` for any letters (`*uart` is also `lpuart`).
#[derive(Debug, Clone)]
pub struct Phrase {
    words: Vec<Pattern>,
}

impl Phrase {
    pub fn compile(source: &str) -> Result<Self, String> {
        let words = source
            .split_whitespace()
            .map(|w| Pattern::compile(w, &[]))
            .collect::<Result<Vec<_>, _>>()?;
        if words.is_empty() {
            return Err("an empty description phrase".into());
        }
        Ok(Self { words })
    }

    fn found_in(&self, words: &[String]) -> bool {
        words.windows(self.words.len()).any(|w| {
            w.iter()
                .zip(&self.words)
                .all(|(word, p)| p.matches(word).is_some())
        })
    }
}

/// The hints of one kind.
#[derive(Debug, Clone, Default)]
pub struct KindHint {
    /// Instance, groupName or source names.
    pub names: Vec<Pattern>,
    /// Phrases of a description that say it is this kind...
    pub descriptions: Vec<Phrase>,
    /// ...unless it also says one of these (a watchdog "timer", a filter
    /// "of the I2C pins").
    pub not_descriptions: Vec<Phrase>,
}

/// A description as words, lower case.
pub fn words(description: &str) -> Vec<String> {
    description
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect()
}

impl KindHint {
    pub fn suggests(&self, names: &[&str], description: &[String]) -> bool {
        self.names
            .iter()
            .any(|p| names.iter().any(|n| p.matches(n).is_some()))
            || (self.descriptions.iter().any(|p| p.found_in(description))
                && !self
                    .not_descriptions
                    .iter()
                    .any(|p| p.found_in(description)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hint(d: &[&str], not: &[&str]) -> KindHint {
        KindHint {
            names: Vec::new(),
            descriptions: d.iter().map(|s| Phrase::compile(s).unwrap()).collect(),
            not_descriptions: not.iter().map(|s| Phrase::compile(s).unwrap()).collect(),
        }
    }

    #[test]
    fn phrases_match_whole_words_in_order() {
        let h = hint(&["general purpose i o", "*uart"], &["watchdog"]);
        assert!(h.suggests(&[], &words("General Purpose I/O Port (PA)")));
        assert!(h.suggests(&[], &words("Low-power LPUART 1")));
        assert!(!h.suggests(&[], &words("purpose general I/O")));
        assert!(!h.suggests(&[], &words("UARTS are elsewhere")));
        let t = hint(&["timer"], &["watchdog"]);
        assert!(t.suggests(&[], &words("16-bit Timer 0")));
        assert!(!t.suggests(&[], &words("Watchdog Timer")));
        assert!(!t.suggests(&[], &words("Timers")));
    }
}
