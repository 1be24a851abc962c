//! `ttl`: an expired entry is a miss, is never returned, and leaves `currsize`.

use std::sync::atomic::{AtomicU64, Ordering::SeqCst};
use std::thread::sleep;
use std::time::Duration;

use memo::{cache, lru_cache};

static RUNS: AtomicU64 = AtomicU64::new(0);

#[lru_cache(maxsize = 8, ttl = "150ms")]
fn stamped(x: u64) -> (u64, u64) {
    (x, RUNS.fetch_add(1, SeqCst))
}

#[test]
fn an_expired_entry_is_a_miss_and_leaves_currsize() {
    let first = stamped(1);
    assert_eq!(stamped(1), first, "fresh: a hit");
    assert_eq!(stamped::cache_info().to_string(), "CacheInfo(hits=1, misses=1, maxsize=8, currsize=1)");
    sleep(Duration::from_millis(200));
    assert_eq!(stamped::cache_info().currsize, 0, "an expired entry is not counted");
    let second = stamped(1);
    assert_ne!(second, first, "an expired value is never returned");
    assert_eq!(stamped(1), second, "the new value is cached again");
    let info = stamped::cache_info();
    assert_eq!((info.hits, info.misses, info.currsize), (2, 2, 1));
}

static GENERIC_RUNS: AtomicU64 = AtomicU64::new(0);

#[cache(ttl = "100ms")]
fn generic_stamped<T: ToString + memo::CacheKey>(x: T) -> String {
    format!("{}#{}", x.to_string(), GENERIC_RUNS.fetch_add(1, SeqCst))
}

#[test]
fn generic_functions_expire_too() {
    let a = generic_stamped(7_u8);
    let b = generic_stamped(String::from("seven"));
    assert_eq!(generic_stamped(7_u8), a);
    assert_eq!(generic_stamped(String::from("seven")), b);
    assert_eq!(generic_stamped::cache_info().currsize, 2);
    sleep(Duration::from_millis(150));
    assert_eq!(generic_stamped::cache_info().currsize, 0);
    assert_ne!(generic_stamped(7_u8), a);
}

struct Clock;

static METHOD_RUNS: AtomicU64 = AtomicU64::new(0);

impl Clock {
    #[lru_cache(ttl = "1h")]
    fn tick(&self, x: u32) -> u64 {
        u64::from(x) + METHOD_RUNS.fetch_add(1, SeqCst) * 1000
    }
}

impl PartialEq for Clock {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}
impl Eq for Clock {}
impl std::hash::Hash for Clock {
    fn hash<H: std::hash::Hasher>(&self, _: &mut H) {}
}
impl Clone for Clock {
    fn clone(&self) -> Self {
        Clock
    }
}

#[test]
fn a_long_ttl_keeps_entries() {
    let first = Clock.tick(3);
    assert_eq!(Clock.tick(3), first);
    assert_eq!(Clock::tick_cache_info().hits, 1);
    assert_eq!(Clock::tick_cache_info().currsize, 1);
}

#[lru_cache(maxsize = 2, ttl = "1h")]
fn bounded(x: u64) -> u64 {
    x * 2
}

#[test]
fn ttl_keeps_lru_eviction() {
    for x in 0..10 {
        bounded(x);
    }
    assert_eq!(bounded::cache_info().currsize, 2);
    bounded(9);
    assert_eq!(bounded::cache_info().hits, 1);
}
