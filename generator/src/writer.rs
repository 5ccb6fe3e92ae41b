//! Stage 4: put generated crates on disk without losing anything.
//!
//! Each top-level directory (`<chip>-pac`, `<chip>-hal`) is built complete
//! in a temporary sibling and then swapped into place with one atomic
//! `renameat2(RENAME_EXCHANGE)`, so a reader (or a crash) sees the old tree
//! or the new one, never a mix. A `.hal-gen.json` manifest records what
//! hal-gen wrote; anything else in the directory is a person's and is
//! carried over untouched. Generated files whose header hash no longer
//! matches were edited: hal-gen refuses to replace them without `--force`.

use crate::config::Config;
use crate::error::Error;
use crate::header::{self, Stamp};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

/// `<top-level dir>/<relative path>` → contents, sorted for determinism.
pub type FileTree = BTreeMap<String, String>;

pub const MANIFEST: &str = ".hal-gen.json";
/// Records the hash of each top-level report file (`<chip>.coverage.json`).
pub const REPORTS_MANIFEST: &str = ".hal-gen.reports.json";
const TMP_PREFIX: &str = ".hal-gen-tmp-";
const OLD_PREFIX: &str = ".hal-gen-old-";
/// Suffix of the new version of an edited file, written beside it.
pub const NEW_SUFFIX: &str = ".hal-gen-new";

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
struct Manifest {
    generator: String,
    source: String,
    /// Relative path → hash of the whole file as written.
    files: BTreeMap<String, String>,
}

impl Manifest {
    fn new(files: &BTreeMap<String, String>, source: &str) -> Self {
        Self {
            generator: format!("hal-gen {}", env!("CARGO_PKG_VERSION")),
            source: source.to_string(),
            files: files
                .iter()
                .map(|(p, c)| (p.clone(), header::hash(c)))
                .collect(),
        }
    }

    fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("manifest serialises") + "\n"
    }
}

/// The tree grouped by top-level directory: directory → relative path → contents.
pub(crate) fn by_directory(tree: &FileTree) -> BTreeMap<String, BTreeMap<String, String>> {
    let mut dirs: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for (path, contents) in tree {
        let (dir, rel) = path.split_once('/').unwrap_or(("", path));
        dirs.entry(dir.to_string())
            .or_default()
            .insert(rel.to_string(), contents.clone());
    }
    dirs
}

/// The manifest text the writer puts beside `files` (relative paths).
pub(crate) fn manifest_text(files: &BTreeMap<String, String>, source: &str) -> String {
    Manifest::new(files, source).to_json()
}

/// The files an existing output directory's manifest says hal-gen wrote,
/// or `None` if it has no readable manifest (not hal-gen's).
pub(crate) fn recorded_files(target: &Path) -> Option<Vec<String>> {
    let text = fs::read_to_string(target.join(MANIFEST)).ok()?;
    let manifest: Manifest = serde_json::from_str(&text).ok()?;
    Some(manifest.files.into_keys().collect())
}

/// Every path in the tree must stay below `out`: relative, with plain
/// components only. The generator never
/// makes another kind; this is the backstop that keeps a missed case in a
/// name repair from writing outside `-o`.
fn check_paths(out: &Path, tree: &FileTree) -> Result<(), Error> {
    for path in tree.keys() {
        let ok = path.split('/').all(|c| {
            !c.is_empty()
                && c != "."
                && c != ".."
                && !c.contains(['\\', '\0', ':'])
                && !c.starts_with(TMP_PREFIX)
                && !c.starts_with(OLD_PREFIX)
        });
        if !ok {
            return Err(Error::UnsafePath {
                path: out.join(path),
            });
        }
    }
    Ok(())
}

#[derive(Debug, Default)]
pub struct WriteReport {
    /// Directories replaced with new content.
    pub written: Vec<PathBuf>,
    /// Directories whose content was already identical.
    pub unchanged: Vec<PathBuf>,
    /// Files a person added, carried over into the new tree.
    pub kept: Vec<PathBuf>,
}

/// What regeneration would do to one directory.
struct Plan {
    dir: String,
    target: PathBuf,
    files: BTreeMap<String, String>,
    manifest: Manifest,
    /// Hand-written files (relative path) to carry over.
    keep: Vec<String>,
    unchanged: bool,
}

pub fn write_output(
    out: &Path,
    tree: &FileTree,
    source: &str,
    config: &Config,
) -> Result<WriteReport, Error> {
    check_paths(out, tree)?;
    if out.is_dir() {
        clean_leftovers(out);
    }
    clean_staging_leftovers(out);
    // Decide everything before writing anything.
    let mut plans = Vec::new();
    let mut edited = Vec::new();
    let (reports, dirs): (BTreeMap<_, _>, BTreeMap<_, _>) = by_directory(tree)
        .into_iter()
        .partition(|(dir, _)| dir.is_empty());
    let reports = reports.into_values().next().unwrap_or_default();
    let report_plan = plan_reports(out, &reports, config)?;
    for (dir, files) in dirs {
        let target = out.join(&dir);
        let manifest = Manifest::new(&files, source);
        let mut plan = Plan {
            dir,
            target,
            files,
            manifest,
            keep: Vec::new(),
            unchanged: false,
        };
        inspect_existing(&mut plan, plans.len(), config, &mut edited)?;
        plans.push(plan);
    }
    if !edited.is_empty() || !report_plan.edited.is_empty() {
        for name in &report_plan.edited {
            let beside = out.join(format!("{name}{NEW_SUFFIX}"));
            fs::write(&beside, &reports[name]).map_err(write_error(&beside))?;
        }
        // Leave the new versions beside the edited files for merging.
        for (plan, rel) in &edited {
            let plan: &Plan = &plans[*plan];
            if let Some(new) = plan.files.get(rel) {
                let beside = plan.target.join(format!("{rel}{NEW_SUFFIX}"));
                fs::write(&beside, new).map_err(write_error(&beside))?;
            }
        }
        return Err(Error::Edited {
            files: edited
                .iter()
                .map(|(i, rel)| out.join(&plans[*i].dir).join(rel).display().to_string())
                .chain(
                    report_plan
                        .edited
                        .iter()
                        .map(|n| out.join(n).display().to_string()),
                )
                .collect(),
        });
    }

    fs::create_dir_all(out).map_err(write_error(out))?;
    if let Some(report) = swap_whole_output(out, &plans, &reports, &report_plan)? {
        return Ok(report);
    }
    // OUT holds things that are not hal-gen's: each crate directory is
    // swapped on its own (atomic per crate), then the reports.
    let mut report = WriteReport::default();
    for plan in plans {
        if plan.unchanged {
            report.unchanged.push(plan.target);
            continue;
        }
        let tmp = out.join(format!("{TMP_PREFIX}{}-{}", plan.dir, std::process::id()));
        let result = build_tree(&tmp, &plan).and_then(|kept| {
            swap_into_place(out, &tmp, &plan)?;
            Ok(kept)
        });
        match result {
            Ok(kept) => {
                report.kept.extend(kept);
                report.written.push(plan.target);
            }
            Err(e) => {
                let _ = fs::remove_dir_all(&tmp);
                return Err(e);
            }
        }
    }
    write_reports(out, &reports, report_plan, &mut report)?;
    Ok(report)
}

/// The staging tree of a whole-output swap: a hidden sibling of OUT.
fn staging_prefix(out_name: &str) -> String {
    format!(".{out_name}{TMP_PREFIX}")
}

/// OUT's parent directory and OUT's own name, resolved.
fn parent_and_name(out: &Path) -> Option<(PathBuf, String)> {
    let canon = out.canonicalize().ok()?;
    let parent = canon.parent()?.to_path_buf();
    let name = canon.file_name()?.to_string_lossy().into_owned();
    Some((parent, name))
}

/// When every entry of OUT is hal-gen's (its crate directories, its
/// reports and their manifest, the `*.hal-gen-new` it left), build the
/// complete new OUT beside it and exchange the two in one
/// `renameat2(RENAME_EXCHANGE)`: a crash, or a reader, sees the whole old
/// output or the whole new one, across all crates and reports. Returns
/// `None` (nothing done) when OUT holds anything else, or when nothing
/// would change, or when the filesystem cannot exchange.
fn swap_whole_output(
    out: &Path,
    plans: &[Plan],
    reports: &BTreeMap<String, String>,
    report_plan: &ReportPlan,
) -> Result<Option<WriteReport>, Error> {
    let reports_unchanged = reports
        .iter()
        .all(|(name, c)| fs::read_to_string(out.join(name)).ok().as_deref() == Some(c.as_str()));
    if plans.iter().all(|p| p.unchanged) && reports_unchanged {
        return Ok(None);
    }
    let Some((parent, out_name)) = parent_and_name(out) else {
        return Ok(None);
    };
    // Everything in OUT must be accounted for; top-level files that are
    // not rewritten (older reports, their manifest) are carried over.
    let mut carry = Vec::new();
    for entry in fs::read_dir(out).map_err(write_error(out))?.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        let planned_dir = plans.iter().any(|p| p.dir == name);
        if planned_dir && is_dir || reports.contains_key(&name) && !is_dir {
            continue;
        }
        let ours = name == REPORTS_MANIFEST
            || report_plan.recorded.contains_key(&name)
            || name.ends_with(NEW_SUFFIX);
        if !ours || is_dir {
            return Ok(None);
        }
        carry.push(name);
    }

    let staging = parent.join(format!(
        "{}{}",
        staging_prefix(&out_name),
        std::process::id()
    ));
    let built = (|| -> Result<WriteReport, Error> {
        let _ = fs::remove_dir_all(&staging);
        fs::create_dir_all(&staging).map_err(write_error(&staging))?;
        let mut report = WriteReport::default();
        for plan in plans {
            report
                .kept
                .extend(build_tree(&staging.join(&plan.dir), plan)?);
            if plan.unchanged {
                report.unchanged.push(plan.target.clone());
            } else {
                report.written.push(plan.target.clone());
            }
        }
        let mut recorded = report_plan.recorded.clone();
        for (name, contents) in reports {
            let path = staging.join(name);
            fs::write(&path, contents).map_err(write_error(&path))?;
            recorded.insert(name.clone(), header::hash(contents));
            let target = out.join(name);
            if fs::read_to_string(&target).ok().as_deref() == Some(contents.as_str()) {
                report.unchanged.push(target);
            } else {
                report.written.push(target);
            }
        }
        for name in &carry {
            if name == REPORTS_MANIFEST && !reports.is_empty() {
                continue;
            }
            let to = staging.join(name);
            fs::copy(out.join(name), &to).map_err(write_error(&to))?;
        }
        if !reports.is_empty() {
            let manifest = serde_json::to_string_pretty(&recorded).expect("map serialises") + "\n";
            let path = staging.join(REPORTS_MANIFEST);
            fs::write(&path, manifest).map_err(write_error(&path))?;
        }
        Ok(report)
    })();
    let report = match built {
        Ok(report) => report,
        Err(e) => {
            let _ = fs::remove_dir_all(&staging);
            return Err(e);
        }
    };
    let live = parent.join(&out_name);
    let exchanged = rustix::fs::renameat_with(
        rustix::fs::CWD,
        &staging,
        rustix::fs::CWD,
        &live,
        rustix::fs::RenameFlags::EXCHANGE,
    );
    if exchanged.is_err() {
        // No RENAME_EXCHANGE here: fall back to per-crate swaps.
        let _ = fs::remove_dir_all(&staging);
        return Ok(None);
    }
    // `staging` now holds the old output.
    fs::remove_dir_all(&staging).map_err(write_error(&staging))?;
    Ok(Some(report))
}

/// Remove the staging tree of a whole-output swap that a killed run left
/// beside OUT (before the exchange it is the unfinished new output, after
/// it the old one: never live).
fn clean_staging_leftovers(out: &Path) {
    let Some((parent, out_name)) = parent_and_name(out) else {
        return;
    };
    let prefix = staging_prefix(&out_name);
    let Ok(entries) = fs::read_dir(&parent) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let pid = name.strip_prefix(&prefix).unwrap_or("x");
        if !pid.is_empty() && pid.chars().all(|c| c.is_ascii_digit()) {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

#[derive(Default)]
struct ReportPlan {
    /// Name → hash, as the reports manifest will record them.
    recorded: BTreeMap<String, String>,
    edited: Vec<String>,
}

/// Top-level report files are replaced only when the reports manifest says
/// hal-gen wrote the version on disk.
fn plan_reports(
    out: &Path,
    reports: &BTreeMap<String, String>,
    config: &Config,
) -> Result<ReportPlan, Error> {
    let mut plan = ReportPlan {
        recorded: fs::read_to_string(out.join(REPORTS_MANIFEST))
            .ok()
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or_default(),
        edited: Vec::new(),
    };
    for (name, contents) in reports {
        let Ok(existing) = fs::read_to_string(out.join(name)) else {
            continue;
        };
        let ours = plan.recorded.get(name) == Some(&header::hash(&existing));
        if !ours && existing != *contents && !config.force {
            plan.edited.push(name.clone());
        }
    }
    Ok(plan)
}

fn write_reports(
    out: &Path,
    reports: &BTreeMap<String, String>,
    mut plan: ReportPlan,
    report: &mut WriteReport,
) -> Result<(), Error> {
    if reports.is_empty() {
        return Ok(());
    }
    for (name, contents) in reports {
        let target = out.join(name);
        if fs::read_to_string(&target).ok().as_deref() == Some(contents.as_str()) {
            report.unchanged.push(target);
        } else {
            atomic_write(out, &target, contents)?;
            report.written.push(target);
        }
        plan.recorded.insert(name.clone(), header::hash(contents));
    }
    let manifest = serde_json::to_string_pretty(&plan.recorded).expect("map serialises") + "\n";
    atomic_write(out, &out.join(REPORTS_MANIFEST), &manifest)
}

/// Write a single file through a temporary sibling and a rename.
fn atomic_write(out: &Path, target: &Path, contents: &str) -> Result<(), Error> {
    let tmp = out.join(format!("{TMP_PREFIX}file-{}", std::process::id()));
    fs::write(&tmp, contents).map_err(write_error(&tmp))?;
    fs::rename(&tmp, target).map_err(write_error(target))
}

/// Check an existing output directory: is it ours, what was edited, what
/// did a person add, and is regeneration a no-op?
fn inspect_existing(
    plan: &mut Plan,
    plan_index: usize,
    config: &Config,
    edited: &mut Vec<(usize, String)>,
) -> Result<(), Error> {
    let target = &plan.target;
    if !target.exists() {
        return Ok(());
    }
    let manifest_path = target.join(MANIFEST);
    let old: Option<Manifest> = fs::read_to_string(&manifest_path)
        .ok()
        .and_then(|s| serde_json::from_str(&s).ok());
    let Some(old) = old.filter(|_| target.is_dir()) else {
        if config.force {
            return Ok(());
        }
        return Err(Error::ForeignOutput {
            path: target.clone(),
        });
    };
    let mut on_disk = Vec::new();
    walk(target, target, &mut on_disk);
    let mut any_edit = false;
    for rel in on_disk {
        if rel == MANIFEST || rel.ends_with(NEW_SUFFIX) {
            continue;
        }
        let Some(recorded) = old.files.get(&rel) else {
            plan.keep.push(rel);
            continue;
        };
        let contents = fs::read_to_string(target.join(&rel)).unwrap_or_default();
        let changed = match header::check(&contents) {
            Stamp::Intact => false,
            Stamp::Edited => true,
            Stamp::None => &header::hash(&contents) != recorded,
        };
        if changed {
            any_edit = true;
            if !config.force {
                edited.push((plan_index, rel));
            }
        }
    }
    // A person's file where hal-gen now wants to write one.
    for rel in &plan.keep {
        if plan.files.contains_key(rel) && !config.force {
            edited.push((plan_index, rel.clone()));
        }
    }
    plan.keep.retain(|rel| !plan.files.contains_key(rel));
    plan.unchanged = !any_edit && old == plan.manifest;
    Ok(())
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            walk(root, &path, out);
        } else if let Ok(rel) = path.strip_prefix(root) {
            out.push(rel.to_string_lossy().replace('\\', "/"));
        }
    }
}

fn build_tree(tmp: &Path, plan: &Plan) -> Result<Vec<PathBuf>, Error> {
    let _ = fs::remove_dir_all(tmp);
    fs::create_dir_all(tmp).map_err(write_error(tmp))?;
    for (rel, contents) in &plan.files {
        let path = tmp.join(rel);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(write_error(parent))?;
        }
        fs::write(&path, contents).map_err(write_error(&path))?;
    }
    let manifest = plan.manifest.to_json();
    let mpath = tmp.join(MANIFEST);
    fs::write(&mpath, manifest).map_err(write_error(&mpath))?;
    let mut kept = Vec::new();
    for rel in &plan.keep {
        let (from, to) = (plan.target.join(rel), tmp.join(rel));
        if let Some(parent) = to.parent() {
            fs::create_dir_all(parent).map_err(write_error(parent))?;
        }
        fs::copy(&from, &to).map_err(write_error(&to))?;
        kept.push(from);
    }
    Ok(kept)
}

/// Replace `plan.target` with `tmp` atomically where the OS allows.
fn swap_into_place(out: &Path, tmp: &Path, plan: &Plan) -> Result<(), Error> {
    let target = &plan.target;
    let werr = |source| Error::Write {
        path: target.clone(),
        source,
    };
    if !target.exists() {
        return fs::rename(tmp, target).map_err(werr);
    }
    let exchanged = rustix::fs::renameat_with(
        rustix::fs::CWD,
        tmp,
        rustix::fs::CWD,
        target,
        rustix::fs::RenameFlags::EXCHANGE,
    );
    let old = match exchanged {
        // tmp now holds the old tree.
        Ok(()) => tmp.to_path_buf(),
        Err(_) => {
            // No RENAME_EXCHANGE on this filesystem: two renames. A crash
            // between them leaves the old tree under OLD_PREFIX, and the
            // next run puts it back before doing anything else.
            let old = out.join(format!("{OLD_PREFIX}{}-{}", plan.dir, std::process::id()));
            fs::rename(target, &old).map_err(werr)?;
            fs::rename(tmp, target).map_err(werr)?;
            old
        }
    };
    fs::remove_dir_all(&old).map_err(werr)
}

/// Tidy up after a killed run: a temporary tree is never live output and is
/// removed; an old tree whose live directory is missing (a crash between
/// the two fallback renames) is put back.
fn clean_leftovers(out: &Path) {
    let Ok(entries) = fs::read_dir(out) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with(TMP_PREFIX) {
            let _ = fs::remove_dir_all(entry.path());
            let _ = fs::remove_file(entry.path());
        } else if let Some(rest) = name.strip_prefix(OLD_PREFIX) {
            let dir = rest.rsplit_once('-').map_or(rest, |(d, _pid)| d);
            let live = out.join(dir);
            if live.exists() {
                let _ = fs::remove_dir_all(entry.path());
            } else {
                let _ = fs::rename(entry.path(), live);
            }
        }
    }
}

/// Map an I/O error to `Error::Write` naming `path`.
fn write_error(path: &Path) -> impl FnOnce(std::io::Error) -> Error {
    let path = path.to_path_buf();
    move |source| Error::Write { path, source }
}
