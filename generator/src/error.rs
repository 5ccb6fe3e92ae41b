//! The errors hal-gen reports. Each one that comes from the SVD carries its
//! location, so miette can point into the file.

use miette::{NamedSource, SourceSpan};
use std::path::PathBuf;

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[non_exhaustive]
pub enum Error {
    #[error("cannot read {path}")]
    #[diagnostic(code(hal_gen::io))]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },

    #[error("{path} is a directory, not an SVD file")]
    #[diagnostic(code(hal_gen::not_a_file))]
    IsDirectory { path: PathBuf },

    #[error("{path} is {size} bytes, over the limit of {limit} bytes (limits.max_file_bytes)")]
    #[diagnostic(code(hal_gen::limit))]
    FileTooLarge {
        path: PathBuf,
        size: u64,
        limit: u64,
    },

    #[error("{path} is empty")]
    #[diagnostic(code(hal_gen::empty))]
    Empty { path: PathBuf },

    #[error(
        "{path}:{line}:{col}: not valid UTF-8 (byte offset {offset}); SVD files must be UTF-8"
    )]
    #[diagnostic(code(hal_gen::encoding))]
    NotUtf8 {
        path: PathBuf,
        line: u32,
        col: u32,
        offset: usize,
    },

    // The file name lives in `src` only: the variant stays small enough to
    // return by value (clippy::result_large_err).
    #[error("{}:{line}:{col}: {message}", .src.name())]
    #[diagnostic(code(hal_gen::svd))]
    Svd {
        line: u32,
        col: u32,
        message: String,
        #[source_code]
        src: NamedSource<String>,
        #[label("here")]
        span: SourceSpan,
    },

    /// A structural limit of [`Limits`](crate::Limits) was hit at
    /// `line:col`; `limit` names the knob and `max` is its value.
    #[error("{path}:{line}:{col}: {limit} exceeded: {detail}; the limit is {max}")]
    #[diagnostic(
        code(hal_gen::limit),
        help("the limits guard against hostile input; raise the named one in hal_gen::Limits if the file is genuine")
    )]
    Limit {
        path: PathBuf,
        line: u32,
        col: u32,
        limit: &'static str,
        max: u64,
        detail: String,
    },

    #[error("--strict: the SVD needs {count} repair(s); the first: {first}")]
    #[diagnostic(
        code(hal_gen::strict),
        help("run without --strict to apply the repairs")
    )]
    Strict { count: usize, first: String },

    #[error("svd2rust could not generate the PAC: {message}")]
    #[diagnostic(code(hal_gen::pac))]
    Pac { message: String },

    #[error("catalogue {file}: {message}")]
    #[diagnostic(
        code(hal_gen::catalogue),
        help("templates/README.md describes the family file format")
    )]
    Catalogue { file: String, message: String },

    #[error("template {name}: {message}")]
    #[diagnostic(code(hal_gen::template))]
    Template { name: String, message: String },

    #[error("{path} exists and was not created by hal-gen (no .hal-gen manifest); refusing to overwrite it")]
    #[diagnostic(
        code(hal_gen::foreign_output),
        help("choose another -o, or pass --force")
    )]
    ForeignOutput { path: PathBuf },

    #[error("{} generated file(s) were edited since hal-gen wrote them; refusing to overwrite: {}", files.len(), files.join(", "))]
    #[diagnostic(
        code(hal_gen::edited),
        help("move your changes into hand-written modules, or pass --force (the new versions were written beside them as *.hal-gen-new)")
    )]
    Edited { files: Vec<String> },

    #[error("refusing to write {path}: the path would leave the output directory or is not a plain relative path")]
    #[diagnostic(code(hal_gen::unsafe_path))]
    UnsafePath { path: PathBuf },

    #[error("cannot write {path}")]
    #[diagnostic(code(hal_gen::write))]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl Error {
    /// An error at a byte offset of the SVD text.
    pub(crate) fn at(path: &std::path::Path, text: &str, offset: usize, message: String) -> Self {
        let (line, col) = crate::source_map::line_col(text, offset);
        let len = text[offset.min(text.len())..]
            .find(['>', '\n'])
            .map(|n| n + 1)
            .unwrap_or(0);
        Error::Svd {
            line,
            col,
            message,
            src: NamedSource::new(path.display().to_string(), text.to_string()),
            span: (offset.min(text.len()), len).into(),
        }
    }
}
