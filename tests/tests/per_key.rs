//! Per-key control: `cache_peek`, `cache_remove` and `cache_put`.

use std::sync::atomic::{AtomicU64, Ordering::SeqCst};

use memo::lru_cache;

static RUNS: AtomicU64 = AtomicU64::new(0);

#[lru_cache(maxsize = 2)]
fn greet(name: &str, excited: bool) -> String {
    RUNS.fetch_add(1, SeqCst);
    format!("hello {name}{}", if excited { "!" } else { "" })
}

#[test]
fn peek_reads_without_running_counting_or_promoting() {
    assert_eq!(greet::cache_peek("ada", true), None);
    greet("ada", true);
    greet("bob", false);
    let before = (greet::cache_info(), RUNS.load(SeqCst));
    assert_eq!(greet::cache_peek("ada", true).as_deref(), Some("hello ada!"));
    assert_eq!(greet::cache_peek("ada", false), None, "the whole key counts");
    assert_eq!((greet::cache_info(), RUNS.load(SeqCst)), before, "no hit, no miss, no run");
    greet("cy", false); // evicts "ada": the peek did not make it recent
    assert_eq!(greet::cache_peek("ada", true), None);
    assert!(greet::cache_peek("bob", false).is_some());
}

#[lru_cache]
fn square(x: u64) -> u64 {
    x * x
}

#[test]
fn remove_forgets_one_entry() {
    square(3);
    square(4);
    assert_eq!(square::cache_remove(3), Some(9));
    assert_eq!(square::cache_remove(3), None);
    assert_eq!(square::cache_info().currsize, 1);
    square(3);
    assert_eq!(square::cache_info().misses, 3, "a removed entry is computed again");
    assert_eq!(square(4), 16);
    assert_eq!(square::cache_info().hits, 1, "other entries stay");
}

#[lru_cache(maxsize = 4)]
fn price(item: &str) -> Result<u64, String> {
    Err(format!("no price for {item}"))
}

#[test]
fn put_primes_the_cache_and_replaces() {
    price::cache_put("tea", 3);
    assert_eq!(price("tea"), Ok(3), "a primed value is a hit");
    assert_eq!(price::cache_info().hits, 1);
    price::cache_put("tea", 4);
    assert_eq!(price("tea"), Ok(4), "put replaces");
    assert_eq!(price::cache_info().currsize, 1);
    assert!(price("coffee").is_err());
    assert_eq!(price::cache_peek("coffee"), None, "Err is still never cached");
}

#[lru_cache(maxsize = 0)]
fn nothing(x: u8) -> u8 {
    x
}

#[test]
fn put_into_a_cache_of_size_zero_stores_nothing() {
    nothing::cache_put(1, 2);
    assert_eq!(nothing::cache_peek(1), None);
    assert_eq!(nothing(1), 1);
}

struct Catalog {
    currency: &'static str,
}

impl Catalog {
    #[lru_cache(ignore = [self])]
    fn label(&self, cents: u64) -> String {
        format!("{} {}.{:02}", self.currency, cents / 100, cents % 100)
    }
}

#[test]
fn methods_get_prefixed_companions() {
    let eur = Catalog { currency: "EUR" };
    assert_eq!(eur.label(250), "EUR 2.50");
    assert_eq!(Catalog::label_cache_peek(250).as_deref(), Some("EUR 2.50"));
    Catalog::label_cache_put(100, "one".into());
    assert_eq!(eur.label(100), "one");
    assert_eq!(Catalog::label_cache_remove(100).as_deref(), Some("one"));
}

#[lru_cache]
fn describe<T: std::fmt::Debug + memo::CacheKey>(value: T) -> String {
    format!("{value:?}")
}

#[test]
fn generic_functions_key_by_type_too() {
    describe(1_u8);
    assert_eq!(describe::cache_peek(1_u8).as_deref(), Some("1"));
    assert_eq!(describe::cache_peek(1_u16), None, "another instantiation");
    describe::cache_put(2_u16, "two".into());
    assert_eq!(describe(2_u16), "two");
    assert_eq!(describe(2_u32), "2");
}

#[lru_cache(ttl = "50ms")]
fn fleeting(x: u8) -> u8 {
    x
}

#[test]
fn expired_entries_are_not_peeked() {
    fleeting(1);
    assert_eq!(fleeting::cache_peek(1), Some(1));
    std::thread::sleep(std::time::Duration::from_millis(80));
    assert_eq!(fleeting::cache_peek(1), None);
    fleeting::cache_put(2, 20);
    assert_eq!(fleeting(2), 20);
}
