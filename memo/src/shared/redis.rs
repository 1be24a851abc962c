//! The Redis tier: entries shared by every process that reaches the same Redis server.
//!
//! Entry keys are `memo:<namespace>|<key bytes>`, claim keys `memo-claim:<namespace>|<key
//! bytes>`; values are opaque bytes (with a [secret](Options::secret), followed by their
//! HMAC-SHA256 tag). Each store operation has one deadline, [`Options::io_timeout`] from its
//! start: opening a connection (its TCP connect and handshake, also bounded by
//! [`Options::connect_timeout`]) and the command share it; a command on a pooled connection
//! waits at most `io_timeout` for each read or write (`shared_clear`, which sends many, is
//! bounded per command). After a connection failure the store fails fast for a backoff period
//! (250 ms, doubling up to 2 s) instead of reconnecting on every call. So a server that is
//! gone, or accepts connections and never answers, costs a memoized call at most about one
//! `io_timeout`: a cache must never be much slower than the function it memoizes because its
//! server is. On a network whose round trip is a sizeable part of `io_timeout`, raise it: a new
//! connection spends a round trip of it before its first command.
//!
//! ```
//! use memo::redis::{self, Options};
//! use std::time::Duration;
//!
//! let options = Options::new("redis://cache.internal:6379/0").io_timeout(Duration::from_millis(50));
//! assert!(redis::configure(options).is_ok()); // nothing connects before the first call
//! assert_eq!(redis::url(), "redis://cache.internal:6379/0");
//! ```

use core::time::Duration;
use std::hash::{BuildHasher, RandomState};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use parking_lot::Mutex;
use redis::{Client, Connection, ErrorKind, IntoConnectionInfo, RedisError, RedisResult, Value};

use super::backend::{Backend, Claim, Claimed, Key, Result, StoreError};
use super::seal::Secret;

/// Prefix of every entry key.
const ENTRY_PREFIX: &[u8] = b"memo:";
/// Prefix of every claim key.
const CLAIM_PREFIX: &[u8] = b"memo-claim:";
/// Keys per `SCAN` step of [`RedisStore::clear`].
const SCAN_COUNT: u32 = 500;
/// Deletes a claim only if it still holds our token.
const RELEASE: &str =
    "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";
/// The first backoff after a connection failure, doubled on each failed retry...
const MIN_BACKOFF: Duration = Duration::from_millis(250);
/// ...up to this.
const MAX_BACKOFF: Duration = Duration::from_secs(2);
/// The longest expiry sent (about 35,000 years): longer ones would overflow the server's clock.
const MAX_MILLIS: u64 = 1 << 50;
/// Read when no URL is configured.
const URL_VAR: &str = "MEMO_REDIS_URL";
/// Used when neither a configured URL nor `MEMO_REDIS_URL` is.
const DEFAULT_URL: &str = "redis://127.0.0.1:6379";

/// Settings of the Redis store.
///
/// ```
/// use memo::redis::Options;
/// use std::time::Duration;
///
/// let options = Options::new("redis://127.0.0.1:6379/0")
///     .connect_timeout(Duration::from_millis(200))
///     .io_timeout(Duration::from_millis(50))
///     .pool_size(4);
/// assert!(memo::redis::configure(options).is_ok());
/// ```
#[derive(Clone, Debug)]
pub struct Options {
    url: String,
    connect_timeout: Duration,
    io_timeout: Duration,
    pool_size: usize,
    secret: Option<Secret>,
}

impl Options {
    /// Options for the server at `url` (`redis://[user:password@]host[:port][/db]`), with a
    /// 100 ms connect timeout, a 100 ms I/O timeout and up to 8 idle connections.
    ///
    /// ```
    /// let options = memo::redis::Options::new("redis://127.0.0.1:6379/0");
    /// assert!(memo::redis::configure(options).is_ok());
    /// assert_eq!(memo::redis::url(), "redis://127.0.0.1:6379/0");
    /// ```
    pub fn new(url: impl Into<String>) -> Self {
        Options {
            url: url.into(),
            connect_timeout: Duration::from_millis(100),
            io_timeout: Duration::from_millis(100),
            pool_size: 8,
            secret: None,
        }
    }

    /// How long opening a connection (including its handshake) may take, within the
    /// operation's [`io_timeout`](Options::io_timeout).
    ///
    /// ```
    /// # use memo::redis::Options; use std::time::Duration;
    /// let options = Options::new("redis://10.0.0.7").connect_timeout(Duration::from_millis(500));
    /// assert!(memo::redis::configure(options).is_ok());
    /// ```
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The deadline of each store operation, counted from its start: opening a connection
    /// (with its handshake) and the command share it, so a silent server costs a call one
    /// `io_timeout`, never a connect timeout plus an I/O timeout; on a pooled connection it
    /// bounds each read and write. After a failed connection the store fails fast for a while
    /// (see the module docs), so the rest of the call does not wait again.
    ///
    /// ```
    /// # use memo::redis::Options; use std::time::Duration;
    /// let options = Options::new("redis://10.0.0.7").io_timeout(Duration::from_millis(20));
    /// assert!(memo::redis::configure(options).is_ok());
    /// ```
    pub fn io_timeout(mut self, timeout: Duration) -> Self {
        self.io_timeout = timeout;
        self
    }

    /// How many idle connections are kept for reuse; 0 opens one per call.
    ///
    /// ```
    /// # use memo::redis::Options;
    /// let options = Options::new("redis://10.0.0.7").pool_size(32);
    /// assert!(memo::redis::configure(options).is_ok());
    /// ```
    pub fn pool_size(mut self, idle: usize) -> Self {
        self.pool_size = idle;
        self
    }

    /// Authenticates every entry with this secret (HMAC-SHA256 over the function's namespace,
    /// the key and the value): an entry that does not verify, written by a program without
    /// the secret, is counted as corrupt and recomputed, never served. Every process sharing
    /// the entries needs the same secret. Without this option, `MEMO_SECRET` is read; an
    /// empty secret is none.
    ///
    /// ```
    /// let options = memo::redis::Options::new("redis://10.0.0.7").secret("a long random string");
    /// assert!(memo::redis::configure(options).is_ok());
    /// ```
    pub fn secret(mut self, secret: impl AsRef<[u8]>) -> Self {
        self.secret = Secret::new(secret.as_ref());
        self
    }
}

/// The most recent error of the Redis store.
static LAST_ERROR: Mutex<Option<String>> = Mutex::new(None);

/// Why the last failed operation of the Redis store failed (unreachable, timed out, a server
/// error), or `None` if none has. The functions run as if the store missed, and count it in
/// `shared_info().errors`; this says why.
///
/// ```
/// // Nothing has gone to Redis in this program yet.
/// assert!(memo::redis::last_error().is_none());
/// ```
pub fn last_error() -> Option<StoreError> {
    LAST_ERROR.lock().as_deref().map(StoreError::new)
}

/// The process's store, created on first use.
static STORE: OnceLock<Arc<RedisStore>> = OnceLock::new();

/// Sets the store `#[lru_cache(redis)]` uses. Call once at start-up, before the first call of
/// a Redis-tier function; `Err(options)` if the store is already in use. Nothing connects
/// here: an unreachable server or an invalid URL shows in the cache's error count instead.
///
/// ```
/// use memo::redis::{self, Options};
///
/// assert!(redis::configure(Options::new("redis://cache.internal/1")).is_ok());
/// let again = redis::configure(Options::new("redis://elsewhere"));
/// assert!(again.is_err()); // the first store stays
/// assert_eq!(redis::url(), "redis://cache.internal/1");
/// ```
pub fn configure(options: Options) -> core::result::Result<(), Options> {
    if STORE.get().is_some() {
        return Err(options);
    }
    STORE.set(Arc::new(RedisStore::new(&options))).map_err(|_| options)
}

/// The URL in use or to be used: the configured one, else the environment variable
/// `MEMO_REDIS_URL`, else `redis://127.0.0.1:6379`.
///
/// ```
/// if std::env::var_os("MEMO_REDIS_URL").is_none() {
///     assert_eq!(memo::redis::url(), "redis://127.0.0.1:6379"); // nothing configured
/// }
/// ```
pub fn url() -> String {
    STORE.get().map_or_else(env_url, |store| store.url.clone())
}

/// The process's store: the configured one, else one for [`url`] with default options.
pub(crate) fn store() -> Arc<dyn Backend> {
    STORE.get_or_init(|| Arc::new(RedisStore::new(&Options::new(env_url())))).clone()
}

fn env_url() -> String {
    std::env::var(URL_VAR).unwrap_or_else(|_| DEFAULT_URL.to_owned())
}

/// A [`Backend`] on a Redis server, through a small pool of blocking connections.
pub(crate) struct RedisStore {
    url: String,
    /// The parsed URL, or why it did not parse.
    client: core::result::Result<Client, String>,
    connect_timeout: Duration,
    io_timeout: Duration,
    pool_size: usize,
    idle: Mutex<Vec<Connection>>,
    breaker: Mutex<Breaker>,
    secret: Option<Secret>,
}

impl RedisStore {
    /// A store for `options`; connects on first use only.
    pub(crate) fn new(options: &Options) -> Self {
        // Sockets reject zero timeouts.
        let at_least_1ms = |d: Duration| d.max(Duration::from_millis(1));
        RedisStore {
            url: options.url.clone(),
            client: client(&options.url).map_err(|e| format!("redis: invalid URL: {e}")),
            connect_timeout: at_least_1ms(options.connect_timeout),
            io_timeout: at_least_1ms(options.io_timeout),
            pool_size: options.pool_size,
            idle: Mutex::new(Vec::new()),
            breaker: Mutex::new(Breaker::default()),
            secret: options.secret.clone().or_else(Secret::from_env),
        }
    }

    /// Runs `commands` on a pooled or new connection, all within one `io_timeout` from now.
    /// A connection that failed is dropped, and a failed connection trips the breaker. An idle
    /// connection found closed (a server restart, an idle timeout) is replaced once, along
    /// with the rest of the pool.
    fn with<T>(&self, commands: impl FnMut(&mut Connection) -> RedisResult<T>) -> Result<T> {
        self.attempt(commands).inspect_err(|error| *LAST_ERROR.lock() = Some(error.to_string()))
    }

    fn attempt<T>(&self, mut commands: impl FnMut(&mut Connection) -> RedisResult<T>) -> Result<T> {
        let client = self.client.as_ref().map_err(StoreError::new)?;
        let started = Instant::now();
        let deadline = started + self.io_timeout;
        let probe = self.breaker.lock().admit(started)?;
        let pooled = self.idle.lock().pop();
        let reused = pooled.is_some();
        // A pooled connection's timeouts are `io_timeout` already; a new one gets what is left.
        let (mut connection, mut fresh) = match pooled {
            Some(connection) => (connection, false),
            None => (self.connect(client, deadline, probe)?, true),
        };
        let mut outcome = commands(&mut connection);
        if reused && outcome.as_ref().is_err_and(|e| e.is_connection_dropped() && !e.is_timeout()) {
            self.idle.lock().clear();
            (connection, fresh) = (self.connect(client, deadline, probe)?, true);
            outcome = commands(&mut connection);
        }
        match outcome {
            Ok(value) => {
                self.breaker.lock().succeeded();
                self.give_back(connection, fresh);
                Ok(value)
            }
            // The server answered: the connection is sound.
            Err(e) if matches!(e.kind(), ErrorKind::Server(_)) => {
                self.breaker.lock().succeeded();
                self.give_back(connection, fresh);
                Err(StoreError::new(format_args!("redis: {e}")))
            }
            Err(e) => Err(self.failed(&e, e.is_io_error(), probe)),
        }
    }

    /// A new connection, opened (with its handshake) within `connect_timeout` and what is
    /// left until `deadline`, its I/O timeouts set to what is left then.
    fn connect(&self, client: &Client, deadline: Instant, probe: bool) -> Result<Connection> {
        let left = || {
            let left = deadline.saturating_duration_since(Instant::now());
            // Sockets reject a zero timeout: an expired deadline is a timeout error.
            (!left.is_zero())
                .then_some(left)
                .ok_or_else(|| RedisError::from(std::io::Error::from(std::io::ErrorKind::TimedOut)))
        };
        let open = || -> RedisResult<Connection> {
            let connection = client.get_connection_with_timeout(self.connect_timeout.min(left()?))?;
            connection.set_read_timeout(Some(left()?))?;
            connection.set_write_timeout(Some(left()?))?;
            Ok(connection)
        };
        open().map_err(|e| self.failed(&e, true, probe))
    }

    /// Records a failure; a connection failure also opens the breaker and empties the pool.
    fn failed(&self, error: &RedisError, connection_lost: bool, probe: bool) -> StoreError {
        let error = StoreError::new(format_args!("redis: {error}"));
        if connection_lost {
            self.idle.lock().clear();
            self.breaker.lock().failed(Instant::now(), probe, &error);
        }
        error
    }

    /// Keeps a sound connection for reuse; a `fresh` one (its timeouts cut to what was left
    /// of a deadline) gets a whole `io_timeout` back first.
    fn give_back(&self, connection: Connection, fresh: bool) {
        let restored = !fresh
            || (connection.set_read_timeout(Some(self.io_timeout)).is_ok()
                && connection.set_write_timeout(Some(self.io_timeout)).is_ok());
        let mut idle = self.idle.lock();
        if restored && idle.len() < self.pool_size {
            idle.push(connection);
        }
    }
}

impl Backend for RedisStore {
    fn get(&self, key: Key<'_>) -> Result<Option<Vec<u8>>> {
        let key = redis_key(ENTRY_PREFIX, key);
        self.with(|c| redis::cmd("GET").arg(&key).query(c))
    }

    fn set(&self, key: Key<'_>, value: &[u8], ttl: Option<Duration>) -> Result<()> {
        let mut command = redis::cmd("SET");
        command.arg(redis_key(ENTRY_PREFIX, key)).arg(value);
        if let Some(ttl) = ttl {
            command.arg("PX").arg(millis(ttl));
        }
        self.with(|c| command.query(c))
    }

    fn clear(&self, namespace: &str) -> Result<u64> {
        let entries = pattern(ENTRY_PREFIX, namespace);
        let claims = pattern(CLAIM_PREFIX, namespace);
        self.with(|c| {
            let removed = unlink_matching(c, &entries)?;
            unlink_matching(c, &claims)?;
            Ok(removed)
        })
    }

    fn claim(&self, key: Key<'_>, lease: Duration) -> Result<Claimed> {
        let token = token();
        let mut command = redis::cmd("SET");
        command.arg(redis_key(CLAIM_PREFIX, key)).arg(&token).arg("NX").arg("PX").arg(millis(lease));
        match self.with(|c| command.query(c))? {
            Value::Nil => Ok(Claimed::Held),
            _ => Ok(Claimed::Won(Claim { token })),
        }
    }

    fn release(&self, key: Key<'_>, claim: &Claim) -> Result<()> {
        let mut command = redis::cmd("EVAL");
        command.arg(RELEASE).arg(1).arg(redis_key(CLAIM_PREFIX, key)).arg(&claim.token);
        self.with(|c| command.query(c))
    }

    fn secret(&self) -> Option<&Secret> {
        self.secret.as_ref()
    }
}

/// A client for `url` whose handshake sends only what the URL needs (`AUTH`, `SELECT`,
/// `HELLO`), not `CLIENT SETINFO`: its replies are ignored one by one, each waiting its own
/// socket timeout on a silent server, which would let a connection outlast its deadline.
fn client(url: &str) -> RedisResult<Client> {
    let info = url.into_connection_info()?;
    let settings = info.redis_settings().clone().set_skip_set_lib_name();
    Client::open(info.set_redis_settings(settings))
}

/// `prefix` + namespace + `|` + key bytes.
fn redis_key(prefix: &[u8], key: Key<'_>) -> Vec<u8> {
    let mut out = Vec::with_capacity(prefix.len() + key.namespace.len() + 1 + key.bytes.len());
    out.extend_from_slice(prefix);
    out.extend_from_slice(key.namespace.as_bytes());
    out.push(b'|');
    out.extend_from_slice(key.bytes);
    out
}

/// The `SCAN MATCH` pattern of every key of `namespace` under `prefix`, glob characters escaped.
fn pattern(prefix: &[u8], namespace: &str) -> Vec<u8> {
    let mut out = prefix.to_vec();
    for &b in namespace.as_bytes() {
        if matches!(b, b'*' | b'?' | b'[' | b']' | b'\\') {
            out.push(b'\\');
        }
        out.push(b);
    }
    out.extend_from_slice(b"|*");
    out
}

/// Deletes the keys matching `pattern`, one `SCAN` step at a time; returns how many went.
fn unlink_matching(connection: &mut Connection, pattern: &[u8]) -> RedisResult<u64> {
    let (mut cursor, mut removed) = (0_u64, 0);
    loop {
        let (next, keys): (u64, Vec<Vec<u8>>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(pattern)
            .arg("COUNT")
            .arg(SCAN_COUNT)
            .query(connection)?;
        if !keys.is_empty() {
            removed += redis::cmd("UNLINK").arg(&keys).query::<u64>(connection)?;
        }
        if next == 0 {
            return Ok(removed);
        }
        cursor = next;
    }
}

/// `duration` in whole milliseconds for `PX`: at least 1, at most [`MAX_MILLIS`].
fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX).clamp(1, MAX_MILLIS)
}

/// A claim token unique across processes and machines: a random per-process number, the
/// process id, the thread, the time and a counter.
fn token() -> String {
    static PROCESS: OnceLock<u64> = OnceLock::new();
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let process = *PROCESS.get_or_init(|| RandomState::new().hash_one(std::process::id()));
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    let count = NEXT.fetch_add(1, Ordering::Relaxed);
    let thread = std::thread::current().id();
    format!("{process:016x}.{}.{thread:?}.{nanos}.{count}", std::process::id())
}

/// Closed until a connection fails; then open, failing calls fast until `retry_at`, when one
/// call probes the server. A failed probe doubles the backoff; any success closes it.
struct Breaker {
    open: bool,
    backoff: Duration,
    retry_at: Instant,
    last_error: String,
}

impl Default for Breaker {
    fn default() -> Self {
        Breaker { open: false, backoff: MIN_BACKOFF, retry_at: Instant::now(), last_error: String::new() }
    }
}

impl Breaker {
    /// Whether a call may go to the server, and if so whether it is the probe of an open breaker.
    fn admit(&mut self, now: Instant) -> Result<bool> {
        if !self.open {
            return Ok(false);
        }
        if now < self.retry_at {
            let wait = (self.retry_at - now).as_millis();
            return Err(StoreError::new(format_args!(
                "redis: unavailable, next attempt in {wait} ms (last error: {})",
                self.last_error
            )));
        }
        // Other callers keep failing fast while this one probes.
        self.retry_at = now + self.backoff;
        Ok(true)
    }

    fn failed(&mut self, now: Instant, probe: bool, error: &StoreError) {
        if probe {
            self.backoff = (self.backoff * 2).min(MAX_BACKOFF);
        } else if self.open {
            return; // a concurrent call already opened it
        } else {
            self.open = true;
            self.backoff = MIN_BACKOFF;
        }
        self.retry_at = now + self.backoff;
        self.last_error = error.to_string();
    }

    fn succeeded(&mut self) {
        self.open = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use memo_redis_server::RedisServer;
    use std::process::Command;
    use std::thread::sleep;

    /// A throwaway `redis-server` on a free loopback port, with the views these tests take.
    trait Server {
        fn store(&self) -> RedisStore;
        /// A direct connection, to look behind the store's back.
        fn raw(&self) -> Connection;
    }

    impl Server for RedisServer {
        fn store(&self) -> RedisStore {
            RedisStore::new(&Options::new(self.url()))
        }

        fn raw(&self) -> Connection {
            Client::open(self.url()).unwrap().get_connection().unwrap()
        }
    }

    fn key<'a>(namespace: &'a str, bytes: &'a [u8]) -> Key<'a> {
        Key { namespace, bytes }
    }

    const NS: &str = "memo_tests::f@v1";

    #[test]
    fn get_set_and_expiry() {
        let Some(server) = RedisServer::start() else { return };
        let store = server.store();
        assert_eq!(store.get(key(NS, b"a")).unwrap(), None);
        store.set(key(NS, b"a"), b"one", None).unwrap();
        store.set(key(NS, b"b"), b"two", Some(Duration::from_millis(60))).unwrap();
        assert_eq!(store.get(key(NS, b"a")).unwrap().as_deref(), Some(&b"one"[..]));
        assert_eq!(store.get(key(NS, b"b")).unwrap().as_deref(), Some(&b"two"[..]));
        store.set(key(NS, b"a"), b"uno", None).unwrap();
        assert_eq!(store.get(key(NS, b"a")).unwrap().as_deref(), Some(&b"uno"[..]));

        let ttl: i64 = redis::cmd("PTTL").arg("memo:memo_tests::f@v1|a").query(&mut server.raw()).unwrap();
        assert_eq!(ttl, -1, "no ttl, no expiry");
        sleep(Duration::from_millis(150));
        assert_eq!(store.get(key(NS, b"b")).unwrap(), None);
        assert!(store.get(key(NS, b"a")).unwrap().is_some());
    }

    #[test]
    fn bytes_are_just_bytes() {
        let Some(server) = RedisServer::start() else { return };
        let store = server.store();
        let all: Vec<u8> = (0..=255).collect();
        let odd_key = b"\0|*?[x]\\\r\n\xff\xfe";
        store.set(key(NS, odd_key), &all, None).unwrap();
        store.set(key(NS, &all), b"", None).unwrap();
        assert_eq!(store.get(key(NS, odd_key)).unwrap(), Some(all.clone()));
        assert_eq!(store.get(key(NS, &all)).unwrap(), Some(Vec::new()));
        assert_eq!(store.get(key(NS, b"\0|*?[x]\\\r\n\xff")).unwrap(), None);

        let mut raw_key = b"memo:memo_tests::f@v1|".to_vec();
        raw_key.extend_from_slice(odd_key);
        let raw: Vec<u8> = redis::cmd("GET").arg(raw_key).query(&mut server.raw()).unwrap();
        assert_eq!(raw, all, "the layout is prefix, namespace, `|`, key bytes");
        assert_eq!(store.clear(NS).unwrap(), 2);
    }

    #[test]
    fn clear_removes_only_its_namespace() {
        let Some(server) = RedisServer::start() else { return };
        let store = server.store();
        for i in 0..1200_u32 {
            store.set(key(NS, &i.to_le_bytes()), b"v", None).unwrap();
        }
        let Claimed::Won(_) = store.claim(key(NS, b"c"), Duration::from_secs(60)).unwrap() else { panic!() };
        let others = ["memo_tests::f@v10", "memo_tests::f", "memo_tests::f@v"];
        for namespace in others {
            store.set(key(namespace, b"x"), b"v", None).unwrap();
        }
        let Claimed::Won(_) = store.claim(key(others[0], b"c"), Duration::from_secs(60)).unwrap() else {
            panic!()
        };
        let mut raw = server.raw();
        for plain in ["memo_tests::f@v1|x", "memo:memo_tests::f@v1", "xmemo:memo_tests::f@v1|x"] {
            redis::cmd("SET").arg(plain).arg("v").query::<()>(&mut raw).unwrap();
        }

        assert_eq!(store.clear(NS).unwrap(), 1200);
        assert_eq!(store.get(key(NS, &7_u32.to_le_bytes())).unwrap(), None);
        let Claimed::Won(_) = store.claim(key(NS, b"c"), Duration::from_secs(60)).unwrap() else {
            panic!("clear removes the namespace's claims")
        };
        for namespace in others {
            assert!(store.get(key(namespace, b"x")).unwrap().is_some(), "{namespace} kept");
        }
        let Claimed::Held = store.claim(key(others[0], b"c"), Duration::from_secs(60)).unwrap() else {
            panic!("another namespace's claim is kept")
        };
        let size: u64 = redis::cmd("DBSIZE").query(&mut raw).unwrap();
        assert_eq!(size, 3 + 1 + 3 + 1);
        assert_eq!(store.clear(NS).unwrap(), 0);
    }

    #[test]
    fn claims() {
        let Some(server) = RedisServer::start() else { return };
        let store = server.store();
        let k = key(NS, b"k");
        let Claimed::Won(first) = store.claim(k, Duration::from_secs(60)).unwrap() else { panic!() };
        assert!(matches!(store.claim(k, Duration::from_secs(60)).unwrap(), Claimed::Held));
        store.release(k, &Claim { token: "someone else".into() }).unwrap();
        assert!(matches!(store.claim(k, Duration::from_secs(60)).unwrap(), Claimed::Held), "wrong token");
        store.release(k, &first).unwrap();
        let Claimed::Won(second) = store.claim(k, Duration::from_millis(50)).unwrap() else { panic!() };
        assert_ne!(first, second);

        // The holder died: its lease runs out and the claim is taken over.
        sleep(Duration::from_millis(120));
        let Claimed::Won(third) = store.claim(k, Duration::from_secs(60)).unwrap() else { panic!() };
        store.release(k, &second).unwrap(); // late: must not free the new holder's claim
        assert!(matches!(store.claim(k, Duration::from_secs(60)).unwrap(), Claimed::Held));
        store.release(k, &third).unwrap();
        assert!(matches!(store.claim(k, Duration::from_secs(60)).unwrap(), Claimed::Won(_)));
        assert!(store.get(k).unwrap().is_none(), "claims and entries do not share keys");
    }

    #[test]
    fn tokens_are_unique() {
        let tokens: Vec<String> = (0..1000).map(|_| token()).collect();
        let mut sorted = tokens.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), tokens.len());
    }

    #[test]
    fn server_errors_keep_the_store_working() {
        let Some(server) = RedisServer::start() else { return };
        let store = server.store();
        redis::cmd("HSET")
            .arg("memo:memo_tests::f@v1|h")
            .arg("f")
            .arg("v")
            .query::<()>(&mut server.raw())
            .unwrap();
        assert!(store.get(key(NS, b"h")).is_err(), "WRONGTYPE");
        store.set(key(NS, b"a"), b"v", None).unwrap();
        assert!(store.get(key(NS, b"a")).unwrap().is_some(), "no backoff after a reply");
    }

    #[test]
    fn killed_and_restarted_server() {
        let Some(mut server) = RedisServer::start() else { return };
        let store = RedisStore::new(&Options::new(server.url()).pool_size(2));
        store.set(key(NS, b"a"), b"v", None).unwrap(); // leaves a pooled connection
        server.kill();

        let down = Instant::now();
        let mut calls = 0;
        while down.elapsed() < Duration::from_millis(1200) {
            let start = Instant::now();
            assert!(store.get(key(NS, b"a")).is_err());
            assert!(store.set(key(NS, b"a"), b"v", None).is_err());
            assert!(store.claim(key(NS, b"a"), Duration::from_secs(1)).is_err());
            assert!(store.release(key(NS, b"a"), &Claim { token: "t".into() }).is_err());
            assert!(store.clear(NS).is_err());
            assert!(start.elapsed() < Duration::from_millis(500), "bounded: {:?}", start.elapsed());
            calls += 5;
            sleep(Duration::from_millis(5));
        }
        assert!(calls > 100);

        server.restart();
        let up = Instant::now();
        while store.set(key(NS, b"a"), b"back", None).is_err() {
            assert!(up.elapsed() < Duration::from_secs(3), "no recovery after {:?}", up.elapsed());
            sleep(Duration::from_millis(10));
        }
        assert_eq!(store.get(key(NS, b"a")).unwrap().as_deref(), Some(&b"back"[..]));
        assert!(matches!(store.claim(key(NS, b"a"), Duration::from_secs(1)).unwrap(), Claimed::Won(_)));
    }

    #[test]
    fn frozen_server_times_out() {
        let Some(server) = RedisServer::start() else { return };
        let store = server.store();
        store.set(key(NS, b"a"), b"v", None).unwrap();
        let pid = server.pid().unwrap().to_string();
        let signal =
            |name: &str| assert!(Command::new("kill").args([name, &pid]).status().unwrap().success());
        signal("-STOP");
        let start = Instant::now();
        assert!(store.get(key(NS, b"a")).is_err());
        let first = start.elapsed();
        assert!(first >= Duration::from_millis(90) && first < Duration::from_millis(500), "{first:?}");
        let start = Instant::now();
        let error = store.get(key(NS, b"a")).unwrap_err().to_string();
        assert!(start.elapsed() < Duration::from_millis(50), "the breaker fails fast");
        assert!(error.contains("unavailable"), "{error}");

        signal("-CONT");
        let up = Instant::now();
        while store.get(key(NS, b"a")).is_err() {
            assert!(up.elapsed() < Duration::from_secs(3));
            sleep(Duration::from_millis(10));
        }
    }

    /// A server that accepts connections and never answers: each new connection's handshake
    /// and its command share one deadline, so a call waits one `io_timeout`, not two.
    #[test]
    fn a_silent_server_costs_one_timeout_per_call() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("redis://{}", listener.local_addr().unwrap());
        std::thread::spawn(move || {
            let held: Vec<_> = listener.incoming().map_while(core::result::Result::ok).collect();
            drop(held);
        });
        for io_timeout in [Duration::from_millis(100), Duration::from_millis(300)] {
            // Equal timeouts: a connect timeout then an I/O timeout would be twice either.
            let store =
                RedisStore::new(&Options::new(&url).io_timeout(io_timeout).connect_timeout(io_timeout));
            let start = Instant::now();
            assert!(store.get(key(NS, b"a")).is_err());
            // The call's write after its body: the breaker fails it fast.
            assert!(store.set(key(NS, b"a"), b"v", None).is_err());
            let took = start.elapsed();
            assert!(last_error().is_some_and(|error| !error.to_string().is_empty()));
            assert!(took >= io_timeout.min(Duration::from_millis(100)) * 9 / 10, "{took:?}");
            assert!(took < io_timeout * 3 / 2, "{took:?} for io_timeout {io_timeout:?}");
        }
    }

    #[test]
    fn breaker_backs_off_and_resets() {
        let mut breaker = Breaker::default();
        let t0 = Instant::now();
        let ms = |n| t0 + Duration::from_millis(n);
        let error = StoreError::new("down");
        assert!(!breaker.admit(t0).unwrap());
        breaker.failed(t0, false, &error);
        breaker.failed(t0, false, &error); // a concurrent failure does not double the backoff
        assert!(breaker.admit(ms(249)).is_err());
        assert!(breaker.admit(ms(250)).unwrap(), "the probe");
        assert!(breaker.admit(ms(251)).is_err(), "one probe at a time");
        let mut at = 250;
        for backoff in [500, 1000, 2000, 2000] {
            breaker.failed(ms(at), true, &error);
            assert!(breaker.admit(ms(at + backoff - 1)).is_err());
            at += backoff;
            assert!(breaker.admit(ms(at)).unwrap());
        }
        breaker.succeeded();
        assert!(!breaker.admit(ms(at)).unwrap());
        breaker.failed(ms(at), false, &error);
        assert!(breaker.admit(ms(at + 250)).unwrap(), "back to the first backoff");
    }

    #[test]
    fn stale_pooled_connections_are_replaced() {
        let Some(mut server) = RedisServer::start() else { return };
        let store = server.store();
        store.set(key(NS, b"a"), b"v", None).unwrap();
        server.kill();
        server.restart();
        // The pooled connection is dead; the call reconnects instead of failing.
        assert_eq!(store.get(key(NS, b"a")).unwrap(), None);
    }

    #[test]
    fn unreachable_or_invalid_urls_fail_fast() {
        for url in
            ["not a url", "redis://127.0.0.1:99999", "unix:///nonexistent/redis.sock", "redis://127.0.0.1:1"]
        {
            let store = RedisStore::new(&Options::new(url));
            for _ in 0..3 {
                let start = Instant::now();
                assert!(store.get(key(NS, b"a")).is_err(), "{url}");
                assert!(store.set(key(NS, b"a"), b"v", Some(Duration::ZERO)).is_err(), "{url}");
                assert!(store.claim(key(NS, b"a"), Duration::ZERO).is_err(), "{url}");
                assert!(store.release(key(NS, b"a"), &Claim { token: "t".into() }).is_err(), "{url}");
                assert!(store.clear(NS).is_err(), "{url}");
                assert!(start.elapsed() < Duration::from_millis(500), "{url}");
            }
        }
    }

    #[test]
    fn concurrent_calls_share_the_pool() {
        let Some(server) = RedisServer::start() else { return };
        let store = server.store();
        std::thread::scope(|s| {
            for t in 0..8_u8 {
                let store = &store;
                s.spawn(move || {
                    for i in 0..100_u8 {
                        store.set(key(NS, &[t, i]), &[i], None).unwrap();
                        assert_eq!(store.get(key(NS, &[t, i])).unwrap(), Some(vec![i]));
                    }
                });
            }
        });
        assert!(store.idle.lock().len() <= 8);
        assert_eq!(store.clear(NS).unwrap(), 800);
    }

    #[test]
    fn millis_are_clamped() {
        assert_eq!(millis(Duration::ZERO), 1);
        assert_eq!(millis(Duration::from_micros(1500)), 1);
        assert_eq!(millis(Duration::from_secs(2)), 2000);
        assert_eq!(millis(Duration::MAX), MAX_MILLIS);
    }

    #[test]
    fn patterns_escape_globs() {
        assert_eq!(pattern(ENTRY_PREFIX, "a::f@v1"), b"memo:a::f@v1|*");
        assert_eq!(pattern(CLAIM_PREFIX, "a*[b]?\\"), b"memo-claim:a\\*\\[b\\]\\?\\\\|*");
    }
}
