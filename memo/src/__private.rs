//! What the macro's expansion names. Not public API: no stability guarantees.

pub use crate::function::{ErasedKey, ErasedSlot, FnCache, GenericFnCache, Lookup, Slot};
pub use crate::key::{Arg, Float, KeyParts, arg};
pub use core::any::TypeId;

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
