//! All-or-nothing replacement of one node's files (issue 9, point 3).
//!
//! Every new file, and a backup of every file it replaces, is written first,
//! beside the file it concerns; only then are the new files renamed into place,
//! one after the other. A failure while writing leaves every target as it was;
//! a failure while renaming puts back every file already replaced. The error
//! names each real file: what was changed, what was restored, what was not
//! touched. Symbolic links stay links: isdb writes through them to the file
//! they point at. Each file keeps its mode and owner; a file that holds
//! secrets is never left readable by others.

use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use super::files;
use crate::error::Error;

/// One file to replace (or create).
#[derive(Debug)]
pub(crate) struct Planned<'a> {
    /// The path the operator's IS_HOME names (may be a symbolic link).
    pub path: PathBuf,
    /// The content isdb read and patched; None when the file did not exist.
    pub old: Option<&'a [u8]>,
    /// The new content.
    pub new: &'a [u8],
    /// Whether the file holds secrets (mode 0600 or narrower).
    pub secret: bool,
}

/// What [`apply`] did.
#[derive(Debug, Default)]
pub(crate) struct Applied {
    /// The real files replaced or created (symbolic links resolved).
    pub changed: Vec<PathBuf>,
    /// The backups of the files that existed.
    pub backups: Vec<PathBuf>,
}

/// A target resolved to the file that is written.
struct Target {
    real: PathBuf,
    /// Mode and owner of the existing file; None when it is created.
    existing: Option<(u32, u32, u32)>,
}

/// Where `path` is really written, refusing what isdb must not replace.
fn resolve(path: &Path) -> Result<Target, Error> {
    let refuse = |why: &str| Error::Files(format!("{} {why}; nothing was changed", path.display()));
    let real = match fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => fs::canonicalize(path).map_err(|_| {
            refuse("is a symbolic link to a file that does not exist (isdb writes through links only to existing files)")
        })?,
        Ok(_) => path.to_path_buf(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(Target {
                real: path.to_path_buf(),
                existing: None,
            });
        }
        Err(e) => return Err(Error::io(path, e)),
    };
    let meta = fs::metadata(&real).map_err(|e| Error::io(&real, e))?;
    if !meta.is_file() {
        return Err(refuse("is not a regular file"));
    }
    Ok(Target {
        real,
        existing: Some((meta.mode() & 0o7777, meta.uid(), meta.gid())),
    })
}

fn names(paths: &[&Path]) -> String {
    if paths.is_empty() {
        return "none".into();
    }
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Replaces every file of `planned` or none of them. `stamp` names the backups.
pub(crate) fn apply(planned: &[Planned<'_>], stamp: &str) -> Result<Applied, Error> {
    stage(planned, stamp)?.commit()
}

/// Every new file and every backup written beside its target; nothing replaced yet.
pub(crate) struct Staged {
    targets: Vec<Target>,
    temps: Vec<PathBuf>,
    backups: Vec<Option<PathBuf>>,
}

fn remove_all<'a>(files: impl IntoIterator<Item = &'a PathBuf>) {
    for f in files {
        let _ = fs::remove_file(f);
    }
}

/// Writes the temporary files and backups of `planned`; on failure removes
/// what it wrote, so nothing changed.
pub(crate) fn stage(planned: &[Planned<'_>], stamp: &str) -> Result<Staged, Error> {
    let mut targets = Vec::new();
    for p in planned {
        let t = resolve(&p.path)?;
        let now = match t.existing {
            Some(_) => Some(fs::read(&t.real).map_err(|e| Error::io(&t.real, e))?),
            None => None,
        };
        if now.as_deref() != p.old {
            return Err(Error::Files(format!(
                "{} changed while isdb was working on it; nothing was changed, run isdb again",
                t.real.display()
            )));
        }
        targets.push(t);
    }
    let mut temps: Vec<PathBuf> = Vec::new();
    let mut backups: Vec<Option<PathBuf>> = Vec::new();
    let mut dirs: Vec<PathBuf> = Vec::new();
    let staged = (|| -> Result<(), Error> {
        for (p, t) in planned.iter().zip(&targets) {
            let mode = match t.existing {
                Some((mode, _, _)) if p.secret => mode & 0o600,
                Some((mode, _, _)) => mode,
                None if p.secret => 0o600,
                None => 0o644,
            };
            if let Some(parent) = t.real.parent() {
                create_dirs(parent, &mut dirs)?;
            }
            let owner = t.existing.map(|(_, uid, gid)| (uid, gid));
            temps.push(files::write_temp(&t.real, p.new, mode, owner)?);
            backups.push(match t.existing {
                Some(_) => Some(files::backup(&t.real, stamp)?),
                None => None,
            });
        }
        Ok(())
    })();
    if let Err(e) = staged {
        remove_all(temps.iter().chain(backups.iter().flatten()));
        for d in dirs.iter().rev() {
            let _ = fs::remove_dir(d);
        }
        let all: Vec<&Path> = targets.iter().map(|t| t.real.as_path()).collect();
        return Err(Error::Files(format!(
            "{e}; nothing was changed, every file is as it was: {}",
            names(&all)
        )));
    }
    Ok(Staged {
        targets,
        temps,
        backups,
    })
}

impl Staged {
    /// Renames each new file into place; on a failure puts back every file
    /// already replaced and says which files are in which state.
    pub(crate) fn commit(self) -> Result<Applied, Error> {
        let Staged {
            targets,
            temps,
            backups,
        } = self;
        for (i, t) in targets.iter().enumerate() {
            if let Err(e) = fs::rename(&temps[i], &t.real) {
                let cause = Error::io(&t.real, e);
                remove_all(&temps[i..]);
                remove_all(backups[i..].iter().flatten());
                let mut restored = Vec::new();
                let mut lost = Vec::new();
                for (done, backup) in targets[..i].iter().zip(&backups) {
                    match restore(done, backup.as_deref()) {
                        Ok(()) => {
                            remove_all(backup);
                            restored.push(done.real.as_path());
                        }
                        Err(_) => lost.push(format!(
                            "{} (its original is in {})",
                            done.real.display(),
                            backup.as_deref().map_or_else(
                                || "no backup: it did not exist before".to_string(),
                                |b| b.display().to_string()
                            )
                        )),
                    }
                }
                let untouched: Vec<&Path> = targets[i..].iter().map(|t| t.real.as_path()).collect();
                return Err(Error::Files(if lost.is_empty() {
                    format!(
                        "{cause}; nothing was changed: the files already replaced were put back ({}), the others were not touched ({})",
                        names(&restored),
                        names(&untouched)
                    )
                } else {
                    format!(
                        "{cause}; COULD NOT put back {}; put back: {}; not touched: {}",
                        lost.join(", "),
                        names(&restored),
                        names(&untouched)
                    )
                }));
            }
            files::sync_dir(&t.real);
        }
        Ok(Applied {
            changed: targets.into_iter().map(|t| t.real).collect(),
            backups: backups.into_iter().flatten().collect(),
        })
    }
}

fn create_dirs(dir: &Path, created: &mut Vec<PathBuf>) -> Result<(), Error> {
    if dir.as_os_str().is_empty() || dir.is_dir() {
        return Ok(());
    }
    if let Some(parent) = dir.parent() {
        create_dirs(parent, created)?;
    }
    fs::create_dir(dir).map_err(|e| Error::io(dir, e))?;
    created.push(dir.to_path_buf());
    Ok(())
}

/// Puts a replaced file back as it was: the backup's bytes with the old mode
/// and owner, or no file at all when it was created.
fn restore(t: &Target, backup: Option<&Path>) -> Result<(), Error> {
    match (t.existing, backup) {
        (Some((mode, uid, gid)), Some(b)) => {
            let bytes = fs::read(b).map_err(|e| Error::io(b, e))?;
            let tmp = files::write_temp(&t.real, &bytes, mode, Some((uid, gid)))?;
            fs::rename(&tmp, &t.real).map_err(|e| {
                let _ = fs::remove_file(&tmp);
                Error::io(&t.real, e)
            })
        }
        _ => fs::remove_file(&t.real).map_err(|e| Error::io(&t.real, e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(p: &Path) -> u32 {
        fs::metadata(p).unwrap().permissions().mode() & 0o7777
    }

    #[test]
    fn a_failed_rename_puts_back_every_file_already_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.xml");
        let b = dir.path().join("b.properties");
        let c = dir.path().join("c.xml");
        fs::write(&a, "old a").unwrap();
        fs::set_permissions(&a, fs::Permissions::from_mode(0o640)).unwrap();
        fs::write(&c, "old c").unwrap();
        let planned = [
            Planned {
                path: a.clone(),
                old: Some(b"old a"),
                new: b"new a",
                secret: false,
            },
            Planned {
                path: b.clone(),
                old: None,
                new: b"new b",
                secret: true,
            },
            Planned {
                path: c.clone(),
                old: Some(b"old c"),
                new: b"new c",
                secret: false,
            },
        ];
        let staged = stage(&planned, "T").unwrap();
        // c becomes a non-empty directory before its rename, which no
        // privilege lets a rename replace.
        fs::remove_file(&c).unwrap();
        fs::create_dir(&c).unwrap();
        fs::write(c.join("x"), "x").unwrap();
        let err = staged.commit().unwrap_err().to_string();
        assert!(err.starts_with(&format!("{}:", c.display())), "{err}");
        assert!(
            err.contains(&format!("were put back ({}, {})", a.display(), b.display())),
            "{err}"
        );
        assert!(
            err.contains(&format!("not touched ({})", c.display())),
            "{err}"
        );
        assert_eq!(fs::read(&a).unwrap(), b"old a");
        assert_eq!(mode(&a), 0o640);
        assert!(!b.exists(), "a created file is removed again");
        let mut left: Vec<String> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(
            left,
            ["a.xml", "c.xml"],
            "no temporary file or backup is left"
        );
    }

    #[test]
    fn modes_are_kept_secrets_are_private_and_links_are_written_through() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.xml");
        let link = dir.path().join("link.xml");
        let secret = dir.path().join("secret.properties");
        fs::write(&real, "old").unwrap();
        fs::set_permissions(&real, fs::Permissions::from_mode(0o664)).unwrap();
        std::os::unix::fs::symlink("real.xml", &link).unwrap();
        fs::write(&secret, "old").unwrap();
        fs::set_permissions(&secret, fs::Permissions::from_mode(0o644)).unwrap();
        let applied = apply(
            &[
                Planned {
                    path: link.clone(),
                    old: Some(b"old"),
                    new: b"new",
                    secret: false,
                },
                Planned {
                    path: secret.clone(),
                    old: Some(b"old"),
                    new: b"new",
                    secret: true,
                },
            ],
            "T",
        )
        .unwrap();
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(fs::read(&real).unwrap(), b"new");
        assert_eq!(mode(&real), 0o664);
        assert_eq!(mode(&secret), 0o600);
        assert_eq!(applied.changed[0], fs::canonicalize(&real).unwrap());
        assert_eq!(applied.backups.len(), 2);

        let dangling = dir.path().join("dangling.xml");
        std::os::unix::fs::symlink("missing.xml", &dangling).unwrap();
        let err = apply(
            &[Planned {
                path: dangling,
                old: None,
                new: b"x",
                secret: false,
            }],
            "T",
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("symbolic link to a file that does not exist"),
            "{err}"
        );
    }

    #[test]
    fn apply_refuses_a_directory_where_a_file_is_expected_and_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.xml");
        let d = dir.path().join("d.xml");
        fs::write(&a, "old a").unwrap();
        fs::create_dir(&d).unwrap();
        let err = apply(
            &[
                Planned {
                    path: a.clone(),
                    old: Some(b"old a"),
                    new: b"new",
                    secret: false,
                },
                Planned {
                    path: d.clone(),
                    old: None,
                    new: b"new",
                    secret: false,
                },
            ],
            "T",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("is not a regular file"), "{err}");
        assert_eq!(fs::read(&a).unwrap(), b"old a");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 2);
    }

    #[test]
    fn a_file_changed_since_it_was_read_is_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.xml");
        fs::write(&a, "edited meanwhile").unwrap();
        let err = apply(
            &[Planned {
                path: a.clone(),
                old: Some(b"as read"),
                new: b"new",
                secret: false,
            }],
            "T",
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("changed while isdb was working on it"),
            "{err}"
        );
        assert_eq!(fs::read(&a).unwrap(), b"edited meanwhile");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
