//! isdb over an IPv6 literal host (`[::1]`), against the real servers: every
//! live command (migrate, status, verify, baseline) on PostgreSQL and on
//! MySQL/MariaDB. The test servers may listen on 127.0.0.1 only, so a TCP
//! proxy on [::1] stands in front of each, and its count of accepted
//! connections proves that every command went there. TLS over `[::1]` is in
//! `tests/tls.rs`, secrets in URLs over `[::1]` in `tests/secrets.rs`.

mod common;
#[path = "common/proxy.rs"]
mod proxy;

use std::net::{IpAddr, Ipv6Addr};

use common::{Server, run_isdb};
use isdb::layout::TableGroup;
use proxy::Proxy;

/// Migrates a new database through `[::1]`, then checks that status, a second
/// migrate, verify and (after the history is dropped) baseline all work
/// through it too.
async fn every_command_over_ipv6(server: Server, tag: &str) {
    let prefix = common::unique_prefix(tag);
    let db = format!("{prefix}wso2is");
    let direct = url::Url::parse(&server.url).unwrap();
    let upstream = format!(
        "{}:{}",
        direct.host_str().unwrap(),
        direct.port_or_known_default().unwrap()
    );
    let proxy = Proxy::start_on(IpAddr::V6(Ipv6Addr::LOCALHOST), upstream).await;
    let url = proxy.url(&server.db_url(&db));
    assert!(url.contains("@[::1]:"), "{url}");
    let dir = tempfile::tempdir().unwrap();
    let target = ["--url", url.as_str()];

    let (code, out, err) = run_isdb(dir.path(), &["migrate", "--url", &url], &[]);
    assert_eq!(code, 0, "migrate over [::1]: {out}\n{err}");
    let after_migrate = proxy.accepted();
    assert!(after_migrate > 0, "migrate did not go through [::1]");
    // Read directly, not through the proxy: the run really built the database.
    assert_eq!(server.history_lines(&db).await.len(), TableGroup::ALL.len());

    common::assert_up_to_date(dir.path(), &target);
    let after_checks = proxy.accepted();
    assert!(
        after_checks >= after_migrate + 3,
        "status, migrate and verify each connect through [::1]: {after_migrate} then {after_checks}"
    );

    server.exec(&db, "DROP TABLE ISDB_SCHEMA_HISTORY").await;
    common::assert_baseline_adopts(dir.path(), &target, TableGroup::ALL.len());
    assert!(
        proxy.accepted() > after_checks,
        "baseline did not go through [::1]"
    );
    assert_eq!(server.history_lines(&db).await.len(), TableGroup::ALL.len());
    drop(proxy);
    common::drop_databases(&server, &prefix).await;
}

// isdb runs as a child process the test waits for; the proxy's tasks run on
// the runtime's workers meanwhile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mariadb_every_command_over_an_ipv6_literal() {
    let Some(server) = common::mysql("mariadb_every_command_over_an_ipv6_literal").await else {
        return;
    };
    every_command_over_ipv6(server, "myipv6").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_every_command_over_an_ipv6_literal() {
    let Some(server) = common::postgres("postgres_every_command_over_an_ipv6_literal").await else {
        return;
    };
    every_command_over_ipv6(server, "pgipv6").await;
}
