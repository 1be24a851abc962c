//! Durability: a thread of each store copies the write-ahead log into the file about
//! [`CHECKPOINT_DELAY`] after writes, so that the file alone soon holds every committed entry.

use core::time::Duration;

use parking_lot::Mutex;
use rusqlite::Connection;

use super::error::Fault;
use super::open::open;
use super::options::Options;
use super::store::DiskStore;
use crate::shared::backend::StoreError;

/// How long after a write the store's thread checkpoints (and retries, while readers hold
/// part of the log back): the most a committed entry stays only in the `-wal` file.
const CHECKPOINT_DELAY: Duration = Duration::from_millis(100);

/// Whether a checkpoint is due, whether the thread that makes them runs, and whether the
/// store is gone (the thread then ends).
#[derive(Default)]
pub(super) struct Checkpoints {
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

impl DiskStore {
    /// Runs a write `op`; the store's thread then copies the write-ahead log into the file
    /// within about [`CHECKPOINT_DELAY`], one checkpoint for all the writes of that time, so
    /// that no write waits for a sync of the file.
    pub(super) fn write<T>(
        &self,
        op: impl FnOnce(&mut Connection) -> Result<T, Fault>,
    ) -> Result<T, StoreError> {
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

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::super::test_support::{TempDir, entries_in_file_alone, key};
    use super::*;
    use crate::shared::backend::Backend;

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
}
