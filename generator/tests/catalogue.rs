//! The catalogue's self-test, on an SVD synthesised from the families
//! themselves (see `catalogue::synth`): every family is recognised on its
//! own instance, and every template's output is snapshotted. The HAL it
//! renders is compiled in `compile.rs`.

use hal_gen::Config;
use std::path::Path;

fn synthesised() -> (
    hal_gen::catalogue::Catalogue,
    hal_gen::Generated,
    std::collections::BTreeMap<String, String>,
) {
    let config = Config::default();
    let catalogue = hal_gen::load_catalogue(&config).expect("built-in catalogue loads");
    let (svd, instances) = hal_gen::catalogue::synth::svd(&catalogue);
    let generated = hal_gen::generate_from_str(Path::new("CATALOGUE.svd"), &svd, &config)
        .unwrap_or_else(|e| panic!("synthesised SVD should generate: {e:?}\n{svd}"));
    (catalogue, generated, instances)
}

#[test]
fn every_family_recognises_its_own_instance() {
    let (catalogue, generated, instances) = synthesised();
    let mut wrong = Vec::new();
    for family in &catalogue.families {
        let instance = &instances[&family.name];
        let class = generated
            .classes
            .iter()
            .find(|c| &c.instance == instance)
            .unwrap_or_else(|| panic!("{instance} missing from the synthesised chip"));
        match class.best(family.kind) {
            Some(m) if m.family == family.name => {}
            Some(m) => wrong.push(format!(
                "{}: its instance {instance} matched {}",
                family.name, m.family
            )),
            None => wrong.push(format!(
                "{}: its instance {instance} matched nothing",
                family.name
            )),
        }
    }
    assert!(
        wrong.is_empty(),
        "families not recognised on their own registers:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn template_snapshots() {
    let (catalogue, generated, instances) = synthesised();
    let hal = generated.chip.hal_crate_name();
    insta::with_settings!({ prepend_module_to_snapshot => false, omit_expression => true }, {
        for (path, contents) in &generated.files {
            let Some(rel) = path.strip_prefix(&format!("{hal}/")) else {
                continue;
            };
            // Driver files are snapshotted per family below.
            let is_driver = rel.matches('/').count() == 2
                && !rel.ends_with("/mod.rs")
                && !rel.ends_with("/impls.rs");
            if !is_driver {
                insta::assert_snapshot!(format!("hal_{}", rel.replace(['/', '.'], "_")), contents);
            }
        }
        for family in &catalogue.families {
            let module = heck::ToSnakeCase::to_snake_case(instances[&family.name].as_str());
            let driver = generated
                .files
                .iter()
                .find(|(p, _)| p.starts_with(&format!("{hal}/src/")) && p.ends_with(&format!("/{module}.rs")));
            if let Some((_, contents)) = driver {
                insta::assert_snapshot!(format!("family_{}", family.name), contents);
            }
        }
    });
}

/// A family written into an override folder, loaded: the error, if any.
fn load_override(rel: &str, text: &str) -> Option<String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, text).unwrap();
    let config = Config {
        templates_dir: Some(dir.path().to_path_buf()),
        ..Default::default()
    };
    hal_gen::load_catalogue(&config)
        .err()
        .map(|e| e.to_string())
}

const PL011: &str = include_str!("../../templates/families/uart/pl011.toml");

/// Each template declares the params it reads (`<template>.contract.toml`);
/// a family is checked against it when the catalogue loads, not at render.
#[test]
fn a_misspelt_param_value_is_refused_at_load_with_file_line_and_values() {
    assert_eq!(load_override("families/uart/pl011.toml", PL011), None);
    let line = PL011
        .lines()
        .position(|l| l.trim() == "baud = \"pl011\"")
        .unwrap()
        + 1;
    let err = load_override(
        "families/uart/pl011.toml",
        &PL011.replace("baud = \"pl011\"", "baud = \"pl011x\""),
    )
    .expect("pl011x refused");
    for want in [
        "families/uart/pl011.toml",
        &format!("line {line}: params.baud = \"pl011x\": not one of \"div\", \"div16\", \"div_minus1\", \"nrf\", \"pl011\""),
        "hal/serial/uart.contract.toml",
    ] {
        assert!(err.contains(want), "{err}\n(wanted {want})");
    }
}

#[test]
fn params_the_template_does_not_read_or_of_the_wrong_type_are_refused() {
    let cases = [
        (
            PL011.replace("baud = \"pl011\"", "baud = \"pl011\"\nbuad_min = 1"),
            "params.buad_min: hal/serial/uart.rs.j2 reads no such param (it reads: after, baud,",
        ),
        (
            PL011.replace("baud = \"pl011\"", "baud = \"pl011\"\nbaud_min = \"one\""),
            "params.baud_min = \"one\": wants an integer",
        ),
        (
            PL011.replace(
                "before = [[\"uarten\", 0]]",
                "before = [[\"no_such_role\", 0]]",
            ),
            "`no_such_role` is not a register or field role of this family",
        ),
        (
            PL011.replace("baud = \"pl011\"\n", ""),
            "params.baud is missing: hal/serial/uart.rs.j2 needs it",
        ),
    ];
    for (text, want) in cases {
        let err = load_override("families/uart/pl011.toml", &text).expect(want);
        assert!(err.contains(want), "{err}\n(wanted {want})");
    }
}

#[test]
fn a_family_under_another_kinds_folder_is_refused() {
    let err = load_override("families/spi/pl011.toml", PL011).expect("refused");
    assert!(
        err.contains("kind = \"uart\" but the file is under families/spi/"),
        "{err}"
    );
}
