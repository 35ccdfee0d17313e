//! Applying migrations to live databases.

/// A migration run failed or found the history inconsistent.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MigrateError {
    /// An applied migration's definition has changed since.
    #[error(
        "migration {group} {version} was applied with checksum {applied} but is now {current}; applied migrations must not change: add a new migration instead"
    )]
    ChecksumMismatch {
        /// Table group.
        group: String,
        /// Version.
        version: String,
        /// Checksum in the history table.
        applied: String,
        /// Checksum of the definition now.
        current: String,
    },
}
