//! The output directory of `isdb render`: which files an earlier render wrote
//! there, so that a new render replaces them (and removes the ones it no
//! longer writes) without ever touching a file isdb did not write.
//!
//! The list lives in `OUT/.isdb-render`, one path relative to `OUT` a line.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::error::Error;
use crate::ident::validate_identifier;

/// The name of the list of written files inside the output directory.
pub const MANIFEST: &str = ".isdb-render";

/// What an earlier render recorded in an output directory.
#[derive(Debug, Default)]
pub struct Earlier {
    /// Paths relative to the output directory, each `sql/<database>.sql`.
    files: BTreeSet<String>,
}

/// Whether `rel` is a path render writes: `sql/<plain identifier>.sql`. A
/// manifest edited by hand can name nothing else, so nothing else is removed.
fn is_script_path(rel: &str) -> bool {
    rel.strip_prefix("sql/")
        .and_then(|n| n.strip_suffix(".sql"))
        .is_some_and(|n| validate_identifier(n, "script").is_ok())
}

impl Earlier {
    /// Reads `out`'s list; empty when there is none.
    pub fn read(out: &Path) -> Result<Earlier, Error> {
        let path = out.join(MANIFEST);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Earlier::default()),
            Err(e) => return Err(Error::io(path, e)),
        };
        Ok(Earlier {
            files: text
                .lines()
                .map(str::trim)
                .filter(|l| is_script_path(l))
                .map(String::from)
                .collect(),
        })
    }

    /// Whether everything in `out` is an earlier render's (its list, its
    /// `sql/` directory and the scripts listed), so it may be replaced without `--force`.
    pub fn is_all_of(&self, out: &Path) -> Result<bool, Error> {
        let entries = match std::fs::read_dir(out) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(true),
            Err(e) => return Err(Error::io(out, e)),
        };
        for entry in entries {
            let entry = entry.map_err(|e| Error::io(out, e))?;
            let name = entry.file_name();
            if name == MANIFEST && !self.files.is_empty() {
                continue;
            }
            if name != "sql" || !entry.path().is_dir() {
                return Ok(false);
            }
            let sql = entry.path();
            for f in std::fs::read_dir(&sql).map_err(|e| Error::io(&sql, e))? {
                let f = f.map_err(|e| Error::io(&sql, e))?;
                let rel = format!("sql/{}", f.file_name().to_string_lossy());
                if !self.files.contains(&rel) {
                    return Ok(false);
                }
            }
        }
        Ok(true)
    }

    /// After a render wrote `written` (paths under `out`): removes the files
    /// the earlier render listed that are not among them, and records `written`.
    pub fn replace(&self, out: &Path, written: &[PathBuf]) -> Result<(), Error> {
        let now: BTreeSet<String> = written
            .iter()
            .filter_map(|p| p.strip_prefix(out).ok())
            .map(|p| p.to_string_lossy().replace('\\', "/"))
            .collect();
        for stale in self.files.difference(&now) {
            let path = out.join(stale);
            match std::fs::remove_file(&path) {
                Ok(()) => {
                    tracing::debug!("removed {} (written by an earlier render)", path.display())
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(Error::io(path, e)),
            }
        }
        let mut text = String::new();
        for f in &now {
            text.push_str(f);
            text.push('\n');
        }
        crate::atomic::write_file(&out.join(MANIFEST), text.as_bytes(), false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_render_removes_only_the_earlier_renders_stale_scripts() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path();
        let write = |rel: &str| crate::atomic::write_file(&out.join(rel), b"x", false).unwrap();
        write("sql/a.sql");
        write("sql/b.sql");
        Earlier::default()
            .replace(out, &[out.join("sql/a.sql"), out.join("sql/b.sql")])
            .unwrap();
        let earlier = Earlier::read(out).unwrap();
        assert!(earlier.is_all_of(out).unwrap());
        earlier.replace(out, &[out.join("sql/a.sql")]).unwrap();
        assert!(out.join("sql/a.sql").exists() && !out.join("sql/b.sql").exists());
        // A file isdb did not write makes the directory someone else's too.
        write("sql/notes.sql");
        assert!(!Earlier::read(out).unwrap().is_all_of(out).unwrap());
        // A hand-edited list cannot make isdb remove anything but its scripts.
        std::fs::write(out.join(MANIFEST), "../x\nsql/notes.txt\n").unwrap();
        assert!(Earlier::read(out).unwrap().files.is_empty());
    }
}
