//! The README's main example: a slow legacy lookup behind `#[memo::lru_cache]`.
//!
//! One slow request, then 99 instant hits; `cache_clear()` makes the next call slow again.
//! The same lookup as a method (`impl Repo`) shows the method companions.
//!
//! Run it from the workspace root: `cargo run --example get_user_email`

use std::sync::atomic::{AtomicU64, Ordering};
use std::thread::sleep;
use std::time::{Duration, Instant};

const LATENCY: Duration = Duration::from_millis(50);

/// How many requests reached the legacy service.
static REQUESTS: AtomicU64 = AtomicU64::new(0);

/// A legacy service that takes ~50 ms to answer.
fn legacy_lookup(user_id: u64) -> String {
    REQUESTS.fetch_add(1, Ordering::Relaxed);
    sleep(LATENCY);
    format!("user{user_id}@example.com")
}

#[memo::lru_cache(maxsize = 256)]
fn get_user_email(user_id: u64) -> String {
    legacy_lookup(user_id)
}

/// A handle on the user store; every handle sees the same users.
struct Repo {
    name: &'static str,
}

impl Repo {
    /// `ignore = [self]`: the key is `id` alone, so all handles share the entries.
    #[memo::lru_cache(maxsize = 64, ignore = [self])]
    fn lookup(&self, id: u64) -> String {
        legacy_lookup(id)
    }
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

fn main() {
    println!("100 calls to get_user_email(42):");
    let start = Instant::now();
    for _ in 0..100 {
        assert_eq!(get_user_email(42), "user42@example.com");
    }
    let total = start.elapsed();
    println!("  total {:.1} ms: one slow request, 99 instant hits", ms(total));
    println!("  {}", get_user_email::cache_info());
    assert!(total >= LATENCY);
    assert_eq!(REQUESTS.load(Ordering::Relaxed), 1);
    assert_eq!(
        get_user_email::cache_info().to_string(),
        "CacheInfo(hits=99, misses=1, maxsize=256, currsize=1)"
    );

    get_user_email::cache_clear();
    println!("after get_user_email::cache_clear():");
    println!("  {}", get_user_email::cache_info());
    assert_eq!(get_user_email::cache_info().currsize, 0);
    let start = Instant::now();
    get_user_email(42);
    let again = start.elapsed();
    println!("  get_user_email(42) is slow again: {:.1} ms", ms(again));
    println!("  {}", get_user_email::cache_info());
    assert!(again >= LATENCY);
    assert_eq!(REQUESTS.load(Ordering::Relaxed), 2);
    assert_eq!(
        get_user_email::cache_info().to_string(),
        "CacheInfo(hits=0, misses=1, maxsize=256, currsize=1)"
    );

    println!("the same lookup as a method, through two Repo handles:");
    let primary = Repo { name: "primary" };
    let replica = Repo { name: "replica" };
    for repo in [&primary, &replica, &primary, &replica] {
        let start = Instant::now();
        let email = repo.lookup(7);
        println!("  {}.lookup(7) = {email} in {:.1} ms", repo.name, ms(start.elapsed()));
        assert_eq!(email, "user7@example.com");
    }
    println!("  {}", Repo::lookup_cache_info());
    assert_eq!(REQUESTS.load(Ordering::Relaxed), 3);
    assert_eq!(Repo::lookup_cache_info().to_string(), "CacheInfo(hits=3, misses=1, maxsize=64, currsize=1)");
    println!("  Repo::lookup_cache_parameters() = {}", Repo::lookup_cache_parameters());
}
