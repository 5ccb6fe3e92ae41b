//! hal-gen: a PAC and an embedded-hal 1.0 HAL from a CMSIS-SVD file.
//!
//! The pipeline runs in one direction, one module a stage:
//!
//! ```text
//! SVD ─► load (parse, source map) ─► repair (diagnostics) ─► model (IR)
//!     ─► pac (svd2rust as a library, split, formatted) + render (templates)
//!     ─► classify (catalogue families) ─► hal (templates) + coverage record
//!     ─► writer (temp dir + atomic swap, edit detection)
//! ```
//!
//! [`generate`] runs the in-memory part; [`write_output`] puts it on disk.
//! The `hal-gen` binary is a thin CLI over both.

pub mod catalogue;
pub mod classify;
pub mod config;
pub mod conformance;
pub mod coverage;
pub mod cross;
pub mod diag;
pub mod diff;
pub mod error;
pub mod hal;
pub mod header;
pub mod load;
pub mod model;
pub mod pac;
pub mod render;
pub mod repair;
pub mod source_map;
pub mod target;
pub mod writer;

pub use config::{Config, Limits};
pub use diag::{Diagnostic, Diagnostics, Location, Severity};
pub use error::Error;
pub use model::Chip;
pub use writer::{write_output, FileTree, WriteReport};

use std::path::Path;

/// Everything hal-gen produces for one chip, before it touches the disk.
#[derive(Debug)]
pub struct Generated {
    pub chip: Chip,
    /// Every instance's best family per kind, with bindings.
    pub classes: Vec<classify::InstanceClass>,
    /// Every repair and warning, in SVD order.
    pub diagnostics: Diagnostics,
    /// `<crate dir>/<path>` → contents, each stamped with the do-not-edit header.
    pub files: FileTree,
    /// Wall time of each stage, in pipeline order (`--timings`).
    pub timings: Vec<(&'static str, std::time::Duration)>,
}

/// Records how long each pipeline stage takes.
struct Stopwatch {
    last: std::time::Instant,
    laps: Vec<(&'static str, std::time::Duration)>,
}

impl Stopwatch {
    fn start() -> Self {
        Self {
            last: std::time::Instant::now(),
            laps: Vec::new(),
        }
    }
    fn lap(&mut self, stage: &'static str) {
        let now = std::time::Instant::now();
        self.laps.push((stage, now - self.last));
        self.last = now;
    }
}

/// Load, repair, model and emit one SVD. Nothing is written to disk.
pub fn generate(svd_path: &Path, config: &Config) -> Result<Generated, Error> {
    let mut watch = Stopwatch::start();
    let loaded = load::load_file(svd_path, config)?;
    watch.lap("load");
    generate_from(loaded, config, watch)
}

/// The same, for SVD text already in memory (tests, fuzzing).
pub fn generate_from_str(name: &Path, text: &str, config: &Config) -> Result<Generated, Error> {
    let mut watch = Stopwatch::start();
    let loaded = load::load_str(name, text, config)?;
    watch.lap("load");
    generate_from(loaded, config, watch)
}

/// The catalogue: built-in families, with `config.templates_dir` overrides.
pub fn load_catalogue(config: &Config) -> Result<catalogue::Catalogue, Error> {
    let renderer = render::Renderer::new(config)?;
    catalogue::Catalogue::load(config.templates_dir.as_deref(), &|name| {
        renderer.has_template(name)
    })
}

/// Load, repair and classify only: no PAC, no files. Fast enough to run
/// over the whole corpus while growing the catalogue.
pub fn classify_file(
    svd_path: &Path,
    config: &Config,
) -> Result<(Chip, Vec<classify::InstanceClass>), Error> {
    let load::Loaded {
        mut device,
        source,
        mut diagnostics,
    } = load::load_file(svd_path, config)?;
    repair::run_all(&mut device, &source, config, &mut diagnostics)?;
    let chip = model::Chip::from_device(&device, &source);
    let catalogue = load_catalogue(config)?;
    let classes = classify::classify(&device, &source, &catalogue);
    Ok((chip, classes))
}

fn generate_from(
    loaded: load::Loaded,
    config: &Config,
    mut watch: Stopwatch,
) -> Result<Generated, Error> {
    let load::Loaded {
        mut device,
        source,
        mut diagnostics,
    } = loaded;
    repair::run_all(&mut device, &source, config, &mut diagnostics)?;
    watch.lap("repair");
    if config.strict {
        if let Some(first) = diagnostics.repairs().next() {
            return Err(Error::Strict {
                count: diagnostics.repairs().count(),
                first: format!("{}:{first}", source.file),
            });
        }
    }
    let chip = model::Chip::from_device(&device, &source);
    let pac = pac::emit(&device, &chip, config, &mut |stage| watch.lap(stage))?;
    let renderer = render::Renderer::new(config)?;
    let repair_count = diagnostics.repairs().count();

    let mut files = FileTree::new();
    let pac_dir = chip.pac_crate_name();
    let svd = &chip.svd_file;
    for (path, contents) in &pac.modules {
        let rel = format!("src/{path}");
        files.insert(
            format!("{pac_dir}/{rel}"),
            header::stamp(&rel, svd, contents),
        );
    }
    let crate_files =
        renderer.pac_crate_files(&chip, &pac.features, &pac.interrupt_handlers, repair_count)?;
    for (rel, contents) in crate_files {
        files.insert(
            format!("{pac_dir}/{rel}"),
            header::stamp(&rel, svd, &contents),
        );
    }
    watch.lap("templates");

    let catalogue = catalogue::Catalogue::load(config.templates_dir.as_deref(), &|name| {
        renderer.has_template(name)
    })?;
    let classes = classify::classify(&device, &source, &catalogue);
    watch.lap("classify");
    let hal_dir = chip.hal_crate_name();
    for (rel, contents) in hal::crate_files(&chip, &classes, &catalogue, &pac.features, &renderer)?
    {
        files.insert(
            format!("{hal_dir}/{rel}"),
            header::stamp(&rel, svd, &contents),
        );
    }
    files.insert(
        format!("{}.coverage.json", chip.slug),
        coverage::record(&chip, &classes).to_json(),
    );
    watch.lap("hal");
    Ok(Generated {
        chip,
        classes,
        diagnostics,
        files,
        timings: watch.laps,
    })
}
