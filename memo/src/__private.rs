//! What the macro's expansion names. Not public API: no stability guarantees.

pub use crate::call::{Call, Handle, NoTier, OkSomeValues, OkValues, Plain, SharedTier, Site, SomeValues};
pub use crate::clock::Clock;
pub use crate::function::FnCache;
pub use crate::held::{Always, ErasedValue, Expiring};
pub use crate::key::{Arg, Float, KeyParts, Optional, arg, optional};
pub use crate::policy::Lru;
pub use crate::scheme::{Erased, Typed};
pub use crate::shared::codec::{Encode, KeyWriter, Value};
pub use crate::shared::tier::{Target, Tier};
pub use core::any::{TypeId, type_name};
pub use core::time::Duration;

/// A key or value of a `read_hits` cache, which threads read at once.
#[diagnostic::on_unimplemented(
    message = "`read_hits` shares cached keys and values between threads, and `{Self}` is not `Sync`",
    label = "read by several threads at once under `read_hits`",
    note = "remove `read_hits` (an exact cache needs only `Send`), or cache a `Sync` type: a `Mutex` or an atomic rather than a `Cell`"
)]
pub trait ReadShared {
    /// `Self`, named through this projection so that a type that is not `Sync` is one error.
    type Shared;
}

impl<T: Sync> ReadShared for T {
    type Shared = T;
}

/// A value a memoized function can return: cloned on every hit, shared between threads.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be cached: a cached value must be `Clone + Send + 'static`",
    label = "every hit returns a clone of the cached value, from any thread",
    note = "derive or implement `Clone`, use `Arc` rather than `Rc`, or return an `Arc<T>` to share one value between hits"
)]
pub trait CacheValue: 'static {
    /// `Self`. The macro names the cache's value type through this projection, so that a
    /// return type that cannot be cached is one error, on the user's type.
    type Stored;
    /// A clone, as a hit returns it.
    fn cloned(&self) -> Self
    where
        Self: Sized;
    /// A clone, boxed for a cache of several types.
    fn erased(&self) -> Box<dyn core::any::Any + Send>;
}

impl<T: Clone + Send + 'static> CacheValue for T {
    type Stored = T;

    #[inline]
    fn cloned(&self) -> T {
        self.clone()
    }

    #[inline]
    fn erased(&self) -> Box<dyn core::any::Any + Send> {
        Box::new(self.clone())
    }
}

/// The value of a `key = expr` option.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a cache key",
    label = "the `key` expression must give an owned `Hash + Eq + Clone + Send + 'static` value",
    note = "build an owned key, as in `key = name.trim().to_lowercase()` or `key = (config.id, config.region.clone())`"
)]
pub trait CustomKey {
    /// `Self`, named through this projection so that a value that cannot be a key is one
    /// error, on the expression.
    type Owned;
}

#[diagnostic::do_not_recommend]
impl<T: core::hash::Hash + Eq + Clone + Send + 'static> CustomKey for T {
    type Owned = T;
}

/// Views a `key` expression's value as the call's key; the one place that checks it, spanned
/// on the expression.
#[inline]
pub fn custom_key<T: CustomKey + crate::CacheKey>(key: &T) -> Arg<'_, T, <T as CustomKey>::Owned> {
    Arg::new(key)
}

/// The `Ok` type of a function returning a `Result` (or an alias of it, like `io::Result<T>`).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is named like a `Result` but is not `core::result::Result`",
    label = "memo caches the `Ok` values of a `Result` and never its `Err`s",
    note = "return `core::result::Result<T, E>` or an alias of it"
)]
pub trait IsResult {
    /// What is cached.
    type Ok;
    /// The `Ok` value, if any.
    fn ok_ref(&self) -> Option<&Self::Ok>;
    /// A cached value, returned.
    fn from_ok(ok: Self::Ok) -> Self;
}

impl<T, E> IsResult for Result<T, E> {
    type Ok = T;

    #[inline]
    fn ok_ref(&self) -> Option<&T> {
        self.as_ref().ok()
    }

    #[inline]
    fn from_ok(ok: T) -> Self {
        Ok(ok)
    }
}

/// The namespace of a free function in a shared store: the path of `marker`, a function
/// declared beside it (so that it names the enclosing function of a nested one), with the
/// marker's prefix taken out, and the version.
pub fn namespace_of<F>(_marker: F, version: u32) -> String {
    let path = core::any::type_name::<F>().replacen("__memo_marker_", "", 1);
    format!("{path}@v{version}")
}

/// The value of a function declared with `cache_none = false`.
#[diagnostic::on_unimplemented(
    message = "`cache_none = false` needs a function returning an `Option`, not `{Self}`",
    label = "only `Option` values can be `None`",
    note = "remove `cache_none = false`, or return an `Option<T>` (or a `Result<Option<T>, E>`)"
)]
pub trait IsOption {
    /// Whether the value is kept.
    fn is_some(&self) -> bool;
}

impl<T> IsOption for Option<T> {
    #[inline]
    fn is_some(&self) -> bool {
        Option::is_some(self)
    }
}

/// An argument of a function with a shared tier: it is written to the store with serde.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be part of a shared cache key: it must implement `serde::Serialize`",
    label = "a shared tier writes each argument of the key to its store",
    note = "derive `serde::Serialize` for it, or leave the argument out of the key with `ignore = [..]`"
)]
pub trait SharedArg: crate::shared::codec::Encode {}

#[diagnostic::do_not_recommend]
impl<T: crate::shared::codec::Encode + ?Sized> SharedArg for T {}

/// Writes an argument to a call's shared key. The one place that requires `Serialize`, spanned
/// on the argument's type.
#[inline]
pub fn shared_arg<T: SharedArg + ?Sized>(key: &mut KeyWriter, arg: &T) {
    key.push(arg);
}

/// A value a function with a shared tier returns: written to the store and read back.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be stored in a shared tier: it must implement `serde::Serialize` and `serde::Deserialize`",
    label = "a shared tier writes the value to its store and reads it back in other processes",
    note = "derive `serde::Serialize` and `serde::Deserialize` for it"
)]
pub trait SharedValue: crate::shared::codec::Value {}

#[diagnostic::do_not_recommend]
impl<T: crate::shared::codec::Value> SharedValue for T {}

/// The shared tier of a call, whose key `key` writes; checks that the return type can go to a
/// shared store, on the return type's span.
#[inline]
pub fn shared_tier<V: SharedValue, F: FnOnce(&mut KeyWriter)>(
    tier: &'static Tier,
    tag: &'static str,
    key: F,
) -> SharedTier<V, F> {
    SharedTier::new(tier, tag, key)
}

/// The target of `disk`, or a compile error saying how to turn the feature on.
#[cfg(feature = "disk")]
#[doc(hidden)]
#[macro_export]
macro_rules! __memo_disk {
    ($path:expr) => {
        $crate::__private::Target::Disk($path)
    };
}

/// The target of `disk`, or a compile error saying how to turn the feature on.
#[cfg(not(feature = "disk"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __memo_disk {
    ($path:expr) => {{
        ::core::compile_error!(
            "the `disk` option needs memo's `disk` feature: `memo = { version = \"0.1\", features = [\"disk\"] }` in Cargo.toml"
        );
        $crate::__private::Target::Unavailable
    }};
}

/// The target of `redis`, or a compile error saying how to turn the feature on.
#[cfg(feature = "redis")]
#[doc(hidden)]
#[macro_export]
macro_rules! __memo_redis {
    () => {
        $crate::__private::Target::Redis
    };
}

/// The target of `redis`, or a compile error saying how to turn the feature on.
#[cfg(not(feature = "redis"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __memo_redis {
    () => {{
        ::core::compile_error!(
            "the `redis` option needs memo's `redis` feature: `memo = { version = \"0.1\", features = [\"redis\"] }` in Cargo.toml"
        );
        $crate::__private::Target::Unavailable
    }};
}
