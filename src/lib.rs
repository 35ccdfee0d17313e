//! # isdb
//!
//! Builds, migrates, verifies and wires up the databases of a WSO2 Identity
//! Server cluster ("deployment pattern 1"): up to eight logical databases,
//! merged into one physical database or split apart.
//!
//! The crate reads in stages, as Atlas does:
//! - [`model`]: the dialect-neutral schema and the migration catalog (`migrations/`);
//! - [`dialect`]: what each RDBMS supports, and [`render`]: model → SQL scripts;
//! - [`plan`]: current schema → target schema as ordered, typed changes and their SQL;
//! - [`layout`]: logical databases → physical databases;
//! - [`migrate`]: apply the catalog to live databases, with history, locking and resume.

pub mod atomic;
pub mod cli;
pub mod config;
pub mod dialect;
pub mod diff;
pub mod engine;
pub mod error;
pub mod ident;
pub mod inspect;
pub mod layout;
pub mod migrate;
pub mod model;
pub mod plan;
pub mod render;
pub mod render_out;
pub mod secret;
pub mod step;

pub use error::Error;
