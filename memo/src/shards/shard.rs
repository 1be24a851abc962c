//! One shard of a function's cache: a store, its statistics and its keys in flight, under the
//! lock its eviction policy asks for.

use std::sync::{Arc, OnceLock};

use hashbrown::HashTable;

use crate::flight::Flight;
use crate::locking::{Exclusive, Locked, Locking, Shared};
use crate::policy::Policy;
use crate::store::LruCache;
use crate::sync::{Mutex, taking_lock};

/// One store and its lock, alone on its cache lines so that shards do not share them.
#[repr(align(128))]
pub(super) struct Shard<K, V, P: Policy> {
    lock: <P::Lock as Locking>::Lock<State<K, V, P>>,
    /// The bound of the store (made on first use under a shared lock).
    limit: usize,
}

/// A locked store: hits, misses and whatever changes the store, in either lock mode.
pub(super) struct State<K, V, P> {
    pub(super) store: LruCache<K, V, ()>,
    /// Calls counted under this lock; those under a read lock are the policy's to count.
    pub(super) hits: u64,
    pub(super) misses: u64,
    /// What the eviction policy keeps beside the store's recency list.
    pub(super) policy: P,
    /// Counts insertions: a miss that finds it unchanged at `insert` knows its key is still
    /// absent, and skips a second probe.
    pub(super) version: u64,
    /// The keys whose bodies run now, under `single_flight`.
    pub(super) flights: HashTable<InFlight<K, V>>,
}

/// A key whose value a flight computes.
pub(super) struct InFlight<K, V> {
    pub(super) hash: u64,
    pub(super) key: K,
    pub(super) flight: Arc<Flight<V>>,
}

impl<K, V, P: Policy> State<K, V, P> {
    const fn new(limit: usize, policy: P) -> Self {
        State {
            store: LruCache::with_limit(limit, ()),
            hits: 0,
            misses: 0,
            policy,
            version: 0,
            flights: HashTable::new(),
        }
    }

    /// Inserts a key known to be absent; returns the entry evicted to make room.
    #[inline(always)]
    pub(super) fn insert_unique(&mut self, hash: u64, key: K, value: V) -> Option<(K, V)> {
        if self.store.is_full() {
            self.policy.before_evict(&mut self.store);
        }
        let evicted = self.store.insert_unique(hash, key, value);
        if let Some(index) = self.store.mru_index() {
            self.policy.stored(index);
        }
        evicted
    }

    pub(super) fn remove_at(&mut self, index: u32) -> (K, V) {
        let entry = self.store.remove_at(index);
        self.policy.removed(index);
        entry
    }

    /// Removes the entry the policy evicts.
    pub(super) fn pop_lru(&mut self) -> Option<(K, V)> {
        self.policy.before_evict(&mut self.store);
        let index = self.store.lru_index()?;
        Some(self.remove_at(index))
    }

    /// Looks `hash` up under a read lock, without changing recency: a fresh value is a hit,
    /// counted by the policy.
    #[inline(always)]
    pub(super) fn glance<R>(
        &self,
        hash: u64,
        eq: impl FnMut(&K) -> bool,
        read: impl FnOnce(&V) -> Option<R>,
    ) -> Glance<R> {
        let Some(index) = self.store.find(hash, eq) else { return Glance::Absent };
        match read(self.store.value_at(index)) {
            Some(value) => {
                self.policy.read_hit(index);
                Glance::Hit(value)
            }
            None => Glance::Stale,
        }
    }
}

/// A shard's state, locked for writing.
pub(super) type Written<'a, K, V, P> = Locked<<<P as Policy>::Lock as Locking>::Write<'a, State<K, V, P>>>;

/// A shard's state, locked for reading.
pub(super) type Read<'a, K, V, P> = Locked<<<P as Policy>::Lock as Locking>::Read<'a, State<K, V, P>>>;

/// What a lookup under a read lock found.
pub(super) enum Glance<R> {
    Hit(R),
    Absent,
    /// A value that expired: it leaves under the write lock.
    Stale,
}

impl<K, V, P: Policy> Shard<K, V, P> {
    /// A shard of at most `limit` entries (non-`const`: for shards made at run time).
    pub(super) fn new(limit: usize) -> Self {
        Shard { lock: P::Lock::new(|| Self::state(limit)), limit }
    }

    /// Takes the lock for writing, unless this thread holds it already: it is running a key's
    /// `Eq` or a value's `Clone` under this lock, which called the function again. Waiting
    /// would deadlock, so that nested call goes without.
    #[inline]
    pub(super) fn lock(&self) -> Option<Written<'_, K, V, P>> {
        let address = core::ptr::from_ref(self).addr();
        if !taking_lock(address) {
            return None;
        }
        Some(Locked { address, guard: P::Lock::write(&self.lock, || self.make()) })
    }

    /// Takes the lock for reading, as [`lock`](Self::lock) does for writing; `None` also
    /// where the lock has no read mode.
    #[inline(always)]
    pub(super) fn read(&self) -> Option<Read<'_, K, V, P>> {
        if !P::Lock::READ_HITS {
            return None;
        }
        let address = core::ptr::from_ref(self).addr();
        if !taking_lock(address) {
            return None;
        }
        Some(Locked { address, guard: P::Lock::read(&self.lock, || self.make())? })
    }

    /// The state of a lock made on first use.
    fn make(&self) -> State<K, V, P> {
        Self::state(self.limit)
    }

    fn state(limit: usize) -> State<K, V, P> {
        State::new(limit, P::made())
    }
}

impl<K, V, P: Policy<Lock = Exclusive>> Shard<K, V, P> {
    /// A shard under a mutex, made in a `static`.
    pub(super) const fn exclusive(limit: usize) -> Self {
        Shard { lock: Mutex::new(State::new(limit, P::EMPTY)), limit }
    }
}

impl<K, V, P: Policy<Lock = Shared>> Shard<K, V, P> {
    /// A shard under a read-write lock, made on first use.
    pub(super) const fn shared(limit: usize) -> Self {
        Shard { lock: OnceLock::new(), limit }
    }
}

/// The bound of each shard's store: the cache's (the shards share it through `total`).
pub(super) const fn limit(maxsize: Option<usize>) -> usize {
    match maxsize {
        Some(maxsize) => maxsize,
        None => usize::MAX,
    }
}
