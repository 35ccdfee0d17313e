//! [`SqlWriter`]: statements built from keywords, validated and quoted
//! identifiers, literals and lists, through the dialect, never by editing SQL text.

use crate::dialect::Dialect;
use crate::model::DefaultValue;

/// Why a change cannot be written as SQL for a dialect.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// A name that is not a plain identifier reached the writer.
    #[error("`{name}` is not a plain identifier; the planner writes no SQL with it")]
    Identifier {
        /// The name (cut to a readable length).
        name: String,
    },
    /// The dialect has no statement for the change (e.g. dropping an unnamed
    /// constraint whose name the RDBMS chose unpredictably).
    #[error("{dialect}: cannot {change}: {why}")]
    Unsupported {
        /// The dialect.
        dialect: String,
        /// The change, as its summary line.
        change: String,
        /// Why not.
        why: String,
    },
}

/// Builds one SQL statement for a dialect. Tokens are separated by one space
/// unless they follow an opening parenthesis or a line break; names go through
/// [`crate::ident::validate_identifier`] and the dialect's
/// [`object_name`](Dialect::object_name), values through its
/// [`literal`](Dialect::literal).
pub struct SqlWriter<'d> {
    dialect: &'d dyn Dialect,
    sql: String,
}

impl<'d> SqlWriter<'d> {
    /// An empty statement for `dialect`.
    pub fn new(dialect: &'d dyn Dialect) -> SqlWriter<'d> {
        SqlWriter {
            dialect,
            sql: String::new(),
        }
    }

    fn space(&mut self) {
        if !self.sql.is_empty() && !self.sql.ends_with([' ', '\n', '(']) {
            self.sql.push(' ');
        }
    }

    /// Keywords (`ALTER TABLE`), written as given.
    pub fn word(&mut self, keywords: &'static str) -> &mut Self {
        self.space();
        self.sql.push_str(keywords);
        self
    }

    /// Punctuation written as given, with no space before it (`(`, `)`, `,`).
    pub fn glue(&mut self, punctuation: &'static str) -> &mut Self {
        self.sql.push_str(punctuation);
        self
    }

    /// A schema object's name: validated, then as the dialect writes it
    /// (quoted where it reserves the word).
    pub fn ident(&mut self, name: &str) -> Result<&mut Self, PlanError> {
        crate::ident::validate_identifier(name, "name").map_err(|_| PlanError::Identifier {
            name: crate::error::excerpt(name),
        })?;
        self.space();
        self.sql.push_str(&self.dialect.object_name(name));
        Ok(self)
    }

    /// A parenthesised, comma-separated list of names: `(A, B)`.
    pub fn ident_list(&mut self, names: &[String]) -> Result<&mut Self, PlanError> {
        self.space();
        self.sql.push('(');
        for (i, n) in names.iter().enumerate() {
            if i > 0 {
                self.sql.push_str(", ");
            }
            self.ident(n)?;
        }
        self.sql.push(')');
        Ok(self)
    }

    /// A value as the dialect's literal.
    pub fn literal(&mut self, value: &DefaultValue) -> &mut Self {
        self.space();
        self.sql.push_str(&self.dialect.literal(value));
        self
    }

    /// A parenthesised, comma-separated list of literals.
    pub fn literal_list(&mut self, values: &[DefaultValue]) -> &mut Self {
        self.space();
        self.sql.push('(');
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                self.sql.push_str(", ");
            }
            self.literal(v);
        }
        self.sql.push(')');
        self
    }

    /// Text the dialect itself produced for this purpose: a type spelling
    /// from its type map (or the snapshot's native type), its table options.
    pub fn dialect_text(&mut self, text: &str) -> &mut Self {
        self.space();
        self.sql.push_str(text);
        self
    }

    /// The dialect it writes for.
    pub fn dialect(&self) -> &'d dyn Dialect {
        self.dialect
    }

    /// Whether nothing has been written yet.
    pub fn is_empty(&self) -> bool {
        self.sql.is_empty()
    }

    /// The statement.
    pub fn finish(self) -> String {
        self.sql
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_spaced_tokens_quoted_names_and_escaped_literals() {
        let h2 = crate::dialect::by_name("h2").unwrap();
        let mut w = SqlWriter::new(h2);
        w.word("INSERT INTO").ident("T").unwrap();
        w.ident_list(&["VALUE".into(), "NAME".into()]).unwrap();
        w.word("VALUES")
            .literal_list(&[DefaultValue::Str("it's".into()), DefaultValue::Int(1)]);
        assert_eq!(
            w.finish(),
            "INSERT INTO T (\"VALUE\", NAME) VALUES ('it''s', 1)"
        );
    }

    #[test]
    fn refuses_a_name_that_is_not_an_identifier() {
        let pg = crate::dialect::by_name("postgres").unwrap();
        let mut w = SqlWriter::new(pg);
        assert!(matches!(
            w.word("DROP TABLE").ident("x; DROP TABLE y"),
            Err(PlanError::Identifier { .. })
        ));
        assert!(w.ident_list(&["A".into(), "b\"".into()]).is_err());
    }
}
