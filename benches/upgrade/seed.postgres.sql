-- Fills an isdb-built 5.3.0 merged PostgreSQL database for benches/upgrade.sh.
-- psql -v tokens=N [-v users=U]: N access tokens, U users (default N/10; 3
-- attributes and 2 roles each), N/5 authorization codes, 50 OAuth apps, 20
-- scopes and 4/3 N token scopes. Every value is derived from the row number (md5), so two runs give
-- the same rows; timestamps count back from a fixed instant.
\set ON_ERROR_STOP 1
SET synchronous_commit = off;
SET maintenance_work_mem = '256MB';
\if :{?users}
\else
\set users '(:tokens / 10)'
\endif
\set codes '(:tokens / 5)'

-- A uuid-shaped text from md5(seed).
CREATE FUNCTION pg_temp.uid(seed text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-4' || substr(h, 14, 3) || '-a' || substr(h, 18, 3) || '-' || substr(h, 21, 12)
  FROM md5(seed) AS h
$$;

BEGIN;
INSERT INTO um_role (um_role_name, um_tenant_id)
SELECT 'role' || r, -1234 FROM generate_series(1, 50) AS r;

INSERT INTO um_user (um_user_name, um_user_password, um_salt_value, um_require_change, um_changed_time, um_tenant_id)
SELECT 'user' || u, encode(sha256(('secret' || u)::bytea), 'base64'), substr(md5('salt' || u), 1, 24), false,
       timestamp '2026-11-01 00:00:00' - u * interval '1 minute', -1234
FROM generate_series(1, :users) AS u;

-- scimId for 4 users in 5 (the 5.10.0 UM_USER_ID fill uses it), given name, mail.
INSERT INTO um_user_attribute (um_attr_name, um_attr_value, um_profile_id, um_user_id, um_tenant_id)
SELECT a.name,
       CASE a.name WHEN 'scimId' THEN pg_temp.uid('scim' || u.um_user_name)
                   WHEN 'givenName' THEN 'Given ' || u.um_user_name
                   ELSE u.um_user_name || '@example.com' END,
       'default', u.um_id, u.um_tenant_id
FROM um_user AS u
CROSS JOIN (VALUES ('scimId'), ('givenName'), ('mail')) AS a(name)
WHERE a.name <> 'scimId' OR u.um_id % 5 <> 0;

INSERT INTO um_user_role (um_role_id, um_user_id, um_tenant_id)
SELECT r.um_id, u.um_id, u.um_tenant_id
FROM um_user AS u
JOIN um_role AS r ON r.um_tenant_id = u.um_tenant_id
 AND r.um_role_name IN ('role' || (u.um_id % 50 + 1), 'role' || ((u.um_id + 25) % 50 + 1));

INSERT INTO idn_oauth_consumer_apps (consumer_key, consumer_secret, username, tenant_id, user_domain, app_name,
                                     oauth_version, callback_url, grant_types, pkce_mandatory, pkce_support_plain, app_state)
SELECT 'ck' || substr(md5('ck' || a), 1, 26), 'cs' || md5('cs' || a), 'admin', -1234, 'PRIMARY', 'app' || a,
       'OAuth-2.0', 'https://app' || a || '.example.com/callback',
       'refresh_token urn:ietf:params:oauth:grant-type:saml2-bearer implicit password client_credentials iwa:ntlm authorization_code',
       '0', '0', 'ACTIVE'
FROM generate_series(1, 50) AS a;

INSERT INTO idn_oauth2_scope (scope_key, name, description, tenant_id, roles)
SELECT 'scope' || s, 'Scope ' || s, 'Benchmark scope ' || s, -1234, 'role' || s || ',role' || (s + 20)
FROM generate_series(1, 20) AS s;
COMMIT;

-- Token i: user (i-1) % users + 1, in round r = (i-1) / users, app (user + 7r)
-- % 50; 3 in 10 ACTIVE (in the first 50 rounds, where no user has two tokens of
-- one app), the rest EXPIRED (with their own TOKEN_STATE_ID); scope "openid",
-- or "openid scope<k>" for every third token.
BEGIN;
CREATE TEMP TABLE app_no AS
SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM idn_oauth_consumer_apps;
INSERT INTO idn_oauth2_access_token (token_id, access_token, refresh_token, consumer_key_id, authz_user, tenant_id,
                                     user_domain, user_type, grant_type, time_created, refresh_token_time_created,
                                     validity_period, refresh_token_validity_period, token_scope_hash, token_state,
                                     token_state_id, subject_identifier)
SELECT pg_temp.uid('tid' || t.i), pg_temp.uid('at' || t.i), pg_temp.uid('rt' || t.i), a.id, 'user' || t.u, -1234,
       'PRIMARY', 'APPLICATION_USER', (ARRAY['authorization_code', 'password', 'refresh_token', 'client_credentials'])[t.i % 4 + 1],
       timestamp '2026-11-01 00:00:00' - t.i * interval '1 second', timestamp '2026-11-01 00:00:00' - t.i * interval '1 second',
       3600000, 86400000, md5(CASE WHEN t.i % 3 = 0 THEN 'openid scope' || (t.i % 20 + 1) ELSE 'openid' END),
       CASE WHEN t.i % 10 < 3 AND t.r < 50 THEN 'ACTIVE' ELSE 'EXPIRED' END,
       CASE WHEN t.i % 10 < 3 AND t.r < 50 THEN 'NONE' ELSE pg_temp.uid('st' || t.i) END,
       'user' || t.u
FROM (SELECT i, (i - 1) % :users + 1 AS u, (i - 1) / :users AS r FROM generate_series(1, :tokens) AS i) AS t
JOIN app_no AS a ON a.n = (t.u + 7 * t.r) % 50;

INSERT INTO idn_oauth2_access_token_scope (token_id, token_scope, tenant_id)
SELECT pg_temp.uid('tid' || i), 'openid', -1234 FROM generate_series(1, :tokens) AS i
UNION ALL
SELECT pg_temp.uid('tid' || i), 'scope' || (i % 20 + 1), -1234 FROM generate_series(3, :tokens, 3) AS i;

-- Codes: 8 in 10 INACTIVE (exchanged for token i), 1 ACTIVE, 1 EXPIRED.
INSERT INTO idn_oauth2_authorization_code (code_id, authorization_code, consumer_key_id, callback_url, scope, authz_user,
                                           tenant_id, user_domain, time_created, validity_period, state, token_id,
                                           subject_identifier, pkce_code_challenge, pkce_code_challenge_method)
SELECT pg_temp.uid('cid' || t.i), pg_temp.uid('code' || t.i), a.id, 'https://app' || (a.n + 1) || '.example.com/callback',
       'openid', 'user' || t.u, -1234, 'PRIMARY', timestamp '2026-11-01 00:00:00' - t.i * interval '1 second', 300000,
       CASE t.i % 10 WHEN 0 THEN 'ACTIVE' WHEN 1 THEN 'EXPIRED' ELSE 'INACTIVE' END,
       CASE WHEN t.i % 10 > 1 THEN pg_temp.uid('tid' || t.i) END,
       'user' || t.u, CASE WHEN t.i % 2 = 0 THEN md5('pkce' || t.i) END, CASE WHEN t.i % 2 = 0 THEN 'S256' END
FROM (SELECT i, (i - 1) % :users + 1 AS u, (i - 1) / :users AS r FROM generate_series(1, :codes) AS i) AS t
JOIN app_no AS a ON a.n = (t.u + 7 * t.r) % 50;
COMMIT;

ANALYZE;
