//! The contenders of `compare` and `memory`, and what they share: inputs, bodies, and the
//! hand-written function caches. Included by each bench target as `mod contenders`.

use std::borrow::Borrow;
use std::collections::VecDeque;
use std::hash::Hash;
use std::hint::black_box;
use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use criterion::BenchmarkGroup;
use criterion::measurement::WallTime;
use hashbrown::{DefaultHashBuilder, HashMap};
use parking_lot::Mutex;
use quick_cache::UnitWeighter;
use quick_cache::sync::DefaultLifecycle;

/// The capacity of the small caches, and the number of keys the hit groups cycle over.
pub(crate) const CAP: usize = 256;
/// The seed of every generated input.
pub(crate) const SEED: u64 = 0x5EED_F00D_CAFE_D00D;

// ---------------------------------------------------------------------------------------------
// Timing

/// Times `f` over `order` (cycled; its length a power of two); returns how many calls criterion
/// made, its warm-up included (0 when the benchmark was filtered out).
pub(crate) fn bench_calls<K: Copy, R>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    name: &str,
    order: &[K],
    mut f: impl FnMut(K) -> R,
) -> u64 {
    assert!(order.len().is_power_of_two());
    let mask = order.len() - 1;
    let mut calls = 0u64;
    let mut i = 0;
    group.bench_function(name, |b| {
        b.iter(|| {
            calls += 1;
            i = (i + 1) & mask;
            f(black_box(order[i]))
        })
    });
    calls
}

// ---------------------------------------------------------------------------------------------
// Inputs

/// SplitMix64: the fixed-seed generator of every input.
pub(crate) fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// `n` distinct pseudo-random `u64`s.
pub(crate) fn distinct_u64s(n: usize, seed: u64) -> Vec<u64> {
    let mut state = seed;
    let keys: Vec<u64> = (0..n).map(|_| splitmix(&mut state)).collect();
    let unique: hashbrown::HashSet<u64> = keys.iter().copied().collect();
    assert_eq!(unique.len(), n, "generated keys must be distinct");
    keys
}

/// A fixed pseudo-random access sequence of `len` indices over `0..n`.
pub(crate) fn access_order(len: usize, n: usize, seed: u64) -> Vec<usize> {
    let mut state = seed;
    (0..len).map(|_| (splitmix(&mut state) % n as u64) as usize).collect()
}

/// 256 distinct 24-byte keys, like `user:1a2b3c4d5e6f7a8b:42`.
pub(crate) fn str_keys() -> Vec<String> {
    let keys: Vec<String> = distinct_u64s(CAP, SEED ^ 0x57)
        .into_iter()
        .enumerate()
        .map(|(i, x)| format!("user:{x:016x}:{:02}", i % 100))
        .collect();
    assert!(keys.iter().all(|k| k.len() == 24));
    keys
}

// ---------------------------------------------------------------------------------------------
// Bodies, and how often each contender ran one

/// The body of every `u64` contender.
pub(crate) fn u64_body(x: u64) -> u64 {
    x.wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(17)
}

/// The body of every `&str` contender.
pub(crate) fn str_body(s: &str) -> u64 {
    (s.len() as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ u64::from(s.as_bytes()[s.len() - 1])
}

/// How many times one contender's body ran. A load and a store rather than a `fetch_add`, to
/// keep the miss path's extra cost to a nanosecond: exact on one thread, and the bodies of the
/// two-thread group only run during its single-threaded warm-up.
pub(crate) struct Runs(AtomicU64);

impl Runs {
    pub(crate) const fn new() -> Self {
        Runs(AtomicU64::new(0))
    }

    #[inline]
    pub(crate) fn bump(&self) {
        self.0.store(self.0.load(Relaxed) + 1, Relaxed);
    }

    pub(crate) fn get(&self) -> u64 {
        self.0.load(Relaxed)
    }
}

// ---------------------------------------------------------------------------------------------
// The hand-written function caches

/// What people write instead of memo: look up (`get` promotes) under the lock and clone; on a
/// miss run the body unlocked, then `put` (which evicts the least recently used).
pub(crate) fn lru_call<K, Q, V>(cache: &Mutex<lru::LruCache<K, V>>, key: &Q, body: impl FnOnce(&Q) -> V) -> V
where
    K: Hash + Eq + Borrow<Q>,
    Q: Hash + Eq + ToOwned<Owned = K> + ?Sized,
    V: Clone,
{
    if let Some(value) = cache.lock().get(key) {
        return value.clone();
    }
    let value = body(key);
    cache.lock().put(key.to_owned(), value.clone());
    value
}

pub(crate) fn new_lru<K: Hash + Eq, V>(cap: usize) -> Mutex<lru::LruCache<K, V>> {
    Mutex::new(lru::LruCache::new(NonZeroUsize::new(cap).unwrap()))
}

/// The floor: a hash map, and the insertion order for when it is full.
pub(crate) struct Floor<K, V> {
    pub(crate) map: HashMap<K, V>,
    fifo: VecDeque<K>,
    cap: usize,
}

pub(crate) fn new_floor<K, V>(cap: usize) -> Mutex<Floor<K, V>> {
    Mutex::new(Floor { map: HashMap::default(), fifo: VecDeque::new(), cap })
}

/// A hit is a locked lookup and a clone; a miss runs the body unlocked, then inserts (keeping a
/// racing call's value, as memo does) and evicts the oldest insertion when full.
pub(crate) fn floor_call<K, Q, V>(cache: &Mutex<Floor<K, V>>, key: &Q, body: impl FnOnce(&Q) -> V) -> V
where
    K: Hash + Eq + Borrow<Q>,
    Q: Hash + Eq + ToOwned<Owned = K> + ?Sized,
    V: Clone,
{
    if let Some(value) = cache.lock().map.get(key) {
        return value.clone();
    }
    let value = body(key);
    let mut floor = cache.lock();
    let floor = &mut *floor;
    if let hashbrown::hash_map::EntryRef::Vacant(vacant) = floor.map.entry_ref(key) {
        vacant.insert(value.clone());
        floor.fifo.push_back(key.to_owned());
        if floor.fifo.len() > floor.cap
            && let Some(oldest) = floor.fifo.pop_front()
        {
            floor.map.remove(&oldest);
        }
    }
    value
}

pub(crate) type Moka<K, V> = moka::sync::Cache<K, V, DefaultHashBuilder>;

pub(crate) fn new_moka<K, V>(cap: usize) -> Moka<K, V>
where
    K: Hash + Eq + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    moka::sync::Cache::builder().max_capacity(cap as u64).build_with_hasher(DefaultHashBuilder::default())
}

pub(crate) fn moka_call<K, Q, V>(cache: &Moka<K, V>, key: &Q, body: impl FnOnce(&Q) -> V) -> V
where
    K: Hash + Eq + Send + Sync + 'static + Borrow<Q>,
    Q: Hash + Eq + ToOwned<Owned = K> + ?Sized,
    V: Clone + Send + Sync + 'static,
{
    if let Some(value) = cache.get(key) {
        return value;
    }
    let value = body(key);
    cache.insert(key.to_owned(), value.clone());
    value
}

pub(crate) type Quick<K, V> = quick_cache::sync::Cache<K, V, UnitWeighter, DefaultHashBuilder>;

pub(crate) fn new_quick<K: Hash + Eq, V: Clone>(cap: usize) -> Quick<K, V> {
    quick_cache::sync::Cache::with(
        cap,
        cap as u64,
        UnitWeighter,
        DefaultHashBuilder::default(),
        DefaultLifecycle::default(),
    )
}

pub(crate) fn quick_call<K, Q, V>(cache: &Quick<K, V>, key: &Q, body: impl FnOnce(&Q) -> V) -> V
where
    K: Hash + Eq + Borrow<Q>,
    Q: Hash + Eq + ToOwned<Owned = K> + ?Sized,
    V: Clone,
{
    if let Some(value) = cache.get(key) {
        return value;
    }
    let value = body(key);
    cache.insert(key.to_owned(), value.clone());
    value
}

// ---------------------------------------------------------------------------------------------
// The contenders

/// The items of memo's opt-in modes: `memo_sharded` (`shards = 16`, LRU within each shard) and
/// `memo_read_hits` (`read_hits`, CLOCK). The one switch that takes them out of every bench.
macro_rules! if_opt_in {
    ($($item:tt)*) => { $($item)* };
}

/// One `u64 -> u64` function per contender (`by_memo`, `by_cached`, ...), each with its own
/// cache of capacity `$cap` (`$quick_cap` for quick_cache), each counting its body's runs in
/// `RUNS_<CONTENDER>`; and `len_of(contender)`, how many entries one holds.
macro_rules! u64_contenders {
    ($cap:tt, $quick_cap:expr) => {
        use ::parking_lot::Mutex;
        use ::std::sync::LazyLock;
        use $crate::contenders::*;

        pub(super) static RUNS_MEMO: Runs = Runs::new();
        if_opt_in! {
            pub(super) static RUNS_MEMO_SHARDED: Runs = Runs::new();
            pub(super) static RUNS_MEMO_READ_HITS: Runs = Runs::new();
        }
        pub(super) static RUNS_CACHED: Runs = Runs::new();
        pub(super) static RUNS_MEMOIZE: Runs = Runs::new();
        pub(super) static RUNS_LRU: Runs = Runs::new();
        pub(super) static RUNS_MOKA: Runs = Runs::new();
        pub(super) static RUNS_QUICK: Runs = Runs::new();
        pub(super) static RUNS_FLOOR: Runs = Runs::new();

        #[::memo::lru_cache(maxsize = $cap)]
        pub(super) fn by_memo(x: u64) -> u64 {
            RUNS_MEMO.bump();
            u64_body(x)
        }

        if_opt_in! {
            #[::memo::lru_cache(maxsize = $cap, shards = 16)]
            pub(super) fn by_memo_sharded(x: u64) -> u64 {
                RUNS_MEMO_SHARDED.bump();
                u64_body(x)
            }

            #[::memo::lru_cache(maxsize = $cap, read_hits)]
            pub(super) fn by_memo_read_hits(x: u64) -> u64 {
                RUNS_MEMO_READ_HITS.bump();
                u64_body(x)
            }
        }

        #[::cached::macros::cached(max_size = $cap, companions = false)]
        pub(super) fn by_cached(x: u64) -> u64 {
            RUNS_CACHED.bump();
            u64_body(x)
        }

        #[::memoize::memoize(Capacity: $cap, SharedCache)]
        pub(super) fn by_memoize(x: u64) -> u64 {
            RUNS_MEMOIZE.bump();
            u64_body(x)
        }

        static LRU: LazyLock<Mutex<lru::LruCache<u64, u64>>> = LazyLock::new(|| new_lru($cap));
        static MOKA: LazyLock<Moka<u64, u64>> = LazyLock::new(|| new_moka($cap));
        static QUICK: LazyLock<Quick<u64, u64>> = LazyLock::new(|| new_quick($quick_cap));
        static FLOOR: LazyLock<Mutex<Floor<u64, u64>>> = LazyLock::new(|| new_floor($cap));

        pub(super) fn by_lru(x: u64) -> u64 {
            lru_call(&LRU, &x, |&x| {
                RUNS_LRU.bump();
                u64_body(x)
            })
        }

        pub(super) fn by_moka(x: u64) -> u64 {
            moka_call(&MOKA, &x, |&x| {
                RUNS_MOKA.bump();
                u64_body(x)
            })
        }

        pub(super) fn by_quick_cache(x: u64) -> u64 {
            quick_call(&QUICK, &x, |&x| {
                RUNS_QUICK.bump();
                u64_body(x)
            })
        }

        pub(super) fn by_floor(x: u64) -> u64 {
            floor_call(&FLOOR, &x, |&x| {
                RUNS_FLOOR.bump();
                u64_body(x)
            })
        }

        /// How many entries a contender holds (touching no other contender's cache: the
        /// memory bench calls it while counting allocations).
        pub(super) fn len_of(name: &str) -> usize {
            use ::cached::Cached;
            match name {
                "memo" => by_memo::cache_info().currsize,
                "cached" => BY_CACHED.read().cache_size(),
                "memoize" => memoized_size_by_memoize(),
                "lru" => LRU.lock().len(),
                "moka" => {
                    MOKA.run_pending_tasks();
                    MOKA.entry_count() as usize
                }
                "quick_cache" => QUICK.len(),
                "floor" => FLOOR.lock().map.len(),
                _ => {
                    if_opt_in! {
                        if name == "memo_sharded" {
                            return by_memo_sharded::cache_info().currsize;
                        }
                        if name == "memo_read_hits" {
                            return by_memo_read_hits::cache_info().currsize;
                        }
                    }
                    panic!("no contender {name}")
                }
            }
        }
    };
}

/// The contenders' ids, in the order of [`each_contender!`].
pub(crate) fn names() -> Vec<&'static str> {
    #[allow(unused_mut)]
    let mut names = vec!["memo", "cached", "memoize", "lru", "moka", "quick_cache", "floor"];
    if_opt_in! {
        names.insert(1, "memo_sharded");
        names.insert(2, "memo_read_hits");
    }
    names
}

/// Runs `$body` once per contender of `$module` (made by `u64_contenders!` or by hand), with
/// `$name` its id, `$f` its function (a function item: every call is statically dispatched, as
/// a user's would be) and `$runs` its body's run count.
macro_rules! each_contender {
    ($module:ident, |$name:ident, $f:ident, $runs:ident| $body:block) => {{
        use $module as m;
        {
            let ($name, $f, $runs) = ("memo", m::by_memo, &m::RUNS_MEMO);
            $body
        }
        if_opt_in! {
            {
                let ($name, $f, $runs) = ("memo_sharded", m::by_memo_sharded, &m::RUNS_MEMO_SHARDED);
                $body
            }
            {
                let ($name, $f, $runs) = ("memo_read_hits", m::by_memo_read_hits, &m::RUNS_MEMO_READ_HITS);
                $body
            }
        }
        {
            let ($name, $f, $runs) = ("cached", m::by_cached, &m::RUNS_CACHED);
            $body
        }
        {
            let ($name, $f, $runs) = ("memoize", m::by_memoize, &m::RUNS_MEMOIZE);
            $body
        }
        {
            let ($name, $f, $runs) = ("lru", m::by_lru, &m::RUNS_LRU);
            $body
        }
        {
            let ($name, $f, $runs) = ("moka", m::by_moka, &m::RUNS_MOKA);
            $body
        }
        {
            let ($name, $f, $runs) = ("quick_cache", m::by_quick_cache, &m::RUNS_QUICK);
            $body
        }
        {
            let ($name, $f, $runs) = ("floor", m::by_floor, &m::RUNS_FLOOR);
            $body
        }
    }};
}

/// The `&str -> u64` contenders, like [`u64_contenders!`]. `cached` cannot key on a `&str`:
/// `convert` builds the owned key, on every call. `memoize` keys on the argument types as
/// written and a `static` cannot hold a borrowed `&str`, so its function takes a `String`, which
/// the caller allocates on every call (and memoize clones for the lookup).
macro_rules! str_contenders {
    ($cap:tt, $quick_cap:expr) => {
        use ::parking_lot::Mutex;
        use ::std::sync::LazyLock;
        use $crate::contenders::*;

        pub(super) static RUNS_MEMO: Runs = Runs::new();
        if_opt_in! {
            pub(super) static RUNS_MEMO_SHARDED: Runs = Runs::new();
            pub(super) static RUNS_MEMO_READ_HITS: Runs = Runs::new();
        }
        pub(super) static RUNS_CACHED: Runs = Runs::new();
        pub(super) static RUNS_MEMOIZE: Runs = Runs::new();
        pub(super) static RUNS_LRU: Runs = Runs::new();
        pub(super) static RUNS_MOKA: Runs = Runs::new();
        pub(super) static RUNS_QUICK: Runs = Runs::new();
        pub(super) static RUNS_FLOOR: Runs = Runs::new();

        #[::memo::lru_cache(maxsize = $cap)]
        pub(super) fn by_memo(s: &str) -> u64 {
            RUNS_MEMO.bump();
            str_body(s)
        }

        if_opt_in! {
            #[::memo::lru_cache(maxsize = $cap, shards = 16)]
            pub(super) fn by_memo_sharded(s: &str) -> u64 {
                RUNS_MEMO_SHARDED.bump();
                str_body(s)
            }

            #[::memo::lru_cache(maxsize = $cap, read_hits)]
            pub(super) fn by_memo_read_hits(s: &str) -> u64 {
                RUNS_MEMO_READ_HITS.bump();
                str_body(s)
            }
        }

        #[::cached::macros::cached(
                                                                            max_size = $cap,
                                                                            key = "String",
                                                                            convert = r#"{ s.to_owned() }"#,
                                                                            companions = false
                                                                        )]
        pub(super) fn by_cached(s: &str) -> u64 {
            RUNS_CACHED.bump();
            str_body(s)
        }

        #[::memoize::memoize(Capacity: $cap, SharedCache)]
        pub(super) fn by_memoize_owned(s: String) -> u64 {
            RUNS_MEMOIZE.bump();
            str_body(&s)
        }

        /// What a caller holding a `&str` does to call memoize's function.
        pub(super) fn by_memoize(s: &str) -> u64 {
            by_memoize_owned(s.to_owned())
        }

        static LRU: LazyLock<Mutex<lru::LruCache<String, u64>>> = LazyLock::new(|| new_lru($cap));
        static MOKA: LazyLock<Moka<String, u64>> = LazyLock::new(|| new_moka($cap));
        static QUICK: LazyLock<Quick<String, u64>> = LazyLock::new(|| new_quick($quick_cap));
        static FLOOR: LazyLock<Mutex<Floor<String, u64>>> = LazyLock::new(|| new_floor($cap));

        pub(super) fn by_lru(s: &str) -> u64 {
            lru_call(&LRU, s, |s| {
                RUNS_LRU.bump();
                str_body(s)
            })
        }

        pub(super) fn by_moka(s: &str) -> u64 {
            moka_call(&MOKA, s, |s| {
                RUNS_MOKA.bump();
                str_body(s)
            })
        }

        pub(super) fn by_quick_cache(s: &str) -> u64 {
            quick_call(&QUICK, s, |s| {
                RUNS_QUICK.bump();
                str_body(s)
            })
        }

        pub(super) fn by_floor(s: &str) -> u64 {
            floor_call(&FLOOR, s, |s| {
                RUNS_FLOOR.bump();
                str_body(s)
            })
        }

        /// How many entries a contender holds (touching no other contender's cache: the
        /// memory bench calls it while counting allocations).
        pub(super) fn len_of(name: &str) -> usize {
            use ::cached::Cached;
            match name {
                "memo" => by_memo::cache_info().currsize,
                "cached" => BY_CACHED.read().cache_size(),
                "memoize" => memoized_size_by_memoize_owned(),
                "lru" => LRU.lock().len(),
                "moka" => {
                    MOKA.run_pending_tasks();
                    MOKA.entry_count() as usize
                }
                "quick_cache" => QUICK.len(),
                "floor" => FLOOR.lock().map.len(),
                _ => {
                    if_opt_in! {
                        if name == "memo_sharded" {
                            return by_memo_sharded::cache_info().currsize;
                        }
                        if name == "memo_read_hits" {
                            return by_memo_read_hits::cache_info().currsize;
                        }
                    }
                    panic!("no contender {name}")
                }
            }
        }
    };
}
