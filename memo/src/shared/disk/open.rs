//! Opening a store's file: after [`access::prepare`], a file that is not this version's memo
//! store is only read, never written; an empty one is made a store.

use core::time::Duration;
use std::path::Path;
use std::time::Instant;

use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior};

use super::access;
use super::error::{Fault, is_busy};
use super::options::Options;
use super::sql::{APPLICATION_ID, SCHEMA, SCHEMA_VERSION};

/// A connection to the file, after [`access::prepare`] (private folders and file, nothing
/// another user could plant); checks the schema (and creates it in a new file) when
/// `check_schema`. A file that is not a memo store is never written to: it is only read.
pub(super) fn open(options: &Options, check_schema: bool) -> Result<Connection, Fault> {
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

#[cfg(test)]
mod tests {
    use super::super::pool::RETRY;
    use super::super::store::DiskStore;
    use super::super::test_support::{TempDir, key, ns};
    use super::*;
    use crate::shared::backend::{Backend, Claim};

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
}
