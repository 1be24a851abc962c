//! The CLOCK eviction policy of `read_hits`: hits under a read lock, which write no line another thread
//! reads. A hit cannot move its entry in the recency list under a read lock, so it sets the
//! entry's *referenced* flag instead; eviction gives a referenced entry a second chance (it
//! becomes the most recent, its flag cleared) and evicts the least recent entry with no flag:
//! the CLOCK approximation of LRU. Hits and misses counted under the read lock go to a line of
//! the thread's own, or, for threads beyond the first [`OWNED`] alive, to one of [`SHARED`]
//! striped lines.

use core::sync::atomic::AtomicBool;
use core::sync::atomic::AtomicU64;
use core::sync::atomic::Ordering::Relaxed;

use core::time::Duration;

use crate::function::FnCache;
use crate::locking::Shared;
use crate::policy::Policy;
use crate::scheme::Scheme;
use crate::store::LruCache;
use crate::sync::thread_number;

/// The threads numbered up to this (see `sync::thread_number`) count on lines of their own:
/// each the only writer of its line, they add with a load and a store, where an atomic add
/// would cost a third of a hit.
const OWNED: usize = 8;
/// The lines the later threads share, with atomic adds: as many as `crossbeam_utils`'
/// `ShardedLock` has reader locks.
const SHARED: usize = 8;

/// The referenced flags and striped counts of a `read_hits` store.
pub struct Clock {
    /// One per slab entry, at its index: hit since eviction last passed over it.
    referenced: Vec<AtomicBool>,
    /// `OWNED + SHARED` of them once the store's lock is made (none in [`Policy::EMPTY`]).
    counts: Vec<Counts>,
}

/// The calls that one thread, or one stripe of threads, counted, alone on its cache lines.
#[derive(Default)]
#[repr(align(128))]
struct Counts {
    hits: AtomicU64,
    misses: AtomicU64,
}

impl Clock {
    /// Adds one to the calling thread's `count` (under the read lock; the write lock excludes
    /// every adder).
    #[inline]
    fn add(&self, count: impl Fn(&Counts) -> &AtomicU64) {
        let thread = thread_number();
        if thread <= OWNED {
            if let Some(own) = self.counts.get(thread - 1).map(&count) {
                own.store(own.load(Relaxed) + 1, Relaxed);
            }
        } else if let Some(stripe) = self.counts.get(OWNED + thread % SHARED) {
            count(stripe).fetch_add(1, Relaxed);
        }
    }
}

impl Policy for Clock {
    type Lock = Shared;
    /// Empty until its lock is made, on first use.
    const EMPTY: Self = Clock { referenced: Vec::new(), counts: Vec::new() };

    fn made() -> Self {
        Clock { referenced: Vec::new(), counts: (0..OWNED + SHARED).map(|_| Counts::default()).collect() }
    }

    /// Counts a hit on the entry at `index`, under the read lock. The flag is written only when
    /// it changes, so that hot entries' lines stay shared between cores.
    fn read_hit(&self, index: u32) {
        if let Some(flag) = self.referenced.get(index as usize)
            && !flag.load(Relaxed)
        {
            flag.store(true, Relaxed);
        }
        self.add(|counts| &counts.hits);
    }

    /// Counts a miss, under the read lock.
    fn read_miss(&self) {
        self.add(|counts| &counts.misses);
    }

    /// The hits and misses counted so far.
    fn counted(&self) -> (u64, u64) {
        self.counts.iter().fold((0, 0), |(hits, misses), counts| {
            (hits + counts.hits.load(Relaxed), misses + counts.misses.load(Relaxed))
        })
    }

    /// Forgets the counts and every entry's flag, with the store emptied.
    fn clear(&mut self) {
        self.referenced.clear();
        for counts in &mut self.counts {
            *counts = Counts::default();
        }
    }

    /// Before the store evicts its least recently used entry: moves referenced entries from the
    /// tail to the head, clearing their flags, until the tail is one with no flag. Ends within
    /// `len` steps, since it clears every flag it passes.
    fn before_evict<K, V>(&mut self, store: &mut LruCache<K, V, ()>) {
        let referenced = &mut self.referenced;
        store.spare_lru(|index| {
            referenced.get_mut(index as usize).is_some_and(|flag| core::mem::take(flag.get_mut()))
        });
    }

    /// After the store stored an entry at `index`, new or in an evicted entry's place: no flag.
    fn stored(&mut self, index: u32) {
        match self.referenced.get_mut(index as usize) {
            Some(flag) => *flag.get_mut() = false,
            None => self.referenced.push(AtomicBool::new(false)),
        }
    }

    /// After the store removed the entry at `index`, moving its last entry into the place.
    fn removed(&mut self, index: u32) {
        if (index as usize) < self.referenced.len() {
            self.referenced.swap_remove(index as usize);
        }
    }

    /// After the store removed any number of entries, `len` left: every flag is cleared.
    fn removed_many(&mut self, len: usize) {
        self.referenced.clear();
        self.referenced.resize_with(len, AtomicBool::default);
    }
}

impl<S: Scheme, E> FnCache<S, E, Clock> {
    /// An empty cache whose hits take a read lock (`read_hits`); allocates nothing until the
    /// first call.
    pub const fn new(maxsize: Option<usize>, typed: bool, shards: usize, ttl: Option<Duration>) -> Self {
        FnCache::shared(maxsize, typed, shards, ttl)
    }
}
