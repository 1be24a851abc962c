//! A slow pure computation pays once: the first call is slow, the second is instant.
//!
//! Shows a by-value argument, a `&str` argument (stored as a `String`; a `String` and a
//! literal with the same text share the entry) and a `&[u64]` argument (stored as a `Vec`).
//!
//! Run it from the workspace root: `cargo run --example heavy_compute`

use std::hash::{DefaultHasher, Hash, Hasher};
use std::time::Instant;

/// Counts the primes below `limit` by trial division: deliberately slow.
#[memo::lru_cache]
fn count_primes_below(limit: u64) -> usize {
    (2..limit).filter(|&n| (2..).take_while(|d| d * d <= n).all(|d| n % d != 0)).count()
}

/// Key stretching: hashes the password `rounds` times, as a password hash would.
#[memo::lru_cache(maxsize = 32)]
fn stretch(password: &str, rounds: u32) -> u64 {
    let mut digest = 0;
    for _ in 0..rounds {
        let mut hasher = DefaultHasher::new();
        (digest, password).hash(&mut hasher);
        digest = hasher.finish();
    }
    digest
}

/// The sum of the largest prime factor of each number.
#[memo::cache]
fn sum_of_largest_factors(numbers: &[u64]) -> u64 {
    numbers
        .iter()
        .map(|&n| {
            let (mut n, mut d, mut largest) = (n, 2, 1);
            while d * d <= n {
                while n % d == 0 {
                    (n, largest) = (n / d, d);
                }
                d += 1;
            }
            if n > 1 { n } else { largest }
        })
        .sum()
}

/// Runs `f`, returning its value and the time it took in milliseconds.
fn timed<T>(f: impl FnOnce() -> T) -> (T, f64) {
    let start = Instant::now();
    let value = f();
    (value, start.elapsed().as_secs_f64() * 1000.0)
}

fn main() {
    let (first, slow) = timed(|| count_primes_below(300_000));
    let (second, fast) = timed(|| count_primes_below(300_000));
    println!("count_primes_below(300_000) = {first}: first call {slow:.1} ms, second {fast:.3} ms");
    println!("  {}", count_primes_below::cache_info());
    assert_eq!((first, second), (25_997, 25_997));
    assert_eq!(count_primes_below::cache_info().hits, 1);
    assert_eq!(count_primes_below::cache_info().misses, 1);

    let password = String::from("correct horse battery staple");
    let (first, slow) = timed(|| stretch(&password, 500_000));
    let (second, fast) = timed(|| stretch("correct horse battery staple", 500_000));
    println!("stretch(&password, 500_000) = {first:#018x}: first call {slow:.1} ms");
    println!("stretch(\"correct horse battery staple\", 500_000): a literal, same entry, {fast:.3} ms");
    let (_, other) = timed(|| stretch(&password, 1_000));
    println!("stretch(&password, 1_000): another key, a miss, {other:.1} ms");
    println!("  {}", stretch::cache_info());
    assert_eq!(first, second);
    assert_eq!(first, stretch::uncached(&password, 500_000));
    assert_eq!(stretch::cache_info().to_string(), "CacheInfo(hits=1, misses=2, maxsize=32, currsize=2)");

    let numbers: Vec<u64> = (1_000_000_000..1_000_002_000).collect();
    let (first, slow) = timed(|| sum_of_largest_factors(&numbers));
    let (second, fast) = timed(|| sum_of_largest_factors(&numbers[..]));
    let (third, _) = timed(|| sum_of_largest_factors(&numbers[..1_000]));
    println!("sum_of_largest_factors(&numbers) = {first}: first call {slow:.1} ms, second {fast:.3} ms");
    println!("sum_of_largest_factors(&numbers[..1_000]) = {third}: a different slice, a miss");
    println!("  {}", sum_of_largest_factors::cache_info());
    assert_eq!(first, second);
    assert!(third < first);
    assert_eq!(
        sum_of_largest_factors::cache_info().to_string(),
        "CacheInfo(hits=1, misses=2, maxsize=None, currsize=2)"
    );
}
