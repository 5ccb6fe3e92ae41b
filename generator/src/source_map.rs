//! Where each SVD element sits in the file, so diagnostics can point at it.
//!
//! svd-rs keeps no positions, so the loader walks the XML once more with
//! roxmltree and records the byte offset of every peripheral, cluster,
//! register and field under its dotted SVD path (`PERIPH.CLUSTER.REG.FIELD`).
//! Repeated names keep every occurrence, in document order.

use crate::diag::Location;
use std::collections::HashMap;

/// The key of the `<device>` element itself.
pub const DEVICE: &str = "";

#[derive(Debug, Default)]
pub struct SourceMap {
    /// Display name of the SVD file.
    pub file: String,
    line_starts: Vec<usize>,
    elements: HashMap<String, Vec<usize>>,
}

/// What the walk found that the limits care about.
#[derive(Debug, Default, Clone, Copy)]
pub struct Census {
    pub registers: usize,
    pub max_cluster_depth: usize,
    pub max_dim: u64,
}

impl SourceMap {
    pub fn new(file: String, text: &str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Self {
            file,
            line_starts,
            elements: HashMap::new(),
        }
    }

    pub fn location_of_offset(&self, offset: usize) -> Location {
        let line = self.line_starts.partition_point(|&s| s <= offset);
        let col = offset - self.line_starts[line - 1] + 1;
        Location {
            line: line as u32,
            col: col as u32,
            offset,
        }
    }

    /// The first element with this path.
    pub fn locate(&self, path: &str) -> Option<Location> {
        self.locate_nth(path, 0)
    }

    /// The `n`th element with this path (for repeated names).
    pub fn locate_nth(&self, path: &str, n: usize) -> Option<Location> {
        let offset = *self.elements.get(path)?.get(n)?;
        Some(self.location_of_offset(offset))
    }

    fn record(&mut self, path: String, offset: usize) {
        self.elements.entry(path).or_default().push(offset);
    }

    /// Record every addressable element below `<device>`, stopping at the
    /// cluster depth limit (svd-parser recurses and would overflow the stack).
    pub fn index_device(
        &mut self,
        device: roxmltree::Node,
        max_depth: usize,
    ) -> Result<Census, (usize, String)> {
        let mut census = Census::default();
        self.record(DEVICE.to_string(), device.range().start);
        let Some(peripherals) = child(device, "peripherals") else {
            return Ok(census);
        };
        for p in peripherals
            .children()
            .filter(|n| n.has_tag_name("peripheral"))
        {
            let name = child_text(p, "name").unwrap_or_default().to_string();
            self.record(name.clone(), p.range().start);
            note_dim(p, &mut census);
            if let Some(regs) = child(p, "registers") {
                self.index_block(regs, &name, 1, max_depth, &mut census)?;
            }
        }
        Ok(census)
    }

    fn index_block(
        &mut self,
        block: roxmltree::Node,
        prefix: &str,
        depth: usize,
        max_depth: usize,
        census: &mut Census,
    ) -> Result<(), (usize, String)> {
        census.max_cluster_depth = census.max_cluster_depth.max(depth - 1);
        if depth > max_depth {
            return Err((
                block.range().start,
                format!("clusters nested deeper than {max_depth} (limits.max_cluster_depth)"),
            ));
        }
        for item in block.children().filter(|n| n.is_element()) {
            let name = child_text(item, "name").unwrap_or_default();
            let path = format!("{prefix}.{name}");
            note_dim(item, census);
            match item.tag_name().name() {
                "register" => {
                    census.registers += 1;
                    self.record(path.clone(), item.range().start);
                    if let Some(fields) = child(item, "fields") {
                        for f in fields.children().filter(|n| n.has_tag_name("field")) {
                            let fname = child_text(f, "name").unwrap_or_default();
                            self.record(format!("{path}.{fname}"), f.range().start);
                        }
                    }
                }
                "cluster" => {
                    self.record(path.clone(), item.range().start);
                    self.index_block(item, &path, depth + 1, max_depth, census)?;
                }
                _ => {}
            }
        }
        Ok(())
    }
}

fn note_dim(node: roxmltree::Node, census: &mut Census) {
    if let Some(dim) = child_text(node, "dim").and_then(crate::load::parse_svd_int) {
        census.max_dim = census.max_dim.max(dim);
    }
}

pub(crate) fn child<'a, 'i>(
    node: roxmltree::Node<'a, 'i>,
    tag: &str,
) -> Option<roxmltree::Node<'a, 'i>> {
    node.children().find(|n| n.has_tag_name(tag))
}

pub(crate) fn child_text<'a>(node: roxmltree::Node<'a, '_>, tag: &str) -> Option<&'a str> {
    child(node, tag).and_then(|n| n.text()).map(str::trim)
}

/// 1-based line and column of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (u32, u32) {
    let offset = offset.min(text.len());
    let before = &text.as_bytes()[..offset];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let col = offset
        - before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |p| p + 1)
        + 1;
    (line as u32, col as u32)
}
