//! Issue 12, acceptance "Data": a merged 5.3.0 database holding realistic
//! rows in every group is upgraded to 5.11.0, and every row is still there
//! with its values: per table, the row count and a checksum over the columns
//! that exist in both the 5.3.0 and the 5.11.0 snapshot (following the
//! snapshots' renames) are equal before and after, except where a release
//! changes them on purpose (each case below cites docs/upgrades.md). The new
//! NOT NULL / unique columns are filled and valid, and `verify` is clean.

mod common;

use std::collections::BTreeMap;

use common::{Server, run_with};
use isdb::layout::TableGroup;
use isdb::model::ColumnType;
use isdb::model::catalog::{Catalog, Version};
use sha2::{Digest, Sha256};
use sqlx::{Connection, Row};

/// `isdb` with `target` appended in `dir`; fails the test unless it exits 0.
fn isdb_ok(dir: &std::path::Path, cmd: &[&str], target: &[&str]) -> String {
    let (got, out, err) = run_with(dir, cmd, target);
    assert_eq!(got, 0, "isdb {cmd:?} {target:?}:\n{out}\n{err}");
    format!("{out}{err}")
}

/// What a release does on purpose to the values of one 5.3.0 column.
enum Change {
    /// The old value `from` becomes `to`; every other value is kept.
    Maps(&'static str, &'static str),
}

/// 5.3.0 columns whose values a release changes by design
/// (docs/upgrades.md, "Per release step").
fn change(table: &str, column: &str) -> Option<Change> {
    match (table, column) {
        // identity 5.4.0 `scope-display-name-and-tenant`: TENANT_ID 0 (the
        // 5.3.0 default) becomes -1, the new default, as WSO2's step2 does.
        ("IDN_OAUTH2_SCOPE", "TENANT_ID") => Some(Change::Maps("0", "-1")),
        _ => None,
    }
}

/// 5.3.0 tables whose rows a release removes by design, with the reason.
fn emptied(table: &str) -> Option<&'static str> {
    match table {
        // identity 5.10.0 `auth-sessions-reset` (docs/upgrades.md): WSO2
        // empties the authentication session tables; users sign in again.
        "IDN_AUTH_SESSION_STORE" => Some("5.10.0 auth-sessions-reset"),
        _ => None,
    }
}

/// One 5.3.0 table as the checksum reads it: its name and the columns kept
/// in 5.11.0, each as (5.3.0 name, 5.11.0 name, whether it holds a number or
/// a time whose text form may change with a wider type).
struct Tracked {
    old: String,
    new: String,
    columns: Vec<(String, String, bool)>,
}

/// `from`'s name after every rename of `group`'s snapshots after 5.3.0 up
/// to 5.11.0 (`column`: `None` for the table itself).
fn follow(
    catalog: &Catalog,
    group: TableGroup,
    dialect: &str,
    table: &str,
    column: Option<&str>,
) -> (String, Option<String>) {
    let v530 = Version::parse("5.3.0").unwrap();
    let v5110 = Version::parse("5.11.0").unwrap();
    let mut t = table.to_string();
    let mut c = column.map(str::to_string);
    for m in catalog
        .group(group)
        .filter(|m| m.version > v530 && m.version <= v5110)
    {
        let renames: Vec<_> = m
            .renames()
            .into_iter()
            .filter(|r| {
                r.only_in
                    .as_ref()
                    .is_none_or(|l| l.iter().any(|d| d == dialect))
            })
            .collect();
        if let Some(r) = renames.iter().find(|r| r.column.is_none() && r.from == t) {
            t = r.table.clone();
        }
        if let Some(col) = &c
            && let Some(r) = renames
                .iter()
                .find(|r| r.table == t && r.column.is_some() && &r.from == col)
        {
            c = r.column.clone();
        }
    }
    (t, c)
}

/// Every 5.3.0 table of the merged database with the columns the checksum
/// covers; the tables 5.11.0 no longer has are returned apart.
fn tracked(server: &Server) -> (Vec<Tracked>, Vec<String>) {
    let catalog = Catalog::builtin().unwrap();
    let d = server.dialect();
    let v530 = Version::parse("5.3.0").unwrap();
    let v5110 = Version::parse("5.11.0").unwrap();
    let mut out = Vec::new();
    let mut gone = Vec::new();
    for g in TableGroup::ALL {
        let Some(old) = catalog.snapshot(g, &v530) else {
            continue;
        };
        let old = old.schema(d);
        let new = catalog.snapshot(g, &v5110).unwrap().schema(d);
        for t in &old.tables {
            let (name, _) = follow(catalog, g, d.name(), &t.name, None);
            let Some(nt) = new.table(&name) else {
                gone.push(t.name.clone());
                continue;
            };
            let mut columns = Vec::new();
            for c in &t.columns {
                let (_, nc) = follow(catalog, g, d.name(), &t.name, Some(&c.name));
                let nc = nc.unwrap();
                let Some(ncol) = nt.column(&nc) else {
                    continue;
                };
                let numeric = |ty: ColumnType| {
                    matches!(
                        ty,
                        ColumnType::Double | ColumnType::Decimal(_) | ColumnType::Timestamp
                    )
                };
                columns.push((c.name.clone(), nc, numeric(c.ty) || numeric(ncol.ty)));
            }
            out.push(Tracked {
                old: t.name.clone(),
                new: name,
                columns,
            });
        }
    }
    (out, gone)
}

/// `v` with a number's or a time's insignificant trailing zeros removed, so
/// that a wider type (decimal(20,15) → decimal(50,25), a finer timestamp)
/// reads the same value the same way.
fn normalised(v: &str) -> String {
    if v.contains('.') && v.bytes().last().is_some_and(|b| b == b'0') {
        let t = v.trim_end_matches('0');
        return t.trim_end_matches('.').to_string();
    }
    v.to_string()
}

/// Row count and checksum of one table, plus its rows for the diagnosis.
struct Content {
    count: i64,
    checksum: String,
    rows: Vec<String>,
}

/// Reads the tracked columns of `t` in `db` as text, by their 5.3.0 names or
/// (`after`) their 5.11.0 names; NULL is distinct from every text.
async fn content(server: &Server, db: &str, t: &Tracked, after: bool) -> Content {
    let d = server.dialect();
    let table = if after { &t.new } else { &t.old };
    let cols: Vec<String> = t
        .columns
        .iter()
        .map(|(o, n, _)| {
            let q = d.quote_ident(if after { n } else { o });
            if server.is_postgres() {
                format!("{q}::text")
            } else {
                format!("CAST({q} AS CHAR)")
            }
        })
        .collect();
    let sql = format!("SELECT {} FROM {}", cols.join(", "), d.quote_ident(table));
    let sql = sqlx::AssertSqlSafe(sql);
    let raw: Vec<Vec<Option<String>>> = if server.is_postgres() {
        let mut c = sqlx::PgConnection::connect(&server.db_url(db))
            .await
            .unwrap();
        let rows = sqlx::query(sql).fetch_all(&mut c).await.unwrap();
        rows.iter()
            .map(|r| (0..cols.len()).map(|i| r.try_get(i).unwrap()).collect())
            .collect()
    } else {
        let mut c = sqlx::MySqlConnection::connect(&server.db_url(db))
            .await
            .unwrap();
        let rows = sqlx::query(sql).fetch_all(&mut c).await.unwrap();
        rows.iter()
            .map(|r| (0..cols.len()).map(|i| r.try_get(i).unwrap()).collect())
            .collect()
    };
    let mut rows: Vec<String> = raw
        .into_iter()
        .map(|r| {
            r.iter()
                .zip(&t.columns)
                .map(|(v, (o, _, numeric))| {
                    let v = match v {
                        None => "\u{0}NULL".to_string(),
                        Some(v) if *numeric => normalised(v),
                        Some(v) => v.clone(),
                    };
                    // Compare a 5.3.0 value by what the release makes of it.
                    match (after, change(&t.old, o)) {
                        (false, Some(Change::Maps(from, to))) if v == from => to.to_string(),
                        _ => v,
                    }
                })
                .collect::<Vec<_>>()
                .join("\u{1}")
        })
        .collect();
    rows.sort();
    let mut h = Sha256::new();
    for r in &rows {
        h.update(r.as_bytes());
        h.update(b"\n");
    }
    Content {
        count: rows.len() as i64,
        checksum: format!("{:x}", h.finalize()),
        rows,
    }
}

/// Asserts that `sql` counts `want` rows in `db`.
async fn count(server: &Server, db: &str, sql: &str, want: i64) {
    assert_eq!(server.query_i64(db, sql).await, want, "{sql}");
}

/// Users, roles, permissions, tenants and domains (user-management).
const USERS: &str = "
INSERT INTO UM_TENANT (UM_DOMAIN_NAME, UM_EMAIL, UM_ACTIVE, UM_CREATED_DATE, UM_USER_CONFIG)
  VALUES ('acme.com', 'admin@acme.com', TRUE, '2017-02-01 09:00:00', '<UserManager><Realm/></UserManager>'),
         ('globex.com', 'ops@globex.com', TRUE, '2017-05-11 14:30:00', NULL),
         ('initech.com', 'it@initech.com', FALSE, '2018-01-20 08:00:00', NULL);
INSERT INTO UM_DOMAIN (UM_DOMAIN_NAME, UM_TENANT_ID)
  VALUES ('PRIMARY', -1234), ('SYSTEM', -1234), ('INTERNAL', -1234), ('APPLICATION', -1234), ('WORKFLOW', -1234),
         ('PRIMARY', 1), ('SYSTEM', 1), ('INTERNAL', 1), ('APPLICATION', 1),
         ('PRIMARY', 2), ('SYSTEM', 2), ('INTERNAL', 2), ('APPLICATION', 2);
INSERT INTO UM_ROLE (UM_ROLE_NAME, UM_TENANT_ID, UM_SHARED_ROLE)
  VALUES ('admin', -1234, FALSE), ('manager', -1234, FALSE), ('developer', -1234, FALSE), ('admin', 1, FALSE), ('auditor', 1, TRUE), ('admin', 2, FALSE);
INSERT INTO UM_HYBRID_ROLE (UM_ROLE_NAME, UM_TENANT_ID)
  VALUES ('everyone', -1234), ('Application/travelocity', -1234), ('Application/pickup-dispatch', -1234), ('everyone', 1), ('Application/acme-portal', 1), ('everyone', 2);
INSERT INTO UM_SYSTEM_ROLE (UM_ROLE_NAME, UM_TENANT_ID) VALUES ('wso2.anonymous.role', -1234);
INSERT INTO UM_SYSTEM_USER (UM_USER_NAME, UM_USER_PASSWORD, UM_SALT_VALUE, UM_REQUIRE_CHANGE, UM_CHANGED_TIME, UM_TENANT_ID)
  VALUES ('wso2.anonymous.user', 'x', NULL, FALSE, '2017-01-01 00:00:00', -1234);
INSERT INTO UM_SYSTEM_USER_ROLE (UM_USER_NAME, UM_ROLE_ID, UM_TENANT_ID)
  SELECT 'wso2.anonymous.user', UM_ID, UM_TENANT_ID FROM UM_SYSTEM_ROLE;
INSERT INTO UM_MODULE (UM_MODULE_NAME) VALUES ('UI'), ('API');
INSERT INTO UM_MODULE_ACTIONS (UM_ACTION, UM_MODULE_ID) SELECT 'ui.execute', UM_ID FROM UM_MODULE WHERE UM_MODULE_NAME = 'UI';
INSERT INTO UM_PERMISSION (UM_RESOURCE_ID, UM_ACTION, UM_TENANT_ID, UM_MODULE_ID)
  VALUES ('/permission', 'ui.execute', -1234, 0), ('/permission/admin', 'ui.execute', -1234, 0),
         ('/permission/admin/login', 'ui.execute', -1234, 0), ('/permission/admin/manage/identity/usermgt/view', 'ui.execute', -1234, 0),
         ('/permission/admin/manage/identity/applicationmgt', 'ui.execute', -1234, 0), ('/permission/applications/travelocity', 'ui.execute', -1234, 0),
         ('/permission', 'ui.execute', 1, 0), ('/permission/admin', 'ui.execute', 1, 0), ('/permission/admin/login', 'ui.execute', 1, 0),
         ('/permission', 'ui.execute', 2, 0), ('/permission/admin', 'ui.execute', 2, 0);
INSERT INTO UM_ROLE_PERMISSION (UM_PERMISSION_ID, UM_ROLE_NAME, UM_IS_ALLOWED, UM_TENANT_ID, UM_DOMAIN_ID)
  SELECT P.UM_ID, 'admin', 1, P.UM_TENANT_ID, D.UM_DOMAIN_ID FROM UM_PERMISSION P JOIN UM_DOMAIN D ON D.UM_TENANT_ID = P.UM_TENANT_ID AND D.UM_DOMAIN_NAME = 'PRIMARY'
  WHERE P.UM_RESOURCE_ID IN ('/permission', '/permission/admin');
INSERT INTO UM_ROLE_PERMISSION (UM_PERMISSION_ID, UM_ROLE_NAME, UM_IS_ALLOWED, UM_TENANT_ID, UM_DOMAIN_ID)
  SELECT P.UM_ID, 'everyone', 1, P.UM_TENANT_ID, D.UM_DOMAIN_ID FROM UM_PERMISSION P JOIN UM_DOMAIN D ON D.UM_TENANT_ID = P.UM_TENANT_ID AND D.UM_DOMAIN_NAME = 'INTERNAL'
  WHERE P.UM_RESOURCE_ID = '/permission/admin/login';
INSERT INTO UM_ROLE_PERMISSION (UM_PERMISSION_ID, UM_ROLE_NAME, UM_IS_ALLOWED, UM_TENANT_ID, UM_DOMAIN_ID)
  SELECT P.UM_ID, 'manager', 1, P.UM_TENANT_ID, D.UM_DOMAIN_ID FROM UM_PERMISSION P JOIN UM_DOMAIN D ON D.UM_TENANT_ID = P.UM_TENANT_ID AND D.UM_DOMAIN_NAME = 'PRIMARY'
  WHERE P.UM_TENANT_ID = -1234 AND P.UM_RESOURCE_ID LIKE '/permission/admin/manage/%';
INSERT INTO UM_ROLE_PERMISSION (UM_PERMISSION_ID, UM_ROLE_NAME, UM_IS_ALLOWED, UM_TENANT_ID, UM_DOMAIN_ID)
  SELECT P.UM_ID, 'Application/travelocity', 1, P.UM_TENANT_ID, D.UM_DOMAIN_ID FROM UM_PERMISSION P JOIN UM_DOMAIN D ON D.UM_TENANT_ID = P.UM_TENANT_ID AND D.UM_DOMAIN_NAME = 'INTERNAL'
  WHERE P.UM_RESOURCE_ID = '/permission/applications/travelocity';
INSERT INTO UM_USER_PERMISSION (UM_PERMISSION_ID, UM_USER_NAME, UM_IS_ALLOWED, UM_TENANT_ID)
  SELECT UM_ID, 'auditor01', 1, UM_TENANT_ID FROM UM_PERMISSION WHERE UM_TENANT_ID = -1234 AND UM_RESOURCE_ID = '/permission/admin/manage/identity/usermgt/view';
INSERT INTO UM_DIALECT (UM_DIALECT_URI, UM_TENANT_ID) VALUES ('http://wso2.org/claims', -1234), ('http://wso2.org/claims', 1);
INSERT INTO UM_CLAIM (UM_DIALECT_ID, UM_CLAIM_URI, UM_DISPLAY_TAG, UM_DESCRIPTION, UM_MAPPED_ATTRIBUTE_DOMAIN, UM_MAPPED_ATTRIBUTE, UM_REG_EX, UM_SUPPORTED, UM_REQUIRED, UM_DISPLAY_ORDER, UM_CHECKED_ATTRIBUTE, UM_READ_ONLY, UM_TENANT_ID)
  SELECT UM_ID, 'http://wso2.org/claims/emailaddress', 'Email', 'Email Address', NULL, 'mail', '^.+@.+$', 1, 1, 5, 0, 0, UM_TENANT_ID FROM UM_DIALECT;
INSERT INTO UM_CLAIM (UM_DIALECT_ID, UM_CLAIM_URI, UM_DISPLAY_TAG, UM_DESCRIPTION, UM_MAPPED_ATTRIBUTE, UM_SUPPORTED, UM_REQUIRED, UM_DISPLAY_ORDER, UM_READ_ONLY, UM_TENANT_ID)
  SELECT UM_ID, 'http://wso2.org/claims/userid', 'User ID', 'Unique ID of the user', 'scimId', 0, 0, 0, 1, UM_TENANT_ID FROM UM_DIALECT;
INSERT INTO UM_PROFILE_CONFIG (UM_DIALECT_ID, UM_PROFILE_NAME, UM_TENANT_ID) SELECT UM_ID, 'default', UM_TENANT_ID FROM UM_DIALECT;
INSERT INTO UM_HYBRID_REMEMBER_ME (UM_USER_NAME, UM_COOKIE_VALUE, UM_CREATED_TIME, UM_TENANT_ID)
  VALUES ('alice', '3f2c1d0e-aa11-4b7e-9d0a-5e6f7a8b9c0d', '2018-03-01 12:00:00', -1234);
";

/// Identity data that is not tokens: apps, scopes, service and identity
/// providers, claims, workflows, recovery and association rows.
const IDENTITY: &str = "
INSERT INTO IDN_OAUTH_CONSUMER_APPS (CONSUMER_KEY, CONSUMER_SECRET, USERNAME, TENANT_ID, USER_DOMAIN, APP_NAME, OAUTH_VERSION, CALLBACK_URL, GRANT_TYPES, PKCE_MANDATORY, PKCE_SUPPORT_PLAIN, APP_STATE)
  VALUES ('Xk9fQ2mR7tLw3bYvN8cJ0aHsE4ua', 'c2VjcmV0LXRyYXZlbG9jaXR5', 'admin', -1234, 'PRIMARY', 'travelocity', 'OAuth-2.0', 'http://localhost:8080/travelocity.com/home.jsp', 'authorization_code implicit password client_credentials refresh_token urn:ietf:params:oauth:grant-type:saml2-bearer iwa:ntlm', '0', '0', 'ACTIVE'),
         ('pK3dW8sN1qZr6yTf0vBm5hGc2xJa', 'c2VjcmV0LXBpY2t1cA==', 'admin', -1234, 'PRIMARY', 'pickup-dispatch', 'OAuth-2.0', 'regexp=(http://localhost:8080/pickup-dispatch/oauth2client|http://localhost:8080/pickup-dispatch/logout)', 'authorization_code refresh_token', '1', '0', 'ACTIVE'),
         ('aC7nE2vR9kLq4wXz1tYh6mBd3sFa', 'c2VjcmV0LWFjbWU=', 'admin@acme.com', 1, 'PRIMARY', 'acme-portal', 'OAuth-2.0', 'https://portal.acme.com/callback', 'authorization_code client_credentials', '0', '0', 'ACTIVE'),
         ('oldAppKey000000000000000000a', 'c2VjcmV0LW9sZA==', 'admin', -1234, 'PRIMARY', 'legacy-batch', 'OAuth-1.0a', NULL, NULL, '0', '0', 'REVOKED');
INSERT INTO IDN_OAUTH1A_REQUEST_TOKEN (REQUEST_TOKEN, REQUEST_TOKEN_SECRET, CONSUMER_KEY_ID, CALLBACK_URL, SCOPE, AUTHORIZED, OAUTH_VERIFIER, AUTHZ_USER, TENANT_ID)
  SELECT 'rt-5b1c2d3e', 'rts-9a8b7c', ID, 'oob', 'read', 'true', 'v-123456', 'bob', -1234 FROM IDN_OAUTH_CONSUMER_APPS WHERE APP_NAME = 'legacy-batch';
INSERT INTO IDN_OAUTH1A_ACCESS_TOKEN (ACCESS_TOKEN, ACCESS_TOKEN_SECRET, CONSUMER_KEY_ID, SCOPE, AUTHZ_USER, TENANT_ID)
  SELECT 'at-7c6d5e4f', 'ats-1a2b3c', ID, 'read', 'bob', -1234 FROM IDN_OAUTH_CONSUMER_APPS WHERE APP_NAME = 'legacy-batch';
INSERT INTO IDN_OAUTH2_SCOPE (SCOPE_KEY, NAME, DESCRIPTION, TENANT_ID, ROLES)
  VALUES ('view_profile', 'View profile', 'Read the user profile', -1234, 'admin,manager'),
         ('manage_users', 'Manage users', 'Create and delete users', -1234, 'admin'),
         ('read_orders', 'Read orders', 'Read the order history', -1234, 'admin, manager, developer'),
         ('public_api', 'Public API', 'Open API access', -1234, NULL),
         ('acme_reports', 'ACME reports', 'Reports of the acme tenant', 1, 'admin,auditor'),
         ('legacy_scope', 'Legacy scope', 'Registered with the 5.3.0 default tenant', 0, 'Internal/everyone');
INSERT INTO IDN_OAUTH2_RESOURCE_SCOPE (RESOURCE_PATH, SCOPE_ID, TENANT_ID)
  SELECT '/api/profile/*', SCOPE_ID, -1234 FROM IDN_OAUTH2_SCOPE WHERE SCOPE_KEY = 'view_profile';
INSERT INTO IDN_OAUTH2_RESOURCE_SCOPE (RESOURCE_PATH, SCOPE_ID, TENANT_ID)
  SELECT '/api/users', SCOPE_ID, -1234 FROM IDN_OAUTH2_SCOPE WHERE SCOPE_KEY = 'manage_users';
INSERT INTO IDN_OAUTH2_RESOURCE_SCOPE (RESOURCE_PATH, SCOPE_ID, TENANT_ID)
  SELECT '/t/acme.com/api/reports', SCOPE_ID, 1 FROM IDN_OAUTH2_SCOPE WHERE SCOPE_KEY = 'acme_reports';
INSERT INTO IDN_SCIM_GROUP (TENANT_ID, ROLE_NAME, ATTR_NAME, ATTR_VALUE)
  VALUES (-1234, 'PRIMARY/manager', 'urn:scim:schemas:core:1.0:id', '8d2c5a7e-1b3f-4c6d-9e0a-2f4b6d8e0a1c'),
         (-1234, 'PRIMARY/manager', 'urn:scim:schemas:core:1.0:meta.created', '2017-06-01T10:00:00'),
         (1, 'PRIMARY/auditor', 'urn:scim:schemas:core:1.0:id', '5e7f9a1b-3c5d-4e6f-8a0b-1c2d3e4f5a6b');
INSERT INTO IDN_OPENID_REMEMBER_ME (USER_NAME, TENANT_ID, COOKIE_VALUE, CREATED_TIME) VALUES ('alice', -1234, 'ck-1a2b3c', '2018-02-02 10:00:00');
INSERT INTO IDN_OPENID_USER_RPS (USER_NAME, TENANT_ID, RP_URL, TRUSTED_ALWAYS, LAST_VISIT, VISIT_COUNT, DEFAULT_PROFILE_NAME)
  VALUES ('alice', -1234, 'http://localhost:8080/openid-rp', 'TRUE', '2018-02-02', 7, 'default');
INSERT INTO IDN_OPENID_ASSOCIATIONS (HANDLE, ASSOC_TYPE, EXPIRE_IN, MAC_KEY, ASSOC_STORE, TENANT_ID)
  VALUES ('h-1234', 'HMAC-SHA256', '2018-02-03 10:00:00', 'bWFja2V5', 'SHARED', -1234);
INSERT INTO IDN_STS_STORE (TOKEN_ID, TOKEN_CONTENT, CREATE_DATE, EXPIRE_DATE, STATE)
  VALUES ('uuid-sts-1', '<saml:Assertion ID=\"a1\"/>', '2018-01-01 00:00:00', '2018-01-01 01:00:00', 0);
INSERT INTO IDN_IDENTITY_USER_DATA (TENANT_ID, USER_NAME, DATA_KEY, DATA_VALUE)
  VALUES (-1234, 'alice', 'http://wso2.org/claims/identity/failedLoginAttempts', '0'),
         (-1234, 'bob', 'http://wso2.org/claims/identity/accountLocked', 'false'),
         (1, 'john', 'http://wso2.org/claims/identity/lastLogonTime', '1514764800000');
INSERT INTO IDN_IDENTITY_META_DATA (USER_NAME, TENANT_ID, METADATA_TYPE, METADATA, VALID)
  VALUES ('alice', -1234, 'CONFIRM_EMAIL', 'c0de-1', 'true');
INSERT INTO IDN_THRIFT_SESSION (SESSION_ID, USER_NAME, CREATED_TIME, LAST_MODIFIED_TIME, TENANT_ID)
  VALUES ('thrift-1', 'admin', '1514764800000', '1514764900000', -1234);
INSERT INTO IDN_AUTH_SESSION_STORE (SESSION_ID, SESSION_TYPE, OPERATION, SESSION_OBJECT, TIME_CREATED, TENANT_ID)
  VALUES ('5c2a1f0e-session', 'AppAuthFrameworkSessionContextCache', 'STORE', 'rO0ABXNy', 1514764800000000000, -1234),
         ('6d3b2a1f-session', 'AuthenticationContextCache', 'DELETE', NULL, 1514764900000000000, -1234);
INSERT INTO SP_APP (TENANT_ID, APP_NAME, USER_STORE, USERNAME, DESCRIPTION, ROLE_CLAIM, AUTH_TYPE, PROVISIONING_USERSTORE_DOMAIN, IS_LOCAL_CLAIM_DIALECT, IS_SEND_LOCAL_SUBJECT_ID, IS_SEND_AUTH_LIST_OF_IDPS, IS_USE_TENANT_DOMAIN_SUBJECT, IS_USE_USER_DOMAIN_SUBJECT, ENABLE_AUTHORIZATION, SUBJECT_CLAIM_URI, IS_SAAS_APP, IS_DUMB_MODE)
  VALUES (-1234, 'wso2carbon-local-sp', 'PRIMARY', 'admin', 'Default Service Provider', NULL, 'default', NULL, '1', '0', '0', '1', '1', '0', NULL, '0', '0'),
         (-1234, 'travelocity', 'PRIMARY', 'admin', 'Travel booking sample', 'http://wso2.org/claims/role', 'flow', 'PRIMARY', '1', '0', '0', '1', '1', '0', 'http://wso2.org/claims/emailaddress', '0', '0'),
         (-1234, 'pickup-dispatch', 'PRIMARY', 'admin', NULL, NULL, 'federated', NULL, '1', '1', '0', '0', '0', '0', NULL, '1', '0'),
         (1, 'acme-portal', 'PRIMARY', 'admin', 'ACME customer portal', NULL, 'default', NULL, '0', '0', '1', '1', '1', '0', NULL, '0', '0');
INSERT INTO SP_METADATA (SP_ID, NAME, VALUE, DISPLAY_NAME, TENANT_ID) SELECT ID, 'logoutReturnUrl', 'https://portal.acme.com', 'Logout URL', 1 FROM SP_APP WHERE APP_NAME = 'acme-portal';
INSERT INTO SP_INBOUND_AUTH (TENANT_ID, INBOUND_AUTH_KEY, INBOUND_AUTH_TYPE, INBOUND_CONFIG_TYPE, PROP_NAME, PROP_VALUE, APP_ID)
  SELECT -1234, 'Xk9fQ2mR7tLw3bYvN8cJ0aHsE4ua', 'oauth2', 'standardAPP', NULL, NULL, ID FROM SP_APP WHERE APP_NAME = 'travelocity';
INSERT INTO SP_INBOUND_AUTH (TENANT_ID, INBOUND_AUTH_KEY, INBOUND_AUTH_TYPE, INBOUND_CONFIG_TYPE, PROP_NAME, PROP_VALUE, APP_ID)
  SELECT -1234, 'travelocity.com', 'samlsso', 'standardAPP', 'attrConsumServiceIndex', '1223160755', ID FROM SP_APP WHERE APP_NAME = 'travelocity';
INSERT INTO SP_INBOUND_AUTH (TENANT_ID, INBOUND_AUTH_KEY, INBOUND_AUTH_TYPE, INBOUND_CONFIG_TYPE, PROP_NAME, PROP_VALUE, APP_ID)
  SELECT -1234, 'pK3dW8sN1qZr6yTf0vBm5hGc2xJa', 'oauth2', 'standardAPP', NULL, NULL, ID FROM SP_APP WHERE APP_NAME = 'pickup-dispatch';
INSERT INTO SP_INBOUND_AUTH (TENANT_ID, INBOUND_AUTH_KEY, INBOUND_AUTH_TYPE, INBOUND_CONFIG_TYPE, PROP_NAME, PROP_VALUE, APP_ID)
  SELECT 1, 'aC7nE2vR9kLq4wXz1tYh6mBd3sFa', 'oauth2', 'standardAPP', NULL, NULL, ID FROM SP_APP WHERE APP_NAME = 'acme-portal';
INSERT INTO SP_AUTH_STEP (TENANT_ID, STEP_ORDER, APP_ID, IS_SUBJECT_STEP, IS_ATTRIBUTE_STEP)
  SELECT TENANT_ID, 1, ID, '1', '1' FROM SP_APP WHERE APP_NAME IN ('travelocity', 'pickup-dispatch');
INSERT INTO SP_AUTH_STEP (TENANT_ID, STEP_ORDER, APP_ID, IS_SUBJECT_STEP, IS_ATTRIBUTE_STEP)
  SELECT TENANT_ID, 2, ID, '0', '0' FROM SP_APP WHERE APP_NAME = 'travelocity';
INSERT INTO SP_CLAIM_MAPPING (TENANT_ID, IDP_CLAIM, SP_CLAIM, APP_ID, IS_REQUESTED, IS_MANDATORY, DEFAULT_VALUE)
  SELECT TENANT_ID, 'http://wso2.org/claims/emailaddress', 'http://wso2.org/claims/emailaddress', ID, '1', '1', NULL FROM SP_APP WHERE APP_NAME = 'travelocity';
INSERT INTO SP_CLAIM_MAPPING (TENANT_ID, IDP_CLAIM, SP_CLAIM, APP_ID, IS_REQUESTED, IS_MANDATORY, DEFAULT_VALUE)
  SELECT TENANT_ID, 'http://wso2.org/claims/givenname', 'http://wso2.org/claims/givenname', ID, '1', '0', 'guest' FROM SP_APP WHERE APP_NAME = 'travelocity';
INSERT INTO SP_ROLE_MAPPING (TENANT_ID, IDP_ROLE, SP_ROLE, APP_ID) SELECT TENANT_ID, 'manager', 'travel-approver', ID FROM SP_APP WHERE APP_NAME = 'travelocity';
INSERT INTO SP_REQ_PATH_AUTHENTICATOR (TENANT_ID, AUTHENTICATOR_NAME, APP_ID) SELECT TENANT_ID, 'x509CertificateAuthenticator', ID FROM SP_APP WHERE APP_NAME = 'pickup-dispatch';
INSERT INTO SP_PROVISIONING_CONNECTOR (TENANT_ID, IDP_NAME, CONNECTOR_NAME, APP_ID, IS_JIT_ENABLED, BLOCKING, RULE_ENABLED)
  SELECT TENANT_ID, 'salesforce-idp', 'salesforce', ID, '1', '0', '0' FROM SP_APP WHERE APP_NAME = 'pickup-dispatch';
INSERT INTO IDP (TENANT_ID, NAME, IS_ENABLED, IS_PRIMARY, HOME_REALM_ID, IMAGE, CERTIFICATE, ALIAS, INBOUND_PROV_ENABLED, INBOUND_PROV_USER_STORE_ID, USER_CLAIM_URI, ROLE_CLAIM_URI, DESCRIPTION, DEFAULT_AUTHENTICATOR_NAME, DEFAULT_PRO_CONNECTOR_NAME, PROVISIONING_ROLE, IS_FEDERATION_HUB, IS_LOCAL_CLAIM_DIALECT, DISPLAY_NAME)
  VALUES (-1234, 'LOCAL', '1', '1', 'localhost', NULL, NULL, 'https://localhost:9443/oauth2/token', '0', NULL, NULL, NULL, NULL, NULL, NULL, NULL, '0', '1', NULL),
         (-1234, 'google', '1', '0', 'google.com', NULL, '-----BEGIN CERTIFICATE-----MIIC...-----END CERTIFICATE-----', NULL, '0', NULL, 'http://wso2.org/claims/emailaddress', NULL, 'Google sign-in', 'GoogleOIDCAuthenticator', NULL, NULL, '0', '0', 'Google'),
         (-1234, 'salesforce-idp', '1', '0', NULL, NULL, NULL, NULL, '1', 'PRIMARY', NULL, 'http://wso2.org/claims/role', 'Salesforce provisioning', NULL, 'salesforce', 'manager', '0', '0', 'Salesforce'),
         (1, 'LOCAL', '1', '1', 'localhost', NULL, NULL, NULL, '0', NULL, NULL, NULL, NULL, NULL, NULL, NULL, '0', '1', NULL),
         (2, 'LOCAL', '1', '1', 'localhost', NULL, NULL, NULL, '0', NULL, NULL, NULL, NULL, NULL, NULL, NULL, '0', '1', NULL);
INSERT INTO IDP_ROLE (IDP_ID, TENANT_ID, ROLE) SELECT ID, TENANT_ID, 'google-admins' FROM IDP WHERE NAME = 'google';
INSERT INTO IDP_ROLE_MAPPING (IDP_ROLE_ID, TENANT_ID, USER_STORE_ID, LOCAL_ROLE) SELECT ID, TENANT_ID, 'PRIMARY', 'admin' FROM IDP_ROLE;
INSERT INTO IDP_CLAIM (IDP_ID, TENANT_ID, CLAIM) SELECT ID, TENANT_ID, 'email' FROM IDP WHERE NAME = 'google';
INSERT INTO IDP_CLAIM (IDP_ID, TENANT_ID, CLAIM) SELECT ID, TENANT_ID, 'given_name' FROM IDP WHERE NAME = 'google';
INSERT INTO IDP_CLAIM_MAPPING (IDP_CLAIM_ID, TENANT_ID, LOCAL_CLAIM, DEFAULT_VALUE, IS_REQUESTED)
  SELECT ID, TENANT_ID, 'http://wso2.org/claims/emailaddress', NULL, '1' FROM IDP_CLAIM WHERE CLAIM = 'email';
INSERT INTO IDP_AUTHENTICATOR (TENANT_ID, IDP_ID, NAME, IS_ENABLED, DISPLAY_NAME) SELECT TENANT_ID, ID, 'GoogleOIDCAuthenticator', '1', 'google' FROM IDP WHERE NAME = 'google';
INSERT INTO IDP_AUTHENTICATOR (TENANT_ID, IDP_ID, NAME, IS_ENABLED, DISPLAY_NAME) SELECT TENANT_ID, ID, 'samlsso', '1', 'samlsso' FROM IDP WHERE NAME = 'LOCAL';
INSERT INTO IDP_AUTHENTICATOR (TENANT_ID, IDP_ID, NAME, IS_ENABLED, DISPLAY_NAME) SELECT TENANT_ID, ID, 'openidconnect', '1', 'oidc' FROM IDP WHERE NAME = 'LOCAL';
INSERT INTO IDP_AUTHENTICATOR_PROPERTY (TENANT_ID, AUTHENTICATOR_ID, PROPERTY_KEY, PROPERTY_VALUE, IS_SECRET)
  SELECT TENANT_ID, ID, 'ClientId', '1234-abcd.apps.googleusercontent.com', '0' FROM IDP_AUTHENTICATOR WHERE NAME = 'GoogleOIDCAuthenticator';
INSERT INTO IDP_AUTHENTICATOR_PROPERTY (TENANT_ID, AUTHENTICATOR_ID, PROPERTY_KEY, PROPERTY_VALUE, IS_SECRET)
  SELECT TENANT_ID, ID, 'ClientSecret', 'ZW5jcnlwdGVkLXNlY3JldA==', '1' FROM IDP_AUTHENTICATOR WHERE NAME = 'GoogleOIDCAuthenticator';
INSERT INTO IDP_AUTHENTICATOR_PROPERTY (TENANT_ID, AUTHENTICATOR_ID, PROPERTY_KEY, PROPERTY_VALUE, IS_SECRET)
  SELECT TENANT_ID, ID, 'IdPEntityId', 'localhost', '0' FROM IDP_AUTHENTICATOR WHERE NAME = 'samlsso';
INSERT INTO IDP_METADATA (IDP_ID, NAME, VALUE, DISPLAY_NAME, TENANT_ID) SELECT ID, 'SessionIdleTimeout', '15', 'Session Idle Timeout', TENANT_ID FROM IDP WHERE NAME = 'LOCAL';
INSERT INTO IDP_METADATA (IDP_ID, NAME, VALUE, DISPLAY_NAME, TENANT_ID) SELECT ID, 'RememberMeTimeout', '20160', 'Remember Me Timeout', TENANT_ID FROM IDP WHERE NAME = 'LOCAL';
INSERT INTO IDP_PROVISIONING_CONFIG (TENANT_ID, IDP_ID, PROVISIONING_CONNECTOR_TYPE, IS_ENABLED, IS_BLOCKING, IS_RULES_ENABLED)
  SELECT TENANT_ID, ID, 'salesforce', '1', '0', '0' FROM IDP WHERE NAME = 'salesforce-idp';
INSERT INTO IDP_PROV_CONFIG_PROPERTY (TENANT_ID, PROVISIONING_CONFIG_ID, PROPERTY_KEY, PROPERTY_VALUE, PROPERTY_BLOB_VALUE, PROPERTY_TYPE, IS_SECRET)
  SELECT TENANT_ID, ID, 'sf-api-version', 'v32.0', NULL, 'STRING', '0' FROM IDP_PROVISIONING_CONFIG;
INSERT INTO IDP_PROVISIONING_ENTITY (PROVISIONING_CONFIG_ID, ENTITY_TYPE, ENTITY_LOCAL_USERSTORE, ENTITY_NAME, ENTITY_VALUE, TENANT_ID, ENTITY_LOCAL_ID)
  SELECT ID, 'USER', 'PRIMARY', 'bob', '005A0000001abcd', TENANT_ID, NULL FROM IDP_PROVISIONING_CONFIG;
INSERT INTO IDP_LOCAL_CLAIM (TENANT_ID, IDP_ID, CLAIM_URI, DEFAULT_VALUE, IS_REQUESTED)
  SELECT TENANT_ID, ID, 'http://wso2.org/claims/emailaddress', NULL, '1' FROM IDP WHERE NAME = 'salesforce-idp';
INSERT INTO SP_FEDERATED_IDP (ID, TENANT_ID, AUTHENTICATOR_ID)
  SELECT S.ID, S.TENANT_ID, A.ID FROM SP_AUTH_STEP S JOIN SP_APP P ON P.ID = S.APP_ID, IDP_AUTHENTICATOR A
  WHERE P.APP_NAME = 'travelocity' AND S.STEP_ORDER = 2 AND A.NAME = 'GoogleOIDCAuthenticator';
INSERT INTO IDN_ASSOCIATED_ID (IDP_USER_ID, TENANT_ID, IDP_ID, DOMAIN_NAME, USER_NAME)
  SELECT '109876543210987654321', TENANT_ID, ID, 'PRIMARY', 'alice' FROM IDP WHERE NAME = 'google';
INSERT INTO IDN_ASSOCIATED_ID (IDP_USER_ID, TENANT_ID, IDP_ID, DOMAIN_NAME, USER_NAME)
  SELECT '112233445566778899001', TENANT_ID, ID, 'PRIMARY', 'bob' FROM IDP WHERE NAME = 'google';
INSERT INTO IDN_USER_ACCOUNT_ASSOCIATION (ASSOCIATION_KEY, TENANT_ID, DOMAIN_NAME, USER_NAME)
  VALUES ('assoc-1f2e3d', -1234, 'PRIMARY', 'alice'), ('assoc-1f2e3d', -1234, 'PRIMARY', 'alice_work');
INSERT INTO FIDO_DEVICE_STORE (TENANT_ID, DOMAIN_NAME, USER_NAME, TIME_REGISTERED, KEY_HANDLE, DEVICE_DATA)
  VALUES (-1234, 'PRIMARY', 'alice', '2018-04-04 08:00:00', 'kh-0a1b2c', '{\"keyHandle\":\"kh-0a1b2c\",\"publicKey\":\"BEx\",\"counter\":3}');
INSERT INTO WF_BPS_PROFILE (PROFILE_NAME, HOST_URL_MANAGER, HOST_URL_WORKER, USERNAME, PASSWORD, CALLBACK_HOST, TENANT_ID)
  VALUES ('embeded_bps', 'https://localhost:9443', 'https://localhost:9443', 'admin', 'ZW5jcnlwdGVk', 'https://localhost:9443', -1234);
INSERT INTO WF_WORKFLOW (ID, WF_NAME, DESCRIPTION, TEMPLATE_ID, IMPL_ID, TENANT_ID)
  VALUES ('wf-2b3c4d5e', 'UserApproval', 'Approve new users', 'MultiStepApprovalTemplate', 'ApprovalWorkflow', -1234);
INSERT INTO WF_WORKFLOW_ASSOCIATION (ASSOC_NAME, EVENT_ID, ASSOC_CONDITION, WORKFLOW_ID, IS_ENABLED, TENANT_ID)
  VALUES ('AddUserAssoc', 'ADD_USER', 'boolean(1)', 'wf-2b3c4d5e', '1', -1234);
INSERT INTO WF_WORKFLOW_CONFIG_PARAM (WORKFLOW_ID, PARAM_NAME, PARAM_VALUE, PARAM_QNAME, PARAM_HOLDER, TENANT_ID)
  VALUES ('wf-2b3c4d5e', 'UserAndRole', 'admin', 'UserAndRole-step-1-roles', 'Template', -1234);
INSERT INTO WF_REQUEST (UUID, CREATED_BY, TENANT_ID, OPERATION_TYPE, CREATED_AT, UPDATED_AT, STATUS, REQUEST)
  VALUES ('req-3c4d5e6f', 'admin', -1234, 'ADD_USER', '2018-05-05 10:00:00', '2018-05-05 11:00:00', 'APPROVED', 'rO0ABXNyAC');
INSERT INTO WF_REQUEST_ENTITY_RELATIONSHIP (REQUEST_ID, ENTITY_NAME, ENTITY_TYPE, TENANT_ID) VALUES ('req-3c4d5e6f', 'PRIMARY/carol', 'USER', -1234);
INSERT INTO WF_WORKFLOW_REQUEST_RELATION (RELATIONSHIP_ID, WORKFLOW_ID, REQUEST_ID, UPDATED_AT, STATUS, TENANT_ID)
  VALUES ('rel-4d5e6f70', 'wf-2b3c4d5e', 'req-3c4d5e6f', '2018-05-05 11:00:00', 'APPROVED', -1234);
INSERT INTO IDN_RECOVERY_DATA (USER_NAME, USER_DOMAIN, TENANT_ID, CODE, SCENARIO, STEP, TIME_CREATED, REMAINING_SETS)
  VALUES ('bob', 'PRIMARY', -1234, '7f1e2d3c-recovery', 'NOTIFICATION_BASED_PW_RECOVERY', 'UPDATE_PASSWORD', '2018-06-06 06:06:06', NULL),
         ('john', 'PRIMARY', 1, '8a2b3c4d-recovery', 'SELF_SIGN_UP', 'CONFIRM_SIGN_UP', '2018-06-07 07:07:07', NULL);
INSERT INTO IDN_PASSWORD_HISTORY_DATA (USER_NAME, USER_DOMAIN, TENANT_ID, SALT_VALUE, HASH, TIME_CREATED)
  VALUES ('alice', 'PRIMARY', -1234, 'c2FsdDE=', 'aGFzaDE=', '2017-09-09 09:09:09'), ('alice', 'PRIMARY', -1234, 'c2FsdDI=', 'aGFzaDI=', '2018-01-01 01:01:01');
INSERT INTO IDN_CLAIM_DIALECT (DIALECT_URI, TENANT_ID)
  VALUES ('http://wso2.org/claims', -1234), ('urn:scim:schemas:core:1.0', -1234), ('http://wso2.org/oidc/claim', -1234), ('http://wso2.org/claims', 1);
INSERT INTO IDN_CLAIM (DIALECT_ID, CLAIM_URI, TENANT_ID) SELECT ID, 'http://wso2.org/claims/emailaddress', TENANT_ID FROM IDN_CLAIM_DIALECT WHERE DIALECT_URI = 'http://wso2.org/claims';
INSERT INTO IDN_CLAIM (DIALECT_ID, CLAIM_URI, TENANT_ID) SELECT ID, 'http://wso2.org/claims/givenname', TENANT_ID FROM IDN_CLAIM_DIALECT WHERE DIALECT_URI = 'http://wso2.org/claims';
INSERT INTO IDN_CLAIM (DIALECT_ID, CLAIM_URI, TENANT_ID) SELECT ID, 'urn:scim:schemas:core:1.0:emails', TENANT_ID FROM IDN_CLAIM_DIALECT WHERE DIALECT_URI = 'urn:scim:schemas:core:1.0';
INSERT INTO IDN_CLAIM (DIALECT_ID, CLAIM_URI, TENANT_ID) SELECT ID, 'email', TENANT_ID FROM IDN_CLAIM_DIALECT WHERE DIALECT_URI = 'http://wso2.org/oidc/claim';
INSERT INTO IDN_CLAIM_MAPPED_ATTRIBUTE (LOCAL_CLAIM_ID, USER_STORE_DOMAIN_NAME, ATTRIBUTE_NAME, TENANT_ID)
  SELECT C.ID, 'PRIMARY', CASE WHEN C.CLAIM_URI LIKE '%emailaddress' THEN 'mail' ELSE 'givenName' END, C.TENANT_ID
  FROM IDN_CLAIM C JOIN IDN_CLAIM_DIALECT D ON D.ID = C.DIALECT_ID WHERE D.DIALECT_URI = 'http://wso2.org/claims';
INSERT INTO IDN_CLAIM_PROPERTY (LOCAL_CLAIM_ID, PROPERTY_NAME, PROPERTY_VALUE, TENANT_ID)
  SELECT C.ID, 'DisplayName', 'Email', C.TENANT_ID FROM IDN_CLAIM C WHERE C.CLAIM_URI = 'http://wso2.org/claims/emailaddress';
INSERT INTO IDN_CLAIM_PROPERTY (LOCAL_CLAIM_ID, PROPERTY_NAME, PROPERTY_VALUE, TENANT_ID)
  SELECT C.ID, 'SupportedByDefault', 'true', C.TENANT_ID FROM IDN_CLAIM C WHERE C.CLAIM_URI = 'http://wso2.org/claims/emailaddress';
INSERT INTO IDN_CLAIM_MAPPING (EXT_CLAIM_ID, MAPPED_LOCAL_CLAIM_ID, TENANT_ID)
  SELECT E.ID, L.ID, E.TENANT_ID FROM IDN_CLAIM E JOIN IDN_CLAIM L ON L.TENANT_ID = E.TENANT_ID AND L.CLAIM_URI = 'http://wso2.org/claims/emailaddress'
  WHERE E.CLAIM_URI IN ('urn:scim:schemas:core:1.0:emails', 'email');
INSERT INTO IDN_SAML2_ASSERTION_STORE (SAML2_ID, SAML2_ISSUER, SAML2_SUBJECT, SAML2_AUTHN_CONTEXT_CLASS_REF, SAML2_ASSERTION)
  VALUES ('_a1b2c3d4e5', 'localhost', 'alice', 'urn:oasis:names:tc:SAML:2.0:ac:classes:Password', '<saml2:Assertion ID=\"_a1b2c3d4e5\"/>');
";

/// Registry resources of the super tenant, with their content, properties,
/// tags, comments, ratings, history, associations, logs and a snapshot.
const REGISTRY: &str = "
INSERT INTO REG_CLUSTER_LOCK (REG_LOCK_NAME, REG_LOCK_STATUS, REG_LOCKED_TIME, REG_TENANT_ID) VALUES ('DATABASE_INIT_LOCK', 'UNLOCKED', NULL, 0);
INSERT INTO REG_PATH (REG_PATH_VALUE, REG_PATH_PARENT_ID, REG_TENANT_ID) VALUES ('/', -1, -1234);
INSERT INTO REG_PATH (REG_PATH_VALUE, REG_PATH_PARENT_ID, REG_TENANT_ID) SELECT '/_system', REG_PATH_ID, -1234 FROM REG_PATH WHERE REG_PATH_VALUE = '/' AND REG_TENANT_ID = -1234;
INSERT INTO REG_PATH (REG_PATH_VALUE, REG_PATH_PARENT_ID, REG_TENANT_ID) SELECT '/_system/config', REG_PATH_ID, -1234 FROM REG_PATH WHERE REG_PATH_VALUE = '/_system' AND REG_TENANT_ID = -1234;
INSERT INTO REG_PATH (REG_PATH_VALUE, REG_PATH_PARENT_ID, REG_TENANT_ID) SELECT '/_system/governance', REG_PATH_ID, -1234 FROM REG_PATH WHERE REG_PATH_VALUE = '/_system' AND REG_TENANT_ID = -1234;
INSERT INTO REG_PATH (REG_PATH_VALUE, REG_PATH_PARENT_ID, REG_TENANT_ID) SELECT '/_system/config/oidc', REG_PATH_ID, -1234 FROM REG_PATH WHERE REG_PATH_VALUE = '/_system/config' AND REG_TENANT_ID = -1234;
INSERT INTO REG_PATH (REG_PATH_VALUE, REG_PATH_PARENT_ID, REG_TENANT_ID) SELECT '/_system/governance/identity/Email', REG_PATH_ID, -1234 FROM REG_PATH WHERE REG_PATH_VALUE = '/_system/governance' AND REG_TENANT_ID = -1234;
INSERT INTO REG_PATH (REG_PATH_VALUE, REG_PATH_PARENT_ID, REG_TENANT_ID) VALUES ('/', -1, 1);
INSERT INTO REG_CONTENT (REG_CONTENT_DATA, REG_TENANT_ID) VALUES ('openid,address,phone,email,profile', -1234), ('<Template><Subject>Password Reset</Subject></Template>', -1234);
INSERT INTO REG_CONTENT_HISTORY (REG_CONTENT_ID, REG_CONTENT_DATA, REG_DELETED, REG_TENANT_ID)
  SELECT REG_CONTENT_ID, REG_CONTENT_DATA, 0, REG_TENANT_ID FROM REG_CONTENT;
INSERT INTO REG_RESOURCE (REG_PATH_ID, REG_NAME, REG_MEDIA_TYPE, REG_CREATOR, REG_CREATED_TIME, REG_LAST_UPDATOR, REG_LAST_UPDATED_TIME, REG_DESCRIPTION, REG_CONTENT_ID, REG_TENANT_ID, REG_UUID)
  SELECT P.REG_PATH_ID, NULL, NULL, 'wso2.system.user', '2017-01-01 00:00:00', 'wso2.system.user', '2017-01-01 00:00:00', NULL, NULL, -1234, CONCAT('f5a7b9c1-0000-4000-8000-', P.REG_PATH_ID)
  FROM REG_PATH P WHERE P.REG_TENANT_ID = -1234;
INSERT INTO REG_RESOURCE (REG_PATH_ID, REG_NAME, REG_MEDIA_TYPE, REG_CREATOR, REG_CREATED_TIME, REG_LAST_UPDATOR, REG_LAST_UPDATED_TIME, REG_DESCRIPTION, REG_CONTENT_ID, REG_TENANT_ID, REG_UUID)
  SELECT P.REG_PATH_ID, 'openid', 'text/plain', 'admin', '2017-01-01 00:00:00', 'admin', '2018-03-03 03:03:03', 'OIDC scope claims', C.REG_CONTENT_ID, -1234, '6f1d2c3b-4a59-4687-9a0b-c1d2e3f4a5b6'
  FROM REG_PATH P, REG_CONTENT C WHERE P.REG_PATH_VALUE = '/_system/config/oidc' AND C.REG_CONTENT_DATA LIKE 'openid%';
INSERT INTO REG_RESOURCE (REG_PATH_ID, REG_NAME, REG_MEDIA_TYPE, REG_CREATOR, REG_CREATED_TIME, REG_LAST_UPDATOR, REG_LAST_UPDATED_TIME, REG_DESCRIPTION, REG_CONTENT_ID, REG_TENANT_ID, REG_UUID)
  SELECT P.REG_PATH_ID, 'passwordreset', 'tag', 'admin', '2017-01-01 00:00:00', NULL, '2017-01-01 00:00:00', NULL, C.REG_CONTENT_ID, -1234, '7a2e3d4c-5b6a-4798-8b1c-d2e3f4a5b6c7'
  FROM REG_PATH P, REG_CONTENT C WHERE P.REG_PATH_VALUE = '/_system/governance/identity/Email' AND C.REG_CONTENT_DATA LIKE '<Template>%';
INSERT INTO REG_RESOURCE_HISTORY (REG_PATH_ID, REG_NAME, REG_VERSION, REG_MEDIA_TYPE, REG_CREATOR, REG_CREATED_TIME, REG_LAST_UPDATOR, REG_LAST_UPDATED_TIME, REG_DESCRIPTION, REG_CONTENT_ID, REG_DELETED, REG_TENANT_ID, REG_UUID)
  SELECT REG_PATH_ID, REG_NAME, REG_VERSION, REG_MEDIA_TYPE, REG_CREATOR, REG_CREATED_TIME, REG_LAST_UPDATOR, REG_LAST_UPDATED_TIME, REG_DESCRIPTION, REG_CONTENT_ID, 0, REG_TENANT_ID, REG_UUID
  FROM REG_RESOURCE WHERE REG_NAME = 'openid';
INSERT INTO REG_PROPERTY (REG_NAME, REG_VALUE, REG_TENANT_ID) VALUES ('registry.link', 'true', -1234), ('description', 'OpenID Connect scopes', -1234), ('locale', 'en_US', -1234);
INSERT INTO REG_RESOURCE_PROPERTY (REG_PROPERTY_ID, REG_VERSION, REG_PATH_ID, REG_RESOURCE_NAME, REG_TENANT_ID)
  SELECT PR.REG_ID, R.REG_VERSION, NULL, NULL, -1234 FROM REG_PROPERTY PR, REG_RESOURCE R WHERE PR.REG_NAME = 'description' AND R.REG_NAME = 'openid';
INSERT INTO REG_RESOURCE_PROPERTY (REG_PROPERTY_ID, REG_VERSION, REG_PATH_ID, REG_RESOURCE_NAME, REG_TENANT_ID)
  SELECT PR.REG_ID, NULL, P.REG_PATH_ID, 'passwordreset', -1234 FROM REG_PROPERTY PR, REG_PATH P WHERE PR.REG_NAME = 'locale' AND P.REG_PATH_VALUE = '/_system/governance/identity/Email';
INSERT INTO REG_TAG (REG_TAG_NAME, REG_USER_ID, REG_TAGGED_TIME, REG_TENANT_ID) VALUES ('oidc', 'admin', '2018-03-03 03:03:03', -1234);
INSERT INTO REG_RESOURCE_TAG (REG_TAG_ID, REG_VERSION, REG_PATH_ID, REG_RESOURCE_NAME, REG_TENANT_ID)
  SELECT T.REG_ID, R.REG_VERSION, NULL, NULL, -1234 FROM REG_TAG T, REG_RESOURCE R WHERE R.REG_NAME = 'openid';
INSERT INTO REG_COMMENT (REG_COMMENT_TEXT, REG_USER_ID, REG_COMMENTED_TIME, REG_TENANT_ID) VALUES ('Added the phone scope', 'admin', '2018-03-03 03:03:03', -1234);
INSERT INTO REG_RESOURCE_COMMENT (REG_COMMENT_ID, REG_VERSION, REG_PATH_ID, REG_RESOURCE_NAME, REG_TENANT_ID)
  SELECT C.REG_ID, R.REG_VERSION, NULL, NULL, -1234 FROM REG_COMMENT C, REG_RESOURCE R WHERE R.REG_NAME = 'openid';
INSERT INTO REG_RATING (REG_RATING, REG_USER_ID, REG_RATED_TIME, REG_TENANT_ID) VALUES (4, 'admin', '2018-03-03 03:03:03', -1234);
INSERT INTO REG_RESOURCE_RATING (REG_RATING_ID, REG_VERSION, REG_PATH_ID, REG_RESOURCE_NAME, REG_TENANT_ID)
  SELECT T.REG_ID, R.REG_VERSION, NULL, NULL, -1234 FROM REG_RATING T, REG_RESOURCE R WHERE R.REG_NAME = 'openid';
INSERT INTO REG_ASSOCIATION (REG_SOURCEPATH, REG_TARGETPATH, REG_ASSOCIATION_TYPE, REG_TENANT_ID)
  VALUES ('/_system/config/oidc/openid', '/_system/governance/identity/Email/passwordreset', 'depends', -1234);
INSERT INTO REG_LOG (REG_PATH, REG_USER_ID, REG_LOGGED_TIME, REG_ACTION, REG_ACTION_DATA, REG_TENANT_ID)
  VALUES ('/_system/config/oidc/openid', 'admin', '2018-03-03 03:03:03', 3, NULL, -1234), ('/_system/governance/identity/Email/passwordreset', 'admin', '2017-01-01 00:00:00', 2, NULL, -1234);
INSERT INTO REG_SNAPSHOT (REG_PATH_ID, REG_RESOURCE_NAME, REG_RESOURCE_VIDS, REG_TENANT_ID)
  SELECT REG_PATH_ID, 'openid', '1,2', -1234 FROM REG_PATH WHERE REG_PATH_VALUE = '/_system/config/oidc';
";

/// A few rows of the BPEL and human-task engine (bps).
const BPS: &str = "
INSERT INTO STORE_DU (NAME, DEPLOYDT, DEPLOYER, DIR) VALUES ('UserApprovalProcess-1', '2018-05-01 10:00:00', 'admin', '/repository/bpel/-1234/UserApprovalProcess-1');
INSERT INTO STORE_PROCESS (PID, STATE, TYPE, VERSION, DU) VALUES ('{http://workflow.is.wso2.org}UserApprovalProcess-1', 'ACTIVE', '{http://workflow.is.wso2.org}UserApprovalProcess', 1, 'UserApprovalProcess-1');
INSERT INTO STORE_VERSIONS (ID, VERSION) VALUES (1, 1);
INSERT INTO ODE_PROCESS (ID, GUID, PROCESS_ID, PROCESS_TYPE, VERSION) VALUES (1, 'hqejbhcnphr4e7t5w6v0z1', '{http://workflow.is.wso2.org}UserApprovalProcess-1', '{http://workflow.is.wso2.org}UserApprovalProcess', 1);
INSERT INTO HT_DEPLOYMENT_UNIT (ID, CHECKSUM, DEPLOYED_ON, DEPLOY_DIR, NAME, PACKAGE_NAME, STATUS, TENANT_ID, VERSION)
  VALUES (1, '5e6f7a8b9c0d1e2f', '2018-05-01 10:00:00', '/repository/humantasks/-1234/UserApprovalTask-1', 'UserApprovalTask-1', 'UserApprovalTask', 'ACTIVE', -1234, 1);
INSERT INTO HT_ORG_ENTITY (ORG_ENTITY_ID, ORG_ENTITY_NAME, ORG_ENTITY_TYPE) VALUES (1, 'admin', 'GROUP'), (2, 'alice', 'USER');
";

/// Users of three tenants (some with SCIM ids, as SCIM-provisioned users
/// have), their attributes and roles, and 300 access tokens with scopes and
/// 120 authorization codes in every state (the big tables).
fn generated(server: &Server) -> String {
    let mut s = String::new();
    let q = |n: &str| server.dialect().quote_ident(n);
    let users: Vec<(String, i32)> = (0..40)
        .map(|i| (format!("user{i:02}"), -1234))
        .chain([
            ("admin".into(), -1234),
            ("alice".into(), -1234),
            ("bob".into(), -1234),
        ])
        .chain((0..8).map(|i| (format!("acme{i}"), 1)))
        .chain([("admin".into(), 1), ("john".into(), 1), ("admin".into(), 2)])
        .collect();
    let values: Vec<String> = users
        .iter()
        .enumerate()
        .map(|(i, (u, t))| {
            format!(
                "('{u}', 'eDZTMm8xa3pQbWpKZ3lLN0h{i:04}=', 'c2FsdC{i:04}', {}, '2017-{:02}-{:02} 08:{:02}:00', {t})",
                if i % 9 == 0 { "TRUE" } else { "FALSE" },
                1 + i % 12,
                1 + i % 28,
                i % 60
            )
        })
        .collect();
    s += &format!(
        "INSERT INTO UM_USER (UM_USER_NAME, UM_USER_PASSWORD, UM_SALT_VALUE, UM_REQUIRE_CHANGE, UM_CHANGED_TIME, UM_TENANT_ID) VALUES {};\n",
        values.join(", ")
    );
    // Every user has a mail and a given name; two in three (and all
    // acme users) a SCIM id, one per user, in the default profile.
    for (attr, value) in [
        ("mail", "CONCAT(UM_USER_NAME, '@example.com')"),
        ("givenName", "UPPER(UM_USER_NAME)"),
        ("lastModifiedDate", "'2018-01-01T00:00:00Z'"),
    ] {
        s += &format!(
            "INSERT INTO UM_USER_ATTRIBUTE (UM_ATTR_NAME, UM_ATTR_VALUE, UM_PROFILE_ID, UM_USER_ID, UM_TENANT_ID) SELECT '{attr}', {value}, 'default', UM_ID, UM_TENANT_ID FROM UM_USER;\n"
        );
    }
    for (i, (u, t)) in users.iter().enumerate() {
        if i % 3 != 2 || *t == 1 {
            s += &format!(
                "INSERT INTO UM_USER_ATTRIBUTE (UM_ATTR_NAME, UM_ATTR_VALUE, UM_PROFILE_ID, UM_USER_ID, UM_TENANT_ID) SELECT 'scimId', '{}', 'default', UM_ID, UM_TENANT_ID FROM UM_USER WHERE UM_USER_NAME = '{u}' AND UM_TENANT_ID = {t};\n",
                scim_id(i)
            );
        }
    }
    // UM_CLAIM_BEHAVIOR exists only in WSO2's PostgreSQL, Oracle, MS SQL and DB2 scripts.
    if server.is_postgres() {
        s += "INSERT INTO UM_CLAIM_BEHAVIOR (UM_PROFILE_ID, UM_CLAIM_ID, UM_BEHAVIOUR, UM_TENANT_ID) SELECT P.UM_ID, C.UM_ID, 1, C.UM_TENANT_ID FROM UM_PROFILE_CONFIG P JOIN UM_CLAIM C ON C.UM_DIALECT_ID = P.UM_DIALECT_ID AND C.UM_TENANT_ID = P.UM_TENANT_ID;\n";
    }
    // Roles: every user is a developer, every fifth a manager, admins admin.
    s += "INSERT INTO UM_USER_ROLE (UM_ROLE_ID, UM_USER_ID, UM_TENANT_ID) SELECT R.UM_ID, U.UM_ID, U.UM_TENANT_ID FROM UM_USER U JOIN UM_ROLE R ON R.UM_TENANT_ID = U.UM_TENANT_ID AND R.UM_ROLE_NAME = 'admin' WHERE U.UM_USER_NAME = 'admin';\n";
    s += "INSERT INTO UM_USER_ROLE (UM_ROLE_ID, UM_USER_ID, UM_TENANT_ID) SELECT R.UM_ID, U.UM_ID, U.UM_TENANT_ID FROM UM_USER U JOIN UM_ROLE R ON R.UM_TENANT_ID = U.UM_TENANT_ID AND R.UM_ROLE_NAME = 'developer' WHERE U.UM_USER_NAME LIKE 'user%';\n";
    s += "INSERT INTO UM_USER_ROLE (UM_ROLE_ID, UM_USER_ID, UM_TENANT_ID) SELECT R.UM_ID, U.UM_ID, U.UM_TENANT_ID FROM UM_USER U JOIN UM_ROLE R ON R.UM_TENANT_ID = U.UM_TENANT_ID AND R.UM_ROLE_NAME = 'manager' WHERE U.UM_USER_NAME IN ('user00', 'user05', 'user10', 'user15', 'user20', 'alice');\n";
    s += "INSERT INTO UM_USER_ROLE (UM_ROLE_ID, UM_USER_ID, UM_TENANT_ID) SELECT R.UM_ID, U.UM_ID, U.UM_TENANT_ID FROM UM_USER U JOIN UM_ROLE R ON R.UM_TENANT_ID = U.UM_TENANT_ID AND R.UM_ROLE_NAME = 'auditor' WHERE U.UM_USER_NAME LIKE 'acme%';\n";
    s += "INSERT INTO UM_SHARED_USER_ROLE (UM_ROLE_ID, UM_USER_ID, UM_USER_TENANT_ID, UM_ROLE_TENANT_ID) SELECT R.UM_ID, U.UM_ID, U.UM_TENANT_ID, R.UM_TENANT_ID FROM UM_USER U, UM_ROLE R WHERE U.UM_USER_NAME = 'john' AND U.UM_TENANT_ID = 1 AND R.UM_ROLE_NAME = 'auditor';\n";
    s += "INSERT INTO UM_ACCOUNT_MAPPING (UM_USER_NAME, UM_TENANT_ID, UM_USER_STORE_DOMAIN, UM_ACC_LINK_ID) VALUES ('john', 1, 'PRIMARY', 1), ('alice', 2, 'PRIMARY', 1);\n";
    // Hybrid (Internal/Application) roles with the domain of the user.
    s += "INSERT INTO UM_HYBRID_USER_ROLE (UM_USER_NAME, UM_ROLE_ID, UM_TENANT_ID, UM_DOMAIN_ID) SELECT U.UM_USER_NAME, R.UM_ID, U.UM_TENANT_ID, D.UM_DOMAIN_ID FROM UM_USER U JOIN UM_HYBRID_ROLE R ON R.UM_TENANT_ID = U.UM_TENANT_ID AND R.UM_ROLE_NAME = 'everyone' JOIN UM_DOMAIN D ON D.UM_TENANT_ID = U.UM_TENANT_ID AND D.UM_DOMAIN_NAME = 'PRIMARY';\n";
    s += "INSERT INTO UM_HYBRID_USER_ROLE (UM_USER_NAME, UM_ROLE_ID, UM_TENANT_ID, UM_DOMAIN_ID) SELECT 'admin', R.UM_ID, R.UM_TENANT_ID, D.UM_DOMAIN_ID FROM UM_HYBRID_ROLE R JOIN UM_DOMAIN D ON D.UM_TENANT_ID = R.UM_TENANT_ID AND D.UM_DOMAIN_NAME = 'PRIMARY' WHERE R.UM_ROLE_NAME LIKE 'Application/%';\n";

    // Access tokens: 3 apps x 40 users x up to 3 scope sets, every
    // (app, user, scope set) once, so the 5.3.0 and 5.11.0 keys both hold.
    let scope_sets = [
        vec!["openid"],
        vec!["openid", "view_profile"],
        vec!["read_orders", "view_profile", "manage_users"],
    ];
    let apps = ["travelocity", "pickup-dispatch", "acme-portal"];
    let mut tokens = Vec::new();
    let mut token_scopes = Vec::new();
    for i in 0..300usize {
        let a = i / 40;
        let app = apps[a % 3];
        let set = &scope_sets[(a / 3).min(2)];
        let tenant = if app == "acme-portal" { 1 } else { -1234 };
        let (user, domain, user_type) = match (tenant, i % 40) {
            (1, n) => (format!("acme{}", n % 8), "PRIMARY", "APPLICATION_USER"),
            (_, n) if n >= 36 => (
                format!("fed-{n}@gmail.com"),
                "FEDERATED",
                "APPLICATION_USER",
            ),
            (_, 35) => ("user35".to_string(), "PRIMARY", "APPLICATION"),
            (_, n) => (format!("user{n:02}"), "PRIMARY", "APPLICATION_USER"),
        };
        // acme users repeat (8 users for 40 slots): keep them unique per key.
        let (state, state_id) = match i % 7 {
            0..=2 => ("ACTIVE", "NONE".to_string()),
            3 | 4 => ("EXPIRED", format!("st-{i:05}")),
            5 => ("REVOKED", format!("st-{i:05}")),
            _ => ("INACTIVE", format!("st-{i:05}")),
        };
        let (state, state_id) = if tenant == 1 && state == "ACTIVE" && i % 40 >= 8 {
            ("EXPIRED", format!("st-{i:05}"))
        } else {
            (state, state_id)
        };
        let hash = hex32(&set.join(" "));
        tokens.push(format!(
            "('tid-{i:05}', 'at-{}', 'rt-{}', (SELECT ID FROM IDN_OAUTH_CONSUMER_APPS WHERE APP_NAME = '{app}'), '{user}', {tenant}, '{domain}', '{user_type}', '{}', '2018-{:02}-{:02} {:02}:{:02}:{:02}', '2018-{:02}-{:02} {:02}:{:02}:{:02}', 3600000, 86400000, '{hash}', '{state}', '{state_id}', '{user}')",
            hex32(&format!("a{i}")),
            hex32(&format!("r{i}")),
            if user_type == "APPLICATION" { "client_credentials" } else if i % 2 == 0 { "authorization_code" } else { "password" },
            1 + i % 12, 1 + i % 28, i % 24, i % 60, (i * 7) % 60,
            1 + i % 12, 1 + i % 28, i % 24, i % 60, (i * 7) % 60,
        ));
        for scope in set {
            token_scopes.push(format!("('tid-{i:05}', '{scope}', {tenant})"));
        }
    }
    for chunk in tokens.chunks(100) {
        s += &format!(
            "INSERT INTO IDN_OAUTH2_ACCESS_TOKEN (TOKEN_ID, ACCESS_TOKEN, REFRESH_TOKEN, CONSUMER_KEY_ID, AUTHZ_USER, TENANT_ID, USER_DOMAIN, USER_TYPE, GRANT_TYPE, TIME_CREATED, REFRESH_TOKEN_TIME_CREATED, VALIDITY_PERIOD, REFRESH_TOKEN_VALIDITY_PERIOD, TOKEN_SCOPE_HASH, TOKEN_STATE, TOKEN_STATE_ID, SUBJECT_IDENTIFIER) VALUES {};\n",
            chunk.join(",\n ")
        );
    }
    s += &format!(
        "INSERT INTO IDN_OAUTH2_ACCESS_TOKEN_SCOPE (TOKEN_ID, TOKEN_SCOPE, TENANT_ID) VALUES {};\n",
        token_scopes.join(", ")
    );
    let codes: Vec<String> = (0..120usize)
        .map(|i| {
            let app = apps[i % 3];
            let tenant = if app == "acme-portal" { 1 } else { -1234 };
            let (user, domain) = match (tenant, i % 12) {
                (1, n) => (format!("acme{}", n % 8), "PRIMARY"),
                (_, 11) => ("fed-36@gmail.com".to_string(), "FEDERATED"),
                (_, n) => (format!("user{n:02}"), "PRIMARY"),
            };
            let (state, token) = match i % 4 {
                0 => ("ACTIVE", "NULL".to_string()),
                1 | 2 => ("INACTIVE", format!("'tid-{:05}'", i * 2)),
                _ => ("EXPIRED", "NULL".to_string()),
            };
            let pkce = if app == "pickup-dispatch" {
                format!("'{}', 'S256'", hex32(&format!("v{i}")))
            } else {
                "NULL, NULL".to_string()
            };
            format!(
                "('cid-{i:05}', 'code-{}', (SELECT ID FROM IDN_OAUTH_CONSUMER_APPS WHERE APP_NAME = '{app}'), (SELECT CALLBACK_URL FROM IDN_OAUTH_CONSUMER_APPS WHERE APP_NAME = '{app}'), 'openid view_profile', '{user}', {tenant}, '{domain}', '2018-{:02}-{:02} 10:{:02}:00', 300000, '{state}', {token}, '{user}', {pkce})",
                hex32(&format!("c{i}")),
                1 + i % 12,
                1 + i % 28,
                i % 60
            )
        })
        .collect();
    s += &format!(
        "INSERT INTO IDN_OAUTH2_AUTHORIZATION_CODE (CODE_ID, AUTHORIZATION_CODE, CONSUMER_KEY_ID, CALLBACK_URL, SCOPE, AUTHZ_USER, TENANT_ID, USER_DOMAIN, TIME_CREATED, VALIDITY_PERIOD, STATE, TOKEN_ID, SUBJECT_IDENTIFIER, PKCE_CODE_CHALLENGE, PKCE_CODE_CHALLENGE_METHOD) VALUES {};\n",
        codes.join(",\n ")
    );
    // Metrics reporter rows (column names such as TIMESTAMP and COUNT are quoted).
    let (src, ts, name) = (q("SOURCE"), q("TIMESTAMP"), q("NAME"));
    for i in 0..20u64 {
        let t = 1_514_764_800_000u64 + i * 60_000;
        s += &format!(
            "INSERT INTO {} ({src}, {ts}, {name}, {}) VALUES ('is-node-1', {t}, 'jvm.memory.heap.used', '{}');\n",
            q("METRIC_GAUGE"),
            q("VALUE"),
            512_000_000 + i * 1024
        );
        s += &format!(
            "INSERT INTO {} ({src}, {ts}, {name}, {}) VALUES ('is-node-1', {t}, 'org.wso2.carbon.identity.authn.success', {});\n",
            q("METRIC_COUNTER"),
            q("COUNT"),
            100 + i
        );
        s += &format!(
            "INSERT INTO {} ({src}, {ts}, {name}, {}, {}, {}, {}, {}, {}) VALUES ('is-node-1', {t}, 'jvm.gc.count', {}, 0.25, 0.2{i}, 0.125, 0.0625, 'events/second');\n",
            q("METRIC_METER"),
            q("COUNT"),
            q("MEAN_RATE"),
            q("M1_RATE"),
            q("M5_RATE"),
            q("M15_RATE"),
            q("RATE_UNIT"),
            10 * i
        );
        let stats = [
            "MAX", "MEAN", "MIN", "STDDEV", "P50", "P75", "P95", "P98", "P99", "P999",
        ];
        let cols: Vec<String> = stats.iter().map(|c| q(c)).collect();
        s += &format!(
            "INSERT INTO {} ({src}, {ts}, {name}, {}, {}) VALUES ('is-node-1', {t}, 'db.query.time', {}, 12.5, 3.75, 0.5, 2.125, 3.0, 4.5, 9.25, 11.0, 12.0, 12.5);\n",
            q("METRIC_HISTOGRAM"),
            q("COUNT"),
            cols.join(", "),
            50 + i
        );
        s += &format!(
            "INSERT INTO {} ({src}, {ts}, {name}, {}, {}, {}, {}, {}, {}, {}, {}) VALUES ('is-node-1', {t}, 'authn.latency', {}, 250.5, 42.125, 1.5, 20.0, 35.0, 50.0, 120.0, 180.0, 240.0, 250.5, 1.5, 1.25, 1.0, 0.75, 'calls/second', 'milliseconds');\n",
            q("METRIC_TIMER"),
            q("COUNT"),
            cols.join(", "),
            q("MEAN_RATE"),
            q("M1_RATE"),
            q("M5_RATE"),
            q("M15_RATE"),
            q("RATE_UNIT"),
            q("DURATION_UNIT"),
            500 + i
        );
    }
    s
}

/// The SCIM id of the `i`th seeded user: a UUID, as SCIM 1.1 assigns.
fn scim_id(i: usize) -> String {
    let h = hex32(&format!("scim{i}"));
    format!(
        "{}-{}-4{}-a{}-{}",
        &h[0..8],
        &h[8..12],
        &h[13..16],
        &h[17..20],
        &h[20..32]
    )
}

/// 32 hex digits derived from `s` (a token value, a scope hash).
fn hex32(s: &str) -> String {
    let mut h = Sha256::new();
    h.update(s.as_bytes());
    format!("{:x}", h.finalize())[..32].to_string()
}

/// The acceptance test body: seed at 5.3.0, record, upgrade to 5.11.0, compare.
async fn rows_survive(server: &Server, tag: &str) {
    let dir = tempfile::tempdir().unwrap();
    let prefix = common::unique_prefix(tag);
    let db = format!("{prefix}wso2is");
    let url = server.db_url(&db);
    let target = ["--url", url.as_str()];
    isdb_ok(dir.path(), &["migrate", "--is-version", "5.3.0"], &target);
    server.exec(&db, USERS).await;
    server.exec(&db, IDENTITY).await;
    server.exec(&db, REGISTRY).await;
    server.exec(&db, BPS).await;
    server.exec(&db, &generated(server)).await;

    let (tables, gone) = tracked(server);
    let mut before = BTreeMap::new();
    for t in &tables {
        before.insert(t.old.clone(), content(server, &db, t, false).await);
    }
    let seeded = before.values().filter(|c| c.count > 0).count();
    assert!(
        seeded >= 100,
        "the seed must fill most 5.3.0 tables, filled {seeded}"
    );
    assert_eq!(before["IDN_OAUTH2_ACCESS_TOKEN"].count, 300);

    isdb_ok(dir.path(), &["migrate", "--is-version", "5.11.0"], &target);
    let out = isdb_ok(dir.path(), &["verify", "--is-version", "5.11.0"], &target);
    assert!(out.contains(": clean") && !out.contains("DIFFERS"), "{out}");

    // No 5.3.0 table that held rows disappears without a documented reason.
    assert!(gone.is_empty(), "5.3.0 tables gone in 5.11.0: {gone:?}");
    let mut failures = Vec::new();
    for t in &tables {
        let was = &before[&t.old];
        let now = content(server, &db, t, true).await;
        if let Some(why) = emptied(&t.old) {
            assert!(was.count > 0, "{}: seed it to test {why}", t.old);
            if now.count != 0 {
                failures.push(format!("{}: {why} leaves {} rows", t.old, now.count));
            }
            continue;
        }
        if was.count != now.count || was.checksum != now.checksum {
            let lost: Vec<&String> = was.rows.iter().filter(|r| !now.rows.contains(r)).collect();
            let new: Vec<&String> = now.rows.iter().filter(|r| !was.rows.contains(r)).collect();
            failures.push(format!(
                "{} → {} over {:?}: {} rows → {}; before only: {:?}; after only: {:?}",
                t.old,
                t.new,
                t.columns.iter().map(|c| &c.1).collect::<Vec<_>>(),
                was.count,
                now.count,
                lost.iter().take(3).collect::<Vec<_>>(),
                new.iter().take(3).collect::<Vec<_>>()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    // New identifiers: filled, unique, and the SCIM id where the user had one.
    count(
        server,
        &db,
        "SELECT COUNT(*) FROM UM_USER WHERE UM_USER_ID IS NULL OR UM_USER_ID = ''",
        0,
    )
    .await;
    count(server, &db, "SELECT COUNT(*) FROM (SELECT UM_USER_ID, UM_TENANT_ID FROM UM_USER GROUP BY UM_USER_ID, UM_TENANT_ID HAVING COUNT(*) > 1) D", 0).await;
    count(server, &db, "SELECT COUNT(*) FROM UM_USER WHERE UM_USER_ID NOT LIKE '________-____-____-____-____________'", 0).await;
    let with_scim = server
        .query_i64(
            &db,
            "SELECT COUNT(*) FROM UM_USER_ATTRIBUTE WHERE UM_ATTR_NAME = 'scimId'",
        )
        .await;
    assert!(with_scim > 20, "{with_scim}");
    count(server, &db, "SELECT COUNT(*) FROM UM_USER U JOIN UM_USER_ATTRIBUTE A ON A.UM_USER_ID = U.UM_ID AND A.UM_TENANT_ID = U.UM_TENANT_ID AND A.UM_ATTR_NAME = 'scimId' WHERE A.UM_ATTR_VALUE = U.UM_USER_ID", with_scim).await;
    count(
        server,
        &db,
        "SELECT COUNT(*) FROM UM_TENANT WHERE UM_TENANT_UUID IS NULL",
        0,
    )
    .await;
    count(server, &db, "SELECT COUNT(DISTINCT UM_TENANT_UUID) FROM UM_TENANT WHERE UM_TENANT_UUID LIKE '________-____-____-____-____________'", 3).await;
    for table in ["SP_APP", "IDP"] {
        let n = server
            .query_i64(&db, &format!("SELECT COUNT(*) FROM {table}"))
            .await;
        count(server, &db, &format!("SELECT COUNT(DISTINCT UUID) FROM {table} WHERE UUID LIKE '________-____-____-____-____________'"), n).await;
    }
    // IDP_ID: the tenant's resident IdP for local users, -1 for federated ones.
    count(
        server,
        &db,
        "SELECT COUNT(*) FROM IDN_OAUTH2_ACCESS_TOKEN WHERE IDP_ID IS NULL",
        0,
    )
    .await;
    count(server, &db, "SELECT COUNT(*) FROM IDN_OAUTH2_ACCESS_TOKEN T JOIN IDP ON IDP.ID = T.IDP_ID AND IDP.NAME = 'LOCAL' AND IDP.TENANT_ID = T.TENANT_ID WHERE T.USER_DOMAIN <> 'FEDERATED'", 300 - 4 * 5).await;
    count(server, &db, "SELECT COUNT(*) FROM IDN_OAUTH2_ACCESS_TOKEN WHERE USER_DOMAIN = 'FEDERATED' AND IDP_ID = -1", 4 * 5).await;
    count(
        server,
        &db,
        "SELECT COUNT(*) FROM IDN_OAUTH2_AUTHORIZATION_CODE WHERE IDP_ID IS NULL",
        0,
    )
    .await;
    // Each role a 5.3.0 scope had is now one of its bindings.
    for (scope, roles) in [
        ("view_profile", &["admin", "manager"][..]),
        ("manage_users", &["admin"][..]),
        ("read_orders", &["admin", "manager", "developer"][..]),
        ("acme_reports", &["admin", "auditor"][..]),
        ("legacy_scope", &["Internal/everyone"][..]),
        ("public_api", &[][..]),
    ] {
        let all = format!(
            "SELECT COUNT(*) FROM IDN_OAUTH2_SCOPE_BINDING B JOIN IDN_OAUTH2_SCOPE S ON S.SCOPE_ID = B.SCOPE_ID WHERE S.NAME = '{scope}'"
        );
        count(server, &db, &all, roles.len() as i64).await;
        for role in roles {
            count(
                server,
                &db,
                &format!("{all} AND B.SCOPE_BINDING = '{role}' AND B.BINDING_TYPE = 'DEFAULT'"),
                1,
            )
            .await;
        }
    }
    count(
        server,
        &db,
        "SELECT COUNT(*) FROM IDN_OAUTH2_SCOPE WHERE SCOPE_TYPE = 'OAUTH2'",
        6,
    )
    .await;
    common::drop_databases(server, &prefix).await;
}

#[tokio::test]
async fn postgres_rows_survive_5_3_0_to_5_11_0() {
    let Some(server) = common::postgres("postgres_rows_survive_5_3_0_to_5_11_0").await else {
        return;
    };
    rows_survive(&server, "rows_pg").await;
}

#[tokio::test]
async fn mysql_rows_survive_5_3_0_to_5_11_0() {
    let Some(server) = common::mysql("mysql_rows_survive_5_3_0_to_5_11_0").await else {
        return;
    };
    rows_survive(&server, "rows_my").await;
}
