//! The locked stores behind one memoized function, with their statistics: one store for exact
//! LRU, or several (`shards = N`) that threads hit without contending. Shards share the bound:
//! while the cache holds fewer than `maxsize` entries any shard may grow, and once it is full a
//! shard that stores a new entry evicts its own least recently used one. Recency is exact
//! within a shard, approximate across them. The eviction [`Policy`] decides what else a store
//! keeps and which lock its hits take (`shard.rs`).

use core::sync::atomic::Ordering::Relaxed;
use std::sync::OnceLock;

use crate::locking::{Exclusive, Shared};
use crate::policy::{Lru, Policy};
use crate::sync::{AtomicU64, AtomicUsize};

use std::sync::Arc;

use crate::flight::Flight;
use crate::key::SameKey;
use crate::store::LruCache;
use crate::{CacheInfo, CacheParameters};

mod shard;

use shard::{Glance, InFlight, Shard, State, limit};

/// A pending entry: the key of a miss, waiting for the body's value.
pub struct Slot<K> {
    pub(crate) hash: u64,
    /// `None` when the value is not to be stored (`maxsize = 0`, or a nested call).
    pub(crate) key: Option<K>,
    /// The shard's version when the call missed.
    pub(crate) version: u64,
}

/// What a lookup under `single_flight` found.
pub enum Joined<V, L, W> {
    /// The cached value, cloned.
    Hit(V),
    /// Not cached, and no other call computes it: run the body, then land the flight.
    Lead(L),
    /// Another call computes it: wait for its value.
    Wait(W),
}

/// What [`Core::join`] found: a hit, a flight to lead (`None`: run uncached), or one to wait for.
pub(crate) type CoreJoined<R, V> = Joined<R, Option<Arc<Flight<V>>>, Arc<Flight<V>>>;

/// What a lookup found.
pub(crate) enum Found<V> {
    Hit(V),
    /// `storable`: whether the body's value may be stored; `version`: the shard's version.
    Miss {
        storable: bool,
        version: u64,
    },
}

/// The locked stores of one function, and the `cache_info` / `cache_clear` /
/// `cache_parameters` companions.
pub(crate) struct Core<K, V, P: Policy = Lru> {
    params: CacheParameters,
    shard_count: usize,
    /// The only shard of an exact-LRU cache; shard 0 of a sharded one.
    first: Shard<K, V, P>,
    /// Shards 1.. of a sharded cache, made on first use.
    rest: OnceLock<Box<[Shard<K, V, P>]>>,
    /// Entries in all shards of a sharded cache, kept under each shard's lock.
    total: AtomicUsize,
    /// Misses of nested calls that ran without the lock, or without waiting for a flight.
    unlocked_misses: AtomicU64,
    /// Calls that waited for another's flight and got its value (`single_flight`).
    waited_hits: AtomicU64,
}

impl<K, V, P: Policy<Lock = Exclusive>> Core<K, V, P> {
    /// `shards` stores (at least one) under mutexes, together bounded by `params.maxsize`.
    pub(crate) const fn exclusive(params: CacheParameters, shards: usize) -> Self {
        Core::with_first(params, shards, Shard::exclusive(limit(params.maxsize)))
    }
}

impl<K, V, P: Policy<Lock = Shared>> Core<K, V, P> {
    /// As [`Core::exclusive`], with hits under a read lock.
    pub(crate) const fn shared(params: CacheParameters, shards: usize) -> Self {
        Core::with_first(params, shards, Shard::shared(limit(params.maxsize)))
    }
}

impl<K, V, P: Policy> Core<K, V, P> {
    const fn with_first(params: CacheParameters, shards: usize, first: Shard<K, V, P>) -> Self {
        let shard_count = if shards == 0 { 1 } else { shards };
        Core {
            params,
            shard_count,
            first,
            rest: OnceLock::new(),
            total: AtomicUsize::new(0),
            unlocked_misses: AtomicU64::new(0),
            waited_hits: AtomicU64::new(0),
        }
    }

    /// The shard of `hash`, from bits that hashbrown's index and tags do not use.
    #[inline]
    fn shard(&self, hash: u64) -> &Shard<K, V, P> {
        if self.shard_count == 1 {
            return &self.first;
        }
        let index = ((((hash >> 32) & 0xFF_FFFF) * self.shard_count as u64) >> 24) as usize;
        match index.checked_sub(1) {
            None => &self.first,
            Some(index) => &self.rest()[index],
        }
    }

    fn rest(&self) -> &[Shard<K, V, P>] {
        self.rest
            .get_or_init(|| (1..self.shard_count).map(|_| Shard::new(limit(self.params.maxsize))).collect())
    }

    fn shards(&self) -> impl Iterator<Item = &Shard<K, V, P>> {
        let rest = if self.shard_count == 1 { &[][..] } else { self.rest() };
        core::iter::once(&self.first).chain(rest)
    }

    /// The statistics, as `functools`' `cache_info()`.
    pub(crate) fn cache_info(&self) -> CacheInfo {
        let mut info = CacheInfo { maxsize: self.params.maxsize, ..CacheInfo::default() };
        info.misses = self.unlocked_misses.load(Relaxed);
        info.hits = self.waited_hits.load(Relaxed);
        for state in self.shards().filter_map(Shard::lock) {
            let (hits, misses) = state.policy.counted();
            info.hits += state.hits + hits;
            info.misses += state.misses + misses;
            info.currsize += state.store.len();
        }
        info
    }

    /// Empties the cache and resets its statistics, as `functools`' `cache_clear()`.
    pub(crate) fn cache_clear(&self) {
        self.unlocked_misses.store(0, Relaxed);
        self.waited_hits.store(0, Relaxed);
        for shard in self.shards() {
            let old = shard.lock().map(|mut state| {
                state.hits = 0;
                state.misses = 0;
                state.policy.clear();
                self.total.fetch_sub(state.store.len(), Relaxed);
                core::mem::replace(&mut state.store, LruCache::with_limit(limit(self.params.maxsize), ()))
            });
            drop(old); // outside the lock: a value's `Drop` may call this function again
        }
    }

    /// The options the function was declared with, as `functools`' `cache_parameters()`.
    pub(crate) fn cache_parameters(&self) -> CacheParameters {
        self.params
    }

    /// Looks `hash` up, counting a hit or a miss; `read` clones a found value, or returns
    /// `None` for a value that expired, which then leaves the cache.
    #[inline(always)]
    pub(crate) fn find<R>(
        &self,
        hash: u64,
        mut eq: impl FnMut(&K) -> bool,
        read: impl Fn(&V) -> Option<R>,
    ) -> Found<R> {
        let shard = self.shard(hash);
        if let Some(state) = shard.read() {
            match state.glance(hash, &mut eq, &read) {
                Glance::Hit(value) => return Found::Hit(value),
                Glance::Absent => {
                    state.policy.read_miss();
                    return Found::Miss { storable: self.params.maxsize != Some(0), version: state.version };
                }
                Glance::Stale => {} // it leaves below, under the write lock
            }
        }
        let Some(mut guard) = shard.lock() else {
            self.unlocked_misses.fetch_add(1, Relaxed);
            return Found::Miss { storable: false, version: 0 };
        };
        let state = &mut *guard;
        let stale = match self.probe(state, hash, eq, read) {
            Ok(value) => return Found::Hit(value),
            Err(stale) => stale,
        };
        state.misses += 1;
        let miss = Found::Miss { storable: self.params.maxsize != Some(0), version: state.version };
        drop(guard);
        drop(stale); // outside the lock: a value's `Drop` may call this function again
        miss
    }

    /// Looks `hash` up in a locked shard: a fresh value is a hit, counted and made the most
    /// recent; otherwise `Err`, with the expired entry that left, to be dropped outside the
    /// lock (built only on a miss, so that a hit has nothing to drop).
    #[inline(always)]
    fn probe<R>(
        &self,
        state: &mut State<K, V, P>,
        hash: u64,
        eq: impl FnMut(&K) -> bool,
        read: impl FnOnce(&V) -> Option<R>,
    ) -> Result<R, Option<(K, V)>> {
        let Some(index) = state.store.find(hash, eq) else { return Err(None) };
        match read(state.store.promote(index)) {
            Some(value) => {
                state.hits += 1;
                Ok(value)
            }
            None => {
                self.total.fetch_sub(1, Relaxed);
                Err(Some(state.remove_at(index)))
            }
        }
    }

    /// Looks `hash` up as [`find`](Self::find) does; on a miss, joins the key's flight, or
    /// starts one holding `key()` and counts the miss. A nested call under the lock leads no
    /// flight (`None`): it runs the body without the cache.
    #[inline]
    pub(crate) fn join<R>(
        &self,
        hash: u64,
        mut eq: impl FnMut(&K) -> bool,
        read: impl Fn(&V) -> Option<R>,
        key: impl FnOnce() -> K,
    ) -> CoreJoined<R, V> {
        let shard = self.shard(hash);
        if let Some(state) = shard.read()
            && let Glance::Hit(value) = state.glance(hash, &mut eq, &read)
        {
            return Joined::Hit(value);
        }
        let Some(mut guard) = shard.lock() else {
            self.unlocked_misses.fetch_add(1, Relaxed);
            return Joined::Lead(None);
        };
        let state = &mut *guard;
        let stale = match self.probe(state, hash, &mut eq, read) {
            Ok(value) => return Joined::Hit(value),
            Err(stale) => stale,
        };
        let joined = match state.flights.find(hash, |in_flight| eq(&in_flight.key)) {
            Some(in_flight) if !in_flight.flight.has_landed() => Joined::Wait(Arc::clone(&in_flight.flight)),
            found => {
                if found.is_some() {
                    // Landed, but not taken out (its leader could not lock): start afresh.
                    let _ = state
                        .flights
                        .find_entry(hash, |in_flight| eq(&in_flight.key))
                        .map(|entry| entry.remove());
                }
                state.misses += 1;
                let flight = Flight::new();
                let in_flight = InFlight { hash, key: key(), flight: Arc::clone(&flight) };
                state.flights.insert_unique(hash, in_flight, |in_flight| in_flight.hash);
                Joined::Lead(Some(flight))
            }
        };
        drop(guard);
        drop(stale); // outside the lock
        joined
    }

    /// Ends a flight: stores `stored` unless the key is cached already (or `maxsize = 0`),
    /// and hands `shared` to the waiters; keys compare as `M` says.
    pub(crate) fn land<M: SameKey<K>>(&self, hash: u64, flight: &Arc<Flight<V>>, stored: V, shared: V) {
        let (mut key, mut evicted, mut stored) = (None, None, Some(stored));
        if let Some(mut state) = self.shard(hash).lock() {
            let state = &mut *state;
            if let Some(landed) = Self::take_flight(state, hash, flight) {
                match stored.take() {
                    Some(value) if self.params.maxsize != Some(0) => {
                        evicted = self.place::<M>(state, hash, landed, value, u64::MAX);
                    }
                    value => (key, stored) = (Some(landed), value),
                }
            }
        }
        drop((key, evicted, stored)); // outside the lock
        flight.land(Some(shared));
    }

    /// Ends a flight whose leader gave up: its waiters retry.
    pub(crate) fn abandon(&self, hash: u64, flight: &Arc<Flight<V>>) {
        let key = self.shard(hash).lock().and_then(|mut state| Self::take_flight(&mut state, hash, flight));
        drop(key); // outside the lock
        flight.land(None);
    }

    /// Takes `flight` out of the keys in flight; returns its key.
    fn take_flight(state: &mut State<K, V, P>, hash: u64, flight: &Arc<Flight<V>>) -> Option<K> {
        let entry =
            state.flights.find_entry(hash, |in_flight| Arc::ptr_eq(&in_flight.flight, flight)).ok()?;
        let (InFlight { key, .. }, _) = entry.remove();
        Some(key)
    }

    /// Counts a call that waited for a flight: a hit when it got the value, a miss when it
    /// runs the body itself.
    pub(crate) fn count_waited(&self, hit: bool) {
        match hit {
            true => self.waited_hits.fetch_add(1, Relaxed),
            false => self.unlocked_misses.fetch_add(1, Relaxed),
        };
    }

    /// The value of `hash` that `eq` accepts, read without counting or changing recency.
    pub(crate) fn peek<R>(
        &self,
        hash: u64,
        eq: impl FnMut(&K) -> bool,
        read: impl FnOnce(&V) -> Option<R>,
    ) -> Option<R> {
        let state = self.shard(hash).lock()?;
        let index = state.store.find(hash, eq)?;
        read(state.store.value_at(index))
    }

    /// Removes the entry of `hash` that `eq` accepts, and returns it.
    pub(crate) fn remove(&self, hash: u64, eq: impl FnMut(&K) -> bool) -> Option<(K, V)> {
        let mut state = self.shard(hash).lock()?;
        let index = state.store.find(hash, eq)?;
        self.total.fetch_sub(1, Relaxed);
        Some(state.remove_at(index))
    }

    /// Stores `value` for the slot's key as the most recently used entry, replacing any value
    /// it has.
    pub(crate) fn put<M: SameKey<K>>(&self, slot: Slot<K>, value: V) {
        let Slot { hash, key: Some(key), .. } = slot else { return };
        let mut value = Some(value);
        let replaced = self.shard(hash).lock().and_then(|mut state| {
            let index = state.store.find(hash, |k| M::same(k, &key))?;
            state.store.promote(index);
            Some(core::mem::replace(state.store.value_at_mut(index), value.take()?))
        });
        drop(replaced); // outside the lock
        if let Some(value) = value {
            // A version no lookup saw: `insert` looks the key up again.
            self.insert::<M>(Slot { hash, key: Some(key), version: u64::MAX }, value);
        }
    }

    /// Removes the entries `expired` accepts, from every shard.
    pub(crate) fn purge(&self, mut expired: impl FnMut(&V) -> bool) {
        for shard in self.shards() {
            let gone = shard.lock().map(|mut state| {
                let gone = state.store.extract_if(|_, value| expired(value));
                let len = state.store.len();
                state.policy.removed_many(len);
                self.total.fetch_sub(gone.len(), Relaxed);
                gone
            });
            drop(gone); // outside the lock
        }
    }

    /// Stores a computed value, unless a concurrent call stored one for the key first.
    #[inline]
    pub(crate) fn insert<M: SameKey<K>>(&self, slot: Slot<K>, value: V) {
        let Slot { hash, key: Some(key), version } = slot else { return };
        let evicted = self
            .shard(hash)
            .lock()
            .and_then(|mut state| self.place::<M>(&mut state, hash, key, value, version));
        drop(evicted); // outside the lock: a value's `Drop` may call this function again
    }

    /// Stores `key` and `value` in a locked shard unless the key is there already; `version`
    /// is the shard's when the key was missed. Returns what left the cache, to be dropped
    /// outside the lock.
    #[inline]
    fn place<M: SameKey<K>>(
        &self,
        state: &mut State<K, V, P>,
        hash: u64,
        key: K,
        value: V,
        version: u64,
    ) -> Option<(K, V)> {
        if state.version != version && state.store.find(hash, |k| M::same(k, &key)).is_some() {
            return Some((key, value));
        }
        state.version += 1;
        match self.params.maxsize {
            Some(maxsize) if self.shard_count > 1 => self.insert_shared(state, maxsize, hash, key, value),
            _ => state.insert_unique(hash, key, value),
        }
    }

    /// Inserts into one shard of a sharded cache bounded by `maxsize` in all: a free place if
    /// there is one, or else the place of this shard's least recently used entry.
    fn insert_shared(
        &self,
        state: &mut State<K, V, P>,
        maxsize: usize,
        hash: u64,
        key: K,
        value: V,
    ) -> Option<(K, V)> {
        // A full cache stays full: only a cache with room pays for the shared counter.
        if self.total.load(Relaxed) < maxsize {
            if self.total.fetch_add(1, Relaxed) < maxsize {
                return state.insert_unique(hash, key, value);
            }
            self.total.fetch_sub(1, Relaxed);
        }
        match state.pop_lru() {
            Some(evicted) => {
                state.insert_unique(hash, key, value);
                Some(evicted)
            }
            None => Some((key, value)), // full, and this shard holds nothing to give up
        }
    }
}
