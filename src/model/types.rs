//! Neutral column types and default values.

use std::fmt;
use std::str::FromStr;

/// A dialect-neutral column type. Its text form (`varchar(255)`, `bigint`, ...)
/// is what `migrations/*.toml` files use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ColumnType {
    /// 8-bit integer.
    TinyInt,
    /// 16-bit integer.
    SmallInt,
    /// 32-bit integer.
    Integer,
    /// 64-bit integer.
    BigInt,
    /// Boolean.
    Boolean,
    /// Fixed-length character string.
    Char(u32),
    /// Variable-length character string with a maximum length.
    Varchar(u32),
    /// Large character object.
    Clob,
    /// Large binary object.
    Blob,
    /// Variable-length binary string with a maximum length.
    Varbinary(u32),
    /// Date and time.
    Timestamp,
    /// Date.
    Date,
    /// Double-precision float.
    Double,
    /// Exact number: `None` is the dialect's bare DECIMAL/NUMBER.
    Decimal(Option<(u32, u32)>),
}

impl fmt::Display for ColumnType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ColumnType::TinyInt => f.write_str("tinyint"),
            ColumnType::SmallInt => f.write_str("smallint"),
            ColumnType::Integer => f.write_str("integer"),
            ColumnType::BigInt => f.write_str("bigint"),
            ColumnType::Boolean => f.write_str("boolean"),
            ColumnType::Char(n) => write!(f, "char({n})"),
            ColumnType::Varchar(n) => write!(f, "varchar({n})"),
            ColumnType::Clob => f.write_str("clob"),
            ColumnType::Blob => f.write_str("blob"),
            ColumnType::Varbinary(n) => write!(f, "varbinary({n})"),
            ColumnType::Timestamp => f.write_str("timestamp"),
            ColumnType::Date => f.write_str("date"),
            ColumnType::Double => f.write_str("double"),
            ColumnType::Decimal(None) => f.write_str("decimal"),
            ColumnType::Decimal(Some((p, s))) => write!(f, "decimal({p},{s})"),
        }
    }
}

impl FromStr for ColumnType {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let (base, args) = match s.split_once('(') {
            Some((b, rest)) => {
                let inner = rest
                    .strip_suffix(')')
                    .ok_or_else(|| format!("unbalanced parenthesis in type `{s}`"))?;
                let nums = inner
                    .split(',')
                    .map(|n| {
                        n.trim()
                            .parse::<u32>()
                            .map_err(|_| format!("bad size `{n}` in type `{s}`"))
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                (b.trim(), nums)
            }
            None => (s, Vec::new()),
        };
        let one = |args: &[u32]| match args {
            [n] if *n > 0 => Ok(*n),
            _ => Err(format!("type `{s}` takes one positive length")),
        };
        let t = match (base, args.as_slice()) {
            ("tinyint", []) => ColumnType::TinyInt,
            ("smallint", []) => ColumnType::SmallInt,
            ("integer", []) => ColumnType::Integer,
            ("bigint", []) => ColumnType::BigInt,
            ("boolean", []) => ColumnType::Boolean,
            ("clob", []) => ColumnType::Clob,
            ("blob", []) => ColumnType::Blob,
            ("timestamp", []) => ColumnType::Timestamp,
            ("date", []) => ColumnType::Date,
            ("double", []) => ColumnType::Double,
            ("decimal", []) => ColumnType::Decimal(None),
            ("decimal", [p, sc]) if p >= sc && *p > 0 => ColumnType::Decimal(Some((*p, *sc))),
            ("char", a) => ColumnType::Char(one(a)?),
            ("varchar", a) => ColumnType::Varchar(one(a)?),
            ("varbinary", a) => ColumnType::Varbinary(one(a)?),
            _ => return Err(format!("unknown neutral type `{s}`")),
        };
        Ok(t)
    }
}

impl<'de> serde::Deserialize<'de> for ColumnType {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// A column default or seed value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum DefaultValue {
    /// Integer literal.
    Int(i64),
    /// Boolean literal (rendered as 0/1 where the dialect has no boolean).
    Bool(bool),
    /// String literal (unquoted here; the renderer quotes and escapes).
    Str(String),
    /// The current date and time.
    CurrentTimestamp,
    /// An explicit `DEFAULT NULL`.
    Null,
}

impl DefaultValue {
    /// Parses a default as an SQL script writes it (`0`, `'ACTIVE'`, `FALSE`,
    /// `CURRENT_TIMESTAMP`, `GETDATE()`, `NULL`). `bool_as_int` reads 0/1 as a
    /// boolean, for columns whose neutral type is boolean.
    pub fn parse_sql(raw: &str, bool_as_int: bool) -> Option<DefaultValue> {
        let r = raw.trim();
        let u = r.to_ascii_uppercase();
        Some(match u.as_str() {
            "CURRENT_TIMESTAMP"
            | "GETDATE()"
            | "SYSDATE"
            | "NOW()"
            | "CURRENT_TIMESTAMP()"
            | "CURRENT TIMESTAMP" => DefaultValue::CurrentTimestamp,
            "NULL" => DefaultValue::Null,
            "FALSE" => DefaultValue::Bool(false),
            "TRUE" => DefaultValue::Bool(true),
            _ => {
                if let Ok(n) = r.parse::<i64>() {
                    if bool_as_int && (n == 0 || n == 1) {
                        DefaultValue::Bool(n == 1)
                    } else {
                        DefaultValue::Int(n)
                    }
                } else if r.len() >= 2 && r.starts_with('\'') && r.ends_with('\'') {
                    DefaultValue::Str(r[1..r.len() - 1].replace("''", "'"))
                } else {
                    return None;
                }
            }
        })
    }
}

impl<'de> serde::Deserialize<'de> for DefaultValue {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Int(i64),
            Bool(bool),
            Str(String),
            Expr { expr: String },
        }
        Ok(match Raw::deserialize(d)? {
            Raw::Int(n) => DefaultValue::Int(n),
            Raw::Bool(b) => DefaultValue::Bool(b),
            Raw::Str(s) => DefaultValue::Str(s),
            Raw::Expr { expr } => match expr.as_str() {
                "current_timestamp" => DefaultValue::CurrentTimestamp,
                "null" => DefaultValue::Null,
                other => {
                    return Err(serde::de::Error::custom(format!(
                        "unknown default expression `{other}` (expected current_timestamp or null)"
                    )));
                }
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_round_trip_through_text() {
        for s in [
            "varchar(255)",
            "char(1)",
            "decimal(20,15)",
            "decimal",
            "bigint",
            "varbinary(4096)",
        ] {
            let t: ColumnType = s.parse().unwrap();
            assert_eq!(t.to_string(), s);
        }
        assert!("varchar".parse::<ColumnType>().is_err());
        assert!("varchar(0)".parse::<ColumnType>().is_err());
        assert!("decimal(2,5)".parse::<ColumnType>().is_err());
        assert!("number".parse::<ColumnType>().is_err());
    }

    #[test]
    fn sql_defaults_parse_to_neutral_values() {
        assert_eq!(
            DefaultValue::parse_sql("'it''s'", false),
            Some(DefaultValue::Str("it's".into()))
        );
        assert_eq!(
            DefaultValue::parse_sql("GETDATE()", false),
            Some(DefaultValue::CurrentTimestamp)
        );
        assert_eq!(
            DefaultValue::parse_sql("0", true),
            Some(DefaultValue::Bool(false))
        );
        assert_eq!(
            DefaultValue::parse_sql("-1234", false),
            Some(DefaultValue::Int(-1234))
        );
        assert_eq!(DefaultValue::parse_sql("nextval('x')", false), None);
    }
}
