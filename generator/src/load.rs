//! Stage 1: read an SVD file into an svd-rs `Device` plus a source map.
//!
//! Everything that can make the file unusable is checked here, before
//! svd-parser sees it: existence, size, encoding, XML well-formedness, the
//! root element, and the structural limits that would otherwise cost
//! unbounded time, memory or stack.

use crate::config::Config;
use crate::diag::Diagnostics;
use crate::error::Error;
use crate::source_map::{LimitHit, SourceMap};
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
    let limits = &config.limits;
    // The same limit as for a file, for text that came another way.
    if text.len() as u64 > limits.max_file_bytes {
        return Err(Error::FileTooLarge {
            path: path.to_path_buf(),
            size: text.len() as u64,
            limit: limits.max_file_bytes,
        });
    }
    // Before any parser sees it: roxmltree (also inside svd-parser)
    // recurses once per nesting level, and builds every node it reads.
    scan_markup(text, limits).map_err(|hit| limit_error(path, text, hit))?;
    let options = roxmltree::ParsingOptions {
        // SVD never needs a DTD; refusing it rules out entity expansion
        // bombs and external entities in one stroke.
        allow_dtd: false,
        // Backstop only: the scan above already bounds the markup, and
        // there is at most one text node between two pieces of markup.
        nodes_limit: limits.max_xml_nodes.saturating_mul(2).saturating_add(2),
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
                options.nodes_limit
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
    source
        .index_device(root, limits)
        .map_err(|hit| limit_error(path, text, hit))?;
    // Tokens svd-parser would refuse, rewritten (each a diagnostic).
    let mut diagnostics = Diagnostics::default();
    let mut edits = crate::repair::lenient::normalise(root, text, &source, &mut diagnostics);
    drop(doc);
    let edited;
    let parse_text = if edits.is_empty() {
        text
    } else {
        edited = edits.apply(text);
        edited.as_str()
    };

    let mut parser_config = svd_parser::Config::default();
    // Validation is the repair passes' job: they fix what they can and say so.
    parser_config.validate_level = svd_parser::ValidateLevel::Disabled;
    let device = svd_parser::parse_with_config(parse_text, &parser_config).map_err(|e| {
        let chain: Vec<String> = e.chain().map(|c| c.to_string()).collect();
        // Positions are in the edited text: map them back to the file's.
        let offset = chain
            .iter()
            .find_map(|c| position_in_message(c))
            .map(|(row, col)| edits.original_offset(offset_of(parse_text, row, col)))
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
        diagnostics,
    })
}

fn limit_error(path: &Path, text: &str, hit: LimitHit) -> Error {
    if hit.limit.is_empty() {
        return Error::at(path, text, hit.offset, hit.detail);
    }
    let (line, col) = crate::source_map::line_col(text, hit.offset);
    Error::Limit {
        path: path.to_path_buf(),
        line,
        col,
        limit: hit.limit,
        max: hit.max,
        detail: hit.detail,
    }
}

/// Count markup items (elements, comments, processing instructions,
/// CDATA sections, declarations) and track element nesting, stopping at the
/// first item past `limits.max_xml_nodes` or the first element nested
/// deeper than `limits.max_xml_depth`. A lexical scan only: malformed XML
/// is left to roxmltree, which reports it with its position.
fn scan_markup(text: &str, limits: &crate::config::Limits) -> Result<(), LimitHit> {
    let bytes = text.as_bytes();
    let find = |from: usize, needle: &[u8]| -> usize {
        bytes[from.min(bytes.len())..]
            .windows(needle.len())
            .position(|w| w == needle)
            .map_or(bytes.len(), |i| from + i + needle.len())
    };
    let (mut items, mut depth) = (0u64, 0usize);
    let mut i = 0;
    while let Some(lt) = bytes[i.min(bytes.len())..].iter().position(|&b| b == b'<') {
        let at = i + lt;
        let rest = &bytes[at + 1..];
        if rest.starts_with(b"/") {
            depth = depth.saturating_sub(1);
            i = find(at, b">");
            continue;
        }
        items += 1;
        if items > u64::from(limits.max_xml_nodes) {
            return Err(LimitHit {
                offset: at,
                limit: "limits.max_xml_nodes",
                max: u64::from(limits.max_xml_nodes),
                detail: "too many XML elements; the first one past the limit is here".into(),
            });
        }
        i = if rest.starts_with(b"!--") {
            find(at + 4, b"-->")
        } else if rest.starts_with(b"![CDATA[") {
            find(at + 9, b"]]>")
        } else if rest.starts_with(b"?") {
            find(at + 2, b"?>")
        } else if rest.starts_with(b"!") {
            find(at, b">")
        } else {
            // A start tag: find its `>` outside attribute values.
            let mut j = at + 1;
            let mut quote = None;
            while j < bytes.len() {
                match (quote, bytes[j]) {
                    (None, b'"' | b'\'') => quote = Some(bytes[j]),
                    (Some(q), b) if b == q => quote = None,
                    (None, b'>') => break,
                    _ => {}
                }
                j += 1;
            }
            if bytes.get(j.wrapping_sub(1)) != Some(&b'/') {
                depth += 1;
                if depth > limits.max_xml_depth {
                    return Err(LimitHit {
                        offset: at,
                        limit: "limits.max_xml_depth",
                        max: limits.max_xml_depth as u64,
                        detail: format!("XML elements nested {depth} deep here"),
                    });
                }
            }
            j + 1
        };
    }
    Ok(())
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
