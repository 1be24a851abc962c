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
use std::sync::OnceLock;

use hashbrown::DefaultHashBuilder;

use crate::CacheParameters;
use crate::key::KeyParts;
use crate::shards::{Core, Found};

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

/// The cache of a non-generic function: keys and values stored as themselves.
pub struct FnCache<K, V> {
    core: Core<K, V>,
}

impl<K, V> FnCache<K, V> {
    /// An empty cache; allocates nothing until the first miss.
    pub const fn new(maxsize: Option<usize>, typed: bool, shards: usize) -> Self {
        FnCache { core: Core::new(CacheParameters { maxsize, typed }, shards) }
    }
}

impl<K: Send + 'static, V: Clone + Send + 'static> FnCache<K, V> {
    /// Looks a call up: a hit clones the cached value.
    #[inline]
    pub fn lookup<Q: KeyParts<Owned = K>>(&self, parts: Q) -> Lookup<V, Slot<K>> {
        let hash = hash_of(|state| parts.hash_parts(state));
        match self.core.find(hash, |key| parts.eq_owned(key), |value| Some(value.clone())) {
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
            self.core.insert(slot, value.clone());
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
    pub const fn new(maxsize: Option<usize>, typed: bool, shards: usize) -> Self {
        GenericFnCache { core: Core::new(CacheParameters { maxsize, typed }, shards) }
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

    /// Stores the body's value for a missed call (`None`: nothing to store, as for `Err`).
    #[inline]
    pub fn store<V>(&self, slot: ErasedSlot<V>, value: Option<&V>) {
        let ErasedSlot { slot, erase } = slot;
        if let (Some(value), true) = (value, slot.key.is_some()) {
            self.core.insert(slot, erase(value));
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
