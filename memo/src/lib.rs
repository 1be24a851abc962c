//! memo: `functools.lru_cache` for Rust. (Guide written below.)

#[allow(unused_extern_crates)] // lets the crate's own tests name `::memo`
extern crate self as memo;

mod function;
mod info;
mod key;
mod store;

pub use hashbrown::{DefaultHashBuilder, Equivalent};
pub use info::{CacheInfo, CacheParameters};
pub use memo_macros::{cache, lru_cache};
pub use store::{Iter, LruCache};

#[doc(hidden)]
pub mod __private;
