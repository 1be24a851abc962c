//! Slow lookups behind a trait, memoized in the trait's `impl` with `#[memo::memoized]`.
//!
//! Application code calls `UserRepo` (a sync and an `async` method) and never sees the cache;
//! the companions (`SlowRepo::email_cache_info()`, `repo.email_uncached(..)`, ...) sit on the
//! implementing type, where the attribute on the `impl` block puts them.
//!
//! Run it from the workspace root: `cargo run --example trait_repo`

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

const LATENCY: Duration = Duration::from_millis(20);

trait UserRepo {
    fn email(&self, id: u64) -> String;
    async fn display_name(&self, id: u64) -> String;
}

/// A database that takes ~20 ms per query, counting the queries it answers.
#[derive(Default)]
struct SlowRepo {
    queries: AtomicU32,
}

// `ignore = [self]`: the key is `id` alone. Each method has one cache for the type (not one
// per value), and every `SlowRepo` reads the same database, so handles may share entries;
// `SlowRepo` also holds an `AtomicU32`, which is not `Hash + Eq + Clone` as a key part must be.
// A repo whose answers depend on its fields (one per tenant, say) would keep `&self` in the key.
#[memo::memoized]
impl UserRepo for SlowRepo {
    #[memo::lru_cache(maxsize = 64, ignore = [self])]
    fn email(&self, id: u64) -> String {
        self.queries.fetch_add(1, Ordering::Relaxed);
        std::thread::sleep(LATENCY);
        format!("user{id}@example.com")
    }

    #[memo::cache(ignore = [self])]
    async fn display_name(&self, id: u64) -> String {
        self.queries.fetch_add(1, Ordering::Relaxed);
        tokio::time::sleep(LATENCY).await;
        format!("User #{id}")
    }
}

/// Application code: knows the trait only.
fn greeting(repo: &impl UserRepo, id: u64) -> String {
    format!("mail to {}", repo.email(id))
}

fn main() {
    let repo = SlowRepo::default();
    let queries = || repo.queries.load(Ordering::Relaxed);

    for id in [1, 1, 2, 1] {
        println!("{}", greeting(&repo, id));
    }
    println!("SlowRepo::email_cache_info() = {}", SlowRepo::email_cache_info());
    assert_eq!(queries(), 2, "ids 1 and 2 queried once each");
    assert_eq!(
        SlowRepo::email_cache_info().to_string(),
        "CacheInfo(hits=2, misses=2, maxsize=64, currsize=2)"
    );

    let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build().expect("a runtime");
    runtime.block_on(async {
        for _ in 0..3 {
            assert_eq!(repo.display_name(7).await, "User #7");
        }
    });
    println!("SlowRepo::display_name_cache_info() = {}", SlowRepo::display_name_cache_info());
    assert_eq!(queries(), 3, "display_name(7) queried once");
    assert_eq!(
        SlowRepo::display_name_cache_info().to_string(),
        "CacheInfo(hits=2, misses=1, maxsize=None, currsize=1)"
    );

    // The body without the cache: always a query, and the statistics do not move.
    assert_eq!(repo.email_uncached(1), "user1@example.com");
    assert_eq!(queries(), 4);
    assert_eq!(SlowRepo::email_cache_info().hits, 2);

    SlowRepo::email_cache_clear();
    println!("after SlowRepo::email_cache_clear(): {}", SlowRepo::email_cache_info());
    assert_eq!(
        SlowRepo::email_cache_info().to_string(),
        "CacheInfo(hits=0, misses=0, maxsize=64, currsize=0)"
    );
    assert_eq!(repo.email(1), "user1@example.com");
    assert_eq!(queries(), 5, "a cleared cache queries again");
    assert_eq!(SlowRepo::display_name_cache_info().currsize, 1, "each method has its own cache");
    println!("{} queries in all", queries());
}

/// `cargo test --workspace` runs the example, so its asserts guard the behaviour it shows.
#[test]
fn runs() {
    main();
}
