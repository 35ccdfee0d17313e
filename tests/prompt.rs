//! Passwords asked on a terminal (issue 10 point 4): one prompt per server and
//! user, for `config` and for `migrate`, through a real pseudo-terminal made by
//! util-linux `script`.

mod common;

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const PROMPT: &str = "Password of ";

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// Runs isdb with `args` in `dir` on a pseudo-terminal, with no password in the
/// environment, and types `answer` at the first prompt. Returns the exit code
/// and the terminal transcript; panics if no prompt shows or isdb hangs (as it
/// does when it asks a second time).
fn on_terminal(dir: &Path, args: &[&str], answer: &str) -> (i32, String) {
    let mut line = quote(common::isdb().to_str().unwrap());
    for a in args {
        line.push(' ');
        line.push_str(&quote(a));
    }
    let mut child = Command::new("script")
        .args(["-qec", &line, "/dev/null"])
        .current_dir(dir)
        .env_remove("ISDB_PASSWORD")
        .env("SHELL", "/bin/sh")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("util-linux script runs");
    let transcript = Arc::new(Mutex::new(String::new()));
    let mut stdout = child.stdout.take().unwrap();
    let sink = Arc::clone(&transcript);
    let reader = std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = stdout.read(&mut buf) {
            if n == 0 {
                break;
            }
            sink.lock()
                .unwrap()
                .push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    });
    let seen = |t: &Arc<Mutex<String>>| t.lock().unwrap().clone();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !seen(&transcript).contains(PROMPT) {
        if Instant::now() > deadline || child.try_wait().unwrap().is_some() {
            let _ = child.kill();
            let _ = child.wait();
            panic!("isdb asked for no password:\n{}", seen(&transcript));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(format!("{answer}\n").as_bytes()).unwrap();
    stdin.flush().unwrap();
    let deadline = Instant::now() + Duration::from_secs(180);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("isdb did not finish (asked again?):\n{}", seen(&transcript));
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    drop(stdin);
    reader.join().unwrap();
    (status.code().unwrap_or(-1), seen(&transcript))
}

/// 5.3.0's XML configuration: every datasource, the local registries included,
/// ends up in each node's cipher-text.properties.
#[test]
fn config_asks_once_for_every_database_on_one_server_and_user() {
    let dir = tempfile::tempdir().unwrap();
    let (code, transcript) = on_terminal(
        dir.path(),
        &[
            "config",
            "--is-version",
            "5.3.0",
            "--layout",
            "split",
            "--url",
            "postgres://wso2@db.example.org/",
            "--out",
            "conf",
        ],
        "typed-secret",
    );
    assert_eq!(code, 0, "{transcript}");
    assert_eq!(transcript.matches(PROMPT).count(), 1, "{transcript}");
    assert!(
        transcript.contains("Password of wso2 on db.example.org (database wso2_user_db, userstore_db, identity_db, metrics_db, bps_db, registry_db, registry_local1, registry_local2): "),
        "{transcript}"
    );
    for node in [1, 2] {
        let text = std::fs::read_to_string(dir.path().join(format!(
            "conf/fragments/node{node}/repository/conf/security/cipher-text.properties"
        )))
        .unwrap();
        let entries: Vec<&str> = text
            .lines()
            .filter(|l| l.starts_with("Datasources."))
            .collect();
        assert_eq!(entries.len(), 7, "{text}");
        assert!(
            entries.iter().all(|l| l.ends_with("=[typed-secret]")),
            "{text}"
        );
    }
}

#[tokio::test]
async fn migrate_asks_once_for_every_database_on_one_server_and_user() {
    let Some(server) =
        common::postgres("migrate_asks_once_for_every_database_on_one_server_and_user").await
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let prefix = common::unique_prefix("pgprompt");
    // The test server trusts local connections, so any typed password works.
    let (code, transcript) = on_terminal(
        dir.path(),
        &[
            "migrate",
            "--layout",
            "split",
            "--url",
            &server.url,
            "--db-prefix",
            &prefix,
        ],
        "typed-secret",
    );
    common::drop_databases(&server, &prefix).await;
    assert_eq!(code, 0, "{transcript}");
    assert_eq!(transcript.matches(PROMPT).count(), 1, "{transcript}");
    assert!(
        transcript.contains(&format!(
            "(database {prefix}wso2_user_db, {prefix}userstore_db,"
        )),
        "{transcript}"
    );
}

/// The default release (deployment.toml): one prompt, and the answer in every
/// node's `[secrets]` for every database the merged layout's nodes use.
#[test]
fn config_asks_once_for_the_default_release_too() {
    let dir = tempfile::tempdir().unwrap();
    let (code, transcript) = on_terminal(
        dir.path(),
        &[
            "config",
            "--url",
            "postgres://wso2@db.example.org/wso2is",
            "--node-host",
            "1=is1.example.org",
            "--node-host",
            "2=is2.example.org",
            "--out",
            "conf",
        ],
        "typed-secret",
    );
    assert_eq!(code, 0, "{transcript}");
    assert_eq!(transcript.matches(PROMPT).count(), 1, "{transcript}");
    assert!(
        transcript.contains("Password of wso2 on db.example.org (database wso2is): "),
        "{transcript}"
    );
    for node in [1, 2] {
        let text = std::fs::read_to_string(
            dir.path()
                .join(format!("conf/node{node}/repository/conf/deployment.toml")),
        )
        .unwrap();
        let secrets = text
            .split_once("\n[secrets]\n")
            .expect("a [secrets] table")
            .1;
        let entries: Vec<&str> = secrets.lines().take_while(|l| !l.is_empty()).collect();
        assert_eq!(entries.len(), 4, "{text}");
        assert!(
            entries.iter().all(|l| l.ends_with(" = \"[typed-secret]\"")),
            "{text}"
        );
    }
}
