//! The matrix against its raw inputs: cells recomputed straight from
//! coverage records and conformance results files (read as plain JSON, not
//! through the matrix's own types), the per-vendor numbers against the
//! corpus report, and determinism.

use super::model::{self, Matrix};
use super::{check_against_report, gather, to_json, GatherArgs};
use crate::report::{CheckResult, ChipResult, Report, Status};
use crate::util;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const CAPS: [&str; 6] = ["gpio", "serial", "spi", "i2c", "delay", "pwm"];

fn fixtures() -> PathBuf {
    util::root().join("xtask/tests/fixtures/matrix")
}

fn read(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// A scratch directory, removed when dropped.
struct Scratch(PathBuf);
impl Scratch {
    fn new(name: &str) -> Self {
        let p = std::env::temp_dir().join(format!("hal-gen-matrix-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        Self(p)
    }
}
impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Inputs for the tests: the two checked-in project records under
/// generated/, the same LM3S6965 record once more as a "corpus" chip of a
/// made-up vendor (so the corpus report can say its HAL failed to build),
/// and the conformance fixtures.
struct Fixture {
    _scratch: Scratch,
    corpus_out: PathBuf,
    project: PathBuf,
    report: Report,
}

fn fixture(name: &str) -> Fixture {
    let scratch = Scratch::new(name);
    let project = scratch.0.join("generated");
    std::fs::create_dir_all(&project).unwrap();
    for f in ["lm3s6965.coverage.json", "cmsdk-an385.coverage.json"] {
        std::fs::copy(util::root().join("generated").join(f), project.join(f)).unwrap();
    }
    let corpus_out = scratch.0.join("corpus-out");
    let chip_dir = corpus_out.join("Fixture/LM3S6965");
    std::fs::create_dir_all(&chip_dir).unwrap();
    std::fs::copy(
        util::root().join("generated/lm3s6965.coverage.json"),
        chip_dir.join("lm3s6965.coverage.json"),
    )
    .unwrap();

    // What `cargo xtask corpus --check --hal` would have written for it,
    // with the HAL clippy run failing.
    let raw = read(&chip_dir.join("lm3s6965.coverage.json"));
    let mut r = ChipResult::new("Fixture", "LM3S6965.svd", 12.5);
    r.status = Status::Generated;
    r.chip = Some("LM3S6965".into());
    r.target = Some("thumbv7m-none-eabi".into());
    r.capabilities = CAPS
        .iter()
        .map(|c| {
            let s = raw["capabilities"][c]["status"].as_str().unwrap();
            (c.to_string(), s.to_string())
        })
        .collect();
    let ok = |s: f64| CheckResult {
        passed: true,
        seconds: s,
        error: None,
    };
    r.check = Some(ok(3.25));
    r.hal_check = Some(CheckResult {
        passed: false,
        seconds: 4.5,
        error: Some("fixture: clippy failed".into()),
    });
    // A second chip of the vendor whose generation failed: no record.
    let mut failed = ChipResult::new("Fixture", "Broken.svd", 1.0);
    failed.error = Some("fixture: bad SVD".into());
    let report = Report::new(vec![r, failed], true, 1.0, 1, None);
    Fixture {
        _scratch: scratch,
        corpus_out,
        project,
        report,
    }
}

fn build(f: &Fixture, conformance: &Path) -> (Matrix, Vec<String>) {
    let inputs = gather(&GatherArgs {
        corpus_out: Some(&f.corpus_out),
        report: Some((&f.report, "fixture-report.json".into())),
        hal_record: None,
        conformance,
        project: &f.project,
        project_only: false,
        classify_missing: false,
    })
    .unwrap();
    model::build(inputs)
}

/// The cell rule from coverage/README.md, applied to raw JSON.
fn expected_level(
    record: &Value,
    results: &[Value],
    svd: &str,
    cap: &str,
    hal_fails: bool,
) -> (String, Vec<String>) {
    let mut failed = Vec::new();
    let mut verified = Vec::new();
    for r in results
        .iter()
        .filter(|r| r["svd"] == svd && r["status"] == "ran")
    {
        let tests: Vec<&Value> = r["tests"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|t| t["capability"] == cap)
            .collect();
        let backend = r["backend"].as_str().unwrap().to_string();
        if tests.iter().any(|t| t["status"] == "fail") {
            failed.push(backend);
        } else if tests.iter().any(|t| t["status"] == "pass") {
            verified.push(backend);
        }
    }
    failed.sort();
    verified.sort();
    let coverage = record["capabilities"][cap]["status"].as_str().unwrap();
    if !failed.is_empty() {
        ("failed".into(), failed)
    } else if !verified.is_empty() {
        ("verified".into(), verified)
    } else if coverage == "generated" && hal_fails {
        ("broken".into(), vec![])
    } else {
        (coverage.into(), vec![])
    }
}

#[test]
fn matrix_cells_recomputed_from_raw_records() {
    let f = fixture("cells");
    let conformance = fixtures().join("conformance");
    let (m, warnings) = build(&f, &conformance);
    assert!(warnings.is_empty(), "{warnings:?}");
    // Read back what was written, as plain JSON.
    let written: Value = serde_json::from_str(&to_json(&m).unwrap()).unwrap();
    let results: Vec<Value> = std::fs::read_dir(&conformance)
        .unwrap()
        .map(|e| read(&e.unwrap().path()))
        .collect();

    let mut seen = BTreeMap::new();
    for (id, record_path, hal_fails) in [
        (
            "svd/LM3S6965.svd",
            f.project.join("lm3s6965.coverage.json"),
            false,
        ),
        (
            "svd/CMSDK_AN385.svd",
            f.project.join("cmsdk-an385.coverage.json"),
            false,
        ),
        (
            "corpus:Fixture/LM3S6965.svd",
            f.corpus_out.join("Fixture/LM3S6965/lm3s6965.coverage.json"),
            true,
        ),
    ] {
        let record = read(&record_path);
        let chip = written["chips"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .unwrap_or_else(|| panic!("{id} is in matrix.json"));
        for cap in CAPS {
            let (level, backends) = expected_level(&record, &results, id, cap, hal_fails);
            let cell = &chip["cells"][cap];
            assert_eq!(cell["level"], level.as_str(), "{id} {cap}");
            let got: Vec<&str> = cell["backends"]
                .as_array()
                .map(|a| a.iter().map(|b| b.as_str().unwrap()).collect())
                .unwrap_or_default();
            assert_eq!(got, backends, "{id} {cap} backends");
            assert_eq!(
                cell["generated"].as_array().map_or(0, Vec::len),
                record["capabilities"][cap]["generated"]
                    .as_array()
                    .unwrap()
                    .len(),
                "{id} {cap} generated instances"
            );
            *seen.entry(level).or_insert(0) += 1;
        }
        // Every bound register of the record, with its SVD line, is kept.
        let families = &written["families"];
        for inst in record["instances"].as_array().unwrap() {
            let name = inst["instance"].as_str().unwrap();
            let p = chip["peripherals"]
                .as_array()
                .unwrap()
                .iter()
                .find(|p| p["name"] == name);
            let Some(p) = p else {
                assert!(inst["matches"].as_array().unwrap().is_empty());
                assert!(chip["others"].as_array().unwrap().iter().any(|o| o == name));
                continue;
            };
            let raw_matches = inst["matches"].as_array().unwrap();
            let matches = p["matches"].as_array().cloned().unwrap_or_default();
            assert_eq!(raw_matches.len(), matches.len(), "{id} {name}");
            for (raw_m, m) in raw_matches.iter().zip(&matches) {
                assert_eq!(raw_m["family"], m["family"]);
                if m.get("same_as").is_some() {
                    continue;
                }
                let roles = families[m["family"].as_str().unwrap()]["roles"]
                    .as_array()
                    .unwrap();
                for (role, b) in raw_m["bindings"].as_object().unwrap() {
                    let i = roles.iter().position(|r| r == role.as_str()).unwrap();
                    let reg = match b.get("field") {
                        Some(f) => format!(
                            "{}.{}",
                            b["register"].as_str().unwrap(),
                            f.as_str().unwrap()
                        ),
                        None => b["register"].as_str().unwrap().to_string(),
                    };
                    let want = format!("{reg}@{}", b["line"]);
                    assert_eq!(m["bindings"][i], want.as_str(), "{id} {name} {role}");
                }
            }
        }
    }
    // The fixture exercises every conformance-driven level, and `broken`.
    for level in ["verified", "failed", "broken", "generated"] {
        assert!(
            seen.contains_key(level),
            "no {level} cell in the fixture: {seen:?}"
        );
    }
    // The chip whose generation failed has no record: unknown, not absent.
    let broken_svd = m
        .chips
        .iter()
        .find(|c| c.id == "corpus:Fixture/Broken.svd")
        .unwrap();
    assert!(broken_svd.cells.values().all(|c| c.level == "unknown"));
    assert_eq!(broken_svd.build.hal_build, "fail");
    // The not-run Renode file is listed for the chip but decides nothing.
    let lm = m.chips.iter().find(|c| c.id == "svd/LM3S6965.svd").unwrap();
    let statuses: Vec<&str> = lm.runs.iter().map(|&i| m.runs[i].status.as_str()).collect();
    assert_eq!(statuses, ["ran", "not-run"]);
}

#[test]
fn per_vendor_numbers_agree_with_the_report_and_the_chips() {
    let f = fixture("vendors");
    let (m, _) = build(&f, &fixtures().join("conformance"));
    assert_eq!(check_against_report(&m, &f.report), Vec::<String>::new());
    // The summary is the count of the chips' cells.
    for (vendor, s) in &m.vendors {
        let chips: Vec<_> = m.chips.iter().filter(|c| &c.vendor == vendor).collect();
        assert_eq!(s.chips, chips.len(), "{vendor}");
        for cap in CAPS {
            for (level, n) in &s.cells[cap] {
                let count = chips
                    .iter()
                    .filter(|c| &c.cells[cap].level == level)
                    .count();
                assert_eq!(*n, count, "{vendor} {cap} {level}");
            }
        }
    }
    assert_eq!(m.totals.chips, m.chips.len());

    // A disagreement is reported: one chip fewer, one status changed.
    let mut fewer = m.clone();
    fewer.chips.retain(|c| c.id != "corpus:Fixture/Broken.svd");
    assert!(!check_against_report(&fewer, &f.report).is_empty());
    let mut changed = m.clone();
    let c = changed
        .chips
        .iter_mut()
        .find(|c| c.id == "corpus:Fixture/LM3S6965.svd")
        .unwrap();
    c.cells.get_mut("gpio").unwrap().coverage = "absent".into();
    let diff = check_against_report(&changed, &f.report);
    assert!(diff.iter().any(|d| d.contains("gpio")), "{diff:?}");
}

/// The committed matrix against the committed corpus report and build
/// record: every corpus chip has a row, the report has what the per-vendor
/// comparison needs (so it cannot pass by comparing nothing), the
/// per-vendor numbers agree, and every chip's HAL build is the record's.
#[test]
fn committed_matrix_agrees_with_the_corpus_report() {
    let root = util::root();
    let text = std::fs::read_to_string(root.join("coverage/matrix.json")).unwrap();
    let m: Matrix = serde_json::from_str(&text).unwrap();
    let read_report = |p: &str| -> Report {
        serde_json::from_str(&std::fs::read_to_string(root.join(p)).unwrap()).unwrap()
    };
    let report = read_report("docs/corpus/report.json");
    let ids: std::collections::BTreeSet<&str> = m.chips.iter().map(|c| c.id.as_str()).collect();
    for c in &report.chips {
        let id = format!("corpus:{}/{}", c.vendor, c.file);
        assert!(
            ids.contains(id.as_str()),
            "{id} is missing from coverage/matrix.json"
        );
        if c.status == Status::Generated {
            assert_eq!(
                c.capabilities.len(),
                CAPS.len(),
                "docs/corpus/report.json: {id} has no capabilities (regenerate: cargo xtask corpus)"
            );
            assert!(
                c.pac_digest.is_some() && c.hal_digest.is_some(),
                "docs/corpus/report.json: {id} has no digests (regenerate: cargo xtask corpus)"
            );
        }
    }
    assert!(
        report.totals.capabilities.len() == CAPS.len(),
        "docs/corpus/report.json has no capability totals: the comparison below would check nothing"
    );
    let diff = check_against_report(&m, &report);
    assert!(
        diff.is_empty(),
        "coverage/matrix.json disagrees with docs/corpus/report.json (run `cargo xtask matrix`): {diff:#?}"
    );

    // HAL builds: the matrix shows the build record's results.
    let record_path = root.join("docs/corpus-hal/report.json");
    let by_id: BTreeMap<&str, &model::Chip> = m.chips.iter().map(|c| (c.id.as_str(), c)).collect();
    let mut shown = 0;
    if record_path.is_file() {
        let record = read_report("docs/corpus-hal/report.json");
        let generated: BTreeMap<String, &ChipResult> =
            report.chips.iter().map(|c| (c.key(), c)).collect();
        for r in &record.chips {
            let id = format!("corpus:{}/{}", r.vendor, r.file);
            let g = generated[&r.key()];
            if (&g.pac_digest, &g.hal_digest) != (&r.pac_digest, &r.hal_digest) {
                continue; // stale: CI's corpus step fails on it
            }
            let fails = [&r.check, &r.hal_check, &r.hal_thumb]
                .iter()
                .any(|k| k.as_ref().is_some_and(|k| !k.passed));
            let want = if fails {
                "fail"
            } else if r.hal_check.is_some() {
                "pass"
            } else {
                "not-run"
            };
            assert_eq!(
                by_id[id.as_str()].build.hal_build, want,
                "{id}: hal_build in coverage/matrix.json is not the build record's (run `cargo xtask matrix`)"
            );
            shown += usize::from(want != "not-run");
        }
    }
    let in_matrix = m
        .chips
        .iter()
        .filter(|c| c.source == "corpus" && c.build.hal_build != "not-run")
        .count();
    assert_eq!(
        in_matrix, shown,
        "coverage/matrix.json shows HAL builds the build record does not have"
    );
}

/// A build-record row is used only when its digests are the report's.
#[test]
fn build_record_rows_need_matching_digests() {
    let mut f = fixture("record");
    for c in &mut f.report.chips {
        c.hal_check = None;
        c.pac_digest = Some("aaaa".into());
        c.hal_digest = Some("bbbb".into());
    }
    let mut record = f.report.clone();
    record.chips.retain(|c| c.file == "LM3S6965.svd");
    record.chips[0].hal_check = Some(CheckResult {
        passed: false,
        seconds: 1.0,
        error: Some("fixture".into()),
    });
    let conformance = fixtures().join("conformance");
    let build_with = |record: &Report| {
        let inputs = gather(&GatherArgs {
            corpus_out: Some(&f.corpus_out),
            report: Some((&f.report, "fixture-report.json".into())),
            hal_record: Some((record, "fixture-record.json".into())),
            conformance: &conformance,
            project: &f.project,
            project_only: false,
            classify_missing: false,
        })
        .unwrap();
        model::build(inputs)
    };
    let hal = |m: &Matrix| {
        m.chips
            .iter()
            .find(|c| c.id == "corpus:Fixture/LM3S6965.svd")
            .unwrap()
            .build
            .hal_build
            .clone()
    };
    let (m, warnings) = build_with(&record);
    assert_eq!(hal(&m), "fail", "{warnings:?}");
    assert_eq!(m.inputs.hal_record.as_deref(), Some("fixture-record.json"));
    // Built from other bytes: not used, and said so.
    record.chips[0].hal_digest = Some("cccc".into());
    let (m, warnings) = build_with(&record);
    assert_eq!(hal(&m), "not-run");
    assert!(
        warnings.iter().any(|w| w.contains("not used")),
        "{warnings:?}"
    );
}

/// The committed report against a fresh run: volatile fields are ignored,
/// a changed generation field or a missing stamp is named.
#[test]
fn report_comparison_names_the_field() {
    let f = fixture("compare");
    let mut fresh = f.report.clone();
    for c in &mut fresh.chips {
        c.check = None;
        c.hal_check = None;
        c.pac_digest = Some("aaaa".into());
        c.hal_digest = Some("bbbb".into());
    }
    let mut committed = f.report.clone();
    for c in &mut committed.chips {
        c.pac_digest = Some("aaaa".into());
        c.hal_digest = Some("bbbb".into());
        c.gen_ms += 1000.0;
    }
    committed.generation_wall_s = 99.0;
    committed.threads = 7;
    let ok = crate::report::compare(&committed, &fresh, true);
    assert!(ok.is_empty(), "{ok:?}");
    let mut stale = committed.clone();
    stale.chips[1]
        .capabilities
        .insert("gpio".into(), "skeleton".into());
    stale.summarise();
    let diff = crate::report::compare(&stale, &fresh, true);
    assert!(
        diff.iter()
            .any(|d| d.contains("LM3S6965.svd: capabilities")),
        "{diff:?}"
    );
    let mut unstamped = committed.clone();
    unstamped.chips[1].pac_digest = None;
    let diff = crate::report::compare(&unstamped, &fresh, true);
    assert!(diff.iter().any(|d| d.contains("pac_digest")), "{diff:?}");
    let mut missing = committed.clone();
    missing.chips.pop();
    missing.summarise();
    assert!(!crate::report::compare(&missing, &fresh, true).is_empty());
    assert!(crate::report::compare(&missing, &fresh, false).is_empty());
}

#[test]
fn same_inputs_same_bytes() {
    let f = fixture("determinism");
    let (a, _) = build(&f, &fixtures().join("conformance"));
    let (b, _) = build(&f, &fixtures().join("conformance"));
    assert_eq!(to_json(&a).unwrap(), to_json(&b).unwrap());
    assert_eq!(
        super::html::render(&a).unwrap(),
        super::html::render(&b).unwrap()
    );
    // matrix.json reads back into the same matrix.
    let back: Matrix = serde_json::from_str(&to_json(&a).unwrap()).unwrap();
    assert_eq!(back, a);
}

#[test]
fn page_data_cannot_close_its_script_element() {
    let f = fixture("escape");
    let (mut m, _) = build(&f, &fixtures().join("conformance"));
    m.chips[0].chip = "</script><script>alert(1)</script>".into();
    let html = super::html::render(&m).unwrap();
    assert_eq!(
        html.matches("</script>").count(),
        2,
        "only the page's own two"
    );
    assert!(!html.contains("alert(1)</script>"));
}

#[test]
fn invalid_results_name_the_file_and_key() {
    let s = Scratch::new("invalid");
    let mut r = read(&fixtures().join("conformance/lm3s6965evb-qemu.json"));
    r["tests"][1]["capability"] = "can".into();
    std::fs::write(s.0.join("bad.json"), r.to_string()).unwrap();
    let err = super::input::results_files(&s.0).unwrap_err();
    let text = format!("{err:#}");
    assert!(
        text.contains("bad.json") && text.contains("tests[1]") && text.contains("\"can\""),
        "{text}"
    );
}

/// Merging a re-run onto a record keeps an earlier result only while its
/// stamp holds.
#[test]
fn merge_keeps_results_whose_stamps_hold() {
    let f = fixture("merge");
    let mut old = f.report.clone();
    for c in &mut old.chips {
        c.pac_digest = Some("p".into());
        c.hal_digest = Some("h".into());
    }
    let mut new = old.clone();
    for c in &mut new.chips {
        (c.check, c.hal_check, c.hal_thumb) = (None, None, None);
        c.hal_digest = Some("h2".into());
    }
    let merged = Report::merge(vec![old, new]).unwrap();
    let lm = merged
        .chips
        .iter()
        .find(|c| c.file == "LM3S6965.svd")
        .unwrap();
    assert!(lm.check.is_some(), "same PAC bytes: the PAC check stands");
    assert!(
        lm.hal_check.is_none(),
        "other HAL bytes: the HAL result goes"
    );
    assert_eq!(merged.chips.len(), 2);
}

/// A peer HAL's run becomes a row of its own, beside the generated HAL's
/// run on the same board, with the same cell rule; fault runs stay out.
#[test]
fn peer_rows_beside_the_generated_hal() {
    let f = fixture("peers");
    let conformance = f._scratch.0.join("conformance");
    let peer_dir = conformance.join("peer");
    std::fs::create_dir_all(&peer_dir).unwrap();
    let ours = fixtures().join("conformance/lm3s6965evb-qemu.json");
    std::fs::copy(&ours, conformance.join("lm3s6965evb-qemu.json")).unwrap();
    let mut peer = read(&ours);
    peer["hal"] = "other-hal 1.0".into();
    peer["svd"] = "-".into();
    // The peer fails a GPIO test the generated HAL passes, and passes the
    // I2C test the generated HAL fails.
    for t in peer["tests"].as_array_mut().unwrap() {
        match t["capability"].as_str().unwrap() {
            "gpio" if t["name"] == "gpio_input_readback" => t["status"] = "fail".into(),
            "i2c" => t["status"] = "pass".into(),
            _ => {}
        }
    }
    std::fs::write(peer_dir.join("board-other-hal-qemu.json"), peer.to_string()).unwrap();
    peer["fault_injection"] = true.into();
    std::fs::write(
        peer_dir.join("board-other-hal-qemu.fault.json"),
        peer.to_string(),
    )
    .unwrap();

    let (m, _) = build(&f, &conformance);
    assert_eq!(m.peers.len(), 1, "the fault run is left out");
    let p = &m.peers[0];
    assert_eq!(p.hal, "other-hal 1.0");
    assert_eq!(p.cells["gpio"].level, "failed");
    assert_eq!(p.cells["gpio"].failed, ["gpio_input_readback"]);
    assert_eq!(p.cells["i2c"].level, "verified");
    assert_eq!(p.cells["spi"].level, "not-tested");
    assert_eq!(p.generated["gpio"].level, "verified");
    assert_eq!(p.generated["i2c"].level, "failed");
    let md = super::markdown::render(&m);
    assert!(md.contains("## Peer HALs"), "{md}");
    assert!(md.contains("| other-hal 1.0 | "), "{md}");
    assert!(md.contains("gpio_input_readback"), "{md}");
    let written: Value = serde_json::from_str(&to_json(&m).unwrap()).unwrap();
    assert_eq!(written["peers"][0]["hal"], "other-hal 1.0");
}

/// A record checked in under generated/ whose SVD pac-inputs.lock names as
/// `validation:` is a curated chip of source "validation", and a results
/// file naming that SVD is its run.
#[test]
fn validation_corpus_chip_is_curated_with_its_own_source() {
    let f = fixture("validation");
    let svd = "validation:Fixture-Community/fixture.svd";
    // The LM3S6965 record, as a chip of an SVD the project does not have.
    let mut record = read(&f.project.join("lm3s6965.coverage.json"));
    record["chip"] = "FIXTURE".into();
    record["vendor"] = "Fixture".into();
    record["svd_file"] = "fixture.svd".into();
    record["pac_crate"] = "fixture-pac".into();
    record["hal_crate"] = "fixture-hal".into();
    std::fs::write(f.project.join("fixture.coverage.json"), record.to_string()).unwrap();
    std::fs::write(
        f.project.join("pac-inputs.lock"),
        format!("# svd  svd-sha256  hal-gen  pac-crate  pac-tree-sha256\n{svd} 00 0.1.0 fixture-pac 11\n"),
    )
    .unwrap();
    let conformance = f._scratch.0.join("conformance");
    std::fs::create_dir_all(&conformance).unwrap();
    let mut run = read(&fixtures().join("conformance/lm3s6965evb-qemu.json"));
    run["chip"] = "FIXTURE".into();
    run["svd"] = svd.into();
    run["board"] = "fixture-board".into();
    std::fs::write(conformance.join("fixture-board-qemu.json"), run.to_string()).unwrap();

    let (m, warnings) = build(&f, &conformance);
    assert!(warnings.is_empty(), "{warnings:?}");
    let c = m.chips.iter().find(|c| c.id == svd).expect("a row for it");
    assert_eq!(c.source, "validation");
    assert!(c.curated);
    assert_eq!(c.record, "generated");
    assert_eq!(m.runs.len(), 1);
    assert_eq!(m.runs[0].chip_id.as_deref(), Some(svd));
    assert!(m.inputs.unmatched_runs.is_empty());
    assert_eq!(c.runs, [0]);
    // The other sources are what they were.
    for (id, source) in [
        ("svd/LM3S6965.svd", "project"),
        ("corpus:Fixture/LM3S6965.svd", "corpus"),
    ] {
        let c = m.chips.iter().find(|c| c.id == id).unwrap();
        assert_eq!(c.source, source, "{id}");
    }
    let md = super::markdown::render(&m);
    assert!(md.contains("| FIXTURE (validation corpus) |"), "{md}");
    assert!(
        md.contains(" (2 corpus, 2 project, 1 validation corpus)"),
        "{md}"
    );
    assert_eq!(super::source_of(svd), "validation");
}
