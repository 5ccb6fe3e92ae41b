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
