//! The caches the macro calls into: [`FnCache`] for a non-generic function, [`GenericFnCache`]
//! for a generic function or a method, and the lookup/store protocol they share.
//!
//! The protocol is functools': look the key up under the lock; on a miss, release the lock,
//! run the body, then lock again and store the value unless another call stored one first.
//! Keys are hashed once, before locking. User code that runs under the lock (a key's `Eq`, a
//! value's `Clone`) may call the function again: such a nested call never waits for the
//! lock, it runs its body uncached instead (see `shards.rs`).

use core::any::{Any, TypeId};
use core::hash::{BuildHasher, Hash, Hasher};
use core::ops::Deref;
use core::time::Duration;
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use hashbrown::DefaultHashBuilder;

use crate::CacheParameters;
use crate::flight::{Computing, Flight, Waited};
use crate::key::KeyParts;
use crate::locking::{Exclusive, Locking, Shared};
use crate::registry::{Registration, Reported};
use crate::shards::{Core, CoreJoined, Found};

/// What a lookup found.
pub enum Lookup<V, S> {
    /// The cached value, cloned.
    Hit(V),
    /// Not cached: run the body, then hand the slot back to `store`.
    Miss(S),
}

/// A pending entry: the key of a miss, waiting for the body's value.
pub struct Slot<K> {
    pub(crate) hash: u64,
    /// `None` when the value is not to be stored (`maxsize = 0`, or a nested call).
    pub(crate) key: Option<K>,
    pub(crate) same: fn(&K, &K) -> bool,
    /// The shard's version when the call missed.
    pub(crate) version: u64,
}

/// What a lookup under `single_flight` found.
pub enum Joined<V, L, W> {
    /// The cached value, cloned.
    Hit(V),
    /// Not cached, and no other call computes it: run the body, then hand the leader to `land`.
    Lead(L),
    /// Another call computes it: wait for its value.
    Wait(W),
}

/// The call that computes a key's value under `single_flight`. Dropped without landing (the
/// body panicked, or its future was dropped), it releases the waiters, one of which leads next.
pub struct Leader<'a, K, E, L: Locking = Exclusive> {
    core: &'a Core<K, E, L>,
    hash: u64,
    /// `None` for a nested call that runs without the cache.
    flight: Option<Arc<Flight<E>>>,
    same: fn(&K, &K) -> bool,
}

impl<K, E, L: Locking> Leader<'_, K, E, L> {
    /// Marks this thread as computing the flight while the body runs.
    #[inline]
    pub fn computing(&self) -> Option<Computing> {
        self.flight.as_ref().map(|flight| Computing::enter(flight.id()))
    }

    /// The flight, for [`computing`](crate::__private::computing) around an `async` body.
    #[inline]
    pub fn id(&self) -> Option<u64> {
        self.flight.as_ref().map(|flight| flight.id())
    }

    fn land(mut self, value: Option<(E, E)>) {
        if let Some(flight) = self.flight.take() {
            self.core.land(self.hash, &flight, self.same, value);
        }
    }
}

impl<K, E, L: Locking> Drop for Leader<'_, K, E, L> {
    fn drop(&mut self) {
        if let Some(flight) = self.flight.take() {
            self.core.land(self.hash, &flight, self.same, None);
        }
    }
}

/// A call waiting for another's computation of its key under `single_flight`.
pub struct Waiter<'a, K, E, V, L: Locking = Exclusive> {
    core: &'a Core<K, E, L>,
    flight: Arc<Flight<E>>,
    read: fn(&E) -> Option<V>,
}

impl<K, E, V, L: Locking> Waiter<'_, K, E, V, L> {
    /// Blocks until the leader lands.
    pub fn wait(self) -> Waited<V> {
        self.count(self.flight.wait(self.read))
    }

    /// Awaits the leader's landing.
    pub async fn wait_async(self) -> Waited<V> {
        let waited = crate::flight::wait_async(Arc::clone(&self.flight), self.read).await;
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

/// What a call under `single_flight` found: a hit, its key's flight to lead, or one to wait for.
pub(crate) type FnJoined<'a, K, E, V, L> = Joined<V, Leader<'a, K, E, L>, Waiter<'a, K, E, V, L>>;

/// Turns what the core found into what the macro matches on.
fn joined<K, E, V, L: Locking>(
    core: &Core<K, E, L>,
    hash: u64,
    same: fn(&K, &K) -> bool,
    read: fn(&E) -> Option<V>,
    found: CoreJoined<V, E>,
) -> FnJoined<'_, K, E, V, L> {
    match found {
        Joined::Hit(value) => Joined::Hit(value),
        Joined::Lead(flight) => Joined::Lead(Leader { core, hash, flight, same }),
        Joined::Wait(flight) => Joined::Wait(Waiter { core, flight, read }),
    }
}

/// How a cache holds a value `V`: as it is ([`Always`]), or with the instant it expires
/// ([`Expiring`], for `ttl`), so that caches without expiry pay nothing for it.
pub trait Keep: Send + 'static {
    /// The function's value.
    type Value: Send + 'static;
    /// Holds `value`, for `ttl` if the cache has one.
    fn keep(value: Self::Value, ttl: Option<Duration>) -> Self;
    /// The value, unless it expired.
    fn fresh(&self) -> Option<&Self::Value>;
}

/// A value held until evicted.
pub struct Always<V>(V);

impl<V: Send + 'static> Keep for Always<V> {
    type Value = V;

    #[inline]
    fn keep(value: V, _: Option<Duration>) -> Self {
        Always(value)
    }

    #[inline]
    fn fresh(&self) -> Option<&V> {
        Some(&self.0)
    }
}

/// A value held until evicted or until its deadline, whichever comes first.
pub struct Expiring<V> {
    value: V,
    deadline: Option<Instant>,
}

impl<V: Send + 'static> Keep for Expiring<V> {
    type Value = V;

    #[inline]
    fn keep(value: V, ttl: Option<Duration>) -> Self {
        Expiring { value, deadline: ttl.and_then(|ttl| Instant::now().checked_add(ttl)) }
    }

    #[inline]
    fn fresh(&self) -> Option<&V> {
        match self.deadline {
            Some(deadline) if Instant::now() >= deadline => None,
            _ => Some(&self.value),
        }
    }
}

/// The cache of a non-generic function: keys stored as themselves, values as `E` holds them.
///
/// `L`: [`Exclusive`] (exact LRU) or [`Shared`] (`read_hits`).
pub struct FnCache<K, V, E = Always<V>, L: Locking = Exclusive> {
    core: Core<K, E, L>,
    ttl: Option<Duration>,
    registration: Registration,
    value: core::marker::PhantomData<fn() -> V>,
}

impl<K, V, E> FnCache<K, V, E> {
    /// An empty cache; allocates nothing until the first miss.
    pub const fn new(maxsize: Option<usize>, typed: bool, shards: usize, ttl: Option<Duration>) -> Self {
        let core = Core::<K, E>::new(CacheParameters { maxsize, typed }, shards);
        FnCache { core, ttl, registration: Registration::new(), value: core::marker::PhantomData }
    }
}

impl<K, V, E> FnCache<K, V, E, Shared> {
    /// An empty cache whose hits take a read lock (`read_hits`); allocates nothing until the
    /// first call.
    pub const fn new(maxsize: Option<usize>, typed: bool, shards: usize, ttl: Option<Duration>) -> Self {
        let core = Core::<K, E, Shared>::new(CacheParameters { maxsize, typed }, shards);
        FnCache { core, ttl, registration: Registration::new(), value: core::marker::PhantomData }
    }
}

impl<K: Send + 'static, V: Clone + Send + 'static, E: Keep<Value = V>, L: Locking> FnCache<K, V, E, L>
where
    Self: Send + Sync,
{
    /// Looks a call up: a hit clones the cached value. Always inlined: as a call, it returns
    /// its large `Lookup` through memory, a fifth of a hit's cost.
    #[inline(always)]
    pub fn lookup<Q: KeyParts<Owned = K>>(&self, parts: &Q) -> Lookup<V, Slot<K>> {
        let hash = hash_of(|state| parts.hash_parts(state));
        match self.core.find(hash, |key| parts.eq_owned(key), |held| held.fresh().cloned()) {
            Found::Hit(value) => Lookup::Hit(value),
            Found::Miss { storable, version } => Lookup::Miss(Slot {
                hash,
                key: storable.then(|| parts.to_owned_key()),
                same: Q::owned_eq,
                version,
            }),
        }
    }

    /// Stores the body's value for a missed call (`None`: nothing to store, as for `Err`).
    #[inline]
    pub fn store(&self, slot: Slot<K>, value: Option<&V>) {
        if let (Some(value), true) = (value, slot.key.is_some()) {
            self.core.insert(slot, E::keep(value.clone(), self.ttl));
        }
    }

    /// Looks a call up under `single_flight`: a hit, or the call leads the key's flight, or
    /// waits for it.
    #[inline]
    pub fn join<Q: KeyParts<Owned = K>>(&self, parts: &Q) -> FnJoined<'_, K, E, V, L> {
        let hash = hash_of(|state| parts.hash_parts(state));
        let read = |held: &E| held.fresh().cloned();
        let found = self.core.join(hash, |key| parts.eq_owned(key), read, || parts.to_owned_key());
        joined(&self.core, hash, Q::owned_eq, read, found)
    }

    /// Ends a leader's flight with the body's value (`None`: nothing to store or share).
    #[inline]
    pub fn land(&self, leader: Leader<'_, K, E, L>, value: Option<&V>) {
        leader.land(value.map(|value| (E::keep(value.clone(), self.ttl), E::keep(value.clone(), self.ttl))));
    }

    /// The statistics, as `functools`' `cache_info()`; expired entries are not counted.
    pub fn cache_info(&self) -> crate::CacheInfo {
        if self.ttl.is_some() {
            self.core.purge(|held| held.fresh().is_none());
        }
        self.core.cache_info()
    }

    /// Lists the cache in [`crate::caches`], once; called on a miss. `owner` is a method's
    /// `Self` type, or `""`.
    #[inline]
    pub fn register(&'static self, module: &'static str, owner: &'static str, function: &'static str) {
        self.registration.list(self, module, owner, function);
    }

    /// The cached value of a call, if any, without counting it or changing its recency.
    pub fn peek<Q: KeyParts<Owned = K>>(&self, parts: Q) -> Option<V> {
        let hash = hash_of(|state| parts.hash_parts(state));
        self.core.peek(hash, |key| parts.eq_owned(key), |held| held.fresh().cloned())
    }

    /// Removes a call's entry; returns its value unless it had expired.
    pub fn remove<Q: KeyParts<Owned = K>>(&self, parts: Q) -> Option<V> {
        let hash = hash_of(|state| parts.hash_parts(state));
        let (_, held) = self.core.remove(hash, |key| parts.eq_owned(key))?;
        held.fresh().cloned()
    }

    /// Stores `value` as a call's result, replacing any cached one (priming the cache).
    pub fn put<Q: KeyParts<Owned = K>>(&self, parts: Q, value: V) {
        if self.core.cache_parameters().maxsize == Some(0) {
            return;
        }
        let hash = hash_of(|state| parts.hash_parts(state));
        let slot = Slot { hash, key: Some(parts.to_owned_key()), same: Q::owned_eq, version: u64::MAX };
        self.core.put(slot, E::keep(value, self.ttl));
    }
}

impl<K, V, E, L: Locking> Deref for FnCache<K, V, E, L> {
    type Target = Core<K, E, L>;

    fn deref(&self) -> &Core<K, E, L> {
        &self.core
    }
}

/// A stored key of a [`GenericFnCache`]: the instantiation it belongs to, and the key itself.
pub struct ErasedKey {
    tag: TypeId,
    key: Box<dyn Any + Send>,
}

/// A stored value of a [`GenericFnCache`].
pub(crate) type ErasedValue = Expiring<Box<dyn Any + Send>>;

/// The cache of a generic function or of a method: one cache for every instantiation, its
/// entries tagged with the instantiation's types, so that calls with different types never
/// share an entry and a value always comes back as the type it was stored as.
pub struct GenericFnCache {
    core: Core<ErasedKey, ErasedValue>,
    ttl: Option<Duration>,
    registration: Registration,
}

impl GenericFnCache {
    /// An empty cache; allocates nothing until the first miss.
    pub const fn new(maxsize: Option<usize>, typed: bool, shards: usize, ttl: Option<Duration>) -> Self {
        let core = Core::<ErasedKey, ErasedValue>::new(CacheParameters { maxsize, typed }, shards);
        GenericFnCache { core, ttl, registration: Registration::new() }
    }

    /// The statistics, as `functools`' `cache_info()`; expired entries are not counted.
    pub fn cache_info(&self) -> crate::CacheInfo {
        if self.ttl.is_some() {
            self.core.purge(|held| held.fresh().is_none());
        }
        self.core.cache_info()
    }

    /// Looks a call up; `tag` identifies the instantiation (the function's type parameters).
    #[inline]
    pub fn lookup<Q, V>(&self, tag: TypeId, parts: &Q) -> Lookup<V, ErasedSlot<V>>
    where
        Q: KeyParts,
        V: crate::__private::CacheValue,
    {
        let (hash, same_key) = erased_key(tag, parts);
        let read = |held: &ErasedValue| held.fresh()?.downcast_ref::<V>().map(V::cloned);
        match self.core.find(hash, same_key, read) {
            Found::Hit(value) => Lookup::Hit(value),
            Found::Miss { storable, version } => Lookup::Miss(ErasedSlot {
                slot: Slot {
                    hash,
                    key: storable.then(|| ErasedKey { tag, key: Box::new(parts.to_owned_key()) }),
                    same: same_erased::<Q>,
                    version,
                },
                erase: V::erased,
            }),
        }
    }

    /// Looks a call up under `single_flight`: a hit, or the call leads the key's flight, or
    /// waits for it.
    #[inline]
    pub fn join<Q, V>(
        &self,
        tag: TypeId,
        parts: &Q,
    ) -> Joined<V, Leader<'_, ErasedKey, ErasedValue>, Waiter<'_, ErasedKey, ErasedValue, V>>
    where
        Q: KeyParts,
        V: crate::__private::CacheValue,
    {
        let (hash, same_key) = erased_key(tag, parts);
        let read = |held: &ErasedValue| held.fresh()?.downcast_ref::<V>().map(V::cloned);
        let key = || ErasedKey { tag, key: Box::new(parts.to_owned_key()) };
        let found = self.core.join(hash, same_key, read, key);
        joined(&self.core, hash, same_erased::<Q>, read, found)
    }

    /// Ends a leader's flight with the body's value (`None`: nothing to store or share).
    #[inline]
    pub fn land<V: crate::__private::CacheValue>(
        &self,
        leader: Leader<'_, ErasedKey, ErasedValue>,
        value: Option<&V>,
    ) {
        let keep = |value: &V| Expiring::keep(value.erased(), self.ttl);
        leader.land(value.map(|value| (keep(value), keep(value))));
    }

    /// Lists the cache in [`crate::caches`], once; called on a miss. `owner` is a method's
    /// `Self` type, or `""`.
    #[inline]
    pub fn register(&'static self, module: &'static str, owner: &'static str, function: &'static str) {
        self.registration.list(self, module, owner, function);
    }

    /// The cached value of a call, if any, without counting it or changing its recency.
    pub fn peek<Q: KeyParts, V: crate::__private::CacheValue>(&self, tag: TypeId, parts: Q) -> Option<V> {
        let (hash, same_key) = erased_key(tag, &parts);
        self.core.peek(hash, same_key, |held| held.fresh()?.downcast_ref::<V>().map(V::cloned))
    }

    /// Removes a call's entry; returns its value unless it had expired.
    pub fn remove<Q: KeyParts, V: crate::__private::CacheValue>(&self, tag: TypeId, parts: Q) -> Option<V> {
        let (hash, same_key) = erased_key(tag, &parts);
        let (_, held) = self.core.remove(hash, same_key)?;
        held.fresh()?.downcast_ref::<V>().map(V::cloned)
    }

    /// Stores `value` as a call's result, replacing any cached one (priming the cache).
    pub fn put<Q: KeyParts, V: crate::__private::CacheValue>(&self, tag: TypeId, parts: Q, value: V) {
        if self.core.cache_parameters().maxsize == Some(0) {
            return;
        }
        let (hash, _) = erased_key(tag, &parts);
        let key = ErasedKey { tag, key: Box::new(parts.to_owned_key()) };
        let slot = Slot { hash, key: Some(key), same: same_erased::<Q>, version: u64::MAX };
        self.core.put(slot, Expiring::keep(value.erased(), self.ttl));
    }

    /// Stores the body's value for a missed call (`None`: nothing to store, as for `Err`).
    #[inline]
    pub fn store<V>(&self, slot: ErasedSlot<V>, value: Option<&V>) {
        let ErasedSlot { slot, erase } = slot;
        if let (Some(value), true) = (value, slot.key.is_some()) {
            self.core.insert(slot, Expiring::keep(erase(value), self.ttl));
        }
    }
}

/// A pending entry of a [`GenericFnCache`], with the way to store its value.
pub struct ErasedSlot<V> {
    slot: Slot<ErasedKey>,
    erase: fn(&V) -> Box<dyn Any + Send>,
}

impl Deref for GenericFnCache {
    type Target = Core<ErasedKey, ErasedValue>;

    fn deref(&self) -> &Self::Target {
        &self.core
    }
}

/// The hash of a call to a generic function, and the test of a stored key against it.
#[inline]
fn erased_key<Q: KeyParts>(tag: TypeId, parts: &Q) -> (u64, impl Fn(&ErasedKey) -> bool + '_) {
    let hash = hash_of(|state| {
        tag.hash(state);
        parts.hash_parts(state);
    });
    let same_key = move |stored: &ErasedKey| {
        stored.tag == tag && stored.key.downcast_ref().is_some_and(|key| parts.eq_owned(key))
    };
    (hash, same_key)
}

fn same_erased<Q: KeyParts>(a: &ErasedKey, b: &ErasedKey) -> bool {
    a.tag == b.tag
        && match (a.key.downcast_ref(), b.key.downcast_ref()) {
            (Some(a), Some(b)) => Q::owned_eq(a, b),
            _ => false,
        }
}

/// Hashes with the process's random seed.
#[inline]
fn hash_of(feed: impl FnOnce(&mut <DefaultHashBuilder as BuildHasher>::Hasher)) -> u64 {
    static SEED: OnceLock<DefaultHashBuilder> = OnceLock::new();
    let mut state = SEED.get_or_init(DefaultHashBuilder::default).build_hasher();
    feed(&mut state);
    state.finish()
}

impl<K: Send + 'static, V: Clone + Send + 'static, E: Keep<Value = V>, L: Locking> Reported
    for FnCache<K, V, E, L>
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

impl Reported for GenericFnCache {
    fn info(&self) -> crate::CacheInfo {
        self.cache_info()
    }

    fn parameters(&self) -> CacheParameters {
        self.core.cache_parameters()
    }
}
