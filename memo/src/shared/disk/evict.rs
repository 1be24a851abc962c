//! Eviction: what a write deletes to keep the file within its bounds.

use rusqlite::Transaction;

use super::options::Options;
use super::sql::{DELETE, EXPIRED, OLDEST, TOTALS, saturate};

/// At most this many entries go per write's eviction, and per transaction of `clear`.
pub(super) const BATCH: usize = 1000;

/// Deletes entries until the file is within `options`' bounds (or [`BATCH`] went): expired
/// ones first, then the least recently used.
pub(super) fn evict(tx: &Transaction<'_>, options: &Options, now: i64) -> rusqlite::Result<()> {
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

#[cfg(test)]
mod tests {
    use core::time::Duration;

    use super::super::options::Options;
    use super::super::store::DiskStore;
    use super::super::test_support::{TempDir, key, ns, totals};
    use crate::shared::backend::Backend;

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
}
