//! The synchronisation the function caches use: `parking_lot` and `core` atomics, or, built
//! with `--cfg shuttle`, shuttle's, so that the protocol can be model-checked (`shuttle.rs`).

use core::cell::Cell;
use core::cmp::Reverse;
use std::collections::BinaryHeap;

#[cfg(not(shuttle))]
pub(crate) use core::sync::atomic::{AtomicU64, AtomicUsize};
#[cfg(shuttle)]
pub(crate) use shuttle::sync::atomic::{AtomicU64, AtomicUsize};

#[cfg(not(shuttle))]
pub(crate) use parking_lot::{Mutex, MutexGuard};

#[cfg(shuttle)]
pub(crate) use model::{Mutex, MutexGuard};

/// A condition variable over [`Mutex`]: `parking_lot`'s, or shuttle's.
pub(crate) struct Condvar {
    #[cfg(not(shuttle))]
    inner: parking_lot::Condvar,
    #[cfg(shuttle)]
    inner: shuttle::sync::Condvar,
}

impl Condvar {
    pub(crate) const fn new() -> Self {
        #[cfg(not(shuttle))]
        let inner = parking_lot::Condvar::new();
        #[cfg(shuttle)]
        let inner = shuttle::sync::Condvar::new();
        Condvar { inner }
    }

    /// Releases `guard`'s lock until notified, then takes it again.
    pub(crate) fn wait<'a, T>(&self, guard: MutexGuard<'a, T>) -> MutexGuard<'a, T> {
        #[cfg(not(shuttle))]
        {
            let mut guard = guard;
            self.inner.wait(&mut guard);
            guard
        }
        #[cfg(shuttle)]
        self.inner.wait(guard).unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub(crate) fn notify_all(&self) {
        self.inner.notify_all();
    }
}

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
}

const RECORDED: usize = 4;

#[cfg(not(shuttle))]
thread_local!(static HELD: HeldLocks = const { HeldLocks::new() });
#[cfg(shuttle)]
shuttle::thread_local!(static HELD: HeldLocks = const { HeldLocks::new() });

impl HeldLocks {
    const fn new() -> Self {
        HeldLocks { count: Cell::new(0), addresses: [const { Cell::new(0) }; RECORDED] }
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

/// The number of a live thread that asked for one (0: not yet), given back when it exits.
struct ThreadNumber(Cell<usize>);

/// The numbers that exited threads gave back, for the next to ask, smallest first.
static FREED: parking_lot::Mutex<BinaryHeap<Reverse<usize>>> = parking_lot::Mutex::new(BinaryHeap::new());
/// The number after the largest handed out so far.
static NEXT: core::sync::atomic::AtomicUsize = core::sync::atomic::AtomicUsize::new(1);

#[cfg(not(shuttle))]
thread_local!(static NUMBER: ThreadNumber = const { ThreadNumber(Cell::new(0)) });
#[cfg(shuttle)]
shuttle::thread_local!(static NUMBER: ThreadNumber = const { ThreadNumber(Cell::new(0)) });

impl Drop for ThreadNumber {
    fn drop(&mut self) {
        if self.0.get() != 0 {
            FREED.lock().push(Reverse(self.0.get()));
        }
    }
}

/// The calling thread's number, from 1: no other live thread has it, and the smallest free
/// one goes first, so that a bounded pool of threads keeps small numbers. Whatever a thread
/// wrote under its number happens before the next owner's first use of it (through `FREED`).
/// `usize::MAX` (shared by all) for a thread whose thread-locals are being destroyed.
#[inline]
pub(crate) fn thread_number() -> usize {
    NUMBER
        .try_with(|number| match number.0.get() {
            0 => {
                let freed = FREED.lock().pop();
                let new =
                    freed.map_or_else(|| NEXT.fetch_add(1, core::sync::atomic::Ordering::Relaxed), |n| n.0);
                number.0.set(new);
                new
            }
            known => known,
        })
        .unwrap_or(usize::MAX)
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
    fn live_threads_have_distinct_numbers_and_exited_ones_give_theirs_back() {
        let mine = thread_number();
        assert_eq!(thread_number(), mine, "a thread keeps its number");
        let barrier = std::sync::Barrier::new(3);
        let both_alive = || {
            let number = thread_number();
            barrier.wait();
            number
        };
        let (a, b) = std::thread::scope(|s| {
            let (a, b) = (s.spawn(both_alive), s.spawn(both_alive));
            barrier.wait();
            (a.join().unwrap(), b.join().unwrap())
        });
        assert!(a != b && a != mine && b != mine, "{mine} {a} {b}");
        let next = std::thread::spawn(thread_number).join().unwrap();
        assert_eq!(next, a.min(b), "the smallest number given back goes first");
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
