//! Testing code that uses a memoized function: clear the cache, exercise, assert on
//! `cache_info()`. Also shows that an `Err` is never cached: the next call retries.
//!
//! A memoized function's cache is a `static`, shared by every test in the binary, and
//! `cargo test` runs tests in parallel: tests that assert on the same cache's statistics take
//! a lock first (see `exclusive`), or their counts would mix.
//!
//! Run it from the workspace root: `cargo run --example testing`, and its tests with
//! `cargo test -p memo-examples --examples`.

use std::num::ParseIntError;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

/// How many times `parse_port`'s body ran.
static RUNS: AtomicU64 = AtomicU64::new(0);

/// The code under test. `Ok` ports are cached; an `Err` is returned but not cached.
#[memo::lru_cache(maxsize = 32)]
fn parse_port(text: &str) -> Result<u16, ParseIntError> {
    RUNS.fetch_add(1, Ordering::Relaxed);
    text.trim().parse()
}

/// Serializes the checks on `parse_port`'s cache and clears it: call this first in each test.
/// A failed test poisons the lock; the next test goes on anyway, since the cache is cleared.
fn exclusive() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    let guard = LOCK.lock().unwrap_or_else(PoisonError::into_inner);
    parse_port::cache_clear();
    assert_eq!(parse_port::cache_info().to_string(), "CacheInfo(hits=0, misses=0, maxsize=32, currsize=0)");
    guard
}

/// A repeated call is a hit: the body ran once.
fn check_repeated_call_is_a_hit() {
    let _guard = exclusive();
    let runs = RUNS.load(Ordering::Relaxed);
    assert_eq!(parse_port("8080"), Ok(8080));
    assert_eq!(parse_port("8080"), Ok(8080));
    println!("  parse_port(\"8080\") twice: {}", parse_port::cache_info());
    assert_eq!(parse_port::cache_info().hits, 1);
    assert_eq!(parse_port::cache_info().misses, 1);
    assert_eq!(RUNS.load(Ordering::Relaxed) - runs, 1);
}

/// An `Err` is returned every time but never stored: each call runs the body again, as
/// functools never caches an exception.
fn check_errors_are_not_cached() {
    let _guard = exclusive();
    let runs = RUNS.load(Ordering::Relaxed);
    assert!(parse_port("http").is_err());
    assert!(parse_port("http").is_err());
    println!("  parse_port(\"http\") twice: {}", parse_port::cache_info());
    assert_eq!(parse_port::cache_info().misses, 2);
    assert_eq!(parse_port::cache_info().currsize, 0);
    assert_eq!(RUNS.load(Ordering::Relaxed) - runs, 2);
}

/// `cache_clear()` forgets the entries and resets the statistics.
fn check_clear_resets_everything() {
    let _guard = exclusive();
    for text in ["80", "443", "80"] {
        parse_port(text).unwrap();
    }
    println!("  before cache_clear(): {}", parse_port::cache_info());
    assert_eq!(parse_port::cache_info().currsize, 2);
    parse_port::cache_clear();
    println!("  after cache_clear():  {}", parse_port::cache_info());
    assert_eq!(parse_port::cache_info(), memo::CacheInfo { maxsize: Some(32), ..Default::default() });
}

/// `uncached` tests the body alone: the cache is neither read nor written.
fn check_uncached_bypasses_the_cache() {
    let _guard = exclusive();
    assert_eq!(parse_port::uncached(" 22 "), Ok(22));
    println!("  parse_port::uncached(\" 22 \"): {}", parse_port::cache_info());
    assert_eq!(parse_port::cache_info().misses, 0);
    assert_eq!(parse_port::cache_info().currsize, 0);
}

fn main() {
    println!("each check clears the cache, exercises parse_port and asserts on cache_info():");
    check_repeated_call_is_a_hit();
    check_errors_are_not_cached();
    check_clear_resets_everything();
    check_uncached_bypasses_the_cache();
    println!("all checks passed; `cargo test -p memo-examples --examples` runs them as tests");
}

#[cfg(test)]
mod tests {
    #[test]
    fn repeated_call_is_a_hit() {
        super::check_repeated_call_is_a_hit();
    }

    #[test]
    fn errors_are_not_cached() {
        super::check_errors_are_not_cached();
    }

    #[test]
    fn clear_resets_everything() {
        super::check_clear_resets_everything();
    }

    #[test]
    fn uncached_bypasses_the_cache() {
        super::check_uncached_bypasses_the_cache();
    }
}
