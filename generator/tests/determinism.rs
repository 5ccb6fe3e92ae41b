//! Same input, byte-identical output: across runs, and across thread counts
//! (`RAYON_NUM_THREADS` 1 and 4), through the binary in subprocesses.

mod common;

use common::read_tree;
use std::path::Path;
use std::process::Command;

fn generate(svd: &Path, out: &Path, threads: &str) {
    let run = Command::new(common::bin())
        .arg(svd)
        .arg("-o")
        .arg(out)
        .env("RAYON_NUM_THREADS", threads)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "RAYON_NUM_THREADS={threads}: {}",
        common::stderr(&run)
    );
}

#[test]
fn output_is_byte_identical_across_runs_and_thread_counts() {
    // A real chip (CMSDK AN385: 20-odd peripherals, clusters, arrays), so
    // anything that runs in parallel has something to split.
    let svd = Path::new(env!("CARGO_MANIFEST_DIR")).join("../svd/CMSDK_AN385.svd");
    let dir = tempfile::tempdir().unwrap();
    let runs = [("1", "one"), ("4", "four"), ("4", "four-again")];
    for (threads, name) in runs {
        generate(&svd, &dir.path().join(name), threads);
    }
    let one = read_tree(&dir.path().join("one"));
    assert!(one.len() > 10, "{:?}", one.keys());
    for (_, name) in &runs[1..] {
        let other = read_tree(&dir.path().join(name));
        assert_eq!(
            one.keys().collect::<Vec<_>>(),
            other.keys().collect::<Vec<_>>(),
            "{name}: another file list"
        );
        for (path, bytes) in &one {
            assert!(other[path] == *bytes, "{name}: {path} differs");
        }
    }
}

/// A module cache shared across chips changes nothing in the output: the
/// second generation of the same chips is served wholly from the cache and
/// is byte-identical to uncached generation.
#[test]
fn the_module_cache_gives_the_same_output() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../svd");
    let config = hal_gen::Config::default();
    let cache = hal_gen::pac::ModuleCache::new(64 << 20);
    let svds = ["LM3S6965.svd", "CMSDK_AN385.svd"].map(|s| root.join(s));
    let plain: Vec<_> = svds
        .iter()
        .map(|svd| hal_gen::generate(svd, &config).unwrap().files)
        .collect();
    for pass in ["cold", "warm"] {
        let before = cache.stats();
        for (svd, plain) in svds.iter().zip(&plain) {
            let cached = hal_gen::generate_cached(svd, &config, Some(&cache))
                .unwrap()
                .files;
            assert!(*plain == cached, "{} ({pass} cache)", svd.display());
        }
        let after = cache.stats();
        if pass == "warm" {
            assert_eq!(after.misses, before.misses, "{after:?}");
            assert!(after.hits - before.hits > 20, "{after:?}");
            // Most peripherals are found by their description, before
            // svd2rust renders them.
            assert!(after.reused - before.reused > 20, "{after:?}");
        }
    }
}
