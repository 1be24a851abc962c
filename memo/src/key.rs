//! How a call's arguments become a cache key.
//!
//! The macro views the arguments as a cons list of borrowed parts, `(arg(&a), (Float(b), ()))`:
//! a lookup hashes and compares these borrowed parts against stored owned keys, so a hit
//! allocates nothing; only a miss turns them into the owned key ([`KeyParts::to_owned_key`]).

use core::borrow::Borrow;
use core::hash::{Hash, Hasher};
use core::marker::PhantomData;

/// A borrowed view of a call's key.
pub trait KeyParts {
    /// The key as stored in the cache.
    type Owned: Send + 'static;
    /// How two stored keys compare.
    type Same: SameKey<Self::Owned>;

    /// Feeds the parts to `state`.
    fn hash_parts<H: Hasher>(&self, state: &mut H);

    /// Whether a stored key equals these parts.
    fn eq_owned(&self, owned: &Self::Owned) -> bool;

    /// The owned key, made on a miss.
    fn to_owned_key(&self) -> Self::Owned;
}

/// Compares two stored keys, for the parts of one shape: a name of the parts without their
/// borrow, which outlives the call (the key parts of `fn f(name: &str)` compare as
/// `SameArg<str, String>`), so that a cache compares stored keys without requiring `Eq` of them.
pub trait SameKey<K>: 'static {
    /// Whether `a` and `b` are the same key.
    fn same(a: &K, b: &K) -> bool;
}

/// A key part's stored form `O`, compared as its borrowed form `T` compares.
pub struct SameArg<T: ?Sized, O>(PhantomData<fn(&T) -> O>);

impl<T: ?Sized + CacheKey<Owned = O> + 'static, O: 'static> SameKey<O> for SameArg<T, O> {
    #[inline]
    fn same(a: &O, b: &O) -> bool {
        T::owned_eq(a, b)
    }
}

/// Stored forms compared by their own `Eq` (a float's bits, the empty key).
pub struct SameEq;

impl<K: Eq> SameKey<K> for SameEq {
    #[inline]
    fn same(a: &K, b: &K) -> bool {
        a == b
    }
}

/// An optional part, compared as `M` compares what it holds.
pub struct SameOption<M>(PhantomData<M>);

impl<K, M: SameKey<K>> SameKey<Option<K>> for SameOption<M> {
    #[inline]
    fn same(a: &Option<K>, b: &Option<K>) -> bool {
        match (a, b) {
            (Some(a), Some(b)) => M::same(a, b),
            (None, None) => true,
            _ => false,
        }
    }
}

impl<A, B, MA: SameKey<A>, MB: SameKey<B>> SameKey<(A, B)> for (MA, MB) {
    #[inline]
    fn same(a: &(A, B), b: &(A, B)) -> bool {
        MA::same(&a.0, &b.0) && MB::same(&a.1, &b.1)
    }
}

/// A type that can be part of a cache key: `Hash + Eq`, stored in its owned form.
///
/// Every `T: Hash + Eq + ToOwned` whose owned form is `Send + 'static` is one: `Clone` types
/// (stored as themselves), and `str`, `[T]`, `Path` and `OsStr` (stored as `String`, `Vec<T>`,
/// `PathBuf` and `OsString`). Use it to bound a memoized generic function's parameters:
///
/// ```
/// #[memo::cache]
/// fn describe<T: memo::CacheKey + std::fmt::Debug>(x: T) -> String {
///     format!("{x:?}")
/// }
/// assert_eq!(describe(7u8), "7");
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be part of a cache key",
    label = "a key argument must be `Hash + Eq + Clone + Send + 'static`",
    note = "derive `Hash`, `PartialEq`, `Eq` and `Clone` for it, leave the argument out of the key with `ignore = [name]`, or build the key yourself with `key = expr`"
)]
pub trait CacheKey {
    /// The form stored in the cache.
    type Owned: Send + 'static;
    /// Feeds the value to `state`.
    #[doc(hidden)]
    fn hash_arg<H: Hasher>(&self, state: &mut H);
    /// Compares with a stored key.
    #[doc(hidden)]
    fn eq_owned(&self, owned: &Self::Owned) -> bool;
    /// The stored form.
    #[doc(hidden)]
    fn to_owned_arg(&self) -> Self::Owned;
    /// Compares two stored keys.
    #[doc(hidden)]
    fn owned_eq(a: &Self::Owned, b: &Self::Owned) -> bool;
}

#[diagnostic::do_not_recommend]
impl<T> CacheKey for T
where
    T: ?Sized + Hash + Eq + ToOwned,
    T::Owned: Send + 'static,
{
    type Owned = T::Owned;

    #[inline]
    fn hash_arg<H: Hasher>(&self, state: &mut H) {
        self.hash(state);
    }

    #[inline]
    fn eq_owned(&self, owned: &T::Owned) -> bool {
        self == owned.borrow()
    }

    #[inline]
    fn to_owned_arg(&self) -> T::Owned {
        self.to_owned()
    }

    #[inline]
    fn owned_eq(a: &T::Owned, b: &T::Owned) -> bool {
        a.borrow() == b.borrow()
    }
}

/// An argument that is part of the key as itself; `O` is its stored form.
pub struct Arg<'a, T: ?Sized, O>(&'a T, PhantomData<fn() -> O>);

impl<'a, T: ?Sized, O> Arg<'a, T, O> {
    /// Views `value` as a key part stored as `O`.
    #[inline]
    pub(crate) fn new(value: &'a T) -> Self {
        Arg(value, PhantomData)
    }
}

/// Views an argument as a key part. This call is where the macro checks that an argument can
/// be a key: it is spanned on the user's type, and when the check fails the part's type holds
/// an error, so the rest of the expansion reports nothing more.
#[inline]
pub fn arg<T: ?Sized + CacheKey>(value: &T) -> Arg<'_, T, T::Owned> {
    Arg(value, PhantomData)
}

impl<T: ?Sized + CacheKey<Owned = O> + 'static, O: Send + 'static> KeyParts for Arg<'_, T, O> {
    type Owned = O;
    type Same = SameArg<T, O>;

    #[inline]
    fn hash_parts<H: Hasher>(&self, state: &mut H) {
        self.0.hash_arg(state);
    }

    #[inline]
    fn eq_owned(&self, owned: &O) -> bool {
        self.0.eq_owned(owned)
    }

    #[inline]
    fn to_owned_key(&self) -> O {
        self.0.to_owned_arg()
    }
}

/// An `Option<&T>` argument, keyed by its referent and stored as `Option<T::Owned>`: a hit
/// allocates nothing.
pub struct Optional<'a, T: ?Sized>(Option<&'a T>);

/// Views an `Option<&T>` argument as a key part; checks, as [`arg`] does, that `T` can be a key.
#[inline]
pub fn optional<T: ?Sized + CacheKey>(value: Option<&T>) -> Optional<'_, T> {
    Optional(value)
}

impl<T: ?Sized + CacheKey + 'static> KeyParts for Optional<'_, T> {
    type Owned = Option<T::Owned>;
    type Same = SameOption<SameArg<T, T::Owned>>;

    #[inline]
    fn hash_parts<H: Hasher>(&self, state: &mut H) {
        state.write_u8(self.0.is_some().into());
        if let Some(value) = self.0 {
            value.hash_arg(state);
        }
    }

    #[inline]
    fn eq_owned(&self, owned: &Option<T::Owned>) -> bool {
        match (self.0, owned) {
            (Some(value), Some(owned)) => value.eq_owned(owned),
            (None, None) => true,
            _ => false,
        }
    }

    #[inline]
    fn to_owned_key(&self) -> Option<T::Owned> {
        self.0.map(T::to_owned_arg)
    }
}

/// An `f32` or `f64` argument, keyed by value: `-0.0` equals `0.0` (as in Python) and every NaN
/// equals every other NaN (so a NaN argument is cached like any other value).
pub struct Float<F>(pub F);

macro_rules! float_parts {
    ($float:ty, $bits:ty) => {
        impl Float<$float> {
            #[inline]
            fn bits(&self) -> $bits {
                if self.0.is_nan() {
                    <$float>::NAN.to_bits()
                } else {
                    // `+ 0.0` turns -0.0 into 0.0 and leaves every other value alone.
                    (self.0 + 0.0).to_bits()
                }
            }
        }

        impl KeyParts for Float<$float> {
            type Owned = $bits;
            type Same = SameEq;

            #[inline]
            fn hash_parts<H: Hasher>(&self, state: &mut H) {
                self.bits().hash(state);
            }

            #[inline]
            fn eq_owned(&self, owned: &$bits) -> bool {
                self.bits() == *owned
            }

            #[inline]
            fn to_owned_key(&self) -> $bits {
                self.bits()
            }
        }
    };
}

float_parts!(f32, u32);
float_parts!(f64, u64);

/// The end of the list: a function without key arguments has a single entry.
impl KeyParts for () {
    type Owned = ();
    type Same = SameEq;

    #[inline]
    fn hash_parts<H: Hasher>(&self, _: &mut H) {}

    #[inline]
    fn eq_owned(&self, _: &()) -> bool {
        true
    }

    #[inline]
    fn to_owned_key(&self) {}
}

impl<A: KeyParts, B: KeyParts> KeyParts for (A, B) {
    type Owned = (A::Owned, B::Owned);
    type Same = (A::Same, B::Same);

    #[inline]
    fn hash_parts<H: Hasher>(&self, state: &mut H) {
        self.0.hash_parts(state);
        self.1.hash_parts(state);
    }

    #[inline]
    fn eq_owned(&self, owned: &Self::Owned) -> bool {
        self.0.eq_owned(&owned.0) && self.1.eq_owned(&owned.1)
    }

    #[inline]
    fn to_owned_key(&self) -> Self::Owned {
        (self.0.to_owned_key(), self.1.to_owned_key())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::{BuildHasher, RandomState};

    fn hash(parts: &impl KeyParts) -> u64 {
        let mut state = RandomState::new().build_hasher();
        parts.hash_parts(&mut state);
        state.finish()
    }

    #[test]
    fn borrowed_parts_match_their_owned_key() {
        let parts = (arg("name"), (arg(&[1u8, 2][..]), (arg(&7u64), ())));
        let owned = parts.to_owned_key();
        assert_eq!(owned, ("name".to_string(), (vec![1u8, 2], (7u64, ()))));
        assert!(parts.eq_owned(&owned));
        assert!(!(arg("other"), (arg(&[1u8, 2][..]), (arg(&7u64), ()))).eq_owned(&owned));
    }

    #[test]
    fn optional_borrows_match_their_owned_key() {
        let (some, none) = (optional(Some("ada")), optional::<str>(None));
        assert_eq!(some.to_owned_key(), Some("ada".to_string()));
        assert!(some.eq_owned(&Some("ada".to_string())));
        assert!(!some.eq_owned(&None) && !some.eq_owned(&Some("bob".to_string())));
        assert!(none.eq_owned(&None) && !none.eq_owned(&Some(String::new())));
        assert!(!<SameOption<SameArg<str, String>>>::same(&None, &Some(String::new())));
        let slices = (optional(Some(&[1u8, 2][..])), ());
        assert_eq!(slices.to_owned_key(), (Some(vec![1u8, 2]), ()));
        let state = RandomState::new();
        let h = |parts: &dyn Fn(&mut std::hash::DefaultHasher)| {
            let mut s = state.build_hasher();
            parts(&mut s);
            s.finish()
        };
        assert_ne!(h(&|s| none.hash_parts(s)), h(&|s| optional(Some("")).hash_parts(s)));
    }

    #[test]
    fn floats_compare_by_value() {
        assert!(Float(-0.0f64).eq_owned(&Float(0.0f64).to_owned_key()));
        assert!(Float(f64::NAN).eq_owned(&Float(-f64::NAN).to_owned_key()));
        assert!(!Float(1.0f32).eq_owned(&Float(1.5f32).to_owned_key()));
        let state = RandomState::new();
        let h = |x: f64| {
            let mut s = state.build_hasher();
            Float(x).hash_parts(&mut s);
            s.finish()
        };
        assert_eq!(h(0.0), h(-0.0));
        let _ = hash(&());
    }
}
