//! The library's error type.

use std::path::PathBuf;

/// Everything that can go wrong in isdb, with enough context to act on.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input (flags, config file, URL) is invalid; nothing was done.
    #[error("{0}")]
    Usage(String),
    /// A migration definition under `migrations/` is invalid.
    #[error("migration {group} {version}: {message}")]
    Definition {
        /// Table group.
        group: String,
        /// Version.
        version: String,
        /// What is wrong.
        message: String,
    },
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The database reported an error.
    #[error("{context}: {source}")]
    Database {
        /// What isdb was doing (never contains a password).
        context: String,
        /// The driver's error.
        #[source]
        source: sqlx::Error,
    },
    /// A migration failed or the history disagrees with the definitions.
    #[error(transparent)]
    Migrate(Box<crate::migrate::MigrateError>),
    /// The requested operation is not supported for this target yet.
    #[error("{0}")]
    Unsupported(String),
    /// Replacing a set of files failed; the message names the files changed,
    /// put back and not touched.
    #[error("{0}")]
    Files(String),
}

impl From<crate::migrate::MigrateError> for Error {
    fn from(e: crate::migrate::MigrateError) -> Error {
        Error::Migrate(Box::new(e))
    }
}

impl Error {
    /// Wraps an I/O error with the path it concerns.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Error {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// Wraps a driver error with what isdb was doing.
    pub fn db(context: impl Into<String>, source: sqlx::Error) -> Error {
        Error::Database {
            context: context.into(),
            source,
        }
    }

    /// The process exit code that fits this error: 2 for usage, 1 otherwise.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Usage(_) | Error::Unsupported(_) => 2,
            _ => 1,
        }
    }
}
