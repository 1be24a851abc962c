//! How a function's cache keys its entries, its key scheme: [`Typed`], keys stored as
//! themselves, for a function with one key type; or [`Erased`], keys of several types (the
//! instantiations of a generic function or method, a `key` expression's value) boxed and
//! tagged with their instantiation. Either way two stored keys compare as the call's key parts
//! say ([`SameKey`]), through a type, not a function pointer.

use core::any::{Any, TypeId};
use core::hash::{BuildHasher, Hash, Hasher};
use core::marker::PhantomData;
use std::sync::OnceLock;

use hashbrown::DefaultHashBuilder;

use crate::key::{KeyParts, SameKey};

/// A key scheme: what a cache stores as a key, and what tells a call's instantiation.
pub trait Scheme: 'static {
    /// The stored key (no bound here: a key type that cannot be stored is reported where the
    /// call's key is made, once).
    type Key: 'static;
    /// What a call passes to say which instantiation it is; `()` where there is one.
    type Tag: Copy + Send + Sync + 'static;
}

/// A key scheme that takes calls whose key parts are `Q`.
pub trait Keys<Q>: Scheme {
    /// How two stored keys compare.
    type Same: SameKey<Self::Key>;
    /// The call's hash, with the process's random seed.
    fn hash(tag: Self::Tag, parts: &Q) -> u64;
    /// Whether a stored key is the call's.
    fn matches(tag: Self::Tag, parts: &Q, key: &Self::Key) -> bool;
    /// The call's key, to store (made on a miss).
    fn key(tag: Self::Tag, parts: &Q) -> Self::Key;
}

/// Keys stored as themselves: `K`, the owned form of the key parts.
pub struct Typed<K>(PhantomData<fn() -> K>);

impl<K: 'static> Scheme for Typed<K> {
    type Key = K;
    type Tag = ();
}

impl<Q: KeyParts<Owned = K>, K: Send + 'static> Keys<Q> for Typed<K> {
    type Same = Q::Same;
    #[inline(always)]
    fn hash((): (), parts: &Q) -> u64 {
        hash_of(|state| parts.hash_parts(state))
    }

    #[inline(always)]
    fn matches((): (), parts: &Q, key: &K) -> bool {
        parts.eq_owned(key)
    }

    #[inline]
    fn key((): (), parts: &Q) -> K {
        parts.to_owned_key()
    }
}

/// Keys of several types, boxed and tagged with their instantiation, so that calls with
/// different types never share an entry.
pub struct Erased;

impl Scheme for Erased {
    type Key = ErasedKey;
    type Tag = TypeId;
}

impl<Q: KeyParts> Keys<Q> for Erased {
    type Same = SameErased;
    #[inline]
    fn hash(tag: TypeId, parts: &Q) -> u64 {
        hash_of(|state| {
            tag.hash(state);
            parts.hash_parts(state);
        })
    }

    #[inline]
    fn matches(tag: TypeId, parts: &Q, key: &ErasedKey) -> bool {
        key.tag == tag
            && key
                .key
                .as_any()
                .downcast_ref::<Stored<Q::Owned, Q::Same>>()
                .is_some_and(|key| parts.eq_owned(&key.key))
    }

    #[inline]
    fn key(tag: TypeId, parts: &Q) -> ErasedKey {
        let key = Stored::<_, Q::Same> { key: parts.to_owned_key(), same: PhantomData };
        ErasedKey { tag, key: Box::new(key) }
    }
}

/// A stored key of an [`Erased`] cache: its instantiation, and the key itself.
pub struct ErasedKey {
    tag: TypeId,
    key: Box<dyn StoredKey>,
}

/// Compares [`ErasedKey`]s: the same instantiation, and keys that compare as their own parts do.
pub struct SameErased;

impl SameKey<ErasedKey> for SameErased {
    fn same(a: &ErasedKey, b: &ErasedKey) -> bool {
        a.tag == b.tag && a.key.same(&*b.key)
    }
}

/// A key of any type, compared with another of its type as its parts say.
trait StoredKey: Send + 'static {
    fn as_any(&self) -> &dyn Any;
    fn same(&self, other: &dyn StoredKey) -> bool;
}

/// A stored key, with the way it compares.
struct Stored<K, M> {
    key: K,
    same: PhantomData<fn() -> M>,
}

impl<K: Send + 'static, M: SameKey<K>> StoredKey for Stored<K, M> {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn same(&self, other: &dyn StoredKey) -> bool {
        other.as_any().downcast_ref::<Self>().is_some_and(|other| M::same(&self.key, &other.key))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key::arg;

    #[test]
    fn erased_keys_are_the_same_only_with_their_type_and_instantiation() {
        let (a, b) = (TypeId::of::<u8>(), TypeId::of::<u16>());
        let key = |tag, value: u64| <Erased as Keys<_>>::key(tag, &(arg(&value), ()));
        let same = |x: &ErasedKey, y: &ErasedKey| SameErased::same(x, y);
        assert!(same(&key(a, 7), &key(a, 7)));
        assert!(!same(&key(a, 7), &key(a, 8)));
        assert!(!same(&key(a, 7), &key(b, 7)));
        let text = <Erased as Keys<_>>::key(a, &(arg("7"), ()));
        assert!(!same(&key(a, 7), &text), "same tag, another key type");
        assert!(<Erased as Keys<_>>::matches(a, &(arg(&7u64), ()), &key(a, 7)));
        assert!(!<Erased as Keys<_>>::matches(b, &(arg(&7u64), ()), &key(a, 7)));
    }
}
