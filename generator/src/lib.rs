//! hal-gen: a PAC and an embedded-hal 1.0 HAL from a CMSIS-SVD file.
//!
//! The pipeline runs in one direction, one module a stage:
//!
//! ```text
//! SVD ─► load (parse, source map) ─► repair (diagnostics)
//!     ─► classify (catalogue families) ─► share (identical register blocks)
//!     ─► model (IR) ─► pac (svd2rust as a library, enums gated, split,
//!        formatted) + render (templates) ─► hal (templates) + coverage record
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
pub mod share;
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
    /// Sub-stages a stage timed itself; the next lap starts now.
    fn parts(&mut self, parts: &[(&'static str, std::time::Duration)]) {
        self.laps.extend_from_slice(parts);
        self.last = std::time::Instant::now();
    }
}

/// Load, repair, model and emit one SVD. Nothing is written to disk.
pub fn generate(svd_path: &Path, config: &Config) -> Result<Generated, Error> {
    generate_cached(svd_path, config, None)
}

/// The same, sharing formatted PAC modules with the other chips of a run
/// through `cache` (see [`pac::ModuleCache`]); the output is identical.
pub fn generate_cached(
    svd_path: &Path,
    config: &Config,
    cache: Option<&pac::ModuleCache>,
) -> Result<Generated, Error> {
    let mut watch = Stopwatch::start();
    let loaded = load::load_file(svd_path, config)?;
    watch.lap("load");
    generate_from(loaded, config, cache, watch)
}

/// The same, for SVD text already in memory (tests, fuzzing).
pub fn generate_from_str(name: &Path, text: &str, config: &Config) -> Result<Generated, Error> {
    let mut watch = Stopwatch::start();
    let loaded = load::load_str(name, text, config)?;
    watch.lap("load");
    generate_from(loaded, config, None, watch)
}

/// The catalogue: built-in families, with `config.templates_dir` overrides.
pub fn load_catalogue(config: &Config) -> Result<catalogue::Catalogue, Error> {
    load_templates(config).map(|(_, catalogue)| catalogue)
}

/// The template environment, and the catalogue checked against it.
fn load_templates(config: &Config) -> Result<(render::Renderer, catalogue::Catalogue), Error> {
    let renderer = render::Renderer::new(config)?;
    let catalogue = catalogue::Catalogue::load(config.templates_dir.as_deref(), &|name| {
        renderer.has_template(name)
    })?;
    Ok((renderer, catalogue))
}

/// The template environment and the catalogue, in whichever form the config
/// asks for.
enum Templates {
    /// Built in: compiled once per process and shared, since compiling
    /// ~100 templates and the families' patterns costs more than
    /// classifying a chip.
    Builtin(&'static (render::Renderer, catalogue::Catalogue)),
    /// With `--templates` overrides, which may change between runs.
    Overridden(Box<(render::Renderer, catalogue::Catalogue)>),
}

impl Templates {
    fn for_config(config: &Config) -> Result<Self, Error> {
        static BUILTIN: std::sync::OnceLock<(render::Renderer, catalogue::Catalogue)> =
            std::sync::OnceLock::new();
        if config.templates_dir.is_some() {
            return Ok(Self::Overridden(Box::new(load_templates(config)?)));
        }
        if let Some(builtin) = BUILTIN.get() {
            return Ok(Self::Builtin(builtin));
        }
        let loaded = load_templates(config)?;
        Ok(Self::Builtin(BUILTIN.get_or_init(|| loaded)))
    }

    fn get(&self) -> (&render::Renderer, &catalogue::Catalogue) {
        let (r, c) = match self {
            Self::Builtin(b) => b,
            Self::Overridden(o) => &**o,
        };
        (r, c)
    }
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
    let templates = Templates::for_config(config)?;
    let classes = classify::classify(&device, &source, templates.get().1);
    Ok((chip, classes))
}

fn generate_from(
    loaded: load::Loaded,
    config: &Config,
    cache: Option<&pac::ModuleCache>,
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
    // Classify before sharing register blocks, so the HAL and the coverage
    // record name each instance's own registers and SVD lines.
    let templates = Templates::for_config(config)?;
    let (renderer, catalogue) = templates.get();
    let classes = classify::classify(&device, &source, catalogue);
    watch.lap("classify");
    share::identical_peripherals(&mut device);
    watch.lap("share");
    let mut chip = model::Chip::from_device(&device, &source);
    let pac = pac::emit(
        &mut device,
        &chip,
        config,
        cache,
        &source,
        &mut diagnostics,
        &mut |parts| watch.parts(parts),
    )?;
    if pac.contained {
        // Peripherals svd2rust could not render were repaired or dropped.
        diagnostics.sort();
        if config.strict {
            if let Some(first) = diagnostics.repairs().next() {
                return Err(Error::Strict {
                    count: diagnostics.repairs().count(),
                    first: format!("{}:{first}", source.file),
                });
            }
        }
        chip = model::Chip::from_device(&device, &source);
    }
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

    let hal_dir = chip.hal_crate_name();
    for (rel, contents) in hal::crate_files(&chip, &classes, catalogue, &pac.features, renderer)? {
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
