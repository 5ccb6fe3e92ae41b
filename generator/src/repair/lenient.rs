//! Stage 1b: lenient normalisation of the SVD text, before svd-parser.
//!
//! svd-parser refuses a whole file for one token it does not know, and
//! vendors write enumerated elements in many spellings: any case
//! (`read-writeonce`), abbreviations (`RW`, `W1C`), synonyms (`write` for
//! `write-only`) or free text (`<usage>RTC CNTL registers</usage>`). This
//! pass rewrites each such value to the token the schema has, working on
//! classes of elements, not on files:
//!
//! 1. the value matches a schema token ignoring case and punctuation;
//! 2. else it is a known synonym or abbreviation of one;
//! 3. else its words are read (`read`, `write`, `once`, `clear`, `set`,
//!    `register`, `buffer` …) where they determine one token;
//! 4. else a safe default is used (for `access`, what the register's
//!    fields imply; otherwise the element is dropped and the value the
//!    schema inherits applies), with a warning.
//!
//! Numbers svd-parser refuses are handled the same way: enumerated values
//! with don't-care bits (`0b01XX`) are expanded into one value per match
//! (up to [`MAX_DONT_CARE_BITS`]), or else kept as one value with the
//! don't-care bits read as 0, with a warning.
//!
//! Every change is a text edit inside one element, reported with the
//! element's line and column in the original file. Edits never add or
//! remove a line break, so svd-parser's line numbers stay those of the
//! file, and [`Edits::original_offset`] maps its columns back.

use crate::diag::Diagnostics;
use crate::source_map::{child, child_text, SourceMap};
use roxmltree::Node;
use std::collections::BTreeSet;

/// Don't-care bits beyond this are not expanded (2^3 = 8 values each).
pub const MAX_DONT_CARE_BITS: u32 = 3;

/// Most enumerated values that don't-care expansion adds to one file, so
/// that it cannot multiply the element count of a hostile file.
pub const MAX_EXPANDED_VALUES: usize = 65_536;

/// Text edits on the original file, sorted and non-overlapping.
#[derive(Debug, Default)]
pub struct Edits {
    /// `(start, end, replacement)` in original byte offsets.
    edits: Vec<(usize, usize, String)>,
}

impl Edits {
    pub fn is_empty(&self) -> bool {
        self.edits.is_empty()
    }

    fn push(&mut self, start: usize, end: usize, replacement: impl Into<String>) {
        self.edits.push((start, end, replacement.into()));
    }

    /// The edited text.
    pub fn apply(&mut self, text: &str) -> String {
        self.edits.sort_by_key(|e| (e.0, e.1));
        // An edit inside an earlier one (cannot happen with the rules below,
        // but never apply both).
        let mut kept: Vec<(usize, usize, String)> = Vec::with_capacity(self.edits.len());
        for e in self.edits.drain(..) {
            if kept.last().is_none_or(|last| e.0 >= last.1) {
                kept.push(e);
            }
        }
        self.edits = kept;
        let mut out = String::with_capacity(text.len());
        let mut at = 0;
        for (start, end, replacement) in &self.edits {
            out.push_str(&text[at..*start]);
            out.push_str(replacement);
            at = *end;
        }
        out.push_str(&text[at..]);
        out
    }

    /// The original offset of an offset into the edited text (an offset
    /// inside a replacement maps to the start of what it replaced).
    pub fn original_offset(&self, edited: usize) -> usize {
        let mut shift: isize = 0;
        for (start, end, replacement) in &self.edits {
            let new_start = (*start as isize + shift) as usize;
            if edited < new_start {
                break;
            }
            if edited < new_start + replacement.len() {
                return *start;
            }
            shift += replacement.len() as isize - (*end - *start) as isize;
        }
        (edited as isize - shift).max(0) as usize
    }
}

/// Find every value svd-parser would refuse and decide its replacement.
pub fn normalise(root: Node, text: &str, source: &SourceMap, diags: &mut Diagnostics) -> Edits {
    let mut pass = Pass {
        budget: MAX_EXPANDED_VALUES,
        text,
        source,
        diags,
        edits: Edits::default(),
    };
    // svd-parser ignores vendor extensions, and so does this pass.
    let extension = |n: &Node| n.ancestors().any(|a| a.has_tag_name("vendorExtensions"));
    for node in root.descendants().filter(Node::is_element) {
        if !extension(&node) {
            pass.element(node);
        }
    }
    pass.edits
}

struct Pass<'a> {
    /// Enumerated values that expansion may still add to the file.
    budget: usize,
    text: &'a str,
    source: &'a SourceMap,
    diags: &'a mut Diagnostics,
    edits: Edits,
}

/// The enumerated elements of the schema, by where they occur.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Class {
    Access,
    BlockUsage,
    EnumUsage,
    ModifiedWriteValues,
    ReadAction,
    Protection,
    Endian,
    DataType,
    Bool,
}

const ACCESS: &[&str] = &[
    "read-only",
    "write-only",
    "read-write",
    "writeOnce",
    "read-writeOnce",
];
const BLOCK_USAGE: &[&str] = &["registers", "buffer", "reserved"];
const ENUM_USAGE: &[&str] = &["read", "write", "read-write"];
const MODIFIED_WRITE_VALUES: &[&str] = &[
    "oneToClear",
    "oneToSet",
    "oneToToggle",
    "zeroToClear",
    "zeroToSet",
    "zeroToToggle",
    "clear",
    "set",
    "modify",
];
const READ_ACTION: &[&str] = &["clear", "set", "modify", "modifyExternal"];
const PROTECTION: &[&str] = &["s", "n", "p"];
const ENDIAN: &[&str] = &["little", "big", "selectable", "other"];
const DATA_TYPE: &[&str] = &[
    "uint8_t",
    "uint16_t",
    "uint32_t",
    "uint64_t",
    "int8_t",
    "int16_t",
    "int32_t",
    "int64_t",
    "uint8_t *",
    "uint16_t *",
    "uint32_t *",
    "uint64_t *",
    "int8_t *",
    "int16_t *",
    "int32_t *",
    "int64_t *",
];
const BOOL: &[&str] = &["true", "false", "0", "1"];

/// Elements holding a boolean, wherever they occur.
const BOOL_TAGS: &[&str] = &[
    "isDefault",
    "mpuPresent",
    "fpuPresent",
    "fpuDP",
    "dspPresent",
    "icachePresent",
    "dcachePresent",
    "itcmPresent",
    "dtcmPresent",
    "vtorPresent",
    "vendorSystickConfig",
    "sauPresent",
];

impl Class {
    fn of(node: Node) -> Option<Self> {
        let parent = node.parent_element().map(|p| p.tag_name().name());
        Some(match node.tag_name().name() {
            "access" => Self::Access,
            "usage" if parent == Some("addressBlock") => Self::BlockUsage,
            "usage" if parent == Some("enumeratedValues") => Self::EnumUsage,
            "modifiedWriteValues" => Self::ModifiedWriteValues,
            "readAction" => Self::ReadAction,
            "protection" => Self::Protection,
            "endian" => Self::Endian,
            "dataType" => Self::DataType,
            tag if BOOL_TAGS.contains(&tag) => Self::Bool,
            _ => return None,
        })
    }

    fn tokens(self) -> &'static [&'static str] {
        match self {
            Self::Access => ACCESS,
            Self::BlockUsage => BLOCK_USAGE,
            Self::EnumUsage => ENUM_USAGE,
            Self::ModifiedWriteValues => MODIFIED_WRITE_VALUES,
            Self::ReadAction => READ_ACTION,
            Self::Protection => PROTECTION,
            Self::Endian => ENDIAN,
            Self::DataType => DATA_TYPE,
            Self::Bool => BOOL,
        }
    }

    /// Abbreviations and synonyms, as `key()`s.
    fn synonym(self, key: &str) -> Option<&'static str> {
        let token = match self {
            Self::Access => match key {
                "r" | "ro" | "read" | "readonly" | "rdonly" | "rd" => "read-only",
                "w" | "wo" | "write" | "writeonly" | "wronly" | "wr" => "write-only",
                "rw" | "readwrite" | "writeread" | "readandwrite" | "rdwr" => "read-write",
                "w1" | "wo1" | "writeonce" | "writeonceonly" => "writeOnce",
                "rw1" | "rwonce" | "readwriteonce" | "readwrite1" => "read-writeOnce",
                _ => return None,
            },
            Self::EnumUsage => match key {
                "r" | "ro" | "readonly" => "read",
                "w" | "wo" | "writeonly" => "write",
                "rw" | "readwrite" | "writeread" => "read-write",
                _ => return None,
            },
            Self::BlockUsage => match key {
                "register" | "regs" | "reg" => "registers",
                "buffers" | "memory" | "mem" | "ram" => "buffer",
                _ => return None,
            },
            Self::ModifiedWriteValues => match key {
                "w1c" | "write1toclear" | "writeonetoclear" | "onetoclr" => "oneToClear",
                "w1s" | "write1toset" | "writeonetoset" => "oneToSet",
                "w1t" | "write1totoggle" | "writeonetotoggle" => "oneToToggle",
                "w0c" | "write0toclear" | "writezerotoclear" => "zeroToClear",
                "w0s" | "write0toset" | "writezerotoset" => "zeroToSet",
                "w0t" | "write0totoggle" | "writezerototoggle" => "zeroToToggle",
                "wc" | "writeclear" | "writetoclear" => "clear",
                "ws" | "writeset" | "writetoset" => "set",
                _ => return None,
            },
            Self::ReadAction => match key {
                "rc" | "readclear" | "readtoclear" | "clearonread" | "clearedonread" => "clear",
                "rs" | "readset" | "readtoset" | "setonread" => "set",
                _ => return None,
            },
            Self::Protection => match key {
                "secure" => "s",
                "nonsecure" | "ns" => "n",
                "privileged" | "priv" => "p",
                _ => return None,
            },
            Self::Endian => match key {
                "le" | "littleendian" => "little",
                "be" | "bigendian" => "big",
                _ => return None,
            },
            Self::Bool => match key {
                "yes" | "y" | "on" | "enabled" | "present" => "true",
                "no" | "n" | "off" | "disabled" | "none" | "notpresent" => "false",
                _ => return None,
            },
            Self::DataType => return None,
        };
        Some(token)
    }

    /// Free text read by its words, where they determine one token.
    fn read_words(self, words: &[String]) -> Option<&'static str> {
        let has = |w: &str| words.iter().any(|x| x == w);
        let starts = |p: &str| words.iter().any(|x| x.starts_with(p));
        match self {
            Self::Access | Self::EnumUsage => {
                let read = starts("read") || has("r") || has("ro") || has("rw");
                let write = starts("writ") || has("w") || has("wo") || has("rw");
                let once = has("once");
                let only = has("only");
                let access = match (read, write, once) {
                    (true, true, false) if !only => "read-write",
                    (true, true, true) if !only => "read-writeOnce",
                    (true, false, false) => "read-only",
                    (false, true, false) => "write-only",
                    (false, true, true) => "writeOnce",
                    _ => return None,
                };
                if self == Self::Access {
                    Some(access)
                } else {
                    match access {
                        "read-only" => Some("read"),
                        "write-only" => Some("write"),
                        "read-write" => Some("read-write"),
                        _ => None,
                    }
                }
            }
            Self::BlockUsage => {
                let regs = starts("register") || has("regs") || has("reg") || has("sfr");
                let buffer =
                    starts("buffer") || starts("memor") || has("ram") || has("fifo") || has("sram");
                let reserved = has("reserved");
                match (regs, buffer, reserved) {
                    (true, false, false) => Some("registers"),
                    (false, true, false) => Some("buffer"),
                    (false, false, true) => Some("reserved"),
                    _ => None,
                }
            }
            Self::ModifiedWriteValues => {
                let one = has("1") || has("one") || has("ones");
                let zero = has("0") || has("zero") || has("zeros");
                let clear = starts("clear") || has("clr");
                let set = has("set") || has("sets");
                let toggle = starts("toggl");
                match (one, zero, clear, set, toggle) {
                    (true, false, true, false, false) => Some("oneToClear"),
                    (true, false, false, true, false) => Some("oneToSet"),
                    (true, false, false, false, true) => Some("oneToToggle"),
                    (false, true, true, false, false) => Some("zeroToClear"),
                    (false, true, false, true, false) => Some("zeroToSet"),
                    (false, true, false, false, true) => Some("zeroToToggle"),
                    _ => None,
                }
            }
            Self::ReadAction => {
                let read = starts("read");
                let clear = starts("clear") || has("clr");
                let set = has("set") || has("sets");
                match (read, clear, set) {
                    (true, true, false) => Some("clear"),
                    (true, false, true) => Some("set"),
                    _ => None,
                }
            }
            Self::Endian => {
                let little = has("little");
                let big = has("big");
                match (little, big) {
                    (true, false) => Some("little"),
                    (false, true) => Some("big"),
                    (true, true) => Some("selectable"),
                    _ => None,
                }
            }
            Self::Protection | Self::DataType | Self::Bool => None,
        }
    }
}

/// Lower case, letters and digits only: how tokens are compared.
fn key(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '*')
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The words of free text, lower case.
fn words(s: &str) -> Vec<String> {
    s.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect()
}

/// What to do with a value the schema refuses.
enum Decision {
    /// Recognised (case, punctuation or synonym): a repair.
    Token(&'static str),
    /// Read from free text: a repair that says how it was read.
    Read(&'static str),
    /// Nothing determines it: a default, with a warning.
    Default(&'static str),
    /// Nothing determines it: the element is dropped, with a warning.
    Drop,
}

impl Pass<'_> {
    /// The dotted SVD path of the element (peripheral, clusters, register,
    /// field), for diagnostics.
    fn path_of(node: Node) -> String {
        let mut parts: Vec<&str> = node
            .ancestors()
            .filter(|a| {
                matches!(
                    a.tag_name().name(),
                    "peripheral" | "cluster" | "register" | "field"
                )
            })
            .filter_map(|a| child_text(a, "name"))
            .collect();
        parts.reverse();
        parts.join(".")
    }

    fn element(&mut self, node: Node) {
        if node.tag_name().name() == "value"
            && node.parent_element().map(|p| p.tag_name().name()) == Some("enumeratedValue")
        {
            self.enumerated_value(node);
            return;
        }
        let Some(class) = Class::of(node) else {
            return;
        };
        // Only plain text content: anything else is svd-parser's to report.
        if node.children().any(|c| !c.is_text()) {
            return;
        }
        let raw = node.text().unwrap_or_default();
        let value = raw.trim();
        if class.tokens().contains(&value) {
            return;
        }
        let tag = node.tag_name().name();
        let k = key(value);
        let decision = if let Some(t) = class.tokens().iter().find(|t| key(t) == k) {
            Decision::Token(t)
        } else if let Some(t) = class.synonym(&k) {
            Decision::Token(t)
        } else if let Some(t) = class.read_words(&words(value)) {
            Decision::Read(t)
        } else {
            match class {
                Class::Access => match implied_access(node) {
                    Some(t) => Decision::Default(t),
                    None => Decision::Drop,
                },
                Class::BlockUsage => Decision::Default("registers"),
                Class::Endian if node.parent_element().is_some_and(|p| p.has_tag_name("cpu")) => {
                    Decision::Default("little")
                }
                _ => Decision::Drop,
            }
        };
        let path = Self::path_of(node);
        let loc = Some(self.source.location_of_offset(node.range().start));
        let shown = shorten(value);
        match decision {
            Decision::Token(t) => {
                self.diags.repair(
                    "svd-token-spelling",
                    path,
                    loc,
                    format!("<{tag}> `{shown}` is not a schema token; read as `{t}`"),
                );
                self.replace_text(node, t);
            }
            Decision::Read(t) => {
                self.diags.repair(
                    "svd-token-free-text",
                    path,
                    loc,
                    format!("<{tag}> `{shown}` is free text, not a schema token; its words read as `{t}`"),
                );
                self.replace_text(node, t);
            }
            Decision::Default(t) => {
                let why = if class == Class::Access {
                    "what the register's fields declare"
                } else {
                    "the default"
                };
                self.diags.warn(
                    "svd-token-unknown",
                    path,
                    loc,
                    format!("<{tag}> `{shown}` is not a schema token and its words say nothing certain; using `{t}`, {why}"),
                );
                self.replace_text(node, t);
            }
            Decision::Drop => {
                self.diags.warn(
                    "svd-token-unknown",
                    path,
                    loc,
                    format!("<{tag}> `{shown}` is not a schema token and its words say nothing certain; dropped, so the inherited value applies"),
                );
                let r = node.range();
                self.edits.push(r.start, r.end, "");
            }
        }
    }

    /// Replace the element's text content (or fill an empty element).
    fn replace_text(&mut self, node: Node, token: &str) {
        match node.first_child().filter(|c| c.is_text()) {
            Some(t) => {
                let r = t.range();
                self.edits.push(r.start, r.end, token);
            }
            None => {
                // `<access/>`: write the element out in full.
                let r = node.range();
                let tag = node.tag_name().name();
                self.edits
                    .push(r.start, r.end, format!("<{tag}>{token}</{tag}>"));
            }
        }
    }

    /// `<value>` of an `<enumeratedValue>`: binary with don't-care bits in
    /// a form svd-parser refuses (`0b01XX`, `0B1x`, `#1X`).
    fn enumerated_value(&mut self, node: Node) {
        let raw = node.text().unwrap_or_default();
        let value = raw.trim();
        let Some(bits) = binary_digits(value) else {
            return;
        };
        let cares = bits.chars().all(|c| c == '0' || c == '1');
        // svd-parser reads `0b` and `#` binary with lower-case x itself (as
        // 0); anything with only 0 and 1 in another spelling it reads too.
        if cares && (value.starts_with("0b") || value.starts_with('#')) {
            return;
        }
        let Some(ev) = node.parent_element() else {
            return;
        };
        let path = Self::path_of(node);
        let loc = Some(self.source.location_of_offset(node.range().start));
        let dont_care = bits.chars().filter(|c| matches!(c, 'x' | 'X')).count() as u32;
        let base = u64::from_str_radix(&bits.replace(['x', 'X'], "0"), 2).ok();
        let Some(base) = base else {
            return;
        };
        if dont_care == 0 {
            self.diags.repair(
                "svd-token-spelling",
                path,
                loc,
                format!("<value> `{value}`: binary written in a form svd-parser refuses; read as {base:#x}"),
            );
            self.replace_text(node, &format!("{base:#x}"));
            return;
        }
        let positions: Vec<u32> = bits
            .chars()
            .rev()
            .enumerate()
            .filter(|(_, c)| matches!(c, 'x' | 'X'))
            .map(|(i, _)| i as u32)
            .collect();
        let fits = self.budget >= 1 << dont_care.min(MAX_DONT_CARE_BITS);
        if dont_care > MAX_DONT_CARE_BITS || !fits || positions.iter().any(|&p| p >= 64) {
            self.diags.warn(
                "enum-dont-care",
                path,
                loc,
                format!(
                    "<value> `{value}` has {dont_care} don't-care bits (more than {MAX_DONT_CARE_BITS}, or past the file's expansion budget, are not expanded); \
                     kept as one value, {base:#x}, the don't-care bits read as 0"
                ),
            );
            self.replace_text(node, &format!("{base:#x}"));
            return;
        }
        // The values the other entries of the set name explicitly win.
        let taken: BTreeSet<u64> = ev
            .parent_element()
            .into_iter()
            .flat_map(|set| set.children().filter(|c| c.has_tag_name("enumeratedValue")))
            .filter(|other| *other != ev)
            .filter_map(|other| child_text(other, "value"))
            .filter_map(exact_value)
            .collect();
        let values: Vec<u64> = (0..1u64 << dont_care)
            .map(|n| {
                positions
                    .iter()
                    .enumerate()
                    .fold(base, |v, (i, &p)| v | (((n >> i) & 1) << p))
            })
            .filter(|v| !taken.contains(v))
            .collect();
        self.budget -= values.len();
        let name = child_text(ev, "name").unwrap_or_default();
        let name_node = child(ev, "name");
        let shown: Vec<String> = values.iter().map(|v| format!("{v:#x}")).collect();
        self.diags.repair(
            "enum-dont-care",
            path,
            loc,
            format!(
                "<value> `{value}` has don't-care bits; expanded into {} value(s) of `{name}` (the first keeps the name, the others get their value as suffix): {}",
                values.len(),
                shown.join(", ")
            ),
        );
        let (Some(name_node), false) = (name_node, values.is_empty()) else {
            // No name to suffix, or every match named elsewhere: drop it.
            let r = ev.range();
            self.edits.push(r.start, r.end, "");
            return;
        };
        // One copy of the whole <enumeratedValue> per value, the first
        // (the value svd-parser reads with the bits as 0, where free) under
        // the file's name, the others suffixed with their value; on the lines
        // the original takes (line breaks inside become spaces, and the
        // original's line breaks are kept after the last copy).
        let r = ev.range();
        let (name_r, value_r) = (name_node.range(), node.range());
        let mut out = String::new();
        for (i, v) in values.iter().enumerate() {
            let mut copy = String::new();
            let mut at = r.start;
            let mut parts = [
                (
                    name_r.clone(),
                    match i {
                        0 => format!("<name>{name}</name>"),
                        _ => format!("<name>{name}_{v}</name>"),
                    },
                ),
                (value_r.clone(), format!("<value>{v:#x}</value>")),
            ];
            parts.sort_by_key(|p| p.0.start);
            for (range, text) in &parts {
                copy.push_str(&self.text[at..range.start]);
                copy.push_str(text);
                at = range.end;
            }
            copy.push_str(&self.text[at..r.end]);
            if i + 1 < values.len() {
                copy = copy.replace(['\n', '\r'], " ");
            }
            out.push_str(&copy);
        }
        self.edits.push(r.start, r.end, out);
    }
}

/// The binary digits of `0b…`, `0B…` or `#…` with don't-care bits allowed.
fn binary_digits(value: &str) -> Option<&str> {
    let digits = value
        .strip_prefix("0b")
        .or_else(|| value.strip_prefix("0B"))
        .or_else(|| value.strip_prefix('#'))?;
    (!digits.is_empty() && digits.chars().all(|c| matches!(c, '0' | '1' | 'x' | 'X')))
        .then_some(digits)
}

/// A value without don't-care bits, as svd-parser reads it.
fn exact_value(text: &str) -> Option<u64> {
    if let Some(bits) = binary_digits(text) {
        if bits.contains(['x', 'X']) {
            return None;
        }
        return u64::from_str_radix(bits, 2).ok();
    }
    crate::load::parse_svd_int(text)
}

/// The access a register's fields imply (their union), for a register
/// whose own `<access>` says nothing certain. `None` for anything else.
fn implied_access(node: Node) -> Option<&'static str> {
    let owner = node.parent_element()?;
    if !owner.has_tag_name("register") {
        return None;
    }
    let fields = child(owner, "fields")?;
    let (mut read, mut write, mut any) = (false, false, false);
    for f in fields.children().filter(|n| n.has_tag_name("field")) {
        let text = child_text(f, "access")?;
        let k = key(text);
        let token = ACCESS
            .iter()
            .find(|t| key(t) == k)
            .copied()
            .or_else(|| Class::Access.synonym(&k))?;
        any = true;
        read |= token.starts_with("read");
        write |= token != "read-only";
    }
    match (any, read, write) {
        (true, true, false) => Some("read-only"),
        (true, false, true) => Some("write-only"),
        (true, true, true) => Some("read-write"),
        _ => None,
    }
}

/// A value for a message: at most 60 characters, on one line.
fn shorten(value: &str) -> String {
    let one_line: String = value.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= 60 {
        one_line
    } else {
        let cut: String = one_line.chars().take(57).collect();
        format!("{cut}...")
    }
}
