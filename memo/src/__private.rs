//! What the macro's expansion names. Not public API: no stability guarantees.

pub use crate::function::{ErasedKey, FnCache, GenericFnCache, Lookup, Slot};
pub use crate::key::{Arg, Float, KeyArg, KeyParts};
pub use core::any::TypeId;

/// A value a memoized function can return: cloned on every hit, shared between threads.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be cached: a cached value must be `Clone + Send + 'static`",
    label = "every hit returns a clone of the cached value",
    note = "derive or implement `Clone`, or return an `Arc<T>` to share one value between hits"
)]
pub trait CacheValue: Clone + Send + 'static {}
impl<T: Clone + Send + 'static> CacheValue for T {}

/// The `Ok` type of a function returning a `Result` (or an alias of it, like `io::Result<T>`).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is named like a `Result` but is not `core::result::Result`",
    label = "memo caches the `Ok` values of a `Result` and never its `Err`s",
    note = "return `core::result::Result<T, E>` or an alias of it"
)]
pub trait IsResult {
    /// What is cached.
    type Ok;
}

impl<T, E> IsResult for Result<T, E> {
    type Ok = T;
}

/// Type-checks a key argument; spanned on the user's type.
pub const fn assert_key<T: ?Sized + KeyArg>() {}

/// Type-checks a cached value; spanned on the user's return type.
pub const fn assert_value<T: CacheValue>() {}
