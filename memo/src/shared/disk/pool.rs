//! The connections a store keeps open for its threads, and how a failure closes them: the file
//! is reopened at most once per [`RETRY`].

use core::time::Duration;
use std::time::Instant;

use rusqlite::Connection;

use super::error::Fault;
use super::open::open;
use super::store::DiskStore;
use crate::shared::backend::StoreError;

/// After an error, the file is not reopened before this has passed.
pub(super) const RETRY: Duration = Duration::from_secs(1);
/// Idle connections kept for reuse; more are opened when threads need them, then closed.
const MAX_IDLE: usize = 8;

pub(super) struct Pool {
    idle: Vec<Pooled>,
    /// Bumped by each failure: connections of an earlier generation are closed, not reused.
    generation: u64,
    /// The schema was checked (or created) since the last failure.
    ready: bool,
    /// The last failure and when: the file is not reopened before [`RETRY`] has passed.
    failure: Option<(Instant, String)>,
}

impl Pool {
    /// No connection yet, and no failure.
    pub(super) fn new() -> Self {
        Pool { idle: Vec::new(), generation: 0, ready: false, failure: None }
    }
}

struct Pooled {
    connection: Connection,
    generation: u64,
}

impl DiskStore {
    /// Runs `op` on a pooled connection; a lasting fault closes every connection.
    pub(super) fn with<T>(
        &self,
        op: impl FnOnce(&mut Connection) -> Result<T, Fault>,
    ) -> Result<T, StoreError> {
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
}

#[cfg(test)]
mod tests {
    use rusqlite::TransactionBehavior;

    use super::super::options::Options;
    use super::super::test_support::{TempDir, key};
    use super::*;
    use crate::shared::backend::Backend;

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
}
