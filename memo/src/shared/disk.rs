//! The disk tier: SQLite in WAL mode, shared by every process of the machine.
//!
//! `#[lru_cache(disk)]` functions keep their entries in the default store, a SQLite file at
//! [`default_path()`] whose file and bounds [`configure`] sets at start-up;
//! `#[lru_cache(disk = "path")]` names another file, with the default [`Options`]. One file
//! holds many functions, each in its own namespace, and every process that opens it shares
//! its entries: a value one process computed is a hit in the others.
//!
//! # Bounds and eviction
//!
//! A file holds at most [`Options::max_entries`] entries and [`Options::max_bytes`] bytes of
//! keys and values; SQLite's own overhead (pages, indexes, the write-ahead log) comes on top.
//! A write that goes over evicts in its own transaction: expired entries first, then the least
//! recently used, at most 1000 per write (so a file opened with lower bounds than it was
//! written with shrinks over a few writes). Each process enforces its own bounds when it
//! writes. An entry larger than `max_bytes` is not stored.
//!
//! Eviction is close to LRU, not exact, because a hit is not written to disk at once (that
//! would turn every read into a write). A hit on an entry accessed less than a second ago is
//! not recorded at all: recency has a granularity of one second, and a hot entry costs one
//! write per second rather than one per hit. A process remembers its other hits, with their times, and
//! writes them in one transaction with its next write, or once 64 hits or one second have
//! gathered. Until then eviction sees an entry's previous access time: recency lags by at most
//! 64 hits or a second of activity per process, and the hits a process has not written when it
//! exits are lost. Access times are in milliseconds; ties are evicted in key order.
//!
//! # Failures
//!
//! The store fails open: an error (missing permissions, full disk, a lock held past
//! [`Options::busy_timeout`], a corrupt file, a store refused as unsafe) reaches the tier as a
//! [`StoreError`](crate::StoreError), and the function runs as if the store missed; it is
//! counted in `f::shared_info().errors`, and [`last_error`] says why. After an error the store
//! closes its connections and reopens the file at most once a second, failing meanwhile, so a
//! transient problem heals. A file that is not a memo store (another program's SQLite
//! database, or not SQLite at all), is corrupt, or was written by an incompatible version of
//! memo is never modified or deleted: memo only reads it, through a read-only connection
//! (which never checkpoints or rolls back another program's log), and every operation fails
//! until someone removes it. A store is marked as memo's (SQLite's `application_id`) before
//! anything else is written to it.
//!
//! Readers never wait for a writer: opening a store checks it with a read transaction, and a
//! hit whose access time is due to be written skips that write while another connection holds
//! the write lock. Only writes (a miss's value, eviction, `shared_clear`) wait, up to
//! [`Options::busy_timeout`].
//!
//! # Durability
//!
//! About 100 ms after a write (a value, eviction, `shared_clear`), a thread of the store
//! copies the write-ahead log into the file: one `PASSIVE` checkpoint for all the writes of
//! that time, which waits for no one and retried every 100 ms where readers of an older
//! snapshot hold part of the log back. No call waits for it, and a hit writes nothing that
//! needs it. So about 100 ms after a write, the file alone holds every committed entry, and
//! copying or backing it up loses nothing. A process that exits (or is killed with `SIGKILL`)
//! sooner leaves its last commits in the `-wal` file beside the store, and the file
//! consistent: the next process that opens the store replays them. The write-ahead log is
//! never disabled.
//!
//! # What memo trusts
//!
//! Whoever can write a store can choose the values its functions return, and whoever can
//! read it sees every cached value. So, on Unix:
//!
//! - memo creates a store's file `0600` and its missing folders `0700` (the user's alone;
//!   [`Options::permissions`] widens both, for several users that share a store on purpose);
//! - it refuses (fails open, with the reason in [`last_error`]) a store file, its `-wal`,
//!   `-shm` or `-journal` file, or a folder on its path, that another user (other than root)
//!   owns or that others can write (group write counts unless the group is the user's own, as
//!   on `umask 002` systems), unless the folder is sticky as `/tmp` is, or the store is
//!   [trusted](Options::trust_other_users); a store of the user's with wider modes (made by
//!   an older memo) is narrowed to them;
//! - it never follows a symbolic link at the store's path or at its `-wal`, `-shm` and
//!   `-journal` files (links in the folders above are resolved);
//! - the default store lives in the user's cache folder (`$XDG_CACHE_HOME/memo` or
//!   `~/.cache/memo`), else in `memo-<uid>` under the temporary folder.
//!
//! With a secret ([`Options::secret`] or `MEMO_SECRET`), every entry also carries an
//! HMAC-SHA256 tag over its function's namespace, key and value: an entry that another
//! program wrote or changed does not verify, and is counted as corrupt and recomputed, never
//! served. The entry's expiry is sealed with it, so lifting the store's own expiry does not
//! bring an expired value back. A hit then also computes one HMAC-SHA256 of its entry: about 0.3 µs for a small
//! value, some 8% of a disk hit and 1% of a Redis hit on loopback (measured with
//! `MEMO_SECRET=s3cret cargo bench -p memo-benches --bench tiers` against the same run
//! without it).

use core::time::Duration;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use parking_lot::Mutex;
use rusqlite::{Connection, ErrorCode, OpenFlags, OptionalExtension, Transaction, TransactionBehavior};

use super::backend::{Backend, Claim, Claimed, Key, StoreError};
use super::seal::Secret;

mod access;

/// The SQLite header's application id of a memo store (`memo` in ASCII), set before anything
/// else when a store is made.
const APPLICATION_ID: i64 = 0x6D65_6D6F;
/// The version of the schema below, kept in `meta`. A file with another version is left alone.
const SCHEMA_VERSION: i64 = 1;

/// The tables, created in a new file. `stats` keeps the totals the bounds are checked against,
/// exact because triggers update it in the transaction that changes `entries` (an upsert fires
/// the update trigger; `INSERT OR REPLACE` would skip the delete trigger).
const SCHEMA: &str = "
    CREATE TABLE meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
    CREATE TABLE entries (
        namespace TEXT NOT NULL,
        key BLOB NOT NULL,
        value BLOB NOT NULL,
        expires_at INTEGER,
        accessed_at INTEGER NOT NULL,
        size INTEGER NOT NULL,
        PRIMARY KEY (namespace, key)
    ) WITHOUT ROWID;
    CREATE INDEX entries_by_access ON entries (accessed_at);
    CREATE INDEX entries_by_expiry ON entries (expires_at) WHERE expires_at IS NOT NULL;
    CREATE TABLE claims (
        namespace TEXT NOT NULL,
        key BLOB NOT NULL,
        token TEXT NOT NULL,
        pid INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        PRIMARY KEY (namespace, key)
    ) WITHOUT ROWID;
    CREATE TABLE stats (
        id INTEGER PRIMARY KEY CHECK (id = 0),
        entries INTEGER NOT NULL,
        bytes INTEGER NOT NULL
    );
    INSERT INTO stats VALUES (0, 0, 0);
    CREATE TRIGGER entries_insert AFTER INSERT ON entries BEGIN
        UPDATE stats SET entries = entries + 1, bytes = bytes + new.size;
    END;
    CREATE TRIGGER entries_delete AFTER DELETE ON entries BEGIN
        UPDATE stats SET entries = entries - 1, bytes = bytes - old.size;
    END;
    CREATE TRIGGER entries_resize AFTER UPDATE OF size ON entries BEGIN
        UPDATE stats SET bytes = bytes + new.size - old.size;
    END;
";

const GET: &str = "SELECT value, accessed_at FROM entries
    WHERE namespace = ?1 AND key = ?2 AND (expires_at IS NULL OR expires_at > ?3)";
const UPSERT: &str = "INSERT INTO entries VALUES (?1, ?2, ?3, ?4, ?5, ?6)
    ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value,
        expires_at = excluded.expires_at, accessed_at = excluded.accessed_at, size = excluded.size";
const TOUCH: &str = "UPDATE entries SET accessed_at = max(accessed_at, ?3) WHERE namespace = ?1 AND key = ?2";
const DELETE: &str = "DELETE FROM entries WHERE namespace = ?1 AND key = ?2";
const TOTALS: &str = "SELECT entries, bytes FROM stats";
/// Eviction candidates, in the order they go: expired first, then least recently used. Both
/// take `(now, limit)`.
const EXPIRED: &str = "SELECT namespace, key, size FROM entries
    WHERE expires_at <= ?1 ORDER BY expires_at LIMIT ?2";
const OLDEST: &str = "SELECT namespace, key, size FROM entries ORDER BY accessed_at LIMIT ?2";
const CLEAR_ENTRIES: &str = "DELETE FROM entries
    WHERE namespace = ?1 AND key IN (SELECT key FROM entries WHERE namespace = ?1 LIMIT ?2)";
const CLEAR_CLAIMS: &str = "DELETE FROM claims
    WHERE namespace = ?1 AND key IN (SELECT key FROM claims WHERE namespace = ?1 LIMIT ?2)";
const HOLDER: &str = "SELECT pid, expires_at FROM claims WHERE namespace = ?1 AND key = ?2";
const TAKE: &str = "INSERT OR REPLACE INTO claims VALUES (?1, ?2, ?3, ?4, ?5)";
const RELEASE: &str = "DELETE FROM claims WHERE namespace = ?1 AND key = ?2 AND token = ?3";

/// At most this many entries go per write's eviction, and per transaction of `clear`.
const BATCH: usize = 1000;
/// Buffered hits are written once this many gather...
const FLUSH_HITS: usize = 64;
/// ...or once this long has passed since the last flush.
const FLUSH_EVERY: Duration = Duration::from_secs(1);
/// The granularity of recency: see `Options::touch_after`.
const TOUCH_AFTER: Duration = Duration::from_secs(1);
/// After an error, the file is not reopened before this has passed.
const RETRY: Duration = Duration::from_secs(1);
/// How long after a write the store's thread checkpoints (and retries, while readers hold
/// part of the log back): the most a committed entry stays only in the `-wal` file.
const CHECKPOINT_DELAY: Duration = Duration::from_millis(100);
/// Idle connections kept for reuse; more are opened when threads need them, then closed.
const MAX_IDLE: usize = 8;

/// Settings of a disk store: its file, its bounds and how long it waits for a lock.
///
/// ```
/// use memo::disk::Options;
/// use std::path::Path;
/// use std::time::Duration;
///
/// let options = Options::new("/var/cache/my-app/memo.sqlite3")
///     .max_entries(10_000)
///     .max_bytes(64 << 20)
///     .busy_timeout(Duration::from_millis(250));
/// assert_eq!(options.path(), Path::new("/var/cache/my-app/memo.sqlite3"));
/// ```
#[derive(Clone, Debug)]
pub struct Options {
    path: PathBuf,
    max_entries: u64,
    max_bytes: u64,
    busy_timeout: Duration,
    /// A hit on an entry accessed less than this long ago is not written: recency is kept to
    /// this granularity, and a hot entry costs one write per interval, not one per hit.
    touch_after: Duration,
    permissions: u32,
    trust_other_users: bool,
    secret: Option<Secret>,
}

impl Options {
    /// A store in the SQLite file at `path`, created with its directories on first use; at
    /// most 100 000 entries and 256 MiB, waiting up to one second for a lock.
    ///
    /// ```
    /// let options = memo::disk::Options::new("cache/app.sqlite3");
    /// assert_eq!(options.path(), std::path::Path::new("cache/app.sqlite3"));
    /// ```
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Options {
            path: path.into(),
            max_entries: 100_000,
            max_bytes: 256 << 20,
            busy_timeout: Duration::from_secs(1),
            touch_after: TOUCH_AFTER,
            permissions: 0o600,
            trust_other_users: false,
            secret: None,
        }
    }

    /// Keeps at most `n` entries in the file, all functions together, evicting the least
    /// recently used.
    ///
    /// ```
    /// let options = memo::disk::Options::new("cache.sqlite3").max_entries(1_000);
    /// # let _ = options;
    /// ```
    pub fn max_entries(self, n: u64) -> Self {
        Options { max_entries: n, ..self }
    }

    /// Keeps at most `n` bytes of keys and values in the file, all functions together,
    /// evicting the least recently used. SQLite's overhead comes on top.
    ///
    /// ```
    /// let options = memo::disk::Options::new("cache.sqlite3").max_bytes(16 << 20);
    /// # let _ = options;
    /// ```
    pub fn max_bytes(self, n: u64) -> Self {
        Options { max_bytes: n, ..self }
    }

    /// How long an operation waits for another connection's write lock before failing (the
    /// function then runs without the store).
    ///
    /// ```
    /// use std::time::Duration;
    /// let options = memo::disk::Options::new("cache.sqlite3").busy_timeout(Duration::from_millis(100));
    /// # let _ = options;
    /// ```
    pub fn busy_timeout(self, d: Duration) -> Self {
        Options { busy_timeout: d, ..self }
    }

    /// The Unix permissions of the files and folders memo creates for the store (default
    /// `0o600`: the user's alone; folders get search where files have read, `0o700`), and the
    /// most a store's file and folders may grant others before memo refuses them. Widen it for
    /// processes of several users that share one store, as `0o660` for a group (they also need
    /// [`trust_other_users`](Options::trust_other_users) to use files the others created).
    ///
    /// ```
    /// let options = memo::disk::Options::new("/srv/cache/app.sqlite3").permissions(0o660);
    /// # let _ = options;
    /// ```
    pub fn permissions(self, mode: u32) -> Self {
        Options { permissions: mode & 0o777, ..self }
    }

    /// Uses the store even where its file or a folder on its path belongs to another user or
    /// can be written by others: for a store that several users share on purpose. Without
    /// it, such a store is refused (the function runs without it, and the reason is in
    /// [`last_error`]), because whoever can write the file can plant the results this program
    /// returns. A symbolic link at the store's path is refused either way.
    ///
    /// ```
    /// let options = memo::disk::Options::new("/srv/cache/app.sqlite3").permissions(0o660).trust_other_users();
    /// # let _ = options;
    /// ```
    pub fn trust_other_users(self) -> Self {
        Options { trust_other_users: true, ..self }
    }

    /// Authenticates every entry with this secret (HMAC-SHA256 over the function's namespace,
    /// the key and the value): an entry that does not verify, written by a program without
    /// the secret, is counted as corrupt and recomputed, never served. Every process sharing
    /// the store needs the same secret. Without this option, `MEMO_SECRET` is read; an empty
    /// secret is none.
    ///
    /// ```
    /// let options = memo::disk::Options::new("cache.sqlite3").secret("a long random string");
    /// # let _ = options;
    /// ```
    pub fn secret(self, secret: impl AsRef<[u8]>) -> Self {
        Options { secret: Secret::new(secret.as_ref()), ..self }
    }

    /// The file.
    ///
    /// ```
    /// let options = memo::disk::Options::new("/var/cache/my-app/memo.sqlite3");
    /// assert_eq!(options.path().file_name().unwrap(), "memo.sqlite3");
    /// ```
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// The stores this process opened, one per file.
struct Registry {
    /// What [`configure`] set.
    configured: Option<Options>,
    /// The default store was handed out: too late to configure it.
    default_taken: bool,
    /// Canonical path and store.
    stores: Vec<(PathBuf, Arc<DiskStore>)>,
}

static REGISTRY: Mutex<Registry> =
    Mutex::new(Registry { configured: None, default_taken: false, stores: Vec::new() });

/// Sets the default store: the one `#[lru_cache(disk)]` uses. Call it once at start-up, before
/// the first call of a disk-tier function; returns `Err` with the options if the default store,
/// or a store in the same file, is already in use.
///
/// ```
/// use memo::disk::{Options, configure, default_path};
///
/// let dir = std::env::var_os("HOME").map_or_else(std::env::temp_dir, std::path::PathBuf::from);
/// let path = dir.join(".cache").join("my-app").join("memo.sqlite3");
/// configure(Options::new(&path).max_entries(1_000)).unwrap();
/// assert_eq!(default_path(), path);
/// ```
pub fn configure(options: Options) -> core::result::Result<(), Options> {
    let mut registry = REGISTRY.lock();
    let path = canonical(&options.path);
    if registry.default_taken || registry.stores.iter().any(|(p, _)| *p == path) {
        return Err(options);
    }
    registry.configured = Some(options);
    Ok(())
}

/// The default store's file: the [configured](configure) one, else `$MEMO_DISK_PATH`, else
/// `$XDG_CACHE_HOME/memo/cache.sqlite3`, else `$HOME/.cache/memo/cache.sqlite3`, else
/// `memo-<uid>/cache.sqlite3` in [`std::env::temp_dir()`] (a folder of the user's own, created
/// private; one another user made first is refused).
///
/// ```
/// let path = memo::disk::default_path();
/// if std::env::var_os("MEMO_DISK_PATH").is_none() {
///     assert!(path.ends_with("cache.sqlite3") || path.ends_with("my-app/memo.sqlite3"));
/// }
/// ```
pub fn default_path() -> PathBuf {
    let configured = REGISTRY.lock().configured.as_ref().map(|options| options.path.clone());
    configured.unwrap_or_else(unconfigured_path)
}

/// [`default_path`] without `configure`.
fn unconfigured_path() -> PathBuf {
    let var = |name| std::env::var_os(name).filter(|value| !value.is_empty()).map(PathBuf::from);
    if let Some(path) = var("MEMO_DISK_PATH") {
        return path;
    }
    let cache = var("XDG_CACHE_HOME")
        .filter(|dir| dir.is_absolute())
        .or_else(|| var("HOME").map(|home| home.join(".cache")));
    let dir = match cache {
        Some(cache) => cache.join("memo"),
        #[cfg(unix)]
        None => std::env::temp_dir().join(format!("memo-{}", rustix::process::geteuid().as_raw())),
        #[cfg(not(unix))]
        None => std::env::temp_dir().join("memo"),
    };
    dir.join("cache.sqlite3")
}

/// The store in `path`, or the default store: one per file per process. Opens nothing: the
/// file is opened by the first operation, so that errors surface per operation.
pub(crate) fn store(path: Option<&'static str>) -> Arc<dyn Backend> {
    let mut registry = REGISTRY.lock();
    let options = match (path, &registry.configured) {
        (None, configured) => {
            let options = configured.clone().unwrap_or_else(|| Options::new(unconfigured_path()));
            registry.default_taken = true;
            options
        }
        (Some(path), Some(configured)) if canonical(&configured.path) == canonical(Path::new(path)) => {
            configured.clone()
        }
        (Some(path), _) => Options::new(path),
    };
    let path = canonical(&options.path);
    if let Some((_, store)) = registry.stores.iter().find(|(p, _)| *p == path) {
        return store.clone();
    }
    let store = Arc::new(DiskStore::new(options));
    registry.stores.push((path, store.clone()));
    store
}

/// `path` made absolute, with symbolic links resolved as far as it exists yet.
fn canonical(path: &Path) -> PathBuf {
    if let Ok(path) = path.canonicalize() {
        return path;
    }
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    match (absolute.parent(), absolute.file_name()) {
        (Some(dir), Some(name)) => dir.canonicalize().map_or(absolute.clone(), |dir| dir.join(name)),
        _ => absolute,
    }
}

/// A store in one SQLite file, shared by the threads of this process through a small pool of
/// connections, and with other processes through the file.
pub(crate) struct DiskStore {
    options: Options,
    pool: Mutex<Pool>,
    hits: Mutex<Hits>,
    secret: Option<Secret>,
    /// Checkpoints that readers held back, retried by a thread of the store's.
    checkpoints: Arc<Checkpoints>,
}

/// Whether a checkpoint is due, whether the thread that makes them runs, and whether the
/// store is gone (the thread then ends).
#[derive(Default)]
struct Checkpoints {
    due: Mutex<Due>,
    wake: parking_lot::Condvar,
}

#[derive(Default)]
struct Due {
    due: bool,
    running: bool,
    closed: bool,
}

impl Drop for DiskStore {
    fn drop(&mut self) {
        self.checkpoints.due.lock().closed = true;
        self.checkpoints.wake.notify_one();
    }
}

/// The most recent error of any disk store of this process.
static LAST_ERROR: Mutex<Option<String>> = Mutex::new(None);

/// Why the last failed operation of a disk store in this process failed (a store refused as
/// another user's, a locked or corrupt file, a full disk), or `None` if none has. The
/// functions run as if the store missed, and count it in `shared_info().errors`; this says
/// why.
///
/// ```
/// let path = std::env::temp_dir().join(format!("memo-doc-last-error-{}", std::process::id()));
/// std::fs::write(&path, b"not a database").unwrap();
/// memo::disk::configure(memo::disk::Options::new(&path)).unwrap();
///
/// #[memo::lru_cache(disk)]
/// fn square(x: u64) -> u64 { x * x }
///
/// assert_eq!(square(3), 9); // the store is refused: the body runs
/// assert!(square::shared_info().errors >= 1); // the read, and the write after the body
/// let why = memo::disk::last_error().unwrap().to_string();
/// assert!(why.contains("not a SQLite file"), "{why}");
/// # std::fs::remove_file(&path).unwrap();
/// ```
pub fn last_error() -> Option<StoreError> {
    LAST_ERROR.lock().as_deref().map(StoreError::new)
}

struct Pool {
    idle: Vec<Pooled>,
    /// Bumped by each failure: connections of an earlier generation are closed, not reused.
    generation: u64,
    /// The schema was checked (or created) since the last failure.
    ready: bool,
    /// The last failure and when: the file is not reopened before [`RETRY`] has passed.
    failure: Option<(Instant, String)>,
}

struct Pooled {
    connection: Connection,
    generation: u64,
}

/// Hits not yet written, with their times (unix ms), and when they were last written.
struct Hits {
    times: HashMap<(String, Vec<u8>), i64>,
    flushed: Instant,
}

/// Why an operation failed, and whether the same connection may be used again.
struct Fault {
    message: String,
    /// A lock held past the busy timeout: nothing is wrong with the connection.
    transient: bool,
}

impl From<rusqlite::Error> for Fault {
    fn from(error: rusqlite::Error) -> Self {
        Fault { message: error.to_string(), transient: is_busy(&error) }
    }
}

/// A lock held by another connection.
fn is_busy(error: &rusqlite::Error) -> bool {
    matches!(error.sqlite_error_code(), Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked))
}

impl From<std::io::Error> for Fault {
    fn from(error: std::io::Error) -> Self {
        Fault { message: error.to_string(), transient: false }
    }
}

impl DiskStore {
    /// A store in `options.path`, opened by its first operation.
    pub(crate) fn new(options: Options) -> Self {
        DiskStore {
            pool: Mutex::new(Pool { idle: Vec::new(), generation: 0, ready: false, failure: None }),
            hits: Mutex::new(Hits { times: HashMap::new(), flushed: Instant::now() }),
            secret: options.secret.clone().or_else(Secret::from_env),
            checkpoints: Arc::default(),
            options,
        }
    }

    /// Runs `op` on a pooled connection; a lasting fault closes every connection.
    fn with<T>(&self, op: impl FnOnce(&mut Connection) -> Result<T, Fault>) -> Result<T, StoreError> {
        let mut pooled = self.take()?;
        let result = op(&mut pooled.connection);
        match &result {
            Err(fault) if !fault.transient => self.fail(fault),
            _ => self.give_back(pooled),
        }
        result.map_err(|fault| self.error(&fault.message))
    }

    /// An idle connection, or a new one unless the last failure is too recent.
    fn take(&self) -> Result<Pooled, StoreError> {
        let (generation, check_schema) = {
            let mut pool = self.pool.lock();
            if let Some(pooled) = pool.idle.pop() {
                return Ok(pooled);
            }
            if let Some((at, message)) = &pool.failure
                && at.elapsed() < RETRY
            {
                return Err(self.error(&format!("{message} (not retried yet)")));
            }
            (pool.generation, !pool.ready)
        };
        match open(&self.options, check_schema) {
            Ok(connection) => {
                let mut pool = self.pool.lock();
                if pool.generation == generation {
                    pool.ready = true;
                    pool.failure = None;
                }
                Ok(Pooled { connection, generation })
            }
            Err(fault) => {
                if !fault.transient {
                    self.fail(&fault);
                }
                Err(self.error(&fault.message))
            }
        }
    }

    fn give_back(&self, pooled: Pooled) {
        let mut pool = self.pool.lock();
        if pooled.generation == pool.generation && pool.idle.len() < MAX_IDLE {
            pool.idle.push(pooled);
        }
    }

    fn fail(&self, fault: &Fault) {
        let mut pool = self.pool.lock();
        pool.idle.clear();
        pool.generation += 1;
        pool.ready = false;
        pool.failure = Some((Instant::now(), fault.message.clone()));
    }

    fn error(&self, message: &str) -> StoreError {
        let message = format!("disk store {}: {message}", self.options.path.display());
        *LAST_ERROR.lock() = Some(message.clone());
        StoreError::new(message)
    }

    /// Runs a write `op`; the store's thread then copies the write-ahead log into the file
    /// within about [`CHECKPOINT_DELAY`], one checkpoint for all the writes of that time, so
    /// that no write waits for a sync of the file.
    fn write<T>(&self, op: impl FnOnce(&mut Connection) -> Result<T, Fault>) -> Result<T, StoreError> {
        let written = self.with(op)?;
        self.checkpoint_soon();
        Ok(written)
    }

    /// Has the store's thread (started on first need) checkpoint soon, and again while
    /// readers hold part of the log back.
    fn checkpoint_soon(&self) {
        let mut state = self.checkpoints.due.lock();
        state.due = true;
        if state.running {
            self.checkpoints.wake.notify_one();
            return;
        }
        state.running = true;
        let (checkpoints, options) = (self.checkpoints.clone(), self.options.clone());
        let spawned = std::thread::Builder::new()
            .name("memo-disk-checkpoint".into())
            .spawn(move || checkpoint_when_due(&checkpoints, &options));
        if spawned.is_err() {
            state.running = false; // SQLite's own checkpoints (every 1000 pages) remain
        }
    }

    /// Remembers a hit; true when the hits are due to be written.
    fn hit(&self, key: Key<'_>, now: i64) -> bool {
        let mut hits = self.hits.lock();
        hits.times.insert((key.namespace.to_owned(), key.bytes.to_owned()), now);
        hits.times.len() >= FLUSH_HITS || hits.flushed.elapsed() >= FLUSH_EVERY
    }

    /// The hits not yet written, which the caller writes (or loses: recency is advisory).
    fn take_hits(&self) -> HashMap<(String, Vec<u8>), i64> {
        let mut hits = self.hits.lock();
        hits.flushed = Instant::now();
        core::mem::take(&mut hits.times)
    }

    /// Writes the buffered hits' times in one transaction, unless another connection holds
    /// the write lock: a reader never waits for a writer, and the hits wait for the next write.
    fn flush(&self) -> Result<(), StoreError> {
        let hits = self.take_hits();
        if hits.is_empty() {
            return Ok(());
        }
        // Only recency: not worth a checkpoint of its own, and its failure (the write lock
        // taken, most often) is no call's error: `last_error` keeps what it said.
        let last_error = LAST_ERROR.lock().clone();
        let written = self.with(|connection| {
            connection.busy_timeout(Duration::ZERO)?;
            let touched =
                connection.transaction_with_behavior(TransactionBehavior::Immediate).and_then(|tx| {
                    touch(&tx, &hits)?;
                    tx.commit()
                });
            connection.busy_timeout(self.options.busy_timeout)?;
            Ok(touched?)
        });
        if written.is_err() {
            *LAST_ERROR.lock() = last_error;
            let mut kept = self.hits.lock();
            for (entry, at) in hits {
                let time = kept.times.entry(entry).or_insert(at);
                *time = (*time).max(at);
            }
        }
        written
    }

    /// Deletes up to [`BATCH`] rows per statement (each its own transaction) until none is
    /// left; returns how many went.
    fn clear_batches(&self, sql: &str, namespace: &str) -> Result<u64, StoreError> {
        let mut total = 0;
        loop {
            let deleted = self.write(|connection| {
                Ok(connection.prepare_cached(sql)?.execute((namespace, saturate(BATCH)))?)
            })?;
            total += deleted as u64;
            if deleted < BATCH {
                return Ok(total);
            }
        }
    }
}

impl Backend for DiskStore {
    fn get(&self, key: Key<'_>) -> Result<Option<Vec<u8>>, StoreError> {
        let now = now_ms();
        let found: Option<(Vec<u8>, i64)> = self.with(|connection| {
            let mut get = connection.prepare_cached(GET)?;
            Ok(get
                .query_row((key.namespace, key.bytes, now), |row| Ok((row.get(0)?, row.get(1)?)))
                .optional()?)
        })?;
        let Some((value, accessed_at)) = found else { return Ok(None) };
        let stale = now.saturating_sub(accessed_at) >= saturate(self.options.touch_after.as_millis());
        if stale && self.hit(key, now) {
            // A failed flush only loses recency, and `with` already handled the error.
            let _ = self.flush();
        }
        Ok(Some(value))
    }

    fn set(&self, key: Key<'_>, value: &[u8], ttl: Option<Duration>) -> Result<(), StoreError> {
        let now = now_ms();
        let size = saturate((key.bytes.len() as u64).saturating_add(value.len() as u64));
        let expires_at = ttl.map(|ttl| now.saturating_add(saturate(ttl.as_millis())));
        let hits = self.take_hits();
        self.write(|connection| {
            let tx = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
            touch(&tx, &hits)?;
            if size > saturate(self.options.max_bytes) {
                tx.prepare_cached(DELETE)?.execute((key.namespace, key.bytes))?;
            } else {
                let mut upsert = tx.prepare_cached(UPSERT)?;
                upsert.execute((key.namespace, key.bytes, value, expires_at, now, size))?;
                drop(upsert);
                evict(&tx, &self.options, now)?;
            }
            Ok(tx.commit()?)
        })
    }

    fn clear(&self, namespace: &str) -> Result<u64, StoreError> {
        let entries = self.clear_batches(CLEAR_ENTRIES, namespace)?;
        self.clear_batches(CLEAR_CLAIMS, namespace)?;
        Ok(entries)
    }

    fn claim(&self, key: Key<'_>, lease: Duration) -> Result<Claimed, StoreError> {
        let now = now_ms();
        self.with(|connection| {
            let tx = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let holder: Option<(i64, i64)> = tx
                .prepare_cached(HOLDER)?
                .query_row((key.namespace, key.bytes), |row| Ok((row.get(0)?, row.get(1)?)))
                .optional()?;
            if let Some((pid, expires_at)) = holder
                && expires_at > now
                && alive(pid)
            {
                return Ok(Claimed::Held);
            }
            let token = token();
            let expires_at = now.saturating_add(saturate(lease.as_millis()));
            let pid = i64::from(std::process::id());
            tx.prepare_cached(TAKE)?.execute((key.namespace, key.bytes, &token, pid, expires_at))?;
            tx.commit()?;
            Ok(Claimed::Won(Claim { token }))
        })
    }

    fn release(&self, key: Key<'_>, claim: &Claim) -> Result<(), StoreError> {
        self.with(|connection| {
            connection.prepare_cached(RELEASE)?.execute((key.namespace, key.bytes, &claim.token))?;
            Ok(())
        })
    }

    fn secret(&self) -> Option<&Secret> {
        self.secret.as_ref()
    }
}

/// A connection to the file, after [`access::prepare`] (private folders and file, nothing
/// another user could plant); checks the schema (and creates it in a new file) when
/// `check_schema`. A file that is not a memo store is never written to: it is only read.
fn open(options: &Options, check_schema: bool) -> Result<Connection, Fault> {
    let refused = |why: String| Fault { message: format!("refused: {why}"), transient: false };
    let path =
        access::prepare(&options.path, options.permissions, options.trust_other_users).map_err(refused)?;
    let Some(empty) = is_sqlite_or_empty(&path)? else {
        return Err(refused("not a SQLite file; left untouched".to_owned()));
    };
    // NOFOLLOW refuses a link anywhere in the path: `path`'s folders are resolved already.
    let flags = OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_NOFOLLOW;
    if check_schema && !empty {
        // Another program's file is looked at through a read-only connection: closing a
        // read-write one could checkpoint its write-ahead log, or roll back its journal.
        let reader = Connection::open_with_flags(&path, flags | OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        reader.busy_timeout(options.busy_timeout)?;
        if let Schema::Foreign(message) = schema(&reader)? {
            return Err(Fault { message, transient: false });
        }
    }
    let flags = flags | OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE;
    let mut connection = Connection::open_with_flags(&path, flags)?;
    connection.busy_timeout(options.busy_timeout)?;
    connection.set_prepared_statement_cache_capacity(32);
    connection.pragma_update(None, "synchronous", "normal")?;
    if check_schema {
        check(&mut connection, options.busy_timeout)?;
        access::tighten(&path, options.permissions);
    }
    Ok(connection)
}

/// `Some(empty)` for a file that starts as a SQLite database does, or is empty (a new
/// store); `None` for any other.
fn is_sqlite_or_empty(path: &Path) -> Result<Option<bool>, Fault> {
    use std::io::Read;
    let mut header = Vec::with_capacity(16);
    std::fs::File::open(path)?.take(16).read_to_end(&mut header)?;
    Ok(match header.as_slice() {
        [] => Some(true),
        b"SQLite format 3\0" => Some(false),
        _ => None,
    })
}

/// What a file holds, read without taking the write lock.
enum Schema {
    /// This version's store.
    Memo,
    /// Nothing yet: a new store.
    Empty,
    /// Another program's tables, or another version of memo's: never touched.
    Foreign(String),
}

fn schema(connection: &Connection) -> rusqlite::Result<Schema> {
    let application: i64 = connection.pragma_query_value(None, "application_id", |row| row.get(0))?;
    let pages: i64 = connection.pragma_query_value(None, "page_count", |row| row.get(0))?;
    let tables: i64 =
        connection
            .query_row("SELECT count(*) FROM sqlite_schema WHERE type = 'table'", [], |row| row.get(0))?;
    let has_meta: bool =
        connection
            .query_row("SELECT count(*) > 0 FROM sqlite_schema WHERE name = 'meta'", [], |row| row.get(0))?;
    let version: Option<i64> = if has_meta {
        connection
            .query_row("SELECT value FROM meta WHERE name = 'schema'", [], |row| row.get(0))
            .optional()?
    } else {
        None
    };
    Ok(match version {
        Some(SCHEMA_VERSION) => Schema::Memo,
        Some(version) => Schema::Foreign(format!(
            "written by another version of memo (schema {version}, this one reads {SCHEMA_VERSION}); \
             left untouched: remove it or use another path"
        )),
        None if tables > 0 => {
            Schema::Foreign("not a memo store (it holds other tables); left untouched".to_owned())
        }
        // A database without tables is memo's to make only if memo began it.
        None if pages > 0 && application != APPLICATION_ID => {
            Schema::Foreign("not a memo store (another program's empty database); left untouched".to_owned())
        }
        None => Schema::Empty,
    })
}

/// Checks that the file is this version's store, reading only (a deferred transaction takes
/// no write lock, so a process opening the store while another writes goes on at once), and
/// makes an empty file a store: WAL, then the schema, in a write transaction.
fn check(connection: &mut Connection, busy_timeout: Duration) -> Result<(), Fault> {
    let refuse = |message: String| Err(Fault { message, transient: false });
    let found = {
        let tx = connection.transaction_with_behavior(TransactionBehavior::Deferred)?;
        schema(&tx)?
    };
    match found {
        Schema::Memo => return ensure_wal(connection, busy_timeout),
        Schema::Foreign(message) => return refuse(message),
        Schema::Empty => {}
    }
    // Marked first, so that a process opening the file while it is being made knows it.
    connection.pragma_update(None, "application_id", APPLICATION_ID)?;
    ensure_wal(connection, busy_timeout)?;
    let tx = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
    match schema(&tx)? {
        Schema::Memo => return Ok(()), // another process made it meanwhile
        Schema::Foreign(message) => return refuse(message),
        Schema::Empty => {}
    }
    tx.execute_batch(SCHEMA)?;
    tx.execute("INSERT INTO meta VALUES ('schema', ?1)", [SCHEMA_VERSION])?;
    Ok(tx.commit()?)
}

/// Puts a store (never another program's file) in WAL mode, which then stays in the file.
/// Switching takes a lock that SQLite does not wait for under the busy timeout: processes
/// creating one store at once retry here instead.
fn ensure_wal(connection: &Connection, busy_timeout: Duration) -> Result<(), Fault> {
    let mode: String = connection.pragma_query_value(None, "journal_mode", |row| row.get(0))?;
    if mode.eq_ignore_ascii_case("wal") {
        return Ok(());
    }
    let started = Instant::now();
    loop {
        match connection.pragma_update_and_check(None, "journal_mode", "wal", |row| row.get::<_, String>(0)) {
            Err(error) if is_busy(&error) && started.elapsed() < busy_timeout => {
                std::thread::sleep(Duration::from_millis(1));
            }
            result => return Ok(result.map(drop)?),
        }
    }
}

/// The store's checkpoint thread: [`CHECKPOINT_DELAY`] after writes, one checkpoint for them
/// all, retried while readers hold part of the log back; ends with its store. A store that
/// cannot be opened (removed, refused) is left alone until the next write.
fn checkpoint_when_due(checkpoints: &Checkpoints, options: &Options) {
    loop {
        let mut state = checkpoints.due.lock();
        while !state.due && !state.closed {
            checkpoints.wake.wait(&mut state);
        }
        if state.closed {
            return;
        }
        drop(state);
        std::thread::sleep(CHECKPOINT_DELAY);
        // Writes committed from here on set it again, for the next round.
        checkpoints.due.lock().due = false;
        if !options.path.exists() {
            continue; // removed meanwhile: nothing left to copy, nothing to recreate
        }
        if let Ok(false) = open(options, true).and_then(|connection| Ok(checkpoint(&connection)?)) {
            checkpoints.due.lock().due = true;
        }
    }
}

/// Copies the write-ahead log into the file without waiting for anyone (`PASSIVE`), so that
/// the file alone holds every committed entry; whether all of it went (readers of an older
/// snapshot, or another checkpoint under way, can hold part of it back).
fn checkpoint(connection: &Connection) -> rusqlite::Result<bool> {
    let (busy, log, done): (i64, i64, i64) =
        connection.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?))
        })?;
    Ok(busy == 0 && log == done)
}

/// Writes hits' times, never moving an entry's time back.
fn touch(tx: &Transaction<'_>, hits: &HashMap<(String, Vec<u8>), i64>) -> rusqlite::Result<()> {
    if hits.is_empty() {
        return Ok(());
    }
    let mut touch = tx.prepare_cached(TOUCH)?;
    for ((namespace, key), at) in hits {
        touch.execute((namespace, key, at))?;
    }
    Ok(())
}

/// Deletes entries until the file is within `options`' bounds (or [`BATCH`] went): expired
/// ones first, then the least recently used.
fn evict(tx: &Transaction<'_>, options: &Options, now: i64) -> rusqlite::Result<()> {
    let (entries, bytes): (i64, i64) =
        tx.prepare_cached(TOTALS)?.query_row([], |row| Ok((row.get(0)?, row.get(1)?)))?;
    let mut excess_entries = entries.saturating_sub(saturate(options.max_entries));
    let mut excess_bytes = bytes.saturating_sub(saturate(options.max_bytes));
    let mut budget = BATCH;
    for candidates in [EXPIRED, OLDEST] {
        if (excess_entries <= 0 && excess_bytes <= 0) || budget == 0 {
            break;
        }
        let mut victims: Vec<(String, Vec<u8>)> = Vec::new();
        let mut select = tx.prepare_cached(candidates)?;
        let mut rows = select.query((now, saturate(budget)))?;
        while excess_entries > 0 || excess_bytes > 0 {
            let Some(row) = rows.next()? else { break };
            victims.push((row.get(0)?, row.get(1)?));
            excess_entries -= 1;
            excess_bytes -= row.get::<_, i64>(2)?;
        }
        drop(rows);
        drop(select);
        budget -= victims.len();
        let mut delete = tx.prepare_cached(DELETE)?;
        for (namespace, key) in &victims {
            delete.execute((namespace, key))?;
        }
    }
    Ok(())
}

/// Whether process `pid` may still be running: our own, or, on Linux, one in `/proc`.
/// Elsewhere (or without `/proc`) every holder counts as alive until its lease runs out.
fn alive(pid: i64) -> bool {
    if pid == i64::from(std::process::id()) {
        return true;
    }
    if cfg!(target_os = "linux") && Path::new("/proc/self").exists() {
        return Path::new(&format!("/proc/{pid}")).exists();
    }
    true
}

/// A claim token no other claim, in any process, has: pid, thread, time and a counter.
fn token() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |since| since.as_nanos());
    let count = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{}-{:?}-{nanos}-{count}", std::process::id(), std::thread::current().id())
}

/// Unix time in milliseconds (0 before 1970).
fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |since| saturate(since.as_millis()))
}

/// An SQLite integer, saturating.
fn saturate(n: impl TryInto<i64>) -> i64 {
    n.try_into().unwrap_or(i64::MAX)
}

#[cfg(test)]
impl Options {
    /// Records every hit, however recent the entry's last access: exact recency for tests.
    pub(crate) fn touch_every_hit(self) -> Self {
        Options { touch_after: Duration::ZERO, ..self }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh directory under the system's temporary one, removed on drop.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new(name: &str) -> Self {
            static COUNT: AtomicU64 = AtomicU64::new(0);
            let count = COUNT.fetch_add(1, Ordering::Relaxed);
            let dir = std::env::temp_dir().join(format!("memo-disk-{}-{count}-{name}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            TempDir(dir)
        }

        fn file(&self) -> PathBuf {
            self.0.join("cache.sqlite3")
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn key<'a>(namespace: &'a str, bytes: &'a [u8]) -> Key<'a> {
        Key { namespace, bytes }
    }

    /// The entries a copy of the store's file alone holds, without its `-wal` (a backup).
    pub(super) fn entries_in_file_alone(path: &Path) -> i64 {
        let mut copy = path.as_os_str().to_owned();
        copy.push(".backup");
        std::fs::copy(path, &copy).unwrap();
        // Before the first checkpoint even the schema is only in the log.
        let count = Connection::open(&copy)
            .and_then(|db| db.query_row("SELECT count(*) FROM entries", [], |row| row.get::<_, i64>(0)))
            .unwrap_or(0);
        std::fs::remove_file(&copy).unwrap();
        count
    }

    fn ns(i: u32) -> Vec<u8> {
        i.to_le_bytes().to_vec()
    }

    /// The totals, counted, and checked against the trigger-maintained ones.
    fn totals(path: &Path) -> (i64, i64) {
        let connection = Connection::open(path).unwrap();
        let counted: (i64, i64) = connection
            .query_row("SELECT count(*), coalesce(sum(size), 0) FROM entries", [], |row| {
                Ok((row.get(0)?, row.get(1)?))
            })
            .unwrap();
        let kept: (i64, i64) =
            connection.query_row(TOTALS, [], |row| Ok((row.get(0)?, row.get(1)?))).unwrap();
        assert_eq!(counted, kept);
        counted
    }

    fn won(claimed: Claimed) -> Claim {
        match claimed {
            Claimed::Won(claim) => claim,
            Claimed::Held => panic!("expected to win the claim"),
        }
    }

    #[test]
    fn get_set_and_expiry() {
        let dir = TempDir::new("basic");
        let store = DiskStore::new(Options::new(dir.0.join("a/b/cache.sqlite3")));
        assert_eq!(store.get(key("f@v1", b"1")).unwrap(), None);
        store.set(key("f@v1", b"1"), b"one", None).unwrap();
        store.set(key("g@v1", b"1"), b"other", None).unwrap();
        assert_eq!(store.get(key("f@v1", b"1")).unwrap().as_deref(), Some(&b"one"[..]));
        store.set(key("f@v1", b"1"), b"uno", None).unwrap();
        assert_eq!(store.get(key("f@v1", b"1")).unwrap().as_deref(), Some(&b"uno"[..]));
        assert_eq!(store.get(key("g@v1", b"1")).unwrap().as_deref(), Some(&b"other"[..]));

        store.set(key("f@v1", b"2"), b"brief", Some(Duration::from_millis(30))).unwrap();
        assert!(store.get(key("f@v1", b"2")).unwrap().is_some());
        store.set(key("f@v1", b"3"), b"gone", Some(Duration::ZERO)).unwrap();
        assert_eq!(store.get(key("f@v1", b"3")).unwrap(), None);
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(store.get(key("f@v1", b"2")).unwrap(), None);
        assert_eq!(totals(&dir.0.join("a/b/cache.sqlite3")), (4, 4 + 6 + 6 + 5));
    }

    #[test]
    fn two_stores_share_the_file() {
        let dir = TempDir::new("shared");
        let first = DiskStore::new(Options::new(dir.file()).touch_every_hit());
        let second = DiskStore::new(Options::new(dir.file()).touch_every_hit());
        first.set(key("f@v1", b"k"), b"from first", None).unwrap();
        assert_eq!(second.get(key("f@v1", b"k")).unwrap().as_deref(), Some(&b"from first"[..]));
        second.set(key("f@v1", b"k"), b"from second", None).unwrap();
        assert_eq!(first.get(key("f@v1", b"k")).unwrap().as_deref(), Some(&b"from second"[..]));
    }

    #[test]
    fn threads_share_a_store() {
        let dir = TempDir::new("threads");
        let store = DiskStore::new(Options::new(dir.file()).touch_every_hit());
        std::thread::scope(|scope| {
            for t in 0..4u32 {
                let store = &store;
                scope.spawn(move || {
                    for i in 0..100 {
                        let k = ns(t * 1000 + i);
                        store.set(key("f@v1", &k), &k, None).unwrap();
                        assert_eq!(store.get(key("f@v1", &k)).unwrap(), Some(k));
                    }
                });
            }
        });
        assert_eq!(totals(&dir.file()).0, 400);
    }

    #[test]
    fn clear_leaves_other_namespaces() {
        let dir = TempDir::new("clear");
        let store = DiskStore::new(Options::new(dir.file()).touch_every_hit());
        for i in 0..2500 {
            store.set(key("f@v1", &ns(i)), b"f", None).unwrap();
        }
        store.set(key("f@v10", b"k"), b"prefix, not the same namespace", None).unwrap();
        store.set(key("g@v1", b"k"), b"g", None).unwrap();
        let _claim = won(store.claim(key("f@v1", b"k"), Duration::from_secs(60)).unwrap());
        assert_eq!(store.clear("f@v1").unwrap(), 2500);
        assert_eq!(store.get(key("f@v1", &ns(7))).unwrap(), None);
        assert!(store.get(key("f@v10", b"k")).unwrap().is_some());
        assert!(store.get(key("g@v1", b"k")).unwrap().is_some());
        assert!(matches!(store.claim(key("f@v1", b"k"), Duration::from_secs(60)).unwrap(), Claimed::Won(_)));
        assert_eq!(store.clear("f@v1").unwrap(), 0);
        assert_eq!(totals(&dir.file()).0, 2);
    }

    #[test]
    fn max_entries_holds_under_churn() {
        let dir = TempDir::new("entries");
        let store = DiskStore::new(Options::new(dir.file()).touch_every_hit().max_entries(1000));
        for i in 0..20_000 {
            store.set(key("f@v1", &ns(i)), b"value", None).unwrap();
            if i % 997 == 0 {
                assert!(totals(&dir.file()).0 <= 1000);
            }
        }
        assert_eq!(totals(&dir.file()).0, 1000);
        assert!(store.get(key("f@v1", &ns(19_999))).unwrap().is_some());
        assert_eq!(store.get(key("f@v1", &ns(18_999))).unwrap(), None);
    }

    #[test]
    fn max_bytes_holds_under_churn() {
        let dir = TempDir::new("bytes");
        let max = 64 << 10;
        let store = DiskStore::new(Options::new(dir.file()).touch_every_hit().max_bytes(max));
        for i in 0..20_000u32 {
            let value = vec![7; 100 + (i as usize * 37) % 400];
            store.set(key("f@v1", &ns(i)), &value, None).unwrap();
            if i % 997 == 0 {
                assert!(totals(&dir.file()).1 <= max as i64);
            }
        }
        let (entries, bytes) = totals(&dir.file());
        assert!(bytes <= max as i64 && bytes > max as i64 - 600, "{bytes}");
        assert!(entries > 100);
        // Too big to store at all: stored nothing, evicted nothing.
        store.set(key("f@v1", b"huge"), &vec![0; max as usize], None).unwrap();
        assert_eq!(store.get(key("f@v1", b"huge")).unwrap(), None);
        assert_eq!(totals(&dir.file()).0, entries);
    }

    #[test]
    fn expired_entries_go_first() {
        let dir = TempDir::new("expired");
        let store = DiskStore::new(Options::new(dir.file()).touch_every_hit().max_entries(10));
        store.set(key("f@v1", b"old"), b"kept", None).unwrap();
        for i in 0..9 {
            store.set(key("f@v1", &ns(i)), b"brief", Some(Duration::ZERO)).unwrap();
        }
        std::thread::sleep(Duration::from_millis(2));
        for i in 100..109 {
            store.set(key("f@v1", &ns(i)), b"new", None).unwrap();
        }
        assert!(store.get(key("f@v1", b"old")).unwrap().is_some());
        assert_eq!(totals(&dir.file()).0, 10);
    }

    #[test]
    fn eviction_is_close_to_lru() {
        let dir = TempDir::new("lru");
        let store = DiskStore::new(Options::new(dir.file()).touch_every_hit().max_entries(1000));
        for i in 0..1000 {
            store.set(key("f@v1", &ns(i)), b"value", None).unwrap();
        }
        std::thread::sleep(Duration::from_millis(5));
        // The oldest 100, read: 64 hits write themselves, the next `set` writes the rest.
        for i in 0..100 {
            assert!(store.get(key("f@v1", &ns(i))).unwrap().is_some());
        }
        std::thread::sleep(Duration::from_millis(5));
        for i in 1000..1500 {
            store.set(key("f@v1", &ns(i)), b"value", None).unwrap();
        }
        for i in 0..100 {
            assert!(store.get(key("f@v1", &ns(i))).unwrap().is_some(), "{i} was read, then evicted");
        }
        for i in 100..600 {
            assert_eq!(store.get(key("f@v1", &ns(i))).unwrap(), None, "{i} should have gone");
        }
        assert!(store.get(key("f@v1", &ns(600))).unwrap().is_some());
    }

    #[test]
    fn hits_written_after_a_second() {
        let dir = TempDir::new("flush");
        let store = DiskStore::new(Options::new(dir.file()).touch_every_hit());
        store.set(key("f@v1", b"k"), b"v", None).unwrap();
        let written = || -> i64 {
            Connection::open(dir.file())
                .unwrap()
                .query_row("SELECT accessed_at FROM entries", [], |row| row.get(0))
                .unwrap()
        };
        let before = written();
        std::thread::sleep(FLUSH_EVERY + Duration::from_millis(10));
        store.get(key("f@v1", b"k")).unwrap();
        assert!(written() > before);
    }

    #[test]
    fn claims() {
        let dir = TempDir::new("claims");
        let store = DiskStore::new(Options::new(dir.file()).touch_every_hit());
        let other = DiskStore::new(Options::new(dir.file()).touch_every_hit());
        let k = key("f@v1", b"k");
        let claim = won(store.claim(k, Duration::from_secs(60)).unwrap());
        assert!(matches!(other.claim(k, Duration::from_secs(60)).unwrap(), Claimed::Held));
        other.release(k, &Claim { token: "someone else's".to_owned() }).unwrap();
        assert!(matches!(other.claim(k, Duration::from_secs(60)).unwrap(), Claimed::Held));
        store.release(k, &claim).unwrap();
        let claim = won(other.claim(k, Duration::from_millis(20)).unwrap());
        std::thread::sleep(Duration::from_millis(40));
        let taken_over = won(store.claim(k, Duration::from_secs(60)).unwrap());
        assert_ne!(claim, taken_over);
        // The expired claim's release must not free the claim that took it over.
        other.release(k, &claim).unwrap();
        assert!(matches!(other.claim(k, Duration::from_secs(60)).unwrap(), Claimed::Held));
    }

    #[test]
    fn claims_of_dead_processes_are_taken_over() {
        let dir = TempDir::new("dead");
        let store = DiskStore::new(Options::new(dir.file()).touch_every_hit());
        let k = key("f@v1", b"k");
        store.set(k, b"creates the file", None).unwrap();
        let far = now_ms() + 3_600_000;
        Connection::open(dir.file())
            .unwrap()
            .execute(TAKE, ("f@v1", &b"k"[..], "planted", i64::from(u32::MAX), far))
            .unwrap();
        let claimed = store.claim(k, Duration::from_secs(60)).unwrap();
        if cfg!(target_os = "linux") {
            won(claimed);
        } else {
            assert!(matches!(claimed, Claimed::Held));
        }
    }

    #[test]
    fn garbage_file_fails_and_is_left_alone() {
        let dir = TempDir::new("garbage");
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        let garbage: Vec<u8> = (0..4096)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect();
        std::fs::write(dir.file(), &garbage).unwrap();
        let store = DiskStore::new(Options::new(dir.file()).touch_every_hit());
        let k = key("f@v1", b"k");
        let error = store.get(k).unwrap_err();
        assert!(error.to_string().contains("not a SQLite file"), "{error}");
        assert!(store.set(k, b"v", None).is_err());
        assert!(store.clear("f@v1").is_err());
        assert!(store.claim(k, Duration::from_secs(1)).is_err());
        assert!(store.release(k, &Claim { token: String::new() }).is_err());
        assert_eq!(std::fs::read(dir.file()).unwrap(), garbage);

        // Heals once the file is gone, after the retry delay.
        std::fs::remove_file(dir.file()).unwrap();
        assert!(store.get(k).is_err());
        std::thread::sleep(RETRY + Duration::from_millis(50));
        store.set(k, b"v", None).unwrap();
        assert_eq!(store.get(k).unwrap().as_deref(), Some(&b"v"[..]));
    }

    #[test]
    fn truncated_file_does_not_panic() {
        let dir = TempDir::new("truncated");
        {
            let store = DiskStore::new(Options::new(dir.file()).touch_every_hit());
            for i in 0..2000 {
                store.set(key("f@v1", &ns(i)), &[i as u8; 200], None).unwrap();
            }
        }
        let file = std::fs::OpenOptions::new().write(true).open(dir.file()).unwrap();
        let len = file.metadata().unwrap().len();
        file.set_len(len / 2).unwrap();
        drop(file);
        let store = DiskStore::new(Options::new(dir.file()).touch_every_hit());
        let mut errors = 0;
        for i in 0..2000 {
            errors += usize::from(store.get(key("f@v1", &ns(i))).is_err());
            errors += usize::from(store.set(key("f@v1", &ns(i)), b"v", None).is_err());
        }
        errors += usize::from(store.clear("f@v1").is_err());
        assert!(errors > 0);
    }

    #[test]
    fn other_schemas_are_left_alone() {
        let dir = TempDir::new("schemas");
        let k = key("f@v1", b"k");
        {
            let store = DiskStore::new(Options::new(dir.file()).touch_every_hit());
            store.set(k, b"v", None).unwrap();
        }
        Connection::open(dir.file()).unwrap().execute("UPDATE meta SET value = 99", []).unwrap();
        let error = DiskStore::new(Options::new(dir.file()).touch_every_hit()).get(k).unwrap_err();
        assert!(error.to_string().contains("another version of memo"), "{error}");
        let value: i64 = Connection::open(dir.file())
            .unwrap()
            .query_row("SELECT value FROM meta WHERE name = 'schema'", [], |row| row.get(0))
            .unwrap();
        assert_eq!(value, 99);

        let foreign = dir.0.join("foreign.sqlite3");
        Connection::open(&foreign).unwrap().execute_batch("CREATE TABLE mine (x)").unwrap();
        let error = DiskStore::new(Options::new(&foreign)).set(k, b"v", None).unwrap_err();
        assert!(error.to_string().contains("not a memo store"), "{error}");
    }

    #[test]
    fn busy_beyond_the_timeout_fails() {
        let dir = TempDir::new("busy");
        let store = DiskStore::new(
            Options::new(dir.file()).touch_every_hit().busy_timeout(Duration::from_millis(50)),
        );
        let k = key("f@v1", b"k");
        store.set(k, b"v", None).unwrap();
        let mut locker = Connection::open(dir.file()).unwrap();
        let tx = locker.transaction_with_behavior(TransactionBehavior::Exclusive).unwrap();
        let error = store.set(k, b"w", None).unwrap_err();
        assert!(error.to_string().contains("locked"), "{error}");
        drop(tx);
        // A busy error keeps the connections: no retry delay.
        store.set(k, b"w", None).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn read_only_directory_fails() {
        use std::os::unix::fs::PermissionsExt;
        let dir = TempDir::new("read-only");
        let locked = dir.0.join("locked");
        std::fs::create_dir(&locked).unwrap();
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o555)).unwrap();
        // Root writes anyway: then there is nothing to check.
        let enforced = std::fs::write(locked.join("probe"), b"").is_err();
        let store = DiskStore::new(Options::new(locked.join("sub/cache.sqlite3")));
        let result = store.set(key("f@v1", b"k"), b"v", None);
        if enforced {
            assert!(result.is_err());
        }
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).unwrap();

        let k = key("f@v1", b"k");
        DiskStore::new(Options::new(dir.file()).touch_every_hit()).set(k, b"v", None).unwrap();
        std::fs::set_permissions(dir.file(), std::fs::Permissions::from_mode(0o444)).unwrap();
        let result = DiskStore::new(Options::new(dir.file()).touch_every_hit()).set(k, b"w", None);
        if enforced {
            assert!(result.is_err());
        }
    }

    /// A reader's snapshot holds the checkpoint of a write back; the store's thread copies it
    /// into the file soon after the reader is done, with no further write to trigger it.
    #[test]
    fn a_checkpoint_held_back_by_a_reader_is_done_soon_after() {
        let dir = TempDir::new("checkpoint-retry");
        let store = DiskStore::new(Options::new(dir.file()));
        store.set(key("f@v1", b"a"), b"1", None).unwrap();
        let in_file_alone = || entries_in_file_alone(&dir.file());
        let written = Instant::now();
        while in_file_alone() < 1 {
            assert!(written.elapsed() < Duration::from_secs(2), "not checkpointed");
            std::thread::sleep(Duration::from_millis(10));
        }
        let mut reader = Connection::open(dir.file()).unwrap();
        let snapshot = reader.transaction().unwrap();
        let _: i64 = snapshot.query_row("SELECT count(*) FROM entries", [], |row| row.get(0)).unwrap();
        store.set(key("f@v1", b"b"), b"2", None).unwrap();
        std::thread::sleep(CHECKPOINT_DELAY * 3);
        assert_eq!(in_file_alone(), 1, "held back by the reader's snapshot");
        drop(snapshot);
        let done = Instant::now();
        while in_file_alone() < 2 {
            assert!(done.elapsed() < Duration::from_secs(2), "the checkpoint was never retried");
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    #[test]
    fn one_store_per_file_and_configure() {
        let dir = TempDir::new("registry");
        let path = dir.0.join("named.sqlite3");
        let path: &'static str = String::leak(path.to_str().unwrap().to_owned());
        let first = store(Some(path));
        let second = store(Some(path));
        assert!(Arc::ptr_eq(&first, &second));
        assert!(configure(Options::new(path)).is_err(), "that file is in use");

        let default = dir.0.join("default.sqlite3");
        configure(Options::new(&default).max_entries(5)).unwrap();
        assert_eq!(default_path(), default);
        let store_default = store(None);
        let default_str: &'static str = String::leak(default.to_str().unwrap().to_owned());
        assert!(Arc::ptr_eq(&store_default, &store(Some(default_str))));
        assert!(configure(Options::new(&default)).is_err(), "too late");
        for i in 0..10 {
            store_default.set(key("f@v1", &ns(i)), b"v", None).unwrap();
        }
        assert_eq!(totals(&default).0, 5);
    }
}
