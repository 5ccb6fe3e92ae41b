//! The one typed configuration that every stage takes by reference.

use std::path::PathBuf;

/// Resource limits for hostile input. Every limit names itself in the error
/// it causes, so a user knows which knob to turn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest SVD file read, in bytes.
    pub max_file_bytes: u64,
    /// Largest number of XML nodes the parser will build.
    pub max_xml_nodes: u32,
    /// Deepest nesting of clusters.
    pub max_cluster_depth: usize,
    /// Most registers in one device, after array expansion.
    pub max_registers: usize,
    /// Largest `dim` of one array.
    pub max_dim: u32,
    /// Longest `derivedFrom` chain followed.
    pub max_derive_chain: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            // The largest corpus SVD (i.MX-class) is about 30 MB.
            max_file_bytes: 128 * 1024 * 1024,
            max_xml_nodes: 20_000_000,
            max_cluster_depth: 32,
            max_registers: 200_000,
            max_dim: 4096,
            max_derive_chain: 64,
        }
    }
}

/// Configuration threaded through load, repair, emit and write.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// Turn every repair into an error.
    pub strict: bool,
    /// Overwrite output that hal-gen did not create, or that a person edited.
    pub force: bool,
    /// Directory whose templates override the built-in ones, file by file.
    pub templates_dir: Option<PathBuf>,
    /// Emit `impl Debug` for register readers (off by default: it costs
    /// compile time and nobody needs it in firmware).
    pub impl_debug: bool,
    pub limits: Limits,
}
