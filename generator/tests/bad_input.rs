//! Input hal-gen must refuse cleanly: the right `Error` variant with a
//! location where there is one, and from the binary a non-zero exit, a
//! message naming the file, no panic, and no output directory.

mod common;

use hal_gen::{Config, Error};
use std::path::{Path, PathBuf};

/// What the binary's stderr must say, besides the file name.
struct Cli<'a> {
    /// `file:line:col` must appear.
    line_col: Option<(u32, u32)>,
    /// Further text that must appear.
    mentions: &'a [&'a str],
}

/// Run the binary on `svd` into a fresh `OUT` and check that it failed
/// cleanly without creating `OUT`.
fn assert_cli_refuses(svd: &Path, expect: Cli) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let run = common::run_hal_gen([svd.as_os_str(), "-o".as_ref(), out.as_os_str()]);
    let stderr = common::stderr(&run);
    let shown = format!("stderr for {}:\n{stderr}", svd.display());
    assert!(!run.status.success(), "exit status 0; {shown}");
    assert_eq!(run.status.code(), Some(1), "{shown}");
    assert!(!stderr.contains("panicked"), "{shown}");
    assert!(!stderr.contains("RUST_BACKTRACE"), "{shown}");
    assert!(
        common::says(&stderr, &svd.display().to_string()),
        "file not named; {shown}"
    );
    if let Some((line, col)) = expect.line_col {
        let at = format!("{}:{line}:{col}", svd.display());
        assert!(common::says(&stderr, &at), "no {at}; {shown}");
    }
    for m in expect.mentions {
        assert!(common::says(&stderr, m), "no {m:?}; {shown}");
    }
    assert!(!out.exists(), "OUT was created; {shown}");
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn generate(path: &Path) -> Result<hal_gen::Generated, Error> {
    hal_gen::generate(path, &Config::default())
}

/// 1-based line and column of the first occurrence of `needle`.
fn position(text: &str, needle: &str) -> (u32, u32) {
    let at = text.find(needle).unwrap();
    let before = &text[..at];
    let line = before.matches('\n').count() as u32 + 1;
    let col = (at - before.rfind('\n').map_or(0, |i| i + 1)) as u32 + 1;
    (line, col)
}

fn expect_svd_error(result: Result<hal_gen::Generated, Error>) -> (u32, u32, String) {
    match result {
        Err(Error::Svd {
            line, col, message, ..
        }) => (line, col, message),
        Err(other) => panic!("expected Error::Svd, got {other:?}"),
        Ok(_) => panic!("expected Error::Svd, got success"),
    }
}

fn truncated_minimal(dir: &Path) -> (PathBuf, String) {
    let text = common::fixture_text("minimal.svd");
    let half = text[..text.len() / 2].to_string();
    (write(dir, "truncated.svd", half.as_bytes()), half)
}

#[test]
fn truncated_svd() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = truncated_minimal(dir.path());
    let (line, col, message) = expect_svd_error(generate(&path));
    assert!(message.contains("not well-formed XML"), "{message}");
    assert!(message.contains("never closed"), "{message}");
    assert_cli_refuses(
        &path,
        Cli {
            line_col: Some((line, col)),
            mentions: &["not well-formed XML"],
        },
    );
}

/// roxmltree gives no position for "unclosed root" and "unexpected end of
/// stream"; load.rs passes its placeholder 1:1 on instead of pointing at
/// the end of the text (or the unclosed element).
#[test]
fn truncated_svd_points_at_the_end() {
    let dir = tempfile::tempdir().unwrap();
    let (path, half) = truncated_minimal(dir.path());
    let (line, _, message) = expect_svd_error(generate(&path));
    let last_line = half.lines().count() as u32;
    assert!(
        line + 1 >= last_line,
        "{message}: reported on line {line}, the text ends on line {last_line}"
    );
}

#[test]
fn xml_that_is_not_svd() {
    let dir = tempfile::tempdir().unwrap();
    let text = "<?xml version=\"1.0\"?>\n<html>\n  <body>hello</body>\n</html>\n";
    let path = write(dir.path(), "page.svd", text.as_bytes());
    let (line, col, message) = expect_svd_error(generate(&path));
    assert_eq!((line, col), (2, 1));
    assert!(message.contains("not an SVD file"), "{message}");
    assert!(message.contains("<html>"), "{message}");
    assert_cli_refuses(
        &path,
        Cli {
            line_col: Some((2, 1)),
            mentions: &["not an SVD file"],
        },
    );
}

#[test]
fn device_without_peripherals_is_an_svd_error() {
    let dir = tempfile::tempdir().unwrap();
    let text = "<device>\n  <name>X</name>\n</device>\n";
    let path = write(dir.path(), "bare.svd", text.as_bytes());
    let (line, _, message) = expect_svd_error(generate(&path));
    assert!(message.contains("peripherals"), "{message}");
    assert_eq!(line, 1, "{message}");
    assert_cli_refuses(
        &path,
        Cli {
            line_col: None,
            mentions: &["peripherals"],
        },
    );
}

#[test]
fn empty_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "empty.svd", b"");
    assert!(matches!(generate(&path), Err(Error::Empty { .. })));
    assert_cli_refuses(
        &path,
        Cli {
            line_col: None,
            mentions: &["is empty"],
        },
    );
}

#[test]
fn whitespace_only_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "blank.svd", b"  \n\t\r\n   \n");
    assert!(matches!(generate(&path), Err(Error::Empty { .. })));
    // A BOM followed by nothing is empty too.
    let bom = write(dir.path(), "bom-only.svd", b"\xEF\xBB\xBF\n");
    assert!(matches!(generate(&bom), Err(Error::Empty { .. })));
    assert_cli_refuses(
        &path,
        Cli {
            line_col: None,
            mentions: &["is empty"],
        },
    );
}

#[test]
fn binary_file() {
    let dir = tempfile::tempdir().unwrap();
    // Deterministic "random" bytes with NULs and invalid UTF-8.
    let mut bytes = vec![0x7f, b'E', b'L', b'F', 0x00, 0x00, 0xff, 0xfe, 0x80];
    let mut x: u32 = 0x1234_5678;
    for _ in 0..4096 {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        bytes.push(x as u8);
    }
    let path = write(dir.path(), "firmware.bin", &bytes);
    match generate(&path) {
        Err(Error::NotUtf8 {
            line, col, offset, ..
        }) => {
            assert_eq!((line, col, offset), (1, 7, 6));
        }
        other => panic!("expected NotUtf8, got {other:?}"),
    }
    assert_cli_refuses(
        &path,
        Cli {
            line_col: Some((1, 7)),
            mentions: &["UTF-8"],
        },
    );
}

#[test]
fn directory() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("chip.svd");
    std::fs::create_dir(&path).unwrap();
    assert!(matches!(generate(&path), Err(Error::IsDirectory { .. })));
    assert_cli_refuses(
        &path,
        Cli {
            line_col: None,
            mentions: &["is a directory"],
        },
    );
}

#[test]
fn nonexistent_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("missing.svd");
    match generate(&path) {
        Err(Error::Read { source, .. }) => {
            assert_eq!(source.kind(), std::io::ErrorKind::NotFound)
        }
        other => panic!("expected Error::Read, got {other:?}"),
    }
    assert_cli_refuses(
        &path,
        Cli {
            line_col: None,
            mentions: &["cannot read"],
        },
    );
}

#[test]
fn doctype_with_entities_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let text = r#"<?xml version="1.0"?>
<!DOCTYPE device [
  <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
  <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
  <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
  <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
  <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
  <!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">
  <!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;">
]>
<device>
  <name>&g;</name>
  <peripherals/>
</device>
"#;
    let path = write(dir.path(), "laughs.svd", text.as_bytes());
    let (line, col, message) = expect_svd_error(generate(&path));
    assert!(message.contains("DTD"), "{message}");
    assert_cli_refuses(
        &path,
        Cli {
            line_col: Some((line, col)),
            mentions: &["DTD"],
        },
    );
}

/// roxmltree gives no position for `DtdDetected`; load.rs reports 1:1
/// rather than the `<!DOCTYPE` line.
#[test]
fn doctype_error_points_at_the_doctype() {
    let dir = tempfile::tempdir().unwrap();
    let text = "<?xml version=\"1.0\"?>\n<!DOCTYPE device [\n  <!ENTITY a \"x\">\n]>\n<device/>\n";
    let path = write(dir.path(), "dtd.svd", text.as_bytes());
    let (line, col, message) = expect_svd_error(generate(&path));
    assert_eq!((line, col), (2, 1), "{message}");
}

#[test]
fn utf8_bom_is_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(common::fixture_text("minimal.svd").as_bytes());
    let path = write(dir.path(), "minimal.svd", &bytes);
    let with_bom = generate(&path).expect("a BOM is fine");
    let without = common::generate_ok("minimal.svd");
    assert_eq!(with_bom.files, without.files);
    assert!(with_bom.diagnostics.is_empty());

    // The binary agrees, and writes the crate.
    let out = dir.path().join("out");
    let run = common::run_hal_gen([path.as_os_str(), "-o".as_ref(), out.as_os_str()]);
    assert!(run.status.success(), "{}", common::stderr(&run));
    assert!(out.join("minimal-pac/src/lib.rs").is_file());
}

#[test]
fn invalid_utf8_in_the_middle() {
    let dir = tempfile::tempdir().unwrap();
    let text = common::fixture_text("minimal.svd");
    let needle = "<description>A 16-bit timer.</description>";
    let (line, col) = position(&text, needle);
    let at = text.find(needle).unwrap() + "<description>A ".len();
    let mut bytes = text.as_bytes().to_vec();
    bytes.splice(at..at, [0xC3, 0x28]); // a truncated two-byte sequence
    let path = write(dir.path(), "latin1.svd", &bytes);
    let expected_col = col + "<description>A ".len() as u32;
    match generate(&path) {
        Err(Error::NotUtf8 {
            line: l,
            col: c,
            offset,
            ..
        }) => {
            assert_eq!((l, c, offset), (line, expected_col, at));
        }
        other => panic!("expected NotUtf8, got {other:?}"),
    }
    assert_cli_refuses(
        &path,
        Cli {
            line_col: Some((line, expected_col)),
            mentions: &["not valid UTF-8"],
        },
    );
}

#[test]
fn base_address_overflowing_u64() {
    let dir = tempfile::tempdir().unwrap();
    let text = common::fixture_text("minimal.svd").replace(
        "<baseAddress>0x40001000</baseAddress>",
        "<baseAddress>0x1FFFFFFFFFFFFFFFF</baseAddress>",
    );
    let (want_line, want_col) = position(&text, "<baseAddress>");
    let path = write(dir.path(), "overflow.svd", text.as_bytes());
    let (line, col, message) = expect_svd_error(generate(&path));
    assert_eq!((line, col), (want_line, want_col), "{message}");
    assert!(message.contains("baseAddress"), "{message}");
    assert!(message.contains("too large"), "{message}");
    assert_cli_refuses(
        &path,
        Cli {
            line_col: Some((line, col)),
            mentions: &["baseAddress"],
        },
    );
}

#[test]
fn limits_are_named_in_their_errors() {
    let dir = tempfile::tempdir().unwrap();
    let path = common::fixture_path("minimal.svd");
    let tiny = Config {
        limits: hal_gen::Limits {
            max_file_bytes: 100,
            ..Default::default()
        },
        ..Config::default()
    };
    let err = hal_gen::generate(&path, &tiny).unwrap_err();
    assert!(
        matches!(err, Error::FileTooLarge { limit: 100, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("limits.max_file_bytes"));

    let text = common::fixture_text("array.svd").replace("<dim>4</dim>", "<dim>100000</dim>");
    let big = write(dir.path(), "huge-dim.svd", text.as_bytes());
    let err = hal_gen::generate(&big, &Config::default()).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Limit {
                limit: "limits.max_dim",
                ..
            }
        ),
        "{err:?}"
    );
}
