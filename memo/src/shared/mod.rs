//! The shared tiers behind the in-process cache: a store on local disk (`disk` feature) or
//! in Redis (`redis` feature), reached only when the in-process cache misses.

// What the stores use is unused with `shared` alone, which no user turns on by itself.
#[cfg_attr(not(any(feature = "disk", feature = "redis")), allow(dead_code))]
mod backend;
pub(crate) mod codec;
#[cfg_attr(not(any(feature = "disk", feature = "redis")), allow(dead_code))]
pub(crate) mod seal;
pub(crate) mod tier;

#[cfg(feature = "disk")]
pub mod disk;
#[cfg(feature = "redis")]
pub mod redis;

pub use backend::StoreError;
pub(crate) use backend::{Backend, Claim, Claimed, Key};
