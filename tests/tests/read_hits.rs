//! `read_hits`: hits under a read lock, eviction by CLOCK (second chance). The statistics and
//! values stay functools'; the eviction order is the documented approximation of LRU.

use memo::{CacheInfo, lru_cache};
use memo_tests::within_deadline;
use std::hash::{Hash, Hasher};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::SeqCst};
use std::thread;
use std::time::Duration;

fn expected(x: u64) -> u64 {
    x.wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(17)
}

/// Serialises the tests that read `RUNS`.
static SERIAL: Mutex<()> = Mutex::new(());
static RUNS: AtomicU64 = AtomicU64::new(0);

#[lru_cache(maxsize = 3, read_hits)]
fn tens(x: u64) -> u64 {
    RUNS.fetch_add(1, SeqCst);
    x * 10
}

/// Whether `tens(x)` is cached: calls it and tells whether its body ran.
fn cached(x: u64) -> bool {
    let runs = RUNS.load(SeqCst);
    assert_eq!(tens(x), x * 10);
    RUNS.load(SeqCst) == runs
}

fn info(hits: u64, misses: u64, currsize: usize) -> CacheInfo {
    CacheInfo { hits, misses, maxsize: Some(3), currsize }
}

#[test]
fn statistics_and_clear_are_functools() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    tens::cache_clear();
    for x in [1, 2, 1, 1, 3, 2] {
        tens(x);
    }
    assert_eq!(tens::cache_info(), info(3, 3, 3));
    assert_eq!(tens::cache_info().to_string(), "CacheInfo(hits=3, misses=3, maxsize=3, currsize=3)");
    tens::cache_clear();
    assert_eq!(tens::cache_info(), info(0, 0, 0));
    assert!(!cached(1), "cleared");
    assert_eq!(tens::cache_info(), info(0, 1, 1));
}

#[test]
fn a_hit_entry_gets_a_second_chance() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    tens::cache_clear();
    for x in [1, 2, 3, 1] {
        tens(x);
    }
    tens(4); // 1 is the oldest, but was hit: 2 goes
    assert!(cached(1) && cached(3) && cached(4));
    assert!(!cached(2));
}

#[test]
fn entries_spared_together_keep_their_list_order_not_their_hit_order() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    tens::cache_clear();
    // 2 is hit before 1. Exact LRU would evict 3, then 2; CLOCK spares 1 and 2 in list order
    // (1 before 2) and evicts 3, then 1.
    for x in [1, 2, 3, 2, 1, 4, 5] {
        tens(x);
    }
    assert_eq!(tens::cache_info(), info(2, 5, 3));
    assert!(cached(2) && cached(4) && cached(5));
    assert!(!cached(1));
}

#[test]
fn an_entry_never_hit_goes_first_whatever_its_age() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    tens::cache_clear();
    for x in [1, 2, 3, 1, 2] {
        tens(x);
    }
    tens(4); // 3 is the newest, and the only one never hit
    assert!(!cached(3));
    assert_eq!(tens::cache_info().currsize, 3);
}

#[test]
fn many_threads_every_value_right_every_call_counted_and_bounded() {
    #[lru_cache(maxsize = 64, read_hits)]
    fn mix(x: u64) -> u64 {
        expected(x)
    }
    // More threads than own a counting line: the later ones share striped lines.
    const THREADS: u64 = 24;
    const CALLS: u64 = 10_000;
    memo_tests::on_threads(THREADS, CALLS, |random| {
        // Mostly a hot set of 32 keys, sometimes one of 200: hits and evictions.
        let x = if random % 4 == 0 { random % 200 } else { random % 32 };
        assert_eq!(mix(x), expected(x));
    });
    let info = mix::cache_info();
    assert_eq!(info.hits + info.misses, THREADS * CALLS, "{info}");
    assert_eq!(info.currsize, 64, "{info}");
    assert!(info.hits > info.misses, "{info}");
}

#[test]
fn cache_clear_from_another_thread_under_load() {
    #[lru_cache(maxsize = 32, read_hits, shards = 4)]
    fn work(x: u64) -> u64 {
        expected(x)
    }
    let stop = AtomicBool::new(false);
    thread::scope(|scope| {
        for t in 0..4 {
            let stop = &stop;
            scope.spawn(move || {
                let mut i = t;
                while !stop.load(SeqCst) {
                    i = (i + 7) % 100;
                    assert_eq!(work(i), expected(i));
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
    assert!(work::cache_info().currsize <= 32);
}

#[test]
fn expired_entries_are_misses_and_are_replaced() {
    static RUNS: AtomicU64 = AtomicU64::new(0);
    #[lru_cache(maxsize = 8, read_hits, ttl = "50ms")]
    fn stamped(x: u64) -> u64 {
        RUNS.fetch_add(1, SeqCst) * 100 + x
    }
    let first = stamped(1);
    assert_eq!(stamped(1), first);
    thread::sleep(Duration::from_millis(80));
    let second = stamped(1);
    assert_ne!(second, first, "an expired value is never returned");
    assert_eq!(stamped(1), second);
    let info = stamped::cache_info();
    assert_eq!((info.hits, info.misses, info.currsize), (2, 2, 1));
}

#[test]
fn single_flight_runs_the_body_once() {
    static RUNS: AtomicU64 = AtomicU64::new(0);
    #[lru_cache(maxsize = 8, read_hits, single_flight)]
    fn slow(x: u64) -> u64 {
        RUNS.fetch_add(1, SeqCst);
        thread::sleep(Duration::from_millis(100));
        x + 1
    }
    thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| assert_eq!(slow(7), 8));
        }
    });
    assert_eq!(RUNS.load(SeqCst), 1);
    assert_eq!(slow(7), 8);
    let info = slow::cache_info();
    assert_eq!((info.hits, info.misses), (4, 1));
}

#[test]
fn recursion_works() {
    #[lru_cache(maxsize = None, read_hits)]
    fn fib(n: u64) -> u64 {
        if n < 2 { n } else { fib(n - 1) + fib(n - 2) }
    }
    assert_eq!(fib(90), 2_880_067_194_370_816_120);
    assert_eq!(fib::cache_info().misses, 91);
    assert_eq!(fib::cache_info().hits, 88);
}

// A key whose `Eq` calls `eq_calls_back` again, under the lock.
memo_tests::eq_calls_back!(EqCallsBack, eq_calls_back);

#[lru_cache(maxsize = None, read_hits)]
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

/// A key whose `Eq` panics once, under the read lock.
#[derive(Clone, Debug)]
struct PanickyEq(u32);

static PANIC_ONCE: AtomicBool = AtomicBool::new(false);

impl Hash for PanickyEq {
    fn hash<H: Hasher>(&self, state: &mut H) {
        0u8.hash(state);
    }
}

impl PartialEq for PanickyEq {
    fn eq(&self, other: &Self) -> bool {
        if PANIC_ONCE.swap(false, SeqCst) {
            panic!("Eq panicked");
        }
        self.0 == other.0
    }
}

impl Eq for PanickyEq {}

#[lru_cache(maxsize = 8, read_hits)]
fn panicky_eq(key: PanickyEq) -> u32 {
    key.0
}

#[test]
fn a_panicking_eq_does_not_poison_the_cache() {
    assert_eq!(panicky_eq(PanickyEq(1)), 1);
    PANIC_ONCE.store(true, SeqCst);
    assert!(std::panic::catch_unwind(|| panicky_eq(PanickyEq(1))).is_err());
    let hits = panicky_eq::cache_info().hits;
    assert_eq!(panicky_eq(PanickyEq(1)), 1);
    assert_eq!(panicky_eq::cache_info().hits, hits + 1, "the thread let go of the read lock");
    within_deadline(|| {
        assert_eq!(panicky_eq(PanickyEq(2)), 2); // takes the write lock
        assert_eq!(panicky_eq::cache_info().currsize, 2);
    });
}

#[test]
fn borrowed_arguments_are_stored_owned() {
    #[lru_cache(maxsize = 16, read_hits)]
    fn greet(greeting: &str, names: &[String]) -> String {
        format!("{greeting}, {}", names.join(" and "))
    }
    assert_eq!(greet("hello", &["ada".to_string()]), "hello, ada");
    assert_eq!(greet("hello", &["ada".to_string()]), "hello, ada");
    assert_eq!(greet("hi", &["ada".to_string(), "alan".to_string()]), "hi, ada and alan");
    let info = greet::cache_info();
    assert_eq!((info.hits, info.misses, info.currsize), (1, 2, 2));
}
