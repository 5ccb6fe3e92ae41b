//! Stage 1: read an SVD file into an svd-rs `Device` plus a source map.
//!
//! Everything that can make the file unusable is checked here, before
//! svd-parser sees it: existence, size, encoding, XML well-formedness, the
//! root element, and the structural limits that would otherwise cost
//! unbounded time, memory or stack.

use crate::config::Config;
use crate::diag::Diagnostics;
use crate::error::Error;
use crate::source_map::SourceMap;
use std::path::Path;
use svd_parser::svd::Device;

/// A parsed device, not yet repaired.
#[derive(Debug)]
pub struct Loaded {
    pub device: Device,
    pub source: SourceMap,
    pub diagnostics: Diagnostics,
}

pub fn load_file(path: &Path, config: &Config) -> Result<Loaded, Error> {
    let read_err = |source| Error::Read {
        path: path.to_path_buf(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(read_err)?;
    if meta.is_dir() {
        return Err(Error::IsDirectory {
            path: path.to_path_buf(),
        });
    }
    let limit = config.limits.max_file_bytes;
    if meta.len() > limit {
        return Err(Error::FileTooLarge {
            path: path.to_path_buf(),
            size: meta.len(),
            limit,
        });
    }
    let bytes = std::fs::read(path).map_err(read_err)?;
    load_bytes(path, &bytes, config)
}

pub fn load_bytes(path: &Path, bytes: &[u8], config: &Config) -> Result<Loaded, Error> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(Error::Empty {
            path: path.to_path_buf(),
        });
    }
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let offset = e.valid_up_to();
        let prefix = String::from_utf8_lossy(&bytes[..offset]);
        let (line, col) = crate::source_map::line_col(&prefix, offset);
        Error::NotUtf8 {
            path: path.to_path_buf(),
            line,
            col,
            offset,
        }
    })?;
    load_str(path, text, config)
}

pub fn load_str(path: &Path, text: &str, config: &Config) -> Result<Loaded, Error> {
    let options = roxmltree::ParsingOptions {
        // SVD never needs a DTD; refusing it rules out entity expansion
        // bombs and external entities in one stroke.
        allow_dtd: false,
        nodes_limit: config.limits.max_xml_nodes,
    };
    let doc = roxmltree::Document::parse_with_options(text, options).map_err(|e| {
        let pos = e.pos();
        // roxmltree gives no position for these; point where the problem is.
        let offset = match e {
            roxmltree::Error::UnclosedRootNode | roxmltree::Error::UnexpectedEndOfStream => text.len(),
            roxmltree::Error::DtdDetected => text.find("<!DOCTYPE").unwrap_or(0),
            _ => offset_of(text, pos.row, pos.col),
        };
        let message = match e {
            roxmltree::Error::DtdDetected => {
                "the file has a DTD (<!DOCTYPE>); SVD files must not, and hal-gen does not expand entities".to_string()
            }
            roxmltree::Error::NodesLimitReached => format!(
                "more than {} XML nodes (limits.max_xml_nodes)",
                config.limits.max_xml_nodes
            ),
            other => format!("not well-formed XML: {other}"),
        };
        Error::at(path, text, offset, message)
    })?;
    let root = doc.root_element();
    if root.tag_name().name() != "device" {
        return Err(Error::at(
            path,
            text,
            root.range().start,
            format!(
                "not an SVD file: the root element is <{}>, expected <device>",
                root.tag_name().name()
            ),
        ));
    }

    let mut source = SourceMap::new(path.display().to_string(), text);
    let census = source
        .index_device(root, config.limits.max_cluster_depth)
        .map_err(|(offset, message)| Error::at(path, text, offset, message))?;
    if census.registers > config.limits.max_registers {
        return Err(Error::Limit {
            path: path.to_path_buf(),
            limit: "limits.max_registers",
            detail: format!(
                "{} registers declared, the limit is {}",
                census.registers, config.limits.max_registers
            ),
        });
    }
    if census.max_dim > u64::from(config.limits.max_dim) {
        return Err(Error::Limit {
            path: path.to_path_buf(),
            limit: "limits.max_dim",
            detail: format!(
                "a dim of {} declared, the limit is {}",
                census.max_dim, config.limits.max_dim
            ),
        });
    }
    drop(doc);

    let mut parser_config = svd_parser::Config::default();
    // Validation is the repair passes' job: they fix what they can and say so.
    parser_config.validate_level = svd_parser::ValidateLevel::Disabled;
    let device = svd_parser::parse_with_config(text, &parser_config).map_err(|e| {
        let chain: Vec<String> = e.chain().map(|c| c.to_string()).collect();
        let offset = chain
            .iter()
            .find_map(|c| position_in_message(c))
            .map(|(row, col)| offset_of(text, row, col))
            .unwrap_or(0);
        // Innermost cause first: it says what is wrong; the contexts say where.
        let mut message = chain.last().cloned().unwrap_or_default();
        if let Some(ctx) = chain.iter().rev().nth(1) {
            message = format!("{message} ({ctx})");
        }
        Error::at(path, text, offset, message)
    })?;

    Ok(Loaded {
        device,
        source,
        diagnostics: Diagnostics::default(),
    })
}

/// svd-parser reports positions only inside its context strings, as
/// "... at ROW:COL".
fn position_in_message(message: &str) -> Option<(u32, u32)> {
    let at = message.rfind(" at ")?;
    let (row, col) = message[at + 4..].split_once(':')?;
    let col: String = col.chars().take_while(char::is_ascii_digit).collect();
    Some((row.trim().parse().ok()?, col.parse().ok()?))
}

/// Byte offset of a 1-based row and column (columns count characters).
fn offset_of(text: &str, row: u32, col: u32) -> usize {
    let line_start = if row <= 1 {
        0
    } else {
        text.match_indices('\n')
            .nth(row as usize - 2)
            .map_or(text.len(), |(i, _)| i + 1)
    };
    let line = &text[line_start..];
    line_start
        + line
            .char_indices()
            .nth(col.saturating_sub(1) as usize)
            .map_or(line.len(), |(i, _)| i)
}

/// An SVD scaledNonNegativeInteger: decimal, `0x` hex or `#` binary.
/// `None` when it does not fit in 64 bits.
pub fn parse_svd_int(s: &str) -> Option<u64> {
    let s = s.trim();
    if let Some(hex) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        u64::from_str_radix(hex, 16).ok()
    } else if let Some(bin) = s.strip_prefix('#') {
        u64::from_str_radix(bin, 2).ok()
    } else {
        s.parse().ok()
    }
}
