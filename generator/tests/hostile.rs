//! Hostile input: each case gets a clear error with its location (the exact
//! `Error` variant and its key fields), or a documented repair (the exact
//! diagnostic code); never a panic, never unbounded time or memory, never a
//! file outside `-o`.
//!
//! Inputs that would be big files (200 MB, 100,000 registers, clusters
//! 10,000 deep) are generated here, at test time, into temporary
//! directories or memory. Crashes the fuzzer found live in
//! `tests/fixtures/hostile/` and are replayed by
//! `fuzz_regressions_do_not_panic`.

mod common;

use hal_gen::{Config, Error, Generated, Severity};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

// ---------------------------------------------------------------------------
// Building SVDs

const HEAD: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<device schemaVersion="1.3">
  <vendor>hal-gen tests</vendor>
  <name>HOSTILE</name>
  <version>1.0</version>
  <description>Hostile input.</description>
  <cpu>
    <name>CM4</name>
    <revision>r0p1</revision>
    <endian>little</endian>
    <mpuPresent>false</mpuPresent>
    <fpuPresent>false</fpuPresent>
    <nvicPrioBits>3</nvicPrioBits>
    <vendorSystickConfig>false</vendorSystickConfig>
  </cpu>
  <addressUnitBits>8</addressUnitBits>
  <width>32</width>
  <size>32</size>
  <access>read-write</access>
  <resetValue>0x00000000</resetValue>
  <resetMask>0xFFFFFFFF</resetMask>
  <peripherals>
"#;
const TAIL: &str = "  </peripherals>\n</device>\n";

/// A device around these `<peripheral>` elements.
fn device(peripherals: &str) -> String {
    format!("{HEAD}{peripherals}{TAIL}")
}

/// A peripheral with these register-block items.
fn peripheral(name: &str, base: u64, registers: &str) -> String {
    format!(
        "    <peripheral>\n      <name>{name}</name>\n      <baseAddress>{base:#x}</baseAddress>\n      \
         <addressBlock><offset>0</offset><size>0x1000</size><usage>registers</usage></addressBlock>\n      \
         <registers>\n{registers}      </registers>\n    </peripheral>\n"
    )
}

/// A 32-bit register with these `<field>` elements (none if empty).
fn register(name: &str, offset: u64, fields: &str) -> String {
    let fields = if fields.is_empty() {
        String::new()
    } else {
        format!("<fields>{fields}</fields>")
    };
    format!(
        "        <register><name>{name}</name><addressOffset>{offset:#x}</addressOffset>{fields}</register>\n"
    )
}

fn field(name: &str, offset: u64, width: u64) -> String {
    format!("<field><name>{name}</name><bitOffset>{offset}</bitOffset><bitWidth>{width}</bitWidth></field>")
}

/// One peripheral, one register, one field: the smallest device that
/// generates.
fn small() -> String {
    device(&peripheral(
        "TIMER",
        0x4000_0000,
        &register("CTRL", 0, &field("EN", 0, 1)),
    ))
}

// ---------------------------------------------------------------------------
// Checking results

fn generate(name: &str, text: &str) -> Result<Generated, Error> {
    hal_gen::generate_from_str(Path::new(name), text, &Config::default())
}

/// 1-based line and column of the `nth` (0-based) occurrence of `needle`.
fn position(text: &str, needle: &str, nth: usize) -> (u32, u32) {
    let at = text
        .match_indices(needle)
        .nth(nth)
        .unwrap_or_else(|| panic!("no occurrence {nth} of {needle:?}"))
        .0;
    let before = &text[..at];
    let line = before.matches('\n').count() as u32 + 1;
    let col = (at - before.rfind('\n').map_or(0, |i| i + 1)) as u32 + 1;
    (line, col)
}

/// An `Error::Svd`: its line, column and message.
fn svd_error(result: Result<Generated, Error>) -> (u32, u32, String) {
    match result {
        Err(Error::Svd {
            line, col, message, ..
        }) => (line, col, message),
        Err(other) => panic!("expected Error::Svd, got {other:?}"),
        Ok(_) => panic!("expected Error::Svd, got success"),
    }
}

/// An `Error::Limit` naming `limit`: its line, column, limit value, and the
/// whole message (which must state the limit's name and value).
fn limit_error(result: Result<Generated, Error>, limit: &str) -> (u32, u32, u64, String) {
    match result {
        Err(
            e @ Error::Limit {
                limit: got,
                line,
                col,
                max,
                ..
            },
        ) if got == limit => {
            let message = e.to_string();
            assert!(message.contains(limit), "{message}");
            assert!(
                message.contains(&format!("the limit is {max}")),
                "{message}"
            );
            (line, col, max, message)
        }
        Err(other) => panic!("expected Error::Limit {{ limit: {limit:?} }}, got {other:?}"),
        Ok(_) => panic!("expected Error::Limit {{ limit: {limit:?} }}, got success"),
    }
}

fn ok(result: Result<Generated, Error>) -> Generated {
    result.unwrap_or_else(|e| panic!("expected success, got {e:?}"))
}

/// The diagnostics with this code, as `(path, line, message)`.
fn diagnostics(g: &Generated, code: &str) -> Vec<(String, u32, String)> {
    g.diagnostics
        .iter()
        .filter(|d| d.code == code)
        .map(|d| {
            (
                d.path.clone(),
                d.location.map_or(0, |l| l.line),
                d.message.clone(),
            )
        })
        .collect()
}

/// Every generated path is relative and stays inside its crate directory.
fn assert_paths_contained(g: &Generated) {
    for path in g.files.keys() {
        let mut parts = path.split('/');
        let top = parts.next().unwrap();
        // A crate directory, or a report file at the top of OUT.
        assert!(
            top.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')),
            "top-level name {top:?}"
        );
        for part in path.split('/') {
            assert!(
                !part.is_empty() && part != "." && part != "..",
                "unsafe path {path:?}"
            );
            assert!(
                !part.contains(['\\', '\0', ':']),
                "unsafe component in {path:?}"
            );
        }
    }
}

/// Run the binary on `svd` with `-o <dir>/out` and check that nothing but
/// `out` (and the SVD itself) appeared in `dir`, and nothing panicked.
fn run_cli_in(dir: &Path, svd: &Path) -> std::process::Output {
    let out = dir.join("out");
    let before: Vec<PathBuf> = listing(dir);
    let run = common::run_hal_gen([svd.as_os_str(), "-o".as_ref(), out.as_os_str()]);
    let stderr = common::stderr(&run);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!stderr.contains("RUST_BACKTRACE"), "{stderr}");
    let after = listing(dir);
    for path in &after {
        assert!(
            before.contains(path) || path.starts_with(&out),
            "{} was written outside -o; stderr:\n{stderr}",
            path.display()
        );
    }
    run
}

fn listing(dir: &Path) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            out.push(p.clone());
            if e.file_type().unwrap().is_dir() {
                walk(&p, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, &mut out);
    out
}

// ---------------------------------------------------------------------------
// XML: entities and DTDs

#[test]
fn billion_laughs_is_refused_at_the_doctype() {
    let mut text = String::from("<?xml version=\"1.0\"?>\n<!DOCTYPE device [\n");
    text.push_str("  <!ENTITY l0 \"ha\">\n");
    for i in 1..=30 {
        let p = i - 1;
        writeln!(
            text,
            "  <!ENTITY l{i} \"&l{p};&l{p};&l{p};&l{p};&l{p};&l{p};&l{p};&l{p};&l{p};&l{p};\">"
        )
        .unwrap();
    }
    text.push_str("]>\n");
    text.push_str(&small()[small().find("<device").unwrap()..].replace("HOSTILE", "&l30;"));
    let (line, col, message) = svd_error(generate("laughs.svd", &text));
    assert_eq!((line, col), (2, 1), "{message}");
    assert!(message.contains("DTD"), "{message}");
}

#[test]
fn external_entity_is_refused_and_never_read() {
    let text = small().replacen(
        "<device",
        "<!DOCTYPE device [\n  <!ENTITY xxe SYSTEM \"file:///etc/passwd\">\n]>\n<device",
        1,
    );
    let text = text.replace("<vendor>hal-gen tests</vendor>", "<vendor>&xxe;</vendor>");
    let (line, col, message) = svd_error(generate("xxe.svd", &text));
    assert_eq!((line, col), position(&text, "<!DOCTYPE", 0), "{message}");
    assert!(message.contains("DTD"), "{message}");
    assert!(!message.contains("root:"), "{message}");
}

#[test]
fn external_dtd_is_refused() {
    let text = small().replacen(
        "<device",
        "<!DOCTYPE device SYSTEM \"http://192.0.2.1/svd.dtd\">\n<device",
        1,
    );
    let (line, col, message) = svd_error(generate("dtd.svd", &text));
    assert_eq!((line, col), (2, 1), "{message}");
    assert!(message.contains("DTD"), "{message}");
}

#[test]
fn undeclared_entity_is_an_xml_error_where_it_is_used() {
    let text = small().replace("<vendor>hal-gen tests</vendor>", "<vendor>&xxe;</vendor>");
    let (line, col, message) = svd_error(generate("entity.svd", &text));
    assert_eq!(line, position(&text, "&xxe;", 0).0, "{message}");
    assert!(col > 1, "{message}");
    assert!(message.contains("not well-formed XML"), "{message}");
    assert!(message.contains("xxe"), "{message}");
}

// ---------------------------------------------------------------------------
// Size, depth, count

/// A real 200 MB file: a valid SVD whose description is padded.
#[test]
fn svd_of_200_mb_is_refused_before_it_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.svd");
    {
        use std::io::Write;
        let text = small();
        let (head, tail) = text.split_at(text.find("Hostile input.").unwrap());
        let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        f.write_all(head.as_bytes()).unwrap();
        let chunk = [b'x'; 1 << 20];
        for _ in 0..200 {
            f.write_all(&chunk).unwrap();
        }
        f.write_all(tail.as_bytes()).unwrap();
    }
    let size = std::fs::metadata(&path).unwrap().len();
    assert!(size > 200 << 20);
    let limit = Config::default().limits.max_file_bytes;
    match hal_gen::generate(&path, &Config::default()) {
        Err(e @ Error::FileTooLarge { .. }) => {
            let Error::FileTooLarge {
                size: s, limit: l, ..
            } = &e
            else {
                unreachable!()
            };
            assert_eq!((*s, *l), (size, limit));
            let message = e.to_string();
            assert!(message.contains("limits.max_file_bytes"), "{message}");
            assert!(message.contains(&limit.to_string()), "{message}");
        }
        other => panic!("expected FileTooLarge, got {other:?}"),
    }
    let run = run_cli_in(dir.path(), &path);
    assert_eq!(run.status.code(), Some(1));
    assert!(common::says(&common::stderr(&run), "limits.max_file_bytes"));
    assert!(!dir.path().join("out").exists());
}

/// The same limit holds for text handed over in memory (tests, fuzzing,
/// embedders), not only for files.
#[test]
fn text_over_the_size_limit_is_refused_in_memory_too() {
    let config = Config {
        limits: hal_gen::Limits {
            max_file_bytes: 1000,
            ..Default::default()
        },
        ..Config::default()
    };
    let text = small();
    assert!(text.len() > 1000);
    match hal_gen::generate_from_str(Path::new("big.svd"), &text, &config) {
        Err(Error::FileTooLarge { size, limit, .. }) => {
            assert_eq!((size, limit), (text.len() as u64, 1000))
        }
        other => panic!("expected FileTooLarge, got {other:?}"),
    }
}

/// `depth` clusters nested in one peripheral, one register at the bottom.
fn nested_clusters(depth: usize) -> String {
    let mut regs = String::new();
    for i in 0..depth {
        writeln!(
            regs,
            "<cluster><name>C{i}</name><addressOffset>0</addressOffset>"
        )
        .unwrap();
    }
    regs.push_str(&register("R", 0, ""));
    for _ in 0..depth {
        regs.push_str("</cluster>\n");
    }
    device(&peripheral("DEEP", 0x4000_0000, &regs))
}

/// 10,000 levels would overflow the stack of the XML parser (it recurses
/// per level); the loader's scan stops first, at the XML depth limit.
#[test]
fn clusters_nested_10000_deep_stop_at_the_xml_depth_limit() {
    let text = nested_clusters(10_000);
    let max = Config::default().limits.max_xml_depth;
    let (line, col, got_max, message) =
        limit_error(generate("deep.svd", &text), "limits.max_xml_depth");
    assert_eq!(got_max, max as u64);
    // <device>, <peripherals>, <peripheral> and <registers> hold the
    // clusters; the 257th level is the name of the 252nd cluster.
    let name = format!("<name>C{}</name>", max - 5);
    assert_eq!((line, col), position(&text, &name, 0), "{message}");

    // The binary too: no stack overflow, nothing written.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("deep.svd");
    std::fs::write(&path, &text).unwrap();
    let run = run_cli_in(dir.path(), &path);
    assert_eq!(run.status.code(), Some(1), "{}", common::stderr(&run));
    assert!(common::says(&common::stderr(&run), "limits.max_xml_depth"));
}

#[test]
fn clusters_nested_past_the_cluster_limit_are_refused() {
    let max = Config::default().limits.max_cluster_depth;
    // Exactly at the limit is fine.
    ok(generate("deep.svd", &nested_clusters(max)));
    let text = nested_clusters(max + 1);
    let (line, col, got_max, message) =
        limit_error(generate("deeper.svd", &text), "limits.max_cluster_depth");
    assert_eq!(got_max, max as u64);
    // The first cluster past the limit.
    assert_eq!((line, col), position(&text, "<cluster>", max), "{message}");
}

/// Nesting below the XML depth limit where no SVD element is (a vendor
/// extension) is harmless: nothing of hal-gen's recurses into it.
#[test]
fn elements_nested_200_deep_outside_the_register_tree_are_harmless() {
    let depth = 200;
    let mut ext = String::from("  <vendorExtensions>");
    ext.push_str(&"<x>".repeat(depth));
    ext.push_str(&"</x>".repeat(depth));
    ext.push_str("</vendorExtensions>\n");
    let text = small().replace(TAIL, &format!("  </peripherals>\n{ext}</device>\n"));
    let g = ok(generate("ext.svd", &text));
    assert_eq!(g.chip.peripherals.len(), 1);
    // 100,000 deep there is refused like any other deep nesting.
    let text = small().replace(
        TAIL,
        &format!(
            "  </peripherals>\n<vendorExtensions>{}{}</vendorExtensions></device>\n",
            "<x>".repeat(100_000),
            "</x>".repeat(100_000)
        ),
    );
    limit_error(generate("ext.svd", &text), "limits.max_xml_depth");
}

#[test]
fn registers_100000_stop_at_the_register_limit() {
    let count = 100_000;
    let mut regs = String::with_capacity(count * 90);
    for i in 0..count {
        regs.push_str(&register(&format!("R{i}"), i as u64 * 4, ""));
    }
    let text = device(&peripheral("MANY", 0x4000_0000, &regs));
    let max = Config::default().limits.max_registers;
    let (line, _, got_max, message) =
        limit_error(generate("many.svd", &text), "limits.max_registers");
    assert_eq!(got_max, max as u64);
    // The register that went past the limit.
    let first_over = format!("<name>R{max}</name>");
    assert_eq!(line, position(&text, &first_over, 0).0, "{message}");
}

/// Arrays count as what they expand to: 4096 × 4096 registers from two
/// small elements.
#[test]
fn register_arrays_count_after_expansion() {
    let regs = "<cluster><name>C%s</name><dim>4096</dim><dimIncrement>0x10000</dimIncrement>\
         <addressOffset>0</addressOffset>\n\
         <register><name>R%s</name><dim>4096</dim><dimIncrement>4</dimIncrement>\
         <addressOffset>0</addressOffset></register>\n</cluster>\n";
    let text = device(&peripheral("ARR", 0x4000_0000, regs));
    let (line, _, _, message) = limit_error(generate("arr.svd", &text), "limits.max_registers");
    assert!(message.contains("16777216 registers"), "{message}");
    assert_eq!(line, position(&text, "<register>", 0).0);
}

#[test]
fn fields_past_the_field_limit_are_refused() {
    let config = Config {
        limits: hal_gen::Limits {
            max_fields: 100,
            ..Default::default()
        },
        ..Config::default()
    };
    let fields: String = (0..101)
        .map(|i| field(&format!("F{i}"), i % 32, 1))
        .collect();
    let text = device(&peripheral("F", 0x4000_0000, &register("R", 0, &fields)));
    let result = hal_gen::generate_from_str(Path::new("f.svd"), &text, &config);
    let (line, col, max, _) = limit_error(result, "limits.max_fields");
    assert_eq!(max, 100);
    assert_eq!((line, col), position(&text, "<field>", 100));
}

#[test]
fn xml_elements_past_the_node_limit_are_refused_where_they_pass_it() {
    let config = Config {
        limits: hal_gen::Limits {
            max_xml_nodes: 20,
            ..Default::default()
        },
        ..Config::default()
    };
    let text = small();
    let result = hal_gen::generate_from_str(Path::new("n.svd"), &text, &config);
    let (line, col, max, _) = limit_error(result, "limits.max_xml_nodes");
    assert_eq!(max, 20);
    // The 21st `<` that opens something (the declaration counts).
    let offset = text
        .match_indices('<')
        .filter(|(i, _)| text.as_bytes().get(i + 1) != Some(&b'/'))
        .nth(20)
        .unwrap()
        .0;
    let before = &text[..offset];
    let want_line = before.matches('\n').count() as u32 + 1;
    let want_col = (offset - before.rfind('\n').map_or(0, |i| i + 1)) as u32 + 1;
    assert_eq!((line, col), (want_line, want_col));
}

// ---------------------------------------------------------------------------
// derivedFrom

#[test]
fn derived_from_cycle_between_peripherals_is_dropped() {
    let text = device(&format!(
        "{}{}{}",
        peripheral("BASE", 0x4000_0000, &register("R", 0, "")),
        peripheral("A", 0x4000_1000, "").replace("<peripheral>", "<peripheral derivedFrom=\"B\">"),
        peripheral("B", 0x4000_2000, "").replace("<peripheral>", "<peripheral derivedFrom=\"A\">"),
    ));
    let g = ok(generate("cycle.svd", &text));
    let found = diagnostics(&g, "derived-from-unresolved");
    let paths: Vec<&str> = found.iter().map(|d| d.0.as_str()).collect();
    assert_eq!(paths, ["A", "B"], "{found:?}");
    assert!(found.iter().all(|d| d.2.contains("cycle")), "{found:?}");
    assert_eq!(found[0].1, position(&text, "derivedFrom=\"B\"", 0).0);
}

#[test]
fn peripheral_deriving_from_itself_is_dropped() {
    let text = device(
        &peripheral("SELFISH", 0x4000_0000, &register("R", 0, ""))
            .replace("<peripheral>", "<peripheral derivedFrom=\"SELFISH\">"),
    );
    let g = ok(generate("self.svd", &text));
    let found = diagnostics(&g, "derived-from-unresolved");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "SELFISH");
}

#[test]
fn derived_from_cycle_between_registers_is_dropped() {
    let regs = format!(
        "{}{}",
        register("R1", 0, &field("A", 0, 1)).replace("<register>", "<register derivedFrom=\"R2\">"),
        register("R2", 4, &field("B", 0, 1)).replace("<register>", "<register derivedFrom=\"R1\">"),
    );
    let text = device(&peripheral("P", 0x4000_0000, &regs));
    let g = ok(generate("regcycle.svd", &text));
    let found = diagnostics(&g, "derived-from-unresolved");
    let paths: Vec<&str> = found.iter().map(|d| d.0.as_str()).collect();
    assert_eq!(paths, ["P.R1", "P.R2"], "{found:?}");
    assert!(
        found
            .iter()
            .all(|d| d.2.contains("a chain too long or a cycle")),
        "{found:?}"
    );
}

#[test]
fn peripheral_derive_chain_1000_long_stops_at_the_chain_limit() {
    let mut ps = peripheral("P0", 0x4000_0000, &register("R", 0, ""));
    for i in 1..1000u64 {
        ps.push_str(
            &peripheral(&format!("P{i}"), 0x4000_0000 + i * 0x1000, "").replace(
                "<peripheral>",
                &format!("<peripheral derivedFrom=\"P{}\">", i - 1),
            ),
        );
    }
    let text = device(&ps);
    let max = Config::default().limits.max_derive_chain;
    let (line, _, got_max, message) =
        limit_error(generate("chain.svd", &text), "limits.max_derive_chain");
    assert_eq!(got_max, max as u64);
    // The first peripheral whose chain is longer than the limit.
    let first = format!("<name>P{}</name>", max + 1);
    assert_eq!(line, position(&text, &first, 0).0 - 1, "{message}");
    assert!(message.contains(&format!("P{}", max + 1)), "{message}");
}

#[test]
fn register_derive_chain_1000_long_is_cut_at_the_chain_limit() {
    let mut regs = register("R0", 0, &field("F", 0, 1));
    for i in 1..1000u64 {
        regs.push_str(&register(&format!("R{i}"), i * 4, "").replace(
            "<register>",
            &format!("<register derivedFrom=\"R{}\">", i - 1),
        ));
    }
    let text = device(&peripheral("P", 0x4000_0000, &regs));
    let g = ok(generate("regchain.svd", &text));
    let max = Config::default().limits.max_derive_chain;
    let cut = diagnostics(&g, "derived-from-unresolved");
    // R1..=R{max} resolve; every longer chain is cut.
    assert_eq!(cut.len(), 999 - max, "{:?}", &cut[..3.min(cut.len())]);
    assert_eq!(cut[0].0, format!("P.R{}", max + 1));
    assert!(cut[0].2.contains("a chain too long or a cycle"), "{cut:?}");
    assert_eq!(diagnostics(&g, "derived-from-materialised").len(), max);
}

// ---------------------------------------------------------------------------
// Names

#[test]
fn path_names_are_cleaned_and_nothing_is_written_outside_out() {
    let regs = register("../../../../tmp/x", 0, &field("a/b", 0, 1))
        + &register("/etc/passwd", 4, "")
        + &register("..", 8, "");
    let text = device(&peripheral("../../evil", 0x4000_0000, &regs))
        .replace("<name>HOSTILE</name>", "<name>../../../escape</name>");
    let g = ok(generate("paths.svd", &text));
    let renamed: Vec<String> = diagnostics(&g, "name").into_iter().map(|d| d.2).collect();
    for want in [
        "device name `../../../escape` renamed `_escape`",
        "peripheral name `../../evil` is not a usable identifier; renamed `_evil`",
        "register name `../../../../tmp/x` is not a usable identifier; renamed `_tmp_x`",
        "register name `/etc/passwd` is not a usable identifier; renamed `_etc_passwd`",
        "register name `..` is not a usable identifier; renamed `UNNAMED_`",
        "field name `a/b` is not a usable identifier; renamed `a_b`",
    ] {
        assert!(
            renamed.iter().any(|m| m == want),
            "{want}\nnot in {renamed:#?}"
        );
    }
    assert_paths_contained(&g);
    assert!(
        g.files.keys().all(|p| p.starts_with("escape")),
        "{:?}",
        g.files.keys()
    );
    assert!(g.files.contains_key("escape-pac/src/lib.rs"));

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("paths.svd");
    std::fs::write(&path, &text).unwrap();
    let run = run_cli_in(dir.path(), &path);
    assert!(run.status.success(), "{}", common::stderr(&run));
    assert!(dir.path().join("out/escape-pac/src/lib.rs").is_file());
}

#[test]
fn nul_in_a_name_is_an_xml_error_at_the_nul() {
    let text = small().replace("<name>CTRL</name>", "<name>CT\0RL</name>");
    let (line, col, message) = svd_error(generate("nul.svd", &text));
    assert_eq!((line, col), position(&text, "\0", 0), "{message}");
    assert!(message.contains("not well-formed XML"), "{message}");
}

#[test]
fn nul_character_reference_is_an_xml_error() {
    let text = small().replace("<name>CTRL</name>", "<name>CT&#0;RL</name>");
    let (line, _, message) = svd_error(generate("nulref.svd", &text));
    assert_eq!(line, position(&text, "&#0;", 0).0, "{message}");
    assert!(message.contains("not well-formed XML"), "{message}");
}

#[test]
fn non_ascii_names_are_cleaned() {
    let regs = register("CTRL", 0, &field("ÉTAT", 0, 1)) + &register("計數器", 4, "");
    let text = device(&peripheral("TÏMER", 0x4000_0000, &regs))
        .replace("<name>HOSTILE</name>", "<name>設備</name>");
    let g = ok(generate("unicode.svd", &text));
    let renamed: Vec<(String, String)> = diagnostics(&g, "name")
        .into_iter()
        .map(|d| (d.0, d.2))
        .collect();
    let messages: Vec<&str> = renamed.iter().map(|r| r.1.as_str()).collect();
    for want in [
        "peripheral name `TÏMER` is not a usable identifier; renamed `T_MER`",
        "field name `ÉTAT` is not a usable identifier; renamed `_TAT`",
        "register name `計數器` is not a usable identifier; renamed `UNNAMED_`",
        "device name `設備` renamed `UNNAMED_`",
    ] {
        assert!(messages.contains(&want), "{want}\nnot in {messages:#?}");
    }
    assert_paths_contained(&g);
    // Every generated file is ASCII-named.
    assert!(g.files.keys().all(|p| p.is_ascii()), "{:?}", g.files.keys());
}

#[test]
fn rust_keywords_as_names_get_a_suffix() {
    let regs = register("type", 0, &(field("self", 0, 1) + &field("crate", 1, 1)))
        + &register("Self", 4, "")
        + &register("super", 8, "");
    let text = device(&peripheral("match", 0x4000_0000, &regs));
    let g = ok(generate("keywords.svd", &text));
    let messages: Vec<String> = diagnostics(&g, "name").into_iter().map(|d| d.2).collect();
    for (kind, name) in [
        ("peripheral", "match"),
        ("register", "type"),
        ("register", "Self"),
        ("register", "super"),
        ("field", "self"),
        ("field", "crate"),
    ] {
        let want = format!("{kind} name `{name}` is not a usable identifier; renamed `{name}_`");
        assert!(messages.contains(&want), "{want}\nnot in {messages:#?}");
    }
    // svd2rust's output parsed as Rust (the PAC stage does that), so the
    // cleaned names are identifiers.
    assert!(g.files.contains_key("hostile-pac/src/match_.rs"));
}

/// A hostile SVD file name cannot break out of the do-not-edit comment or
/// the TOML string it is quoted in.
#[test]
fn hostile_file_name_stays_inside_comments_and_strings() {
    // A file name cannot hold `/`, so `*/` cannot come from one.
    let name = "a\nfn evil() {}\r\n-->\"\n[build-dependencies]\nevil = \"1`.svd";
    let g = ok(generate(name, &small()));
    for (path, contents) in &g.files {
        assert!(!contents.contains("\nfn evil"), "{path}");
        let first = contents.lines().next().unwrap();
        if first.contains("@generated by hal-gen") {
            assert_eq!(
                hal_gen::header::check(contents),
                hal_gen::header::Stamp::Intact,
                "{path}: {first}"
            );
        }
    }
    let cargo = &g.files["hostile-pac/Cargo.toml"];
    let manifest: toml::Value = toml::from_str(cargo).expect("valid TOML");
    assert!(manifest.get("build-dependencies").is_none(), "{cargo}");
    let description = manifest["package"]["description"].as_str().unwrap();
    assert!(
        description.ends_with("from a_fn evil() {}__-->__[build-dependencies]_evil = _1_.svd"),
        "{description}"
    );
}

// ---------------------------------------------------------------------------
// Numbers and bit ranges

#[test]
fn reset_value_overflowing_u64_is_an_error_at_the_value() {
    let text = small().replacen(
        "<addressOffset>",
        "<resetValue>0x1FFFFFFFFFFFFFFFF</resetValue><addressOffset>",
        1,
    );
    let (line, _, message) = svd_error(generate("reset.svd", &text));
    assert_eq!(
        line,
        position(&text, "0x1FFFFFFFFFFFFFFFF", 0).0,
        "{message}"
    );
    assert!(message.contains("resetValue"), "{message}");
}

#[test]
fn address_offset_overflowing_u64_is_an_error_at_the_offset() {
    let text = small().replace(
        "<addressOffset>0x0</addressOffset>",
        "<addressOffset>99999999999999999999999</addressOffset>",
    );
    let (line, _, message) = svd_error(generate("offset.svd", &text));
    assert_eq!(
        line,
        position(&text, "99999999999999999999999", 0).0,
        "{message}"
    );
    assert!(message.contains("addressOffset"), "{message}");
}

#[test]
fn bit_offset_overflowing_u32_is_an_error_at_the_field() {
    let text = small().replace(
        "<bitOffset>0</bitOffset>",
        "<bitOffset>4294967296</bitOffset>",
    );
    let (line, _, message) = svd_error(generate("bitoffset.svd", &text));
    assert_eq!(line, position(&text, "4294967296", 0).0, "{message}");
}

#[test]
fn dim_overflowing_u64_is_an_error() {
    let text = small().replace(
        "<register><name>CTRL</name>",
        "<register><name>CTRL%s</name><dim>99999999999999999999</dim><dimIncrement>4</dimIncrement>",
    );
    let (line, _, message) = svd_error(generate("dimoverflow.svd", &text));
    assert_eq!(
        line,
        position(&text, "99999999999999999999", 0).0,
        "{message}"
    );
    assert!(message.contains("dim"), "{message}");
}

#[test]
fn bit_ranges_wider_than_the_register_are_narrowed_or_dropped() {
    let fields = field("PAST", 28, 8)
        + &field("HUGE", 0, 4_294_967_295)
        + &field("FAR", 4_294_967_295, 4_294_967_295)
        + "<field><name>RANGE</name><bitRange>[63:40]</bitRange></field>"
        + "<field><name>LSBMSB</name><lsb>30</lsb><msb>40</msb></field>";
    let text = device(&peripheral("P", 0x4000_0000, &register("R", 0, &fields)));
    let g = ok(generate("bits.svd", &text));
    let narrowed: Vec<String> = diagnostics(&g, "field-too-wide")
        .into_iter()
        .map(|d| d.0)
        .collect();
    assert_eq!(narrowed, ["P.R.PAST", "P.R.HUGE", "P.R.LSBMSB"]);
    let dropped: Vec<String> = diagnostics(&g, "field-outside-register")
        .into_iter()
        .map(|d| d.0)
        .collect();
    assert_eq!(dropped, ["P.R.FAR", "P.R.RANGE"]);
    let far = &diagnostics(&g, "field-outside-register")[0].2;
    assert!(far.contains("bits 4294967295..8589934590"), "{far}");
}

#[test]
fn reversed_lsb_msb_is_an_error_at_the_field() {
    let fields = "<field><name>BACK</name><lsb>7</lsb><msb>3</msb></field>";
    let text = device(&peripheral("P", 0x4000_0000, &register("R", 0, fields)));
    let (line, _, message) = svd_error(generate("reversed.svd", &text));
    assert_eq!(line, position(&text, "<field>", 0).0, "{message}");
}

/// `[4294967295:0]` is 2^32 bits wide: svd-parser's u32 width would
/// overflow (a panic in a debug build), so the loader refuses it first.
#[test]
fn bit_range_of_2_pow_32_bits_is_an_error_at_the_field() {
    for spelling in [
        "<bitRange>[4294967295:0]</bitRange>",
        "<lsb>0</lsb><msb>4294967295</msb>",
    ] {
        let fields = format!("<field><name>ALL</name>{spelling}</field>");
        let text = device(&peripheral("P", 0x4000_0000, &register("R", 0, &fields)));
        let (line, col, message) = svd_error(generate("all.svd", &text));
        assert_eq!((line, col), position(&text, "<field>", 0), "{message}");
        assert!(message.contains("2^32 bits"), "{message}");
    }
}

#[test]
fn peripherals_at_the_same_address_are_kept_with_a_warning() {
    let text = device(&format!(
        "{}{}",
        peripheral("UART0", 0x4000_0000, &register("DATA", 0, "")),
        peripheral("USART0", 0x4000_0000, &register("DATA", 0, "")),
    ));
    let g = ok(generate("alias.svd", &text));
    let found: Vec<_> = g
        .diagnostics
        .iter()
        .filter(|d| d.code == "same-address")
        .collect();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].severity, Severity::Warning);
    assert_eq!(found[0].path, "USART0");
    assert!(
        found[0].message.contains("0x40000000"),
        "{}",
        found[0].message
    );
    assert!(found[0].message.contains("UART0"), "{}", found[0].message);
    assert_eq!(
        found[0].location.unwrap().line,
        position(&text, "<name>USART0</name>", 0).0 - 1
    );
    assert_eq!(g.chip.peripherals.len(), 2);
}

#[test]
fn dim_of_2_pow_31_stops_at_the_dim_limit() {
    let text = small().replace(
        "<register><name>CTRL</name>",
        "<register><name>CTRL%s</name><dim>2147483648</dim><dimIncrement>4</dimIncrement>",
    );
    let (line, col, max, _) = limit_error(generate("dim.svd", &text), "limits.max_dim");
    assert_eq!(max, u64::from(Config::default().limits.max_dim));
    assert_eq!((line, col), position(&text, "<dim>", 0));
}

/// Found by the fuzzer: svd2rust panics on an array of no elements.
#[test]
fn dim_of_zero_is_dropped() {
    let regs = "<cluster><name>SLOT%s</name><dim>0</dim><dimIncrement>0x10</dimIncrement>\
         <addressOffset>0x10</addressOffset>\n"
        .to_string()
        + &register("DATA", 0, "")
        + "</cluster>\n"
        + &register("CTRL", 0, "");
    let text = device(&peripheral("P", 0x4000_0000, &regs));
    let g = ok(generate("dim0.svd", &text));
    let found = diagnostics(&g, "dim-zero");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "P.SLOT%s");
    assert_eq!(found[0].1, position(&text, "<cluster>", 0).0);
}

#[test]
fn dim_index_of_the_wrong_length_is_an_error_at_the_register() {
    let text = small().replace(
        "<register><name>CTRL</name>",
        "<register><name>CTRL_%s</name><dim>4</dim><dimIncrement>4</dimIncrement><dimIndex>A,B</dimIndex>",
    );
    let (line, _, message) = svd_error(generate("dimindex.svd", &text));
    assert_eq!(line, position(&text, "<dimIndex>", 0).0, "{message}");
    assert!(message.contains("dimIndex"), "{message}");
}

#[test]
fn interrupt_number_of_2_pow_32_minus_1_stops_at_the_interrupt_limit() {
    let text = small().replace(
        "<registers>",
        "<interrupt><name>IRQ</name><value>4294967295</value></interrupt>\n      <registers>",
    );
    let (line, col, max, _) = limit_error(generate("irq.svd", &text), "limits.max_interrupt");
    assert_eq!(max, u64::from(Config::default().limits.max_interrupt));
    assert_eq!((line, col), position(&text, "<value>", 0));
}

// ---------------------------------------------------------------------------
// Encoding

#[test]
fn overlong_utf8_slash_is_refused_at_its_byte() {
    let dir = tempfile::tempdir().unwrap();
    let text = small();
    let at = text.find("<name>CTRL").unwrap() + "<name>".len();
    let mut bytes = text.as_bytes().to_vec();
    bytes.splice(at..at, [b'.', b'.', 0xC0, 0xAF]); // "../" with an overlong '/'
    let path = dir.path().join("overlong.svd");
    std::fs::write(&path, &bytes).unwrap();
    match hal_gen::generate(&path, &Config::default()) {
        Err(Error::NotUtf8 {
            line, col, offset, ..
        }) => {
            let (l, c) = position(&text, "<name>CTRL", 0);
            assert_eq!((line, col, offset), (l, c + 8, at + 2));
        }
        other => panic!("expected NotUtf8, got {other:?}"),
    }
}

#[test]
fn utf16_file_is_refused_as_not_utf8() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = vec![0xFF, 0xFE];
    for unit in small().encode_utf16() {
        bytes.extend_from_slice(&unit.to_le_bytes());
    }
    let path = dir.path().join("utf16.svd");
    std::fs::write(&path, &bytes).unwrap();
    match hal_gen::generate(&path, &Config::default()) {
        Err(Error::NotUtf8 {
            line, col, offset, ..
        }) => assert_eq!((line, col, offset), (1, 1, 0)),
        other => panic!("expected NotUtf8, got {other:?}"),
    }
}

#[test]
fn bom_then_a_doctype_is_still_refused_at_the_doctype() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "<?xml version=\"1.0\"?>\n<!DOCTYPE device [<!ENTITY a \"b\">]>\n{}",
        &small()[small().find("<device").unwrap()..]
    );
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(text.as_bytes());
    let path = dir.path().join("bomdtd.svd");
    std::fs::write(&path, &bytes).unwrap();
    let (line, col, message) = svd_error(hal_gen::generate(&path, &Config::default()));
    assert_eq!((line, col), (2, 1), "{message}");
}

#[test]
fn bom_is_accepted_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bom.svd");
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(small().as_bytes());
    std::fs::write(&path, &bytes).unwrap();
    let with = ok(hal_gen::generate(&path, &Config::default()));
    let plain = dir.path().join("plain").join("bom.svd");
    std::fs::create_dir_all(plain.parent().unwrap()).unwrap();
    std::fs::write(&plain, small()).unwrap();
    let without = ok(hal_gen::generate(&plain, &Config::default()));
    assert_eq!(with.files, without.files);
}

// ---------------------------------------------------------------------------
// Writer backstop

#[test]
fn writer_refuses_paths_that_leave_the_output_directory() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    for bad in [
        "x-pac/../../escape.rs",
        "../escape/lib.rs",
        "/abs/lib.rs",
        "x-pac//lib.rs",
        "x-pac/./lib.rs",
    ] {
        let tree: hal_gen::FileTree = [(bad.to_string(), "x".to_string())].into();
        match hal_gen::write_output(&out, &tree, "x.svd", &Config::default()) {
            Err(Error::UnsafePath { path }) => assert!(path.ends_with(bad.trim_start_matches('/'))),
            other => panic!("{bad}: expected UnsafePath, got {other:?}"),
        }
    }
    assert!(listing(dir.path()).is_empty(), "{:?}", listing(dir.path()));
}

// ---------------------------------------------------------------------------
// Fuzzer findings

/// What each hand-written regression in `tests/fixtures/hostile/` must
/// now give: an error variant (with the limit, for `Limit`) or a repair code.
fn expected_regression(name: &str) -> Option<&'static str> {
    Some(match name {
        "crash-field-offset-overflow.svd" => "repair field-outside-register",
        "crash-bitrange-2-pow-32.svd" => "error svd",
        "crash-interrupt-vector.svd" => "error limits.max_interrupt",
        "crash-deep-nesting.svd" => "error limits.max_xml_depth",
        "fuzz-crash-c590dae904f1c76095455658eefcca3232eeaf30.svd" => "repair dim-zero",
        _ => return None,
    })
}

/// Every input that once crashed hal-gen (by hand, or found by `cargo
/// xtask fuzz`, which copies its crashes here as `fuzz-*`) now loads to a
/// result: an error or a crate, no panic, including one that svd2rust
/// raises inside hal-gen's backstop. Hand-written ones get their exact result.
#[test]
fn regression_fixtures_do_not_panic() {
    let dir = common::fixtures_dir().join("hostile");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".svd"))
        .collect();
    names.sort();
    assert!(names.len() >= 4, "{names:?}");
    for name in names {
        let bytes = std::fs::read(dir.join(&name)).unwrap();
        let result = std::panic::catch_unwind(|| {
            let config = Config::default();
            hal_gen::load::load_bytes(Path::new(&name), &bytes, &config)?;
            let text =
                std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes)).unwrap();
            hal_gen::generate_from_str(Path::new(&name), text, &config)
        });
        let result = match result {
            Err(_) => panic!("{name} panicked"),
            Ok(Err(Error::Pac { message })) if message.contains("panicked") => {
                panic!("{name}: {message}")
            }
            Ok(result) => result,
        };
        let Some(expected) = expected_regression(&name) else {
            assert!(name.starts_with("fuzz-"), "{name}: add its expected result");
            continue;
        };
        let got = match &result {
            Ok(g) => g
                .diagnostics
                .iter()
                .find(|d| expected == format!("repair {}", d.code))
                .map_or_else(|| "success".to_string(), |_| expected.to_string()),
            Err(Error::Limit { limit, .. }) => format!("error {limit}"),
            Err(Error::Svd { .. }) => "error svd".to_string(),
            Err(other) => format!("error {other:?}"),
        };
        assert_eq!(got, expected, "{name}");
    }
}
