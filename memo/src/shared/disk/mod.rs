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

mod access;
mod checkpoint;
mod claims;
mod error;
mod evict;
mod hits;
mod open;
mod options;
mod pool;
mod registry;
mod sql;
mod store;
#[cfg(test)]
mod test_support;

pub use error::last_error;
pub use options::Options;
pub(crate) use registry::store;
pub use registry::{configure, default_path};
