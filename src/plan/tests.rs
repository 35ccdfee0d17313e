//! The planner's rules on small schemas, and the SQL shape per dialect
//! (table-driven, exact statements, as Atlas's `migrate_test.go` does).

use super::*;
use crate::dialect::{self, Dialect};
use crate::model::{ColumnType, KeyGenerator, OnDelete, Schema};

fn col(name: &str, ty: &str, nullable: bool) -> Column {
    Column {
        name: name.into(),
        ty: ty.parse().unwrap(),
        native: None,
        nullable,
        default: None,
        identity: false,
    }
}

fn table(name: &str, columns: Vec<Column>) -> Table {
    Table {
        name: name.into(),
        columns,
        primary_key: vec![],
        unique: vec![],
        foreign_keys: vec![],
        indexes: vec![],
        key_generator: KeyGenerator::default(),
    }
}

fn schema(tables: Vec<Table>) -> Schema {
    Schema {
        tables,
        seeds: vec![],
    }
}

fn pg() -> &'static dyn Dialect {
    dialect::by_name("postgres").unwrap()
}

fn scope(cols: &[(&str, &str)]) -> Schema {
    schema(vec![table(
        "SCOPE",
        cols.iter().map(|(n, t)| col(n, t, true)).collect(),
    )])
}

fn rename_column(table: &str, from: &str, to: &str) -> Rename {
    Rename {
        table: table.into(),
        column: Some(to.into()),
        from: from.into(),
        only_in: None,
    }
}

#[test]
fn a_declared_rename_is_a_rename_not_a_drop_and_an_add() {
    let old = scope(&[("ID", "integer"), ("NAME", "varchar(255)")]);
    let new = scope(&[("ID", "integer"), ("DISPLAY_NAME", "varchar(255)")]);
    let p = plan(
        pg(),
        Some(&old),
        &new,
        &[rename_column("SCOPE", "NAME", "DISPLAY_NAME")],
    );
    assert_eq!(
        p.changes,
        [Change::RenameColumn {
            table: "SCOPE".into(),
            from: "NAME".into(),
            to: "DISPLAY_NAME".into()
        }]
    );
    // Without the declaration the same difference is a drop and an add.
    let undeclared = plan(pg(), Some(&old), &new, &[]);
    assert!(matches!(
        undeclared.changes.as_slice(),
        [Change::DropColumn { .. }, Change::AddColumn { .. }]
    ));
}

#[test]
fn a_rename_chain_renames_in_the_order_that_frees_each_name() {
    // IS 5.4.0 IDN_OAUTH2_SCOPE: NAME -> DISPLAY_NAME, SCOPE_KEY -> NAME.
    let old = scope(&[("SCOPE_KEY", "varchar(100)"), ("NAME", "varchar(255)")]);
    let new = scope(&[("NAME", "varchar(100)"), ("DISPLAY_NAME", "varchar(255)")]);
    let renames = [
        rename_column("SCOPE", "SCOPE_KEY", "NAME"),
        rename_column("SCOPE", "NAME", "DISPLAY_NAME"),
    ];
    let p = plan(pg(), Some(&old), &new, &renames);
    let sql: Vec<String> = p
        .statements(pg())
        .unwrap()
        .into_iter()
        .map(|s| s.sql)
        .collect();
    assert_eq!(
        sql,
        [
            "ALTER TABLE SCOPE RENAME COLUMN NAME TO DISPLAY_NAME",
            "ALTER TABLE SCOPE RENAME COLUMN SCOPE_KEY TO NAME",
        ]
    );
}

#[test]
fn a_renamed_table_keeps_its_rows_and_the_references_to_it() {
    let mut child = table("CHILD", vec![col("P", "integer", true)]);
    child.foreign_keys.push(ForeignKey {
        name: None,
        columns: vec!["P".into()],
        references: "RESOURCE".into(),
        ref_columns: vec!["ID".into()],
        on_delete: Default::default(),
    });
    let mut parent = table("RESOURCE", vec![col("ID", "integer", false)]);
    parent.primary_key = vec!["ID".into()];
    let old = schema(vec![parent.clone(), child.clone()]);
    parent.name = "UMA_RESOURCE".into();
    child.foreign_keys[0].references = "UMA_RESOURCE".into();
    let new = schema(vec![parent, child]);
    let renames = [Rename {
        table: "UMA_RESOURCE".into(),
        column: None,
        from: "RESOURCE".into(),
        only_in: None,
    }];
    let p = plan(pg(), Some(&old), &new, &renames);
    assert_eq!(
        p.changes,
        [Change::RenameTable {
            from: "RESOURCE".into(),
            to: "UMA_RESOURCE".into()
        }]
    );
}

#[test]
fn a_narrowed_column_is_altered_and_flagged() {
    let old = scope(&[("NAME", "varchar(255)")]);
    let new = scope(&[("NAME", "varchar(100)")]);
    let p = plan(pg(), Some(&old), &new, &[]);
    assert_eq!(p.len(), 1);
    assert_eq!(p.changes[0].risks(), [Risk::Narrowing]);
    // Widening needs no data step.
    let wider = plan(pg(), Some(&new), &old, &[]);
    assert!(!wider.changes[0].needs_data_step(), "{}", wider.summary());
}

#[test]
fn a_new_not_null_column_without_default_is_flagged() {
    let old = scope(&[("ID", "integer")]);
    let mut new = old.clone();
    new.tables[0]
        .columns
        .push(col("GROUP_TYPE", "varchar(255)", false));
    let p = plan(pg(), Some(&old), &new, &[]);
    assert!(matches!(p.changes[0], Change::AddColumn { .. }));
    assert_eq!(p.changes[0].risks(), [Risk::NotNullWithoutValue]);
    // With a default every existing row gets it.
    new.tables[0].columns[1].default = Some(DefaultValue::Str("SP".into()));
    assert!(!plan(pg(), Some(&old), &new, &[]).changes[0].needs_data_step());
}

#[test]
fn a_dropped_unique_and_a_new_one_are_flagged() {
    let mut old = scope(&[("A", "integer"), ("B", "integer")]);
    old.tables[0].unique.push(Unique {
        name: Some("SCOPE_A".into()),
        columns: vec!["A".into()],
    });
    let mut new = old.clone();
    new.tables[0].unique[0] = Unique {
        name: Some("SCOPE_AB".into()),
        columns: vec!["A".into(), "B".into()],
    };
    let p = plan(pg(), Some(&old), &new, &[]);
    let risks: Vec<Vec<Risk>> = p.changes.iter().map(Change::risks).collect();
    assert_eq!(
        risks,
        [vec![Risk::UniqueRuleDropped], vec![Risk::NewUniqueRule]]
    );
    assert!(matches!(p.changes[0], Change::DropUnique { .. }));
}

#[test]
fn foreign_keys_are_dropped_first_and_seed_rows_follow_their_table() {
    let mut child = table("CHILD", vec![col("P", "integer", true)]);
    child.foreign_keys.push(ForeignKey {
        name: Some("CHILD_FK".into()),
        columns: vec!["P".into()],
        references: "OLD_PARENT".into(),
        ref_columns: vec!["ID".into()],
        on_delete: Default::default(),
    });
    let mut parent = table("OLD_PARENT", vec![col("ID", "integer", false)]);
    parent.primary_key = vec!["ID".into()];
    let old = schema(vec![parent, child.clone()]);
    child.foreign_keys.clear();
    let mut new = schema(vec![child, table("TYPES", vec![col("N", "integer", true)])]);
    new.seeds.push(SeedRow {
        table: "TYPES".into(),
        columns: vec![],
        values: vec![DefaultValue::Int(1)],
    });
    let p = plan(pg(), Some(&old), &new, &[]);
    let kinds: Vec<String> = p.changes.iter().map(ToString::to_string).collect();
    assert_eq!(
        kinds,
        [
            "drop foreign key CHILD (P) -> OLD_PARENT",
            "drop table OLD_PARENT",
            "create table TYPES",
            "insert seed row into TYPES",
        ]
    );
}

#[test]
fn each_dialect_alters_a_column_in_its_own_shape() {
    let old = scope(&[("NAME", "varchar(100)")]);
    let mut new = scope(&[("NAME", "varchar(255)")]);
    new.tables[0].columns[0].nullable = false;
    let cases = [
        (
            "postgres",
            vec![
                "ALTER TABLE SCOPE ALTER COLUMN NAME TYPE VARCHAR(255)",
                "ALTER TABLE SCOPE ALTER COLUMN NAME SET NOT NULL",
            ],
        ),
        (
            "mysql",
            vec!["ALTER TABLE SCOPE MODIFY COLUMN NAME VARCHAR(255) NOT NULL"],
        ),
        (
            "oracle",
            vec!["ALTER TABLE SCOPE MODIFY (NAME VARCHAR2(255) NOT NULL)"],
        ),
        (
            "mssql",
            vec!["ALTER TABLE SCOPE ALTER COLUMN NAME VARCHAR(255) NOT NULL"],
        ),
        (
            "db2",
            vec![
                "ALTER TABLE SCOPE ALTER COLUMN NAME SET DATA TYPE VARCHAR(255)",
                "ALTER TABLE SCOPE ALTER COLUMN NAME SET NOT NULL",
            ],
        ),
    ];
    for (name, expected) in cases {
        let d = dialect::by_name(name).unwrap();
        let p = plan(d, Some(&old), &new, &[]);
        let sql: Vec<String> = p
            .statements(d)
            .unwrap()
            .into_iter()
            .map(|s| s.sql)
            .collect();
        assert_eq!(sql, expected, "{name}");
    }
}

#[test]
fn sqlite_rebuilds_a_table_it_cannot_alter_copying_every_shared_column() {
    let d = dialect::by_name("sqlite").unwrap();
    let mut old = scope(&[("ID", "integer"), ("NAME", "varchar(100)")]);
    old.tables[0].indexes.push(Index {
        name: "IDX_SCOPE_NAME".into(),
        columns: vec!["NAME".into()],
        unique: false,
    });
    let mut new = old.clone();
    new.tables[0].columns[1].ty = ColumnType::Varchar(255);
    new.tables[0]
        .columns
        .push(col("TENANT_ID", "integer", true));
    let p = plan(d, Some(&old), &new, &[]);
    assert!(matches!(
        p.changes.as_slice(),
        [Change::RebuildTable { .. }]
    ));
    let sql: Vec<String> = p
        .statements(d)
        .unwrap()
        .into_iter()
        .map(|s| s.sql)
        .collect();
    assert_eq!(
        sql,
        [
            "PRAGMA foreign_keys = OFF",
            "CREATE TABLE ISDB_NEW_SCOPE (\n    ID INTEGER,\n    NAME VARCHAR(255),\n    TENANT_ID INTEGER\n)",
            "INSERT INTO ISDB_NEW_SCOPE (ID, NAME) SELECT ID, NAME FROM SCOPE",
            "DROP TABLE SCOPE",
            "ALTER TABLE ISDB_NEW_SCOPE RENAME TO SCOPE",
            "CREATE INDEX IDX_SCOPE_NAME ON SCOPE (NAME)",
            "PRAGMA foreign_keys = ON",
        ]
    );
}

#[test]
fn an_unnamed_constraint_is_dropped_by_the_name_the_rdbms_gave_it() {
    let mut old = scope(&[("A", "integer")]);
    old.tables[0].unique.push(Unique {
        name: None,
        columns: vec!["A".into()],
    });
    let new = scope(&[("A", "integer")]);
    let sql = |name: &str| {
        let d = dialect::by_name(name).unwrap();
        plan(d, Some(&old), &new, &[]).statements(d)
    };
    assert_eq!(
        sql("postgres").unwrap()[0].sql,
        "ALTER TABLE SCOPE DROP CONSTRAINT scope_a_key"
    );
    assert_eq!(
        sql("mysql").unwrap()[0].sql,
        "ALTER TABLE SCOPE DROP INDEX A"
    );
    assert!(matches!(sql("db2"), Err(PlanError::Unsupported { .. })));
}

#[test]
fn the_summary_lists_each_change_with_its_risks() {
    let old = scope(&[("NAME", "varchar(255)")]);
    let new = scope(&[("NAME", "varchar(10)")]);
    let s = plan(pg(), Some(&old), &new, &[]).summary();
    assert!(
        s.starts_with("1 change(s) to 1 table(s), 1 needing a data step"),
        "{s}"
    );
    assert!(s.contains("alter column SCOPE.NAME (type VARCHAR(255) -> VARCHAR(10))  (data step: values may not fit the new type)"), "{s}");
    assert_eq!(
        plan(pg(), Some(&old), &old, &[]).summary(),
        "nothing to change"
    );
}

#[test]
fn changes_to_a_table_the_plan_creates_carry_no_risk() {
    let catalog = crate::model::catalog::Catalog::builtin().unwrap();
    for d in dialect::all() {
        for m in catalog.group(crate::layout::TableGroup::Identity) {
            let p = plan(d, None, &m.schema(d), &[]);
            assert_eq!(p.risky().count(), 0, "{}: {}", d.name(), p.summary());
        }
    }
}

#[test]
fn phases_put_the_data_steps_between_relaxing_and_tightening() {
    let old = schema(vec![table(
        "T",
        vec![col("ID", "integer", false), col("OLD", "varchar(9)", true)],
    )]);
    let mut new_t = table(
        "T",
        vec![col("ID", "integer", false), col("NEW", "varchar(9)", false)],
    );
    new_t.unique.push(Unique {
        name: None,
        columns: vec!["NEW".into()],
    });
    let new = schema(vec![new_t]);
    for d in [pg(), dialect::by_name("mysql").unwrap()] {
        let p = plan(d, Some(&old), &new, &[]);
        let phases = p.phases(d, &|t: &str, c: &str| t == "T" && c == "NEW");
        let said = |p: &Plan| {
            p.changes
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
        };
        assert_eq!(said(&phases.expand), ["add column T.NEW"], "{}", d.name());
        assert!(matches!(
            &phases.expand.changes[0],
            Change::AddColumn { column, .. } if column.nullable
        ));
        let contract = said(&phases.contract);
        assert!(
            contract.contains(&"drop column T.OLD".to_string()),
            "{contract:?}"
        );
        assert!(
            contract
                .iter()
                .any(|c| c.starts_with("alter column T.NEW (NULL -> NOT NULL")),
            "{contract:?}"
        );
        assert!(
            contract.iter().any(|c| c.starts_with("add unique")),
            "{contract:?}"
        );
        // Without a data step filling it, the column is added as the target has it.
        let plain = p.phases(d, &|_: &str, _: &str| false);
        assert!(matches!(
            &plain.expand.changes[0],
            Change::AddColumn { column, .. } if !column.nullable
        ));
    }
}

#[test]
fn an_unnamed_unique_is_dropped_by_its_columns_on_oracle_and_refused_where_it_needs_a_name() {
    let mut old = scope(&[("A", "integer"), ("B", "integer")]);
    old.tables[0].unique.push(Unique {
        name: None,
        columns: vec!["A".into(), "B".into()],
    });
    let new = scope(&[("A", "integer"), ("B", "integer")]);
    let sql = |name: &str| {
        let d = dialect::by_name(name).unwrap();
        plan(d, Some(&old), &new, &[])
            .statements(d)
            .map(|s| s.into_iter().map(|s| s.sql).collect::<Vec<_>>())
    };
    for oracle in ["oracle", "oracle-rac"] {
        assert_eq!(
            sql(oracle).unwrap(),
            ["ALTER TABLE SCOPE DROP UNIQUE (A, B)"],
            "{oracle}"
        );
    }
    for named_only in ["db2", "mssql", "h2"] {
        let err = sql(named_only).unwrap_err().to_string();
        assert!(
            err.contains("named the constraint unpredictably"),
            "{named_only}: {err}"
        );
    }
}

#[test]
fn an_unnamed_key_added_where_ddl_commits_by_itself_gets_the_name_the_rdbms_would_give() {
    let old = schema(vec![table("T", vec![col("A", "integer", false)])]);
    let mut new_t = table("T", vec![col("A", "integer", false)]);
    new_t.unique.push(Unique {
        name: None,
        columns: vec!["A".into()],
    });
    let new = schema(vec![new_t]);
    let my = dialect::by_name("mysql").unwrap();
    let p = plan(my, Some(&old), &new, &[]);
    let sql = |idempotent| {
        p.statements_with(
            my,
            crate::render::RenderOptions {
                idempotent,
                online: false,
            },
        )
        .unwrap()
        .into_iter()
        .map(|s| s.sql)
        .collect::<Vec<_>>()
    };
    // A re-run after a kill then fails as a duplicate key name instead of adding a second key.
    assert_eq!(sql(true), ["ALTER TABLE T ADD CONSTRAINT A UNIQUE (A)"]);
    assert_eq!(sql(false), ["ALTER TABLE T ADD UNIQUE (A)"]);
}

/// The statements of `p` on `d`, as `migrate` writes them for an upgrade
/// (`online`) or as a script does.
fn sql_of(p: &Plan, d: &dyn Dialect, online: bool) -> Vec<(crate::render::StatementKind, String)> {
    p.statements_with(
        d,
        crate::render::RenderOptions {
            idempotent: !d.supports_transactional_ddl(),
            online,
        },
    )
    .unwrap()
    .into_iter()
    .map(|s| (s.kind, s.sql))
    .collect()
}

fn sqls(s: &[(crate::render::StatementKind, String)]) -> Vec<&str> {
    s.iter().map(|(_, s)| s.as_str()).collect()
}

#[test]
fn online_a_unique_key_of_an_existing_table_is_built_concurrently_then_attached() {
    use crate::render::StatementKind as K;
    let old = schema(vec![table(
        "T",
        vec![col("A", "integer", false), col("B", "integer", false)],
    )]);
    let mut new_t = old.tables[0].clone();
    new_t.unique.push(Unique {
        name: Some("CON_T_A".into()),
        columns: vec!["A".into()],
    });
    new_t.unique.push(Unique {
        name: None,
        columns: vec!["A".into(), "B".into()],
    });
    let new = schema(vec![new_t]);
    let p = plan(pg(), Some(&old), &new, &[]);
    let online = sql_of(&p, pg(), true);
    assert_eq!(
        sqls(&online),
        [
            "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS CON_T_A ON T (A)",
            "ALTER TABLE T ADD CONSTRAINT CON_T_A UNIQUE USING INDEX CON_T_A",
            // Unnamed: the name PostgreSQL would have given it.
            "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS t_a_b_key ON T (A, B)",
            "ALTER TABLE T ADD CONSTRAINT t_a_b_key UNIQUE USING INDEX t_a_b_key",
        ]
    );
    assert_eq!(online[0].0, K::CreateIndexConcurrently);
    assert_eq!(online[1].0, K::Alter);
    // A script (render) keeps the plain form, and so does any other dialect.
    assert_eq!(
        sqls(&sql_of(&p, pg(), false)),
        [
            "ALTER TABLE T ADD CONSTRAINT CON_T_A UNIQUE (A)",
            "ALTER TABLE T ADD UNIQUE (A, B)",
        ]
    );
    let my = dialect::by_name("mysql").unwrap();
    let mp = plan(my, Some(&old), &new, &[]);
    assert!(
        sql_of(&mp, my, true)
            .iter()
            .all(|(k, s)| *k == K::Alter && !s.contains("USING INDEX")),
        "{:?}",
        sql_of(&mp, my, true)
    );
}

#[test]
fn online_a_unique_index_of_an_existing_table_needs_no_constraint() {
    let old = schema(vec![table("T", vec![col("A", "integer", false)])]);
    let mut new_t = old.tables[0].clone();
    new_t.indexes.push(Index {
        name: "IDX_T_A".into(),
        columns: vec!["A".into()],
        unique: true,
    });
    let p = plan(pg(), Some(&old), &schema(vec![new_t]), &[]);
    assert_eq!(
        sqls(&sql_of(&p, pg(), true)),
        ["CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS IDX_T_A ON T (A)"]
    );
}

#[test]
fn online_a_foreign_key_of_an_existing_table_is_added_not_valid_then_validated() {
    let parent = {
        let mut t = table("P", vec![col("ID", "integer", false)]);
        t.primary_key = vec!["ID".into()];
        t
    };
    let child = table("C", vec![col("P_ID", "integer", true)]);
    let old = schema(vec![parent.clone(), child.clone()]);
    let mut new_child = child.clone();
    new_child.foreign_keys.push(ForeignKey {
        name: None,
        columns: vec!["P_ID".into()],
        references: "P".into(),
        ref_columns: vec!["ID".into()],
        on_delete: crate::model::OnDelete::Cascade,
    });
    let new = schema(vec![parent.clone(), new_child.clone()]);
    let p = plan(pg(), Some(&old), &new, &[]);
    assert_eq!(
        sqls(&sql_of(&p, pg(), true)),
        [
            "ALTER TABLE C ADD CONSTRAINT c_p_id_fkey FOREIGN KEY (P_ID) REFERENCES P (ID) ON DELETE CASCADE NOT VALID",
            "ALTER TABLE C VALIDATE CONSTRAINT c_p_id_fkey",
        ]
    );
    assert_eq!(
        sqls(&sql_of(&p, pg(), false)),
        ["ALTER TABLE C ADD FOREIGN KEY (P_ID) REFERENCES P (ID) ON DELETE CASCADE"]
    );
    // A table the plan creates has no rows: its key stays in CREATE TABLE.
    let fresh = plan(pg(), Some(&schema(vec![parent.clone()])), &new, &[]);
    let s = sql_of(&fresh, pg(), true);
    assert!(s.iter().all(|(_, s)| !s.contains("NOT VALID")), "{s:?}");
}

#[test]
fn online_set_not_null_is_proven_by_a_validated_check_first() {
    let old = schema(vec![table("T", vec![col("A", "varchar(10)", true)])]);
    let new = schema(vec![table("T", vec![col("A", "varchar(20)", false)])]);
    let p = plan(pg(), Some(&old), &new, &[]);
    assert_eq!(
        sqls(&sql_of(&p, pg(), true)),
        [
            "ALTER TABLE T ALTER COLUMN A TYPE VARCHAR(20)",
            "ALTER TABLE T DROP CONSTRAINT IF EXISTS ISDB_NN_A, ADD CONSTRAINT ISDB_NN_A CHECK (A IS NOT NULL) NOT VALID",
            "ALTER TABLE T VALIDATE CONSTRAINT ISDB_NN_A",
            "ALTER TABLE T ALTER COLUMN A SET NOT NULL",
            "ALTER TABLE T DROP CONSTRAINT IF EXISTS ISDB_NN_A",
        ]
    );
    assert_eq!(
        sqls(&sql_of(&p, pg(), false)),
        [
            "ALTER TABLE T ALTER COLUMN A TYPE VARCHAR(20)",
            "ALTER TABLE T ALTER COLUMN A SET NOT NULL",
        ]
    );
    // DROP NOT NULL needs no proof.
    let back = plan(pg(), Some(&new), &old, &[]);
    assert!(
        sql_of(&back, pg(), true)
            .iter()
            .all(|(_, s)| !s.contains("CHECK"))
    );
}

#[test]
fn the_not_null_check_name_fits_and_tells_long_columns_apart() {
    let a = "C".repeat(60) + "A";
    let b = "C".repeat(60) + "B";
    let (na, nb) = (
        online::not_null_check_name(pg(), &a),
        online::not_null_check_name(pg(), &b),
    );
    assert!(na.len() <= 63 && nb.len() <= 63, "{na} {nb}");
    assert_ne!(na, nb);
    assert!(na.starts_with("ISDB_NN_"));
    assert!(crate::ident::validate_identifier(&na, "name").is_ok());
    assert_eq!(
        online::not_null_check_name(pg(), "IDP_ID"),
        "ISDB_NN_IDP_ID"
    );
}

#[test]
fn online_every_postgresql_upgrade_step_adds_its_rules_without_a_blocking_scan() {
    use crate::layout::TableGroup;
    use crate::model::catalog::Catalog;
    let c = Catalog::builtin().unwrap();
    let opts = crate::render::live_options(pg());
    let mut seen = 0;
    let steps = TableGroup::ALL
        .into_iter()
        .flat_map(|g| c.group(g))
        .filter_map(|m| {
            c.previous(m).map(|from| crate::step::Step {
                to: m,
                from: Some(from),
            })
        });
    for step in steps {
        let online = step.statements(pg(), opts).unwrap();
        let script = step
            .statements(pg(), crate::render::RenderOptions::default())
            .unwrap();
        for s in &online {
            let sql = &s.sql;
            assert!(
                !(sql.starts_with("ALTER TABLE") && sql.contains(" UNIQUE (")),
                "{step}: {sql}"
            );
            assert!(
                !(sql.starts_with("ALTER TABLE") && sql.contains("FOREIGN KEY"))
                    || sql.ends_with("NOT VALID"),
                "{step}: {sql}"
            );
        }
        for s in &script {
            assert!(
                !s.sql.contains("NOT VALID") && !s.sql.contains("USING INDEX"),
                "{step}: {}",
                s.sql
            );
        }
        seen += online
            .iter()
            .filter(|s| s.sql.contains("USING INDEX"))
            .count();
    }
    assert!(seen >= 10, "{seen} unique keys attached");
}

#[test]
fn an_unnamed_foreign_key_added_where_ddl_commits_by_itself_gets_innodbs_name() {
    let fk = |col: &str, references: &str| ForeignKey {
        name: None,
        columns: vec![col.into()],
        references: references.into(),
        ref_columns: vec!["ID".into()],
        on_delete: OnDelete::Cascade,
    };
    let mut parent = table("P", vec![col("ID", "integer", false)]);
    parent.primary_key = vec!["ID".into()];
    let mut other = parent.clone();
    other.name = "Q".into();
    let mut child = table(
        "C",
        vec![
            col("A", "integer", true),
            col("B", "integer", true),
            col("D", "integer", true),
        ],
    );
    // C_ibfk_1 (A) and C_ibfk_2 (B); the step re-points A and adds D.
    child.foreign_keys = vec![fk("A", "P"), fk("B", "P")];
    let old = schema(vec![parent.clone(), other.clone(), child.clone()]);
    child.foreign_keys = vec![fk("B", "P"), fk("A", "Q"), fk("D", "P")];
    let new = schema(vec![parent, other, child]);
    let my = dialect::by_name("mysql").unwrap();
    let p = plan(my, Some(&old), &new, &[]);
    let sql = |d: &dyn Dialect, idempotent| {
        plan(d, Some(&old), &new, &[])
            .statements_with(
                d,
                crate::render::RenderOptions {
                    idempotent,
                    online: false,
                },
            )
            .unwrap()
            .into_iter()
            .map(|s| s.sql)
            .collect::<Vec<_>>()
    };
    assert_eq!(p.len(), 3, "{}", p.summary());
    // InnoDB numbers an unnamed key one above the highest the table keeps:
    // C_ibfk_1 is gone, C_ibfk_2 stays. Named so, a re-run after a kill fails
    // as a duplicate name (taken as applied) instead of adding a second key.
    assert_eq!(
        sql(my, true),
        [
            "ALTER TABLE C DROP FOREIGN KEY C_ibfk_1",
            "ALTER TABLE C ADD CONSTRAINT C_ibfk_3 FOREIGN KEY (A) REFERENCES Q (ID) ON DELETE CASCADE",
            "ALTER TABLE C ADD CONSTRAINT C_ibfk_4 FOREIGN KEY (D) REFERENCES P (ID) ON DELETE CASCADE",
        ]
    );
    assert_eq!(
        sql(my, false)[1],
        "ALTER TABLE C ADD FOREIGN KEY (A) REFERENCES Q (ID) ON DELETE CASCADE"
    );
    // Where DDL is transactional the key stays unnamed.
    assert_eq!(
        sql(pg(), true)[1],
        "ALTER TABLE C ADD FOREIGN KEY (A) REFERENCES Q (ID) ON DELETE CASCADE"
    );
}

#[test]
fn an_unnamed_foreign_key_of_a_new_table_added_later_is_numbered_after_its_inline_keys() {
    // A and B reference each other: one key is added after both exist.
    let mut a = table(
        "A",
        vec![col("ID", "integer", false), col("B", "integer", true)],
    );
    a.primary_key = vec!["ID".into()];
    let mut b = a.clone();
    b.name = "B".into();
    let fk = |references: &str| ForeignKey {
        name: None,
        columns: vec!["B".into()],
        references: references.into(),
        ref_columns: vec!["ID".into()],
        on_delete: OnDelete::NoAction,
    };
    a.foreign_keys = vec![fk("B")];
    b.foreign_keys = vec![fk("A"), fk("B")];
    let new = schema(vec![a, b]);
    let my = dialect::by_name("mysql").unwrap();
    let p = plan(my, None, &new, &[]);
    let added: Vec<(String, usize)> = p
        .changes
        .iter()
        .filter_map(|c| match c {
            Change::AddForeignKey { table, ordinal, .. } => Some((table.clone(), *ordinal)),
            _ => None,
        })
        .collect();
    let inline: usize = p
        .changes
        .iter()
        .filter_map(|c| match c {
            Change::CreateTable {
                table,
                inline_foreign_keys,
                ..
            } if added.iter().any(|(t, _)| t == &table.name) => Some(inline_foreign_keys.len()),
            _ => None,
        })
        .sum();
    assert_eq!(added.len(), 1, "{}", p.summary());
    assert_eq!(added[0].1, inline + 1, "{}", p.summary());
}

#[test]
fn mysql_alters_the_columns_of_one_table_in_one_statement() {
    let old = schema(vec![
        table(
            "T",
            vec![
                col("ID", "integer", false),
                col("A", "varchar(255)", true),
                col("B", "varchar(255)", true),
            ],
        ),
        table("U", vec![col("C", "integer", true)]),
    ]);
    let new = schema(vec![
        table(
            "T",
            vec![
                col("ID", "integer", false),
                col("A", "varchar(512)", true),
                col("B", "varchar(512)", false),
            ],
        ),
        table("U", vec![col("C", "integer", false)]),
    ]);
    let sql = |d: &dyn Dialect| {
        plan(d, Some(&old), &new, &[])
            .statements(d)
            .unwrap()
            .into_iter()
            .map(|s| s.sql)
            .collect::<Vec<_>>()
    };
    // One InnoDB rebuild of T instead of two; U's single change as before.
    assert_eq!(
        sql(dialect::by_name("mysql").unwrap()),
        [
            "ALTER TABLE T MODIFY COLUMN A VARCHAR(512), MODIFY COLUMN B VARCHAR(512) NOT NULL",
            "ALTER TABLE U MODIFY COLUMN C INTEGER NOT NULL",
        ]
    );
    // Elsewhere each change stays its own statement.
    assert_eq!(sql(pg()).len(), 4, "{:?}", sql(pg()));
}
