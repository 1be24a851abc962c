//! Recency: the hits a store has not written yet, with their times, written in one
//! transaction with the next write, or once [`FLUSH_HITS`] of them or [`FLUSH_EVERY`] have
//! gathered.

use core::time::Duration;
use std::collections::HashMap;
use std::time::Instant;

use rusqlite::{Transaction, TransactionBehavior};

use super::error::LAST_ERROR;
use super::sql::TOUCH;
use super::store::DiskStore;
use crate::shared::backend::{Key, StoreError};

/// Buffered hits are written once this many gather...
const FLUSH_HITS: usize = 64;
/// ...or once this long has passed since the last flush.
const FLUSH_EVERY: Duration = Duration::from_secs(1);

/// Hits not yet written, with their times (unix ms), and when they were last written.
pub(super) struct Hits {
    times: HashMap<(String, Vec<u8>), i64>,
    flushed: Instant,
}

impl Hits {
    /// No hits yet; the next flush is due [`FLUSH_EVERY`] from now.
    pub(super) fn new() -> Self {
        Hits { times: HashMap::new(), flushed: Instant::now() }
    }
}

impl DiskStore {
    /// Remembers a hit; true when the hits are due to be written.
    pub(super) fn hit(&self, key: Key<'_>, now: i64) -> bool {
        let mut hits = self.hits.lock();
        hits.times.insert((key.namespace.to_owned(), key.bytes.to_owned()), now);
        hits.times.len() >= FLUSH_HITS || hits.flushed.elapsed() >= FLUSH_EVERY
    }

    /// The hits not yet written, which the caller writes (or loses: recency is advisory).
    pub(super) fn take_hits(&self) -> HashMap<(String, Vec<u8>), i64> {
        let mut hits = self.hits.lock();
        hits.flushed = Instant::now();
        core::mem::take(&mut hits.times)
    }

    /// Writes the buffered hits' times in one transaction, unless another connection holds
    /// the write lock: a reader never waits for a writer, and the hits wait for the next write.
    pub(super) fn flush(&self) -> Result<(), StoreError> {
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
}

/// Writes hits' times, never moving an entry's time back.
pub(super) fn touch(tx: &Transaction<'_>, hits: &HashMap<(String, Vec<u8>), i64>) -> rusqlite::Result<()> {
    if hits.is_empty() {
        return Ok(());
    }
    let mut touch = tx.prepare_cached(TOUCH)?;
    for ((namespace, key), at) in hits {
        touch.execute((namespace, key, at))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use rusqlite::Connection;

    use super::super::options::Options;
    use super::super::test_support::{TempDir, key};
    use super::*;
    use crate::shared::backend::Backend;

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
}
