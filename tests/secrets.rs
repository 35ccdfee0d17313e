//! A password never leaves isdb, whatever part of the URL carries it: the user
//! info, `password=`, `sslpassword=`, percent-encoded or not. Every command
//! that shows a URL runs against servers that demand the password (the test's
//! own PostgreSQL and MariaDB, TLS only), at `-vv` and with `RUST_LOG=trace`,
//! in text and JSON, and its output and every file it writes are searched.

#[path = "support/own_servers.rs"]
mod own_servers;
#[path = "support/run.rs"]
mod run;

use std::path::Path;

use own_servers::{Certs, OwnServer};
use run::isdb;

/// A password with every character a URL treats specially.
const PASSWORD: &str = "Pw/1:x@y?z&k=v+%25#q";
/// A client-key passphrase isdb must ignore and hide.
const SSL_PASSWORD: &str = "KeyPass-77-zq";

fn encoded(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Every spelling of the secrets that must never be seen.
fn forbidden() -> Vec<String> {
    let mut v = vec![
        PASSWORD.to_string(),
        encoded(PASSWORD),
        percent_encoding::utf8_percent_encode(PASSWORD, percent_encoding::NON_ALPHANUMERIC)
            .to_string(),
        SSL_PASSWORD.to_string(),
    ];
    // The longest fragments of the password that cannot occur by chance.
    v.push("Pw/1:x@y".into());
    v.push("z&k=v+".into());
    v
}

fn assert_clean(what: &str, text: &str) {
    for f in forbidden() {
        assert!(!text.contains(&f), "{what} shows the secret `{f}`:\n{text}");
    }
}

/// Every file below `dir` is free of the secrets, except the secure vault's
/// inputs: 5.3.0's secret store, and the `[secrets]` table of a deployment.toml
/// (whose values `ciphertool.sh -Dconfigure` encrypts in place).
fn assert_files_clean(dir: &Path) {
    for entry in walk(dir) {
        let name = entry.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name == "cipher-text.properties" {
            continue;
        }
        let bytes = std::fs::read(&entry).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        let text = if name == "deployment.toml" {
            without_secrets_table(&text)
        } else {
            text.into_owned()
        };
        assert_clean(&entry.display().to_string(), &text);
    }
}

/// `toml` without the lines of its `[secrets]` table.
fn without_secrets_table(toml: &str) -> String {
    let mut in_secrets = false;
    let mut kept = String::new();
    for line in toml.lines() {
        if line.starts_with('[') {
            in_secrets = line.trim() == "[secrets]";
        }
        if !in_secrets {
            kept.push_str(line);
            kept.push('\n');
        }
    }
    kept
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// The URL forms of one database, each with the environment it needs.
fn forms(
    server: &OwnServer,
    certs: &Certs,
    db: &str,
) -> Vec<(String, Vec<(&'static str, String)>)> {
    let tls = if server.scheme == "postgres" {
        format!("sslmode=verify-full&sslrootcert={}", certs.ca.display())
    } else {
        format!("ssl-mode=VERIFY_IDENTITY&ssl-ca={}", certs.ca.display())
    };
    let base = |host: &str| server.url(host, db);
    let with_user_info =
        base("localhost").replacen("isdb@", &format!("isdb:{}@", encoded(PASSWORD)), 1);
    vec![
        (format!("{with_user_info}?{tls}"), vec![]),
        // An IPv6 literal: the whole run goes there too.
        (
            format!("{}?password={}&{tls}", base("[::1]"), encoded(PASSWORD)),
            vec![],
        ),
        (
            format!(
                "{}?{tls}&pass%77ord={}",
                base("localhost"),
                percent_encoding::utf8_percent_encode(PASSWORD, percent_encoding::NON_ALPHANUMERIC)
            ),
            vec![],
        ),
        (
            format!("{}?sslpassword={SSL_PASSWORD}&{tls}", base("127.0.0.1")),
            vec![("ISDB_PASSWORD", PASSWORD.to_string())],
        ),
    ]
}

/// One command line and its environment; every one must succeed.
type Run<'a> = (Vec<&'a str>, &'a [(&'a str, &'a str)]);

fn secrets_never_leak(server: &OwnServer, certs: &Certs) {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    for (i, (url, env)) in forms(server, certs, "secrets").into_iter().enumerate() {
        let db = format!("secrets{i}");
        let url = url.replacen("/secrets?", &format!("/{db}?"), 1);
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let trace: Vec<(&str, &str)> = env.iter().copied().chain([("RUST_LOG", "trace")]).collect();
        let emit = dir.join(format!("conf{i}"));
        let emit = emit.to_str().unwrap();
        let dialect = if server.scheme == "postgres" {
            "postgres"
        } else {
            "mysql"
        };
        // The default release clusters the nodes by address: each needs its host.
        let hosts = [
            "--node-host",
            "1=is1.example.org",
            "--node-host",
            "2=is2.example.org",
        ];
        // The migrate runs install 5.3.0: which release changes nothing about
        // where a secret may appear, and trace logging of 5.11.0's thousand
        // statements per URL form would only make the test slow.
        let runs: Vec<Run> = vec![
            (
                vec![
                    "-vv",
                    "migrate",
                    "--url",
                    &url,
                    "--dry-run",
                    "--is-version",
                    "5.3.0",
                ],
                &env,
            ),
            (
                vec![
                    "migrate",
                    "--url",
                    &url,
                    "--dry-run",
                    "--is-version",
                    "5.3.0",
                ],
                &trace,
            ),
            (
                vec![
                    "-vv",
                    "migrate",
                    "--url",
                    &url,
                    "--emit-config",
                    emit,
                    "--is-version",
                    "5.3.0",
                ],
                &trace,
            ),
            (vec!["-vv", "status", "--url", &url], &env),
            (vec!["status", "--url", &url, "--format", "json"], &trace),
            (vec!["-vv", "verify", "--url", &url], &env),
            (vec!["verify", "--url", &url, "--format", "json"], &trace),
            (
                [
                    &["config", "--dialect", dialect, "--url", &url],
                    &hosts[..],
                    &["--out"],
                ]
                .concat(),
                &env,
            ),
            // 5.3.0's XML files and secret store.
            (
                vec![
                    "config",
                    "--is-version",
                    "5.3.0",
                    "--dialect",
                    dialect,
                    "--url",
                    &url,
                    "--out",
                ],
                &env,
            ),
        ];
        for (mut args, env) in runs {
            let out_dir;
            if args.last() == Some(&"--out") {
                let generation = if args.contains(&"5.3.0") {
                    "xml"
                } else {
                    "toml"
                };
                out_dir = dir.join(format!("out{i}-{generation}"));
                args.push(out_dir.to_str().unwrap());
            }
            let (code, out, err) = isdb(dir, &args, env);
            let what = format!("{args:?} {env:?}");
            assert_eq!(code, 0, "{what}\n{out}\n{err}");
            assert_clean(&format!("stdout of {what}"), &out);
            assert_clean(&format!("stderr of {what}"), &err);
            if args.contains(&"--url") && env.iter().all(|(k, _)| *k != "ISDB_PASSWORD") {
                assert!(
                    err.contains("process list"),
                    "no process-list warning for {what}: {err}"
                );
            }
        }
        // The server refuses a wrong password, so these runs prove it was used.
        let wrong_url = url
            .replace(&encoded(PASSWORD), "wrong")
            .replace(&forbidden()[2], "wrong");
        let wrong_env: Vec<(&str, &str)> = env
            .iter()
            .map(|(k, v)| (*k, if *k == "ISDB_PASSWORD" { "wrong" } else { *v }))
            .collect();
        let (code, out, err) = isdb(dir, &["status", "--url", &wrong_url], &wrong_env);
        assert_eq!(code, 1, "{out}{err}");
        assert!(out.contains("unreachable"), "{out}");

        // A connect error (nothing listens on port 9) names the place, not the secret.
        let closed = url.replace(&format!(":{}/", server.port), ":9/");
        for args in [
            vec!["-vv", "migrate", "--url", &closed, "--connect-timeout", "5"],
            vec!["status", "--url", &closed, "--format", "json"],
        ] {
            let (code, out, err) = isdb(dir, &args, &trace);
            assert_ne!(code, 0, "{args:?}");
            assert!(
                ["127.0.0.1:9", "localhost:9", "[::1]:9"]
                    .iter()
                    .any(|place| format!("{out}{err}").contains(place)),
                "{out}{err}"
            );
            assert_clean(&format!("{args:?}"), &format!("{out}{err}"));
        }
    }
    assert_files_clean(dir);
    assert!(
        walk(dir)
            .iter()
            .any(|p| p.ends_with("cipher-text.properties")),
        "the secret store was written"
    );
    let tomls: Vec<_> = walk(dir)
        .into_iter()
        .filter(|p| p.ends_with("deployment.toml"))
        .collect();
    assert!(!tomls.is_empty(), "deployment.toml was written");
    for p in tomls {
        let text = std::fs::read_to_string(&p).unwrap();
        assert!(
            text.contains(&format!("_password = \"[{PASSWORD}]\"")),
            "{}: the password is in [secrets], for the cipher tool:\n{text}",
            p.display()
        );
    }
}

#[test]
fn postgres_secrets_never_leak() {
    let certs_dir = tempfile::tempdir().unwrap();
    let certs = Certs::create(certs_dir.path());
    let server = OwnServer::postgres(&certs, PASSWORD);
    secrets_never_leak(&server, &certs);
}

#[test]
fn mariadb_secrets_never_leak() {
    let certs_dir = tempfile::tempdir().unwrap();
    let certs = Certs::create(certs_dir.path());
    let server = OwnServer::mariadb(&certs, PASSWORD);
    secrets_never_leak(&server, &certs);
}
