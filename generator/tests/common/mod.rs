//! Helpers shared by the integration tests: fixtures, diagnostics as text,
//! running the `hal-gen` binary, and comparing directory trees.
#![allow(dead_code)]

use hal_gen::{Config, Error, Generated};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

pub fn fixture_path(name: &str) -> PathBuf {
    fixtures_dir().join(name)
}

pub fn fixture_text(name: &str) -> String {
    let path = fixture_path(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every `*.svd` in `tests/fixtures`, by file name, sorted.
pub fn all_fixtures() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(fixtures_dir())
        .expect("tests/fixtures exists")
        .map(|e| e.expect("readable dir entry").file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".svd"))
        .collect();
    names.sort();
    names
}

/// Generate a fixture in memory, under its bare file name (so nothing
/// machine-specific ends up in the output).
pub fn generate_fixture(name: &str, config: &Config) -> Result<Generated, Error> {
    hal_gen::generate_from_str(Path::new(name), &fixture_text(name), config)
}

pub fn generate_ok(name: &str) -> Generated {
    generate_fixture(name, &Config::default())
        .unwrap_or_else(|e| panic!("{name} should generate: {e:?}"))
}

/// One line per diagnostic: `code path line:col message`.
pub fn diagnostics_text(generated: &Generated) -> String {
    let mut out = String::new();
    for d in generated.diagnostics.iter() {
        let loc = match d.location {
            Some(l) => format!("{}:{}", l.line, l.col),
            None => "-".to_string(),
        };
        let kind = match d.severity {
            hal_gen::Severity::Repair => "repair",
            hal_gen::Severity::Warning => "warning",
        };
        out.push_str(&format!(
            "{kind} {} {} {loc} {}\n",
            d.code, d.path, d.message
        ));
    }
    if out.is_empty() {
        out.push_str("(no diagnostics)\n");
    }
    out
}

/// 1-based number of the `nth` (0-based) line containing `needle`.
pub fn line_of(text: &str, needle: &str, nth: usize) -> u32 {
    text.lines()
        .enumerate()
        .filter(|(_, l)| l.contains(needle))
        .nth(nth)
        .map(|(i, _)| i as u32 + 1)
        .unwrap_or_else(|| panic!("no occurrence {nth} of {needle:?} in the fixture"))
}

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_hal-gen")
}

/// Run the `hal-gen` binary with plain (uncoloured, unwrapped) output.
pub fn run_hal_gen<I, S>(args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    Command::new(bin())
        .args(args)
        .env("NO_COLOR", "1")
        .env("COLUMNS", "400")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("FORCE_COLOR")
        .output()
        .expect("the hal-gen binary runs")
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Every file below `root`, by relative path (with `/`), with its bytes.
pub fn read_tree(root: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.expect("dir entry").path())
            .collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path.strip_prefix(root).expect("below root");
                let rel = rel.to_string_lossy().replace('\\', "/");
                out.insert(rel, std::fs::read(&path).expect("readable file"));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

/// Whether `haystack` (a miette report) says `needle`. miette wraps its
/// messages at 80 columns, between words and after hyphens, behind a `│`
/// gutter; whitespace and gutters are ignored on both sides.
pub fn says(haystack: &str, needle: &str) -> bool {
    fn squash(s: &str) -> String {
        s.chars()
            .filter(|c| !c.is_whitespace() && *c != '│')
            .collect()
    }
    squash(haystack).contains(&squash(needle))
}
