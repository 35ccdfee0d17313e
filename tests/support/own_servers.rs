//! PostgreSQL 15 and MariaDB instances a test starts for itself, with password
//! authentication and TLS only, under a certificate authority the test creates
//! with the `openssl` command. They listen on 127.0.0.1 and ::1 only, on fixed
//! ports (PostgreSQL 55433, MariaDB 33307); a lock file beside them serialises
//! the test processes that want the same port. Dropping a server stops it.
//!
//! Needs, as on this project's machines: root (the servers run as the
//! `postgres` and `mysql` users), `/usr/lib/postgresql/15/bin`, `mariadbd`,
//! `mariadb-install-db`, `mariadb` and `openssl`. A test that calls these
//! fails, naming what is missing, where they are absent.
#![allow(dead_code)]

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The user isdb connects as on both servers.
pub const USER: &str = "isdb";

const PG_BIN: &str = "/usr/lib/postgresql/15/bin";
/// The PostgreSQL port of these tests.
pub const PG_PORT: u16 = 55433;
/// The MariaDB port of these tests.
pub const MARIADB_PORT: u16 = 33307;

/// A CA and a server certificate it signed for `localhost`, 127.0.0.1 and ::1,
/// plus a second CA that signed nothing the servers use.
pub struct Certs {
    /// The directory holding every file.
    pub dir: PathBuf,
    /// The CA that signed the servers' certificate (PEM).
    pub ca: PathBuf,
    /// A CA unrelated to the servers (PEM).
    pub other_ca: PathBuf,
    /// The servers' certificate and key.
    pub server_cert: PathBuf,
    /// The servers' key.
    pub server_key: PathBuf,
}

fn run(cmd: &mut Command) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn openssl(dir: &Path, args: &[&str]) {
    run(Command::new("openssl").args(args).current_dir(dir));
}

impl Certs {
    /// Creates the certificates in `dir`.
    pub fn create(dir: &Path) -> Certs {
        let ca_args = |key: &'static str, cert: &'static str, cn: &'static str| {
            [
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                "-days", "2", "-subj", cn,
            ]
        };
        openssl(dir, &ca_args("ca.key", "ca.pem", "/CN=isdb test CA"));
        openssl(dir, &ca_args("other.key", "other.pem", "/CN=isdb other CA"));
        openssl(
            dir,
            &[
                "req",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                "server.key",
                "-out",
                "server.csr",
                "-subj",
                "/CN=localhost",
            ],
        );
        std::fs::write(
            dir.join("ext.cnf"),
            "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\n",
        )
        .unwrap();
        openssl(
            dir,
            &[
                "x509",
                "-req",
                "-in",
                "server.csr",
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-out",
                "server.pem",
                "-days",
                "2",
                "-extfile",
                "ext.cnf",
            ],
        );
        Certs {
            dir: dir.to_path_buf(),
            ca: dir.join("ca.pem"),
            other_ca: dir.join("other.pem"),
            server_cert: dir.join("server.pem"),
            server_key: dir.join("server.key"),
        }
    }

    /// Copies the server certificate and key into `dir`, owned by `user`, key 0600.
    fn install(&self, dir: &Path, user: &str) -> (PathBuf, PathBuf) {
        let cert = dir.join("server.pem");
        let key = dir.join("server.key");
        std::fs::copy(&self.server_cert, &cert).unwrap();
        std::fs::copy(&self.server_key, &key).unwrap();
        chown(user, &[&cert, &key]);
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
        (cert, key)
    }
}

fn chown(user: &str, paths: &[&Path]) {
    let mut cmd = Command::new("chown");
    cmd.arg("-R").arg(format!("{user}:"));
    for p in paths {
        cmd.arg(p);
    }
    run(&mut cmd);
}

fn as_user(user: &str, program: &str) -> Command {
    let mut cmd = Command::new("runuser");
    cmd.args(["-u", user, "--", program]);
    cmd
}

fn require_tools() {
    let root = std::env::var("USER").map(|u| u == "root").unwrap_or(false)
        || Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| o.stdout == b"0\n");
    let missing: Vec<&str> = [
        (format!("{PG_BIN}/initdb"), "PostgreSQL 15 server binaries"),
        ("/usr/sbin/mariadbd".to_string(), "mariadbd"),
        ("/usr/bin/openssl".to_string(), "openssl"),
    ]
    .iter()
    .filter(|(p, _)| !Path::new(p).exists())
    .map(|(_, what)| *what)
    .collect();
    assert!(
        root && missing.is_empty(),
        "these tests start their own servers and need root and {missing:?}"
    );
}

/// A database server this test started.
pub struct OwnServer {
    /// `postgres` or `mysql`.
    pub scheme: &'static str,
    /// TCP port.
    pub port: u16,
    /// The password of [`USER`].
    pub password: String,
    dir: tempfile::TempDir,
    mariadb: Option<Child>,
    _lock: File,
}

fn lock(port: u16) -> File {
    let f = File::create(format!("/tmp/isdb-test-own-server-{port}.lock")).unwrap();
    f.lock().unwrap();
    f
}

fn wait_for_port(port: u16, what: &str, log: &Path) {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(60) {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    panic!(
        "{what} did not listen on {port}: {}",
        std::fs::read_to_string(log).unwrap_or_default()
    );
}

impl OwnServer {
    /// A fresh PostgreSQL 15 cluster on [`PG_PORT`] that takes only TLS
    /// connections with a password (`hostssl ... scram-sha-256`, plain text rejected).
    pub fn postgres(certs: &Certs, password: &str) -> OwnServer {
        require_tools();
        let lock = lock(PG_PORT);
        let dir = tempfile::Builder::new()
            .prefix("isdb-pg")
            .tempdir()
            .unwrap();
        let root = dir.path();
        std::fs::set_permissions(root, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .unwrap();
        let (cert, key) = certs.install(root, "postgres");
        let pwfile = root.join("pw");
        std::fs::write(&pwfile, password).unwrap();
        chown("postgres", &[root]);
        let data = root.join("data");
        run(as_user("postgres", &format!("{PG_BIN}/initdb"))
            .arg("-D")
            .arg(&data)
            .args(["-U", USER, "-E", "UTF8", "--auth-local=trust"])
            .arg("--auth-host=scram-sha-256")
            .arg(format!("--pwfile={}", pwfile.display()))
            .stdout(Stdio::null()));
        std::fs::write(
            data.join("pg_hba.conf"),
            "local all all trust\n\
             hostssl all all 127.0.0.1/32 scram-sha-256\n\
             hostssl all all ::1/128 scram-sha-256\n\
             hostnossl all all 0.0.0.0/0 reject\n\
             hostnossl all all ::/0 reject\n",
        )
        .unwrap();
        let options = format!(
            "-p {PG_PORT} -k {} -c listen_addresses='127.0.0.1,::1' -c ssl=on -c ssl_cert_file={} -c ssl_key_file={}",
            root.display(),
            cert.display(),
            key.display()
        );
        let log = root.join("log");
        run(as_user("postgres", &format!("{PG_BIN}/pg_ctl"))
            .arg("-D")
            .arg(&data)
            .arg("-l")
            .arg(&log)
            .args(["-w", "-o", &options, "start"])
            .stdout(Stdio::null()));
        wait_for_port(PG_PORT, "PostgreSQL", &log);
        OwnServer {
            scheme: "postgres",
            port: PG_PORT,
            password: password.to_string(),
            dir,
            mariadb: None,
            _lock: lock,
        }
    }

    /// A fresh MariaDB on [`MARIADB_PORT`] with `require_secure_transport` and
    /// user [`USER`] identified by `password`.
    pub fn mariadb(certs: &Certs, password: &str) -> OwnServer {
        require_tools();
        let lock = lock(MARIADB_PORT);
        let dir = tempfile::Builder::new()
            .prefix("isdb-my")
            .tempdir()
            .unwrap();
        let root = dir.path();
        std::fs::set_permissions(root, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .unwrap();
        let (cert, key) = certs.install(root, "mysql");
        let data = root.join("data");
        run(Command::new("mariadb-install-db")
            .arg("--no-defaults")
            .arg(format!("--datadir={}", data.display()))
            .args(["--user=mysql", "--auth-root-authentication-method=socket"])
            .arg("--skip-test-db")
            .stdout(Stdio::null()));
        chown("mysql", &[root]);
        let socket = root.join("sock");
        let log = root.join("err.log");
        let child = Command::new("mariadbd")
            .arg("--no-defaults")
            .arg("--user=mysql")
            .arg(format!("--datadir={}", data.display()))
            .arg(format!("--port={MARIADB_PORT}"))
            .arg("--bind-address=127.0.0.1,::1")
            .arg(format!("--socket={}", socket.display()))
            .arg(format!("--pid-file={}", root.join("pid").display()))
            .arg(format!("--log-error={}", log.display()))
            .arg(format!("--ssl-cert={}", cert.display()))
            .arg(format!("--ssl-key={}", key.display()))
            .arg("--require-secure-transport=ON")
            .arg("--skip-name-resolve")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("mariadbd starts");
        let mut server = OwnServer {
            scheme: "mysql",
            port: MARIADB_PORT,
            password: password.to_string(),
            dir,
            mariadb: Some(child),
            _lock: lock,
        };
        wait_for_port(MARIADB_PORT, "MariaDB", &log);
        let sql = format!(
            "CREATE USER '{USER}'@'%' IDENTIFIED BY '{}'; GRANT ALL ON *.* TO '{USER}'@'%' WITH GRANT OPTION;",
            password.replace('\\', "\\\\").replace('\'', "\\'")
        );
        run(Command::new("mariadb")
            .arg(format!("--socket={}", socket.display()))
            .args(["-u", "root", "-e", &sql]));
        server.password = password.to_string();
        server
    }

    /// `scheme://isdb@HOST:PORT/db`, without password or parameters.
    pub fn url(&self, host: &str, db: &str) -> String {
        format!("{}://{USER}@{host}:{}/{db}", self.scheme, self.port)
    }

    /// The server's directory (logs, data).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for OwnServer {
    fn drop(&mut self) {
        match &mut self.mariadb {
            Some(child) => {
                // SIGTERM: a clean shutdown, so the next test can take the port.
                let _ = Command::new("kill").arg(child.id().to_string()).status();
                let _ = child.wait();
            }
            None => {
                let _ = as_user("postgres", &format!("{PG_BIN}/pg_ctl"))
                    .arg("-D")
                    .arg(self.dir.path().join("data"))
                    .args(["-m", "immediate", "-w", "stop"])
                    .stdout(Stdio::null())
                    .status();
            }
        }
    }
}
