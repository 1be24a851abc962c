//! What the store's tests share: a scratch folder, keys, and the file's contents as another
//! connection sees them.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use rusqlite::Connection;

use super::sql::TOTALS;
use crate::shared::backend::{Claim, Claimed, Key};

/// A fresh directory under the system's temporary one, removed on drop.
pub(super) struct TempDir(pub(super) PathBuf);

impl TempDir {
    pub(super) fn new(name: &str) -> Self {
        static COUNT: AtomicU64 = AtomicU64::new(0);
        let count = COUNT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("memo-disk-{}-{count}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    pub(super) fn file(&self) -> PathBuf {
        self.0.join("cache.sqlite3")
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub(super) fn key<'a>(namespace: &'a str, bytes: &'a [u8]) -> Key<'a> {
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

pub(super) fn ns(i: u32) -> Vec<u8> {
    i.to_le_bytes().to_vec()
}

/// The totals, counted, and checked against the trigger-maintained ones.
pub(super) fn totals(path: &Path) -> (i64, i64) {
    let connection = Connection::open(path).unwrap();
    let counted: (i64, i64) = connection
        .query_row("SELECT count(*), coalesce(sum(size), 0) FROM entries", [], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })
        .unwrap();
    let kept: (i64, i64) = connection.query_row(TOTALS, [], |row| Ok((row.get(0)?, row.get(1)?))).unwrap();
    assert_eq!(counted, kept);
    counted
}

pub(super) fn won(claimed: Claimed) -> Claim {
    match claimed {
        Claimed::Won(claim) => claim,
        Claimed::Held => panic!("expected to win the claim"),
    }
}
