//! How a function's stores are locked: [`Exclusive`], every call under a mutex (exact LRU), or
//! [`Shared`] (`read_hits`), hits under a read lock. A type parameter rather than a flag, so
//! that only `read_hits` caches need keys and values that threads may share (`Sync`).

use core::ops::{Deref, DerefMut};
use std::sync::{OnceLock, PoisonError};

use crate::sync::{Mutex, MutexGuard, ReadGuard, ReadLock, WriteGuard};

/// A way of locking a store; implemented by [`Exclusive`] and [`Shared`] only.
pub trait Locking: 'static {
    /// Whether hits take a read lock, marking their entries for CLOCK eviction.
    const READ_HITS: bool;
    /// The lock around a value of type `T`.
    type Lock<T>;
    /// The lock held for reading.
    type Read<'a, T: 'a>: Deref<Target = T>;
    /// The lock held for writing.
    type Write<'a, T: 'a>: DerefMut<Target = T>;

    /// A lock around `make()`, made now or on first use.
    fn new<T>(make: impl FnOnce() -> T) -> Self::Lock<T>;

    /// Takes `lock` for writing; `make` gives its value on first use.
    fn write<T>(lock: &Self::Lock<T>, make: impl FnOnce() -> T) -> Self::Write<'_, T>;

    /// Takes `lock` for reading, where it has a read mode; `make` as for `write`.
    fn read<T>(lock: &Self::Lock<T>, make: impl FnOnce() -> T) -> Option<Self::Read<'_, T>>;
}

/// Exact LRU: every call takes the store's mutex.
pub struct Exclusive;

/// `read_hits`: a hit takes a read lock, anything else the write lock.
pub struct Shared;

impl Locking for Exclusive {
    const READ_HITS: bool = false;
    type Lock<T> = Mutex<T>;
    type Read<'a, T: 'a> = MutexGuard<'a, T>;
    type Write<'a, T: 'a> = MutexGuard<'a, T>;

    fn new<T>(make: impl FnOnce() -> T) -> Mutex<T> {
        Mutex::new(make())
    }

    #[inline(always)]
    fn write<T>(lock: &Mutex<T>, _: impl FnOnce() -> T) -> MutexGuard<'_, T> {
        lock.lock()
    }

    #[inline(always)]
    fn read<T>(_: &Mutex<T>, _: impl FnOnce() -> T) -> Option<MutexGuard<'_, T>> {
        None
    }
}

impl Locking for Shared {
    const READ_HITS: bool = true;
    /// Made on first use: `crossbeam_utils`' lock allocates, and caches are `static`.
    type Lock<T> = OnceLock<ReadLock<T>>;
    type Read<'a, T: 'a> = ReadGuard<'a, T>;
    type Write<'a, T: 'a> = WriteGuard<'a, T>;

    fn new<T>(_: impl FnOnce() -> T) -> Self::Lock<T> {
        OnceLock::new()
    }

    /// A panic under the lock leaves the store consistent: no poisoning.
    #[inline]
    fn write<T>(lock: &Self::Lock<T>, make: impl FnOnce() -> T) -> WriteGuard<'_, T> {
        lock.get_or_init(|| ReadLock::new(make())).write().unwrap_or_else(PoisonError::into_inner)
    }

    #[inline(always)]
    fn read<T>(lock: &Self::Lock<T>, make: impl FnOnce() -> T) -> Option<ReadGuard<'_, T>> {
        Some(lock.get_or_init(|| ReadLock::new(make())).read().unwrap_or_else(PoisonError::into_inner))
    }
}

/// A held lock, recorded as the calling thread's while it lives (see `sync::taking_lock`).
pub(crate) struct Locked<G> {
    pub(crate) address: usize,
    pub(crate) guard: G,
}

impl<G> Drop for Locked<G> {
    #[inline(always)]
    fn drop(&mut self) {
        crate::sync::released_lock(self.address);
    }
}

impl<G: Deref> Deref for Locked<G> {
    type Target = G::Target;

    fn deref(&self) -> &G::Target {
        &self.guard
    }
}

impl<G: DerefMut> DerefMut for Locked<G> {
    fn deref_mut(&mut self) -> &mut G::Target {
        &mut self.guard
    }
}
