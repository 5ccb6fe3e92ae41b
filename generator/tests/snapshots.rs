//! Snapshot tests: for every fixture in `tests/fixtures/*.svd`, the
//! diagnostics, the chip model and the generated crate, generated in memory.
//!
//! Review changes with `cargo insta review`, or run once with
//! `INSTA_UPDATE=always` and read the `.snap` files in `tests/snapshots/`.

mod common;

use hal_gen::Config;
use std::fmt::Write as _;

/// Files of the PAC crate whose whole contents are snapshotted: every
/// rendered template, and the crate root. Peripheral modules are svd2rust's
/// business; only their line counts are recorded.
const FULL_CONTENTS: &[&str] = &[
    "Cargo.toml",
    "build.rs",
    "device.x",
    "memory.x",
    "README.md",
    "src/lib.rs",
];

fn files_text(generated: &hal_gen::Generated) -> String {
    let pac_dir = generated.chip.pac_crate_name();
    let mut out = String::from("# tree\n");
    for (path, contents) in &generated.files {
        writeln!(out, "{path} ({} lines)", contents.lines().count()).unwrap();
    }
    for rel in FULL_CONTENTS {
        let path = format!("{pac_dir}/{rel}");
        match generated.files.get(&path) {
            Some(contents) => {
                write!(out, "\n# {path}\n{contents}").unwrap();
                if !contents.ends_with('\n') {
                    out.push_str("\n(no newline at end of file)\n");
                }
            }
            None => writeln!(out, "\n# {path}: not generated").unwrap(),
        }
    }
    out
}

#[test]
fn fixture_snapshots() {
    insta::glob!("fixtures/*.svd", |path| {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(path).unwrap();
        let generated =
            hal_gen::generate_from_str(std::path::Path::new(&name), &text, &Config::default())
                .unwrap_or_else(|e| panic!("{name} should generate: {e:?}"));

        let diagnostics = common::diagnostics_text(&generated);
        let chip = serde_json::to_string_pretty(&generated.chip).unwrap();
        let files = files_text(&generated);
        for (what, text) in [
            ("diagnostics", &diagnostics),
            ("chip", &chip),
            ("files", &files),
        ] {
            assert!(
                !text.contains(env!("CARGO_MANIFEST_DIR")),
                "{what} of {name} contains an absolute path"
            );
        }

        insta::with_settings!({
            snapshot_suffix => stem,
            prepend_module_to_snapshot => false,
            omit_expression => true,
            description => format!("hal-gen output for tests/fixtures/{name}"),
        }, {
            insta::assert_snapshot!("diagnostics", diagnostics);
            insta::assert_snapshot!("chip", chip);
            insta::assert_snapshot!("files", files);
        });
    });
}

fn manifest(generated: &hal_gen::Generated) -> toml::Table {
    let path = format!("{}/Cargo.toml", generated.chip.pac_crate_name());
    toml::from_str(&generated.files[&path]).expect("valid TOML")
}

/// Cargo features of a generated crate, from its Cargo.toml.
fn cargo_features(generated: &hal_gen::Generated) -> toml::Table {
    manifest(generated)["features"]
        .as_table()
        .expect("[features]")
        .clone()
}

/// Every name `cfg(feature = ...)` can use: the declared features, and the
/// implicit feature of each optional dependency not named as `dep:`.
fn usable_features(generated: &hal_gen::Generated) -> Vec<String> {
    let manifest = manifest(generated);
    let features = cargo_features(generated);
    let mut names: Vec<String> = features.keys().cloned().collect();
    let dep_refs = features
        .values()
        .flat_map(|v| v.as_array().unwrap().iter())
        .filter_map(|v| v.as_str()?.strip_prefix("dep:"))
        .map(String::from)
        .collect::<Vec<_>>();
    for (name, dep) in manifest["dependencies"].as_table().unwrap() {
        let optional = dep.get("optional").and_then(|o| o.as_bool()) == Some(true);
        if optional && !dep_refs.contains(name) {
            names.push(name.clone());
        }
    }
    names
}

/// Features named by the README's peripheral table.
fn readme_features(generated: &hal_gen::Generated) -> Vec<String> {
    let path = format!("{}/README.md", generated.chip.pac_crate_name());
    generated.files[&path]
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| peripheral"))
        .filter_map(|l| l.split('|').nth(2))
        .map(|cell| cell.trim().trim_matches('`').to_string())
        .collect()
}

/// Fixtures whose README names a feature Cargo.toml lacks (generator bug,
/// see `readme_lists_only_features_that_exist`).
const README_FEATURE_BUG: &[&str] = &["derived.svd", "leading_digit.svd"];

#[test]
fn features_are_consistent() {
    for fixture in common::all_fixtures() {
        let generated = common::generate_ok(&fixture);
        let features = cargo_features(&generated);
        let usable = usable_features(&generated);
        // Every feature the code is gated on is declared.
        for (path, contents) in &generated.files {
            if !path.ends_with(".rs") {
                continue;
            }
            let mut rest = contents.as_str();
            while let Some(i) = rest.find("feature = \"") {
                rest = &rest[i + "feature = \"".len()..];
                let name = &rest[..rest.find('"').unwrap()];
                assert!(
                    usable.iter().any(|u| u == name),
                    "{fixture}: {path} is gated on undeclared feature {name:?}"
                );
            }
        }
        // `all` enables every peripheral feature, and only those.
        let all: Vec<&str> = features["all"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        for (name, _) in &features {
            let special = ["default", "rt", "memory-x", "impl-debug", "enums", "all"]
                .contains(&name.as_str());
            assert_eq!(
                all.contains(&name.as_str()),
                !special,
                "{fixture}: feature {name} and `all`"
            );
        }
        if README_FEATURE_BUG.contains(&fixture.as_str()) {
            continue;
        }
        for f in readme_features(&generated) {
            assert!(
                features.contains_key(&f),
                "{fixture}: README lists feature `{f}`, Cargo.toml does not have it"
            );
        }
    }
}

/// The chip model's feature names are not svd2rust's:
/// * a peripheral without registers (derived.svd's GHOST, whose dangling
///   derivedFrom was dropped) gets no module and no feature from svd2rust,
///   but the README still lists it with feature `ghost`;
/// * model.rs cases `_1WIRE` with heck (`1wire`), svd2rust keeps the
///   underscore (`_1wire`).
#[test]
fn readme_lists_only_features_that_exist() {
    for fixture in README_FEATURE_BUG {
        let generated = common::generate_ok(fixture);
        let features = cargo_features(&generated);
        for f in readme_features(&generated) {
            assert!(
                features.contains_key(&f),
                "{fixture}: README lists feature `{f}`, Cargo.toml does not have it"
            );
        }
    }
}
