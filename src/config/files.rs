//! Writing files safely: a temporary file in the same directory, then a rename,
//! mode 0600 (the files can hold passwords), owner kept when replacing a file.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use super::WriteReport;
use crate::error::Error;

/// Writes `files` (paths relative to `out_dir`) below `out_dir`, which must be
/// empty or missing unless `force`.
pub(crate) fn write_tree(
    out_dir: &Path,
    force: bool,
    files: &[(PathBuf, Vec<u8>)],
) -> Result<WriteReport, Error> {
    match fs::read_dir(out_dir) {
        Ok(mut entries) => {
            if entries.next().is_some() && !force {
                return Err(Error::Usage(format!(
                    "{} is not empty; use --force to write into it anyway",
                    out_dir.display()
                )));
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(Error::io(out_dir, e)),
    }
    fs::create_dir_all(out_dir).map_err(|e| Error::io(out_dir, e))?;
    let mut report = WriteReport::default();
    for (rel, bytes) in files {
        let path = out_dir.join(rel);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        write_atomic(&path, bytes, None)?;
        report.files.push(path);
    }
    Ok(report)
}

/// Copies `path` to `<path>.isdb-<stamp>.bak` (or `…-2.bak`, … if taken) and
/// returns the backup's path. The name does not end in `-datasources.xml`, so
/// Carbon never loads a backup as a datasource file.
pub(crate) fn backup(path: &Path, stamp: &str) -> Result<PathBuf, Error> {
    let bytes = fs::read(path).map_err(|e| Error::io(path, e))?;
    let meta = fs::metadata(path).map_err(|e| Error::io(path, e))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut n = 1;
    loop {
        let suffix = if n == 1 {
            String::new()
        } else {
            format!("-{n}")
        };
        let candidate = path.with_file_name(format!("{name}.isdb-{stamp}{suffix}.bak"));
        if !candidate.exists() {
            write_atomic(&candidate, &bytes, Some((meta.uid(), meta.gid())))?;
            return Ok(candidate);
        }
        n += 1;
    }
}

fn write_atomic(path: &Path, bytes: &[u8], owner: Option<(u32, u32)>) -> Result<(), Error> {
    let tmp = write_temp(path, bytes, 0o600, owner)?;
    if let Err(e) = fs::rename(&tmp, path) {
        let _ = fs::remove_file(&tmp);
        return Err(Error::io(path, e));
    }
    Ok(())
}

/// Writes `bytes` to a new hidden temporary file beside `path`, with `mode`
/// and (best effort) `owner`, flushed to disk; returns its path.
pub(crate) fn write_temp(
    path: &Path,
    bytes: &[u8],
    mode: u32,
    owner: Option<(u32, u32)>,
) -> Result<PathBuf, Error> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(
        ".{name}.isdb-{}-{}.tmp",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let result = (|| {
        let mut f = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)?;
        f.write_all(bytes)?;
        // The umask can only narrow the mode; set it explicitly so it is exact.
        f.set_permissions(fs::Permissions::from_mode(mode))?;
        f.sync_all()?;
        if let Some((uid, gid)) = owner {
            // Best effort: an unprivileged run can only write files it may own anyway.
            let _ = std::os::unix::fs::chown(&tmp, Some(uid), Some(gid));
        }
        Ok(())
    })();
    match result {
        Ok(()) => Ok(tmp),
        Err(e) => {
            let _ = fs::remove_file(&tmp);
            Err(Error::io(path, e))
        }
    }
}

/// Flushes the directory holding `path` so a rename in it survives a crash (best effort).
pub(crate) fn sync_dir(path: &Path) {
    if let Some(dir) = path.parent()
        && let Ok(d) = fs::File::open(dir)
    {
        let _ = d.sync_all();
    }
}

/// `time` as `YYYYMMDDTHHMMSSZ` (UTC), for backup names.
pub(crate) fn utc_stamp(time: SystemTime) -> String {
    let secs = time
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let (days, rest) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = civil_from_days(days as i64);
    format!(
        "{y:04}{m:02}{d:02}T{:02}{:02}{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// Days since 1970-01-01 → (year, month, day), Howard Hinnant's `civil_from_days`.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn stamps_are_utc_calendar_times() {
        assert_eq!(utc_stamp(UNIX_EPOCH), "19700101T000000Z");
        assert_eq!(
            utc_stamp(UNIX_EPOCH + Duration::from_secs(1_709_210_096)),
            "20240229T123456Z"
        );
    }
}
