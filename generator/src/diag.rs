//! Diagnostics: every repair hal-gen makes to an SVD, with its location.

use serde::Serialize;
use std::fmt;

/// A position in the SVD source (1-based line and column, 0-based byte offset).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Location {
    pub line: u32,
    pub col: u32,
    #[serde(skip)]
    pub offset: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    /// The SVD was changed so that it can be generated.
    Repair,
    /// Something looks wrong but was kept as written.
    Warning,
}

/// One thing the loader or a repair pass has to say about the SVD.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Stable, kebab-case name of the check (for example `reset-value-too-wide`).
    pub code: &'static str,
    /// SVD path of the element, e.g. `GPIOA.MODER.MODER0`.
    pub path: String,
    pub location: Option<Location>,
    /// What was found and what was done about it.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.severity {
            Severity::Repair => "repaired",
            Severity::Warning => "warning",
        };
        match self.location {
            Some(l) => write!(f, "{}:{}: ", l.line, l.col)?,
            None => write!(f, "-: ")?,
        }
        write!(f, "{kind} [{}] {}: {}", self.code, self.path, self.message)
    }
}

/// The diagnostics of one SVD, kept in source order for stable output.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(transparent)]
pub struct Diagnostics(Vec<Diagnostic>);

impl Diagnostics {
    pub fn push(&mut self, d: Diagnostic) {
        self.0.push(d);
    }

    pub fn repair(
        &mut self,
        code: &'static str,
        path: impl Into<String>,
        location: Option<Location>,
        message: impl Into<String>,
    ) {
        self.add(
            Severity::Repair,
            code,
            path.into(),
            location,
            message.into(),
        );
    }

    pub fn warn(
        &mut self,
        code: &'static str,
        path: impl Into<String>,
        location: Option<Location>,
        message: impl Into<String>,
    ) {
        self.add(
            Severity::Warning,
            code,
            path.into(),
            location,
            message.into(),
        );
    }

    fn add(
        &mut self,
        severity: Severity,
        code: &'static str,
        path: String,
        location: Option<Location>,
        message: String,
    ) {
        self.push(Diagnostic {
            severity,
            code,
            path,
            location,
            message,
        });
    }

    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter()
    }

    pub fn repairs(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter().filter(|d| d.severity == Severity::Repair)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Sort by location so output does not depend on the order passes ran in.
    pub fn sort(&mut self) {
        self.0
            .sort_by(|a, b| (a.location, a.code, &a.path).cmp(&(b.location, b.code, &b.path)));
    }
}
