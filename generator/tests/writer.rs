//! The writer, through the real binary: deterministic output, no-op
//! reruns, edit detection, hand-written files, foreign directories, and
//! template overrides.

mod common;

use common::{fixture_path, read_tree, run_hal_gen, stderr};
use std::path::{Path, PathBuf};
use std::process::Output;

fn generate_into(svd: &Path, out: &Path, extra: &[&str]) -> Output {
    let mut args: Vec<std::ffi::OsString> =
        vec![svd.into(), "-o".into(), out.as_os_str().to_owned()];
    args.extend(extra.iter().map(Into::into));
    run_hal_gen(args)
}

fn assert_ok(run: &Output) {
    assert!(
        run.status.success(),
        "hal-gen failed:\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(!stderr(run).contains("panicked"));
}

fn minimal() -> PathBuf {
    fixture_path("minimal.svd")
}

/// No temporary or backup trees left beside the output.
fn assert_no_leftovers(out: &Path) {
    for entry in std::fs::read_dir(out).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(!name.starts_with(".hal-gen-"), "leftover {name} in OUT");
    }
}

#[test]
fn output_is_deterministic() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    assert_ok(&generate_into(&minimal(), &a, &[]));
    assert_ok(&generate_into(&minimal(), &b, &[]));
    let (ta, tb) = (read_tree(&a), read_tree(&b));
    assert_eq!(
        ta.keys().collect::<Vec<_>>(),
        tb.keys().collect::<Vec<_>>(),
        "same file list"
    );
    for (path, bytes) in &ta {
        assert!(tb[path] == *bytes, "{path} differs between two runs");
    }
    assert!(ta.contains_key("minimal-pac/.hal-gen.json"));
    assert!(ta.contains_key("minimal-pac/src/lib.rs"));
    assert!(ta.contains_key("minimal-pac/Cargo.toml"));

    // The library and the binary write the same crate.
    let generated = common::generate_ok("minimal.svd");
    for (path, contents) in &generated.files {
        assert!(
            ta.get(path).map(Vec::as_slice) == Some(contents.as_bytes()),
            "{path}: the binary wrote something else than generate() returned"
        );
    }
    // Nothing machine-specific ends up in the crate.
    let tmp = dir.path().to_string_lossy().into_owned();
    for (path, bytes) in &ta {
        let text = String::from_utf8_lossy(bytes);
        assert!(!text.contains(&tmp), "{path} mentions the output directory");
        assert!(
            !text.contains(env!("CARGO_MANIFEST_DIR")),
            "{path} mentions the source tree"
        );
    }
}

#[test]
fn rerun_into_the_same_directory_is_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let first = generate_into(&minimal(), &out, &[]);
    assert_ok(&first);
    assert!(common::says(&stderr(&first), "wrote"), "{}", stderr(&first));
    let before = read_tree(&out);

    let again = generate_into(&minimal(), &out, &[]);
    assert_ok(&again);
    let msg = stderr(&again);
    assert!(common::says(&msg, "unchanged"), "{msg}");
    assert!(!common::says(&msg, "wrote"), "{msg}");
    assert_eq!(read_tree(&out), before);
    assert_no_leftovers(&out);
}

#[test]
fn edited_file_is_refused_and_the_new_version_written_beside_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    assert_ok(&generate_into(&minimal(), &out, &[]));
    let lib = out.join("minimal-pac/src/lib.rs");
    let fresh = std::fs::read_to_string(&lib).unwrap();
    let edited = format!("{fresh}// my local change\n");
    std::fs::write(&lib, &edited).unwrap();

    let run = generate_into(&minimal(), &out, &[]);
    let msg = stderr(&run);
    assert!(!run.status.success(), "{msg}");
    assert!(!msg.contains("panicked"), "{msg}");
    assert!(common::says(&msg, "edited"), "{msg}");
    assert!(common::says(&msg, "lib.rs"), "{msg}");
    assert_eq!(std::fs::read_to_string(&lib).unwrap(), edited, "edit kept");
    let beside = out.join("minimal-pac/src/lib.rs.hal-gen-new");
    assert_eq!(
        std::fs::read_to_string(&beside).unwrap(),
        fresh,
        "the new version is written beside the edited file"
    );
    // Only the edited file is reported.
    assert!(!common::says(&msg, "Cargo.toml"), "{msg}");

    let forced = generate_into(&minimal(), &out, &["--force"]);
    assert_ok(&forced);
    assert_eq!(std::fs::read_to_string(&lib).unwrap(), fresh);
    assert!(!beside.exists(), "--force leaves no stale .hal-gen-new");
    assert_no_leftovers(&out);

    // And the directory is hal-gen's again: a plain rerun is a no-op.
    let again = generate_into(&minimal(), &out, &[]);
    assert_ok(&again);
    assert!(
        common::says(&stderr(&again), "unchanged"),
        "{}",
        stderr(&again)
    );
}

#[test]
fn edited_cargo_toml_is_detected_by_its_hash() {
    // Cargo.toml has a header too; editing only its body is an edit.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    assert_ok(&generate_into(&minimal(), &out, &[]));
    let cargo = out.join("minimal-pac/Cargo.toml");
    let text = std::fs::read_to_string(&cargo).unwrap();
    std::fs::write(&cargo, text.replace("publish = false", "publish = true")).unwrap();
    let run = generate_into(&minimal(), &out, &[]);
    assert!(!run.status.success(), "{}", stderr(&run));
    assert!(
        common::says(&stderr(&run), "Cargo.toml"),
        "{}",
        stderr(&run)
    );
}

#[test]
fn hand_written_files_survive_regeneration() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    assert_ok(&generate_into(&minimal(), &out, &[]));
    let mine = out.join("minimal-pac/src/my_code.rs");
    let notes = out.join("minimal-pac/notes/TODO.md");
    let my_code = b"// hand-written\npub fn answer() -> u32 { 42 }\n";
    std::fs::write(&mine, my_code).unwrap();
    std::fs::create_dir_all(notes.parent().unwrap()).unwrap();
    std::fs::write(&notes, b"check the clock tree\n").unwrap();

    // A changed SVD, so regeneration really rewrites the crate.
    let changed = dir.path().join("minimal.svd");
    let text = common::fixture_text("minimal.svd").replace(
        "Smallest complete device for hal-gen tests.",
        "Smallest complete device, revised.",
    );
    std::fs::write(&changed, text).unwrap();
    let run = generate_into(&changed, &out, &[]);
    assert_ok(&run);
    let msg = stderr(&run);
    assert!(common::says(&msg, "wrote"), "{msg}");
    assert!(common::says(&msg, "kept hand-written"), "{msg}");
    assert!(common::says(&msg, "my_code.rs"), "{msg}");

    assert_eq!(std::fs::read(&mine).unwrap(), my_code);
    assert_eq!(std::fs::read(&notes).unwrap(), b"check the clock tree\n");
    let readme = std::fs::read_to_string(out.join("minimal-pac/README.md")).unwrap();
    assert!(
        readme.contains("Smallest complete device, revised."),
        "{readme}"
    );
    assert_no_leftovers(&out);
}

#[test]
fn foreign_directory_is_refused_and_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let pac = out.join("minimal-pac");
    std::fs::create_dir_all(pac.join("src")).unwrap();
    std::fs::write(pac.join("src/lib.rs"), "// someone else's crate\n").unwrap();
    std::fs::write(pac.join("Cargo.toml"), "[package]\nname = \"mine\"\n").unwrap();
    let before = read_tree(&out);

    let run = generate_into(&minimal(), &out, &[]);
    let msg = stderr(&run);
    assert!(!run.status.success(), "{msg}");
    assert!(!msg.contains("panicked"), "{msg}");
    assert!(common::says(&msg, "not created by hal-gen"), "{msg}");
    assert!(common::says(&msg, "minimal-pac"), "{msg}");
    assert_eq!(read_tree(&out), before, "the foreign directory was touched");
    assert_no_leftovers(&out);
}

#[test]
fn foreign_file_where_the_crate_goes_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("minimal-pac"), "a file, not a crate\n").unwrap();
    let run = generate_into(&minimal(), &out, &[]);
    assert!(!run.status.success(), "{}", stderr(&run));
    assert_eq!(
        std::fs::read_to_string(out.join("minimal-pac")).unwrap(),
        "a file, not a crate\n"
    );
}

#[test]
fn template_override_changes_the_readme() {
    let dir = tempfile::tempdir().unwrap();
    let templates = dir.path().join("templates");
    std::fs::create_dir_all(templates.join("pac")).unwrap();
    std::fs::write(
        templates.join("pac/README.md.j2"),
        "# {{ crate_name }}\n\nCUSTOM README for {{ chip_name }} ({{ peripherals | length }} peripherals)\n",
    )
    .unwrap();
    let (plain, custom) = (dir.path().join("plain"), dir.path().join("custom"));
    assert_ok(&generate_into(&minimal(), &plain, &[]));
    let templates_arg = templates.to_string_lossy().into_owned();
    assert_ok(&generate_into(
        &minimal(),
        &custom,
        &["--templates", &templates_arg],
    ));

    let readme = std::fs::read_to_string(custom.join("minimal-pac/README.md")).unwrap();
    let (header, body) = readme.split_once('\n').unwrap();
    assert!(header.starts_with("<!-- @generated by hal-gen"), "{header}");
    assert_eq!(
        body,
        "# minimal-pac\n\nCUSTOM README for MINIMAL (1 peripherals)\n"
    );
    // Only the README changed.
    let (a, b) = (read_tree(&plain), read_tree(&custom));
    for (path, bytes) in &a {
        if path.ends_with("README.md") || path.ends_with(".hal-gen.json") {
            continue;
        }
        assert!(b[path] == *bytes, "{path} changed with a README override");
    }
}

#[test]
fn broken_template_override_is_a_template_error() {
    let dir = tempfile::tempdir().unwrap();
    let templates = dir.path().join("templates");
    std::fs::create_dir_all(templates.join("pac")).unwrap();
    std::fs::write(
        templates.join("pac/README.md.j2"),
        "# {{ no_such_variable }}\n",
    )
    .unwrap();
    let config = hal_gen::Config {
        templates_dir: Some(templates.clone()),
        ..Default::default()
    };
    match hal_gen::generate(&minimal(), &config) {
        Err(hal_gen::Error::Template { name, .. }) => assert_eq!(name, "pac/README.md.j2"),
        other => panic!("expected Error::Template, got {other:?}"),
    }
    let out = dir.path().join("out");
    let templates_arg = templates.to_string_lossy().into_owned();
    let run = generate_into(&minimal(), &out, &["--templates", &templates_arg]);
    assert!(!run.status.success());
    assert!(
        common::says(&stderr(&run), "README.md.j2"),
        "{}",
        stderr(&run)
    );
    assert!(!out.exists());
}
