//! memo beside every function cache a Rust user might reach for instead (issue 3): one criterion
//! group per workload, every contender in the group, in one run.
//!
//! Contenders, each wrapping the same trivial body (they live in `contenders.rs`, shared with
//! the `memory` bench):
//!
//! | id | what |
//! |---|---|
//! | `memo` | `#[memo::lru_cache(maxsize = N)]`: exact LRU |
//! | `memo_sharded` | `#[memo::lru_cache(maxsize = N, shards = 16)]`: LRU within each shard |
//! | `memo_read_hits` | `#[memo::lru_cache(maxsize = N, read_hits)]`: hits under a read lock, CLOCK eviction |
//! | `cached` | `#[cached::macros::cached(max_size = N)]`: cached 4's `LruCache` in a `parking_lot::RwLock`, write-locked on every call |
//! | `memoize` | `#[memoize::memoize(Capacity: N, SharedCache)]`: `lru` 0.7 in a `std::sync::Mutex` (without `SharedCache`, one cache per thread) |
//! | `lru` | hand-written `parking_lot::Mutex<lru::LruCache>` (lru 0.16): look up, unlock, run, lock, `put`, as memo does |
//! | `moka` | hand-written around `moka::sync::Cache` (TinyLFU, not LRU): `get`; on a miss run, then `insert` |
//! | `quick_cache` | hand-written around `quick_cache::sync::Cache` (S3-FIFO, sharded, not LRU), the same way |
//! | `floor` | hand-written `parking_lot::Mutex<hashbrown::HashMap>`: a hit is one locked lookup and a clone |
//!
//! The floor keeps no recency. Where a workload fills it, it evicts in insertion order (FIFO,
//! from a `VecDeque` of keys), so on uniform random keys it hits as often as an LRU does: it is
//! the floor of the hit path, while its miss path (a second hash, a second key clone) is none.
//!
//! quick_cache splits its capacity evenly over its shards (8 on 2 cores, 32 entries each at 256)
//! and 256 keys do not hash evenly: sized 256, it misses 5 to 10% of the calls of the hit groups.
//! There it gets twice the capacity (see [`QUICK_HEADROOM`]), which keeps all 256 keys resident,
//! so that the hit groups time hits; elsewhere it gets the same capacity as everyone.
//!
//! Hashers: memo, `lru`, the floor, and `moka` and `quick_cache` (given hashbrown's
//! `DefaultHashBuilder` here) all use foldhash, so those groups compare cache structures.
//! `cached` and `memoize` use what their macros choose: ahash for both (cached's default
//! `ahash` feature; `lru` 0.7's hashbrown 0.12).
//!
//! Workloads (the body is a multiply and a rotate, so the cache is what is measured):
//!
//! - `hit_u64`: a 256-entry cache holding 256 keys; every timed call is a hit.
//! - `hit_str`: the same with 256 24-byte `&str` keys. `cached` needs `key`/`convert` for a
//!   `&str` argument, which builds a `String` on every call; `memoize` keys on the argument
//!   types as written, so its function takes a `String`, which the caller allocates on every
//!   call (and memoize clones for the lookup).
//! - `miss_evict`: a full 256-entry cache and a new key on every call (miss, run, store, evict).
//! - `large_mixed`: a 100 000-entry cache, keys uniform over `0..200_000`: about half the calls
//!   hit once the cache is warm (it is warmed over the whole access sequence before timing).
//! - `two_threads`: two threads calling one 256-entry cache, all hits, timed as the aggregate
//!   wall time per call (see [`aggregate_time`]); and `one_thread`, memo's same loop on one
//!   thread, for "no slower per call than one thread".
//!
//! Every contender's body counts its runs: after each benchmark the bench asserts that the
//! contender hit (or missed) as the workload intends, and after each group it checks every
//! cache's length.
//!
//! Criterion names the groups `compare_<workload>` (`compare_hit_u64/memo`, ...): the `memo`
//! bench has groups named like some workloads, and both write under `target/criterion/`.
//!
//! ```text
//! cargo bench -p memo-benches --bench compare -- --warm-up-time 1 --measurement-time 3
//! cargo bench -p memo-benches --bench compare -- hit_str       # one group
//! python3 benches/report.py                                     # the table and the chart
//! ```

use std::hint::black_box;
use std::sync::atomic::AtomicUsize;
use std::sync::atomic::Ordering::SeqCst;
use std::thread;
use std::time::{Duration, Instant};

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, criterion_group, criterion_main};

#[macro_use]
mod contenders;
use contenders::{CAP, Runs, SEED, access_order, distinct_u64s, splitmix, str_body, str_keys, u64_body};

/// How many accesses the hit groups precompute (a power of two: `& (ACCESSES - 1)` wraps).
const ACCESSES: usize = 4096;
/// `large_mixed`: the capacity, the key range, and the length of the precomputed sequence (long
/// enough that cycling through it never turns into a working set that fits the cache).
const LARGE_CAP: usize = 100_000;
const LARGE_RANGE: u64 = 200_000;
const LARGE_ACCESSES: usize = 1 << 20;
/// quick_cache's capacity in the hit groups, in multiples of theirs (see the top of the file).
const QUICK_HEADROOM: usize = 2;

#[allow(dead_code, reason = "memoize generates a `memoized_flush_` function, unused here")]
mod hit_u64 {
    u64_contenders!(256, crate::QUICK_HEADROOM * crate::CAP);
}

#[allow(dead_code, reason = "memoize generates a `memoized_flush_` function, unused here")]
mod miss_evict {
    u64_contenders!(256, crate::CAP);
}

#[allow(dead_code, reason = "memoize generates a `memoized_flush_` function, unused here")]
mod large_mixed {
    u64_contenders!(100000, crate::LARGE_CAP);
}

#[allow(dead_code, reason = "memoize generates a `memoized_flush_` function, unused here")]
mod two_threads {
    u64_contenders!(256, crate::QUICK_HEADROOM * crate::CAP);
}

#[allow(dead_code, reason = "memoize generates a `memoized_flush_` function, unused here")]
mod hit_str {
    str_contenders!(256, crate::QUICK_HEADROOM * crate::CAP);
}

// ---------------------------------------------------------------------------------------------
// Timing

/// What the timed calls of a contender must have done.
#[derive(Clone, Copy, Debug)]
enum Expect {
    /// Every call a hit: the body never ran.
    Hits,
    /// Every call a miss: the body ran once per call.
    Misses,
    /// A share of misses within this range.
    MissShare(f64, f64),
}

impl Expect {
    fn check(self, group: &str, name: &str, calls: u64, runs: u64) {
        if calls == 0 {
            return; // left out by a filter on the command line
        }
        let ok = match self {
            Expect::Hits => runs == 0,
            Expect::Misses => runs == calls,
            Expect::MissShare(low, high) => (low..=high).contains(&(runs as f64 / calls as f64)),
        };
        assert!(ok, "{group}/{name}: {runs} body runs in {calls} timed calls, expected {self:?}");
    }
}

/// Times `f` over `order` (cycled; its length a power of two) and checks the body runs of
/// everything criterion timed, its warm-up included, against `expect`.
fn bench_calls<K: Copy>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    (group_name, name): (&str, &str),
    order: &[K],
    f: impl Fn(K) -> u64,
    runs: &Runs,
    expect: Expect,
) {
    let before = runs.get();
    let calls = contenders::bench_calls(group, name, order, f);
    expect.check(group_name, name, calls, runs.get() - before);
}

/// Asserts every contender's cache length.
fn check_lens(group: &str, len_of: fn(&str) -> usize, ok: impl Fn(usize) -> bool) {
    for name in contenders::names() {
        let len = len_of(name);
        assert!(ok(len), "{group}/{name}: the cache holds {len} entries");
    }
}

fn bench_hit_u64(c: &mut Criterion) {
    let keys = distinct_u64s(CAP, SEED);
    let order: Vec<u64> = access_order(ACCESSES, CAP, SEED ^ 0xACCE55).into_iter().map(|i| keys[i]).collect();
    let mut group = c.benchmark_group("compare_hit_u64");
    each_contender!(hit_u64, |name, f, runs| {
        for &key in &keys {
            assert_eq!(f(key), u64_body(key), "{name}");
        }
        bench_calls(&mut group, ("hit_u64", name), &order, f, runs, Expect::Hits);
    });
    group.finish();
    check_lens("hit_u64", hit_u64::len_of, |len| len == CAP);
    let info = hit_u64::by_memo::cache_info();
    assert_eq!((info.misses, info.currsize), (CAP as u64, CAP));
}

fn bench_hit_str(c: &mut Criterion) {
    let keys = str_keys();
    let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
    let order: Vec<&str> =
        access_order(ACCESSES, CAP, SEED ^ 0xACCE55).into_iter().map(|i| keys[i]).collect();
    let mut group = c.benchmark_group("compare_hit_str");
    each_contender!(hit_str, |name, f, runs| {
        for &key in &keys {
            assert_eq!(f(key), str_body(key), "{name}");
        }
        bench_calls(&mut group, ("hit_str", name), &order, f, runs, Expect::Hits);
    });
    group.finish();
    check_lens("hit_str", hit_str::len_of, |len| len == CAP);
    let info = hit_str::by_memo::cache_info();
    assert_eq!((info.misses, info.currsize), (CAP as u64, CAP));
}

fn bench_miss_evict(c: &mut Criterion) {
    let mut group = c.benchmark_group("compare_miss_evict");
    each_contender!(miss_evict, |name, f, runs| {
        // Fill, then count up from past the fill: every timed call is a new key.
        for key in 0..CAP as u64 {
            assert_eq!(f(key), u64_body(key), "{name}");
        }
        let before = runs.get();
        let mut next = CAP as u64;
        group.bench_function(name, |b| {
            b.iter(|| {
                next += 1;
                f(black_box(next))
            })
        });
        Expect::Misses.check("miss_evict", name, next - CAP as u64, runs.get() - before);
    });
    group.finish();
    // moka and quick_cache may hold fewer than their capacity (admission, ghost entries).
    check_lens("miss_evict", miss_evict::len_of, |len| len <= CAP);
    let info = miss_evict::by_memo::cache_info();
    assert_eq!((info.hits, info.currsize), (0, CAP));
}

fn bench_large_mixed(c: &mut Criterion) {
    let mut state = SEED ^ 0x1A26E;
    let order: Vec<u64> = (0..LARGE_ACCESSES).map(|_| splitmix(&mut state) % LARGE_RANGE).collect();
    let mut group = c.benchmark_group("compare_large_mixed");
    each_contender!(large_mixed, |name, f, runs| {
        // Warm: once through the whole sequence (about a million calls), which fills the cache.
        for &key in &order {
            assert_eq!(f(key), u64_body(key), "{name}");
        }
        // An LRU (or FIFO) cache of half the key range hits half the uniform calls.
        bench_calls(&mut group, ("large_mixed", name), &order, f, runs, Expect::MissShare(0.4, 0.6));
    });
    group.finish();
    // quick_cache and moka size themselves approximately.
    check_lens("large_mixed", large_mixed::len_of, |len| len.abs_diff(LARGE_CAP) <= LARGE_CAP / 10);
    let info = large_mixed::by_memo::cache_info();
    assert_eq!(info.currsize, LARGE_CAP);
}

/// The aggregate time per call of `threads` threads each making `iters` calls of `f`, cycling
/// through `order` from different offsets.
///
/// The threads spin until all of them run, so that none starts while another is still being
/// woken, then each times its own loop. The span from the first start to the last end is the
/// wall time of the `threads * iters` calls: a thread that a lock kept asleep while the other
/// ran counts for the time it made the other wait. Criterion divides what is returned by
/// `iters`, so returning `span / threads` makes its "time per iteration" the aggregate wall time
/// per call, `span / (threads * iters)`: half of the one-thread time if two threads scaled
/// perfectly, equal to it if they only took turns, more if they slow each other down.
fn aggregate_time(threads: usize, iters: u64, order: &[u64], f: &(impl Fn(u64) -> u64 + Sync)) -> Duration {
    let mask = order.len() - 1;
    let running = &AtomicUsize::new(0);
    let spans: Vec<(Instant, Instant)> = thread::scope(|scope| {
        let loops: Vec<_> = (0..threads)
            .map(|t| {
                scope.spawn(move || {
                    let mut i = t * order.len() / threads;
                    running.fetch_add(1, SeqCst);
                    while running.load(SeqCst) < threads {
                        std::hint::spin_loop();
                    }
                    let start = Instant::now();
                    for _ in 0..iters {
                        i = (i + 1) & mask;
                        black_box(f(black_box(order[i])));
                    }
                    (start, Instant::now())
                })
            })
            .collect();
        loops.into_iter().map(|t| t.join().unwrap()).collect()
    });
    let first = spans.iter().map(|&(start, _)| start).min().unwrap();
    let last = spans.iter().map(|&(_, end)| end).max().unwrap();
    (last - first) / threads as u32
}

/// The id of a contender's run on one thread, for "no slower per call than one thread": memo's
/// default, and its `read_hits` mode.
fn one_thread_reference(name: &str) -> Option<&'static str> {
    match name {
        "memo" => Some("one_thread"),
        "memo_read_hits" => Some("one_thread_read_hits"),
        _ => None,
    }
}

fn bench_two_threads(c: &mut Criterion) {
    let keys = distinct_u64s(CAP, SEED ^ 0x2);
    let order: Vec<u64> = access_order(ACCESSES, CAP, SEED ^ 0xACCE55).into_iter().map(|i| keys[i]).collect();
    let mut group = c.benchmark_group("compare_two_threads");
    each_contender!(two_threads, |name, f, runs| {
        for &key in &keys {
            assert_eq!(f(key), u64_body(key), "{name}");
        }
        let before = runs.get();
        let mut calls = 0;
        if let Some(reference) = one_thread_reference(name) {
            // The reference: the same loop, one thread.
            group.bench_function(reference, |b| {
                b.iter_custom(|iters| {
                    calls += iters;
                    aggregate_time(1, iters, &order, &f)
                })
            });
        }
        group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                calls += 2 * iters;
                aggregate_time(2, iters, &order, &f)
            })
        });
        Expect::Hits.check("two_threads", name, calls, runs.get() - before);
    });
    group.finish();
    check_lens("two_threads", two_threads::len_of, |len| len == CAP);
    let info = two_threads::by_memo::cache_info();
    assert_eq!((info.misses, info.currsize), (CAP as u64, CAP));
}

criterion_group!(
    benches,
    bench_hit_u64,
    bench_hit_str,
    bench_miss_evict,
    bench_large_mixed,
    bench_two_threads
);
criterion_main!(benches);
