//! Drives `memo::LruCache` with an arbitrary operation sequence and checks it against a naive
//! model: a `Vec` of entries from the most to the least recently used, cut to the capacity.
//! Every result is compared, and after every operation the length, capacity, iteration order
//! from both ends and `peek_lru`.
//!
//! Shared, via `#[path]`, by the libFuzzer target `fuzz/fuzz_targets/lru_ops.rs` and the
//! stable replay test `tests/tests/fuzz_replay.rs`: `run` takes raw bytes, so any byte string
//! (a corpus file, a crash artifact, a pseudo-random buffer) is a valid input.
//!
//! Input layout: one byte of capacity (`0`: unbounded, else `1..=32`), one byte choosing the
//! hasher (odd: every key in one bucket), then operations until the bytes run out.

use arbitrary::{Arbitrary, Unstructured};
use memo::LruCache;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};
use std::num::NonZeroUsize;

/// Keys are reduced to `0..KEYS` so that hits, replacements and evictions are common.
const KEYS: u8 = 48;
/// Operations per input at most, to keep each execution fast.
const MAX_OPS: usize = 2048;

type K = u8;
type V = u16;

/// One call on the cache. Keys are reduced modulo `KEYS`.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum Op {
    Get(K),
    GetMut(K, V),
    Peek(K),
    Contains(K),
    Put(K, V),
    Push(K, V),
    Pop(K),
    PopEntry(K),
    PopLru,
    PeekLru,
    GetOrInsertWith(K, V),
    /// New capacity `1 + n % 32`.
    Resize(u8),
    Clear,
    /// Replaces the cache by its clone (the clone must behave identically).
    Clone,
}

/// A hasher that sends every key to the same bucket, so every lookup walks collisions.
#[derive(Default, Clone)]
pub struct Colliding;

impl Hasher for Colliding {
    fn finish(&self) -> u64 {
        0x5EED
    }
    fn write(&mut self, _: &[u8]) {}
}

/// The reference: entries from the most to the least recently used, at most `cap` of them.
struct Model {
    entries: Vec<(K, V)>,
    cap: usize,
}

impl Model {
    fn position(&self, k: K) -> Option<usize> {
        self.entries.iter().position(|&(key, _)| key == k)
    }

    /// `get`: the value of `k`, moved to the front.
    fn touch(&mut self, k: K) -> Option<&mut V> {
        let entry = self.entries.remove(self.position(k)?);
        self.entries.insert(0, entry);
        Some(&mut self.entries[0].1)
    }

    /// `push`: inserts at the front; returns the replaced entry or else the evicted one.
    fn push(&mut self, k: K, v: V) -> Option<(K, V)> {
        let out = match self.position(k) {
            Some(i) => Some(self.entries.remove(i)),
            None if self.entries.len() == self.cap => self.entries.pop(),
            None => None,
        };
        self.entries.insert(0, (k, v));
        out
    }

    fn pop_entry(&mut self, k: K) -> Option<(K, V)> {
        Some(self.entries.remove(self.position(k)?))
    }
}

/// Runs the operations encoded in `data`; panics on any divergence from the model.
pub fn run(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let cap = match u.arbitrary::<u8>().unwrap_or(0) {
        0 => None,
        n => Some(1 + usize::from(n - 1) % 32),
    };
    let colliding = u.arbitrary::<u8>().unwrap_or(0) % 2 == 1;
    let hasher = BuildHasherDefault::<Colliding>::default();
    match (cap, colliding) {
        (Some(c), false) => drive(LruCache::new(NonZeroUsize::new(c).unwrap()), cap, &mut u),
        (None, false) => drive(LruCache::unbounded(), cap, &mut u),
        (Some(c), true) => drive(LruCache::with_hasher(NonZeroUsize::new(c).unwrap(), hasher), cap, &mut u),
        (None, true) => drive(LruCache::unbounded_with_hasher(hasher), cap, &mut u),
    }
}

fn drive<S: BuildHasher + Clone>(mut cache: LruCache<K, V, S>, cap: Option<usize>, u: &mut Unstructured<'_>) {
    let mut model = Model { entries: Vec::new(), cap: cap.unwrap_or(usize::MAX) };
    check(&cache, &model, 0, None);
    let mut step = 0;
    while !u.is_empty() && step < MAX_OPS {
        let Ok(op) = u.arbitrary::<Op>() else { break };
        step += 1;
        apply(&mut cache, &mut model, op, step);
        check(&cache, &model, step, Some(op));
    }
}

fn apply<S: BuildHasher + Clone>(cache: &mut LruCache<K, V, S>, model: &mut Model, op: Op, step: usize) {
    let k = |k: K| k % KEYS;
    match op {
        Op::Get(key) => {
            let key = k(key);
            let want = model.touch(key).copied();
            assert_eq!(cache.get(&key).copied(), want, "step {step}: {op:?}");
        }
        Op::GetMut(key, v) => {
            let key = k(key);
            let got = cache.get_mut(&key).map(|x| {
                *x ^= v;
                *x
            });
            let want = model.touch(key).map(|x| {
                *x ^= v;
                *x
            });
            assert_eq!(got, want, "step {step}: {op:?}");
        }
        Op::Peek(key) => {
            let key = k(key);
            let want = model.position(key).map(|i| model.entries[i].1);
            assert_eq!(cache.peek(&key).copied(), want, "step {step}: {op:?}");
        }
        Op::Contains(key) => {
            let key = k(key);
            assert_eq!(cache.contains(&key), model.position(key).is_some(), "step {step}: {op:?}");
        }
        Op::Put(key, v) => {
            let key = k(key);
            let want = model.push(key, v).filter(|&(old, _)| old == key).map(|(_, old)| old);
            assert_eq!(cache.put(key, v), want, "step {step}: {op:?}");
        }
        Op::Push(key, v) => {
            let key = k(key);
            assert_eq!(cache.push(key, v), model.push(key, v), "step {step}: {op:?}");
        }
        Op::Pop(key) => {
            let key = k(key);
            let want = model.pop_entry(key).map(|(_, v)| v);
            assert_eq!(cache.pop(&key), want, "step {step}: {op:?}");
        }
        Op::PopEntry(key) => {
            let key = k(key);
            assert_eq!(cache.pop_entry(&key), model.pop_entry(key), "step {step}: {op:?}");
        }
        Op::PopLru => assert_eq!(cache.pop_lru(), model.entries.pop(), "step {step}: {op:?}"),
        Op::PeekLru => {
            let got = cache.peek_lru().map(|(&k, &v)| (k, v));
            assert_eq!(got, model.entries.last().copied(), "step {step}: {op:?}");
        }
        Op::GetOrInsertWith(key, v) => {
            let key = k(key);
            let mut made = false;
            let got = *cache.get_or_insert_with(key, || {
                made = true;
                v
            });
            let want = match model.touch(key) {
                Some(&mut old) => (old, false),
                None => {
                    model.push(key, v);
                    (v, true)
                }
            };
            assert_eq!((got, made), want, "step {step}: {op:?}");
        }
        Op::Resize(n) => {
            let new_cap = 1 + usize::from(n) % 32;
            cache.resize(NonZeroUsize::new(new_cap).unwrap());
            model.cap = new_cap;
            model.entries.truncate(new_cap);
        }
        Op::Clear => {
            cache.clear();
            model.entries.clear();
        }
        Op::Clone => *cache = cache.clone(),
    }
}

/// Asserts everything observable about `cache` matches `model`.
fn check<S>(cache: &LruCache<K, V, S>, model: &Model, step: usize, op: Option<Op>) {
    let len = model.entries.len();
    assert_eq!(cache.len(), len, "step {step} ({op:?}): len");
    assert_eq!(cache.is_empty(), len == 0, "step {step} ({op:?}): is_empty");
    assert_eq!(cache.cap().get(), model.cap, "step {step} ({op:?}): cap");
    assert!(cache.len() <= cache.cap().get(), "step {step} ({op:?}): len > cap");
    let expected: Vec<(&K, &V)> = model.entries.iter().map(|(k, v)| (k, v)).collect();
    let iter = cache.iter();
    assert_eq!(iter.len(), len, "step {step} ({op:?}): iter().len()");
    assert_eq!(iter.collect::<Vec<_>>(), expected, "step {step} ({op:?}): iter");
    assert!(cache.iter().rev().eq(expected.iter().rev().copied()), "step {step} ({op:?}): iter().rev()");
    assert_eq!(cache.peek_lru(), expected.last().copied(), "step {step} ({op:?}): peek_lru");
    // Alternate ends until they meet; `len()` must stay exact throughout.
    let mut iter = cache.iter();
    let (mut front, mut back) = (0, len);
    while front < back {
        assert_eq!(iter.len(), back - front, "step {step} ({op:?}): iter().len() mid-way");
        if (front + back) % 2 == 0 {
            assert_eq!(iter.next(), Some(expected[front]), "step {step} ({op:?}): next");
            front += 1;
        } else {
            back -= 1;
            assert_eq!(iter.next_back(), Some(expected[back]), "step {step} ({op:?}): next_back");
        }
    }
    assert_eq!((iter.len(), iter.next(), iter.next_back()), (0, None, None), "step {step} ({op:?})");
}
