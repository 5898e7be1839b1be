use std::path::PathBuf;

/// Everything that can go wrong reading lists or queries. Parse errors name the file and line.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot read {}", file.display())]
    Io {
        file: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}:{line}: {message}", file.display())]
    Parse { file: PathBuf, line: u64, message: String },
    #[error(
        "unknown list format {0:?}; expected one of csl-csv, ofac-csv, ofac-xml, un-xml, bis-dpl, ftm-json"
    )]
    UnknownFormat(String),
    #[error("list spec {0:?} must be written FORMAT:PATH, e.g. csl-csv:consolidated.csv")]
    BadSpec(String),
    #[error("{}: the list holds no entries", file.display())]
    Empty { file: PathBuf },
    #[error("queries line {line}: {message}")]
    Query { line: u64, message: String },
    #[error("writing results: {0}")]
    Output(#[source] std::io::Error),
}

impl Error {
    pub(crate) fn parse(file: &std::path::Path, line: u64, message: impl Into<String>) -> Self {
        Error::Parse { file: file.to_path_buf(), line, message: message.into() }
    }

    pub(crate) fn io(file: &std::path::Path, source: std::io::Error) -> Self {
        Error::Io { file: file.to_path_buf(), source }
    }
}
