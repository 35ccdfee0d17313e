//! Oracle and MS SQL scripts run for real, inside the vendor's own container
//! with the vendor's own client (SQL*Plus, sqlcmd). They need a Docker daemon,
//! so they are ignored by default (nextest lists them as skipped); `.ci/run`
//! runs them with `--run-ignored all` when `docker version` answers, and then a
//! container that does not start fails the test.

use isdb::dialect::{self, Dialect};
use isdb::layout::{Layout, LayoutKind};
use isdb::model::catalog::Catalog;
use isdb::render;
use testcontainers::core::ExecCommand;
use testcontainers::runners::AsyncRunner;
use testcontainers::{ContainerAsync, Image, ImageExt};

fn merged_script(d: &dyn Dialect) -> (String, usize) {
    let layout = Layout::new(LayoutKind::Merged, 2, "").unwrap();
    let db = &layout.databases[0];
    let catalog = Catalog::builtin().unwrap();
    let newest = catalog.newest().unwrap();
    let tables = db
        .groups()
        .iter()
        .filter_map(|g| catalog.snapshot(*g, newest))
        .map(|m| m.schema(d).tables.len())
        .sum::<usize>();
    (render::database_script(d, db, catalog).unwrap(), tables + 1)
}

async fn exec<I: Image>(c: &ContainerAsync<I>, cmd: &[&str]) -> (i64, String) {
    let mut r = c
        .exec(ExecCommand::new(cmd.iter().copied()))
        .await
        .expect("exec in the container");
    let out = String::from_utf8_lossy(&r.stdout_to_vec().await.unwrap_or_default()).into_owned();
    let err = String::from_utf8_lossy(&r.stderr_to_vec().await.unwrap_or_default()).into_owned();
    (
        r.exit_code().await.ok().flatten().unwrap_or(-1),
        format!("{out}{err}"),
    )
}

#[tokio::test]
#[ignore = "needs a Docker daemon"]
async fn oracle_script_runs_in_sqlplus() {
    for name in ["oracle", "oracle-rac"] {
        let d = dialect::by_name(name).unwrap();
        let (script, tables) = merged_script(d);
        let wrapper = "WHENEVER SQLERROR EXIT SQL.SQLCODE\nWHENEVER OSERROR EXIT FAILURE\nSET ECHO OFF\n@/tmp/isdb.sql\nSELECT 'ERRORS=' || COUNT(*) FROM USER_ERRORS;\nSELECT 'INVALID=' || COUNT(*) FROM USER_OBJECTS WHERE STATUS <> 'VALID';\nSELECT 'TABLES=' || COUNT(*) FROM USER_TABLES;\nEXIT\n";
        let image = testcontainers_modules::oracle::free::Oracle::default()
            .with_copy_to("/tmp/isdb.sql", script.into_bytes())
            .with_copy_to("/tmp/run.sql", wrapper.as_bytes().to_vec());
        let c = image
            .start()
            .await
            .unwrap_or_else(|e| panic!("{name}: the Oracle container did not start: {e}"));
        let (code, out) = exec(
            &c,
            &[
                "sqlplus",
                "-S",
                "-L",
                "test/test@//localhost/FREEPDB1",
                "@/tmp/run.sql",
            ],
        )
        .await;
        assert_eq!(code, 0, "{name}: SQL*Plus failed:\n{out}");
        assert!(
            out.contains("ERRORS=0"),
            "{name}: compilation errors:\n{out}"
        );
        assert!(out.contains("INVALID=0"), "{name}: invalid objects:\n{out}");
        assert!(
            out.contains(&format!("TABLES={tables}")),
            "{name}: expected {tables} tables:\n{out}"
        );
    }
}

#[tokio::test]
#[ignore = "needs a Docker daemon"]
async fn mssql_script_runs_in_sqlcmd() {
    let d = dialect::by_name("mssql").unwrap();
    let (script, tables) = merged_script(d);
    let image = testcontainers_modules::mssql_server::MssqlServer::default()
        .with_accept_eula()
        .with_copy_to("/tmp/isdb.sql", script.into_bytes());
    let c = image
        .start()
        .await
        .unwrap_or_else(|e| panic!("the MS SQL container did not start: {e}"));
    let sqlcmd = "S=/opt/mssql-tools18/bin/sqlcmd; [ -x $S ] || S=/opt/mssql-tools/bin/sqlcmd; \
        $S -S localhost -U sa -P \"$MSSQL_SA_PASSWORD\" -C -b -Q 'CREATE DATABASE isdb' && \
        $S -S localhost -U sa -P \"$MSSQL_SA_PASSWORD\" -C -b -d isdb -i /tmp/isdb.sql && \
        $S -S localhost -U sa -P \"$MSSQL_SA_PASSWORD\" -C -b -d isdb -h -1 -Q \"SET NOCOUNT ON; SELECT 'TABLES=' + CAST(COUNT(*) AS VARCHAR) FROM sys.tables\"";
    let (code, out) = exec(&c, &["bash", "-c", sqlcmd]).await;
    assert_eq!(code, 0, "sqlcmd failed:\n{out}");
    assert!(
        out.contains(&format!("TABLES={tables}")),
        "expected {tables} tables:\n{out}"
    );
}
