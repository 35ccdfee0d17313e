//! Passwords: kept out of logs, errors and `Debug` output, and out of every
//! URL isdb shows, whatever part of the URL carries them.

use std::fmt;

use url::Url;

/// A password. Its `Debug` and `Display` print `***`; [`Secret::expose`] is the
/// only way to read it, so every use is visible in the code.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(String);

impl Secret {
    /// Wraps a password.
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(s.into())
    }

    /// The password itself, for the driver or a file the operator asked for.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the password is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// Whether a URL query parameter called `key` holds a secret (`password`,
/// `sslpassword`, Connector/J's `trustCertificateKeyStorePassword`, a token...).
/// Matched loosely on purpose: hiding a harmless value costs nothing.
pub fn is_secret_param(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    ["pass", "pwd", "secret", "token", "credential"]
        .iter()
        .any(|w| k.contains(w))
}

/// `raw` with every secret replaced by `***`: the password of the user info and
/// the value of every parameter [`is_secret_param`] names, percent-encoded or
/// not. Text that is not a URL is redacted the same way, by its shape.
pub fn redact_url(raw: &str) -> String {
    if let Ok(mut u) = Url::parse(raw)
        && u.has_host()
    {
        if u.password().is_some() {
            let _ = u.set_password(Some("***"));
        }
        if u.query().is_some() {
            let pairs: Vec<(String, String)> = u
                .query_pairs()
                .map(|(k, v)| {
                    let v = if is_secret_param(&k) {
                        "***".to_string()
                    } else {
                        v.into_owned()
                    };
                    (k.into_owned(), v)
                })
                .collect();
            u.query_pairs_mut().clear().extend_pairs(pairs);
        }
        return u.to_string();
    }
    redact_text(raw)
}

/// The shape-based fallback of [`redact_url`] for text `url` cannot parse.
fn redact_text(raw: &str) -> String {
    let (head, query) = match raw.split_once('?') {
        Some((h, q)) => (h, Some(q)),
        None => (raw, None),
    };
    let mut out = match (head.find("://"), head.rfind('@')) {
        (Some(s), Some(at)) if at > s => match head[s + 3..at].split_once(':') {
            Some((user, _)) => format!("{}{user}:***{}", &head[..s + 3], &head[at..]),
            None => head.to_string(),
        },
        _ => head.to_string(),
    };
    if let Some(q) = query {
        out.push('?');
        let parts: Vec<String> = q
            .split('&')
            .map(|part| match part.split_once('=') {
                Some((k, _))
                    if is_secret_param(
                        &percent_encoding::percent_decode_str(k).decode_utf8_lossy(),
                    ) =>
                {
                    format!("{k}=***")
                }
                _ => part.to_string(),
            })
            .collect();
        out.push_str(&parts.join("&"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_every_part_of_a_url_that_carries_a_secret() {
        for (raw, want) in [
            ("postgres://u:hunter2@h/db", "postgres://u:***@h/db"),
            (
                "postgres://u@h/db?password=hunter2&sslmode=require",
                "postgres://u@h/db?password=***&sslmode=require",
            ),
            (
                "postgres://u@h/db?sslpassword=hunter2",
                "postgres://u@h/db?sslpassword=***",
            ),
            (
                "mysql://u@h/db?pass%77ord=hunter2",
                "mysql://u@h/db?password=***",
            ),
            (
                "mysql://u@h/db?trustCertificateKeyStorePassword=hunter2",
                "mysql://u@h/db?trustCertificateKeyStorePassword=***",
            ),
            (
                "postgres://u:hunter2@h:99999/db",
                "postgres://u:***@h:99999/db",
            ),
            (
                "postgres://u@h:99999/db?pass%77ord=hunter2&a=b",
                "postgres://u@h:99999/db?pass%77ord=***&a=b",
            ),
        ] {
            assert_eq!(redact_url(raw), want, "{raw}");
        }
        assert!(is_secret_param("sslpassword") && !is_secret_param("sslmode"));
    }

    #[test]
    fn never_prints_the_password() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s} {s:?}"), "*** ***");
        assert_eq!(s.expose(), "hunter2");
    }
}
