//! Threads: many callers of one cache, duplicate misses, `cache_clear` under load, panics,
//! and user code that runs under the cache's lock (`Eq`, `Clone`) or before it (`Hash`) and
//! calls the same function again: none of it may deadlock or return a wrong value.

use memo::{cache, lru_cache};
use memo_tests::within_deadline;
use std::hash::{Hash, Hasher};
use std::sync::Barrier;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering::SeqCst};
use std::thread;
use std::time::Duration;

fn expected(x: u64) -> u64 {
    x.wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(17)
}

#[test]
fn many_threads_one_cache_every_value_right() {
    #[lru_cache(maxsize = 64)]
    fn mix(x: u64) -> u64 {
        expected(x)
    }
    const THREADS: u64 = 8;
    const CALLS: u64 = 20_000;
    memo_tests::on_threads(THREADS, CALLS, |random| {
        let x = random % 200;
        assert_eq!(mix(x), expected(x));
    });
    let info = mix::cache_info();
    assert_eq!(info.hits + info.misses, THREADS * CALLS);
    assert!(info.hits > 0 && info.misses >= 200);
    assert!(info.currsize <= 64);
}

#[test]
fn concurrent_misses_both_run_and_the_first_value_stays() {
    static BODIES: AtomicU32 = AtomicU32::new(0);
    static BOTH_IN: Barrier = Barrier::new(2);
    #[cache]
    fn slow(key: u8) -> (u8, u32) {
        let me = BODIES.fetch_add(1, SeqCst);
        BOTH_IN.wait(); // both calls are inside the body: neither holds the lock
        if me == 1 {
            thread::sleep(Duration::from_millis(100)); // the second body stores last
        }
        (key, me)
    }
    let results = thread::scope(|scope| {
        let a = scope.spawn(|| slow(7));
        let b = scope.spawn(|| slow(7));
        [a.join().unwrap(), b.join().unwrap()]
    });
    let mut bodies: Vec<u32> = results.iter().map(|r| r.1).collect();
    bodies.sort();
    assert_eq!(bodies, [0, 1], "each caller gets the value its own body computed");
    assert_eq!(slow(7), (7, 0), "the first stored value stays");
    let info = slow::cache_info();
    assert_eq!((info.hits, info.misses, info.currsize), (1, 2, 1));
}

#[test]
fn cache_clear_from_another_thread_under_load() {
    #[lru_cache(maxsize = 32)]
    fn work(x: u64) -> u64 {
        expected(x)
    }
    let stop = AtomicBool::new(false);
    let calls = AtomicU64::new(0);
    thread::scope(|scope| {
        for t in 0..4u64 {
            let (stop, calls) = (&stop, &calls);
            scope.spawn(move || {
                let mut x = t;
                while !stop.load(SeqCst) {
                    x = (x + 7) % 100;
                    assert_eq!(work(x), expected(x));
                    calls.fetch_add(1, SeqCst);
                }
            });
        }
        for _ in 0..200 {
            work::cache_clear();
            assert!(work::cache_info().currsize <= 32);
            thread::yield_now();
        }
        stop.store(true, SeqCst);
    });
    assert!(calls.load(SeqCst) > 0);
    work::cache_clear();
    assert_eq!(work(1), expected(1));
    assert_eq!(work::cache_info().misses, 1);
}

#[test]
fn panicking_bodies_on_many_threads_leave_the_cache_working() {
    #[lru_cache(maxsize = 16)]
    fn sometimes(x: u64) -> u64 {
        assert!(!x.is_multiple_of(5), "multiples of five fail");
        expected(x)
    }
    thread::scope(|scope| {
        for t in 0..4u64 {
            scope.spawn(move || {
                for i in 0..500u64 {
                    let x = (i * 3 + t) % 40;
                    let got = std::panic::catch_unwind(|| sometimes(x));
                    match got {
                        Ok(value) => assert_eq!(value, expected(x)),
                        Err(_) => assert_eq!(x % 5, 0),
                    }
                }
            });
        }
    });
    let info = sometimes::cache_info();
    assert_eq!(info.hits + info.misses, 2000);
    assert!(info.currsize <= 16);
}

// A key whose `Eq` calls `eq_calls_back` again, under the lock.
memo_tests::eq_calls_back!(EqCallsBack, eq_calls_back);

#[cache]
fn eq_calls_back(key: EqCallsBack) -> u32 {
    key.0 * 2
}

#[test]
fn a_key_whose_eq_calls_the_same_function_does_not_deadlock() {
    within_deadline(|| {
        for round in 0..3 {
            for i in 0..10 {
                assert_eq!(eq_calls_back(EqCallsBack(i)), i * 2, "round {round}");
            }
        }
        let info = eq_calls_back::cache_info();
        assert!(info.hits >= 20, "{info}");
    });
}

/// A key whose `Hash` calls the memoized function again.
#[derive(Clone, PartialEq, Eq, Debug)]
struct HashCallsBack(u32);

impl Hash for HashCallsBack {
    fn hash<H: Hasher>(&self, state: &mut H) {
        if self.0 < 1000 {
            assert_eq!(hash_calls_back(HashCallsBack(self.0 + 1000)), self.0 + 1001);
        }
        self.0.hash(state);
    }
}

#[cache]
fn hash_calls_back(key: HashCallsBack) -> u32 {
    key.0 + 1
}

#[test]
fn a_key_whose_hash_calls_the_same_function_does_not_deadlock() {
    within_deadline(|| {
        for i in 0..10 {
            assert_eq!(hash_calls_back(HashCallsBack(i)), i + 1);
            assert_eq!(hash_calls_back(HashCallsBack(i)), i + 1);
        }
        assert!(hash_calls_back::cache_info().hits >= 10);
    });
}

/// A value whose `Clone` (run under the lock on every hit) calls the memoized function.
#[derive(Debug, PartialEq)]
struct CloneCallsBack(u32);

impl Clone for CloneCallsBack {
    fn clone(&self) -> Self {
        if self.0 < 1000 {
            assert_eq!(clone_calls_back(self.0 + 1000), CloneCallsBack(self.0 + 1000));
        }
        CloneCallsBack(self.0)
    }
}

#[cache]
fn clone_calls_back(x: u32) -> CloneCallsBack {
    CloneCallsBack(x)
}

#[test]
fn a_value_whose_clone_calls_the_same_function_does_not_deadlock() {
    within_deadline(|| {
        for _ in 0..3 {
            for i in 0..5 {
                assert_eq!(clone_calls_back(i), CloneCallsBack(i));
            }
        }
    });
}

/// A key whose `Eq` panics once: the lock is released and the cache keeps working.
#[derive(Clone, Debug)]
struct PanickyEq(u32);

static PANIC_ONCE: AtomicBool = AtomicBool::new(true);

impl Hash for PanickyEq {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.hash(state);
    }
}

impl PartialEq for PanickyEq {
    fn eq(&self, other: &Self) -> bool {
        assert!(!PANIC_ONCE.swap(false, SeqCst), "Eq panics once");
        self.0 == other.0
    }
}

impl Eq for PanickyEq {}

#[cache]
fn panicky_eq(key: PanickyEq) -> u32 {
    key.0
}

#[test]
fn a_panicking_eq_does_not_poison_the_cache() {
    PANIC_ONCE.store(false, SeqCst);
    assert_eq!(panicky_eq(PanickyEq(1)), 1);
    PANIC_ONCE.store(true, SeqCst);
    assert!(std::panic::catch_unwind(|| panicky_eq(PanickyEq(1))).is_err());
    // The panicking thread let go of the lock, and knows it: its next call hits.
    let hits = panicky_eq::cache_info().hits;
    assert_eq!(panicky_eq(PanickyEq(1)), 1);
    assert_eq!(panicky_eq::cache_info().hits, hits + 1);
    within_deadline(|| {
        assert_eq!(panicky_eq(PanickyEq(1)), 1);
        assert_eq!(panicky_eq(PanickyEq(2)), 2);
        assert_eq!(panicky_eq::cache_info().currsize, 2);
    });
}

#[test]
fn a_sharded_cache_is_bounded_counts_every_call_and_returns_right_values() {
    #[lru_cache(maxsize = 64, shards = 8)]
    fn sharded(x: u64) -> u64 {
        expected(x)
    }
    const THREADS: u64 = 4;
    const CALLS: u64 = 10_000;
    thread::scope(|scope| {
        for t in 0..THREADS {
            scope.spawn(move || {
                for i in 0..CALLS {
                    let x = (i * 7 + t * 13) % 300;
                    assert_eq!(sharded(x), expected(x));
                }
            });
        }
    });
    let info = sharded::cache_info();
    assert_eq!(info.hits + info.misses, THREADS * CALLS);
    assert!(info.currsize <= 64, "{info}");
    assert!(info.currsize >= 32, "every shard holds its part: {info}");
    assert_eq!(sharded::cache_parameters().maxsize, Some(64));
    sharded::cache_clear();
    assert_eq!(sharded::cache_info(), memo::CacheInfo { maxsize: Some(64), ..Default::default() });
    // 64 keys spread over 8 shards of 8: a key evicted only by its own shard's LRU.
    for x in 0..1000 {
        sharded(x);
    }
    assert!(sharded::cache_info().currsize <= 64);
}
