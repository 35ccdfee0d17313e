//! Live benchmarks against the loopback PostgreSQL and MariaDB servers:
//! what one connection costs, and how `isdb migrate` of a split layout runs
//! with each [`Plan::parallelism`] (the command line always uses the default).
//!
//! Opt-in, since it creates databases (and drops them again, also on Ctrl-C):
//!
//! ```sh
//! ISDB_BENCH_LIVE=1 cargo bench --bench live
//! ```
//!
//! `ISDB_BENCH_POSTGRES_URL` and `ISDB_BENCH_MYSQL_URL` override the servers
//! (default `postgres://postgres@127.0.0.1:5432/` and `mysql://root@127.0.0.1:3306/`);
//! `ISDB_BENCH_ROUNDS` the rounds per setting (default 3). Results are in
//! `docs/benchmarks.md`.

use std::time::{Duration, Instant};

use isdb::layout::LayoutKind;
use isdb::migrate::{NoProgress, Plan, TargetArgs, resolve};
use sqlx::{ConnectOptions, Connection, Row};

const PARALLELISM: [usize; 4] = [1, 2, 4, 8];
const NODES: [u16; 2] = [2, 8];
const CONNECTS: usize = 40;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[derive(Clone, Copy, PartialEq)]
enum Engine {
    Postgres,
    MariaDb,
}

struct Server {
    engine: Engine,
    /// Server URL without a database.
    url: String,
}

impl Server {
    fn name(&self) -> &'static str {
        match self.engine {
            Engine::Postgres => "PostgreSQL",
            Engine::MariaDb => "MariaDB",
        }
    }

    /// The URL of the maintenance database.
    fn admin_url(&self) -> String {
        match self.engine {
            Engine::Postgres => format!("{}postgres", self.url),
            Engine::MariaDb => self.url.clone(),
        }
    }

    /// Drops every database whose name starts with `prefix`.
    async fn drop_prefix(&self, prefix: &str) -> Result<(), BoxError> {
        let like = format!("{}%", prefix.replace('_', "\\_"));
        match self.engine {
            Engine::Postgres => {
                let mut c = sqlx::postgres::PgConnectOptions::from_url(&self.admin_url().parse()?)?
                    .connect()
                    .await?;
                let rows = sqlx::query("SELECT datname FROM pg_database WHERE datname LIKE $1")
                    .bind(like)
                    .fetch_all(&mut c)
                    .await?;
                for r in rows {
                    let db: String = r.try_get(0)?;
                    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                        "DROP DATABASE IF EXISTS \"{db}\""
                    )))
                    .execute(&mut c)
                    .await?;
                }
                Ok(c.close().await?)
            }
            Engine::MariaDb => {
                let mut c = sqlx::mysql::MySqlConnectOptions::from_url(&self.admin_url().parse()?)?
                    .connect()
                    .await?;
                let rows = sqlx::query(
                    "SELECT CAST(schema_name AS CHAR) FROM information_schema.schemata WHERE schema_name LIKE ?",
                )
                .bind(like)
                .fetch_all(&mut c)
                .await?;
                for r in rows {
                    let db: String = r.try_get(0)?;
                    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                        "DROP DATABASE IF EXISTS `{db}`"
                    )))
                    .execute(&mut c)
                    .await?;
                }
                Ok(c.close().await?)
            }
        }
    }

    /// Median time to open and close one connection to the maintenance database.
    async fn connect_cost(&self) -> Result<Duration, BoxError> {
        sqlx::any::install_default_drivers();
        let opts = sqlx::any::AnyConnectOptions::from_url(&self.admin_url().parse()?)?;
        let mut times = Vec::with_capacity(CONNECTS);
        for _ in 0..CONNECTS {
            let t = Instant::now();
            opts.connect().await?.close().await?;
            times.push(t.elapsed());
        }
        Ok(median(&mut times))
    }
}

fn median(v: &mut [Duration]) -> Duration {
    v.sort();
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2
    }
}

fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1000.0)
}

/// One `isdb migrate` of a split layout with `parallelism`; its wall time.
async fn migrate(
    server: &Server,
    prefix: &str,
    nodes: u16,
    parallelism: usize,
) -> Result<Duration, BoxError> {
    let args = TargetArgs {
        layout: Some(LayoutKind::Split),
        url: Some(server.url.clone()),
        nodes: Some(nodes),
        db_prefix: Some(prefix.to_string()),
        ..TargetArgs::default()
    };
    let plan = Plan::new(resolve(&args, &|_| None)?).parallelism(parallelism);
    let t = Instant::now();
    plan.migrate(&NoProgress).await?;
    Ok(t.elapsed())
}

async fn run(servers: &[Server], run_prefix: &str) -> Result<(), BoxError> {
    let rounds: usize = std::env::var("ISDB_BENCH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(3);
    for s in servers {
        println!(
            "{}: connect + close, median of {CONNECTS}: {} ms",
            s.name(),
            ms(s.connect_cost().await?)
        );
    }
    println!();
    println!(
        "| server | --nodes | parallelism | fresh median ms (min-max) | no-op median ms (min-max) |"
    );
    println!("|---|---|---|---|---|");
    for s in servers {
        for nodes in NODES {
            let mut fresh = vec![Vec::new(); PARALLELISM.len()];
            let mut noop = vec![Vec::new(); PARALLELISM.len()];
            for round in 0..rounds {
                // Rotate which setting goes first, so drift in server load spreads over all of them.
                for k in 0..PARALLELISM.len() {
                    let i = (k + round) % PARALLELISM.len();
                    let prefix = format!("{run_prefix}n{nodes}_p{}_r{round}_", PARALLELISM[i]);
                    fresh[i].push(migrate(s, &prefix, nodes, PARALLELISM[i]).await?);
                    noop[i].push(migrate(s, &prefix, nodes, PARALLELISM[i]).await?);
                    s.drop_prefix(&prefix).await?;
                }
            }
            for (i, p) in PARALLELISM.iter().enumerate() {
                let spread = |v: &[Duration]| {
                    let lo = v.iter().min().copied().unwrap_or_default();
                    let hi = v.iter().max().copied().unwrap_or_default();
                    format!("{}-{}", ms(lo), ms(hi))
                };
                println!(
                    "| {} | {nodes} | {p} | {} ({}) | {} ({}) |",
                    s.name(),
                    ms(median(&mut fresh[i].clone())),
                    spread(&fresh[i]),
                    ms(median(&mut noop[i].clone())),
                    spread(&noop[i]),
                );
            }
        }
    }
    Ok(())
}

fn main() {
    if std::env::var("ISDB_BENCH_LIVE").as_deref() != Ok("1") {
        println!("skipped: live benchmarks create databases; run with ISDB_BENCH_LIVE=1");
        return;
    }
    let servers = [
        Server {
            engine: Engine::Postgres,
            url: std::env::var("ISDB_BENCH_POSTGRES_URL")
                .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/".into()),
        },
        Server {
            engine: Engine::MariaDb,
            url: std::env::var("ISDB_BENCH_MYSQL_URL")
                .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/".into()),
        },
    ];
    let run_prefix = format!("isdbbenchlive_{}_", std::process::id());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let outcome = rt.block_on(async {
        tokio::select! {
            r = run(&servers, &run_prefix) => r.map_err(|e| e.to_string()),
            _ = tokio::signal::ctrl_c() => Err("interrupted".to_string()),
        }
    });
    rt.block_on(async {
        for s in &servers {
            if let Err(e) = s.drop_prefix(&run_prefix).await {
                eprintln!(
                    "could not drop the {} databases {run_prefix}*: {e}",
                    s.name()
                );
            }
        }
    });
    if let Err(e) = outcome {
        eprintln!("live benchmark failed: {e}");
        std::process::exit(1);
    }
}
