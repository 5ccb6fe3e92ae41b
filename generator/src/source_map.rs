//! Where each SVD element sits in the file, so diagnostics can point at it.
//!
//! svd-rs keeps no positions, so the loader walks the XML once more with
//! roxmltree and records the byte offset of every peripheral, cluster,
//! register and field under its dotted SVD path (`PERIPH.CLUSTER.REG.FIELD`).
//! Repeated names keep every occurrence, in document order.

use crate::config::Limits;
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
    /// Registers after array expansion (`dim` of the register and of every
    /// enclosing cluster and peripheral multiplied in), saturating.
    pub registers: u64,
    /// Fields after array expansion, saturating.
    pub fields: u64,
    pub max_cluster_depth: usize,
    pub max_dim: u64,
}

/// The walk stopped at a limit: where, which limit, and what it found.
#[derive(Debug)]
pub struct LimitHit {
    pub offset: usize,
    /// The limit's name in `Config`; empty when the walk stopped at input
    /// that is invalid whatever the limits (`detail` says why).
    pub limit: &'static str,
    pub max: u64,
    pub detail: String,
}

impl SourceMap {
    /// `file` names the SVD in diagnostics, and its last component goes
    /// into generated files (TOML strings, comments, Markdown): control
    /// characters, `"` and `` ` `` there become `_`.
    pub fn new(file: String, text: &str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Self {
            file: plain_file_name(file),
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
    /// first limit hit: cluster depth (svd-parser recurses and would
    /// overflow the stack), `dim`, and registers and fields after array
    /// expansion (svd2rust's output grows with them).
    pub fn index_device(
        &mut self,
        device: roxmltree::Node,
        limits: &Limits,
    ) -> Result<Census, LimitHit> {
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
            let dim = note_dim(p, limits, &mut census)?;
            for irq in p.children().filter(|n| n.has_tag_name("interrupt")) {
                let Some(value) = child(irq, "value") else {
                    continue;
                };
                let text = value.text().map(str::trim).unwrap_or_default();
                // Past u64 or not a number: svd-parser reports it.
                let Some(n) = crate::load::parse_svd_int(text) else {
                    continue;
                };
                if n > u64::from(limits.max_interrupt) {
                    return Err(LimitHit {
                        offset: value.range().start,
                        limit: "limits.max_interrupt",
                        max: u64::from(limits.max_interrupt),
                        detail: format!("interrupt number {n}"),
                    });
                }
            }
            if let Some(regs) = child(p, "registers") {
                self.index_block(regs, &name, 1, dim, limits, &mut census)?;
            }
        }
        Ok(census)
    }

    fn index_block(
        &mut self,
        block: roxmltree::Node,
        prefix: &str,
        depth: usize,
        copies: u64,
        limits: &Limits,
        census: &mut Census,
    ) -> Result<(), LimitHit> {
        census.max_cluster_depth = census.max_cluster_depth.max(depth - 1);
        let max_depth = limits.max_cluster_depth;
        if depth - 1 > max_depth {
            return Err(LimitHit {
                offset: block.range().start,
                limit: "limits.max_cluster_depth",
                max: max_depth as u64,
                detail: format!("clusters nested {} deep here", depth - 1),
            });
        }
        for item in block.children().filter(|n| n.is_element()) {
            let kind = item.tag_name().name();
            if kind != "register" && kind != "cluster" {
                continue;
            }
            let name = child_text(item, "name").unwrap_or_default();
            let path = format!("{prefix}.{name}");
            let copies = copies.saturating_mul(note_dim(item, limits, census)?);
            if kind == "register" {
                census.registers = census.registers.saturating_add(copies);
                if census.registers > limits.max_registers as u64 {
                    return Err(LimitHit {
                        offset: item.range().start,
                        limit: "limits.max_registers",
                        max: limits.max_registers as u64,
                        detail: format!(
                            "{} registers after array expansion up to this one",
                            census.registers
                        ),
                    });
                }
                self.record(path.clone(), item.range().start);
                if let Some(fields) = child(item, "fields") {
                    for f in fields.children().filter(|n| n.has_tag_name("field")) {
                        let fname = child_text(f, "name").unwrap_or_default();
                        self.record(format!("{path}.{fname}"), f.range().start);
                        check_bit_range(f)?;
                        let n = copies.saturating_mul(note_dim(f, limits, census)?);
                        census.fields = census.fields.saturating_add(n);
                        if census.fields > limits.max_fields as u64 {
                            return Err(LimitHit {
                                offset: f.range().start,
                                limit: "limits.max_fields",
                                max: limits.max_fields as u64,
                                detail: format!(
                                    "{} fields after array expansion up to this one",
                                    census.fields
                                ),
                            });
                        }
                    }
                }
            } else {
                self.record(path.clone(), item.range().start);
                self.index_block(item, &path, depth + 1, copies, limits, census)?;
            }
        }
        Ok(())
    }
}

fn plain_file_name(file: String) -> String {
    let hazard = |c: char| c.is_control() || c == '"' || c == '`';
    let name_at = file.rfind(['/', '\\']).map_or(0, |i| i + 1);
    if !file[name_at..].contains(hazard) {
        return file;
    }
    let name: String = file[name_at..]
        .chars()
        .map(|c| if hazard(c) { '_' } else { c })
        .collect();
    format!("{}{name}", &file[..name_at])
}

/// `[msb:lsb]` (or `<msb>`/`<lsb>`) spanning all 2^32 bits overflows
/// svd-parser's width; it is as invalid as a reversed range, which
/// svd-parser reports itself.
fn check_bit_range(field: roxmltree::Node) -> Result<(), LimitHit> {
    let (msb, lsb) = if let Some(range) = child_text(field, "bitRange") {
        let inner = range.trim_start_matches('[').trim_end_matches(']');
        let Some((msb, lsb)) = inner.split_once(':') else {
            return Ok(());
        };
        (
            msb.trim().parse::<u64>().ok(),
            lsb.trim().parse::<u64>().ok(),
        )
    } else {
        let number = |tag| child_text(field, tag).and_then(crate::load::parse_svd_int);
        (number("msb"), number("lsb"))
    };
    match (msb, lsb) {
        (Some(msb), Some(lsb)) if msb >= lsb && msb - lsb + 1 > u64::from(u32::MAX) => {
            Err(LimitHit {
                offset: field.range().start,
                limit: "",
                max: 0,
                detail: format!("bit range [{msb}:{lsb}] is 2^32 bits or more wide"),
            })
        }
        _ => Ok(()),
    }
}

/// The element's `dim` (1 if it has none or svd-parser will reject it),
/// checked against `limits.max_dim`.
fn note_dim(node: roxmltree::Node, limits: &Limits, census: &mut Census) -> Result<u64, LimitHit> {
    let Some(dim_node) = child(node, "dim") else {
        return Ok(1);
    };
    let text = dim_node.text().map(str::trim).unwrap_or_default();
    let Some(dim) = crate::load::parse_svd_int(text) else {
        // Not a number, or past u64: svd-parser reports it with its place.
        return Ok(1);
    };
    census.max_dim = census.max_dim.max(dim);
    if dim > u64::from(limits.max_dim) {
        return Err(LimitHit {
            offset: dim_node.range().start,
            limit: "limits.max_dim",
            max: u64::from(limits.max_dim),
            detail: format!("a dim of {dim}"),
        });
    }
    Ok(dim.max(1))
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
