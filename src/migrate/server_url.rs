//! A server URL taken apart before anything uses it: the part that may be shown
//! (no password, no secret parameter, no parameter the driver would log), the
//! password, and the TLS settings.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};

use url::Url;

use super::target::Backend;
use crate::engine::TlsSpelling;
use crate::error::{Error, excerpt};
use crate::secret::{Secret, is_secret_param, redact_url};

/// How much TLS a connection asks for, in PostgreSQL's words (MySQL's
/// `ssl-mode` values map one to one, `VERIFY_IDENTITY` being `verify-full`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    /// Plain text only.
    Disable,
    /// Plain text, TLS if the server insists (PostgreSQL only).
    Allow,
    /// TLS when the server offers it, without checking its certificate.
    Prefer,
    /// TLS or no connection; the certificate is not checked.
    Require,
    /// TLS with a certificate signed by a trusted CA.
    VerifyCa,
    /// As `VerifyCa`, and the certificate names the host connected to.
    VerifyFull,
}

impl TlsMode {
    /// Reads `sslmode` / `ssl-mode` in either engine's vocabulary, any case.
    fn parse(value: &str) -> Option<TlsMode> {
        Some(
            match value.to_ascii_lowercase().replace('_', "-").as_str() {
                "disable" | "disabled" => TlsMode::Disable,
                "allow" => TlsMode::Allow,
                "prefer" | "preferred" => TlsMode::Prefer,
                "require" | "required" => TlsMode::Require,
                "verify-ca" => TlsMode::VerifyCa,
                "verify-full" | "verify-identity" => TlsMode::VerifyFull,
                _ => return None,
            },
        )
    }

    /// The PostgreSQL (libpq, sqlx and pgJDBC) spelling.
    pub fn postgres_name(self) -> &'static str {
        match self {
            TlsMode::Disable => "disable",
            TlsMode::Allow => "allow",
            TlsMode::Prefer => "prefer",
            TlsMode::Require => "require",
            TlsMode::VerifyCa => "verify-ca",
            TlsMode::VerifyFull => "verify-full",
        }
    }

    /// The MySQL (mysql client, sqlx and Connector/J 8 `sslMode`) spelling.
    pub fn mysql_name(self) -> &'static str {
        match self {
            TlsMode::Disable => "DISABLED",
            TlsMode::Allow | TlsMode::Prefer => "PREFERRED",
            TlsMode::Require => "REQUIRED",
            TlsMode::VerifyCa => "VERIFY_CA",
            TlsMode::VerifyFull => "VERIFY_IDENTITY",
        }
    }
}

impl fmt::Display for TlsMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.postgres_name())
    }
}

/// The TLS settings a server URL gives.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tls {
    /// `sslmode` / `ssl-mode`; `None` when the URL gives none (the drivers then
    /// prefer TLS and fall back to plain text).
    pub mode: Option<TlsMode>,
    /// The CA certificate file (PEM) the server's certificate must chain to:
    /// `sslrootcert` (PostgreSQL) or `ssl-ca` (MySQL).
    pub ca: Option<String>,
}

/// A server URL taken apart.
#[derive(Debug, Clone)]
pub struct ServerUrl {
    /// The URL without password and without any parameter but the ones isdb
    /// passes to the driver (TLS settings first, in the engine's spelling):
    /// safe to show and to hand to the driver.
    pub url: Url,
    /// The password, from the user info or a `password` parameter.
    pub password: Option<Secret>,
    /// TLS settings.
    pub tls: Tls,
    /// Whether the URL as given carries a secret (a password anywhere, or any
    /// secret parameter), so that it should not be on a command line.
    pub carries_secret: bool,
}

/// Characters a value must not carry raw inside a URL's query (JDBC URLs too).
pub(crate) const QUERY_VALUE: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'&')
    .add(b'+')
    .add(b';')
    .add(b'=')
    .add(b'?')
    .add(b'<')
    .add(b'>')
    .add(b'`');

/// `value` percent-encoded as a URL query value, `/` and `:` left as they are.
pub(crate) fn encode_query_value(value: &str) -> String {
    percent_encoding::utf8_percent_encode(value, QUERY_VALUE).to_string()
}

const TLS_MODE_KEYS: [&str; 2] = ["sslmode", "ssl-mode"];
const CA_KEYS: [&str; 4] = ["sslrootcert", "ssl-root-cert", "ssl-ca", "sslca"];
/// libpq's passphrase of an encrypted client key: sqlx reads only unencrypted keys.
const IGNORED_SECRET_KEYS: [&str; 1] = ["sslpassword"];

/// Takes `url` (parsed from `raw`) apart for `backend` (`None`: a server of an
/// RDBMS isdb does not connect to, whose URL only feeds `isdb config`).
/// Unknown parameters are refused, naming only their key: a misspelt `sslmode`
/// must not quietly connect in plain text, and the driver logs unknown
/// parameters with their values.
pub fn split(raw: &str, mut url: Url, backend: Option<Backend>) -> Result<ServerUrl, Error> {
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8_lossy()
            .into_owned()
    };
    let mut password = url.password().map(|p| Secret::new(decode(p)));
    let mut carries_secret = password.is_some();
    let mut tls = Tls::default();
    let mut passed = Vec::new();
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let engine = backend.map(Backend::engine);
    let passthrough: &[&str] = engine.map_or(&[], |e| e.url_passthrough_keys());
    let spelling = engine.and_then(|e| e.tls_spelling());
    for (key, value) in pairs {
        let k = key.as_str();
        if k == "password" {
            if password.as_ref().is_some_and(|p| p.expose() != value) {
                return Err(Error::Usage(format!(
                    "the URL `{}` gives two different passwords",
                    excerpt(&redact_url(raw))
                )));
            }
            carries_secret = true;
            password = Some(Secret::new(value));
        } else if TLS_MODE_KEYS.contains(&k) {
            let mode = TlsMode::parse(&value).ok_or_else(|| {
                Error::Usage(format!(
                    "`{k}={}` is not a TLS mode (PostgreSQL: disable, allow, prefer, require, verify-ca, verify-full; MySQL: DISABLED, PREFERRED, REQUIRED, VERIFY_CA, VERIFY_IDENTITY)",
                    excerpt(&value)
                ))
            })?;
            if mode == TlsMode::Allow && spelling == Some(TlsSpelling::MySql) {
                return Err(Error::Usage(
                    "`ssl-mode=allow` is PostgreSQL's; MySQL and MariaDB know DISABLED, PREFERRED, REQUIRED, VERIFY_CA and VERIFY_IDENTITY".into(),
                ));
            }
            tls.mode = Some(mode);
        } else if CA_KEYS.contains(&k) {
            tls.ca = Some(value);
        } else if passthrough.contains(&k) {
            passed.push((key, value));
        } else if IGNORED_SECRET_KEYS.contains(&k) {
            carries_secret = true;
            // Once per run, not once per database of a split layout.
            static WARNED: AtomicBool = AtomicBool::new(false);
            if !WARNED.swap(true, Ordering::Relaxed) {
                tracing::warn!(
                    "the URL's `{k}` is ignored: isdb reads only unencrypted client keys"
                );
            }
        } else if is_secret_param(k) {
            return Err(Error::Usage(format!(
                "the URL parameter `{}` looks like a secret isdb does not use; give the password as ISDB_PASSWORD",
                excerpt(k)
            )));
        } else {
            let known: Vec<&str> = ["password"]
                .iter()
                .chain(&TLS_MODE_KEYS)
                .chain(&CA_KEYS)
                .chain(passthrough)
                .copied()
                .collect();
            return Err(Error::Usage(format!(
                "unknown URL parameter `{}` (isdb passes on: {})",
                excerpt(k),
                known.join(", ")
            )));
        }
    }
    let _ = url.set_password(None);
    let mut query: Vec<(String, String)> = Vec::new();
    let mysql = spelling == Some(TlsSpelling::MySql);
    if let Some(mode) = tls.mode {
        query.push(match mysql {
            true => ("ssl-mode".into(), mode.mysql_name().into()),
            false => ("sslmode".into(), mode.postgres_name().into()),
        });
    }
    if let Some(ca) = &tls.ca {
        let key = if mysql { "ssl-ca" } else { "sslrootcert" };
        query.push((key.into(), ca.clone()));
    }
    query.extend(passed);
    // Written by hand rather than form-encoded, so that a path reads as a path.
    let text: Vec<String> = query
        .iter()
        .map(|(k, v)| format!("{}={}", encode_query_value(k), encode_query_value(v)))
        .collect();
    url.set_query((!text.is_empty()).then(|| text.join("&")).as_deref());
    Ok(ServerUrl {
        url,
        password,
        tls,
        carries_secret,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(raw: &str, backend: Backend) -> Result<ServerUrl, Error> {
        split(raw, Url::parse(raw).unwrap(), Some(backend))
    }

    #[test]
    fn the_password_leaves_the_url_wherever_it_was() {
        for raw in [
            "postgres://u:s%40cret@h/db",
            "postgres://u@h/db?password=s%40cret",
            "postgres://u@h/db?password=s@cret&sslmode=require",
            "mysql://u@h/db?password=s%40cret",
        ] {
            let backend = if raw.starts_with("mysql") {
                Backend::MySql
            } else {
                Backend::Postgres
            };
            let s = parts(raw, backend).unwrap();
            assert_eq!(s.password.as_ref().map(Secret::expose), Some("s@cret"));
            assert!(s.carries_secret);
            assert!(!s.url.as_str().contains("cret"), "{}", s.url);
        }
        let s = parts(
            "postgres://u@h/db?sslpassword=pw&sslmode=require",
            Backend::Postgres,
        )
        .unwrap();
        assert!(s.carries_secret && s.password.is_none());
        assert_eq!(s.url.as_str(), "postgres://u@h/db?sslmode=require");
        let s = parts("postgres://u@h/db", Backend::Postgres).unwrap();
        assert!(!s.carries_secret && s.url.query().is_none());
    }

    #[test]
    fn tls_settings_are_read_in_either_vocabulary_and_written_in_the_engines() {
        let s = parts(
            "mysql://u@h/db?sslmode=verify-full&sslrootcert=/ca.pem",
            Backend::MySql,
        )
        .unwrap();
        assert_eq!(s.tls.mode, Some(TlsMode::VerifyFull));
        assert_eq!(
            s.url.as_str(),
            "mysql://u@h/db?ssl-mode=VERIFY_IDENTITY&ssl-ca=/ca.pem"
        );
        let s = parts(
            "postgres://u@h/db?ssl-mode=VERIFY_CA&ssl-ca=/ca.pem&application_name=isdb",
            Backend::Postgres,
        )
        .unwrap();
        assert_eq!(
            s.url.as_str(),
            "postgres://u@h/db?sslmode=verify-ca&sslrootcert=/ca.pem&application_name=isdb"
        );
        assert!(parts("mysql://u@h/db?ssl-mode=allow", Backend::MySql).is_err());
        assert!(parts("postgres://u@h/db?sslmode=maybe", Backend::Postgres).is_err());
    }

    #[test]
    fn unknown_and_secret_parameters_are_refused_by_key_only() {
        for raw in [
            "postgres://u@h/db?sslmdoe=verify-full",
            "postgres://u@h/db?apitoken=hunter2",
            "postgres://u:a@h/db?password=hunter2",
        ] {
            let e = parts(raw, Backend::Postgres).unwrap_err();
            assert_eq!(e.exit_code(), 2);
            assert!(!e.to_string().contains("hunter2"), "{e}");
        }
    }
}
