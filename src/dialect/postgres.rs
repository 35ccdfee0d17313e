//! PostgreSQL: sequences with `DEFAULT NEXTVAL`, transactional DDL.
//! <https://www.postgresql.org/docs/current/sql-createsequence.html>

use super::{Dialect, DialectData, dialect_struct};

dialect_struct!(
    /// PostgreSQL.
    Postgres,
    "postgres.toml"
);

impl Dialect for Postgres {
    fn data(&self) -> &DialectData {
        &self.data
    }

    fn supports_if_not_exists(&self) -> bool {
        true
    }

    fn column_alter_style(&self) -> super::ColumnAlterStyle {
        super::ColumnAlterStyle::AlterType
    }

    fn ddl_locking(&self) -> super::DdlLocking {
        super::DdlLocking::CatalogFirst
    }

    fn concurrent_index_builds(&self) -> bool {
        true
    }

    fn online_constraints(&self) -> bool {
        true
    }

    fn implicit_constraint_name(
        &self,
        table: &str,
        kind: super::ImplicitConstraint,
        columns: &[String],
    ) -> Option<String> {
        // ChooseConstraintName: <table>_<columns>_key / _fkey, folded, cut to fit.
        let label = match kind {
            super::ImplicitConstraint::Unique => "key",
            super::ImplicitConstraint::ForeignKey { .. } => "fkey",
        };
        let name = make_object_name(
            &table.to_ascii_lowercase(),
            &columns.join("_").to_ascii_lowercase(),
            label,
            self.data.max_identifier_length,
        );
        (!name.is_empty()).then_some(name)
    }

    fn primary_key_name(&self, table: &str) -> Option<String> {
        Some(format!("{table}_pkey").to_ascii_lowercase())
    }
}

/// PostgreSQL's `makeObjectName`: `<name1>_<name2>_<label>` in at most `max`
/// bytes, cutting the longer of the two names first (one byte at a time, so
/// equal names end up equally long). Names are ASCII here (identifiers are
/// validated before they reach the writer), so bytes are characters. Empty
/// when even the label does not fit.
fn make_object_name(name1: &str, name2: &str, label: &str, max: usize) -> String {
    let Some(avail) = max.checked_sub(label.len() + 2) else {
        return String::new();
    };
    let (mut n1, mut n2) = (name1.len(), name2.len());
    while n1 + n2 > avail {
        if n1 > n2 {
            n1 -= 1;
        } else {
            n2 -= 1;
        }
    }
    match (name1.get(..n1), name2.get(..n2)) {
        (Some(a), Some(b)) => format!("{a}_{b}_{label}"),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialect::ImplicitConstraint;

    #[test]
    fn an_implicit_name_is_cut_as_postgresql_cuts_it() {
        let pg = Postgres::get();
        let cols = |c: &[&str]| c.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            pg.implicit_constraint_name("IDP", ImplicitConstraint::Unique, &cols(&["UUID"]))
                .as_deref(),
            Some("idp_uuid_key")
        );
        // Names PostgreSQL 15 gave these keys (the longer part is cut first).
        assert_eq!(
            pg.implicit_constraint_name(
                "UM_HYBRID_USER_ROLE",
                ImplicitConstraint::Unique,
                &cols(&["UM_USER_NAME", "UM_ROLE_ID", "UM_TENANT_ID", "UM_DOMAIN_ID"])
            )
            .as_deref(),
            Some("um_hybrid_user_role_um_user_name_um_role_id_um_tenant_id_um_key")
        );
        let long = "IDN_OIDC_SCOPE_CLAIM_MAPPING_XXXXXXXXXXXXXXXXXXXXXXXXXXXX";
        assert_eq!(
            pg.implicit_constraint_name(
                long,
                ImplicitConstraint::Unique,
                &cols(&["SCOPE_ID", "EXTERNAL_CLAIM_ID"])
            )
            .as_deref(),
            Some("idn_oidc_scope_claim_mapping_xxx_scope_id_external_claim_id_key")
        );
        assert_eq!(
            pg.implicit_constraint_name(
                long,
                ImplicitConstraint::ForeignKey { ordinal: 1 },
                &cols(&["SCOPE_ID"])
            )
            .as_deref(),
            Some("idn_oidc_scope_claim_mapping_xxxxxxxxxxxxxxxxxxxx_scope_id_fkey")
        );
    }
}
