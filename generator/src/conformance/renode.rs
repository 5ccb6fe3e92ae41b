//! The Renode backend: a `.resc` platform script and a `.robot` suite per
//! chip, run with `renode-test` where it is installed. Renode is not
//! installable from the package registries this project's CI can reach,
//! so there it reports "renode not found, not run", never a pass.

use super::{base_results, build, not_run, Backend, ConformanceError, Options, Prepared, Results};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

#[derive(Debug, Serialize)]
pub struct RenodeContext {
    pub generator_version: &'static str,
    pub chip: String,
    pub board: String,
    pub platform: String,
    pub uart: String,
    pub elf: String,
    pub resc: String,
    pub timeout_s: u64,
    /// The bytes the host sends when the firmware prompts.
    pub inject: Vec<String>,
}

/// The `.resc` and `.robot` files for a board.
pub fn scripts(
    renderer: &crate::render::Renderer,
    ctx: &RenodeContext,
) -> Result<BTreeMap<String, String>, crate::Error> {
    let mut files = BTreeMap::new();
    files.insert(
        format!("{}.resc", ctx.board),
        renderer.render("conformance/renode/platform.resc.j2", ctx)?,
    );
    files.insert(
        format!("{}.robot", ctx.board),
        renderer.render("conformance/renode/suite.robot.j2", ctx)?,
    );
    Ok(files)
}

/// Whether `tool` is an executable file in a `PATH` directory.
pub fn on_path(tool: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(tool).is_file()))
}

pub fn run(p: &Prepared, opts: &Options) -> Result<Results, ConformanceError> {
    let Some(renode) = &p.board.renode else {
        let r = base_results(p, Backend::Renode, "-", opts.fault);
        return Ok(not_run(
            r,
            format!("board {} has no [renode] platform, not run", p.board.name),
        ));
    };
    let mut r = base_results(p, Backend::Renode, &renode.platform, opts.fault);
    let dir = opts.work_dir.join("renode");
    let elf = opts
        .target_dir
        .join(p.generated.chip.target.triple.unwrap_or("none"))
        .join("release")
        .join(format!("hgc-harness-{}", p.board.name));
    let ctx = RenodeContext {
        generator_version: env!("CARGO_PKG_VERSION"),
        chip: p.generated.chip.name.clone(),
        board: p.board.name.clone(),
        platform: renode.platform.clone(),
        uart: renode.uart.clone(),
        elf: elf.display().to_string(),
        resc: dir
            .join(format!("{}.resc", p.board.name))
            .display()
            .to_string(),
        timeout_s: opts.timeout.as_secs(),
        inject: hal_gen_conformance::protocol::SERIAL_INJECT
            .iter()
            .map(|b| format!("{b:#04x}"))
            .collect(),
    };
    let renderer = crate::render::Renderer::new(&crate::Config::default())?;
    write_all(&dir, &scripts(&renderer, &ctx)?)?;
    if !on_path("renode-test") {
        return Ok(not_run(
            r,
            // The scripts' folder stays out of the reason: results files
            // are committed and compared, and the path is the machine's.
            "renode not found, not run (its .resc and .robot scripts are written beside the harness)"
                .into(),
        ));
    }
    let t = Instant::now();
    build(p, opts, &[], true)?;
    r.build_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let out = Command::new("renode-test")
        .arg(dir.join(format!("{}.robot", p.board.name)))
        .output()
        .map_err(|e| ConformanceError::Tool {
            tool: "renode-test".into(),
            message: e.to_string(),
        })?;
    r.duration_s = t.elapsed().as_secs_f64();
    let text = String::from_utf8_lossy(&out.stdout);
    let events: Vec<_> = text
        .lines()
        .filter_map(super::protocol::parse_line)
        .map(|e| (std::time::Duration::ZERO, e))
        .collect();
    r.tests = super::tests_from_events(&events);
    if !out.status.success() && r.tests.is_empty() {
        return Err(ConformanceError::Tool {
            tool: "renode-test".into(),
            message: text.lines().rev().take(20).collect::<Vec<_>>().join("\n"),
        });
    }
    Ok(r)
}

fn write_all(dir: &Path, files: &BTreeMap<String, String>) -> Result<(), ConformanceError> {
    std::fs::create_dir_all(dir).map_err(|source| ConformanceError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    for (name, text) in files {
        super::write_if_changed(&dir.join(name), text)?;
    }
    Ok(())
}
