//! The thread-safe cache behind one memoized function: a `parking_lot` mutex around an
//! [`LruCache`], hit and miss counters, and the lookup/store protocol the macro calls.
//!
//! The protocol is functools': look the key up under the lock; on a miss, release the lock,
//! run the body, then lock again and store the value unless another call stored one first.
//! Keys are hashed once, before locking. User code that runs under the lock (a key's `Eq`, a
//! value's `Clone`) may call memoized functions again: such a nested call never waits for a
//! lock, it runs its body uncached instead (see [`Core::lock`]).

use core::any::{Any, TypeId};
use core::cell::Cell;
use core::hash::{BuildHasher, Hash, Hasher};
use core::ops::{Deref, DerefMut};
use core::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::OnceLock;

use hashbrown::DefaultHashBuilder;
use parking_lot::{Mutex, MutexGuard};

use crate::key::KeyParts;
use crate::store::LruCache;
use crate::{CacheInfo, CacheParameters};

/// What a lookup found.
pub enum Lookup<V, S> {
    /// The cached value, cloned.
    Hit(V),
    /// Not cached: run the body, then hand the slot back to `store`.
    Miss(S),
}

/// A pending entry: the key of a miss, waiting for the body's value.
pub struct Slot<K> {
    hash: u64,
    /// `None` when the value is not to be stored (`maxsize = 0`, or a nested call).
    key: Option<K>,
    same: fn(&K, &K) -> bool,
}

/// The cache of a non-generic function: keys and values stored as themselves.
pub struct FnCache<K, V> {
    core: Core<K, V>,
}

impl<K, V> FnCache<K, V> {
    /// An empty cache; allocates nothing until the first miss.
    pub const fn new(maxsize: Option<usize>, typed: bool) -> Self {
        FnCache { core: Core::new(CacheParameters { maxsize, typed }) }
    }
}

impl<K: Send + 'static, V: Clone + Send + 'static> FnCache<K, V> {
    /// Looks a call up: a hit clones the cached value.
    #[inline]
    pub fn lookup<Q: KeyParts<Owned = K>>(&self, parts: Q) -> Lookup<V, Slot<K>> {
        let hash = hash_of(|state| parts.hash_parts(state));
        match self.core.find(hash, |key| parts.eq_owned(key), |value| Some(value.clone())) {
            Found::Hit(value) => Lookup::Hit(value),
            Found::Miss { storable } => {
                Lookup::Miss(Slot { hash, key: storable.then(|| parts.to_owned_key()), same: Q::owned_eq })
            }
        }
    }

    /// Stores the body's value for a missed call (`None`: nothing to store, as for `Err`).
    #[inline]
    pub fn store(&self, slot: Slot<K>, value: Option<&V>) {
        if let (Some(key), Some(value)) = (slot.key, value) {
            self.core.insert(slot.hash, key, value.clone(), slot.same);
        }
    }
}

impl<K, V> Deref for FnCache<K, V> {
    type Target = Core<K, V>;

    fn deref(&self) -> &Core<K, V> {
        &self.core
    }
}

/// A stored key of a [`GenericFnCache`]: the instantiation it belongs to, and the key itself.
pub struct ErasedKey {
    tag: TypeId,
    key: Box<dyn Any + Send>,
}

type ErasedValue = Box<dyn Any + Send>;

/// The cache of a generic function or of a method: one cache for every instantiation, its
/// entries tagged with the instantiation's types, so that calls with different types never
/// share an entry and a value always comes back as the type it was stored as.
pub struct GenericFnCache {
    core: Core<ErasedKey, ErasedValue>,
}

impl GenericFnCache {
    /// An empty cache; allocates nothing until the first miss.
    pub const fn new(maxsize: Option<usize>, typed: bool) -> Self {
        GenericFnCache { core: Core::new(CacheParameters { maxsize, typed }) }
    }

    /// Looks a call up; `tag` identifies the instantiation (the function's type parameters).
    #[inline]
    pub fn lookup<Q, V>(&self, tag: TypeId, parts: Q) -> Lookup<V, ErasedSlot<V>>
    where
        Q: KeyParts,
        V: crate::__private::CacheValue,
    {
        let hash = hash_of(|state| {
            tag.hash(state);
            parts.hash_parts(state);
        });
        let same_key = |stored: &ErasedKey| {
            stored.tag == tag && stored.key.downcast_ref().is_some_and(|key| parts.eq_owned(key))
        };
        match self.core.find(hash, same_key, |value| value.downcast_ref::<V>().map(V::cloned)) {
            Found::Hit(value) => Lookup::Hit(value),
            Found::Miss { storable } => Lookup::Miss(ErasedSlot {
                slot: Slot {
                    hash,
                    key: storable.then(|| ErasedKey { tag, key: Box::new(parts.to_owned_key()) }),
                    same: same_erased::<Q>,
                },
                erase: V::erased,
            }),
        }
    }

    /// Stores the body's value for a missed call (`None`: nothing to store, as for `Err`).
    #[inline]
    pub fn store<V>(&self, slot: ErasedSlot<V>, value: Option<&V>) {
        let ErasedSlot { slot, erase } = slot;
        if let (Some(key), Some(value)) = (slot.key, value) {
            self.core.insert(slot.hash, key, erase(value), slot.same);
        }
    }
}

/// A pending entry of a [`GenericFnCache`], with the way to store its value.
pub struct ErasedSlot<V> {
    slot: Slot<ErasedKey>,
    erase: fn(&V) -> ErasedValue,
}

impl Deref for GenericFnCache {
    type Target = Core<ErasedKey, ErasedValue>;

    fn deref(&self) -> &Self::Target {
        &self.core
    }
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

struct State<K, V> {
    store: LruCache<K, V, ()>,
    hits: u64,
    misses: u64,
}

enum Found<V> {
    Hit(V),
    Miss { storable: bool },
}

/// What every function cache shares: the locked store and its statistics, and the
/// `cache_info` / `cache_clear` / `cache_parameters` companions.
pub struct Core<K, V> {
    params: CacheParameters,
    state: Mutex<State<K, V>>,
    /// Misses of nested calls that ran without the lock.
    unlocked_misses: AtomicU64,
}

thread_local! {
    /// How many function-cache locks this thread holds.
    static HELD: Cell<u32> = const { Cell::new(0) };
}

/// A held lock, counted in `HELD` while it lives.
struct Held<'a, T>(MutexGuard<'a, T>);

impl<T> Drop for Held<'_, T> {
    fn drop(&mut self) {
        HELD.with(|held| held.set(held.get() - 1));
    }
}

impl<T> Deref for Held<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> DerefMut for Held<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.0
    }
}

impl<K, V> Core<K, V> {
    const fn new(params: CacheParameters) -> Self {
        let limit = match params.maxsize {
            Some(maxsize) => maxsize,
            None => usize::MAX,
        };
        Core {
            params,
            state: Mutex::new(State { store: LruCache::with_limit(limit, ()), hits: 0, misses: 0 }),
            unlocked_misses: AtomicU64::new(0),
        }
    }

    /// The statistics, as `functools`' `cache_info()`.
    pub fn cache_info(&self) -> CacheInfo {
        let unlocked = self.unlocked_misses.load(Relaxed);
        let (hits, misses, currsize) = match self.lock() {
            Some(state) => (state.hits, state.misses, state.store.len()),
            None => (0, 0, 0),
        };
        CacheInfo { hits, misses: misses + unlocked, maxsize: self.params.maxsize, currsize }
    }

    /// Empties the cache and resets its statistics, as `functools`' `cache_clear()`.
    pub fn cache_clear(&self) {
        let limit = self.params.maxsize.unwrap_or(usize::MAX);
        let old = self.lock().map(|mut state| {
            state.hits = 0;
            state.misses = 0;
            self.unlocked_misses.store(0, Relaxed);
            core::mem::replace(&mut state.store, LruCache::with_limit(limit, ()))
        });
        drop(old); // outside the lock: a value's `Drop` may call this function again
    }

    /// The options the function was declared with, as `functools`' `cache_parameters()`.
    pub fn cache_parameters(&self) -> CacheParameters {
        self.params
    }

    /// Takes the lock, unless this thread already holds a function-cache lock (it is running
    /// a key's `Eq` or a value's `Clone`) and this one is taken: then waiting could deadlock,
    /// and the caller goes without.
    #[inline]
    fn lock(&self) -> Option<Held<'_, State<K, V>>> {
        let held = HELD.with(Cell::get);
        let guard = if held == 0 { self.state.lock() } else { self.state.try_lock()? };
        HELD.with(|cell| cell.set(held + 1));
        Some(Held(guard))
    }

    /// Looks `hash` up, counting a hit or a miss.
    #[inline]
    fn find<R>(&self, hash: u64, eq: impl FnMut(&K) -> bool, read: impl FnOnce(&V) -> Option<R>) -> Found<R> {
        let Some(mut state) = self.lock() else {
            self.unlocked_misses.fetch_add(1, Relaxed);
            return Found::Miss { storable: false };
        };
        let state = &mut *state;
        if let Some(index) = state.store.find(hash, eq)
            && let Some(value) = read(state.store.promote(index))
        {
            state.hits += 1;
            return Found::Hit(value);
        }
        state.misses += 1;
        Found::Miss { storable: self.params.maxsize != Some(0) }
    }

    /// Stores a computed value, unless a concurrent call stored one for the key first.
    fn insert(&self, hash: u64, key: K, value: V, same: fn(&K, &K) -> bool) {
        let evicted = self.lock().and_then(|mut state| match state.store.find(hash, |k| same(k, &key)) {
            Some(_) => Some((key, value)),
            None => state.store.insert_unique(hash, key, value),
        });
        drop(evicted); // outside the lock: a value's `Drop` may call this function again
    }
}
