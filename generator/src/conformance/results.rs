//! The results JSON of one run: what the matrix reads. Schema version 1 is
//! documented in `docs/conformance/README.md`.

use super::protocol::Status;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Results {
    pub schema_version: u32,
    /// The HAL under test when it is not the one hal-gen generated (a
    /// `--firmware` run), as its harness names it: `nrf51-hal 0.19.0`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hal: Option<String>,
    /// The SVD's device name, as in the coverage record.
    pub chip: String,
    pub svd: String,
    pub board: String,
    /// qemu | renode | probe-rs
    pub backend: String,
    /// QEMU machine, Renode platform or probe-rs chip.
    pub machine: String,
    /// ran | not-run
    pub status: String,
    pub not_run_reason: Option<String>,
    /// Fault injection was on: each test ran under its own twin fault and
    /// is expected to fail.
    pub fault_injection: bool,
    /// UTC, RFC 3339.
    pub started_at: String,
    pub duration_s: f64,
    /// Building the harness, seconds (not part of `duration_s`).
    pub build_s: f64,
    pub tools: BTreeMap<String, String>,
    pub tests: Vec<TestResult>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TestResult {
    pub name: String,
    #[serde(rename = "trait")]
    pub trait_path: String,
    pub capability: String,
    pub instance: String,
    pub status: Status,
    pub detail: String,
    /// Host time from the previous result line to this one.
    pub duration_ms: f64,
    /// In a fault-injection run: the twin fault this test ran under.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fault: Option<String>,
}

impl Results {
    pub fn count(&self, status: Status) -> usize {
        self.tests.iter().filter(|t| t.status == status).count()
    }

    /// `N passed, N failed, N skipped; run S s, build S s`.
    pub fn summary(&self) -> String {
        format!(
            "{} passed, {} failed, {} skipped; run {:.1} s, build {:.1} s",
            self.count(Status::Pass),
            self.count(Status::Fail),
            self.count(Status::Skip),
            self.duration_s,
            self.build_s
        )
    }

    /// Every test passed or was skipped, and the run happened.
    pub fn passed(&self) -> bool {
        self.status == "ran" && self.count(Status::Fail) == 0
    }

    /// capability → (passed, failed, skipped).
    pub fn by_capability(&self) -> BTreeMap<String, (usize, usize, usize)> {
        let mut m: BTreeMap<String, (usize, usize, usize)> = BTreeMap::new();
        for t in &self.tests {
            let e = m.entry(t.capability.clone()).or_default();
            match t.status {
                Status::Pass => e.0 += 1,
                Status::Fail => e.1 += 1,
                Status::Skip => e.2 += 1,
            }
        }
        m
    }
}

/// Now, as RFC 3339 UTC, without a date crate.
pub fn now_rfc3339() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Civil from days (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}
