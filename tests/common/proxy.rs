//! A TCP proxy on 127.0.0.1 (or ::1) between isdb and a database server, that
//! a test tells to forward traffic, freeze it (hold every byte, keep the
//! sockets open, as a stalled network or firewall does) or cut it (reset every
//! connection).
#![allow(dead_code)]

use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// What the proxy does with traffic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Pass bytes both ways.
    Forward,
    /// Stop passing bytes; keep the connections open.
    Freeze,
    /// Reset every connection, and every new one.
    Cut,
}

/// A running proxy; dropping it stops accepting connections.
pub struct Proxy {
    /// The address it listens on.
    pub ip: IpAddr,
    /// The port it listens on.
    pub port: u16,
    accepted: Arc<AtomicUsize>,
    mode: watch::Sender<Mode>,
    accept: tokio::task::JoinHandle<()>,
}

impl Proxy {
    /// Starts a proxy to `upstream` (`host:port`) on a free port of 127.0.0.1.
    pub async fn start(upstream: String) -> Proxy {
        Proxy::start_on(IpAddr::from([127, 0, 0, 1]), upstream).await
    }

    /// Starts a proxy to `upstream` (`host:port`) on a free port of `ip`.
    pub async fn start_on(ip: IpAddr, upstream: String) -> Proxy {
        let listener = TcpListener::bind((ip, 0)).await.expect("bind");
        let port = listener.local_addr().expect("local addr").port();
        let (mode, _) = watch::channel(Mode::Forward);
        let modes = mode.clone();
        let accepted = Arc::new(AtomicUsize::new(0));
        let count = accepted.clone();
        let accept = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                count.fetch_add(1, Ordering::SeqCst);
                let rx = modes.subscribe();
                if *rx.borrow() == Mode::Cut {
                    reset(&client);
                    continue;
                }
                let Ok(server) = TcpStream::connect(&upstream).await else {
                    reset(&client);
                    continue;
                };
                reset_on_close(&client);
                reset_on_close(&server);
                let (cr, cw) = client.into_split();
                let (sr, sw) = server.into_split();
                tokio::spawn(pump(cr, sw, rx.clone()));
                tokio::spawn(pump(sr, cw, rx));
            }
        });
        Proxy {
            ip,
            port,
            accepted,
            mode,
            accept,
        }
    }

    /// How many connections it has accepted so far.
    pub fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }

    /// Holds every byte from now on, both ways, keeping the connections open.
    pub fn freeze(&self) {
        self.mode.send_replace(Mode::Freeze);
    }

    /// Resets every connection (and refuses new ones).
    pub fn cut(&self) {
        self.mode.send_replace(Mode::Cut);
    }

    /// `url` (a server URL) with its host and port replaced by this proxy's
    /// (an IPv6 address as a bracketed literal).
    pub fn url(&self, url: &str) -> String {
        let mut u = url::Url::parse(url).expect("url");
        let host = match self.ip {
            IpAddr::V4(ip) => ip.to_string(),
            IpAddr::V6(ip) => format!("[{ip}]"),
        };
        u.set_host(Some(&host)).expect("host");
        u.set_port(Some(self.port)).expect("port");
        u.to_string()
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.accept.abort();
        self.mode.send_replace(Mode::Cut);
    }
}

/// Resets `s` now.
fn reset(s: &TcpStream) {
    reset_on_close(s);
}

/// Makes closing `s` send a reset instead of a graceful close.
fn reset_on_close(s: &TcpStream) {
    // A zero linger never blocks on close: it drops the data and sends RST,
    // which is the point here.
    #[allow(deprecated)]
    let _ = s.set_linger(Some(Duration::ZERO));
}

/// Copies `from` to `to` while the mode is Forward; waits while Freeze;
/// returns (dropping, so resetting, both halves) on Cut or end of stream.
async fn pump(mut from: OwnedReadHalf, mut to: OwnedWriteHalf, mut mode: watch::Receiver<Mode>) {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let current = *mode.borrow_and_update();
        match current {
            Mode::Cut => {
                // No FIN first: the socket closes with a reset alone.
                to.forget();
                return;
            }
            Mode::Freeze => {
                if mode.changed().await.is_err() {
                    return;
                }
                continue;
            }
            Mode::Forward => {}
        }
        tokio::select! {
            n = from.read(&mut buf) => match n {
                Ok(0) | Err(_) => {
                    let _ = to.shutdown().await;
                    return;
                }
                Ok(n) => {
                    if to.write_all(&buf[..n]).await.is_err() {
                        return;
                    }
                }
            },
            changed = mode.changed() => {
                if changed.is_err() {
                    return;
                }
            }
        }
    }
}
