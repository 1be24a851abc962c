//! How a cache holds a function's values: as they are ([`Always`]), with the instant they
//! expire ([`Expiring`], for `ttl`), or boxed for a cache of several value types
//! ([`ErasedValue`]); caches without expiry pay nothing for it.

use core::any::Any;
use core::time::Duration;
use std::time::Instant;

use crate::__private::CacheValue;

/// A held value, whatever the function's value type.
pub trait Held: Send + 'static {
    /// Whether its `ttl` has passed.
    fn expired(&self) -> bool;
}

/// A held value that gives back a `V`.
pub trait Holds<V>: Held + Sized {
    /// Holds a clone of `value`, for `ttl` if the cache has one.
    fn hold(value: &V, ttl: Option<Duration>) -> Self;
    /// Holds `value` itself (`cache_put`).
    fn hold_owned(value: V, ttl: Option<Duration>) -> Self {
        Self::hold(&value, ttl)
    }
    /// A clone of the value, unless it expired (or, boxed, is not a `V`).
    fn read(&self) -> Option<V>;
}

/// A value held until evicted.
pub struct Always<V>(V);

impl<V: Send + 'static> Held for Always<V> {
    #[inline]
    fn expired(&self) -> bool {
        false
    }
}

impl<V: Clone + Send + 'static> Holds<V> for Always<V> {
    #[inline]
    fn hold(value: &V, _: Option<Duration>) -> Self {
        Always(value.clone())
    }

    fn hold_owned(value: V, _: Option<Duration>) -> Self {
        Always(value)
    }

    #[inline]
    fn read(&self) -> Option<V> {
        Some(self.0.clone())
    }
}

/// A value held until evicted or until its deadline, whichever comes first.
pub struct Expiring<V> {
    value: V,
    deadline: Option<Instant>,
}

impl<V> Expiring<V> {
    #[inline]
    fn new(value: V, ttl: Option<Duration>) -> Self {
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

impl<V: Send + 'static> Held for Expiring<V> {
    #[inline]
    fn expired(&self) -> bool {
        self.fresh().is_none()
    }
}

impl<V: Clone + Send + 'static> Holds<V> for Expiring<V> {
    #[inline]
    fn hold(value: &V, ttl: Option<Duration>) -> Self {
        Expiring::new(value.clone(), ttl)
    }

    fn hold_owned(value: V, ttl: Option<Duration>) -> Self {
        Expiring::new(value, ttl)
    }

    #[inline]
    fn read(&self) -> Option<V> {
        self.fresh().cloned()
    }
}

/// A value of any type, boxed, with its deadline.
pub struct ErasedValue(Expiring<Box<dyn Any + Send>>);

impl Held for ErasedValue {
    #[inline]
    fn expired(&self) -> bool {
        self.0.expired()
    }
}

impl<V: CacheValue> Holds<V> for ErasedValue {
    #[inline]
    fn hold(value: &V, ttl: Option<Duration>) -> Self {
        ErasedValue(Expiring::new(value.erased(), ttl))
    }

    #[inline]
    fn read(&self) -> Option<V> {
        self.0.fresh()?.downcast_ref::<V>().map(V::cloned)
    }
}
