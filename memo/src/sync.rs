//! The synchronisation the function caches use: `parking_lot` and `core` atomics, or, built
//! with `--cfg shuttle`, shuttle's, so that the protocol can be model-checked (`shuttle.rs`).

#[cfg(not(shuttle))]
pub(crate) use core::sync::atomic::{AtomicU64, AtomicUsize};
#[cfg(shuttle)]
pub(crate) use shuttle::sync::atomic::{AtomicU64, AtomicUsize};

#[cfg(not(shuttle))]
pub(crate) use parking_lot::{Mutex, MutexGuard};

#[cfg(shuttle)]
pub(crate) use model::{Mutex, MutexGuard};

/// A nonzero number unique to the calling thread among live threads: the address of a
/// thread-local.
#[inline]
pub(crate) fn thread_token() -> usize {
    #[cfg(not(shuttle))]
    thread_local!(static TOKEN: u8 = const { 0 });
    #[cfg(shuttle)]
    shuttle::thread_local!(static TOKEN: u8 = const { 0 });
    TOKEN.with(|token| core::ptr::from_ref(token) as usize)
}

/// shuttle's mutex with `parking_lot`'s interface: no poisoning.
#[cfg(shuttle)]
mod model {
    pub(crate) use shuttle::sync::MutexGuard;

    pub(crate) struct Mutex<T>(shuttle::sync::Mutex<T>);

    impl<T> Mutex<T> {
        pub(crate) const fn new(value: T) -> Self {
            Mutex(shuttle::sync::Mutex::new(value))
        }

        pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
            self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
        }
    }
}
