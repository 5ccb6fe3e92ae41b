//! Regenerating over an existing output directory, through the binary:
//! edits are kept and reported, and `--diff` shows what regeneration would
//! change without writing anything.

mod common;

use common::{fixture_path, fixture_text, read_tree, run_hal_gen, stderr};
use std::path::Path;
use std::process::Output;

fn hal_gen(svd: &Path, out: &Path, extra: &[&str]) -> Output {
    let mut args: Vec<std::ffi::OsString> =
        vec![svd.into(), "-o".into(), out.as_os_str().to_owned()];
    args.extend(extra.iter().map(Into::into));
    run_hal_gen(args)
}

fn assert_ok(run: &Output) {
    assert!(run.status.success(), "hal-gen failed:\n{}", stderr(run));
}

/// `minimal.svd` with its description changed: every file that quotes it
/// (README.md, lib.rs docs) changes on regeneration.
fn revised_minimal(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("minimal.svd");
    let text = fixture_text("minimal.svd").replace(
        "Smallest complete device for hal-gen tests.",
        "Smallest complete device, revised.",
    );
    std::fs::write(&path, text).unwrap();
    path
}

/// A person edits a generated file and a hand-written file in the crate;
/// regeneration from a changed SVD keeps both edits, reports the generated
/// one (and only it), and leaves the new version beside it.
#[test]
fn regeneration_keeps_both_edits_and_reports_the_generated_one() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    assert_ok(&hal_gen(&fixture_path("minimal.svd"), &out, &[]));
    let krate = out.join("minimal-pac");

    // A hand-written module, carried over by one regeneration already.
    let mine = krate.join("src/my_driver.rs");
    std::fs::write(&mine, "pub fn init() {}\n").unwrap();
    assert_ok(&hal_gen(&fixture_path("minimal.svd"), &out, &[]));
    assert!(mine.is_file());

    // Both edited.
    let lib = krate.join("src/lib.rs");
    let lib_edited = format!(
        "{}// tuned by hand\n",
        std::fs::read_to_string(&lib).unwrap()
    );
    std::fs::write(&lib, &lib_edited).unwrap();
    let mine_edited = "pub fn init() {\n    // my edit\n}\n";
    std::fs::write(&mine, mine_edited).unwrap();
    let before = read_tree(&out);

    let svd = revised_minimal(dir.path());
    let run = hal_gen(&svd, &out, &[]);
    let msg = stderr(&run);
    assert_eq!(run.status.code(), Some(1), "{msg}");
    assert!(!msg.contains("panicked"), "{msg}");
    assert!(
        common::says(&msg, "1 generated file(s) were edited"),
        "{msg}"
    );
    assert!(common::says(&msg, "src/lib.rs"), "{msg}");
    assert!(!common::says(&msg, "my_driver"), "{msg}");

    // Both edits kept; the only new file is the new lib.rs beside the old.
    assert_eq!(std::fs::read_to_string(&lib).unwrap(), lib_edited);
    assert_eq!(std::fs::read_to_string(&mine).unwrap(), mine_edited);
    let after = read_tree(&out);
    let added: Vec<&String> = after.keys().filter(|k| !before.contains_key(*k)).collect();
    assert_eq!(added, ["minimal-pac/src/lib.rs.hal-gen-new"]);
    for (path, bytes) in &before {
        assert!(after[path] == *bytes, "{path} changed");
    }
    // The new version beside it is what the new SVD generates.
    let generated = hal_gen::generate(&svd, &hal_gen::Config::default()).unwrap();
    let new_lib = std::fs::read_to_string(krate.join("src/lib.rs.hal-gen-new")).unwrap();
    assert_eq!(new_lib, generated.files["minimal-pac/src/lib.rs"]);

    // The library reports the same, with the variant and the file.
    match hal_gen::write_output(
        &out,
        &generated.files,
        &generated.chip.svd_file,
        &hal_gen::Config::default(),
    ) {
        Err(hal_gen::Error::Edited { files }) => {
            assert_eq!(files.len(), 1, "{files:?}");
            assert!(files[0].ends_with("minimal-pac/src/lib.rs"), "{files:?}");
        }
        other => panic!("expected Error::Edited, got {other:?}"),
    }

    // --force replaces the generated file and still keeps the hand-written one.
    assert_ok(&hal_gen(&svd, &out, &["--force"]));
    assert_eq!(std::fs::read_to_string(&mine).unwrap(), mine_edited);
    assert_ne!(std::fs::read_to_string(&lib).unwrap(), lib_edited);
    assert!(!krate.join("src/lib.rs.hal-gen-new").exists());
}

// ---------------------------------------------------------------------------
// --diff

#[test]
fn diff_into_an_empty_directory_shows_every_file_added_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let run = hal_gen(&fixture_path("minimal.svd"), &out, &["--diff"]);
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert_eq!(run.status.code(), Some(1), "{}", stderr(&run));
    assert!(
        stdout.contains("--- /dev/null\n+++ b/minimal-pac/src/lib.rs\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("+++ b/minimal-pac/.hal-gen.json\n"),
        "{stdout}"
    );
    assert!(common::says(&stderr(&run), "added"), "{}", stderr(&run));
    assert!(!out.exists(), "--diff wrote OUT");
}

#[test]
fn diff_after_generation_is_empty_with_exit_0() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    assert_ok(&hal_gen(&fixture_path("minimal.svd"), &out, &[]));
    let run = hal_gen(&fixture_path("minimal.svd"), &out, &["--diff"]);
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    assert!(
        run.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&run.stdout)
    );
    assert!(
        common::says(&stderr(&run), "no changes"),
        "{}",
        stderr(&run)
    );
}

#[test]
fn diff_shows_changed_and_removed_files_as_unified_diffs_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    // The old generation has a second peripheral that the new SVD lacks.
    let with_two = dir.path().join("two").join("minimal.svd");
    std::fs::create_dir_all(with_two.parent().unwrap()).unwrap();
    let text = fixture_text("minimal.svd");
    let second = {
        let start = text.find("    <peripheral>").unwrap();
        let end = text.find("  </peripherals>").unwrap();
        text[start..end]
            .replacen("<name>TIMER0</name>", "<name>TIMER1</name>", 1)
            .replace("0x40001000", "0x40002000")
            .replace("<value>3</value>", "<value>4</value>")
            .replace("<name>TIMER0</name>", "<name>TIMER1</name>")
            // Registers unlike TIMER0's, so it gets a module of its own
            // rather than sharing TIMER0's.
            .replace(
                "<description>Current count</description>",
                "<description>Count</description>",
            )
    };
    std::fs::write(
        &with_two,
        text.replace("  </peripherals>", &format!("{second}  </peripherals>")),
    )
    .unwrap();
    assert_ok(&hal_gen(&with_two, &out, &[]));
    assert!(out.join("minimal-pac/src/timer1.rs").is_file());
    let before = read_tree(&out);

    let svd = revised_minimal(dir.path());
    let run = hal_gen(&svd, &out, &["--diff"]);
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert_eq!(run.status.code(), Some(1), "{}", stderr(&run));
    // The removed peripheral's module.
    assert!(
        stdout.contains("--- a/minimal-pac/src/timer1.rs\n+++ /dev/null\n"),
        "{stdout}"
    );
    // The README's description line, old and new.
    assert!(
        stdout.contains("--- a/minimal-pac/README.md\n+++ b/minimal-pac/README.md\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("\n-") && stdout.contains("revised"),
        "{stdout}"
    );
    let readme_hunk = &stdout[stdout.find("+++ b/minimal-pac/README.md").unwrap()..];
    assert!(readme_hunk.contains("\n@@ -"), "{readme_hunk}");
    assert!(common::says(&stderr(&run), "removed"), "{}", stderr(&run));
    assert_eq!(read_tree(&out), before, "--diff changed OUT");

    // And regeneration does what the diff said: afterwards, no diff.
    assert_ok(&hal_gen(&svd, &out, &[]));
    assert!(!out.join("minimal-pac/src/timer1.rs").exists());
    let again = hal_gen(&svd, &out, &["--diff"]);
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
}

#[test]
fn diff_of_bad_input_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let svd = dir.path().join("bad.svd");
    std::fs::write(&svd, "<device>").unwrap();
    let run = hal_gen(&svd, &dir.path().join("out"), &["--diff"]);
    assert_eq!(run.status.code(), Some(2), "{}", stderr(&run));
    assert!(run.stdout.is_empty());
}
