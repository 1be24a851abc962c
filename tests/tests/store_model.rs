//! Proves `memo::LruCache` behaves like a naive reference model: a `Vec` of entries from the
//! most to the least recently used, cut to an explicit capacity. Seeded random sequences of
//! every operation (capacities 1, 2, 3, 7, 64 and unbounded, with a real and an all-colliding
//! hasher) are run against both, comparing every result and, after every step, the length,
//! capacity and full iteration order from both ends. Targeted tests cover borrowed lookups
//! without allocation, drop accounting, slot reuse, `Clone` and `Debug`.

use memo::LruCache;
use memo_tests::SplitMix64;
use std::borrow::Borrow;
use std::cell::{Cell, RefCell};
use std::hash::{BuildHasher, BuildHasherDefault, Hash, Hasher};
use std::num::NonZeroUsize;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::rc::Rc;

// ---------------------------------------------------------------------------------------------
// Helpers

fn nz(n: usize) -> NonZeroUsize {
    NonZeroUsize::new(n).unwrap()
}

/// How many allocations `f` made on this thread (`allocation-counter`'s global allocator).
fn allocations(f: impl FnOnce()) -> usize {
    allocation_counter::measure(f).count_total as usize
}

/// A hasher that sends every key to the same bucket, so every lookup walks collisions.
#[derive(Default)]
struct Colliding;

impl Hasher for Colliding {
    fn finish(&self) -> u64 {
        0x5EED
    }
    fn write(&mut self, _: &[u8]) {}
}

// ---------------------------------------------------------------------------------------------
// The model

type K = u32;
type V = u64;

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

    fn resize(&mut self, cap: usize) {
        self.cap = cap;
        self.entries.truncate(cap);
    }
}

/// Asserts everything observable about `cache` matches `model`.
fn check<S: BuildHasher>(cache: &LruCache<K, V, S>, model: &Model, at: &str, step: usize) {
    let len = model.entries.len();
    assert_eq!(cache.len(), len, "{at} step {step}: len");
    assert_eq!(cache.is_empty(), len == 0, "{at} step {step}: is_empty");
    assert_eq!(cache.cap().get(), model.cap, "{at} step {step}: cap");
    assert!(cache.len() <= cache.cap().get(), "{at} step {step}: len > cap");
    let expected: Vec<(&K, &V)> = model.entries.iter().map(|(k, v)| (k, v)).collect();
    assert_eq!(cache.iter().collect::<Vec<_>>(), expected, "{at} step {step}: iter");
    assert!(cache.iter().rev().eq(expected.iter().rev().copied()), "{at} step {step}: rev");
    assert_eq!(cache.peek_lru(), expected.last().copied(), "{at} step {step}: peek_lru");
    // Alternate ends until they meet; `len()` must be exact throughout.
    let mut iter = cache.iter();
    let (mut front, mut back) = (0, len);
    while front < back {
        assert_eq!(iter.len(), back - front, "{at} step {step}: iter().len()");
        if (front + back) % 2 == 0 {
            assert_eq!(iter.next(), Some(expected[front]), "{at} step {step}: next");
            front += 1;
        } else {
            back -= 1;
            assert_eq!(iter.next_back(), Some(expected[back]), "{at} step {step}: next_back");
        }
    }
    assert_eq!((iter.len(), iter.next(), iter.next_back()), (0, None, None), "{at} step {step}");
}

/// Runs `steps` random operations on a cache of capacity `cap` (`None`: unbounded) and the
/// model, comparing every result.
fn run<S: BuildHasher>(mut cache: LruCache<K, V, S>, cap: Option<usize>, seed: u64, steps: usize) {
    let base_cap = cap.unwrap_or(usize::MAX);
    let key_range = cap.map_or(100, |c| c + c / 2 + 2);
    let at = format!("cap={cap:?} seed={seed}");
    let mut model = Model { entries: Vec::new(), cap: base_cap };
    let mut rng = SplitMix64(seed);
    check(&cache, &model, &at, 0);
    for step in 1..=steps {
        let k = rng.below(key_range) as K;
        let v = rng.next();
        match rng.below(1000) {
            0..160 => {
                assert_eq!(cache.get(&k), model.touch(k).as_deref(), "{at} step {step}: get({k})")
            }
            160..240 => {
                let got = cache.get_mut(&k).map(|x| {
                    *x ^= v;
                    *x
                });
                let want = model.touch(k).map(|x| {
                    *x ^= v;
                    *x
                });
                assert_eq!(got, want, "{at} step {step}: get_mut({k})");
            }
            240..320 => {
                let want = model.position(k).map(|i| &model.entries[i].1);
                assert_eq!(cache.peek(&k), want, "{at} step {step}: peek({k})");
            }
            320..400 => {
                let want = model.position(k).is_some();
                assert_eq!(cache.contains(&k), want, "{at} step {step}: contains({k})");
            }
            400..560 => {
                let want = model.push(k, v).filter(|&(old, _)| old == k).map(|(_, old)| old);
                assert_eq!(cache.put(k, v), want, "{at} step {step}: put({k})");
            }
            560..660 => assert_eq!(cache.push(k, v), model.push(k, v), "{at} step {step}: push({k})"),
            660..720 => {
                let want = model.pop_entry(k).map(|(_, v)| v);
                assert_eq!(cache.pop(&k), want, "{at} step {step}: pop({k})");
            }
            720..760 => {
                let want = model.pop_entry(k);
                assert_eq!(cache.pop_entry(&k), want, "{at} step {step}: pop_entry({k})");
            }
            760..800 => {
                let want = model.entries.pop();
                assert_eq!(cache.pop_lru(), want, "{at} step {step}: pop_lru");
            }
            800..988 => {
                let mut made = false;
                let got = *cache.get_or_insert_with(k, || {
                    made = true;
                    v
                });
                let want = match model.touch(k) {
                    Some(&mut old) => (old, false),
                    None => {
                        model.push(k, v);
                        (v, true)
                    }
                };
                assert_eq!((got, made), want, "{at} step {step}: get_or_insert_with({k})");
            }
            988..999 => {
                // Back to the run's capacity half the time, else anywhere up to twice it.
                let new_cap = match rng.below(2) {
                    0 => base_cap,
                    _ => 1 + rng.below(2 * key_range),
                };
                cache.resize(nz(new_cap));
                model.resize(new_cap);
            }
            _ => {
                cache.clear();
                model.entries.clear();
            }
        }
        check(&cache, &model, &at, step);
    }
}

const STEPS: usize = 40_000;

fn run_capacity(cap: Option<usize>) {
    for seed in 1..=2 {
        let cache = match cap {
            Some(cap) => LruCache::new(nz(cap)),
            None => LruCache::unbounded(),
        };
        run(cache, cap, seed, STEPS);
    }
    // The same operations with every key in one hash bucket.
    let colliding = BuildHasherDefault::<Colliding>::default();
    let cache = match cap {
        Some(cap) => LruCache::with_hasher(nz(cap), colliding),
        None => LruCache::unbounded_with_hasher(colliding),
    };
    run(cache, cap, 3, STEPS / 5);
}

#[test]
fn model_cap_1() {
    run_capacity(Some(1));
}

#[test]
fn model_cap_2() {
    run_capacity(Some(2));
}

#[test]
fn model_cap_3() {
    run_capacity(Some(3));
}

#[test]
fn model_cap_7() {
    run_capacity(Some(7));
}

#[test]
fn model_cap_64() {
    run_capacity(Some(64));
}

#[test]
fn model_unbounded() {
    run_capacity(None);
}

// ---------------------------------------------------------------------------------------------
// Targeted tests

#[test]
fn string_keys_are_looked_up_by_str_without_allocating() {
    let mut cache = LruCache::new(nz(4));
    cache.put("alpha".to_string(), 1);
    cache.put("beta".to_string(), 2);
    let n = allocations(|| {
        assert_eq!(cache.get("alpha"), Some(&1));
        *cache.get_mut("beta").unwrap() += 10;
        assert_eq!(cache.peek("beta"), Some(&12));
        assert!(cache.contains("alpha"));
        assert!(!cache.contains("gamma"));
        assert_eq!(cache.get("gamma"), None);
        assert_eq!(cache.pop("beta"), Some(12));
        let (key, value) = cache.pop_entry("alpha").unwrap();
        assert_eq!((key.as_str(), value), ("alpha", 1));
    });
    assert_eq!(n, 0, "lookups by &str allocated");
    assert!(cache.is_empty());
}

#[test]
fn byte_vec_keys_are_looked_up_by_slice_without_allocating() {
    let mut cache = LruCache::unbounded();
    cache.put(b"ab".to_vec(), 'x');
    cache.put(Vec::new(), 'e');
    let n = allocations(|| {
        assert_eq!(cache.get(&b"ab"[..]), Some(&'x'));
        assert_eq!(cache.peek(&[][..]), Some(&'e'));
        assert!(cache.contains(&b"ab"[..]));
        assert!(!cache.contains(&b"abc"[..]));
        assert_eq!(cache.pop(&b"ab"[..]), Some('x'));
    });
    assert_eq!(n, 0, "lookups by &[u8] allocated");
    assert_eq!(cache.len(), 1);
}

/// Logs the ids of dropped values.
#[derive(Default)]
struct Tracker {
    dropped: Rc<RefCell<Vec<usize>>>,
    created: Cell<usize>,
    taken: Cell<usize>,
}

/// A value that reports its drop. Hashes and compares by `label` (so it can be a key too,
/// looked up by `&u32`); `id` is unique.
#[derive(Debug)]
struct Tracked {
    label: u32,
    id: usize,
    dropped: Rc<RefCell<Vec<usize>>>,
}

impl Tracker {
    fn make(&self, label: u32) -> Tracked {
        let id = self.created.replace(self.created.get() + 1);
        Tracked { label, id, dropped: Rc::clone(&self.dropped) }
    }

    /// The ids dropped since the last call, in drop order.
    fn take(&self) -> Vec<usize> {
        let ids = self.dropped.take();
        self.taken.set(self.taken.get() + ids.len());
        ids
    }

    fn live(&self) -> usize {
        self.created.get() - self.taken.get() - RefCell::borrow(&self.dropped).len()
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.dropped.borrow_mut().push(self.id);
    }
}

impl PartialEq for Tracked {
    fn eq(&self, other: &Self) -> bool {
        self.label == other.label
    }
}

impl Eq for Tracked {}

impl Hash for Tracked {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.label.hash(state);
    }
}

impl Borrow<u32> for Tracked {
    fn borrow(&self) -> &u32 {
        &self.label
    }
}

#[test]
fn every_value_is_dropped_exactly_once_at_the_right_time() {
    let t = Tracker::default();
    let mut cache = LruCache::new(nz(2));
    cache.put(0, t.make(0)); // id 0
    cache.put(1, t.make(1)); // id 1
    cache.put(2, t.make(2)); // id 2, evicts key 0
    assert_eq!(t.take(), [0], "eviction");
    let replaced = cache.put(1, t.make(3)); // id 3
    assert_eq!(t.take(), [], "put hands the replaced value back");
    drop(replaced);
    assert_eq!(t.take(), [1], "overwrite");
    let evicted = cache.push(4, t.make(4)); // id 4, evicts key 2
    assert_eq!(evicted.as_ref().map(|(k, v)| (*k, v.id)), Some((2, 2)));
    drop(evicted);
    assert_eq!(t.take(), [2], "push");
    drop(cache.pop(&1));
    assert_eq!(t.take(), [3], "pop");
    cache.get_or_insert_with(5, || t.make(5)); // id 5; holds 5, 4
    cache.get_or_insert_with(6, || t.make(6)); // id 6, evicts key 4
    assert_eq!(t.take(), [4], "get_or_insert_with");
    cache.get_or_insert_with(6, || t.make(99)); // a hit makes nothing
    assert_eq!(t.created.get(), 7);
    cache.resize(nz(1)); // evicts key 5
    assert_eq!(t.take(), [5], "resize");
    cache.clear();
    assert_eq!(t.take(), [6], "clear");
    cache.resize(nz(3));
    for key in 7..10 {
        cache.put(key, t.make(key as u32));
    }
    drop(cache.pop_lru());
    assert_eq!(t.take(), [7], "pop_lru");
    drop(cache);
    let mut rest = t.take();
    rest.sort_unstable();
    assert_eq!(rest, [8, 9], "dropping the cache");
    assert_eq!(t.live(), 0);
}

#[test]
fn random_operations_drop_every_key_and_value_exactly_once() {
    let t = Tracker::default();
    let mut rng = SplitMix64(42);
    let mut cache: LruCache<Tracked, Tracked> = LruCache::new(nz(5));
    for step in 0..20_000 {
        let k = rng.below(9) as u32;
        match rng.below(100) {
            0..30 => drop(cache.put(t.make(k), t.make(k))),
            30..50 => drop(cache.push(t.make(k), t.make(k))),
            50..70 => drop(cache.get_or_insert_with(t.make(k), || t.make(k))),
            70..80 => drop(cache.pop(&k)),
            80..85 => drop(cache.pop_entry(&k)),
            85..90 => drop(cache.pop_lru()),
            90..98 => assert_eq!(cache.get(&k).map(|v| v.label), cache.peek(&k).map(|v| v.label)),
            98 => cache.resize(nz(1 + rng.below(7))),
            _ => cache.clear(),
        }
        assert_eq!(t.live(), 2 * cache.len(), "step {step}: keys and values alive");
    }
    drop(cache);
    let mut dropped = t.take();
    dropped.sort_unstable();
    assert!(dropped.iter().copied().eq(0..t.created.get()), "some id dropped twice or never");
}

#[test]
fn a_panicking_get_or_insert_with_leaves_the_cache_intact() {
    let mut cache = LruCache::new(nz(2));
    cache.put(1, "a");
    cache.put(2, "b");
    let result = catch_unwind(AssertUnwindSafe(|| {
        cache.get_or_insert_with(3, || panic!("make failed"));
    }));
    assert!(result.is_err());
    assert_eq!(cache.iter().collect::<Vec<_>>(), [(&2, &"b"), (&1, &"a")]);
    assert_eq!(*cache.get_or_insert_with(3, || "c"), "c");
    assert_eq!(cache.iter().collect::<Vec<_>>(), [(&3, &"c"), (&2, &"b")]);
}

#[test]
fn eviction_reuses_capacity_exactly() {
    for cap in [1, 2, 3, 7, 64] {
        let mut cache = LruCache::new(nz(cap));
        let mut put_range = |keys: std::ops::Range<usize>| {
            for key in keys {
                assert_eq!(cache.put(key, key * 2), None);
                assert_eq!(cache.len(), (key + 1).min(cap), "cap={cap}");
            }
        };
        put_range(0..cap);
        // Evictions reuse the slab slot. Only the hash index allocates, when it is rebuilt at
        // the same size to clear the tombstones evictions leave: amortized, never per eviction.
        let evictions = 199 * cap;
        let n = allocations(|| put_range(cap..200 * cap));
        assert!(n * 50 <= evictions.max(100), "cap={cap}: {n} allocations for {evictions} evicting inserts");
        let keys: Vec<usize> = cache.iter().map(|(k, _)| *k).collect();
        assert_eq!(keys, (199 * cap..200 * cap).rev().collect::<Vec<_>>(), "cap={cap}");
    }
}

#[test]
fn unbounded_reports_max_capacity_and_never_evicts() {
    let mut cache = LruCache::unbounded();
    assert_eq!(cache.cap(), NonZeroUsize::MAX);
    for i in 0..10_000u32 {
        cache.put(i, i);
    }
    assert_eq!(cache.len(), 10_000);
    assert_eq!(cache.peek_lru(), Some((&0, &0)));
}

#[test]
fn clone_is_independent() {
    let mut original = LruCache::new(nz(3));
    for (k, v) in [(1, "a"), (2, "b"), (3, "c")] {
        original.put(k, v.to_string());
    }
    let mut copy = original.clone();
    assert_eq!(copy.iter().collect::<Vec<_>>(), original.iter().collect::<Vec<_>>());
    assert_eq!(copy.cap(), original.cap());

    original.get(&1);
    original.put(4, "d".into());
    original.get_mut(&3).unwrap().push('!');
    copy.pop(&2);
    copy.put(5, "e".into());

    let entries = |c: &LruCache<i32, String>| c.iter().map(|(k, v)| (*k, v.clone())).collect::<Vec<_>>();
    let owned = |pairs: &[(i32, &str)]| pairs.iter().map(|&(k, v)| (k, v.to_string())).collect::<Vec<_>>();
    assert_eq!(entries(&original), owned(&[(3, "c!"), (4, "d"), (1, "a")]));
    assert_eq!(entries(&copy), owned(&[(5, "e"), (3, "c"), (1, "a")]));
}

#[test]
fn debug_lists_entries_from_most_to_least_recent() {
    let mut cache = LruCache::new(nz(3));
    cache.put(1, "a");
    cache.put(2, "b");
    cache.put(3, "c");
    cache.get(&1);
    assert_eq!(format!("{cache:?}"), r#"{1: "a", 3: "c", 2: "b"}"#);
    assert_eq!(format!("{:?}", cache.iter()), r#"[(1, "a"), (3, "c"), (2, "b")]"#);
    let mut iter = cache.iter();
    iter.next();
    assert_eq!(format!("{iter:?}"), r#"[(3, "c"), (2, "b")]"#);
    assert_eq!(format!("{:?}", LruCache::<u8, u8>::unbounded()), "{}");
    let via_into_iter: Vec<_> = (&cache).into_iter().map(|(k, _)| *k).collect();
    assert_eq!(via_into_iter, [1, 3, 2]);
}
