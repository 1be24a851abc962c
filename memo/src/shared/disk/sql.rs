//! The SQL a store runs: the schema of a new file, the statements of its operations, and the
//! integers they bind (times in unix milliseconds, sizes and counts saturated).

use std::time::{SystemTime, UNIX_EPOCH};

/// The SQLite header's application id of a memo store (`memo` in ASCII), set before anything
/// else when a store is made.
pub(super) const APPLICATION_ID: i64 = 0x6D65_6D6F;
/// The version of the schema below, kept in `meta`. A file with another version is left alone.
pub(super) const SCHEMA_VERSION: i64 = 1;

/// The tables, created in a new file. `stats` keeps the totals the bounds are checked against,
/// exact because triggers update it in the transaction that changes `entries` (an upsert fires
/// the update trigger; `INSERT OR REPLACE` would skip the delete trigger).
pub(super) const SCHEMA: &str = "
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

pub(super) const GET: &str = "SELECT value, accessed_at FROM entries
    WHERE namespace = ?1 AND key = ?2 AND (expires_at IS NULL OR expires_at > ?3)";
pub(super) const UPSERT: &str = "INSERT INTO entries VALUES (?1, ?2, ?3, ?4, ?5, ?6)
    ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value,
        expires_at = excluded.expires_at, accessed_at = excluded.accessed_at, size = excluded.size";
pub(super) const TOUCH: &str =
    "UPDATE entries SET accessed_at = max(accessed_at, ?3) WHERE namespace = ?1 AND key = ?2";
pub(super) const DELETE: &str = "DELETE FROM entries WHERE namespace = ?1 AND key = ?2";
pub(super) const TOTALS: &str = "SELECT entries, bytes FROM stats";
/// Eviction candidates, in the order they go: expired first, then least recently used. Both
/// take `(now, limit)`.
pub(super) const EXPIRED: &str = "SELECT namespace, key, size FROM entries
    WHERE expires_at <= ?1 ORDER BY expires_at LIMIT ?2";
pub(super) const OLDEST: &str = "SELECT namespace, key, size FROM entries ORDER BY accessed_at LIMIT ?2";
pub(super) const CLEAR_ENTRIES: &str = "DELETE FROM entries
    WHERE namespace = ?1 AND key IN (SELECT key FROM entries WHERE namespace = ?1 LIMIT ?2)";
pub(super) const CLEAR_CLAIMS: &str = "DELETE FROM claims
    WHERE namespace = ?1 AND key IN (SELECT key FROM claims WHERE namespace = ?1 LIMIT ?2)";
pub(super) const HOLDER: &str = "SELECT pid, expires_at FROM claims WHERE namespace = ?1 AND key = ?2";
pub(super) const TAKE: &str = "INSERT OR REPLACE INTO claims VALUES (?1, ?2, ?3, ?4, ?5)";
pub(super) const RELEASE: &str = "DELETE FROM claims WHERE namespace = ?1 AND key = ?2 AND token = ?3";

/// Unix time in milliseconds (0 before 1970).
pub(super) fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |since| saturate(since.as_millis()))
}

/// An SQLite integer, saturating.
pub(super) fn saturate(n: impl TryInto<i64>) -> i64 {
    n.try_into().unwrap_or(i64::MAX)
}
