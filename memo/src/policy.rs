//! The eviction policies a function's cache can follow: what a store keeps beside its recency
//! list, what a hit and an insertion tell it, and which entry leaves a full store. A policy
//! also chooses the lock its hits take. [`Lru`] (exact LRU, every call under a mutex) is
//! here; [`Clock`](crate::clock::Clock) (`read_hits`) is in `clock.rs`. A new policy is a file
//! like that one (the trait, and `FnCache::new` for it) and the option that chooses it.

use core::time::Duration;

use crate::function::FnCache;
use crate::locking::{Exclusive, Locking};
use crate::scheme::Scheme;
use crate::store::LruCache;

/// An eviction policy: per store, what it keeps, and its hooks. The hooks do nothing by
/// default, which is exact LRU: the store's recency list alone decides.
pub trait Policy: Sized + Send + Sync + 'static {
    /// The lock of its stores: [`Exclusive`], or [`Shared`](crate::locking::Shared) where hits
    /// change nothing the policy cannot record under a read lock.
    type Lock: Locking;

    /// The state of a store made in a `static` (under an [`Exclusive`] lock); a policy whose
    /// lock is made on first use starts from [`made`](Self::made) instead.
    const EMPTY: Self;

    /// The state of a store made at run time (a shard, or a lock made on first use).
    fn made() -> Self {
        Self::EMPTY
    }

    /// A hit on the entry at `index`, under a read lock: counted here.
    #[inline(always)]
    fn read_hit(&self, _index: u32) {}

    /// A miss under a read lock: counted here.
    #[inline(always)]
    fn read_miss(&self) {}

    /// The hits and misses counted under read locks.
    #[inline(always)]
    fn counted(&self) -> (u64, u64) {
        (0, 0)
    }

    /// The store was emptied.
    #[inline(always)]
    fn clear(&mut self) {}

    /// The store is about to evict its least recently used entry: the policy may reorder it.
    #[inline(always)]
    fn before_evict<K, V>(&mut self, _store: &mut LruCache<K, V, ()>) {}

    /// An entry was stored at `index`, new or in an evicted entry's place.
    #[inline(always)]
    fn stored(&mut self, _index: u32) {}

    /// The entry at `index` was removed, the store's last entry moving into its place.
    #[inline(always)]
    fn removed(&mut self, _index: u32) {}

    /// Any number of entries were removed, `len` left.
    #[inline(always)]
    fn removed_many(&mut self, _len: usize) {}
}

/// Exact LRU: every call takes the store's mutex, a hit makes its entry the most recent, and
/// the least recent entry leaves a full store.
pub struct Lru;

impl Policy for Lru {
    type Lock = Exclusive;
    const EMPTY: Self = Lru;
}

impl<S: Scheme, E> FnCache<S, E, Lru> {
    /// An empty cache; allocates nothing until the first miss.
    pub const fn new(maxsize: Option<usize>, typed: bool, shards: usize, ttl: Option<Duration>) -> Self {
        FnCache::exclusive(maxsize, typed, shards, ttl)
    }
}
