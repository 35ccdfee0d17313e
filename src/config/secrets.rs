//! Passwords: where they come from, and how they reach IS through secure vault.
//!
//! By default no plaintext password is written into the XML. Each `<password>`
//! carries `svns:secretAlias="Datasources.<NAME>.Configuration.Password"` and the
//! matching lines go to `cipher-tool.properties` (alias → file and XPath) and
//! `cipher-text.properties` (alias → `[plaintext]`), so `ciphertool.sh
//! -Dconfigure` encrypts them (config-facts.md §5).

use std::collections::BTreeMap;
use std::io::IsTerminal;

use super::{ConfigRequest, Datasource};
use crate::error::Error;
use crate::layout::LogicalDb;
use crate::secret::Secret;

/// The variable holding the password of every database.
pub const PASSWORD_ENV: &str = "ISDB_PASSWORD";

/// The variable holding the password of one logical database, e.g. `ISDB_PASSWORD_IDENTITY_DB`.
pub fn password_env_var(logical: LogicalDb) -> String {
    format!("{PASSWORD_ENV}_{}", logical.name())
}

/// The secure vault alias of a datasource's password.
pub fn alias(datasource: &str) -> String {
    format!("Datasources.{datasource}.Configuration.Password")
}

/// The `cipher-tool.properties` line for `ds`: alias → file//XPath,false.
pub(crate) fn cipher_tool_line(alias: &str, ds: &Datasource) -> String {
    format!(
        "{alias}={}//datasources-configuration/datasources/datasource[name='{}']/definition[@type='RDBMS']/configuration/password,false",
        ds.file.path(),
        ds.name
    )
}

/// The `cipher-text.properties` line: alias → `[plaintext]`, escaped for
/// `java.util.Properties` (which reads ISO-8859-1 and treats `\` as an escape).
pub(crate) fn cipher_text_line(alias: &str, password: &Secret) -> String {
    format!("{alias}=[{}]", escape_properties_value(password.expose()))
}

fn escape_properties_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            c if c.is_ascii() => out.push(c),
            c => {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{u:04X}"));
                }
            }
        }
    }
    out
}

/// The key of a `.properties` line, or None for blank and comment lines.
pub(crate) fn properties_key(line: &str) -> Option<&str> {
    let t = line.trim_start();
    if t.is_empty() || t.starts_with('#') || t.starts_with('!') {
        return None;
    }
    let end = t
        .find(|c: char| c == '=' || c == ':' || c.is_whitespace())
        .unwrap_or(t.len());
    Some(&t[..end])
}

/// The value of a `.properties` line (after the separator), untrimmed at the end.
pub(crate) fn properties_value(line: &str) -> &str {
    let t = line.trim_start();
    let Some(key) = properties_key(line) else {
        return "";
    };
    t[key.len()..]
        .trim_start()
        .trim_start_matches(['=', ':'])
        .trim_start()
}

/// What a password prompt asks for: one server and user, for every database
/// that connects there as that user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordPrompt {
    /// The user.
    pub user: String,
    /// The physical databases the password is for, comma-separated.
    pub database: String,
    /// The server, if there is one.
    pub host: Option<String>,
    /// The server's port, when one is given.
    pub port: Option<u16>,
}

impl PasswordPrompt {
    /// The line shown on the terminal.
    pub fn text(&self) -> String {
        let at = match (&self.host, self.port) {
            (Some(h), Some(p)) => format!(" on {h}:{p}"),
            (Some(h), None) => format!(" on {h}"),
            _ => String::new(),
        };
        format!(
            "Password of {}{at} (database {}): ",
            self.user, self.database
        )
    }
}

/// Asks the operator for a password; `Ok(None)` when there is no one to ask.
pub type Prompt<'a> = &'a mut dyn FnMut(&PasswordPrompt) -> Result<Option<Secret>, Error>;

/// The error for databases that have no password and may not get an empty one.
pub(crate) fn no_password(what: &[String]) -> Error {
    Error::Usage(format!(
        "no password for {}: set ISDB_PASSWORD (or ISDB_PASSWORD_<LOGICAL_DB>), put it in the config file, run isdb on a terminal to be asked, or pass --empty-password for a server that needs none; nothing was written",
        what.join(", ")
    ))
}

/// Fills `req.passwords` for every datasource that connects to a layout database.
///
/// Each logical database's password comes from, in order: `ISDB_PASSWORD_<LOGICAL_DB>`,
/// the same variable of another logical database in the same physical database,
/// `ISDB_PASSWORD`, the config file (`Target::password`), and `prompt`, asked once
/// per server and user (an empty answer gives none). Never from a flag. A database
/// left without one is not listed (see [`ConfigRequest::passwords`]).
/// `env` looks up an environment variable (pass `|k| std::env::var(k).ok()`).
pub fn resolve_passwords(
    req: &mut ConfigRequest,
    env: &dyn Fn(&str) -> Option<String>,
    mut prompt: Option<Prompt<'_>>,
) -> Result<(), Error> {
    // (server, port, user); a database without a server (an H2 file) is its own.
    type Key = (String, Option<u16>, String);
    let mut to_ask: BTreeMap<Key, (Vec<LogicalDb>, Vec<String>)> = BTreeMap::new();
    for logical in req.datasource_databases() {
        if !req.uses_layout_database(logical) {
            continue;
        }
        let Some(physical) = req.layout.physical(logical) else {
            continue;
        };
        let target = req.targets.get(&physical.name);
        let from_env = env(&password_env_var(logical))
            .or_else(|| {
                physical
                    .logical
                    .iter()
                    .find_map(|l| env(&password_env_var(*l)))
            })
            .or_else(|| env(PASSWORD_ENV))
            .map(Secret::new);
        match (from_env, &target.password) {
            (Some(p), _) => {
                req.passwords.insert(logical, p);
            }
            (None, Some(p)) => {
                req.passwords.insert(logical, p.clone());
            }
            (None, None) if req.empty_password => {
                req.passwords.insert(logical, Secret::default());
            }
            (None, None) => {
                let server = match &target.host {
                    Some(h) => h.to_ascii_lowercase(),
                    None => format!("file {}", physical.name),
                };
                let key = (server, target.port, target.user.clone());
                let entry = to_ask.entry(key).or_default();
                entry.0.push(logical);
                if !entry.1.contains(&physical.name) {
                    entry.1.push(physical.name.clone());
                }
            }
        }
    }
    let Some(ask) = prompt.as_mut() else {
        return Ok(());
    };
    for ((server, port, user), (logicals, databases)) in to_ask {
        let answer = ask(&PasswordPrompt {
            user,
            database: databases.join(", "),
            host: (!server.starts_with("file ")).then_some(server),
            port,
        })?;
        if let Some(p) = answer.filter(|p| !p.is_empty()) {
            for l in logicals {
                req.passwords.insert(l, p.clone());
            }
        }
    }
    Ok(())
}

/// Asks for a password on the terminal without echo; None when there is no terminal.
pub fn prompt_on_terminal(p: &PasswordPrompt) -> Result<Option<Secret>, Error> {
    if !std::io::stdin().is_terminal() {
        return Ok(None);
    }
    rpassword::prompt_password(p.text())
        .map(|s| Some(Secret::new(s)))
        .map_err(|e| Error::io("the terminal", e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn properties_values_are_escaped_for_java() {
        assert_eq!(escape_properties_value("a\\b"), "a\\\\b");
        assert_eq!(escape_properties_value("p=w:#!x"), "p=w:#!x");
        assert_eq!(escape_properties_value("é😀"), "\\u00E9\\uD83D\\uDE00");
    }

    #[test]
    fn properties_keys_and_values_are_read() {
        assert_eq!(properties_key("  a.b=c"), Some("a.b"));
        assert_eq!(properties_key("a.b : c"), Some("a.b"));
        assert_eq!(properties_key("# a=b"), None);
        assert_eq!(properties_key(""), None);
        assert_eq!(properties_value("a = [x]"), "[x]");
        assert_eq!(properties_value("a=b=c"), "b=c");
    }
}
