//! The concurrent writer of `benches/upgrade.sh`: one UPDATE of a row of
//! `IDN_OAUTH2_ACCESS_TOKEN` every 10 ms on one connection, each timed from
//! send to reply, until SIGTERM or Ctrl-C. What it measures is how long the
//! upgrade running beside it blocks an application's writes.
//!
//! Not a criterion bench; `benches/upgrade.sh` builds it with
//! `cargo bench --bench upgrade_writer --no-run` and runs the binary:
//!
//! ```sh
//! ISDB_BENCH_WRITER_URL=postgres://postgres@127.0.0.1:5432/db \
//! ISDB_BENCH_WRITER_OUT=/tmp/writes.csv target/release/deps/upgrade_writer-…
//! ```
//!
//! It writes `ISDB_BENCH_WRITER_OUT` (one line per statement: start as Unix
//! seconds, latency in ms, `ok` or the error) when stopped, creates
//! `<OUT>.ready` once connected, and prints a summary on stdout:
//! `writes=N errors=E p50_ms=… p99_ms=… max_ms=… max_at=<Unix seconds>`.
//! `ISDB_BENCH_WRITER_INTERVAL_MS` changes the 10 ms period.

use std::fmt::Write as _;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use sqlx::{ConnectOptions, Row};
use tokio::time::MissedTickBehavior;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// How many token ids the writer cycles through.
const ROWS: i64 = 1000;

/// One connection to the upgraded database, PostgreSQL or MariaDB/MySQL.
enum Conn {
    Postgres(sqlx::PgConnection),
    MySql(sqlx::MySqlConnection),
}

impl Conn {
    async fn open(url: &str) -> Result<Self, BoxError> {
        let parsed: url::Url = url.parse()?;
        Ok(match parsed.scheme() {
            "postgres" | "postgresql" => Conn::Postgres(
                sqlx::postgres::PgConnectOptions::from_url(&parsed)?
                    .connect()
                    .await?,
            ),
            "mysql" | "mariadb" => Conn::MySql(
                sqlx::mysql::MySqlConnectOptions::from_url(&parsed)?
                    .connect()
                    .await?,
            ),
            other => return Err(format!("unsupported scheme {other}").into()),
        })
    }

    /// Token ids to update: spread over the table by their primary key.
    async fn token_ids(&mut self) -> Result<Vec<String>, BoxError> {
        let rows = match self {
            Conn::Postgres(c) => sqlx::query(
                "SELECT token_id FROM idn_oauth2_access_token ORDER BY token_id LIMIT $1",
            )
            .bind(ROWS)
            .fetch_all(c)
            .await?
            .iter()
            .map(|r| r.try_get::<String, _>(0))
            .collect::<Result<Vec<_>, _>>()?,
            Conn::MySql(c) => sqlx::query(
                "SELECT TOKEN_ID FROM IDN_OAUTH2_ACCESS_TOKEN ORDER BY TOKEN_ID LIMIT ?",
            )
            .bind(ROWS)
            .fetch_all(c)
            .await?
            .iter()
            .map(|r| r.try_get::<String, _>(0))
            .collect::<Result<Vec<_>, _>>()?,
        };
        if rows.is_empty() {
            return Err("IDN_OAUTH2_ACCESS_TOKEN is empty".into());
        }
        // They go into the statement text: the seed's ids are uuids.
        if let Some(bad) = rows
            .iter()
            .find(|id| !id.chars().all(|c| c.is_ascii_hexdigit() || c == '-'))
        {
            return Err(format!("token id {bad:?} is not a uuid").into());
        }
        Ok(rows)
    }

    /// The timed write: what IS does when it refreshes a token's timestamps.
    /// A plain text query (one packet; the id is checked to be a uuid), so
    /// that no prepared statement outlives the upgrade's DDL, and so that the
    /// MySQL protocol's prepare, execute and close round trips do not add
    /// their own delays to what is measured.
    async fn write(&mut self, token_id: &str) -> Result<(), sqlx::Error> {
        match self {
            Conn::Postgres(c) => sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                "UPDATE idn_oauth2_access_token SET time_created = CURRENT_TIMESTAMP WHERE token_id = '{token_id}'"
            )))
            .execute(c)
            .await
            .map(drop),
            Conn::MySql(c) => sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                "UPDATE IDN_OAUTH2_ACCESS_TOKEN SET TIME_CREATED = CURRENT_TIMESTAMP WHERE TOKEN_ID = '{token_id}'"
            )))
            .execute(c)
            .await
            .map(drop),
        }
    }
}

/// One timed statement.
struct Sample {
    start: f64,
    millis: f64,
    error: Option<String>,
}

fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

fn env(name: &str) -> Result<String, BoxError> {
    std::env::var(name).map_err(|_| format!("{name} is not set").into())
}

async fn run() -> Result<(), BoxError> {
    let url = env("ISDB_BENCH_WRITER_URL")?;
    let out = env("ISDB_BENCH_WRITER_OUT")?;
    let period = std::env::var("ISDB_BENCH_WRITER_INTERVAL_MS")
        .ok()
        .map(|v| v.parse::<u64>())
        .transpose()?
        .unwrap_or(10);

    let mut conn = Conn::open(&url).await?;
    let ids = conn.token_ids().await?;
    std::fs::write(format!("{out}.ready"), b"")?;

    let mut samples: Vec<Sample> = Vec::with_capacity(1 << 16);
    let mut tick = tokio::time::interval(Duration::from_millis(period));
    // After a stall, carry on every `period` from the reply; do not burst.
    tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    let mut n = 0usize;
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = term.recv() => break,
            _ = tokio::signal::ctrl_c() => break,
        }
        let id = &ids[n % ids.len()];
        n += 1;
        let start = unix_now();
        let t0 = Instant::now();
        // A stop signal during a blocked write ends the run without that sample.
        let result = tokio::select! {
            r = conn.write(id) => r,
            _ = term.recv() => break,
        };
        let millis = t0.elapsed().as_secs_f64() * 1000.0;
        let error = result.err().map(|e| e.to_string().replace('\n', " "));
        let broken = error.is_some();
        samples.push(Sample {
            start,
            millis,
            error,
        });
        if broken {
            // A failed statement may have left the connection unusable; start afresh.
            if let Ok(c) = Conn::open(&url).await {
                conn = c;
            }
        }
    }

    let mut csv = String::with_capacity(samples.len() * 32);
    for s in &samples {
        let _ = writeln!(
            csv,
            "{:.6},{:.3},{}",
            s.start,
            s.millis,
            s.error.as_deref().unwrap_or("ok")
        );
    }
    std::fs::write(&out, csv)?;

    let errors = samples.iter().filter(|s| s.error.is_some()).count();
    let mut lat: Vec<f64> = samples.iter().map(|s| s.millis).collect();
    lat.sort_by(f64::total_cmp);
    let pct = |p: f64| {
        if lat.is_empty() {
            0.0
        } else {
            lat[((lat.len() as f64 * p).ceil() as usize).clamp(1, lat.len()) - 1]
        }
    };
    let worst = samples.iter().max_by(|a, b| a.millis.total_cmp(&b.millis));
    println!(
        "writes={} errors={} p50_ms={:.1} p99_ms={:.1} max_ms={:.1} max_at={:.3}",
        samples.len(),
        errors,
        pct(0.5),
        pct(0.99),
        worst.map_or(0.0, |s| s.millis),
        worst.map_or(0.0, |s| s.start)
    );
    Ok(())
}

fn main() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    if let Err(e) = rt.block_on(run()) {
        eprintln!("upgrade_writer: {e}");
        std::process::exit(1);
    }
}
