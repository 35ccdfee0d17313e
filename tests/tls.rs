//! TLS against servers that take nothing else: the test's own PostgreSQL 15
//! and MariaDB (see `support/own_servers.rs`), whose certificate a CA the test
//! creates signed. `sslmode` / `ssl-mode` are honoured as libpq and the mysql
//! client honour them: verification succeeds with the test's CA and fails with
//! another CA, with the system's roots, or against the shared servers on 5432
//! and 3306, whose certificates (if any) the test's CA did not sign.

#[path = "support/own_servers.rs"]
mod own_servers;
#[path = "support/run.rs"]
mod run;

use std::path::Path;

use own_servers::{Certs, OwnServer};

const PASSWORD: &str = "tls-test-pw";

fn isdb(dir: &Path, args: &[&str]) -> (i32, String, String) {
    run::isdb(dir, args, &[("ISDB_PASSWORD", PASSWORD)])
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

/// One engine's spelling of the TLS settings, and what it answers.
struct Words {
    mode: &'static str,
    ca: &'static str,
    verify_full: &'static str,
    verify_ca: &'static str,
    require: &'static str,
    prefer: &'static str,
    disable: &'static str,
    /// The hosts whose connections verify-full accepts; the last one takes a whole run.
    hosts: &'static [&'static str],
    /// The shared server of this engine, which the test's CA did not sign for.
    shared: &'static str,
}

/// Every mode against `server`, then a whole run over verify-full.
fn modes_are_honoured(server: &OwnServer, certs: &Certs, dir: &Path, w: &Words) {
    let (ca, other) = (certs.ca.display(), certs.other_ca.display());
    let url = |host: &str, query: String| format!("{}?{query}", server.url(host, "tls_probe"));
    let (mode, ca_key) = (w.mode, w.ca);
    let full_with = |ca: &dyn std::fmt::Display| format!("{mode}={}&{ca_key}={ca}", w.verify_full);
    let mut cases: Vec<(String, bool, &str)> = w
        .hosts
        .iter()
        .map(|h| (url(h, full_with(&ca)), true, ""))
        .collect();
    cases.extend([
        (
            url("localhost", format!("{mode}={}&{ca_key}={ca}", w.verify_ca)),
            true,
            "",
        ),
        (url("localhost", format!("{mode}={}", w.require)), true, ""),
        (url("localhost", format!("{mode}={}", w.prefer)), true, ""),
        (url("localhost", full_with(&other)), false, "certificate"),
        // The system's roots do not hold the test's CA.
        (
            url("localhost", format!("{mode}={}", w.verify_full)),
            false,
            "certificate",
        ),
        // The server takes TLS connections only.
        (url("localhost", format!("{mode}={}", w.disable)), false, ""),
        (format!("{}?{}", w.shared, full_with(&ca)), false, ""),
    ]);
    for (url, want_ok, error_has) in cases {
        match (reaches(dir, &url), want_ok) {
            (Ok(()), true) => {}
            (Err(e), false) => assert!(
                e.contains(error_has),
                "{url}: the error does not say `{error_has}`: {e}"
            ),
            (Ok(()), false) => panic!("{url} connected, but must not"),
            (Err(e), true) => panic!("{url} did not connect: {e}"),
        }
    }
    // A whole run: migrate, then status and verify find it done.
    let last_host = w.hosts[w.hosts.len() - 1];
    let run = format!("{}?{}", server.url(last_host, "tls_run"), full_with(&ca));
    for cmd in ["migrate", "status", "verify"] {
        let (code, out, err) = isdb(dir, &[cmd, "--url", &run]);
        assert_eq!(code, 0, "{cmd}: {out}\n{err}");
    }
}

#[test]
fn postgres_sslmode_is_honoured() {
    let work = tempfile::tempdir().unwrap();
    let certs = Certs::create(work.path());
    let server = OwnServer::postgres(&certs, PASSWORD);
    let words = Words {
        mode: "sslmode",
        ca: "sslrootcert",
        verify_full: "verify-full",
        verify_ca: "verify-ca",
        require: "require",
        prefer: "prefer",
        disable: "disable",
        // An IPv6 literal last: the whole run goes there too.
        hosts: &["localhost", "127.0.0.1", "[::1]"],
        shared: "postgres://postgres@127.0.0.1:5432/isdb_tls_probe",
    };
    modes_are_honoured(&server, &certs, work.path(), &words);
}

#[test]
fn mariadb_ssl_mode_is_honoured() {
    let work = tempfile::tempdir().unwrap();
    let certs = Certs::create(work.path());
    let server = OwnServer::mariadb(&certs, PASSWORD);
    let words = Words {
        mode: "ssl-mode",
        ca: "ssl-ca",
        verify_full: "VERIFY_IDENTITY",
        verify_ca: "VERIFY_CA",
        require: "REQUIRED",
        prefer: "PREFERRED",
        disable: "DISABLED",
        // An IPv6 literal last: the whole run goes there too.
        hosts: &["localhost", "127.0.0.1", "[::1]"],
        shared: "mysql://root@127.0.0.1:3306/isdb_tls_probe",
    };
    modes_are_honoured(&server, &certs, work.path(), &words);
}

/// The datasources `isdb config` writes ask their JDBC driver for the URL's TLS mode,
/// in 5.3.0's master-datasources.xml and in the default release's deployment.toml.
#[test]
fn jdbc_urls_carry_the_tls_mode() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    // (release, arguments it needs for two nodes, the file of node 1 with the URLs,
    // how that file writes `&`)
    let releases = [
        (
            "5.3.0",
            &[][..],
            "node1/repository/conf/datasources/master-datasources.xml",
            "&amp;",
        ),
        (
            "5.11.0",
            &[
                "--node-host",
                "1=is1.example.com",
                "--node-host",
                "2=is2.example.com",
            ][..],
            "node1/repository/conf/deployment.toml",
            "&",
        ),
    ];
    for (dialect, url, want, warning) in [
        (
            "postgres",
            "postgres://wso2@db.example.com/wso2is?sslmode=verify-full&sslrootcert=/etc/isdb/ca.pem",
            "jdbc:postgresql://db.example.com:5432/wso2is?ssl=true&sslmode=verify-full&sslrootcert=/etc/isdb/ca.pem",
            "same path on every node",
        ),
        (
            "mysql",
            "mysql://wso2@db.example.com/wso2is?ssl-mode=REQUIRED",
            "jdbc:mysql://db.example.com:3306/wso2is?autoReconnect=true&useSSL=true&requireSSL=true&verifyServerCertificate=false",
            "",
        ),
        (
            "mysql",
            "mysql://wso2@db.example.com/wso2is?ssl-mode=VERIFY_IDENTITY&ssl-ca=/etc/isdb/ca.pem",
            "verifyServerCertificate=true",
            "client-truststore.jks",
        ),
    ] {
        for (release, extra, file, amp) in releases {
            let out = format!("out-{release}-{dialect}-{}", url.len());
            let mut args = vec![
                "config",
                "--is-version",
                release,
                "--dialect",
                dialect,
                "--url",
                url,
                "--out",
                &out,
            ];
            args.extend_from_slice(extra);
            let (code, stdout, err) = isdb(dir, &args);
            assert_eq!(code, 0, "{release}: {stdout}\n{err}");
            let text = std::fs::read_to_string(dir.join(&out).join(file)).unwrap();
            let want = want.replace('&', amp);
            assert!(
                text.contains(&want),
                "{release} {url}: no `{want}` in\n{text}"
            );
            assert!(!text.contains("useSSL=false"), "{release}: {text}");
            assert!(
                err.contains(warning),
                "{release} {url}: no warning `{warning}`: {err}"
            );
        }
    }
}
