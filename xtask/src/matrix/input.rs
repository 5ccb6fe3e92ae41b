//! The matrix's inputs as read from disk: coverage records (written by
//! `hal_gen::coverage`), conformance results files, and the corpus report.
//! Typed mirrors with only what the matrix uses, so a record written by a
//! newer hal-gen with extra keys still reads.

use anyhow::{bail, Context, Result};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The capability keys of a coverage record, in display order.
pub const CAPABILITIES: [&str; 6] = hal_gen::catalogue::Capability::NAMES;

#[derive(Debug, Clone, Deserialize)]
pub struct Record {
    pub schema_version: u32,
    pub chip: String,
    pub vendor: Option<String>,
    pub svd_file: String,
    pub cpu: Option<String>,
    pub target_triple: Option<String>,
    pub pac_crate: String,
    pub hal_crate: String,
    pub capabilities: BTreeMap<String, RecordCapability>,
    pub instances: Vec<RecordInstance>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RecordCapability {
    pub status: String,
    pub generated: Vec<String>,
    pub skeleton: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RecordInstance {
    pub instance: String,
    #[serde(default)]
    pub registers_from: Option<String>,
    pub hinted: Vec<String>,
    pub matches: Vec<RecordMatch>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RecordMatch {
    pub family: String,
    pub kind: String,
    pub provides: Vec<String>,
    pub bound: usize,
    pub roles: usize,
    pub bindings: BTreeMap<String, RecordBinding>,
    #[serde(default)]
    pub units: Vec<RecordUnit>,
    #[serde(default)]
    pub clock_gate: Option<RecordGate>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct RecordBinding {
    pub register: String,
    #[serde(default)]
    pub field: Option<String>,
    #[serde(default)]
    pub line: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct RecordUnit {
    pub id: String,
    pub bindings: BTreeMap<String, RecordBinding>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RecordGate {
    pub peripheral: String,
    pub register: String,
    pub field: String,
    #[serde(default)]
    pub line: Option<u32>,
}

impl Record {
    pub fn read(path: &Path) -> Result<Self> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let record: Record = serde_json::from_str(&text)
            .with_context(|| format!("{}: not a coverage record", path.display()))?;
        if record.schema_version != 1 {
            bail!(
                "{}: coverage record schema_version {} (this matrix reads 1)",
                path.display(),
                record.schema_version
            );
        }
        for cap in CAPABILITIES {
            if !record.capabilities.contains_key(cap) {
                bail!("{}: capabilities.{cap} is missing", path.display());
            }
        }
        Ok(record)
    }

    /// A record computed in this process (`--classify-missing`).
    pub fn from_library(record: &hal_gen::coverage::CoverageRecord) -> Result<Self> {
        Ok(serde_json::from_value(serde_json::to_value(record)?)?)
    }
}

/// One conformance results file: a (board, backend) run for one chip.
#[derive(Debug, Clone, Deserialize)]
pub struct ResultsFile {
    pub schema_version: u32,
    /// Set on a run of a HAL hal-gen did not generate (a peer).
    #[serde(default)]
    pub hal: Option<String>,
    pub chip: String,
    pub svd: String,
    pub board: String,
    pub backend: String,
    pub machine: String,
    pub status: String,
    #[serde(default)]
    pub not_run_reason: Option<String>,
    /// A run with each test under its twin fault: evidence that the tests
    /// can fail, not of what the HAL does, so the matrix leaves it out.
    #[serde(default)]
    pub fault_injection: bool,
    #[serde(default)]
    pub started_at: Option<String>,
    #[serde(default)]
    pub duration_s: Option<f64>,
    #[serde(default)]
    pub tools: BTreeMap<String, String>,
    #[serde(default)]
    pub tests: Vec<TestResult>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TestResult {
    pub name: String,
    #[serde(rename = "trait")]
    pub trait_: String,
    pub capability: String,
    #[serde(default)]
    pub instance: Option<String>,
    pub status: String,
    #[serde(default)]
    pub detail: String,
    #[serde(default)]
    pub duration_ms: Option<f64>,
}

pub const BACKENDS: [&str; 3] = ["qemu", "renode", "probe-rs"];

impl ResultsFile {
    pub fn read(path: &Path) -> Result<Self> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let r: ResultsFile = serde_json::from_str(&text)
            .with_context(|| format!("{}: not a conformance results file", path.display()))?;
        r.validate()
            .with_context(|| format!("{}: invalid conformance results", path.display()))?;
        Ok(r)
    }

    fn validate(&self) -> Result<()> {
        if self.schema_version != 1 {
            bail!(
                "schema_version {} (this matrix reads 1)",
                self.schema_version
            );
        }
        if !BACKENDS.contains(&self.backend.as_str()) {
            bail!("backend {:?} is not one of {BACKENDS:?}", self.backend);
        }
        match self.status.as_str() {
            "ran" => {}
            "not-run" if self.not_run_reason.is_some() => {}
            "not-run" => bail!("status not-run needs a not_run_reason"),
            s => bail!("status {s:?} is not ran or not-run"),
        }
        for (i, t) in self.tests.iter().enumerate() {
            if !CAPABILITIES.contains(&t.capability.as_str()) {
                bail!(
                    "tests[{i}] ({}): capability {:?} is not one of {CAPABILITIES:?}",
                    t.name,
                    t.capability
                );
            }
            if !["pass", "fail", "skip"].contains(&t.status.as_str()) {
                bail!(
                    "tests[{i}] ({}): status {:?} is not pass, fail or skip",
                    t.name,
                    t.status
                );
            }
        }
        Ok(())
    }
}

/// Every `*.json` in `dir` (not recursive), sorted; none if it does not exist.
pub fn results_files(dir: &Path) -> Result<Vec<(PathBuf, ResultsFile)>> {
    let mut paths = Vec::new();
    if dir.is_dir() {
        for e in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
            let p = e?.path();
            if p.extension().is_some_and(|x| x == "json") {
                paths.push(p);
            }
        }
    }
    paths.sort();
    let mut files = Vec::new();
    for p in paths {
        let r = ResultsFile::read(&p)?;
        if !r.fault_injection {
            files.push((p, r));
        }
    }
    Ok(files)
}

/// Coverage records under `corpus-out/<Vendor>/<svd stem>/*.coverage.json`,
/// keyed by (vendor, svd stem).
pub fn corpus_records(dir: &Path) -> Result<BTreeMap<(String, String), PathBuf>> {
    let mut out = BTreeMap::new();
    if !dir.is_dir() {
        return Ok(out);
    }
    for vendor in sorted_dir(dir)? {
        if !vendor.is_dir() {
            continue;
        }
        for chip in sorted_dir(&vendor)? {
            if !chip.is_dir() {
                continue;
            }
            let records: Vec<PathBuf> = sorted_dir(&chip)?
                .into_iter()
                .filter(|p| p.to_string_lossy().ends_with(".coverage.json"))
                .collect();
            match records.as_slice() {
                [] => {}
                [one] => {
                    out.insert((file_name(&vendor), file_name(&chip)), one.clone());
                }
                _ => bail!("{}: more than one coverage record", chip.display()),
            }
        }
    }
    Ok(out)
}

fn sorted_dir(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    v.sort();
    Ok(v)
}

pub fn file_name(p: &Path) -> String {
    p.file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned()
}
