-- Fills an isdb-built 5.3.0 merged MariaDB/MySQL database for benches/upgrade.sh:
-- the same rows as seed.postgres.sql. The caller sets @tokens first; the
-- rows come from MariaDB's SEQUENCE engine (seq_1_to_N), server side. @users,
-- when set, overrides the number of users (default @tokens / 10).
SET SESSION foreign_key_checks = 0, unique_checks = 0;
SET @users = COALESCE(@users, @tokens DIV 10), @codes = @tokens DIV 5;

DROP FUNCTION IF EXISTS bench_uid;
CREATE FUNCTION bench_uid(seed VARCHAR(64)) RETURNS CHAR(36) DETERMINISTIC
  RETURN (SELECT CONCAT(SUBSTR(h, 1, 8), '-', SUBSTR(h, 9, 4), '-4', SUBSTR(h, 14, 3), '-a', SUBSTR(h, 18, 3), '-', SUBSTR(h, 21, 12))
          FROM (SELECT MD5(seed) AS h) AS x);

START TRANSACTION;
INSERT INTO UM_ROLE (UM_ROLE_NAME, UM_TENANT_ID)
SELECT CONCAT('role', seq), -1234 FROM seq_1_to_50;

INSERT INTO UM_USER (UM_USER_NAME, UM_USER_PASSWORD, UM_SALT_VALUE, UM_REQUIRE_CHANGE, UM_CHANGED_TIME, UM_TENANT_ID)
SELECT CONCAT('user', seq), TO_BASE64(UNHEX(SHA2(CONCAT('secret', seq), 256))), SUBSTR(MD5(CONCAT('salt', seq)), 1, 24), 0,
       TIMESTAMP '2026-11-01 00:00:00' - INTERVAL seq MINUTE, -1234
FROM seq_1_to_1000000000 WHERE seq <= @users;

INSERT INTO UM_USER_ATTRIBUTE (UM_ATTR_NAME, UM_ATTR_VALUE, UM_PROFILE_ID, UM_USER_ID, UM_TENANT_ID)
SELECT a.name,
       CASE a.name WHEN 'scimId' THEN bench_uid(CONCAT('scim', u.UM_USER_NAME))
                   WHEN 'givenName' THEN CONCAT('Given ', u.UM_USER_NAME)
                   ELSE CONCAT(u.UM_USER_NAME, '@example.com') END,
       'default', u.UM_ID, u.UM_TENANT_ID
FROM UM_USER AS u
CROSS JOIN (SELECT 'scimId' AS name UNION ALL SELECT 'givenName' UNION ALL SELECT 'mail') AS a
WHERE a.name <> 'scimId' OR u.UM_ID % 5 <> 0;

INSERT INTO UM_USER_ROLE (UM_ROLE_ID, UM_USER_ID, UM_TENANT_ID)
SELECT r.UM_ID, u.UM_ID, u.UM_TENANT_ID
FROM UM_USER AS u
JOIN UM_ROLE AS r ON r.UM_TENANT_ID = u.UM_TENANT_ID
 AND r.UM_ROLE_NAME IN (CONCAT('role', u.UM_ID % 50 + 1), CONCAT('role', (u.UM_ID + 25) % 50 + 1));

INSERT INTO IDN_OAUTH_CONSUMER_APPS (CONSUMER_KEY, CONSUMER_SECRET, USERNAME, TENANT_ID, USER_DOMAIN, APP_NAME,
                                     OAUTH_VERSION, CALLBACK_URL, GRANT_TYPES, PKCE_MANDATORY, PKCE_SUPPORT_PLAIN, APP_STATE)
SELECT CONCAT('ck', SUBSTR(MD5(CONCAT('ck', seq)), 1, 26)), CONCAT('cs', MD5(CONCAT('cs', seq))), 'admin', -1234, 'PRIMARY',
       CONCAT('app', seq), 'OAuth-2.0', CONCAT('https://app', seq, '.example.com/callback'),
       'refresh_token urn:ietf:params:oauth:grant-type:saml2-bearer implicit password client_credentials iwa:ntlm authorization_code',
       '0', '0', 'ACTIVE'
FROM seq_1_to_50;

INSERT INTO IDN_OAUTH2_SCOPE (SCOPE_KEY, NAME, DESCRIPTION, TENANT_ID, ROLES)
SELECT CONCAT('scope', seq), CONCAT('Scope ', seq), CONCAT('Benchmark scope ', seq), -1234, CONCAT('role', seq, ',role', seq + 20)
FROM seq_1_to_20;
COMMIT;

CREATE TEMPORARY TABLE app_no AS
SELECT ID AS id, ROW_NUMBER() OVER (ORDER BY ID) - 1 AS n FROM IDN_OAUTH_CONSUMER_APPS;

START TRANSACTION;
INSERT INTO IDN_OAUTH2_ACCESS_TOKEN (TOKEN_ID, ACCESS_TOKEN, REFRESH_TOKEN, CONSUMER_KEY_ID, AUTHZ_USER, TENANT_ID,
                                     USER_DOMAIN, USER_TYPE, GRANT_TYPE, TIME_CREATED, REFRESH_TOKEN_TIME_CREATED,
                                     VALIDITY_PERIOD, REFRESH_TOKEN_VALIDITY_PERIOD, TOKEN_SCOPE_HASH, TOKEN_STATE,
                                     TOKEN_STATE_ID, SUBJECT_IDENTIFIER)
SELECT bench_uid(CONCAT('tid', t.i)), bench_uid(CONCAT('at', t.i)), bench_uid(CONCAT('rt', t.i)), a.id, CONCAT('user', t.u), -1234,
       'PRIMARY', 'APPLICATION_USER', ELT(t.i % 4 + 1, 'authorization_code', 'password', 'refresh_token', 'client_credentials'),
       TIMESTAMP '2026-11-01 00:00:00' - INTERVAL t.i SECOND, TIMESTAMP '2026-11-01 00:00:00' - INTERVAL t.i SECOND,
       3600000, 86400000, MD5(IF(t.i % 3 = 0, CONCAT('openid scope', t.i % 20 + 1), 'openid')),
       IF(t.i % 10 < 3 AND t.r < 50, 'ACTIVE', 'EXPIRED'),
       IF(t.i % 10 < 3 AND t.r < 50, 'NONE', bench_uid(CONCAT('st', t.i))),
       CONCAT('user', t.u)
FROM (SELECT seq AS i, (seq - 1) % @users + 1 AS u, (seq - 1) DIV @users AS r FROM seq_1_to_1000000000 WHERE seq <= @tokens) AS t
JOIN app_no AS a ON a.n = (t.u + 7 * t.r) % 50;
COMMIT;

START TRANSACTION;
INSERT INTO IDN_OAUTH2_ACCESS_TOKEN_SCOPE (TOKEN_ID, TOKEN_SCOPE, TENANT_ID)
SELECT bench_uid(CONCAT('tid', seq)), 'openid', -1234 FROM seq_1_to_1000000000 WHERE seq <= @tokens;
INSERT INTO IDN_OAUTH2_ACCESS_TOKEN_SCOPE (TOKEN_ID, TOKEN_SCOPE, TENANT_ID)
SELECT bench_uid(CONCAT('tid', seq)), CONCAT('scope', seq % 20 + 1), -1234 FROM seq_3_to_1000000000_step_3 WHERE seq <= @tokens;
COMMIT;

START TRANSACTION;
INSERT INTO IDN_OAUTH2_AUTHORIZATION_CODE (CODE_ID, AUTHORIZATION_CODE, CONSUMER_KEY_ID, CALLBACK_URL, SCOPE, AUTHZ_USER,
                                           TENANT_ID, USER_DOMAIN, TIME_CREATED, VALIDITY_PERIOD, STATE, TOKEN_ID,
                                           SUBJECT_IDENTIFIER, PKCE_CODE_CHALLENGE, PKCE_CODE_CHALLENGE_METHOD)
SELECT bench_uid(CONCAT('cid', t.i)), bench_uid(CONCAT('code', t.i)), a.id, CONCAT('https://app', a.n + 1, '.example.com/callback'),
       'openid', CONCAT('user', t.u), -1234, 'PRIMARY', TIMESTAMP '2026-11-01 00:00:00' - INTERVAL t.i SECOND, 300000,
       CASE t.i % 10 WHEN 0 THEN 'ACTIVE' WHEN 1 THEN 'EXPIRED' ELSE 'INACTIVE' END,
       IF(t.i % 10 > 1, bench_uid(CONCAT('tid', t.i)), NULL),
       CONCAT('user', t.u), IF(t.i % 2 = 0, MD5(CONCAT('pkce', t.i)), NULL), IF(t.i % 2 = 0, 'S256', NULL)
FROM (SELECT seq AS i, (seq - 1) % @users + 1 AS u, (seq - 1) DIV @users AS r FROM seq_1_to_1000000000 WHERE seq <= @codes) AS t
JOIN app_no AS a ON a.n = (t.u + 7 * t.r) % 50;
COMMIT;

DROP FUNCTION bench_uid;
ANALYZE TABLE UM_USER, UM_USER_ATTRIBUTE, UM_USER_ROLE, IDN_OAUTH_CONSUMER_APPS, IDN_OAUTH2_ACCESS_TOKEN,
              IDN_OAUTH2_ACCESS_TOKEN_SCOPE, IDN_OAUTH2_AUTHORIZATION_CODE, IDN_OAUTH2_SCOPE;
