//! WSO2's migration client beyond its SQL step scripts: the Java migrators it
//! runs per target release (`migrations/wso2-migrators.toml`), and whether
//! isdb does their work or the operator must still run them with WSO2's
//! client. `isdb plan` and `migrate` list the operator's share.

use std::sync::OnceLock;

use serde::Deserialize;

use super::catalog::Version;
use crate::error::Error;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    migrator: Vec<Migrator>,
}

/// Who does a WSO2 migrator's work when isdb upgrades.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DoneBy {
    /// isdb's planner (schema) or one of its data steps (rows).
    Isdb,
    /// The operator, with WSO2's migration client: the work needs the running
    /// server's keys, registry or files.
    Operator,
}

/// One Java migrator of WSO2's migration client.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Migrator {
    /// The release whose migration runs it.
    pub release: String,
    /// Its name in `migration-config.yaml`.
    pub name: String,
    /// Its source in identity-migration-resources.
    pub class: String,
    /// What it does.
    pub what: String,
    /// Who does it when isdb upgrades.
    pub by: DoneBy,
    /// The isdb data step that does its work, where one does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_step: Option<String>,
}

/// Every migrator, in release order as the file lists them.
pub fn all() -> Result<&'static [Migrator], Error> {
    static ALL: OnceLock<Result<Vec<Migrator>, String>> = OnceLock::new();
    ALL.get_or_init(|| {
        let f: File = toml::from_str(include_str!("../../migrations/wso2-migrators.toml"))
            .map_err(|e| e.to_string())?;
        for m in &f.migrator {
            Version::parse(&m.release).map_err(|e| format!("{}: {e}", m.name))?;
        }
        Ok(f.migrator)
    })
    .as_deref()
    .map_err(|e| Error::Definition {
        group: "wso2-migrators".into(),
        version: "-".into(),
        message: e.clone(),
    })
}

/// The migrators of the releases after `from` up to and including `to`
/// (an upgrade from `from` to `to`) that the operator must still run.
pub fn left_to_operator(from: &Version, to: &Version) -> Result<Vec<&'static Migrator>, Error> {
    Ok(all()?
        .iter()
        .filter(|m| m.by == DoneBy::Operator)
        .filter(|m| Version::parse(&m.release).is_ok_and(|r| &r > from && &r <= to))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_parses_and_an_upgrade_lists_only_its_releases() {
        assert!(all().unwrap().len() > 30);
        let v = |s: &str| Version::parse(s).unwrap();
        let some = left_to_operator(&v("5.9.0"), &v("5.11.0")).unwrap();
        assert!(!some.is_empty());
        assert!(
            some.iter()
                .all(|m| m.release == "5.10.0" || m.release == "5.11.0")
        );
        assert!(some.iter().any(|m| m.name == "EncryptionAdminFlowMigrator"));
        assert!(
            left_to_operator(&v("5.11.0"), &v("5.11.0"))
                .unwrap()
                .is_empty()
        );
    }
}
