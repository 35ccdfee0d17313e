//! Identifier validation. Every name that reaches SQL (database names, prefixes,
//! table and column names) is checked here first, and quoted by the dialect after.

use crate::error::Error;

/// The longest database or object name isdb accepts (PostgreSQL's limit is 63 bytes).
pub const MAX_IDENTIFIER_LEN: usize = 63;

/// Checks that `name` is a plain identifier: an ASCII letter or `_` first, then
/// ASCII letters, digits or `_`, at most [`MAX_IDENTIFIER_LEN`] bytes.
///
/// `what` names the input in the error (e.g. `--db-prefix`).
pub fn validate_identifier(name: &str, what: &str) -> Result<(), Error> {
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !first_ok || !rest_ok || name.len() > MAX_IDENTIFIER_LEN {
        return Err(Error::Usage(format!(
            "{what} `{}` is not a plain identifier (letters, digits and `_`, starting with a letter or `_`, at most {MAX_IDENTIFIER_LEN} characters)",
            crate::error::excerpt(name)
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_plain_names_and_refuses_everything_else() {
        for ok in ["wso2is", "_x", "A1_b2", "registry_local12"] {
            assert!(validate_identifier(ok, "name").is_ok(), "{ok}");
        }
        for bad in [
            "",
            "1abc",
            "a-b",
            "a b",
            "a;b",
            "a\"b",
            "é",
            &"x".repeat(64),
        ] {
            assert!(validate_identifier(bad, "name").is_err(), "{bad}");
        }
    }
}
