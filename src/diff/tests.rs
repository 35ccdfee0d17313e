use super::*;
use crate::dialect::by_name;
use crate::model::{KeyGenerator, OnDelete};

fn d(name: &str) -> &'static dyn Dialect {
    by_name(name).expect("built-in dialect")
}

fn col(name: &str, ty: &str) -> Column {
    Column {
        name: name.into(),
        ty: ty.parse().expect("neutral type"),
        native: None,
        nullable: true,
        default: None,
        identity: false,
    }
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// A table with one of everything: identity key, defaults, unique, FK, index.
fn table() -> Table {
    Table {
        name: "IDN_TOKEN".into(),
        columns: vec![
            Column {
                nullable: false,
                identity: true,
                ..col("ID", "integer")
            },
            Column {
                nullable: false,
                ..col("APP_ID", "integer")
            },
            col("TOKEN", "varchar(255)"),
            Column {
                default: Some(DefaultValue::Str("ACTIVE".into())),
                ..col("STATE", "varchar(25)")
            },
            Column {
                default: Some(DefaultValue::Bool(false)),
                ..col("REVOKED", "boolean")
            },
        ],
        primary_key: strings(&["ID"]),
        unique: vec![Unique {
            name: Some("CON_TOKEN".into()),
            columns: strings(&["TOKEN"]),
        }],
        foreign_keys: vec![ForeignKey {
            name: None,
            columns: strings(&["APP_ID"]),
            references: "IDN_APP".into(),
            ref_columns: strings(&["ID"]),
            on_delete: OnDelete::Cascade,
        }],
        indexes: vec![Index {
            name: "IDX_TOKEN_STATE".into(),
            columns: strings(&["STATE"]),
            unique: false,
        }],
        key_generator: KeyGenerator {
            sequence: Some("IDN_TOKEN_SEQ".into()),
            trigger: None,
        },
    }
}

fn schema(tables: Vec<Table>) -> Schema {
    Schema {
        tables,
        seeds: Vec::new(),
    }
}

/// `t` as the PostgreSQL inspector reads it back.
fn as_postgres_reads(mut t: Table) -> Table {
    for c in &mut t.columns {
        c.native = Some(match c.ty {
            ColumnType::Integer => "integer".into(),
            ColumnType::Varchar(n) => format!("character varying({n})"),
            ColumnType::Boolean => "boolean".into(),
            other => other.to_string(),
        });
    }
    t.key_generator.sequence = Some("idn_token_seq".into());
    t.unique[0].name = Some("con_token".into());
    t
}

#[test]
fn catalog_spellings_compare_equal_through_the_dialect() {
    let my = d("mysql");
    for (a, b) in [
        ("INTEGER", "int(11)"),
        ("BOOLEAN", "tinyint(1)"),
        ("BIGINT", "bigint(20)"),
        ("DECIMAL", "decimal(10,0)"),
        ("blob(4096)", "blob"),
        ("LONGTEXT", "longtext"),
        ("DATETIME", "datetime"),
        ("VARCHAR(255)", "varchar(255)"),
    ] {
        assert_eq!(canonical_type(my, a), canonical_type(my, b), "{a} vs {b}");
    }
    assert_ne!(canonical_type(my, "TEXT"), canonical_type(my, "longtext"));
    assert_ne!(
        canonical_type(my, "VARCHAR(255)"),
        canonical_type(my, "varchar(1000)")
    );
    let pg = d("postgres");
    for (a, b) in [
        ("VARCHAR(255)", "character varying(255)"),
        ("TIMESTAMP", "timestamp without time zone"),
        ("CHAR(1)", "character(1)"),
        ("NUMERIC(20,15)", "numeric(20,15)"),
        ("DOUBLE PRECISION", "double precision"),
        ("BYTEA", "bytea"),
    ] {
        assert_eq!(canonical_type(pg, a), canonical_type(pg, b), "{a} vs {b}");
    }
    assert_ne!(
        canonical_type(pg, "TIMESTAMP"),
        canonical_type(pg, "timestamp with time zone")
    );
}

#[test]
fn a_schema_read_back_as_written_has_no_differences() {
    let pg = d("postgres");
    let expected = schema(vec![table()]);
    let mut read = as_postgres_reads(table());
    // PostgreSQL shows FALSE as `false` and a nextval default as identity, not a default.
    read.columns[4].default = Some(DefaultValue::Bool(false));
    assert_eq!(diff(pg, &expected, &schema(vec![read])), vec![]);
}

#[test]
fn default_null_is_no_default_and_booleans_compare_by_value() {
    let my = d("mysql");
    let mut e = table();
    e.key_generator.sequence = None;
    e.unique[0].name = None;
    let mut a = e.clone();
    a.columns[2].default = Some(DefaultValue::Null);
    a.columns[4].native = Some("tinyint(1)".into());
    a.columns[4].ty = ColumnType::Boolean;
    assert_eq!(
        diff(my, &schema(vec![e.clone()]), &schema(vec![a.clone()])),
        vec![]
    );
    a.columns[4].default = Some(DefaultValue::Bool(true));
    assert_eq!(
        diff(my, &schema(vec![e]), &schema(vec![a])),
        vec![Difference::DefaultMismatch {
            table: "IDN_TOKEN".into(),
            column: "REVOKED".into(),
            expected: Some(DefaultValue::Bool(false)),
            actual: Some(DefaultValue::Bool(true)),
        }]
    );
}

#[test]
fn each_kind_of_drift_is_reported_once_and_precisely() {
    let pg = d("postgres");
    let expected = schema(vec![table()]);
    let mut a = as_postgres_reads(table());
    a.columns.retain(|c| c.name != "TOKEN");
    a.unique.clear();
    a.columns[2].native = Some("character varying(100)".into());
    a.foreign_keys[0].on_delete = OnDelete::NoAction;
    a.indexes.clear();
    a.key_generator.sequence = None;
    a.columns[0].identity = false;
    let got = diff(pg, &expected, &schema(vec![a, table_named("EXTRA_T")]));
    let fk = table().foreign_keys[0].clone();
    let want = vec![
        Difference::MissingColumn {
            table: "IDN_TOKEN".into(),
            column: "TOKEN".into(),
            expected_type: "VARCHAR(255)".into(),
        },
        Difference::TypeMismatch {
            table: "IDN_TOKEN".into(),
            column: "STATE".into(),
            expected: "VARCHAR(25)".into(),
            actual: "character varying(100)".into(),
        },
        Difference::MissingUnique {
            table: "IDN_TOKEN".into(),
            unique: table().unique[0].clone(),
        },
        Difference::ForeignKeyMismatch {
            table: "IDN_TOKEN".into(),
            expected: fk.clone(),
            actual: ForeignKey {
                on_delete: OnDelete::NoAction,
                ..fk
            },
        },
        Difference::MissingIndex {
            table: "IDN_TOKEN".into(),
            index: table().indexes[0].clone(),
        },
        Difference::MissingSequence {
            table: "IDN_TOKEN".into(),
            column: "ID".into(),
            sequence: "IDN_TOKEN_SEQ".into(),
        },
        Difference::ExtraTable {
            table: "EXTRA_T".into(),
        },
    ];
    assert_eq!(got, want);
    let lines: Vec<String> = got.iter().map(ToString::to_string).collect();
    assert_eq!(
        lines,
        [
            "IDN_TOKEN.TOKEN: column (VARCHAR(255)) is missing",
            "IDN_TOKEN.STATE: type is character varying(100), expected VARCHAR(25)",
            "IDN_TOKEN: unique constraint CON_TOKEN (TOKEN) is missing",
            "IDN_TOKEN: foreign key (APP_ID) REFERENCES IDN_APP (ID) has ON DELETE NO ACTION, expected ON DELETE CASCADE",
            "IDN_TOKEN: index IDX_TOKEN_STATE (STATE) is missing",
            "IDN_TOKEN: sequence IDN_TOKEN_SEQ (generating ID) is missing",
            "EXTRA_T: table is not in the expected schema",
        ]
    );
    assert!(is_failing(&got, false));
    assert!(got.iter().filter(|d| d.is_extra()).count() == 1);
}

fn table_named(name: &str) -> Table {
    Table {
        name: name.into(),
        columns: vec![col("ID", "integer")],
        primary_key: Vec::new(),
        unique: Vec::new(),
        foreign_keys: Vec::new(),
        indexes: Vec::new(),
        key_generator: KeyGenerator::default(),
    }
}

#[test]
fn extra_tables_fail_only_when_strict_and_bookkeeping_is_ignored() {
    let pg = d("postgres");
    let e = schema(vec![table_named("A")]);
    let a = schema(vec![
        table_named("A"),
        table_named("ISDB_HISTORY"),
        table_named("B"),
    ]);
    let got = diff(pg, &e, &a);
    assert_eq!(got, vec![Difference::ExtraTable { table: "B".into() }]);
    assert!(!is_failing(&got, false));
    assert!(is_failing(&got, true));
    assert_eq!(
        diff(pg, &a, &e),
        vec![Difference::MissingTable { table: "B".into() }]
    );
}

#[test]
fn constraint_names_matter_only_where_the_script_gives_one() {
    let pg = d("postgres");
    let mut e = table_named("T");
    e.unique = vec![
        Unique {
            name: None,
            columns: strings(&["ID"]),
        },
        Unique {
            name: Some("U_NAMED".into()),
            columns: strings(&["ID"]),
        },
    ];
    let mut a = e.clone();
    a.unique[0].name = Some("T_ID_KEY_BY_A_DBA".into());
    assert_eq!(
        diff(pg, &schema(vec![e.clone()]), &schema(vec![a.clone()])),
        vec![]
    );
    a.unique[1].name = None;
    assert_eq!(
        diff(pg, &schema(vec![e.clone()]), &schema(vec![a])),
        vec![Difference::UniqueMismatch {
            table: "T".into(),
            expected: e.unique[1].clone(),
            actual: Unique {
                name: None,
                columns: strings(&["ID"]),
            },
        }]
    );
}

#[test]
fn mysql_unique_indexes_compare_as_unique_constraints() {
    let my = d("mysql");
    let mut e = table_named("UM_TENANT");
    e.unique = vec![Unique {
        name: None,
        columns: strings(&["ID"]),
    }];
    e.indexes = vec![Index {
        name: "INDEX_UM_TENANT_ID".into(),
        columns: strings(&["ID"]),
        unique: true,
    }];
    let mut a = e.clone();
    a.indexes.clear();
    a.unique.push(Unique {
        name: Some("INDEX_UM_TENANT_ID".into()),
        columns: strings(&["ID"]),
    });
    assert_eq!(
        diff(my, &schema(vec![e.clone()]), &schema(vec![a.clone()])),
        vec![]
    );
    // PostgreSQL tells them apart, so the same reading is a difference there.
    assert_eq!(
        diff(d("postgres"), &schema(vec![e]), &schema(vec![a])).len(),
        2
    );
}

#[test]
fn sqlite_generates_only_a_single_integer_key_declared_integer() {
    let lite = d("sqlite");
    let mut e = table_named("UM_TENANT");
    e.columns = vec![Column {
        nullable: false,
        identity: true,
        ..col("UM_ID", "bigint")
    }];
    e.primary_key = strings(&["UM_ID"]);
    let mut a = e.clone();
    a.columns[0].native = Some("INTEGER".into());
    assert_eq!(
        diff(lite, &schema(vec![e.clone()]), &schema(vec![a])),
        vec![]
    );
    let mut composite = e.clone();
    composite.columns.push(Column {
        nullable: false,
        ..col("UM_TENANT_ID", "integer")
    });
    composite.primary_key = strings(&["UM_ID", "UM_TENANT_ID"]);
    let mut a = composite.clone();
    a.columns[0].identity = false;
    assert_eq!(
        diff(lite, &schema(vec![composite]), &schema(vec![a])),
        vec![]
    );
}

#[test]
fn extra_objects_that_constrain_data_fail() {
    let e = table_named("T");
    let mut a = e.clone();
    a.columns.push(Column {
        nullable: false,
        ..col("MUST", "integer")
    });
    a.columns.push(col("MAY", "integer"));
    a.indexes.push(Index {
        name: "IDX_T".into(),
        columns: strings(&["MAY"]),
        unique: false,
    });
    a.indexes.push(Index {
        name: "UDX_T".into(),
        columns: strings(&["MAY"]),
        unique: true,
    });
    let got = diff(d("postgres"), &schema(vec![e]), &schema(vec![a]));
    let extra: Vec<bool> = got.iter().map(Difference::is_extra).collect();
    assert_eq!(extra, [false, true, true, false], "{got:#?}");
}

#[test]
fn differences_serialize_with_kind_extra_and_message() {
    let d = Difference::DefaultMismatch {
        table: "T".into(),
        column: "C".into(),
        expected: Some(DefaultValue::Str("it's".into())),
        actual: None,
    };
    let json = serde_json::to_value(d.json()).expect("serializes");
    assert_eq!(
        json,
        serde_json::json!({
            "kind": "default_mismatch",
            "table": "T",
            "column": "C",
            "expected": "'it''s'",
            "actual": null,
            "extra": false,
            "message": "T.C: has no default, expected default 'it''s'",
        })
    );
    let fk = Difference::MissingForeignKey {
        table: "T".into(),
        foreign_key: table().foreign_keys[0].clone(),
    };
    let json = serde_json::to_value(&fk).expect("serializes");
    assert_eq!(json["foreign_key"]["on_delete"], "cascade");
}
