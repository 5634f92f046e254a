//! Why a preset could not be imported.

use std::path::PathBuf;

use crate::exit_status::ExitStatus;
use crate::problem::{FileProblem, Listed};

/// Why a file could not be imported.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file could not be read.
    #[error("{path}: cannot read: {source}", path = .path.display())]
    Io {
        /// File path.
        path: PathBuf,
        /// Underlying error.
        source: std::io::Error,
    },
    /// A line is malformed, or the file as a whole is not something iemlab can import.
    #[error(transparent)]
    Problem(#[from] FileProblem),
    /// Several lines hold values a profile cannot have.
    #[error("{}", Listed(.0))]
    Problems(Vec<FileProblem>),
}

/// The file is the user's input, unreadable or not: exit code 2.
impl ExitStatus for ImportError {
    fn exit_code(&self) -> u8 {
        2
    }
}
