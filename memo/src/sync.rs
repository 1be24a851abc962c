//! The synchronisation the function caches use: `parking_lot` and `core` atomics, or, built
//! with `--cfg shuttle`, shuttle's, so that the protocol can be model-checked (`shuttle.rs`).

use core::cell::Cell;

#[cfg(not(shuttle))]
pub(crate) use core::sync::atomic::{AtomicU64, AtomicUsize};
#[cfg(shuttle)]
pub(crate) use shuttle::sync::atomic::{AtomicU64, AtomicUsize};

#[cfg(not(shuttle))]
pub(crate) use parking_lot::{Mutex, MutexGuard};

#[cfg(shuttle)]
pub(crate) use model::{Mutex, MutexGuard};

/// A reader-writer lock whose readers on different threads write different cache lines:
/// `crossbeam_utils`' `ShardedLock` (shuttle's `RwLock` under `--cfg shuttle`).
#[cfg(not(shuttle))]
pub(crate) use crossbeam_utils::sync::{
    ShardedLock as ReadLock, ShardedLockReadGuard as ReadGuard, ShardedLockWriteGuard as WriteGuard,
};
#[cfg(shuttle)]
pub(crate) use shuttle::sync::{
    RwLock as ReadLock, RwLockReadGuard as ReadGuard, RwLockWriteGuard as WriteGuard,
};

/// The shard locks the calling thread holds, as their addresses, innermost last. A call that
/// would wait for a lock its own thread holds (a key's `Eq` or a value's `Clone` calling the
/// function again) checks here, without touching the lock's cache line, which the other core
/// may hold.
struct HeldLocks {
    count: Cell<usize>,
    /// The first `RECORDED` of them; a deeper nesting counts as holding every lock.
    addresses: [Cell<usize>; RECORDED],
    /// The thread's number, from 1 in the order threads ask for it; 0 until then.
    stripe: Cell<usize>,
}

/// The number of the next thread to ask for its stripe.
static NEXT_STRIPE: core::sync::atomic::AtomicUsize = core::sync::atomic::AtomicUsize::new(1);

const RECORDED: usize = 4;

#[cfg(not(shuttle))]
thread_local!(static HELD: HeldLocks = const { HeldLocks::new() });
#[cfg(shuttle)]
shuttle::thread_local!(static HELD: HeldLocks = const { HeldLocks::new() });

impl HeldLocks {
    const fn new() -> Self {
        HeldLocks { count: Cell::new(0), addresses: [const { Cell::new(0) }; RECORDED], stripe: Cell::new(0) }
    }
}

/// Records that the calling thread is taking the lock at `address`, unless it holds it already
/// (then `false`).
#[inline(always)]
pub(crate) fn taking_lock(address: usize) -> bool {
    HELD.with(|held| {
        let count = held.count.get();
        let holds = match held.addresses.get(..count) {
            Some(recorded) => recorded.iter().any(|a| a.get() == address),
            None => true,
        };
        if !holds {
            if let Some(slot) = held.addresses.get(count) {
                slot.set(address);
            }
            held.count.set(count + 1);
        }
        !holds
    })
}

/// Records that the calling thread released the lock at `address`, its innermost.
#[inline(always)]
pub(crate) fn released_lock(address: usize) {
    HELD.with(|held| {
        let count = held.count.get() - 1;
        debug_assert!(held.addresses.get(count).is_none_or(|a| a.get() == address));
        held.count.set(count);
    });
}

/// A number of the calling thread's, different from other threads' (until it wraps), for
/// spreading their writes over stripes.
#[inline]
pub(crate) fn thread_stripe() -> usize {
    HELD.with(|held| match held.stripe.get() {
        0 => {
            let stripe = NEXT_STRIPE.fetch_add(1, core::sync::atomic::Ordering::Relaxed).max(1);
            held.stripe.set(stripe);
            stripe
        }
        stripe => stripe,
    })
}

/// shuttle's mutex with `parking_lot`'s interface: no poisoning.
#[cfg(shuttle)]
mod model {
    pub(crate) use shuttle::sync::MutexGuard;

    /// Public (in a private module) as `locking::Exclusive` names it.
    #[allow(unreachable_pub)]
    pub struct Mutex<T>(shuttle::sync::Mutex<T>);

    impl<T> Mutex<T> {
        pub(crate) const fn new(value: T) -> Self {
            Mutex(shuttle::sync::Mutex::new(value))
        }

        pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
            self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
        }
    }
}

#[cfg(all(test, not(shuttle)))]
mod tests {
    use super::*;

    #[test]
    fn a_thread_knows_the_locks_it_holds() {
        assert!(taking_lock(10) && taking_lock(20));
        assert!(!taking_lock(10) && !taking_lock(20));
        released_lock(20);
        assert!(!taking_lock(10));
        assert!(std::thread::scope(|s| s.spawn(|| taking_lock(10)).join().unwrap()));
        assert!(taking_lock(20));
        released_lock(20);
        released_lock(10);
        assert!(taking_lock(10));
        released_lock(10);
    }

    #[test]
    fn a_nesting_deeper_than_recorded_counts_as_holding_every_lock() {
        for address in 1..=RECORDED + 1 {
            assert!(taking_lock(address));
        }
        assert!(!taking_lock(1000));
        released_lock(RECORDED + 1);
        assert!(!taking_lock(RECORDED));
        assert!(taking_lock(1000));
        released_lock(1000);
        for address in (1..=RECORDED).rev() {
            released_lock(address);
        }
        assert!(taking_lock(1));
        released_lock(1);
    }
}
