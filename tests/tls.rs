//! TLS against servers that take nothing else: the test's own PostgreSQL 15
//! and MariaDB (see `support/own_servers.rs`), whose certificate a CA the test
//! creates signed. `sslmode` / `ssl-mode` are honoured as libpq and the mysql
//! client honour them: verification succeeds with the test's CA and fails with
//! another CA, with the system's roots, or against the shared servers on 5432
//! and 3306, whose certificates (if any) the test's CA did not sign.

#[path = "support/own_servers.rs"]
mod own_servers;

use std::path::Path;

use own_servers::{Certs, OwnServer};

const PASSWORD: &str = "tls-test-pw";

fn isdb(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_isdb"))
        .args(args)
        .current_dir(dir)
        .env_remove("RUST_LOG")
        .env("ISDB_PASSWORD", PASSWORD)
        .output()
        .expect("isdb runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Whether `status` reaches the database at `url`, and the error when it does not.
fn reaches(dir: &Path, url: &str) -> Result<(), String> {
    let (code, out, err) = isdb(dir, &["status", "--url", url, "--format", "json"]);
    assert!(code == 0 || code == 1, "{url}: exit {code}\n{out}\n{err}");
    let v: serde_json::Value =
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{url}: {e}\n{out}\n{err}"));
    let db = &v["databases"][0];
    // A database that does not exist was still reached: the server said so after TLS and login.
    let error = db["error"].as_str().unwrap_or_default().to_string();
    if db["reachable"] == true || error.contains("does not exist") {
        Ok(())
    } else {
        Err(error)
    }
}

fn check(dir: &Path, url: &str, want_ok: bool, error_has: &str) {
    match (reaches(dir, url), want_ok) {
        (Ok(()), true) => {}
        (Err(e), false) => assert!(
            e.to_lowercase().contains(&error_has.to_lowercase()),
            "{url}: the error does not say `{error_has}`: {e}"
        ),
        (Ok(()), false) => panic!("{url} connected, but must not"),
        (Err(e), true) => panic!("{url} did not connect: {e}"),
    }
}

#[test]
fn postgres_sslmode_is_honoured() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    let certs = Certs::create(dir);
    let server = OwnServer::postgres(&certs, PASSWORD);
    let ca = certs.ca.display();
    let other = certs.other_ca.display();
    let url = |host: &str, query: &str| format!("{}?{query}", server.url(host, "postgres"));

    check(
        dir,
        &url(
            "localhost",
            &format!("sslmode=verify-full&sslrootcert={ca}"),
        ),
        true,
        "",
    );
    check(
        dir,
        &url(
            "127.0.0.1",
            &format!("sslmode=verify-full&sslrootcert={ca}"),
        ),
        true,
        "",
    );
    // An IPv6 literal: the certificate names ::1, and the connection goes there.
    check(
        dir,
        &url("[::1]", &format!("sslmode=verify-full&sslrootcert={ca}")),
        true,
        "",
    );
    check(
        dir,
        &url("localhost", &format!("sslmode=verify-ca&sslrootcert={ca}")),
        true,
        "",
    );
    check(dir, &url("localhost", "sslmode=require"), true, "");
    check(dir, &url("localhost", "sslmode=prefer"), true, "");

    check(
        dir,
        &url(
            "localhost",
            &format!("sslmode=verify-full&sslrootcert={other}"),
        ),
        false,
        "certificate",
    );
    check(
        dir,
        &url("localhost", "sslmode=verify-full"),
        false,
        "certificate",
    );
    // The server takes TLS connections only: plain text is refused.
    check(
        dir,
        &url("localhost", "sslmode=disable"),
        false,
        "no encryption",
    );
    // The shared server's certificate, if it has one, is not the test CA's.
    check(
        dir,
        &format!(
            "postgres://postgres@127.0.0.1:5432/postgres?sslmode=verify-full&sslrootcert={ca}"
        ),
        false,
        "",
    );

    // A whole run over verify-full: migrate, then status and verify find it done.
    let full = format!(
        "{}?sslmode=verify-full&sslrootcert={ca}",
        server.url("[::1]", "tls_run")
    );
    for cmd in ["migrate", "status", "verify"] {
        let (code, out, err) = isdb(dir, &[cmd, "--url", &full]);
        assert_eq!(code, 0, "{cmd}: {out}\n{err}");
    }
}

#[test]
fn mariadb_ssl_mode_is_honoured() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    let certs = Certs::create(dir);
    let server = OwnServer::mariadb(&certs, PASSWORD);
    let ca = certs.ca.display();
    let other = certs.other_ca.display();
    let url = |host: &str, query: &str| format!("{}?{query}", server.url(host, "mysql"));

    check(
        dir,
        &url(
            "localhost",
            &format!("ssl-mode=VERIFY_IDENTITY&ssl-ca={ca}"),
        ),
        true,
        "",
    );
    check(
        dir,
        &url(
            "127.0.0.1",
            &format!("ssl-mode=VERIFY_IDENTITY&ssl-ca={ca}"),
        ),
        true,
        "",
    );
    check(
        dir,
        &url("localhost", &format!("ssl-mode=VERIFY_CA&ssl-ca={ca}")),
        true,
        "",
    );
    check(dir, &url("localhost", "ssl-mode=REQUIRED"), true, "");
    check(dir, &url("localhost", "ssl-mode=PREFERRED"), true, "");

    check(
        dir,
        &url(
            "localhost",
            &format!("ssl-mode=VERIFY_IDENTITY&ssl-ca={other}"),
        ),
        false,
        "certificate",
    );
    check(
        dir,
        &url("localhost", "ssl-mode=VERIFY_IDENTITY"),
        false,
        "certificate",
    );
    // require_secure_transport: plain text is refused (MariaDB 10.11 answers "Access denied").
    check(dir, &url("localhost", "ssl-mode=DISABLED"), false, "");
    check(
        dir,
        &format!("mysql://root@127.0.0.1:3306/mysql?ssl-mode=VERIFY_IDENTITY&ssl-ca={ca}"),
        false,
        "",
    );

    let full = format!(
        "{}?ssl-mode=VERIFY_IDENTITY&ssl-ca={ca}",
        server.url("localhost", "tls_run")
    );
    for cmd in ["migrate", "status", "verify"] {
        let (code, out, err) = isdb(dir, &[cmd, "--url", &full]);
        assert_eq!(code, 0, "{cmd}: {out}\n{err}");
    }
}

/// The datasources `isdb config` writes ask their JDBC driver for the URL's TLS mode.
#[test]
fn jdbc_urls_carry_the_tls_mode() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    let master = |out: &str| {
        std::fs::read_to_string(
            dir.join(out)
                .join("node1/repository/conf/datasources/master-datasources.xml"),
        )
        .unwrap()
    };
    for (dialect, url, want, warning) in [
        (
            "postgres",
            "postgres://wso2@db.example.com/wso2is?sslmode=verify-full&sslrootcert=/etc/isdb/ca.pem",
            "jdbc:postgresql://db.example.com:5432/wso2is?ssl=true&amp;sslmode=verify-full&amp;sslrootcert=/etc/isdb/ca.pem",
            "same path on every node",
        ),
        (
            "mysql",
            "mysql://wso2@db.example.com/wso2is?ssl-mode=REQUIRED",
            "jdbc:mysql://db.example.com:3306/wso2is?autoReconnect=true&amp;useSSL=true&amp;requireSSL=true&amp;verifyServerCertificate=false",
            "",
        ),
        (
            "mysql",
            "mysql://wso2@db.example.com/wso2is?ssl-mode=VERIFY_IDENTITY&ssl-ca=/etc/isdb/ca.pem",
            "verifyServerCertificate=true",
            "client-truststore.jks",
        ),
    ] {
        let out = format!("out-{dialect}-{}", url.len());
        let (code, stdout, err) = isdb(
            dir,
            &[
                "config",
                "--dialect",
                dialect,
                "--url",
                url,
                "--node-host",
                "1=is1.example.com",
                "--out",
                &out,
            ],
        );
        assert_eq!(code, 0, "{stdout}\n{err}");
        let xml = master(&out);
        assert!(xml.contains(want), "{url}: no `{want}` in\n{xml}");
        assert!(!xml.contains("useSSL=false"), "{xml}");
        assert!(
            err.contains(warning),
            "{url}: no warning `{warning}`: {err}"
        );
    }
}
