//! `hal-gen --diff`: what regeneration would change in an output directory,
//! without writing anything.
//!
//! The comparison covers exactly what [`write_output`](crate::write_output)
//! would put on disk: every generated file and each crate's `.hal-gen.json`
//! manifest are compared with the files there now; a file the old manifest
//! lists that the new generation no longer has is reported as removed, and
//! so is a stale `*.hal-gen-new` (the writer drops them). Files a person
//! added are kept by the writer, so they are not part of the diff. Top-level
//! directories that are not in the new tree are left alone by the writer and
//! are not looked at.

use crate::error::Error;
use crate::writer::{self, FileTree, MANIFEST, NEW_SUFFIX};
use std::fmt::Write as _;
use std::fs;
use std::path::Path;

/// How one file would change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// Not on disk; regeneration creates it.
    Added,
    /// On disk, generated before; regeneration deletes it.
    Removed,
    /// On disk with other contents; regeneration replaces it.
    Modified,
}

/// One changed file, by path relative to the output directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileDiff {
    pub path: String,
    pub change: Change,
    /// What is on disk now (`None` when added).
    pub old: Option<Vec<u8>>,
    /// What regeneration writes (`None` when removed).
    pub new: Option<String>,
}

/// Every file regeneration would change, sorted by path.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutputDiff {
    pub files: Vec<FileDiff>,
}

impl OutputDiff {
    /// Regeneration would change nothing.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    pub fn count(&self, change: Change) -> usize {
        self.files.iter().filter(|f| f.change == change).count()
    }

    /// A unified diff per changed file (3 lines of context), `a/` the
    /// output directory as it is, `b/` as regeneration would leave it.
    pub fn unified(&self) -> String {
        let mut out = String::new();
        for f in &self.files {
            let (a, b) = match f.change {
                Change::Added => ("/dev/null".to_string(), format!("b/{}", f.path)),
                Change::Removed => (format!("a/{}", f.path), "/dev/null".to_string()),
                Change::Modified => (format!("a/{}", f.path), format!("b/{}", f.path)),
            };
            let old = match f.old.as_deref().map(std::str::from_utf8) {
                None => "",
                Some(Ok(text)) => text,
                Some(Err(_)) => {
                    let _ = writeln!(out, "Binary files {a} and {b} differ");
                    continue;
                }
            };
            let new = f.new.as_deref().unwrap_or("");
            let text = similar::TextDiff::from_lines(old, new);
            let _ = write!(
                out,
                "{}",
                text.unified_diff().context_radius(3).header(&a, &b)
            );
        }
        out
    }

    /// One line per file: `A`, `D` or `M` and the path.
    pub fn summary(&self) -> String {
        let mut out = String::new();
        for f in &self.files {
            let tag = match f.change {
                Change::Added => 'A',
                Change::Removed => 'D',
                Change::Modified => 'M',
            };
            let _ = writeln!(out, "{tag} {}", f.path);
        }
        out
    }
}

/// Compare the generated `tree` (written from SVD file name `source`) with
/// what is in `out`. Reads only; never writes.
pub fn diff_output(out: &Path, tree: &FileTree, source: &str) -> Result<OutputDiff, Error> {
    let mut files = Vec::new();
    for (dir, generated) in writer::by_directory(tree) {
        if dir.is_empty() {
            // Files at the top of OUT (reports), not in a crate directory:
            // each is compared on its own.
            for (rel, new) in &generated {
                if let Some(change) = compare(&out.join(rel), rel, new)? {
                    files.push(change);
                }
            }
            continue;
        }
        let target = out.join(&dir);
        let mut wanted = generated.clone();
        wanted.insert(
            MANIFEST.to_string(),
            writer::manifest_text(&generated, source),
        );
        for (rel, new) in &wanted {
            if let Some(change) = compare(&target.join(rel), &format!("{dir}/{rel}"), new)? {
                files.push(change);
            }
        }
        // What the writer would drop: files it generated before and no
        // longer does, and the new versions it left beside edited files.
        let mut gone: Vec<String> = writer::recorded_files(&target)
            .unwrap_or_default()
            .into_iter()
            .filter(|rel| !wanted.contains_key(rel))
            .collect();
        if target.is_dir() {
            let mut on_disk = Vec::new();
            walk(&target, &target, &mut on_disk);
            gone.extend(on_disk.into_iter().filter(|rel| rel.ends_with(NEW_SUFFIX)));
        }
        gone.sort();
        gone.dedup();
        for rel in gone {
            if let Some(old) = read_if_file(&target.join(&rel))? {
                files.push(FileDiff {
                    path: format!("{dir}/{rel}"),
                    change: Change::Removed,
                    old: Some(old),
                    new: None,
                });
            }
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(OutputDiff { files })
}

/// How the file at `path` (shown as `display`) would change to hold `new`.
fn compare(path: &Path, display: &str, new: &str) -> Result<Option<FileDiff>, Error> {
    Ok(match read_if_file(path)? {
        None => Some(FileDiff {
            path: display.to_string(),
            change: Change::Added,
            old: None,
            new: Some(new.to_string()),
        }),
        Some(old) if old != new.as_bytes() => Some(FileDiff {
            path: display.to_string(),
            change: Change::Modified,
            old: Some(old),
            new: Some(new.to_string()),
        }),
        Some(_) => None,
    })
}

/// The bytes of a regular file, `None` if there is none at `path`.
fn read_if_file(path: &Path) -> Result<Option<Vec<u8>>, Error> {
    match fs::metadata(path) {
        Ok(m) if m.is_file() => fs::read(path).map(Some).map_err(|source| Error::Read {
            path: path.to_path_buf(),
            source,
        }),
        // A directory where a file would go is as good as no file: the
        // swap replaces the whole tree.
        Ok(_) => Ok(None),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(Error::Read {
            path: path.to_path_buf(),
            source,
        }),
    }
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        match entry.file_type() {
            Ok(kind) if kind.is_dir() => walk(root, &path, out),
            Ok(_) => {
                if let Ok(rel) = path.strip_prefix(root) {
                    out.push(rel.to_string_lossy().replace('\\', "/"));
                }
            }
            Err(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(files: &[(&str, &str)]) -> FileTree {
        files
            .iter()
            .map(|(p, c)| (p.to_string(), c.to_string()))
            .collect()
    }

    #[test]
    fn empty_output_dir_is_all_added() {
        let dir = tempfile::tempdir().unwrap();
        let t = tree(&[("x-pac/src/lib.rs", "fn a() {}\n")]);
        let d = diff_output(&dir.path().join("out"), &t, "x.svd").unwrap();
        let paths: Vec<_> = d
            .files
            .iter()
            .map(|f| (f.path.as_str(), f.change))
            .collect();
        assert_eq!(
            paths,
            [
                ("x-pac/.hal-gen.json", Change::Added),
                ("x-pac/src/lib.rs", Change::Added)
            ]
        );
        let text = d.unified();
        assert!(
            text.contains("--- /dev/null\n+++ b/x-pac/src/lib.rs\n"),
            "{text}"
        );
        assert!(text.contains("+fn a() {}\n"), "{text}");
    }

    #[test]
    fn written_tree_has_no_diff_and_changes_show() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let old = tree(&[
            ("x-pac/src/lib.rs", "line 1\nline 2\nline 3\n"),
            ("x-pac/src/gone.rs", "bye\n"),
        ]);
        crate::write_output(&out, &old, "x.svd", &crate::Config::default()).unwrap();
        assert!(diff_output(&out, &old, "x.svd").unwrap().is_empty());

        let new = tree(&[
            ("x-pac/src/lib.rs", "line 1\nline two\nline 3\n"),
            ("x-pac/src/new.rs", "hi\n"),
        ]);
        let d = diff_output(&out, &new, "x.svd").unwrap();
        let summary = d.summary();
        assert_eq!(
            summary,
            "M x-pac/.hal-gen.json\nD x-pac/src/gone.rs\nM x-pac/src/lib.rs\nA x-pac/src/new.rs\n"
        );
        let text = d.unified();
        assert!(
            text.contains("--- a/x-pac/src/lib.rs\n+++ b/x-pac/src/lib.rs\n@@ -1,3 +1,3 @@\n line 1\n-line 2\n+line two\n line 3\n"),
            "{text}"
        );
        assert!(
            text.contains("--- a/x-pac/src/gone.rs\n+++ /dev/null\n"),
            "{text}"
        );
        // Reading only: the output is as the first write left it.
        assert!(out.join("x-pac/src/gone.rs").exists());
        assert!(!out.join("x-pac/src/new.rs").exists());
    }

    #[test]
    fn hand_written_files_are_not_removals() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let t = tree(&[("x-pac/src/lib.rs", "a\n")]);
        crate::write_output(&out, &t, "x.svd", &crate::Config::default()).unwrap();
        fs::write(out.join("x-pac/src/mine.rs"), "mine\n").unwrap();
        fs::write(out.join("x-pac/src/lib.rs.hal-gen-new"), "stale\n").unwrap();
        let d = diff_output(&out, &t, "x.svd").unwrap();
        assert_eq!(d.summary(), "D x-pac/src/lib.rs.hal-gen-new\n");
    }
}
