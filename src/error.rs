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
    #[error("{context}: {}", describe_db(source))]
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

/// A driver error as the operator needs it: the server's message without the
/// driver's "error returned from database" prefix or PostgreSQL's source line
/// ("at line 1454", a line of the server's C code).
pub fn describe_db(e: &sqlx::Error) -> String {
    match e.as_database_error() {
        Some(d) => match d.code() {
            Some(code) => format!("{} (SQLSTATE {code})", d.message()),
            None => d.message().to_string(),
        },
        None => e.to_string(),
    }
}

/// The longest user-given value a message echoes, in characters.
pub const ECHO_LIMIT: usize = 80;

/// `value` as a message quotes it: escaped, and cut after [`ECHO_LIMIT`]
/// characters with its full length named, so a huge value does not flood the terminal.
pub fn excerpt(value: &str) -> String {
    let mut escaped = value.escape_default();
    let shown: String = escaped.by_ref().take(ECHO_LIMIT).collect();
    match escaped.next() {
        Some(_) => format!("{shown}… ({} bytes in all)", value.len()),
        None => shown,
    }
}

/// `message` with every word longer than a few hundred bytes cut as [`excerpt`]
/// cuts values: the last guard before a message reaches the terminal, for values
/// echoed by code that does not cut them itself (argument parsing, for one).
pub fn clip_long_words(message: &str) -> String {
    const LONG: usize = 4 * ECHO_LIMIT;
    if message.split_whitespace().all(|w| w.len() <= LONG) {
        return message.to_string();
    }
    message
        .split_inclusive(char::is_whitespace)
        .map(|w| {
            let word = w.trim_end();
            if word.len() <= LONG {
                return w.to_string();
            }
            let shown: String = word.chars().take(ECHO_LIMIT).collect();
            format!("{shown}… ({} bytes in all){}", word.len(), &w[word.len()..])
        })
        .collect()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpt_cuts_long_values_and_escapes_control_characters() {
        assert_eq!(excerpt("a\nb"), "a\\nb");
        let long = "x".repeat(10_000_000);
        let e = excerpt(&long);
        assert!(e.len() < 200, "{}", e.len());
        assert!(e.ends_with("… (10000000 bytes in all)"), "{e}");
        let accented = excerpt(&"é".repeat(80));
        assert!(accented.starts_with("\\u{e9}\\u{e9}"), "{accented}");
        assert!(accented.ends_with("… (160 bytes in all)"), "{accented}");
        assert_eq!(excerpt("short"), "short");
    }

    #[test]
    fn clip_long_words_cuts_only_the_long_ones() {
        let msg = format!("bad value '{}' for --x\nnext line", "y".repeat(5000));
        let clipped = clip_long_words(&msg);
        assert!(clipped.len() < 300, "{clipped}");
        assert!(
            clipped.contains("(5002 bytes in all) for --x\nnext line"),
            "{clipped}"
        );
        assert_eq!(clip_long_words("a b\nc"), "a b\nc");
    }
}
