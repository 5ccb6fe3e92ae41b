//! The `hal-gen-conformance` crate, compiled into hal-gen so a harness
//! builds anywhere, not only inside this repository.

use super::ConformanceError;
use std::path::Path;

macro_rules! sources {
    ($($path:literal),* $(,)?) => {
        &[$(($path, include_str!(concat!("../../../conformance/", $path)))),*]
    };
}

/// Every source file of the crate, by path inside it. A test checks this
/// list against the directory.
pub const SOURCES: &[(&str, &str)] = sources!(
    "src/lib.rs",
    "src/msg.rs",
    "src/protocol.rs",
    "src/runner.rs",
    "src/fault.rs",
    "src/tests/mod.rs",
    "src/tests/gpio.rs",
    "src/tests/delay.rs",
    "src/tests/serial.rs",
    "src/tests/spi.rs",
    "src/tests/i2c.rs",
    "src/tests/pwm.rs",
);

/// The workspace manifest inherits its package fields; this one stands alone.
const MANIFEST: &str = "[package]
name = \"hal-gen-conformance\"
version = \"0.1.0\"
edition = \"2021\"
publish = false

[dependencies]
embedded-hal = \"1\"
embedded-hal-nb = \"1\"
embedded-io = \"0.7\"
nb = \"1\"
";

pub fn write(dir: &Path) -> Result<(), ConformanceError> {
    let files = std::iter::once(("Cargo.toml", MANIFEST)).chain(SOURCES.iter().copied());
    for (path, text) in files {
        let path = dir.join(path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|source| ConformanceError::Io {
                path: parent.to_path_buf(),
                source,
            })?;
        }
        super::write_if_changed(&path, text)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_source_file_is_vendored() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../conformance");
        let mut on_disk = Vec::new();
        let mut stack = vec![root.join("src")];
        while let Some(dir) = stack.pop() {
            for e in std::fs::read_dir(&dir).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.extension().is_some_and(|x| x == "rs") {
                    on_disk.push(p.strip_prefix(&root).unwrap().display().to_string());
                }
            }
        }
        on_disk.sort();
        let mut listed: Vec<String> = super::SOURCES.iter().map(|(p, _)| p.to_string()).collect();
        listed.sort();
        assert_eq!(on_disk, listed);
    }

    #[test]
    fn manifest_lists_the_same_dependencies_as_the_workspace_crate() {
        let ws = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../conformance/Cargo.toml"),
        )
        .unwrap();
        let deps = |t: &str| -> Vec<String> {
            t.split("[dependencies]")
                .nth(1)
                .unwrap()
                .lines()
                .filter(|l| l.contains('='))
                .map(String::from)
                .collect()
        };
        assert_eq!(deps(&ws), deps(super::MANIFEST));
    }
}
