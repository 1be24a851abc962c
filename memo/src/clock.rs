//! What `read_hits` adds to a store: hits under a read lock, which write no line another thread
//! reads. A hit cannot move its entry in the recency list under a read lock, so it sets the
//! entry's *referenced* flag instead; eviction gives a referenced entry a second chance (it
//! becomes the most recent, its flag cleared) and evicts the least recent entry with no flag:
//! the CLOCK approximation of LRU. Hits and misses counted under the read lock go to one line
//! per thread stripe.

use core::sync::atomic::AtomicBool;
use core::sync::atomic::AtomicU64;
use core::sync::atomic::Ordering::Relaxed;

use crate::store::LruCache;
use crate::sync::thread_stripe;

/// Stripes of counts: as many as `crossbeam_utils`' `ShardedLock` has reader locks.
const STRIPES: usize = 8;

/// The referenced flags and striped counts of a `read_hits` store; empty in an exact one.
pub(crate) struct Clock {
    /// One per slab entry, at its index: hit since eviction last passed over it.
    referenced: Vec<AtomicBool>,
    /// `STRIPES` of them in a `read_hits` store, none in an exact one.
    counts: Vec<Counts>,
}

/// The calls one stripe of threads counted, alone on its cache lines.
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
            true => {
                Clock { referenced: Vec::new(), counts: (0..STRIPES).map(|_| Counts::default()).collect() }
            }
            false => Clock::off(),
        }
    }

    fn is_on(&self) -> bool {
        !self.counts.is_empty()
    }

    fn stripe(&self) -> &Counts {
        &self.counts[thread_stripe() % STRIPES]
    }

    /// Counts a hit on the entry at `index`, under the read lock. The flag is written only when
    /// it changes, so that hot entries' lines stay shared between cores.
    pub(crate) fn hit(&self, index: u32) {
        if let Some(flag) = self.referenced.get(index as usize)
            && !flag.load(Relaxed)
        {
            flag.store(true, Relaxed);
        }
        self.stripe().hits.fetch_add(1, Relaxed);
    }

    /// Counts a miss, under the read lock.
    pub(crate) fn miss(&self) {
        self.stripe().misses.fetch_add(1, Relaxed);
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
