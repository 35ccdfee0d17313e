//! The outputs of a plan: emitted files in memory, a written tree, or a patched
//! IS_HOME.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use super::NodePlan;
use super::plan::ConfigPlan;
use super::release::{ConfigGeneration, TomlRelease};
use super::{emit, files, names, patch, redact, secrets, toml_gen, toml_patch, txn};
use crate::error::Error;

/// One file `isdb config` writes for a node.
#[derive(Clone)]
pub struct EmittedFile {
    /// Path below IS_HOME, `/`-separated.
    pub path: String,
    /// True for a whole file; false for the DB-related part of a file isdb does not own.
    pub complete: bool,
    pub(crate) contents: String,
}

impl EmittedFile {
    /// The file's text (may hold passwords: cipher-text.properties, plaintext mode).
    pub fn contents(&self) -> &str {
        &self.contents
    }
}

impl fmt::Debug for EmittedFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmittedFile")
            .field("path", &self.path)
            .field("complete", &self.complete)
            .field("bytes", &self.contents.len())
            .finish()
    }
}

/// What [`ConfigPlan::write_tree`] wrote.
#[derive(Debug, Clone, Default)]
pub struct WriteReport {
    /// Every file written, in order.
    pub files: Vec<PathBuf>,
    /// Things the operator should check (a template's secret kept because no
    /// password was given).
    pub warnings: Vec<String>,
}

/// What [`ConfigPlan::patch_is_home`] changed (or would change, with `diff_only`).
#[derive(Debug, Clone, Default)]
pub struct PatchReport {
    /// The node patched.
    pub node: u16,
    /// Files whose content changed (or would change).
    pub changed: Vec<PathBuf>,
    /// Of those, files that did not exist before.
    pub created: Vec<PathBuf>,
    /// Backups of the changed files that existed, next to them.
    pub backups: Vec<PathBuf>,
    /// A unified diff of every change, passwords shown as `***`.
    pub diff: String,
    /// Things the operator should know (skipped optional files, kept encrypted values).
    pub notes: Vec<String>,
    /// Things the operator should check (a secret kept because no password was given).
    pub warnings: Vec<String>,
    /// Whether files were written (false with `diff_only` or when nothing changed).
    pub written: bool,
}

impl ConfigPlan {
    /// The files written for `node`, in memory: complete datasource files and the
    /// DB-related fragments of the others (see the module docs).
    pub fn files(&self, node: u16) -> Result<Vec<EmittedFile>, Error> {
        let n = self.node(node)?;
        let release = match self.generation {
            ConfigGeneration::DeploymentToml(release) => {
                return Ok(vec![EmittedFile {
                    path: toml_gen::DEPLOYMENT_TOML.to_string(),
                    complete: true,
                    contents: self.deployment_toml(n, release),
                }]);
            }
            ConfigGeneration::Xml(release) => release,
        };
        let context = emit::Context {
            release,
            node,
            nodes: self.layout.nodes,
            dialect: &self.dialect,
            layout: self.layout.kind.name(),
        };
        Ok(emit::node_files(n, &context))
    }

    /// Writes every node's files below `out_dir` (see the module docs). Refuses a
    /// non-empty `out_dir` unless `force`, and a datasource with no password
    /// (see [`ConfigRequest::empty_password`]). Files are written atomically, mode 0600.
    pub fn write_tree(&self, out_dir: &Path, force: bool) -> Result<WriteReport, Error> {
        let mut by_user: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for d in self.nodes.iter().flat_map(|n| &n.datasources) {
            let names = by_user.entry(&d.user).or_default();
            if d.password().is_none() && !names.contains(&d.name.as_str()) {
                names.push(&d.name);
            }
        }
        let missing: Vec<String> = by_user
            .into_iter()
            .filter(|(_, names)| !names.is_empty())
            .map(|(user, names)| format!("datasources {} (user {user})", names.join(", ")))
            .collect();
        if !missing.is_empty() {
            return Err(secrets::no_password(&missing));
        }
        let mut planned = Vec::new();
        for n in &self.nodes {
            for f in self.files(n.node)? {
                let base = if f.complete {
                    PathBuf::from(format!("node{}", n.node))
                } else {
                    PathBuf::from("fragments").join(format!("node{}", n.node))
                };
                planned.push((base.join(&f.path), f.contents.into_bytes()));
            }
        }
        files::write_tree(out_dir, force, &planned)
    }

    /// Writes every node's complete, patched copies of the files isdb configures,
    /// taken from the IS home `template` (left untouched; its XML files for 5.3.0, its
    /// deployment.toml from 5.9.0) below
    /// `out_dir/node<k>/`, so `cp -r out_dir/node<k>/. $IS_HOME/` installs them.
    pub fn write_tree_from(
        &self,
        template: &Path,
        out_dir: &Path,
        force: bool,
    ) -> Result<WriteReport, Error> {
        let mut planned = Vec::new();
        let mut warnings = Vec::new();
        for n in &self.nodes {
            let changes = self.node_changes(n, template)?;
            warnings.extend(
                changes
                    .warnings
                    .into_iter()
                    .map(|w| format!("node {}: {w}", n.node)),
            );
            for c in changes.files {
                planned.push((
                    PathBuf::from(format!("node{}", n.node)).join(&c.path),
                    c.new,
                ));
            }
        }
        let mut report = files::write_tree(out_dir, force, &planned)?;
        report.warnings = warnings;
        Ok(report)
    }

    /// Patches node `node`'s IS_HOME in place: only the DB-related elements change.
    ///
    /// Every file is parsed and patched in memory first; a malformed file stops the
    /// run with its path, line and column, and nothing is written. Each changed file
    /// is backed up next to itself (`<file>.isdb-<UTC time>.bak`) before it is
    /// replaced. With `diff_only`, nothing is written and the report holds the diff.
    /// Running it twice changes nothing the second time.
    pub fn patch_is_home(
        &self,
        is_home: &Path,
        node: u16,
        diff_only: bool,
    ) -> Result<PatchReport, Error> {
        let n = self.node(node)?;
        let changes = self.node_changes(n, is_home)?;
        let mut report = PatchReport {
            node,
            notes: changes.notes,
            warnings: changes.warnings,
            ..PatchReport::default()
        };
        for c in &changes.files {
            if c.old.as_deref() == Some(c.new.as_slice()) {
                continue;
            }
            report.changed.push(is_home.join(&c.path));
            if c.old.is_none() {
                report.created.push(is_home.join(&c.path));
            }
            report.diff.push_str(&redact::redacted_diff(c));
        }
        if diff_only || report.changed.is_empty() {
            return Ok(report);
        }
        let stamp = files::utc_stamp(std::time::SystemTime::now());
        let planned: Vec<txn::Planned<'_>> = changes
            .files
            .iter()
            .filter(|c| c.old.as_deref() != Some(c.new.as_slice()))
            .map(|c| txn::Planned {
                path: is_home.join(&c.path),
                old: c.old.as_deref(),
                new: &c.new,
                secret: c.path == names::CIPHER_TEXT_PROPERTIES
                    || c.path == toml_gen::DEPLOYMENT_TOML
                    || (self.plaintext && c.path.starts_with(names::DATASOURCES_DIR)),
            })
            .collect();
        let applied = txn::apply(&planned, &stamp)?;
        report.changed = applied.changed;
        report.backups = applied.backups;
        report.written = true;
        Ok(report)
    }

    fn deployment_toml(&self, n: &NodePlan, release: TomlRelease) -> String {
        let cx = toml_gen::TomlContext {
            release,
            nodes: self.layout.nodes,
            dialect: &self.dialect,
            layout: self.layout.kind.name(),
            hosts: &self.node_hosts,
            plaintext: self.plaintext,
            unused_local_registry: self.unused_local_registry,
        };
        toml_gen::deployment_toml(n, &cx)
    }

    /// Node `n`'s files below `home`, patched in memory by the release's generation.
    fn node_changes(&self, n: &NodePlan, home: &Path) -> Result<patch::NodeChanges, Error> {
        match self.generation {
            ConfigGeneration::Xml(release) => patch::patch_node(self, n, home, release),
            ConfigGeneration::DeploymentToml(release) => {
                toml_patch::patch_node(n.node, home, &self.deployment_toml(n, release))
            }
        }
    }
}
