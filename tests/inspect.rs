//! Inspect and diff against real servers: every built-in migration, rendered
//! and executed, reads back with no difference on PostgreSQL, MariaDB (a
//! `latin1` database) and SQLite; and drift made by hand is reported exactly.
//!
//! Servers come from `ISDB_TEST_POSTGRES_URL` (e.g.
//! `postgres://postgres@127.0.0.1:5432/postgres`) and `ISDB_TEST_MYSQL_URL`
//! (e.g. `mysql://root@127.0.0.1:3306/mysql`); a test whose variable is unset
//! fails, unless `ISDB_TEST_ALLOW_SKIP=1` lets it print one `skipped:` line. Each test creates its own database
//! (`isdb_t_inspect_<pid>_<n>`) and drops it, also when it fails.

mod common;

use std::future::Future;
use std::sync::atomic::{AtomicU32, Ordering};

use isdb::dialect::{self, Dialect};
use isdb::diff::{Difference, diff, is_failing};
use isdb::inspect;
use isdb::layout::TableGroup;
use isdb::model::catalog::Catalog;
use isdb::model::{ForeignKey, OnDelete, Schema};
use isdb::render::{RenderOptions, statements};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{AssertSqlSafe, Connection, MySqlConnection, PgConnection, SqliteConnection};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Engine {
    Postgres,
    MariaDb,
}

impl Engine {
    fn var(self) -> &'static str {
        match self {
            Engine::Postgres => "ISDB_TEST_POSTGRES_URL",
            Engine::MariaDb => "ISDB_TEST_MYSQL_URL",
        }
    }

    fn dialect(self) -> &'static dyn Dialect {
        let name = match self {
            Engine::Postgres => "postgres",
            Engine::MariaDb => "mysql",
        };
        dialect::by_name(name).expect("built-in dialect")
    }

    /// The server's URL; without one the test fails (see `common::missing`).
    fn admin_url(self, test: &str) -> Option<String> {
        match std::env::var(self.var()) {
            Ok(url) if !url.is_empty() => Some(url),
            _ => {
                let example = match self {
                    Engine::Postgres => "postgres://postgres@127.0.0.1:5432/postgres",
                    Engine::MariaDb => "mysql://root@127.0.0.1:3306/mysql",
                };
                common::missing(
                    &format!("{} not set ({test} needs it)", self.var()),
                    &format!("set it, e.g. to {example}"),
                );
                None
            }
        }
    }
}

/// A connection to the database under test.
enum Conn {
    Pg(PgConnection),
    My(MySqlConnection),
    Lite(SqliteConnection),
}

impl Conn {
    async fn server(engine: Engine, url: &str) -> Conn {
        match engine {
            Engine::Postgres => Conn::Pg(
                PgConnection::connect(url)
                    .await
                    .expect("connect to PostgreSQL"),
            ),
            Engine::MariaDb => Conn::My(
                MySqlConnection::connect(url)
                    .await
                    .expect("connect to MariaDB"),
            ),
        }
    }

    async fn sqlite(path: &std::path::Path) -> Conn {
        let opts = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true);
        Conn::Lite(
            SqliteConnection::connect_with(&opts)
                .await
                .expect("open SQLite file"),
        )
    }

    fn dialect(&self) -> &'static dyn Dialect {
        match self {
            Conn::Pg(_) => Engine::Postgres.dialect(),
            Conn::My(_) => Engine::MariaDb.dialect(),
            Conn::Lite(_) => dialect::by_name("sqlite").expect("built-in dialect"),
        }
    }

    async fn exec(&mut self, sql: &str) {
        let q = sqlx::raw_sql(AssertSqlSafe(sql.to_string()));
        let r = match self {
            Conn::Pg(c) => q.execute(c).await.map(drop),
            Conn::My(c) => q.execute(c).await.map(drop),
            Conn::Lite(c) => q.execute(c).await.map(drop),
        };
        if let Err(e) = r {
            panic!("{sql}\nfailed: {e}");
        }
    }

    async fn inspect(&mut self) -> Schema {
        let r = match self {
            Conn::Pg(c) => inspect::postgres::inspect(c).await,
            Conn::My(c) => inspect::mysql::inspect(c).await,
            Conn::Lite(c) => inspect::sqlite::inspect(c).await,
        };
        r.unwrap_or_else(|e| panic!("inspect: {e}"))
    }

    /// Renders `schema` for this connection's dialect and runs every statement.
    async fn build(&mut self, schema: &Schema) {
        for st in statements(self.dialect(), schema, RenderOptions::default()) {
            self.exec(&st.sql).await;
        }
    }

    async fn diff(&mut self, expected: &Schema) -> Vec<Difference> {
        let actual = self.inspect().await;
        diff(self.dialect(), expected, &actual)
    }
}

fn unique_db_name() -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    format!(
        "isdb_t_inspect_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

async fn admin_exec(engine: Engine, admin: &str, sql: String) {
    let mut c = Conn::server(engine, admin).await;
    c.exec(&sql).await;
    match c {
        Conn::Pg(c) => c.close().await.ok(),
        Conn::My(c) => c.close().await.ok(),
        Conn::Lite(c) => c.close().await.ok(),
    };
}

/// Runs `body` with the URL of a fresh database on `engine`'s server, then
/// drops the database whether or not `body` panicked.
async fn in_database<F, Fut>(engine: Engine, admin: &str, body: F)
where
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let name = unique_db_name();
    let create = match engine {
        Engine::Postgres => format!("CREATE DATABASE {name}"),
        Engine::MariaDb => format!("CREATE DATABASE {name} CHARACTER SET latin1"),
    };
    admin_exec(engine, admin, create).await;
    let mut url = url::Url::parse(admin).expect("server URL");
    url.set_path(&format!("/{name}"));
    let outcome = tokio::spawn(body(url.to_string())).await;
    let drop = match engine {
        Engine::Postgres => format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
        Engine::MariaDb => format!("DROP DATABASE IF EXISTS {name}"),
    };
    admin_exec(engine, admin, drop).await;
    if let Err(e) = outcome {
        match e.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            Err(e) => panic!("test body: {e}"),
        }
    }
}

fn lines(diffs: &[Difference]) -> String {
    diffs
        .iter()
        .map(|d| format!("  {d}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// `a` and `b` hold the same differences, in any order.
fn assert_same(mut a: Vec<Difference>, mut b: Vec<Difference>, step: &str) {
    a.sort_by_key(|d| format!("{d:?}"));
    b.sort_by_key(|d| format!("{d:?}"));
    assert!(
        a == b,
        "after {step}:\nfound:\n{}\nexpected:\n{}",
        lines(&a),
        lines(&b)
    );
}

/// Every built-in migration, each in a fresh database, reads back clean.
async fn every_migration_reads_back_clean(engine: Engine, test: &str) {
    let Some(admin) = engine.admin_url(test) else {
        return;
    };
    let catalog = Catalog::builtin().expect("built-in catalog");
    // The two ends of the catalog, each group on its own: every release in
    // between builds and reads back whole in tests/fidelity_releases.rs.
    let ends = [
        catalog.release("5.3.0").expect("5.3.0"),
        catalog.newest().expect("a release").clone(),
    ];
    for g in TableGroup::ALL {
        let mut snapshots: Vec<_> = ends.iter().filter_map(|r| catalog.snapshot(g, r)).collect();
        snapshots.dedup_by(|a, b| a.version == b.version);
        for m in snapshots {
            let expected = m.schema(engine.dialect());
            let label = format!("{g} {}", m.version);
            in_database(engine, &admin, move |url| async move {
                let mut c = Conn::server(engine, &url).await;
                c.build(&expected).await;
                let found = c.diff(&expected).await;
                assert!(found.is_empty(), "{label}:\n{}", lines(&found));
            })
            .await;
        }
    }
}

#[tokio::test]
async fn postgres_every_migration_reads_back_clean() {
    every_migration_reads_back_clean(
        Engine::Postgres,
        "postgres_every_migration_reads_back_clean",
    )
    .await;
}

#[tokio::test]
async fn mariadb_every_migration_reads_back_clean() {
    every_migration_reads_back_clean(Engine::MariaDb, "mariadb_every_migration_reads_back_clean")
        .await;
}

#[tokio::test]
async fn sqlite_every_migration_reads_back_clean() {
    let sqlite = dialect::by_name("sqlite").expect("built-in dialect");
    let catalog = Catalog::builtin().expect("built-in catalog");
    for g in TableGroup::ALL {
        for m in catalog.group(g) {
            let dir = tempfile::tempdir().expect("temp dir");
            let mut c = Conn::sqlite(&dir.path().join("isdb.db")).await;
            let expected = m.schema(sqlite);
            c.build(&expected).await;
            let found = c.diff(&expected).await;
            assert!(found.is_empty(), "{g} {}:\n{}", m.version, lines(&found));
        }
    }
}

/// All groups in one database (a merged layout, or WSO2's whole script run
/// into a split database): clean against all of them, and against one group
/// the others' tables are extra, which does not fail unless strict.
async fn other_groups_tables_are_extra(engine: Engine, test: &str) {
    let Some(admin) = engine.admin_url(test) else {
        return;
    };
    in_database(engine, &admin, move |url| async move {
        let d = engine.dialect();
        let catalog = Catalog::builtin().expect("built-in catalog");
        let mut c = Conn::server(engine, &url).await;
        let newest = catalog.newest().expect("a release");
        let mut all = Schema::default();
        for g in TableGroup::ALL {
            let s = catalog.snapshot(g, newest).expect("every group").schema(d);
            c.build(&s).await;
            all.tables.extend(s.tables);
        }
        let actual = c.inspect().await;
        let found = diff(d, &all, &actual);
        assert!(found.is_empty(), "all groups:\n{}", lines(&found));
        for g in TableGroup::ALL {
            let one = catalog.snapshot(g, newest).expect("every group").schema(d);
            let mut others: Vec<Difference> = all
                .tables
                .iter()
                .filter(|t| one.table(&t.name).is_none())
                .map(|t| Difference::ExtraTable {
                    table: t.name.clone(),
                })
                .collect();
            others.sort_by(|a, b| a.table().cmp(b.table()));
            let found = diff(d, &one, &actual);
            assert_eq!(found, others, "{g}");
            assert!(!is_failing(&found, false), "{g}");
            assert!(is_failing(&found, true), "{g}");
        }
    })
    .await;
}

#[tokio::test]
async fn postgres_other_groups_tables_are_extra() {
    other_groups_tables_are_extra(Engine::Postgres, "postgres_other_groups_tables_are_extra").await;
}

#[tokio::test]
async fn mariadb_other_groups_tables_are_extra() {
    other_groups_tables_are_extra(Engine::MariaDb, "mariadb_other_groups_tables_are_extra").await;
}

/// One hand-made change and the exact difference it must add.
struct Drift {
    what: &'static str,
    sql: Vec<String>,
    difference: Difference,
}

fn identity_schema(d: &dyn Dialect) -> Schema {
    let catalog = Catalog::builtin().expect("built-in catalog");
    let m = catalog
        .group(TableGroup::Identity)
        .next()
        .expect("identity baseline");
    m.schema(d)
}

/// The drift cases every RDBMS can make with plain DDL.
fn common_drift(d: &dyn Dialect, expected: &Schema) -> Vec<Drift> {
    let apps = expected
        .table("IDN_OAUTH_CONSUMER_APPS")
        .expect("IDN_OAUTH_CONSUMER_APPS");
    let callback = apps.column("CALLBACK_URL").expect("CALLBACK_URL");
    let tokens = expected
        .table("IDN_OAUTH2_ACCESS_TOKEN")
        .expect("IDN_OAUTH2_ACCESS_TOKEN");
    let idx_tc = tokens
        .indexes
        .iter()
        .find(|i| i.name == "IDX_TC")
        .expect("IDX_TC")
        .clone();
    let drop_index = if d.data().table_options.is_some() {
        "DROP INDEX IDX_TC ON IDN_OAUTH2_ACCESS_TOKEN"
    } else {
        "DROP INDEX IDX_TC"
    };
    vec![
        Drift {
            what: "a dropped column",
            sql: vec!["ALTER TABLE IDN_OAUTH_CONSUMER_APPS DROP COLUMN CALLBACK_URL".into()],
            difference: Difference::MissingColumn {
                table: "IDN_OAUTH_CONSUMER_APPS".into(),
                column: "CALLBACK_URL".into(),
                expected_type: callback
                    .native
                    .clone()
                    .unwrap_or_else(|| d.render_type(&callback.ty)),
            },
        },
        Drift {
            what: "a dropped index",
            sql: vec![drop_index.into()],
            difference: Difference::MissingIndex {
                table: "IDN_OAUTH2_ACCESS_TOKEN".into(),
                index: idx_tc,
            },
        },
        Drift {
            what: "a missing table",
            sql: vec!["DROP TABLE IDN_BASE_TABLE".into()],
            difference: Difference::MissingTable {
                table: "IDN_BASE_TABLE".into(),
            },
        },
        Drift {
            what: "an extra table",
            sql: vec!["CREATE TABLE EXTRA_T (ID INTEGER)".into()],
            difference: Difference::ExtraTable {
                table: "EXTRA_T".into(),
            },
        },
    ]
}

/// Widening a VARCHAR and changing an FK's ON DELETE (not possible in place on SQLite).
fn server_drift(engine: Engine, expected: &Schema) -> Vec<Drift> {
    let inbound = expected.table("SP_INBOUND_AUTH").expect("SP_INBOUND_AUTH");
    let fk: ForeignKey = inbound
        .foreign_keys
        .iter()
        .find(|f| f.name.as_deref() == Some("APPLICATION_ID_CONSTRAINT"))
        .expect("APPLICATION_ID_CONSTRAINT")
        .clone();
    assert_eq!(fk.on_delete, OnDelete::Cascade);
    let (widen, drop_fk, widened) = match engine {
        Engine::Postgres => (
            "ALTER TABLE IDN_OAUTH_CONSUMER_APPS ALTER COLUMN APP_NAME TYPE VARCHAR(1000)",
            "ALTER TABLE SP_INBOUND_AUTH DROP CONSTRAINT APPLICATION_ID_CONSTRAINT",
            "character varying(1000)",
        ),
        Engine::MariaDb => (
            "ALTER TABLE IDN_OAUTH_CONSUMER_APPS MODIFY APP_NAME VARCHAR(1000)",
            "ALTER TABLE SP_INBOUND_AUTH DROP FOREIGN KEY APPLICATION_ID_CONSTRAINT",
            "varchar(1000)",
        ),
    };
    vec![
        Drift {
            what: "a widened VARCHAR",
            sql: vec![widen.into()],
            difference: Difference::TypeMismatch {
                table: "IDN_OAUTH_CONSUMER_APPS".into(),
                column: "APP_NAME".into(),
                expected: "VARCHAR(255)".into(),
                actual: widened.into(),
            },
        },
        Drift {
            what: "an FK with a different ON DELETE",
            sql: vec![
                drop_fk.into(),
                "ALTER TABLE SP_INBOUND_AUTH ADD CONSTRAINT APPLICATION_ID_CONSTRAINT \
                 FOREIGN KEY (APP_ID) REFERENCES SP_APP (ID)"
                    .into(),
            ],
            difference: Difference::ForeignKeyMismatch {
                table: "SP_INBOUND_AUTH".into(),
                expected: fk.clone(),
                actual: ForeignKey {
                    on_delete: OnDelete::NoAction,
                    ..fk
                },
            },
        },
    ]
}

/// Applies `drift` one case at a time; after each, the diff must be exactly
/// the differences of the cases applied so far.
async fn assert_drift_reported(c: &mut Conn, expected: &Schema, drift: Vec<Drift>) {
    let found = c.diff(expected).await;
    assert!(found.is_empty(), "before any drift:\n{}", lines(&found));
    let mut want = Vec::new();
    for case in drift {
        for sql in &case.sql {
            c.exec(sql).await;
        }
        want.push(case.difference);
        assert_same(c.diff(expected).await, want.clone(), case.what);
    }
    let found = c.diff(expected).await;
    let extra: Vec<&Difference> = found.iter().filter(|d| d.is_extra()).collect();
    assert_eq!(
        extra,
        [&Difference::ExtraTable {
            table: "EXTRA_T".into()
        }]
    );
}

async fn drift_is_reported_precisely(engine: Engine, test: &str) {
    let Some(admin) = engine.admin_url(test) else {
        return;
    };
    in_database(engine, &admin, move |url| async move {
        let d = engine.dialect();
        let expected = identity_schema(d);
        let mut drift = common_drift(d, &expected);
        drift.extend(server_drift(engine, &expected));
        if engine == Engine::Postgres {
            drift.push(Drift {
                what: "a missing sequence",
                sql: vec!["DROP SEQUENCE IDN_OAUTH_CONSUMER_APPS_PK_SEQ CASCADE".into()],
                difference: Difference::MissingSequence {
                    table: "IDN_OAUTH_CONSUMER_APPS".into(),
                    column: "ID".into(),
                    sequence: "IDN_OAUTH_CONSUMER_APPS_PK_SEQ".into(),
                },
            });
        }
        let mut c = Conn::server(engine, &url).await;
        c.build(&expected).await;
        assert_drift_reported(&mut c, &expected, drift).await;
    })
    .await;
}

#[tokio::test]
async fn postgres_drift_is_reported_precisely() {
    drift_is_reported_precisely(Engine::Postgres, "postgres_drift_is_reported_precisely").await;
}

#[tokio::test]
async fn mariadb_drift_is_reported_precisely() {
    drift_is_reported_precisely(Engine::MariaDb, "mariadb_drift_is_reported_precisely").await;
}

#[tokio::test]
async fn sqlite_drift_is_reported_precisely() {
    let d = dialect::by_name("sqlite").expect("built-in dialect");
    let dir = tempfile::tempdir().expect("temp dir");
    let mut c = Conn::sqlite(&dir.path().join("isdb.db")).await;
    let expected = identity_schema(d);
    c.build(&expected).await;
    let drift = common_drift(d, &expected);
    assert_drift_reported(&mut c, &expected, drift).await;
}
