//! Datasource and registry configuration for every node of an IS cluster,
//! matching the layout `migrate` used (issue 4): the XML files of 5.3.0 to 5.8.0,
//! one deployment.toml per node from 5.9.0 ([`ConfigGeneration`]).
//!
//! The flow is [`plan`] (every check, nothing written) and then one of:
//! - [`ConfigPlan::write_tree`]: a tree per node, `DIR/node<k>/…`, holding the
//!   complete datasource files (installable with `cp -r DIR/node<k>/. $IS_HOME/`),
//!   and `DIR/fragments/node<k>/…` holding the DB-related parts of the files isdb
//!   does not own (registry.xml, user-mgt.xml, identity.xml, embedded-ldap.xml,
//!   from 5.5.0 consent-mgt-config.xml, the cipher-tool properties), to merge by hand;
//! - [`ConfigPlan::write_tree_from`]: the same tree made complete by patching a
//!   stock IS_HOME's files, so `cp -r` is the whole install step;
//! - [`ConfigPlan::patch_is_home`]: patch one node's IS_HOME in place, changing
//!   only the DB-related elements and keeping every other byte.
//!
//! Names come from one table ([`names`]), JDBC facts from `dialects/jdbc/`
//! ([`jdbc`]), and passwords go through secure vault aliases ([`secrets`]).

mod checks;
mod emit;
mod files;
pub mod jdbc;
pub mod names;
mod output;
mod patch;
mod plan;
mod redact;
mod release;
mod request;
pub mod secrets;
mod toml_checks;
mod toml_gen;
mod toml_patch;
mod txn;
mod xml_edit;
mod xml_patch;

pub use crate::secret::Secret;
pub use names::{DatasourceFile, DatasourceNames, Names};
pub use output::{EmittedFile, PatchReport, WriteReport};
pub use plan::{ConfigPlan, Datasource, DriverJar, plan};
pub(crate) use plan::{NodePlan, UserStorePlan};
pub use release::{ConfigGeneration, DEFAULT_RELEASE, TomlRelease, XmlRelease, default_release};
pub use request::{
    ConfigRequest, LocalRegistry, Target, Targets, UserStore, parse_node_host, parse_port_offset,
    validate_host,
};
pub use secrets::{PasswordPrompt, Prompt, prompt_on_terminal, resolve_passwords};
