//! Issue 12, data steps: an upgrade of a database that holds rows does to
//! them what WSO2's own upgrade does (see `migrations/<group>/<V>.data.toml`
//! and docs/upgrades.md). Each test builds a merged database at the release
//! before a data step, inserts rows that exercise it (including rows that
//! would break the new rule), upgrades, checks the rows exactly and that
//! `verify` finds the schema of a fresh install.

#[macro_use]
mod common;

use common::{Server, run_expect};

/// A merged database at release `from` holding `rows`, upgraded to `to` and
/// verified clean; returns its name for the checks. `tag` names the test.
async fn upgraded(
    server: &Server,
    tag: &str,
    from: &str,
    rows: &str,
    to: &str,
) -> (String, String) {
    let dir = tempfile::tempdir().unwrap();
    let (prefix, db, url) = common::merged_at(server, dir.path(), tag, "wso2is", from);
    let target = ["--url", url.as_str()];
    server.exec(&db, rows).await;
    run_expect(dir.path(), &["migrate", "--is-version", to], &target, 0);
    let out = run_expect(dir.path(), &["verify", "--is-version", to], &target, 0);
    assert!(!out.contains("DIFFERS"), "{to}: {out}");
    (prefix, db)
}

/// Asserts that `sql` counts `want` rows in `db`.
async fn count(server: &Server, db: &str, sql: &str, want: i64) {
    assert_eq!(server.query_i64(db, sql).await, want, "{sql}");
}

/// user-management 5.10.0 `um-user-id` and 5.11.0 `um-tenant-uuid`.
async fn user_and_tenant_ids(server: &Server, tag: &str) {
    let rows = "
        INSERT INTO UM_TENANT (UM_DOMAIN_NAME, UM_EMAIL, UM_CREATED_DATE) VALUES ('a.com', 'x@a.com', CURRENT_TIMESTAMP);
        INSERT INTO UM_TENANT (UM_DOMAIN_NAME, UM_EMAIL, UM_CREATED_DATE) VALUES ('b.com', 'x@b.com', CURRENT_TIMESTAMP);
        INSERT INTO UM_USER (UM_USER_NAME, UM_USER_PASSWORD, UM_SALT_VALUE, UM_REQUIRE_CHANGE, UM_CHANGED_TIME, UM_TENANT_ID)
          VALUES ('alice', 'p', 's', FALSE, CURRENT_TIMESTAMP, -1234), ('bob', 'p', 's', FALSE, CURRENT_TIMESTAMP, -1234),
                 ('carol', 'p', 's', FALSE, CURRENT_TIMESTAMP, -1234), ('dave', 'p', 's', FALSE, CURRENT_TIMESTAMP, -1234),
                 ('alice', 'p', 's', FALSE, CURRENT_TIMESTAMP, 1);
        INSERT INTO UM_USER_ATTRIBUTE (UM_ATTR_NAME, UM_ATTR_VALUE, UM_PROFILE_ID, UM_USER_ID, UM_TENANT_ID)
          SELECT 'scimId', '0b4f0c1e-5a8e-4c52-9d37-1f0e2a3b4c5d', 'default', UM_ID, UM_TENANT_ID FROM UM_USER WHERE UM_USER_NAME = 'alice' AND UM_TENANT_ID = -1234;
        INSERT INTO UM_USER_ATTRIBUTE (UM_ATTR_NAME, UM_ATTR_VALUE, UM_PROFILE_ID, UM_USER_ID, UM_TENANT_ID)
          SELECT 'scimId', 'shared-id', 'default', UM_ID, UM_TENANT_ID FROM UM_USER WHERE UM_USER_NAME IN ('carol', 'dave');
        INSERT INTO UM_USER_ATTRIBUTE (UM_ATTR_NAME, UM_ATTR_VALUE, UM_PROFILE_ID, UM_USER_ID, UM_TENANT_ID)
          SELECT 'mail', 'bob@a.com', 'default', UM_ID, UM_TENANT_ID FROM UM_USER WHERE UM_USER_NAME = 'bob';
    ";
    let (prefix, db) = upgraded(server, tag, "5.9.0", rows, "5.11.0").await;
    // alice keeps her SCIM id; nobody gets the shared one; everyone has one, all different.
    count(server, &db, "SELECT COUNT(*) FROM UM_USER WHERE UM_USER_NAME = 'alice' AND UM_TENANT_ID = -1234 AND UM_USER_ID = '0b4f0c1e-5a8e-4c52-9d37-1f0e2a3b4c5d'", 1).await;
    count(
        server,
        &db,
        "SELECT COUNT(*) FROM UM_USER WHERE UM_USER_ID = 'shared-id'",
        0,
    )
    .await;
    count(
        server,
        &db,
        "SELECT COUNT(*) FROM UM_USER WHERE UM_USER_ID IS NULL",
        0,
    )
    .await;
    count(
        server,
        &db,
        "SELECT COUNT(DISTINCT UM_USER_ID) FROM UM_USER",
        5,
    )
    .await;
    count(server, &db, "SELECT COUNT(*) FROM UM_USER WHERE LENGTH(UM_USER_ID) = 36 AND UM_USER_ID LIKE '________-____-____-____-____________'", 5).await;
    // The attributes are untouched (the claim is WSO2's UserIDMigrator's to write).
    count(server, &db, "SELECT COUNT(*) FROM UM_USER_ATTRIBUTE", 4).await;
    count(server, &db, "SELECT COUNT(DISTINCT UM_TENANT_UUID) FROM UM_TENANT WHERE UM_TENANT_UUID LIKE '________-____-____-____-____________'", 2).await;
    count(server, &db, "SELECT COUNT(*) FROM UM_TENANT", 2).await;
    common::drop_databases(server, &prefix).await;
}

/// identity 5.4.0 `scope-roles-to-bindings` and `scope-display-name-and-tenant`.
async fn scope_roles(server: &Server, tag: &str) {
    let rows = "
        INSERT INTO IDN_OAUTH2_SCOPE (SCOPE_KEY, NAME, DESCRIPTION, TENANT_ID, ROLES) VALUES ('read', 'Read', 'r', 0, 'admin, editor,,admin');
        INSERT INTO IDN_OAUTH2_SCOPE (SCOPE_KEY, NAME, DESCRIPTION, TENANT_ID, ROLES) VALUES ('write', NULL, 'w', 1, NULL);
        INSERT INTO IDN_OAUTH2_SCOPE (SCOPE_KEY, NAME, DESCRIPTION, TENANT_ID, ROLES) VALUES ('delete', '', 'd', 0, 'Internal/admin');
    ";
    let (prefix, db) = upgraded(server, tag, "5.3.0", rows, "5.4.0").await;
    count(
        server,
        &db,
        "SELECT COUNT(*) FROM IDN_OAUTH2_SCOPE_BINDING",
        3,
    )
    .await;
    for (scope, role) in [
        ("read", "admin"),
        ("read", "editor"),
        ("delete", "Internal/admin"),
    ] {
        let sql = format!(
            "SELECT COUNT(*) FROM IDN_OAUTH2_SCOPE_BINDING B JOIN IDN_OAUTH2_SCOPE S ON S.SCOPE_ID = B.SCOPE_ID WHERE S.NAME = '{scope}' AND B.SCOPE_BINDING = '{role}'"
        );
        count(server, &db, &sql, 1).await;
    }
    count(server, &db, "SELECT COUNT(*) FROM IDN_OAUTH2_SCOPE WHERE NAME = 'read' AND DISPLAY_NAME = 'Read' AND TENANT_ID = -1", 1).await;
    count(server, &db, "SELECT COUNT(*) FROM IDN_OAUTH2_SCOPE WHERE NAME = 'write' AND DISPLAY_NAME = 'write' AND TENANT_ID = 1", 1).await;
    count(server, &db, "SELECT COUNT(*) FROM IDN_OAUTH2_SCOPE WHERE NAME = 'delete' AND DISPLAY_NAME = 'delete' AND TENANT_ID = -1", 1).await;
    common::drop_databases(server, &prefix).await;
}

/// identity 5.10.0 `oidc-scopes-into-oauth2-scopes`, `scope-type`,
/// `scope-binding-type` and `resource-uuids` (IDP).
async fn oidc_scopes(server: &Server, tag: &str) {
    let rows = "
        INSERT INTO IDN_OAUTH2_SCOPE (NAME, DISPLAY_NAME, TENANT_ID) VALUES ('read', 'Read', -1234);
        INSERT INTO IDN_OAUTH2_SCOPE_BINDING (SCOPE_ID, SCOPE_BINDING) SELECT SCOPE_ID, 'admin' FROM IDN_OAUTH2_SCOPE WHERE NAME = 'read';
        INSERT INTO IDN_CLAIM_DIALECT (DIALECT_URI, TENANT_ID) VALUES ('http://wso2.org/oidc/claim', -1234);
        INSERT INTO IDN_CLAIM (DIALECT_ID, CLAIM_URI, TENANT_ID) SELECT ID, 'email', -1234 FROM IDN_CLAIM_DIALECT;
        INSERT INTO IDN_CLAIM (DIALECT_ID, CLAIM_URI, TENANT_ID) SELECT ID, 'sub', -1234 FROM IDN_CLAIM_DIALECT;
        INSERT INTO IDN_OIDC_SCOPE (NAME, TENANT_ID) VALUES ('openid', -1234), ('email', -1234), ('openid', 1);
        INSERT INTO IDN_OIDC_SCOPE_CLAIM_MAPPING (SCOPE_ID, EXTERNAL_CLAIM_ID)
          SELECT O.ID, C.ID FROM IDN_OIDC_SCOPE O, IDN_CLAIM C WHERE O.NAME = 'openid' AND O.TENANT_ID = -1234;
        INSERT INTO IDN_OIDC_SCOPE_CLAIM_MAPPING (SCOPE_ID, EXTERNAL_CLAIM_ID)
          SELECT O.ID, C.ID FROM IDN_OIDC_SCOPE O, IDN_CLAIM C WHERE O.NAME = 'email' AND C.CLAIM_URI = 'email';
        INSERT INTO IDN_OIDC_SCOPE_CLAIM_MAPPING (SCOPE_ID, EXTERNAL_CLAIM_ID)
          SELECT O.ID, C.ID FROM IDN_OIDC_SCOPE O, IDN_CLAIM C WHERE O.NAME = 'email' AND C.CLAIM_URI = 'email';
        INSERT INTO IDN_OIDC_SCOPE_CLAIM_MAPPING (SCOPE_ID, EXTERNAL_CLAIM_ID) VALUES (NULL, NULL);
        INSERT INTO IDP (TENANT_ID, NAME) VALUES (-1234, 'LOCAL'), (-1234, 'google'), (1, 'LOCAL');
    ";
    let (prefix, db) = upgraded(server, tag, "5.9.0", rows, "5.10.0").await;
    count(
        server,
        &db,
        "SELECT COUNT(*) FROM IDN_OAUTH2_SCOPE WHERE NAME = 'read' AND SCOPE_TYPE = 'OAUTH2'",
        1,
    )
    .await;
    count(
        server,
        &db,
        "SELECT COUNT(*) FROM IDN_OAUTH2_SCOPE WHERE SCOPE_TYPE = 'OIDC' AND NAME = DISPLAY_NAME",
        3,
    )
    .await;
    count(server, &db, "SELECT COUNT(*) FROM IDN_OAUTH2_SCOPE", 4).await;
    count(server, &db, "SELECT COUNT(*) FROM IDN_OAUTH2_SCOPE_BINDING WHERE SCOPE_BINDING = 'admin' AND BINDING_TYPE = 'DEFAULT'", 1).await;
    // openid (super tenant) keeps both claims, email one (its repeat is gone), the empty mapping is gone.
    let pairs = "SELECT COUNT(*) FROM IDN_OIDC_SCOPE_CLAIM_MAPPING M JOIN IDN_OAUTH2_SCOPE S ON S.SCOPE_ID = M.SCOPE_ID JOIN IDN_CLAIM C ON C.ID = M.EXTERNAL_CLAIM_ID WHERE S.SCOPE_TYPE = 'OIDC' AND S.TENANT_ID = -1234";
    count(server, &db, &format!("{pairs} AND S.NAME = 'openid'"), 2).await;
    count(
        server,
        &db,
        &format!("{pairs} AND S.NAME = 'email' AND C.CLAIM_URI = 'email'"),
        1,
    )
    .await;
    count(
        server,
        &db,
        "SELECT COUNT(*) FROM IDN_OIDC_SCOPE_CLAIM_MAPPING",
        3,
    )
    .await;
    count(server, &db, "SELECT COUNT(DISTINCT UUID) FROM IDP WHERE UUID LIKE '________-____-____-____-____________'", 3).await;
    common::drop_databases(server, &prefix).await;
}

/// consent 5.7.0 `purpose-group` and `pii-category-mandatory`.
async fn consent_purposes(server: &Server, tag: &str) {
    let rows = "
        INSERT INTO CM_PURPOSE (NAME, DESCRIPTION, TENANT_ID) VALUES ('Marketing', 'm', -1234);
        INSERT INTO CM_PII_CATEGORY (NAME, DESCRIPTION, DISPLAY_NAME, IS_SENSITIVE, TENANT_ID) VALUES ('email', 'e', 'Email', 0, -1234);
        INSERT INTO CM_PURPOSE_PII_CAT_ASSOC (PURPOSE_ID, CM_PII_CATEGORY_ID) SELECT P.ID, C.ID FROM CM_PURPOSE P, CM_PII_CATEGORY C;
    ";
    let (prefix, db) = upgraded(server, tag, "5.5.0", rows, "5.7.0").await;
    // The 5.5.0 DEFAULT purpose is kept (one row, its first id) and filled as WSO2 does.
    count(
        server,
        &db,
        "SELECT COUNT(*) FROM CM_PURPOSE WHERE NAME = 'DEFAULT'",
        1,
    )
    .await;
    count(server, &db, "SELECT COUNT(*) FROM CM_PURPOSE WHERE NAME = 'DEFAULT' AND PURPOSE_GROUP = 'DEFAULT' AND GROUP_TYPE = 'SP' AND ID = (SELECT MIN(ID) FROM CM_PURPOSE)", 1).await;
    count(server, &db, "SELECT COUNT(*) FROM CM_PURPOSE WHERE NAME = 'Marketing' AND PURPOSE_GROUP = 'SIGNUP' AND GROUP_TYPE = 'SYSTEM'", 1).await;
    count(
        server,
        &db,
        "SELECT COUNT(*) FROM CM_PURPOSE_PII_CAT_ASSOC WHERE IS_MANDATORY = 1",
        2,
    )
    .await;
    common::drop_databases(server, &prefix).await;
}

/// user-management 5.4.0 `merge-duplicate-permissions`: a permission stored
/// three times, granted to roles and users through different copies, ends up
/// stored once with every grant kept once.
async fn duplicate_permissions(server: &Server, tag: &str) {
    let rows = "
        INSERT INTO UM_DOMAIN (UM_DOMAIN_NAME, UM_TENANT_ID) VALUES ('PRIMARY', -1234);
        INSERT INTO UM_PERMISSION (UM_RESOURCE_ID, UM_ACTION, UM_TENANT_ID) VALUES ('/permission/admin', 'ui.execute', -1234);
        INSERT INTO UM_PERMISSION (UM_RESOURCE_ID, UM_ACTION, UM_TENANT_ID) VALUES ('/permission/admin', 'ui.execute', -1234);
        INSERT INTO UM_PERMISSION (UM_RESOURCE_ID, UM_ACTION, UM_TENANT_ID) VALUES ('/permission/admin', 'ui.execute', -1234);
        INSERT INTO UM_PERMISSION (UM_RESOURCE_ID, UM_ACTION, UM_TENANT_ID) VALUES ('/permission/login', 'ui.execute', -1234);
        INSERT INTO UM_PERMISSION (UM_RESOURCE_ID, UM_ACTION, UM_TENANT_ID) VALUES ('/permission/admin', 'ui.execute', 1);
        INSERT INTO UM_ROLE_PERMISSION (UM_PERMISSION_ID, UM_ROLE_NAME, UM_IS_ALLOWED, UM_TENANT_ID, UM_DOMAIN_ID)
          SELECT P.UM_ID, 'admin', 1, -1234, D.UM_DOMAIN_ID FROM UM_PERMISSION P, UM_DOMAIN D WHERE P.UM_TENANT_ID = -1234 AND P.UM_RESOURCE_ID = '/permission/admin';
        INSERT INTO UM_ROLE_PERMISSION (UM_PERMISSION_ID, UM_ROLE_NAME, UM_IS_ALLOWED, UM_TENANT_ID, UM_DOMAIN_ID)
          SELECT MAX(P.UM_ID), 'editor', 1, -1234, MAX(D.UM_DOMAIN_ID) FROM UM_PERMISSION P, UM_DOMAIN D WHERE P.UM_TENANT_ID = -1234 AND P.UM_RESOURCE_ID = '/permission/admin';
        INSERT INTO UM_ROLE_PERMISSION (UM_PERMISSION_ID, UM_ROLE_NAME, UM_IS_ALLOWED, UM_TENANT_ID, UM_DOMAIN_ID)
          SELECT P.UM_ID, 'editor', 1, -1234, D.UM_DOMAIN_ID FROM UM_PERMISSION P, UM_DOMAIN D WHERE P.UM_RESOURCE_ID = '/permission/login';
        INSERT INTO UM_USER_PERMISSION (UM_PERMISSION_ID, UM_USER_NAME, UM_IS_ALLOWED, UM_TENANT_ID)
          SELECT MIN(UM_ID), 'alice', 1, -1234 FROM UM_PERMISSION WHERE UM_TENANT_ID = -1234 AND UM_RESOURCE_ID = '/permission/admin';
        INSERT INTO UM_USER_PERMISSION (UM_PERMISSION_ID, UM_USER_NAME, UM_IS_ALLOWED, UM_TENANT_ID)
          SELECT MAX(UM_ID), 'alice', 1, -1234 FROM UM_PERMISSION WHERE UM_TENANT_ID = -1234 AND UM_RESOURCE_ID = '/permission/admin';
        INSERT INTO UM_USER_PERMISSION (UM_PERMISSION_ID, UM_USER_NAME, UM_IS_ALLOWED, UM_TENANT_ID)
          SELECT MAX(UM_ID), 'bob', 1, -1234 FROM UM_PERMISSION WHERE UM_TENANT_ID = -1234 AND UM_RESOURCE_ID = '/permission/admin';
    ";
    let (prefix, db) = upgraded(server, tag, "5.3.0", rows, "5.4.0").await;
    // One admin permission per tenant, the first one kept; login untouched.
    count(server, &db, "SELECT COUNT(*) FROM UM_PERMISSION", 3).await;
    let kept = "(SELECT MIN(UM_ID) FROM UM_PERMISSION WHERE UM_TENANT_ID = -1234 AND UM_RESOURCE_ID = '/permission/admin')";
    // admin had three grants (one per copy) and keeps one; editor keeps admin and login.
    count(server, &db, &format!("SELECT COUNT(*) FROM UM_ROLE_PERMISSION WHERE UM_ROLE_NAME = 'admin' AND UM_PERMISSION_ID = {kept}"), 1).await;
    count(
        server,
        &db,
        "SELECT COUNT(*) FROM UM_ROLE_PERMISSION WHERE UM_ROLE_NAME = 'admin'",
        1,
    )
    .await;
    count(server, &db, &format!("SELECT COUNT(*) FROM UM_ROLE_PERMISSION WHERE UM_ROLE_NAME = 'editor' AND UM_PERMISSION_ID = {kept}"), 1).await;
    count(
        server,
        &db,
        "SELECT COUNT(*) FROM UM_ROLE_PERMISSION WHERE UM_ROLE_NAME = 'editor'",
        2,
    )
    .await;
    // alice's two grants become one; bob's (through the last copy) is re-pointed.
    count(
        server,
        &db,
        &format!("SELECT COUNT(*) FROM UM_USER_PERMISSION WHERE UM_PERMISSION_ID = {kept}"),
        2,
    )
    .await;
    count(server, &db, "SELECT COUNT(*) FROM UM_USER_PERMISSION", 2).await;
    common::drop_databases(server, &prefix).await;
}

/// Rows for the token tests: `n` of each numbered `1..=n`, server side.
fn numbers(server: &Server, n: u32) -> String {
    if server.is_postgres() {
        format!("(SELECT generate_series(1, {n}) AS N) NUMS")
    } else {
        format!("(SELECT SEQ AS N FROM seq_1_to_{n}) NUMS")
    }
}

/// 5.7.0 rows for the token tests: `tokens` access tokens and `codes`
/// authorization codes (`t<n>`, `c<n>`) of one app, users of tenants -1234, 1
/// and 2 in turn (tenants -1234 and 1 have a LOCAL identity provider, 2 has
/// not), every fifth user federated; on PostgreSQL also three tokens the
/// 5.8.0 CON_APP_KEY calls duplicates (`dup1`-`dup3`, `dup2` the newest).
fn token_rows(server: &Server, tokens: u32, codes: u32) -> String {
    let n = if server.is_postgres() {
        "CAST(N AS VARCHAR)"
    } else {
        "CAST(N AS CHAR)"
    };
    let token_numbers = numbers(server, tokens);
    let code_numbers = numbers(server, codes);
    let tenant = "CASE MOD(N, 3) WHEN 0 THEN -1234 WHEN 1 THEN 1 ELSE 2 END";
    let domain = "CASE MOD(N, 5) WHEN 0 THEN 'FEDERATED' ELSE 'PRIMARY' END";
    let mut rows = format!(
        "
        INSERT INTO IDP (TENANT_ID, NAME) VALUES (-1234, 'LOCAL'), (-1234, 'google'), (1, 'LOCAL'), (2, 'google');
        INSERT INTO IDN_OAUTH_CONSUMER_APPS (CONSUMER_KEY, CONSUMER_SECRET, USERNAME, TENANT_ID, USER_DOMAIN, APP_NAME, OAUTH_VERSION, CALLBACK_URL, GRANT_TYPES)
          VALUES ('ck', 'cs', 'admin', -1234, 'PRIMARY', 'app', 'OAuth-2.0', 'http://localhost/cb', 'password');
        INSERT INTO IDN_OAUTH2_ACCESS_TOKEN (TOKEN_ID, ACCESS_TOKEN, REFRESH_TOKEN, CONSUMER_KEY_ID, AUTHZ_USER, TENANT_ID, USER_DOMAIN, USER_TYPE, GRANT_TYPE, TIME_CREATED, REFRESH_TOKEN_TIME_CREATED, VALIDITY_PERIOD, REFRESH_TOKEN_VALIDITY_PERIOD, TOKEN_SCOPE_HASH, TOKEN_STATE, TOKEN_STATE_ID)
          SELECT CONCAT('t', {n}), CONCAT('at', {n}), CONCAT('rt', {n}), (SELECT ID FROM IDN_OAUTH_CONSUMER_APPS), CONCAT('u', {n}), {tenant}, {domain}, 'APPLICATION_USER', 'password', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 3600000, 86400000, 'h', 'ACTIVE', 'NONE' FROM {token_numbers};
        INSERT INTO IDN_OAUTH2_AUTHORIZATION_CODE (CODE_ID, AUTHORIZATION_CODE, CONSUMER_KEY_ID, CALLBACK_URL, SCOPE, AUTHZ_USER, TENANT_ID, USER_DOMAIN, TIME_CREATED, VALIDITY_PERIOD, STATE)
          SELECT CONCAT('c', {n}), CONCAT('code', {n}), (SELECT ID FROM IDN_OAUTH_CONSUMER_APPS), 'http://localhost/cb', 'openid', CONCAT('u', {n}), {tenant}, {domain}, CURRENT_TIMESTAMP, 600000, 'ACTIVE' FROM {code_numbers};
        "
    );
    if server.is_postgres() {
        // WSO2's PostgreSQL 5.3.0-5.7.0 key holds TOKEN_ID, so these three
        // are allowed; the 5.8.0 key calls them duplicates.
        rows.push_str(
            "
            INSERT INTO IDN_OAUTH2_ACCESS_TOKEN (TOKEN_ID, CONSUMER_KEY_ID, AUTHZ_USER, TENANT_ID, USER_DOMAIN, USER_TYPE, TIME_CREATED, TOKEN_SCOPE_HASH, TOKEN_STATE, TOKEN_STATE_ID)
              SELECT D.ID, (SELECT ID FROM IDN_OAUTH_CONSUMER_APPS), 'dup', -1234, 'PRIMARY', 'APPLICATION_USER', D.AT, 'h', 'ACTIVE', 'NONE'
              FROM (VALUES ('dup1', TIMESTAMP '2020-01-01 00:00:00'), ('dup2', TIMESTAMP '2021-01-01 00:00:00'), ('dup3', TIMESTAMP '2020-06-01 00:00:00')) AS D (ID, AT);
            ",
        );
    }
    rows
}

/// Checks the token rows of [`token_rows`] after the 5.8.0 data steps:
/// every token and code of a local user of a tenant with a LOCAL identity
/// provider has its id, the rest -1, no row lost, and only the older
/// PostgreSQL duplicates got a new scope hash.
async fn check_token_rows(server: &Server, db: &str, tokens: i64, codes: i64) {
    let local = |n: i64| (1..=n).filter(|i| i % 3 != 2 && i % 5 != 0).count() as i64;
    let extra = if server.is_postgres() { 3 } else { 0 };
    for (table, n, more) in [
        ("IDN_OAUTH2_ACCESS_TOKEN", tokens, extra),
        ("IDN_OAUTH2_AUTHORIZATION_CODE", codes, 0),
    ] {
        count(
            server,
            db,
            &format!("SELECT COUNT(*) FROM {table}"),
            n + more,
        )
        .await;
        count(
            server,
            db,
            &format!(
                "SELECT COUNT(*) FROM {table} T WHERE T.IDP_ID = (SELECT ID FROM IDP WHERE IDP.NAME = 'LOCAL' AND IDP.TENANT_ID = T.TENANT_ID)"
            ),
            local(n) + more,
        )
        .await;
        count(
            server,
            db,
            &format!("SELECT COUNT(*) FROM {table} WHERE IDP_ID = -1"),
            n - local(n),
        )
        .await;
    }
    if server.is_postgres() {
        count(server, db, "SELECT COUNT(*) FROM IDN_OAUTH2_ACCESS_TOKEN WHERE AUTHZ_USER = 'dup' AND TOKEN_SCOPE_HASH = 'h'", 1).await;
        count(server, db, "SELECT COUNT(*) FROM IDN_OAUTH2_ACCESS_TOKEN WHERE TOKEN_ID = 'dup2' AND TOKEN_SCOPE_HASH = 'h'", 1).await;
    }
    // Every other token is untouched.
    count(
        server,
        db,
        "SELECT COUNT(*) FROM IDN_OAUTH2_ACCESS_TOKEN WHERE TOKEN_SCOPE_HASH = 'h' AND AUTHZ_USER <> 'dup'",
        tokens,
    )
    .await;
}

/// identity 5.8.0 `token-idp-id` and `con-app-key-duplicates`, over more rows
/// than one range of a batched update (10,000 keys).
async fn token_idp_ids(server: &Server, tag: &str) {
    let rows = token_rows(server, 25_000, 12_000);
    let (prefix, db) = upgraded(server, tag, "5.7.0", &rows, "5.8.0").await;
    check_token_rows(server, &db, 25_000, 12_000).await;
    common::drop_databases(server, &prefix).await;
}

/// A run killed by SIGKILL inside a batched update, after some of its ranges
/// committed and before the last: the next run starts the update again from
/// the first range, and every row ends as if nothing had happened.
async fn killed_batched_update(server: &Server, tag: &str) {
    use std::time::{Duration, Instant};
    const TOKENS: u32 = 60_000;
    let dir = tempfile::tempdir().unwrap();
    let (prefix, db, url) = common::merged_at(server, dir.path(), tag, "wso2is", "5.7.0");
    let target = ["--url", url.as_str()];
    server.exec(&db, &token_rows(server, TOKENS, 100)).await;
    let has_idp_id = "SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = current_schema() AND lower(table_name) = 'idn_oauth2_access_token' AND lower(column_name) = 'idp_id'"
        .replace(
            "current_schema()",
            if server.is_postgres() { "current_schema()" } else { "DATABASE()" },
        );
    let mut child = common::spawn_isdb(
        dir.path(),
        &["migrate", "--url", &url, "--is-version", "5.8.0"],
    );
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut column = false;
    loop {
        assert!(
            Instant::now() < deadline,
            "the kill point was not reached in time"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "the upgrade finished before a range of the batched update committed"
        );
        column = column || server.query_i64(&db, &has_idp_id).await > 0;
        if column
            && server
                .query_i64(
                    &db,
                    "SELECT COUNT(*) FROM IDN_OAUTH2_ACCESS_TOKEN WHERE IDP_ID > 0",
                )
                .await
                > 0
        {
            child.kill().unwrap();
            let _ = child.wait();
            break;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let done = server
        .query_i64(
            &db,
            "SELECT COUNT(*) FROM IDN_OAUTH2_ACCESS_TOKEN WHERE IDP_ID > 0",
        )
        .await;
    let all = (1..=i64::from(TOKENS))
        .filter(|i| i % 3 != 2 && i % 5 != 0)
        .count() as i64;
    assert!(
        done < all,
        "the kill missed the batched update ({done} of {all} rows done)"
    );
    run_expect(
        dir.path(),
        &["migrate", "--is-version", "5.8.0"],
        &target,
        0,
    );
    let out = run_expect(dir.path(), &["verify", "--is-version", "5.8.0"], &target, 0);
    assert!(!out.contains("DIFFERS"), "{out}");
    check_token_rows(server, &db, i64::from(TOKENS), 100).await;
    common::drop_databases(server, &prefix).await;
}

on_both!(
    postgres_user_and_tenant_ids,
    mysql_user_and_tenant_ids,
    user_and_tenant_ids,
    "ds_pg_uid",
    "ds_my_uid"
);
on_both!(
    postgres_scope_roles_become_bindings,
    mysql_scope_roles_become_bindings,
    scope_roles,
    "ds_pg_roles",
    "ds_my_roles"
);
on_both!(
    postgres_oidc_scopes_fold_into_oauth2_scopes,
    mysql_oidc_scopes_fold_into_oauth2_scopes,
    oidc_scopes,
    "ds_pg_oidc",
    "ds_my_oidc"
);
on_both!(
    postgres_consent_purposes_get_groups,
    mysql_consent_purposes_get_groups,
    consent_purposes,
    "ds_pg_cm",
    "ds_my_cm"
);
on_both!(
    postgres_duplicate_permissions_merge,
    mysql_duplicate_permissions_merge,
    duplicate_permissions,
    "ds_pg_perm",
    "ds_my_perm"
);
on_both!(
    postgres_token_idp_ids_fill_in_batches,
    mysql_token_idp_ids_fill_in_batches,
    token_idp_ids,
    "ds_pg_idp",
    "ds_my_idp"
);
on_both!(
    postgres_killed_batched_update_converges,
    mysql_killed_batched_update_converges,
    killed_batched_update,
    "ds_pg_kbu",
    "ds_my_kbu"
);
