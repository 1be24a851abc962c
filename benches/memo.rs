//! What `#[lru_cache]` costs and saves, each contender beside its baseline in one group.
//!
//! - `fib`: naive recursive Fibonacci(20) with `#[lru_cache(maxsize = 128)]`, warm (one hit) and
//!   cold (cache cleared before every timed call), against the same recursion without memo.
//! - `slow_lookup`: a ~10 µs deterministic computation over 64 ids, cached and uncached.
//! - `hit_u64`, `hit_str`: the hit path over 256 cached keys (`u64`, 24-byte `&str`), against a
//!   hand-written `Mutex<lru::LruCache>` function cache and a `Mutex<hashbrown::HashMap>` floor
//!   that does no recency bookkeeping.
//! - `miss_evict`: a full 256-entry cache and a new key on every call (miss, run, store, evict),
//!   against the hand-written `Mutex<lru::LruCache>`.
//!
//! Inputs come from a fixed seed and pass through `black_box`. Every contender uses the same
//! hasher (foldhash, hashbrown's default), so the groups compare cache structures, not hashers.
//! Everything runs on one thread: these are uncontended costs.
//!
//! ```text
//! cargo bench -p memo-benches                                   # everything
//! cargo bench -p memo-benches -- hit_u64                        # one group
//! cargo bench -p memo-benches -- --warm-up-time 1 --measurement-time 2   # a quick pass
//! ```

use std::hint::black_box;
use std::sync::LazyLock;

#[allow(
    dead_code,
    unused_macros,
    reason = "the comparison's contenders, of which this bench uses the hand-written lru and the floor"
)]
mod contenders;

use contenders::{Floor, distinct_u64s, floor_call, lru_call, new_floor, new_lru, splitmix};
use criterion::measurement::WallTime;
use criterion::{BatchSize, BenchmarkGroup, Criterion, criterion_group, criterion_main};
use lru::LruCache;
use memo::lru_cache;
use parking_lot::Mutex;

/// The capacity of every bounded cache here, and the number of keys the hit groups cycle over.
const CAP: usize = 256;
/// How many accesses the hit groups precompute (a power of two: `% ACCESSES` is a mask).
const ACCESSES: usize = 4096;
/// The seed of every generated input.
const SEED: u64 = 0x5EED_F00D_CAFE_D00D;

/// A fixed pseudo-random access sequence over `0..n`: indices into a key table.
fn access_order(n: usize) -> Vec<usize> {
    contenders::access_order(ACCESSES, n, SEED ^ 0xACCE55)
}

/// Fills `f`'s cache with `keys` (checking each value against `body`), then times hits in
/// `order`. Generic over the function item, so each contender is called (and inlined, or not)
/// the same way.
fn bench_hits<K: Copy, V: PartialEq + std::fmt::Debug>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    name: &str,
    keys: &[K],
    order: &[K],
    f: impl Fn(K) -> V,
    body: impl Fn(K) -> V,
) {
    for &key in keys {
        assert_eq!(f(key), body(key));
    }
    assert_eq!(order.len(), ACCESSES);
    group.bench_function(name, |b| {
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % ACCESSES;
            f(black_box(order[i]))
        })
    });
}

// ---------------------------------------------------------------------------------------------
// fib

#[lru_cache(maxsize = 128)]
fn fib(n: u64) -> u64 {
    if n < 2 { n } else { fib(n - 1) + fib(n - 2) }
}

/// `fib`'s body without memo. (`fib::uncached` is not this: like functools' `__wrapped__`, it
/// runs the body once, and the body's recursive calls go through the cache.)
fn fib_naive(n: u64) -> u64 {
    if n < 2 { n } else { fib_naive(n - 1) + fib_naive(n - 2) }
}

fn bench_fib(c: &mut Criterion) {
    const N: u64 = 20;
    assert_eq!(fib(N), fib_naive(N));
    assert_eq!(fib::uncached(N), 6765);

    let mut group = c.benchmark_group("fib");
    group.bench_function("naive", |b| b.iter(|| fib_naive(black_box(N))));
    // The body once, its two recursive calls hits.
    group.bench_function("memo_uncached", |b| {
        fib(N);
        b.iter(|| fib::uncached(black_box(N)))
    });
    // Steady state: one hit.
    group.bench_function("memo_warm", |b| {
        fib(N);
        b.iter(|| fib(black_box(N)))
    });
    // From an empty cache: 21 misses (bodies, stores, the store's first allocations) and 18
    // hits. Only the call is timed; the clear (and the old entries' drop) is setup.
    group.bench_function("memo_cold", |b| {
        b.iter_batched(fib::cache_clear, |()| fib(black_box(N)), BatchSize::PerIteration)
    });
    group.finish();

    fib::cache_clear();
    fib(N);
    let info = fib::cache_info();
    assert_eq!((info.misses, info.hits, info.currsize), (21, 18, 21));
}

// ---------------------------------------------------------------------------------------------
// slow_lookup

/// Rounds of SplitMix64 in `slow_body`: a serial dependency chain of ~10 µs.
const SLOW_ROUNDS: u32 = 2500;
const SLOW_IDS: usize = 64;

/// A deterministic stand-in for a slow lookup (a parse, a query): busy work, not a sleep. Each
/// round feeds on the previous one's output, so the rounds cannot overlap.
fn slow_body(id: u64) -> u64 {
    let mut x = id;
    for _ in 0..SLOW_ROUNDS {
        let mut state = x;
        x = splitmix(&mut state);
    }
    x
}

#[lru_cache(maxsize = 256)]
fn slow_lookup(id: u64) -> u64 {
    slow_body(id)
}

fn bench_slow_lookup(c: &mut Criterion) {
    let ids = distinct_u64s(SLOW_IDS, SEED ^ 0x510);
    let mut group = c.benchmark_group("slow_lookup");
    group.bench_function("uncached", |b| {
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % SLOW_IDS;
            slow_lookup::uncached(black_box(ids[i]))
        })
    });
    group.bench_function("memo", |b| {
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % SLOW_IDS;
            slow_lookup(black_box(ids[i]))
        })
    });
    group.finish();

    let info = slow_lookup::cache_info();
    assert_eq!((info.misses, info.currsize), (SLOW_IDS as u64, SLOW_IDS));
}

// ---------------------------------------------------------------------------------------------
// hit_u64

/// The body of the `u64` contenders; it only runs on misses (never while timing the hits).
fn u64_body(x: u64) -> u64 {
    x.wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(17)
}

#[lru_cache(maxsize = 256)]
fn memo_u64(x: u64) -> u64 {
    u64_body(x)
}

static LRU_U64: LazyLock<Mutex<LruCache<u64, u64>>> = LazyLock::new(|| new_lru(CAP));
static MAP_U64: LazyLock<Mutex<Floor<u64, u64>>> = LazyLock::new(|| new_floor(CAP));

fn lru_u64(x: u64) -> u64 {
    lru_call(&LRU_U64, &x, |&x| u64_body(x))
}

fn map_u64(x: u64) -> u64 {
    floor_call(&MAP_U64, &x, |&x| u64_body(x))
}

fn bench_hit_u64(c: &mut Criterion) {
    let keys = distinct_u64s(CAP, SEED);
    let order: Vec<u64> = access_order(CAP).into_iter().map(|i| keys[i]).collect();
    let mut group = c.benchmark_group("hit_u64");
    bench_hits(&mut group, "memo", &keys, &order, memo_u64, u64_body);
    bench_hits(&mut group, "lru", &keys, &order, lru_u64, u64_body);
    bench_hits(&mut group, "floor_hashmap", &keys, &order, map_u64, u64_body);
    group.finish();

    let info = memo_u64::cache_info();
    assert_eq!((info.misses, info.currsize), (CAP as u64, CAP), "every timed call hit");
    assert_eq!(LRU_U64.lock().len(), CAP);
    assert_eq!(MAP_U64.lock().map.len(), CAP);
}

// ---------------------------------------------------------------------------------------------
// hit_str

fn str_body(s: &str) -> usize {
    s.len() + s.bytes().filter(u8::is_ascii_digit).count()
}

#[lru_cache(maxsize = 256)]
fn memo_str(s: &str) -> usize {
    str_body(s)
}

static LRU_STR: LazyLock<Mutex<LruCache<String, usize>>> = LazyLock::new(|| new_lru(CAP));
static MAP_STR: LazyLock<Mutex<Floor<String, usize>>> = LazyLock::new(|| new_floor(CAP));

fn lru_str(s: &str) -> usize {
    lru_call(&LRU_STR, s, str_body)
}

fn map_str(s: &str) -> usize {
    floor_call(&MAP_STR, s, str_body)
}

/// 256 distinct 24-byte keys, like `user:1a2b3c4d5e6f7a8b:42`.
fn str_keys() -> Vec<String> {
    let keys: Vec<String> = distinct_u64s(CAP, SEED ^ 0x57)
        .into_iter()
        .enumerate()
        .map(|(i, x)| format!("user:{x:016x}:{:02}", i % 100))
        .collect();
    assert!(keys.iter().all(|k| k.len() == 24));
    keys
}

fn bench_hit_str(c: &mut Criterion) {
    let keys = str_keys();
    let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
    let order: Vec<&str> = access_order(CAP).into_iter().map(|i| keys[i]).collect();
    let mut group = c.benchmark_group("hit_str");
    bench_hits(&mut group, "memo", &keys, &order, memo_str, str_body);
    bench_hits(&mut group, "lru", &keys, &order, lru_str, str_body);
    bench_hits(&mut group, "floor_hashmap", &keys, &order, map_str, str_body);
    group.finish();

    let info = memo_str::cache_info();
    assert_eq!((info.misses, info.currsize), (CAP as u64, CAP), "every timed call hit");
    assert_eq!(LRU_STR.lock().len(), CAP);
    assert_eq!(MAP_STR.lock().map.len(), CAP);
}

// ---------------------------------------------------------------------------------------------
// miss_evict

#[lru_cache(maxsize = 256)]
fn memo_evict(x: u64) -> u64 {
    u64_body(x)
}

static LRU_EVICT: LazyLock<Mutex<LruCache<u64, u64>>> = LazyLock::new(|| new_lru(CAP));

fn lru_evict(x: u64) -> u64 {
    lru_call(&LRU_EVICT, &x, |&x| u64_body(x))
}

fn bench_miss_evict(c: &mut Criterion) {
    // Fill both caches, then count up from past the fill: every timed call is a new key.
    for x in 0..CAP as u64 {
        memo_evict(x);
        lru_evict(x);
    }
    let mut group = c.benchmark_group("miss_evict");
    let mut next = CAP as u64;
    group.bench_function("memo", |b| {
        b.iter(|| {
            next += 1;
            memo_evict(black_box(next))
        })
    });
    let mut next = CAP as u64;
    group.bench_function("lru", |b| {
        b.iter(|| {
            next += 1;
            lru_evict(black_box(next))
        })
    });
    group.finish();

    let info = memo_evict::cache_info();
    assert_eq!((info.hits, info.currsize), (0, CAP), "every timed call missed");
    assert_eq!(LRU_EVICT.lock().len(), CAP);
}

criterion_group!(benches, bench_fib, bench_slow_lookup, bench_hit_u64, bench_hit_str, bench_miss_evict);
criterion_main!(benches);
