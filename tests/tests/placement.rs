//! Where a memoized function sits, told from the macro's input alone: free functions,
//! inherent methods, associated functions and methods of trait impls (`#[memo::memoized]`),
//! synchronous and `async`, generic impls included, each with its companions reachable.

use memo::{cache, lru_cache, memoized};
use std::sync::atomic::{AtomicU32, Ordering::SeqCst};

trait UserRepo {
    fn email(&self, id: u64) -> String;
    fn name(&self, id: u64) -> String;
}

trait AsyncRepo {
    async fn score(&self, id: u64) -> u64;
}

#[derive(Hash, PartialEq, Eq, Clone)]
struct PgRepo {
    domain: &'static str,
}

static EMAIL_RUNS: AtomicU32 = AtomicU32::new(0);

#[memoized]
impl UserRepo for PgRepo {
    #[lru_cache(maxsize = 2)]
    fn email(&self, id: u64) -> String {
        EMAIL_RUNS.fetch_add(1, SeqCst);
        format!("user{id}@{}", self.domain)
    }

    // Not memoized: stays as written.
    fn name(&self, id: u64) -> String {
        format!("user{id}")
    }
}

#[test]
fn a_trait_impl_method_is_memoized_with_its_companions_on_the_type() {
    let repo = PgRepo { domain: "example.com" };
    assert_eq!(repo.email(1), "user1@example.com");
    assert_eq!(repo.email(1), "user1@example.com");
    assert_eq!(EMAIL_RUNS.load(SeqCst), 1);
    // Through the trait, as application code calls it.
    let dyn_repo: &dyn UserRepo = &repo;
    assert_eq!(dyn_repo.email(1), "user1@example.com");
    assert_eq!(EMAIL_RUNS.load(SeqCst), 1);
    assert_eq!(PgRepo::email_cache_info().to_string(), "CacheInfo(hits=2, misses=1, maxsize=2, currsize=1)");
    assert_eq!(PgRepo::email_cache_parameters().maxsize, Some(2));
    assert_eq!(repo.email_uncached(1), "user1@example.com");
    assert_eq!(EMAIL_RUNS.load(SeqCst), 2);
    assert_eq!(PgRepo::email_cache_peek(&repo, 1).as_deref(), Some("user1@example.com"));
    PgRepo::email_cache_put(&repo, 9, "primed".to_string());
    assert_eq!(repo.email(9), "primed");
    assert_eq!(PgRepo::email_cache_remove(&repo, 9).as_deref(), Some("primed"));
    PgRepo::email_cache_clear();
    assert_eq!(PgRepo::email_cache_info().currsize, 0);
    assert_eq!(repo.name(3), "user3");
}

static SCORE_RUNS: AtomicU32 = AtomicU32::new(0);

#[memoized]
impl AsyncRepo for PgRepo {
    #[memo::cache]
    async fn score(&self, id: u64) -> u64 {
        SCORE_RUNS.fetch_add(1, SeqCst);
        tokio::task::yield_now().await;
        id * 10 + self.domain.len() as u64
    }
}

#[tokio::test]
async fn an_async_trait_impl_method_is_memoized() {
    let repo = PgRepo { domain: "a.b" };
    assert_eq!(repo.score(4).await, 43);
    assert_eq!(repo.score(4).await, 43);
    assert_eq!(SCORE_RUNS.load(SeqCst), 1);
    assert_eq!(
        PgRepo::score_cache_info().to_string(),
        "CacheInfo(hits=1, misses=1, maxsize=None, currsize=1)"
    );
    assert_eq!(repo.score_uncached(4).await, 43);
    assert_eq!(SCORE_RUNS.load(SeqCst), 2);
}

trait Describe {
    fn describe(&self, times: usize) -> String;
}

#[derive(Hash, PartialEq, Eq, Clone)]
struct Wrapper<T>(T);

static DESCRIBE_RUNS: AtomicU32 = AtomicU32::new(0);

#[memoized]
impl<T> Describe for Wrapper<T>
where
    T: std::fmt::Debug + std::hash::Hash + Eq + Clone + Send + Sync + 'static,
{
    #[lru_cache(maxsize = 8, single_flight)]
    fn describe(&self, times: usize) -> String {
        DESCRIBE_RUNS.fetch_add(1, SeqCst);
        format!("{:?}", self.0).repeat(times)
    }
}

#[test]
fn a_generic_trait_impl_keeps_its_instantiations_apart_in_one_cache() {
    assert_eq!(Wrapper(1u8).describe(2), "11");
    assert_eq!(Wrapper(1u8).describe(2), "11");
    assert_eq!(Wrapper("1").describe(2), "\"1\"\"1\"");
    assert_eq!(DESCRIBE_RUNS.load(SeqCst), 2);
    // One cache for every instantiation, reached through any of them.
    assert_eq!(
        Wrapper::<u8>::describe_cache_info().to_string(),
        "CacheInfo(hits=1, misses=2, maxsize=8, currsize=2)"
    );
}

#[derive(Hash, PartialEq, Eq, Clone)]
struct Config;

static LOADS: AtomicU32 = AtomicU32::new(0);

#[memoized]
impl Config {
    /// An associated function: no `self`, no `Self`.
    #[lru_cache]
    fn load(path: &str) -> u64 {
        LOADS.fetch_add(1, SeqCst);
        path.len() as u64
    }

    #[cache]
    fn with_self(&self, x: u32) -> u32 {
        x + 1
    }

    const UNTOUCHED: u8 = 3;
}

#[test]
fn an_associated_function_without_self_keeps_its_companions_on_the_type() {
    assert_eq!(Config::load("a/b"), 3);
    assert_eq!(Config::load("a/b"), 3);
    assert_eq!(LOADS.load(SeqCst), 1);
    assert_eq!(Config::load_cache_info().to_string(), "CacheInfo(hits=1, misses=1, maxsize=128, currsize=1)");
    assert_eq!(Config::load_uncached("xy"), 2);
    assert_eq!(Config.with_self(1), 2);
    assert_eq!(Config::with_self_cache_info().misses, 1);
    assert_eq!(Config::UNTOUCHED, 3);
}

#[derive(Hash, PartialEq, Eq)]
struct Plain;

impl Plain {
    // Takes `self`: a method without `#[memoized]` on the block.
    #[lru_cache(maxsize = 4)]
    fn twice(&self, x: u32) -> u32 {
        x * 2
    }

    // Names `Self`: an associated function without `#[memoized]` on the block.
    #[cache]
    fn make(seed: u32) -> Option<Self> {
        (seed > 0).then_some(Plain)
    }
}

impl Clone for Plain {
    fn clone(&self) -> Self {
        Plain
    }
}

#[test]
fn methods_placed_by_their_signature_need_no_attribute_on_the_block() {
    assert_eq!(Plain.twice(2) + Plain.twice(2), 8);
    assert_eq!(Plain::twice_cache_info().hits, 1);
    assert!(Plain::make(1).is_some());
    assert!(Plain::make(0).is_none());
    assert_eq!(Plain::make_cache_info().misses, 2);
}

/// Items that a `macro_rules!` writes into an `impl` block: nothing to read in a source file.
macro_rules! memoized_impl {
    ($ty:ident) => {
        struct $ty;
        #[memoized]
        impl $ty {
            #[lru_cache(maxsize = 2)]
            fn triple(x: u32) -> u32 {
                x * 3
            }
        }
    };
}

memoized_impl!(FromMacro);

#[test]
fn an_impl_written_by_a_macro_is_placed_the_same() {
    assert_eq!(FromMacro::triple(2), 6);
    assert_eq!(FromMacro::triple(2), 6);
    assert_eq!(FromMacro::triple_cache_info().hits, 1);
}
