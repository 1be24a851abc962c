//! [`Options`]: a store's file, its bounds, how long it waits for a lock, whom it trusts, and
//! the secret that authenticates its entries.

use core::time::Duration;
use std::path::{Path, PathBuf};

use crate::shared::seal::Secret;

/// The granularity of recency: see `Options::touch_after`.
pub(super) const TOUCH_AFTER: Duration = Duration::from_secs(1);

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
    pub(super) path: PathBuf,
    pub(super) max_entries: u64,
    pub(super) max_bytes: u64,
    pub(super) busy_timeout: Duration,
    /// A hit on an entry accessed less than this long ago is not written: recency is kept to
    /// this granularity, and a hot entry costs one write per interval, not one per hit.
    pub(super) touch_after: Duration,
    pub(super) permissions: u32,
    pub(super) trust_other_users: bool,
    pub(super) secret: Option<Secret>,
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
    /// [`last_error`](super::last_error)), because whoever can write the file can plant the
    /// results this program returns. A symbolic link at the store's path is refused either way.
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

#[cfg(test)]
impl Options {
    /// Records every hit, however recent the entry's last access: exact recency for tests.
    pub(super) fn touch_every_hit(self) -> Self {
        Options { touch_after: Duration::ZERO, ..self }
    }
}
