//! What `read_hits` adds to a store: hits under a read lock, which write no line another thread
//! reads. A hit cannot move its entry in the recency list under a read lock, so it sets the
//! entry's *referenced* flag instead; eviction gives a referenced entry a second chance (it
//! becomes the most recent, its flag cleared) and evicts the least recent entry with no flag:
//! the CLOCK approximation of LRU. Hits and misses counted under the read lock go to a line of
//! the thread's own, or, for threads beyond the first [`OWNED`] alive, to one of [`SHARED`]
//! striped lines.

use core::sync::atomic::AtomicBool;
use core::sync::atomic::AtomicU64;
use core::sync::atomic::Ordering::Relaxed;

use crate::store::LruCache;
use crate::sync::thread_number;

/// The threads numbered up to this (see `sync::thread_number`) count on lines of their own:
/// each the only writer of its line, they add with a load and a store, where an atomic add
/// would cost a third of a hit.
const OWNED: usize = 8;
/// The lines the later threads share, with atomic adds: as many as `crossbeam_utils`'
/// `ShardedLock` has reader locks.
const SHARED: usize = 8;

/// The referenced flags and striped counts of a `read_hits` store; empty in an exact one.
pub(crate) struct Clock {
    /// One per slab entry, at its index: hit since eviction last passed over it.
    referenced: Vec<AtomicBool>,
    /// `OWNED + SHARED` of them in a `read_hits` store, none in an exact one.
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
    /// The clock of an exact store: nothing to keep.
    pub(crate) const fn off() -> Self {
        Clock { referenced: Vec::new(), counts: Vec::new() }
    }

    /// The clock of a `read_hits` store, or of an exact one.
    pub(crate) fn new(read_hits: bool) -> Self {
        match read_hits {
            true => Clock {
                referenced: Vec::new(),
                counts: (0..OWNED + SHARED).map(|_| Counts::default()).collect(),
            },
            false => Clock::off(),
        }
    }

    fn is_on(&self) -> bool {
        !self.counts.is_empty()
    }

    /// Adds one to the calling thread's `count` (under the read lock; the write lock excludes
    /// every adder).
    #[inline]
    fn add(&self, count: impl Fn(&Counts) -> &AtomicU64) {
        let thread = thread_number();
        if thread <= OWNED {
            let own = count(&self.counts[thread - 1]);
            own.store(own.load(Relaxed) + 1, Relaxed);
        } else {
            count(&self.counts[OWNED + thread % SHARED]).fetch_add(1, Relaxed);
        }
    }

    /// Counts a hit on the entry at `index`, under the read lock. The flag is written only when
    /// it changes, so that hot entries' lines stay shared between cores.
    pub(crate) fn hit(&self, index: u32) {
        if let Some(flag) = self.referenced.get(index as usize)
            && !flag.load(Relaxed)
        {
            flag.store(true, Relaxed);
        }
        self.add(|counts| &counts.hits);
    }

    /// Counts a miss, under the read lock.
    pub(crate) fn miss(&self) {
        self.add(|counts| &counts.misses);
    }

    /// The hits and misses counted so far.
    pub(crate) fn counted(&self) -> (u64, u64) {
        self.counts.iter().fold((0, 0), |(hits, misses), counts| {
            (hits + counts.hits.load(Relaxed), misses + counts.misses.load(Relaxed))
        })
    }

    /// Forgets the counts and every entry's flag, with the store emptied.
    pub(crate) fn clear(&mut self) {
        self.referenced.clear();
        for counts in &mut self.counts {
            *counts = Counts::default();
        }
    }

    /// Before a `read_hits` store evicts its least recently used entry: moves referenced entries from the
    /// tail to the head, clearing their flags, until the tail is one with no flag. Ends within
    /// `len` steps, since it clears every flag it passes.
    pub(crate) fn spare<K, V>(&mut self, store: &mut LruCache<K, V, ()>) {
        if self.is_on() {
            let referenced = &mut self.referenced;
            store.spare_lru(|index| {
                referenced.get_mut(index as usize).is_some_and(|flag| core::mem::take(flag.get_mut()))
            });
        }
    }

    /// After a `read_hits` store stored an entry at `index`, new or in an evicted entry's place: no flag.
    pub(crate) fn stored(&mut self, index: u32) {
        match self.referenced.get_mut(index as usize) {
            Some(flag) => *flag.get_mut() = false,
            None => self.referenced.push(AtomicBool::new(false)),
        }
    }

    /// After the store removed the entry at `index`, moving its last entry into the place.
    pub(crate) fn removed(&mut self, index: u32) {
        if (index as usize) < self.referenced.len() {
            self.referenced.swap_remove(index as usize);
        }
    }

    /// After the store removed any number of entries, `len` left: every flag is cleared.
    pub(crate) fn removed_many(&mut self, len: usize) {
        if self.is_on() {
            self.referenced.clear();
            self.referenced.resize_with(len, AtomicBool::default);
        }
    }
}
