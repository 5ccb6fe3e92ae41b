//! Load, repair and generate arbitrary bytes as an SVD. Any panic (caught
//! or not: libFuzzer's hook aborts on every panic, including one svd2rust
//! raises inside hal-gen's catch_unwind backstop), stack overflow, timeout
//! or out-of-memory is a finding. Errors are fine: hostile input is meant
//! to get one.
#![no_main]

use hal_gen::{Config, Limits};
use libfuzzer_sys::fuzz_target;
use std::path::Path;

/// Limits scaled down so one input stays fast; the checks are the same.
fn config() -> Config {
    Config {
        limits: Limits {
            max_file_bytes: 1 << 20,
            max_xml_nodes: 200_000,
            max_cluster_depth: 16,
            max_registers: 2_000,
            max_dim: 256,
            max_derive_chain: 16,
            ..Limits::default()
        },
        ..Config::default()
    }
}

fuzz_target!(|data: &[u8]| {
    let config = config();
    let name = Path::new("fuzz.svd");
    // Bytes first: BOM, encoding, emptiness.
    if hal_gen::load::load_bytes(name, data, &config).is_err() {
        return;
    }
    let text = std::str::from_utf8(data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data))
        .expect("load_bytes accepted it, so it is UTF-8");
    if let Ok(generated) = hal_gen::generate_from_str(name, text, &config) {
        // Whatever generates must stay inside the output directory.
        for path in generated.files.keys() {
            assert!(
                path.split('/')
                    .all(|c| !c.is_empty() && c != "." && c != ".."),
                "unsafe output path {path:?}"
            );
        }
    }
});
