//! `single_flight` in one process: concurrent misses of one key run the body once and every
//! other caller gets that value; a leader that panics, returns `Err` or recurses into its own
//! key, and two bodies waiting for each other's keys, never hang anyone.

use memo::lru_cache;
use memo_tests::within_deadline;
use std::sync::Barrier;
use std::sync::atomic::{AtomicU32, Ordering::SeqCst};
use std::thread;
use std::time::Duration;

/// Calls `f` from `threads` threads at once and returns what each got.
fn at_once<T: Send>(threads: usize, f: impl Fn() -> T + Sync) -> Vec<T> {
    let start = Barrier::new(threads);
    thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    start.wait();
                    f()
                })
            })
            .collect();
        handles.into_iter().map(|handle| handle.join().unwrap()).collect()
    })
}

#[test]
fn concurrent_misses_run_the_body_once_and_waiters_count_as_hits() {
    static BODIES: AtomicU32 = AtomicU32::new(0);
    #[lru_cache(maxsize = 16, single_flight)]
    fn slow(key: u32) -> String {
        BODIES.fetch_add(1, SeqCst);
        thread::sleep(Duration::from_millis(150));
        format!("value {key}")
    }
    let got = at_once(8, || slow(7));
    assert!(got.iter().all(|value| value == "value 7"));
    assert_eq!(BODIES.load(SeqCst), 1);
    let info = slow::cache_info();
    assert_eq!((info.hits, info.misses, info.currsize), (7, 1, 1), "{info}");
    // Different keys do not wait for each other.
    let got = at_once(4, || slow(BODIES.load(SeqCst) + 100));
    assert_eq!(got.len(), 4);
}

#[test]
fn without_single_flight_every_concurrent_miss_runs() {
    static BODIES: AtomicU32 = AtomicU32::new(0);
    #[lru_cache(maxsize = 16)]
    fn slow(key: u32) -> u32 {
        BODIES.fetch_add(1, SeqCst);
        thread::sleep(Duration::from_millis(150));
        key
    }
    at_once(4, || slow(1));
    assert_eq!(BODIES.load(SeqCst), 4);
}

#[test]
fn a_cache_of_nothing_still_shares_one_computation() {
    static BODIES: AtomicU32 = AtomicU32::new(0);
    #[lru_cache(maxsize = 0, single_flight)]
    fn slow(key: u32) -> u32 {
        BODIES.fetch_add(1, SeqCst);
        thread::sleep(Duration::from_millis(150));
        key * 2
    }
    assert!(at_once(6, || slow(21)).iter().all(|&value| value == 42));
    assert_eq!(BODIES.load(SeqCst), 1);
    assert_eq!(slow::cache_info().currsize, 0);
    slow(21);
    assert_eq!(BODIES.load(SeqCst), 2, "nothing was stored");
}

#[test]
fn a_panicking_leader_releases_the_waiters_and_one_of_them_runs_next() {
    static BODIES: AtomicU32 = AtomicU32::new(0);
    #[lru_cache(maxsize = 16, single_flight)]
    fn flaky(key: u32) -> u32 {
        let body = BODIES.fetch_add(1, SeqCst);
        thread::sleep(Duration::from_millis(150));
        assert!(body != 0, "the first body fails");
        key + 1
    }
    let got = within_deadline(|| at_once(5, || std::panic::catch_unwind(|| flaky(1)).ok()));
    assert_eq!(got.iter().filter(|value| value.is_none()).count(), 1, "only the leader panicked");
    assert!(got.iter().flatten().all(|&value| value == 2));
    assert_eq!(BODIES.load(SeqCst), 2, "one waiter led the second flight, the others waited for it");
    let info = flaky::cache_info();
    assert_eq!(info.hits + info.misses, 5);
    assert_eq!(info.misses, 2);
}

#[test]
fn an_err_is_not_shared_the_waiters_retry() {
    static BODIES: AtomicU32 = AtomicU32::new(0);
    #[lru_cache(maxsize = 16, single_flight)]
    fn fetch(key: u32) -> Result<u32, String> {
        let body = BODIES.fetch_add(1, SeqCst);
        thread::sleep(Duration::from_millis(150));
        if body == 0 { Err("timeout".into()) } else { Ok(key) }
    }
    let got = within_deadline(|| at_once(4, || fetch(9)));
    assert_eq!(got.iter().filter(|value| value.is_err()).count(), 1);
    assert_eq!(got.iter().filter(|value| **value == Ok(9)).count(), 3);
    assert_eq!(BODIES.load(SeqCst), 2);
}

#[test]
fn recursion_into_ones_own_key_computes_directly() {
    #[lru_cache(maxsize = 16, single_flight, ignore = [depth])]
    fn nested(key: u32, depth: u32) -> u32 {
        if depth < 3 { nested(key, depth + 1) + 1 } else { key }
    }
    assert_eq!(within_deadline(|| nested(10, 0)), 13);
    let info = nested::cache_info();
    assert_eq!((info.hits, info.misses), (0, 4), "{info}");
    assert_eq!(nested(10, 0), 13, "the outermost value is the one cached");
}

#[test]
fn two_bodies_waiting_for_each_others_keys_do_not_deadlock() {
    static BOTH_LEADING: Barrier = Barrier::new(2);
    #[lru_cache(maxsize = 16, single_flight, ignore = [partner])]
    fn cross(key: u32, partner: Option<u32>) -> u32 {
        match partner {
            Some(partner) => {
                BOTH_LEADING.wait(); // each thread leads its own key
                cross(partner, None) + 1000
            }
            None => key,
        }
    }
    let (a, b) = within_deadline(|| {
        thread::scope(|scope| {
            let a = scope.spawn(|| cross(1, Some(2)));
            let b = scope.spawn(|| cross(2, Some(1)));
            (a.join().unwrap(), b.join().unwrap())
        })
    });
    // One waited for the other's value (1001 or 1002); the other found the cycle and computed
    // the key itself (1 or 2).
    assert!((a, b) == (2001, 1001) || (a, b) == (1002, 2002), "{a} {b}");
}

#[test]
fn a_cycle_through_two_functions_does_not_deadlock() {
    static BOTH_LEADING: Barrier = Barrier::new(2);
    #[lru_cache(maxsize = 16, single_flight, ignore = [first])]
    fn ping(key: u32, first: bool) -> u32 {
        if first {
            BOTH_LEADING.wait();
            pong(key, false) + 1
        } else {
            key
        }
    }
    #[lru_cache(maxsize = 16, single_flight, ignore = [first])]
    fn pong(key: u32, first: bool) -> u32 {
        if first {
            BOTH_LEADING.wait();
            ping(key, false) + 10
        } else {
            key
        }
    }
    let (a, b) = within_deadline(|| {
        thread::scope(|scope| {
            let a = scope.spawn(|| ping(5, true));
            let b = scope.spawn(|| pong(5, true));
            (a.join().unwrap(), b.join().unwrap())
        })
    });
    assert!((a, b) == (16, 15) || (a, b) == (6, 16), "{a} {b}");
}

#[test]
fn generic_functions_and_methods_take_single_flight() {
    static BODIES: AtomicU32 = AtomicU32::new(0);
    #[lru_cache(maxsize = 16, single_flight)]
    fn show<T: std::fmt::Display + Clone + std::hash::Hash + Eq + Send + Sync + 'static>(x: T) -> String {
        BODIES.fetch_add(1, SeqCst);
        thread::sleep(Duration::from_millis(100));
        x.to_string()
    }
    assert!(at_once(4, || show(5u8)).iter().all(|value| value == "5"));
    assert_eq!(BODIES.load(SeqCst), 1);

    struct Repo;
    impl Repo {
        #[lru_cache(maxsize = 16, single_flight, ignore = [self])]
        fn load(&self, id: u32) -> u32 {
            BODIES.fetch_add(1, SeqCst);
            thread::sleep(Duration::from_millis(100));
            id * 3
        }
    }
    assert!(at_once(4, || Repo.load(2)).iter().all(|&value| value == 6));
    assert_eq!(BODIES.load(SeqCst), 2);
    let info = Repo::load_cache_info();
    assert_eq!((info.hits, info.misses), (3, 1));
}

#[test]
fn expiry_and_priming_work_with_single_flight() {
    static BODIES: AtomicU32 = AtomicU32::new(0);
    #[lru_cache(maxsize = 16, single_flight, ttl = "150ms")]
    fn fresh(key: u32) -> u32 {
        BODIES.fetch_add(1, SeqCst);
        key
    }
    fresh::cache_put(1, 50);
    assert_eq!(fresh(1), 50);
    assert_eq!(BODIES.load(SeqCst), 0);
    thread::sleep(Duration::from_millis(200));
    assert_eq!(fresh(1), 1, "expired");
    assert_eq!(fresh::cache_remove(1), Some(1));
    assert_eq!(fresh::cache_peek(1), None);
}
