//! The matrix itself: one row per chip, one cell per capability, joined
//! from coverage records, conformance results and the corpus report. Pure:
//! no file access, so tests build it from fixtures. The schema is documented
//! in coverage/README.md; bump SCHEMA_VERSION when it changes.

use super::input::{Record, RecordBinding, ResultsFile, CAPABILITIES};
use crate::report::{CheckResult, ChipResult, Status};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

pub const SCHEMA_VERSION: u32 = 1;

/// Cell levels, strongest evidence first (the page sorts by this order).
pub const LEVELS: [&str; 7] = [
    "verified",
    "failed",
    "generated",
    "broken",
    "skeleton",
    "absent",
    "unknown",
];

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Matrix {
    pub schema_version: u32,
    pub generated_by: String,
    pub levels: Vec<String>,
    /// Capability key → the embedded-hal / embedded-io traits it stands for.
    pub capabilities: Vec<(String, String)>,
    pub inputs: InputsSummary,
    /// Catalogue family → its kind and the capabilities it provides.
    pub families: BTreeMap<String, FamilyInfo>,
    pub vendors: BTreeMap<String, Summary>,
    pub totals: Summary,
    pub runs: Vec<Run>,
    pub chips: Vec<Chip>,
    /// HALs nobody here wrote, judged by the same tests on the same boards
    /// (docs/conformance/peer/), beside the generated HAL's cells there.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub peers: Vec<Peer>,
}

/// One peer HAL's run on one board, and the generated HAL's on the same
/// board and backend.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Peer {
    /// `nrf51-hal 0.19.0`.
    pub hal: String,
    pub chip: String,
    pub board: String,
    pub backend: String,
    pub file: String,
    /// Capability → the peer's cell.
    pub cells: BTreeMap<String, PeerCell>,
    /// Capability → the generated HAL's cell on the same board (absent
    /// when there is no such run).
    pub generated: BTreeMap<String, PeerCell>,
}

/// What one run says about one capability.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PeerCell {
    /// verified | failed | not-tested
    pub level: String,
    pub label: String,
    pub pass: usize,
    pub fail: usize,
    pub skip: usize,
    /// The tests that failed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failed: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FamilyInfo {
    pub kind: String,
    pub provides: Vec<String>,
    /// Every role the family binds in some chip, sorted: a match's
    /// `bindings` are listed in this order.
    pub roles: Vec<String>,
    /// The same for the roles of its units (ports, channels).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unit_roles: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct InputsSummary {
    /// Path of the corpus report, when one was read.
    pub corpus_report: Option<String>,
    /// The build record whose stamped results were used, if any.
    #[serde(default)]
    pub hal_record: Option<String>,
    /// Which checks the report and the build record hold: `pac_check`,
    /// `hal_clippy`, `hal_thumb`.
    pub report_checks: Vec<String>,
    /// Chips by where their coverage record came from.
    pub records: BTreeMap<String, usize>,
    pub conformance_files: usize,
    /// Results files that name no chip of the matrix.
    pub unmatched_runs: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Summary {
    pub chips: usize,
    /// The HAL's build in the corpus report: pass | fail | not-run → chips.
    pub hal_build: BTreeMap<String, usize>,
    /// Capability → level → chips (every level present, zeros included).
    pub cells: BTreeMap<String, BTreeMap<String, usize>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Run {
    /// The results file, relative to the workspace when it is inside it.
    pub file: String,
    /// Matrix chip id, or `None` when no chip matched.
    pub chip_id: Option<String>,
    pub chip: String,
    pub svd: String,
    pub board: String,
    pub backend: String,
    pub machine: String,
    pub status: String,
    pub not_run_reason: Option<String>,
    pub started_at: Option<String>,
    pub duration_s: Option<f64>,
    pub tools: BTreeMap<String, String>,
    /// `[name, trait, capability, instance, status, detail, duration_ms]`.
    pub tests: Vec<RunTest>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RunTest {
    pub name: String,
    #[serde(rename = "trait")]
    pub trait_: String,
    pub capability: String,
    pub instance: Option<String>,
    pub status: String,
    pub detail: String,
    pub duration_ms: Option<f64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Chip {
    /// `corpus:<Vendor>/<file>.svd`, `validation:<Vendor>/<file>.svd` or
    /// `svd/<file>.svd`, as conformance results name it.
    pub id: String,
    pub chip: String,
    pub vendor: String,
    /// `corpus` (cmsis-svd 0.4), `project` (the project's own svd/) or
    /// `validation` (the validation corpus).
    pub source: String,
    /// One of the crates checked in under generated/.
    pub curated: bool,
    pub cpu: Option<String>,
    pub core: String,
    pub target: Option<String>,
    pub pac_crate: Option<String>,
    pub hal_crate: Option<String>,
    /// Where the coverage record came from: corpus-out | generated | classified | none.
    pub record: String,
    pub build: Build,
    pub cells: BTreeMap<String, Cell>,
    /// Instances with a driver kind: hinted by name or matched by a family.
    pub peripherals: Vec<Peripheral>,
    /// The other instances (watchdogs, RTCs, …), names only.
    pub others: Vec<String>,
    /// Indices into `runs`.
    pub runs: Vec<usize>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Build {
    /// generated | failed | panicked, from the corpus report; None outside it.
    pub generation: Option<String>,
    pub error: Option<String>,
    pub gen_ms: Option<f64>,
    pub peripherals: Option<usize>,
    /// `[passed, seconds]` of `cargo check` (PAC), clippy (HAL, host) and the
    /// thumb build (HAL + examples).
    pub pac_check: Option<(bool, f64)>,
    pub hal_clippy: Option<(bool, f64)>,
    pub hal_thumb: Option<(bool, f64)>,
    /// pass | fail | not-run: does the HAL compile, per the corpus report.
    pub hal_build: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Cell {
    pub level: String,
    /// What the page shows: `verified:qemu`, `failed:renode`, `generated`, …
    pub label: String,
    /// The coverage record's status (generated | skeleton | absent | unknown).
    pub coverage: String,
    /// Backends behind a verified or failed level.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub backends: Vec<String>,
    /// Conformance tests of this capability over the chip's ran results.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub pass: usize,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub fail: usize,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub skip: usize,
    /// Instances with a generated driver, and skeleton instances.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub generated: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skeleton: Vec<String>,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Peripheral {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hinted: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub matches: Vec<FamilyMatch>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FamilyMatch {
    /// Key into the matrix's `families`.
    pub family: String,
    /// Roles bound, of the family's roles (score = bound / roles).
    pub bound: usize,
    pub roles: usize,
    /// Set when the bindings equal those of the peripheral it derives from
    /// (then `bindings` and `units` are left empty to keep the file small).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub same_as: Option<String>,
    /// `REGISTER[.FIELD]@line` (`@?` when the SVD line is unknown) per
    /// role of `families[family].roles`, in that order; `null` where this
    /// match leaves the role unbound (trailing nulls are dropped).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bindings: Vec<Option<String>>,
    /// `[unit id, bindings in families[family].unit_roles order]` for
    /// per-port / per-channel families.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub units: Vec<(String, Vec<Option<String>>)>,
    /// `PERIPHERAL.REGISTER.FIELD@line` of the clock-gate bit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gate: Option<String>,
}

/// Where a chip's coverage record came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    CorpusOut,
    Generated,
    Classified,
}

impl Origin {
    fn as_str(self) -> &'static str {
        match self {
            Origin::CorpusOut => "corpus-out",
            Origin::Generated => "generated",
            Origin::Classified => "classified",
        }
    }
}

/// One chip's inputs.
pub struct ChipInput {
    pub id: String,
    pub vendor: String,
    pub source: &'static str,
    pub curated: bool,
    pub record: Option<(Record, Origin)>,
    pub report: Option<ChipResult>,
}

pub struct Inputs {
    pub chips: Vec<ChipInput>,
    /// (display path, results file).
    pub runs: Vec<(String, ResultsFile)>,
    /// Peer HAL runs, the same way (fault runs left out).
    pub peer_runs: Vec<(String, ResultsFile)>,
    pub report_path: Option<String>,
    pub hal_record: Option<String>,
    pub report_checks: Vec<String>,
    /// Warnings from gathering (build-record rows not used).
    pub warnings: Vec<String>,
}

/// Join the inputs. Warnings (results naming no chip, a chip name that
/// disagrees with the SVD named) come back alongside.
pub fn build(inputs: Inputs) -> (Matrix, Vec<String>) {
    let mut warnings = inputs.warnings;
    let mut chips: Vec<ChipInput> = inputs.chips;
    chips.sort_by(|a, b| a.id.cmp(&b.id));

    let mut runs: Vec<Run> = inputs
        .runs
        .into_iter()
        .map(|(file, r)| to_run(file, r))
        .collect();
    runs.sort_by(|a, b| {
        (&a.svd, &a.board, &a.backend, &a.started_at, &a.file).cmp(&(
            &b.svd,
            &b.board,
            &b.backend,
            &b.started_at,
            &b.file,
        ))
    });
    let mut unmatched_runs = Vec::new();
    for run in &mut runs {
        run.chip_id = match_chip(run, &chips, &mut warnings);
        if run.chip_id.is_none() {
            warnings.push(format!(
                "{}: no chip in the matrix for svd {:?} / chip {:?}",
                run.file, run.svd, run.chip
            ));
            unmatched_runs.push(run.file.clone());
        }
    }

    let with_records: Vec<&Record> = chips
        .iter()
        .filter_map(|c| c.record.as_ref().map(|(r, _)| r))
        .collect();
    let families = families(&with_records, &mut warnings);
    let mut records: BTreeMap<String, usize> = BTreeMap::new();
    let out: Vec<Chip> = chips
        .into_iter()
        .map(|c| {
            let origin = c.record.as_ref().map_or("none", |(_, o)| o.as_str());
            *records.entry(origin.to_string()).or_default() += 1;
            let run_ids: Vec<usize> = runs
                .iter()
                .enumerate()
                .filter(|(_, r)| r.chip_id.as_deref() == Some(c.id.as_str()))
                .map(|(i, _)| i)
                .collect();
            let my_runs: Vec<&Run> = run_ids.iter().map(|&i| &runs[i]).collect();
            to_chip(c, origin, &families, run_ids.clone(), &my_runs)
        })
        .collect();

    let mut vendors: BTreeMap<String, Summary> = BTreeMap::new();
    let mut totals = Summary::default();
    for c in &out {
        for s in [vendors.entry(c.vendor.clone()).or_default(), &mut totals] {
            add_to_summary(s, c);
        }
    }

    let peers = inputs
        .peer_runs
        .into_iter()
        .filter(|(_, r)| !r.fault_injection && r.status == "ran")
        .map(|(file, r)| to_peer(file, r, &runs))
        .collect();

    let matrix = Matrix {
        schema_version: SCHEMA_VERSION,
        generated_by: format!("hal-gen {} (cargo xtask matrix)", hal_gen_version()),
        levels: LEVELS.iter().map(|s| s.to_string()).collect(),
        capabilities: CAPABILITIES
            .iter()
            .map(|c| (c.to_string(), traits_of(c).to_string()))
            .collect(),
        inputs: InputsSummary {
            corpus_report: inputs.report_path,
            hal_record: inputs.hal_record,
            report_checks: inputs.report_checks,
            records,
            conformance_files: runs.len(),
            unmatched_runs,
        },
        families,
        vendors,
        totals,
        runs,
        chips: out,
        peers,
    };
    (matrix, warnings)
}

fn to_peer(file: String, r: ResultsFile, runs: &[Run]) -> Peer {
    let ours = runs
        .iter()
        .find(|g| g.board == r.board && g.backend == r.backend && g.status == "ran");
    let tests = |t: &[RunTest]| -> Vec<(String, String, String)> {
        t.iter()
            .map(|t| (t.capability.clone(), t.status.clone(), t.name.clone()))
            .collect()
    };
    let theirs: Vec<(String, String, String)> = r
        .tests
        .iter()
        .map(|t| (t.capability.clone(), t.status.clone(), t.name.clone()))
        .collect();
    let mut cells = BTreeMap::new();
    let mut generated = BTreeMap::new();
    for cap in CAPABILITIES {
        cells.insert(cap.to_string(), peer_cell(cap, &theirs, &r.backend));
        if let Some(g) = ours {
            generated.insert(
                cap.to_string(),
                peer_cell(cap, &tests(&g.tests), &g.backend),
            );
        }
    }
    Peer {
        hal: r.hal.unwrap_or_else(|| "unnamed HAL".into()),
        chip: r.chip,
        board: r.board,
        backend: r.backend,
        file,
        cells,
        generated,
    }
}

/// The chip cell rule on one run: a failed test shows, else a pass
/// verifies, else nothing was tested.
fn peer_cell(cap: &str, tests: &[(String, String, String)], backend: &str) -> PeerCell {
    let mine = tests.iter().filter(|(c, _, _)| c == cap);
    let count = |s: &str| mine.clone().filter(|(_, st, _)| st == s).count();
    let (pass, fail, skip) = (count("pass"), count("fail"), count("skip"));
    let failed: Vec<String> = mine
        .clone()
        .filter(|(_, st, _)| st == "fail")
        .map(|(_, _, n)| n.clone())
        .collect();
    let (level, label) = if fail > 0 {
        (
            "failed",
            format!("failed:{backend} ({fail} of {})", pass + fail),
        )
    } else if pass > 0 {
        ("verified", format!("verified:{backend} ({pass})"))
    } else {
        ("not-tested", "not tested".to_string())
    };
    PeerCell {
        level: level.into(),
        label,
        pass,
        fail,
        skip,
        failed,
    }
}

fn hal_gen_version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

fn traits_of(cap: &str) -> &'static str {
    hal_gen::catalogue::Capability::ALL
        .into_iter()
        .find(|c| c.as_str() == cap)
        .map_or("", |c| c.traits())
}

fn empty_summary_cells() -> BTreeMap<String, BTreeMap<String, usize>> {
    CAPABILITIES
        .iter()
        .map(|c| {
            let levels = LEVELS.iter().map(|l| (l.to_string(), 0)).collect();
            (c.to_string(), levels)
        })
        .collect()
}

fn add_to_summary(s: &mut Summary, c: &Chip) {
    if s.cells.is_empty() {
        s.cells = empty_summary_cells();
        for k in ["pass", "fail", "not-run"] {
            s.hal_build.insert(k.into(), 0);
        }
    }
    s.chips += 1;
    *s.hal_build.entry(c.build.hal_build.clone()).or_default() += 1;
    for (cap, cell) in &c.cells {
        *s.cells
            .entry(cap.clone())
            .or_default()
            .entry(cell.level.clone())
            .or_default() += 1;
    }
}

fn to_run(file: String, r: ResultsFile) -> Run {
    Run {
        file,
        chip_id: None,
        chip: r.chip,
        svd: r.svd,
        board: r.board,
        backend: r.backend,
        machine: r.machine,
        status: r.status,
        not_run_reason: r.not_run_reason,
        started_at: r.started_at,
        duration_s: r.duration_s,
        tools: r.tools,
        tests: r
            .tests
            .into_iter()
            .map(|t| RunTest {
                name: t.name,
                trait_: t.trait_,
                capability: t.capability,
                instance: t.instance,
                status: t.status,
                detail: t.detail,
                duration_ms: t.duration_ms,
            })
            .collect(),
    }
}

/// A results file names its chip by SVD (`svd/X.svd`, `corpus:Vendor/X.svd`,
/// `validation:Vendor/X.svd`); chip names alone are not unique in the corpus
/// (Fujitsu and Spansion share 85), so the name is used only when it is.
fn match_chip(run: &Run, chips: &[ChipInput], warnings: &mut Vec<String>) -> Option<String> {
    if let Some(c) = chips.iter().find(|c| c.id == run.svd) {
        let name = c.record.as_ref().map(|(r, _)| r.chip.as_str());
        if name.is_some_and(|n| n != run.chip) {
            warnings.push(format!(
                "{}: chip {:?} but {} is {:?}",
                run.file,
                run.chip,
                run.svd,
                name.unwrap_or_default()
            ));
        }
        return Some(c.id.clone());
    }
    let by_name: Vec<&ChipInput> = chips
        .iter()
        .filter(|c| c.record.as_ref().is_some_and(|(r, _)| r.chip == run.chip))
        .collect();
    match by_name.as_slice() {
        [one] => Some(one.id.clone()),
        _ => None,
    }
}

fn check(k: &Option<CheckResult>) -> Option<(bool, f64)> {
    k.as_ref().map(|k| (k.passed, round(k.seconds, 2)))
}

fn round(x: f64, digits: i32) -> f64 {
    let f = 10f64.powi(digits);
    (x * f).round() / f
}

fn to_build(r: Option<&ChipResult>) -> Build {
    let Some(r) = r else {
        return Build {
            hal_build: "not-run".into(),
            ..Build::default()
        };
    };
    let (pac_check, hal_clippy, hal_thumb) =
        (check(&r.check), check(&r.hal_check), check(&r.hal_thumb));
    let checks = [pac_check, hal_clippy, hal_thumb];
    // The HAL compiles when clippy ran and nothing failed; a failed PAC
    // check means the HAL (which depends on it) cannot compile either.
    let hal_build = if r.status != Status::Generated || checks.iter().flatten().any(|(ok, _)| !ok) {
        "fail"
    } else if hal_clippy.is_some() {
        "pass"
    } else {
        "not-run"
    };
    // A chip that did not generate has no HAL: that is a build failure only
    // when hal-gen was asked to build it, which it always is in the corpus.
    Build {
        generation: Some(
            match r.status {
                Status::Generated => "generated",
                Status::Failed => "failed",
                Status::Panicked => "panicked",
            }
            .into(),
        ),
        error: r.error.clone(),
        gen_ms: Some(round(r.gen_ms, 1)),
        peripherals: Some(r.peripherals),
        pac_check,
        hal_clippy,
        hal_thumb,
        hal_build: hal_build.into(),
    }
}

fn to_chip(
    c: ChipInput,
    origin: &str,
    families: &BTreeMap<String, FamilyInfo>,
    run_ids: Vec<usize>,
    runs: &[&Run],
) -> Chip {
    let build = to_build(c.report.as_ref());
    let record = c.record.as_ref().map(|(r, _)| r);
    let cells = CAPABILITIES
        .iter()
        .map(|cap| {
            let cov = record.and_then(|r| r.capabilities.get(*cap));
            (cap.to_string(), cell(cap, cov, &build, runs))
        })
        .collect();
    let chip_name = record
        .map(|r| r.chip.clone())
        .or_else(|| c.report.as_ref().and_then(|r| r.chip.clone()))
        .unwrap_or_else(|| c.id.rsplit('/').next().unwrap_or(&c.id).to_string());
    let cpu = record.and_then(|r| r.cpu.clone());
    let (peripherals, others) = record.map(|r| peripherals(r, families)).unwrap_or_default();
    Chip {
        core: core_name(cpu.as_deref()),
        cpu,
        target: record
            .and_then(|r| r.target_triple.clone())
            .or_else(|| c.report.as_ref().and_then(|r| r.target.clone())),
        pac_crate: record.map(|r| r.pac_crate.clone()),
        hal_crate: record.map(|r| r.hal_crate.clone()),
        peripherals,
        others,
        id: c.id,
        chip: chip_name,
        vendor: c.vendor,
        source: c.source.into(),
        curated: c.curated,
        record: origin.into(),
        build,
        cells,
        runs: run_ids,
    }
}

/// The cell rule (coverage/README.md): a failed conformance test shows, a
/// pass with no failure verifies, otherwise the coverage record decides,
/// and a generated driver whose HAL does not compile is `broken`.
fn cell(
    cap: &str,
    cov: Option<&super::input::RecordCapability>,
    build: &Build,
    runs: &[&Run],
) -> Cell {
    let (mut pass, mut fail, mut skip) = (0, 0, 0);
    let mut verified = BTreeSet::new();
    let mut failed = BTreeSet::new();
    for run in runs.iter().filter(|r| r.status == "ran") {
        let tests = run.tests.iter().filter(|t| t.capability == cap);
        let (mut p, mut f) = (0, 0);
        for t in tests {
            match t.status.as_str() {
                "pass" => p += 1,
                "fail" => f += 1,
                _ => skip += 1,
            }
        }
        pass += p;
        fail += f;
        if f > 0 {
            failed.insert(backend_label(run));
        } else if p > 0 {
            verified.insert(backend_label(run));
        }
    }
    let coverage = cov.map_or("unknown", |c| c.status.as_str()).to_string();
    let (level, backends): (&str, Vec<String>) = if !failed.is_empty() {
        ("failed", failed.into_iter().collect())
    } else if !verified.is_empty() {
        ("verified", verified.into_iter().collect())
    } else if coverage == "generated" && build.hal_build == "fail" {
        ("broken", vec![])
    } else {
        (coverage.as_str(), vec![])
    };
    let label = match level {
        "verified" | "failed" => format!("{level}:{}", backends.join(",")),
        "broken" => "generated✗".into(),
        l => l.into(),
    };
    Cell {
        level: level.into(),
        label,
        coverage: coverage.clone(),
        backends,
        pass,
        fail,
        skip,
        generated: cov.map(|c| c.generated.clone()).unwrap_or_default(),
        skeleton: cov.map(|c| c.skeleton.clone()).unwrap_or_default(),
    }
}

/// `qemu`, `renode`, or `board:<name>` for runs on hardware through probe-rs.
fn backend_label(run: &Run) -> String {
    match run.backend.as_str() {
        "probe-rs" => format!("board:{}", run.board),
        b => b.to_string(),
    }
}

/// A readable core name from the SVD's `<cpu><name>`.
pub fn core_name(cpu: Option<&str>) -> String {
    let Some(cpu) = cpu else {
        return "unknown".into();
    };
    let up = cpu.trim().to_ascii_uppercase();
    match up.as_str() {
        "CM0PLUS" | "CM0+" => "Cortex-M0+".into(),
        "ARM926EJS" => "ARM926EJ-S".into(),
        "SC000" | "SC300" => format!("SecurCore {up}"),
        _ => {
            if let Some(n) = up.strip_prefix("CM") {
                format!("Cortex-M{n}")
            } else if let Some(n) = up.strip_prefix("CA") {
                format!("Cortex-A{n}")
            } else if let Some(n) = up.strip_prefix("CR") {
                format!("Cortex-R{n}")
            } else {
                cpu.trim().to_string()
            }
        }
    }
}

fn binding(b: &RecordBinding) -> String {
    let line = b.line.map_or("?".to_string(), |l| l.to_string());
    match &b.field {
        Some(f) => format!("{}.{f}@{line}", b.register),
        None => format!("{}@{line}", b.register),
    }
}

/// Bindings in the order of `roles`, trailing unbound roles dropped.
fn bindings(m: &BTreeMap<String, RecordBinding>, roles: &[String]) -> Vec<Option<String>> {
    let mut v: Vec<Option<String>> = roles.iter().map(|r| m.get(r).map(binding)).collect();
    while v.last().is_some_and(Option::is_none) {
        v.pop();
    }
    v
}

/// (peripherals with a driver kind, names of the others).
fn peripherals(
    r: &Record,
    families: &BTreeMap<String, FamilyInfo>,
) -> (Vec<Peripheral>, Vec<String>) {
    let by_name: BTreeMap<&str, &super::input::RecordInstance> = r
        .instances
        .iter()
        .map(|i| (i.instance.as_str(), i))
        .collect();
    let (kinded, others): (Vec<_>, Vec<_>) = r
        .instances
        .iter()
        .partition(|i| !i.hinted.is_empty() || !i.matches.is_empty());
    let others = others.into_iter().map(|i| i.instance.clone()).collect();
    let kinded = kinded
        .into_iter()
        .map(|i| {
            let parent = i.registers_from.as_deref().and_then(|p| by_name.get(p));
            let matches = i
                .matches
                .iter()
                .map(|m| {
                    let fam = families.get(&m.family);
                    let roles = fam.map_or(&[][..], |f| &f.roles[..]);
                    let unit_roles = fam.map_or(&[][..], |f| &f.unit_roles[..]);
                    // Derived instances repeat their parent's registers (and
                    // SVD lines): point at the parent instead of repeating.
                    let same = parent.and_then(|p| {
                        p.matches
                            .iter()
                            .find(|pm| {
                                pm.family == m.family
                                    && pm.bindings == m.bindings
                                    && pm.units == m.units
                            })
                            .map(|_| p.instance.clone())
                    });
                    FamilyMatch {
                        family: m.family.clone(),
                        bound: m.bound,
                        roles: m.roles,
                        bindings: if same.is_some() {
                            vec![]
                        } else {
                            bindings(&m.bindings, roles)
                        },
                        units: if same.is_some() {
                            vec![]
                        } else {
                            m.units
                                .iter()
                                .map(|u| (u.id.clone(), bindings(&u.bindings, unit_roles)))
                                .collect()
                        },
                        same_as: same,
                        gate: m.clock_gate.as_ref().map(|g| {
                            let line = g.line.map_or("?".to_string(), |l| l.to_string());
                            format!("{}.{}.{}@{line}", g.peripheral, g.register, g.field)
                        }),
                    }
                })
                .collect();
            Peripheral {
                name: i.instance.clone(),
                from: i.registers_from.clone(),
                hinted: i.hinted.clone(),
                matches,
            }
        })
        .collect();
    (kinded, others)
}

/// Every family seen, with its kind and capabilities. A family's kind and
/// capabilities come from its catalogue file, so they agree across chips;
/// a disagreement would mean mixed records and is reported.
fn families(records: &[&Record], warnings: &mut Vec<String>) -> BTreeMap<String, FamilyInfo> {
    let mut out: BTreeMap<String, FamilyInfo> = BTreeMap::new();
    for r in records {
        for m in r.instances.iter().flat_map(|i| &i.matches) {
            let info = out.entry(m.family.clone()).or_insert_with(|| FamilyInfo {
                kind: m.kind.clone(),
                provides: m.provides.clone(),
                roles: vec![],
                unit_roles: vec![],
            });
            if (&info.kind, &info.provides) != (&m.kind, &m.provides) {
                warnings.push(format!(
                    "{}: family {} is {} providing {:?} here, {} providing {:?} elsewhere",
                    r.chip, m.family, m.kind, m.provides, info.kind, info.provides
                ));
            }
            info.roles.extend(m.bindings.keys().cloned());
            info.unit_roles
                .extend(m.units.iter().flat_map(|u| u.bindings.keys().cloned()));
        }
    }
    for f in out.values_mut() {
        for v in [&mut f.roles, &mut f.unit_roles] {
            v.sort();
            v.dedup();
        }
    }
    out
}
