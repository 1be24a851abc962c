//! A throwaway `redis-server` for memo's tests and benches: a real server on a free loopback
//! port, without persistence, killed when dropped.
//!
//! Where `redis-server` is not installed, [`RedisServer::start`] returns `None` and the test
//! that asked returns early: the process writes one line to the terminal saying so and how to
//! install it, so a newcomer's `cargo test --workspace` passes and says what it skipped. With
//! `MEMO_REQUIRE_REDIS=1` (as `.ci/run` sets it) a missing server is a failure instead.
//!
//! ```
//! use memo_redis_server::RedisServer;
//!
//! let Some(mut server) = RedisServer::start() else { return }; // skipped: said once
//! assert_eq!(server.url(), format!("redis://127.0.0.1:{}", server.port()));
//! server.kill(); // connections now fail
//! server.restart(); // same port, empty
//! ```

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::Once;
use std::thread::sleep;
use std::time::{Duration, Instant};

/// How long a server may take to answer its first `PING`.
const START_TIMEOUT: Duration = Duration::from_secs(5);

/// Set to `1` to make a missing `redis-server` fail the tests rather than skip them.
pub const REQUIRE_VAR: &str = "MEMO_REQUIRE_REDIS";

/// A `redis-server` child process on `127.0.0.1`.
#[derive(Debug)]
pub struct RedisServer {
    port: u16,
    child: Option<Child>,
}

impl RedisServer {
    /// Starts a server on a free port and waits until it answers `PING`; `None` where
    /// `redis-server` is not installed (see the crate docs).
    ///
    /// # Panics
    ///
    /// If `redis-server` is missing and [`REQUIRE_VAR`] is `1`, or if it is installed but
    /// does not answer within 5 s.
    pub fn start() -> Option<RedisServer> {
        if !installed() {
            skip();
            return None;
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("no free loopback port")
            .port();
        let mut server = RedisServer { port, child: None };
        server.restart();
        Some(server)
    }

    /// `redis://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// The server's port, the same across restarts.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The server's process id, while it runs (to freeze it with `SIGSTOP`, say).
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Kills the server (SIGKILL: no shutdown, open connections reset) and waits for it to go.
    /// Does nothing if it is not running.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server again on the same port, empty, after killing it if it still runs.
    pub fn restart(&mut self) {
        self.kill();
        let mut child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("cannot run redis-server");
        let deadline = Instant::now() + START_TIMEOUT;
        while !self.pong() {
            let exited = child.try_wait().ok().flatten();
            assert!(exited.is_none(), "redis-server on port {} exited: {exited:?}", self.port);
            assert!(Instant::now() < deadline, "redis-server did not answer on port {}", self.port);
            sleep(Duration::from_millis(10));
        }
        self.child = Some(child);
    }

    /// Whether the server answers `PING` with `+PONG`.
    fn pong(&self) -> bool {
        let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)) else { return false };
        let _ = stream.set_read_timeout(Some(Duration::from_secs(1)));
        let mut reply = [0; 7];
        stream.write_all(b"PING\r\n").is_ok()
            && stream.read_exact(&mut reply).is_ok()
            && &reply == b"+PONG\r\n"
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Whether `redis-server` can be run.
pub fn installed() -> bool {
    Command::new("redis-server")
        .arg("--version")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// Says once per process that the Redis tests are skipped, on the terminal (the test harness
/// does not capture direct writes to `stderr`), or fails if a server is required.
fn skip() {
    let required = std::env::var(REQUIRE_VAR).is_ok_and(|value| value == "1");
    assert!(!required, "{REQUIRE_VAR}=1 but `redis-server` cannot be run: install it");
    static SAID: Once = Once::new();
    SAID.call_once(|| {
        let _ = writeln!(
            std::io::stderr(),
            "skipped: the tests that need a Redis server (`redis-server` is not installed: \
             `sudo apt-get install redis-server`, `brew install redis`; {REQUIRE_VAR}=1 makes this an error)"
        );
    });
}
