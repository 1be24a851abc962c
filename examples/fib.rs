//! Naive recursion made instant: the Fibonacci numbers, functools' own example.
//!
//! The plain recursive `fib` makes millions of calls; with `#[memo::lru_cache]` each `n` is
//! computed once, and `fib(35)` leaves functools' famous
//! `CacheInfo(hits=33, misses=36, maxsize=128, currsize=36)`.
//!
//! Run it from the workspace root: `cargo run --example fib`

use std::time::Instant;

/// The textbook definition, without a cache: about 2·fib(n) calls.
fn naive_fib(n: u64) -> u64 {
    if n < 2 { n } else { naive_fib(n - 1) + naive_fib(n - 2) }
}

/// The same definition; the recursive calls go through the cache.
#[memo::lru_cache(maxsize = 128)]
fn fib(n: u64) -> u64 {
    if n < 2 { n } else { fib(n - 1) + fib(n - 2) }
}

fn main() {
    let start = Instant::now();
    let slow = naive_fib(35);
    let naive_ms = start.elapsed().as_secs_f64() * 1000.0;
    println!("naive_fib(35) = {slow} in {naive_ms:.1} ms (about 30 million calls)");

    let start = Instant::now();
    let fast = fib(35);
    let cached_ms = start.elapsed().as_secs_f64() * 1000.0;
    println!("fib(35)       = {fast} in {cached_ms:.3} ms (the body runs once per n)");
    println!("  {}", fib::cache_info());
    assert_eq!(fast, slow);
    assert_eq!(fib::cache_info().to_string(), "CacheInfo(hits=33, misses=36, maxsize=128, currsize=36)");

    let start = Instant::now();
    let big = fib(90);
    let big_ms = start.elapsed().as_secs_f64() * 1000.0;
    println!("fib(90) = {big} in {big_ms:.3} ms (naive_fib(90) would take centuries)");
    println!("  {}", fib::cache_info());
    assert_eq!(big, 2_880_067_194_370_816_120);
    assert_eq!(fib::cache_info().misses, 36 + 55);

    // `fib::uncached` is functools' `fib.__wrapped__`: it runs the body once, untouched by the
    // cache, but the body's own recursive calls still go through it.
    let before = fib::cache_info();
    assert_eq!(fib::uncached(90), big);
    let after = fib::cache_info();
    println!("fib::uncached(90) = {big}: the body ran outside the cache; its two calls were hits");
    println!("  {after}");
    assert_eq!(after.misses, before.misses);
    assert_eq!(after.hits, before.hits + 2);
}
