//! [`DiskStore`]: one SQLite file, and what it does for the tier (get, set, clear, claim,
//! release).

use core::time::Duration;
use std::sync::Arc;

use parking_lot::Mutex;
use rusqlite::{OptionalExtension, TransactionBehavior};

use super::checkpoint::Checkpoints;
use super::claims::{alive, token};
use super::evict::{BATCH, evict};
use super::hits::{Hits, touch};
use super::options::Options;
use super::pool::Pool;
use super::sql::{CLEAR_CLAIMS, CLEAR_ENTRIES, DELETE, GET, HOLDER, RELEASE, TAKE, UPSERT, now_ms, saturate};
use crate::shared::backend::{Backend, Claim, Claimed, Key, StoreError};
use crate::shared::seal::Secret;

/// A store in one SQLite file, shared by the threads of this process through a small pool of
/// connections, and with other processes through the file.
pub(super) struct DiskStore {
    pub(super) options: Options,
    pub(super) pool: Mutex<Pool>,
    pub(super) hits: Mutex<Hits>,
    secret: Option<Secret>,
    /// Checkpoints that readers held back, retried by a thread of the store's.
    pub(super) checkpoints: Arc<Checkpoints>,
}

impl DiskStore {
    /// A store in `options.path`, opened by its first operation.
    pub(super) fn new(options: Options) -> Self {
        DiskStore {
            pool: Mutex::new(Pool::new()),
            hits: Mutex::new(Hits::new()),
            secret: options.secret.clone().or_else(Secret::from_env),
            checkpoints: Arc::default(),
            options,
        }
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

#[cfg(test)]
mod tests {
    use super::super::test_support::{TempDir, key, ns, totals, won};
    use super::*;

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
}
