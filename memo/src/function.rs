//! The cache of a memoized function, [`FnCache`]: one type for every function, its keys as its
//! key [`Scheme`] stores them ([`Typed`](crate::scheme::Typed) or
//! [`Erased`](crate::scheme::Erased)), its values as [`Held`] holds them, its eviction as its
//! [`Policy`] says, and the steps of the call protocol (`call.rs`) over its locked stores
//! (`shards/`).
//!
//! The protocol is functools': look the key up under the lock; on a miss, release the lock,
//! run the body, then lock again and store the value unless another call stored one first.
//! Keys are hashed once, before locking. User code that runs under the lock (a key's `Eq`, a
//! value's `Clone`) may call the function again: such a nested call never waits for the
//! lock, it runs its body uncached instead (see `shards/shard.rs`).

use core::marker::PhantomData;
use core::time::Duration;
use std::sync::Arc;

use crate::CacheParameters;
use crate::flight::{Computing, Flight, Waited};
use crate::held::{Held, Holds};
use crate::key::SameKey;
use crate::locking::{Exclusive, Shared};
use crate::policy::{Lru, Policy};
use crate::registry::{Registration, Reported};
use crate::scheme::{Keys, Scheme};
use crate::shards::{Core, CoreJoined, Found, Joined, Slot};

/// What a lookup found.
pub enum Lookup<V, S> {
    /// The cached value, cloned.
    Hit(V),
    /// Not cached: run the body, then hand the slot back to `store`.
    Miss(S),
}

/// The call that computes a key's value under `single_flight`. Dropped without landing (the
/// body panicked, or its future was dropped), it releases the waiters, one of which leads next.
pub struct Leader<'a, K, E, P: Policy = Lru> {
    core: &'a Core<K, E, P>,
    hash: u64,
    /// `None` for a nested call that runs without the cache.
    flight: Option<Arc<Flight<E>>>,
}

impl<K, E, P: Policy> Leader<'_, K, E, P> {
    /// Marks this thread as computing the flight while the body runs.
    #[inline]
    pub fn computing(&self) -> Option<Computing> {
        self.flight.as_ref().map(|flight| Computing::enter(flight.id()))
    }

    /// The flight, to run an `async` body as its computation.
    #[inline]
    pub fn id(&self) -> Option<u64> {
        self.flight.as_ref().map(|flight| flight.id())
    }

    /// Lands the flight with `value` (stored, and shared with the waiters), keys comparing as
    /// `M` says; `None`: the leader gives up.
    fn land<M: SameKey<K>>(mut self, value: Option<(E, E)>) {
        match (self.flight.take(), value) {
            (Some(flight), Some((stored, shared))) => self.core.land::<M>(self.hash, &flight, stored, shared),
            (Some(flight), None) => self.core.abandon(self.hash, &flight),
            (None, _) => {}
        }
    }
}

impl<K, E, P: Policy> Drop for Leader<'_, K, E, P> {
    fn drop(&mut self) {
        if let Some(flight) = self.flight.take() {
            self.core.abandon(self.hash, &flight);
        }
    }
}

/// A call waiting for another's computation of its key under `single_flight`.
pub struct Waiter<'a, K, E, V, P: Policy = Lru> {
    core: &'a Core<K, E, P>,
    flight: Arc<Flight<E>>,
    value: PhantomData<fn() -> V>,
}

impl<K, E: Holds<V>, V, P: Policy> Waiter<'_, K, E, V, P> {
    /// Blocks until the leader lands.
    pub fn wait(self) -> Waited<V> {
        self.count(self.flight.wait(E::read))
    }

    /// Awaits the leader's landing.
    pub async fn wait_async(self) -> Waited<V> {
        let waited = crate::flight::wait_async(Arc::clone(&self.flight), E::read).await;
        self.count(waited)
    }

    fn count(&self, waited: Waited<V>) -> Waited<V> {
        match &waited {
            Waited::Value(_) => self.core.count_waited(true),
            Waited::Direct => self.core.count_waited(false),
            Waited::Retry => {}
        }
        waited
    }
}

/// What a call under `single_flight` found in cache `FnCache<S, E, P>`.
pub(crate) type FnJoined<'a, S, E, V, P> =
    Joined<V, Leader<'a, <S as Scheme>::Key, E, P>, Waiter<'a, <S as Scheme>::Key, E, V, P>>;

/// The cache of a memoized function: keys as scheme `S` stores them, values as `E` holds them.
///
/// `P`: its eviction policy, [`Lru`] (exact LRU) or [`Clock`](crate::clock::Clock)
/// (`read_hits`).
pub struct FnCache<S: Scheme, E, P: Policy = Lru> {
    core: Core<S::Key, E, P>,
    ttl: Option<Duration>,
    registration: Registration,
}

impl<S: Scheme, E, P: Policy<Lock = Exclusive>> FnCache<S, E, P> {
    /// An empty cache under mutexes (its policy's `new` calls this).
    pub(crate) const fn exclusive(
        maxsize: Option<usize>,
        typed: bool,
        shards: usize,
        ttl: Option<Duration>,
    ) -> Self {
        let core = Core::exclusive(CacheParameters { maxsize, typed }, shards);
        FnCache { core, ttl, registration: Registration::new() }
    }
}

impl<S: Scheme, E, P: Policy<Lock = Shared>> FnCache<S, E, P> {
    /// An empty cache whose hits take a read lock (its policy's `new` calls this).
    pub(crate) const fn shared(
        maxsize: Option<usize>,
        typed: bool,
        shards: usize,
        ttl: Option<Duration>,
    ) -> Self {
        let core = Core::shared(CacheParameters { maxsize, typed }, shards);
        FnCache { core, ttl, registration: Registration::new() }
    }
}

impl<S: Scheme, E: Held, P: Policy> FnCache<S, E, P>
where
    Self: Send + Sync,
{
    /// Looks a call up: a hit clones the cached value. Always inlined: as a call, it returns
    /// its large `Lookup` through memory, a fifth of a hit's cost.
    #[inline(always)]
    pub fn lookup<Q, V>(&self, tag: S::Tag, parts: &Q) -> Lookup<V, Slot<S::Key>>
    where
        S: Keys<Q>,
        E: Holds<V>,
    {
        let hash = S::hash(tag, parts);
        match self.core.find(hash, |key| S::matches(tag, parts, key), E::read) {
            Found::Hit(value) => Lookup::Hit(value),
            Found::Miss { storable, version } => {
                Lookup::Miss(Slot { hash, key: storable.then(|| S::key(tag, parts)), version })
            }
        }
    }

    /// Stores the body's value for a missed call (`None`: nothing to store, as for `Err`),
    /// unless a racing call stored one for the key first; keys compare as `M` says.
    #[inline]
    pub fn store<V, M: SameKey<S::Key>>(&self, slot: Slot<S::Key>, value: Option<&V>)
    where
        E: Holds<V>,
    {
        if let (Some(value), true) = (value, slot.key.is_some()) {
            self.core.insert::<M>(slot, E::hold(value, self.ttl));
        }
    }

    /// Looks a call up under `single_flight`: a hit, or the call leads the key's flight, or
    /// waits for it.
    #[inline]
    pub fn join<Q, V>(&self, tag: S::Tag, parts: &Q) -> FnJoined<'_, S, E, V, P>
    where
        S: Keys<Q>,
        E: Holds<V>,
    {
        let hash = S::hash(tag, parts);
        let found: CoreJoined<V, E> =
            self.core.join(hash, |key| S::matches(tag, parts, key), E::read, || S::key(tag, parts));
        let core = &self.core;
        match found {
            Joined::Hit(value) => Joined::Hit(value),
            Joined::Lead(flight) => Joined::Lead(Leader { core, hash, flight }),
            Joined::Wait(flight) => Joined::Wait(Waiter { core, flight, value: PhantomData }),
        }
    }

    /// Ends a leader's flight with the body's value (`None`: nothing to store or share).
    #[inline]
    pub fn land<V, M: SameKey<S::Key>>(&self, leader: Leader<'_, S::Key, E, P>, value: Option<&V>)
    where
        E: Holds<V>,
    {
        leader.land::<M>(value.map(|value| (E::hold(value, self.ttl), E::hold(value, self.ttl))));
    }

    /// The statistics, as `functools`' `cache_info()`; expired entries are not counted.
    pub fn cache_info(&self) -> crate::CacheInfo {
        if self.ttl.is_some() {
            self.core.purge(Held::expired);
        }
        self.core.cache_info()
    }

    /// Empties the cache and resets its statistics, as `functools`' `cache_clear()`.
    pub fn cache_clear(&self) {
        self.core.cache_clear();
    }

    /// The options the function was declared with, as `functools`' `cache_parameters()`.
    pub fn cache_parameters(&self) -> CacheParameters {
        self.core.cache_parameters()
    }

    /// Lists the cache in [`crate::caches`], once; called on a miss. `owner` is a method's
    /// `Self` type, or `""`.
    #[inline]
    pub fn register(&'static self, module: &'static str, owner: &'static str, function: &'static str) {
        self.registration.list(self, module, owner, function);
    }

    /// The cached value of a call, if any, without counting it or changing its recency.
    pub fn peek<Q, V>(&self, tag: S::Tag, parts: &Q) -> Option<V>
    where
        S: Keys<Q>,
        E: Holds<V>,
    {
        self.core.peek(S::hash(tag, parts), |key| S::matches(tag, parts, key), E::read)
    }

    /// Removes a call's entry; returns its value unless it had expired.
    pub fn remove<Q, V>(&self, tag: S::Tag, parts: &Q) -> Option<V>
    where
        S: Keys<Q>,
        E: Holds<V>,
    {
        let (_, held) = self.core.remove(S::hash(tag, parts), |key| S::matches(tag, parts, key))?;
        held.read()
    }

    /// Stores `value` as a call's result, replacing any cached one (priming the cache).
    pub fn put<Q, V>(&self, tag: S::Tag, parts: &Q, value: V)
    where
        S: Keys<Q>,
        E: Holds<V>,
    {
        if self.core.cache_parameters().maxsize == Some(0) {
            return;
        }
        let slot = Slot { hash: S::hash(tag, parts), key: Some(S::key(tag, parts)), version: u64::MAX };
        self.core.put::<S::Same>(slot, E::hold_owned(value, self.ttl));
    }
}

impl<S: Scheme, E: Held, P: Policy> Reported for FnCache<S, E, P>
where
    Self: Send + Sync,
{
    fn info(&self) -> crate::CacheInfo {
        self.cache_info()
    }

    fn parameters(&self) -> CacheParameters {
        self.core.cache_parameters()
    }
}
