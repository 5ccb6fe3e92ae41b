//! The one typed configuration that every stage takes by reference.

use std::path::PathBuf;

/// Resource limits for hostile input. Every limit names itself in the error
/// it causes ([`Error::Limit`](crate::Error::Limit) or
/// [`Error::FileTooLarge`](crate::Error::FileTooLarge)), with its value and
/// the place in the file, so a user knows which knob to turn.
///
/// The defaults leave a margin over the largest of the 490 SVDs of the
/// cmsis-svd corpus (7.9 MB, 151,000 elements, 3,918 registers and 22,061
/// fields after array expansion, `dim` 512, clusters 1 deep, IRQ 127), and
/// keep hal-gen's time and memory bounded on anything else. svd2rust's
/// output, and so hal-gen's memory, grows with registers (about 75 KB each)
/// and fields (about 40 KB each): at the register and field limits a PAC
/// takes 1.2-1.4 GB and 5 s (README, "Hostile input").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest SVD read, in bytes.
    pub max_file_bytes: u64,
    /// Most XML markup items (elements, comments, processing instructions)
    /// in the file; text nodes come on top, at most one between two items.
    pub max_xml_nodes: u32,
    /// Deepest nesting of XML elements. The XML parser recurses once per
    /// level; an SVD needs about 10 levels plus one per cluster.
    pub max_xml_depth: usize,
    /// Deepest nesting of clusters.
    pub max_cluster_depth: usize,
    /// Most registers in one device, after array expansion.
    pub max_registers: usize,
    /// Most fields in one device, after array expansion.
    pub max_fields: usize,
    /// Largest `dim` of one array. Registers and fields after expansion
    /// have their own limits; this one only bounds the names an array
    /// expands to. Vendors ship genuine arrays of 5552 (a filter
    /// coefficient table), so it sits well above that.
    pub max_dim: u32,
    /// Longest `derivedFrom` chain followed.
    pub max_derive_chain: usize,
    /// Highest interrupt number. svd2rust writes one vector table entry
    /// for every number up to the highest; Cortex-M has at most 496.
    pub max_interrupt: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_file_bytes: 128 * 1024 * 1024,
            max_xml_nodes: 2_000_000,
            max_xml_depth: 256,
            max_cluster_depth: 32,
            max_registers: 16_384,
            max_fields: 32_768,
            max_dim: 65_536,
            max_derive_chain: 64,
            max_interrupt: 1023,
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
