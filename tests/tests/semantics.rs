//! functools' semantics, one behaviour per test: statistics, maxsize 0/1/None, `Result` and
//! `Option` returns, borrowed and float keys, methods, generics, `ignore`, recursion, panics,
//! `cache_clear` from inside the body, and companions of functions defined inside functions.

use memo::{CacheInfo, CacheParameters, cache, lru_cache};
use std::cell::Cell;
use std::ffi::OsStr;
use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering::SeqCst};

fn info(hits: u64, misses: u64, maxsize: Option<usize>, currsize: usize) -> CacheInfo {
    CacheInfo { hits, misses, maxsize, currsize }
}

#[test]
fn defaults_are_functools() {
    #[lru_cache]
    fn default_bounded(x: u32) -> u32 {
        x
    }
    #[cache]
    fn unbounded(x: u32) -> u32 {
        x
    }
    let params = default_bounded::cache_parameters();
    assert_eq!(params, CacheParameters { maxsize: Some(128), typed: false });
    assert_eq!(unbounded::cache_parameters(), CacheParameters { maxsize: None, typed: false });
    for i in 0..300 {
        default_bounded(i);
        unbounded(i);
    }
    assert_eq!(default_bounded::cache_info(), info(0, 300, Some(128), 128));
    assert_eq!(unbounded::cache_info(), info(0, 300, None, 300));
    assert_eq!(
        unbounded::cache_info().to_string(),
        "CacheInfo(hits=0, misses=300, maxsize=None, currsize=300)"
    );
}

#[test]
fn maxsize_zero_never_stores() {
    static RUNS: AtomicU32 = AtomicU32::new(0);
    #[lru_cache(maxsize = 0)]
    fn never(x: u32) -> u32 {
        RUNS.fetch_add(1, SeqCst);
        x + 1
    }
    assert_eq!(never(1), 2);
    assert_eq!(never(1), 2);
    assert_eq!(RUNS.load(SeqCst), 2);
    assert_eq!(never::cache_info(), info(0, 2, Some(0), 0));
}

#[test]
fn maxsize_one_keeps_the_last_key() {
    static RUNS: AtomicU32 = AtomicU32::new(0);
    #[lru_cache(maxsize = 1)]
    fn one(x: u32) -> u32 {
        RUNS.fetch_add(1, SeqCst);
        x * 2
    }
    for x in [1, 1, 2, 2, 1, 2] {
        assert_eq!(one(x), x * 2);
    }
    assert_eq!(RUNS.load(SeqCst), 4);
    assert_eq!(one::cache_info(), info(2, 4, Some(1), 1));
}

#[test]
fn least_recently_used_is_evicted_first() {
    #[lru_cache(maxsize = 2)]
    fn two(x: u32) -> u32 {
        x
    }
    two(1);
    two(2);
    two(1); // hit: 2 is now the least recent
    two(3); // evicts 2
    two(1); // hit
    two(2); // miss
    assert_eq!(two::cache_info(), info(2, 4, Some(2), 2));
}

#[test]
fn clear_resets_statistics_and_entries() {
    #[cache]
    fn square(x: u64) -> u64 {
        x * x
    }
    square(3);
    square(3);
    square::cache_clear();
    assert_eq!(square::cache_info(), info(0, 0, None, 0));
    square(3);
    assert_eq!(square::cache_info(), info(0, 1, None, 1));
}

#[test]
fn err_is_never_cached_ok_is() {
    static RUNS: AtomicU32 = AtomicU32::new(0);
    #[cache]
    fn parse(s: &str) -> Result<i64, std::num::ParseIntError> {
        RUNS.fetch_add(1, SeqCst);
        s.trim().parse()
    }
    assert!(parse("x").is_err());
    assert!(parse("x").is_err());
    assert_eq!(parse("42"), Ok(42));
    assert_eq!(parse("42"), Ok(42));
    assert_eq!(RUNS.load(SeqCst), 3);
    assert_eq!(parse::cache_info(), info(1, 3, None, 1));
}

/// An alias with one parameter, like `anyhow::Result<T>`.
type AppResult<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

#[test]
fn result_aliases_cache_only_ok() {
    static FAIL: AtomicU32 = AtomicU32::new(1);
    #[cache]
    fn read_len(path: &Path) -> std::io::Result<usize> {
        if FAIL.load(SeqCst) == 1 {
            return Err(std::io::Error::other("transient"));
        }
        Ok(path.as_os_str().len())
    }
    #[cache]
    fn checked(x: u32) -> AppResult<u32> {
        100u32.checked_div(x).ok_or_else(|| "zero".into())
    }
    assert!(read_len(Path::new("/tmp/a")).is_err());
    FAIL.store(0, SeqCst);
    assert_eq!(read_len(Path::new("/tmp/a")).unwrap(), 6);
    assert_eq!(read_len(Path::new("/tmp/a")).unwrap(), 6);
    assert_eq!(read_len::cache_info(), info(1, 2, None, 1));
    assert!(checked(0).is_err());
    assert!(checked(0).is_err());
    assert_eq!(checked(5).unwrap(), 20);
    assert_eq!(checked(5).unwrap(), 20);
    assert_eq!(checked::cache_info(), info(1, 3, None, 1));
}

#[test]
fn none_is_cached_like_any_value() {
    static RUNS: AtomicU32 = AtomicU32::new(0);
    #[cache]
    fn find(id: u32) -> Option<String> {
        RUNS.fetch_add(1, SeqCst);
        id.is_multiple_of(2).then(|| format!("user{id}"))
    }
    assert_eq!(find(1), None);
    assert_eq!(find(1), None);
    assert_eq!(find(2).as_deref(), Some("user2"));
    assert_eq!(find(2).as_deref(), Some("user2"));
    assert_eq!(RUNS.load(SeqCst), 2);
}

#[test]
fn borrowed_arguments_are_keys() {
    #[cache]
    fn describe(name: &str, bytes: &[u8], path: &Path, os: &OsStr, n: &u64) -> String {
        format!("{name}{bytes:?}{}{}{n}", path.display(), os.to_string_lossy())
    }
    let owned = String::from("ada");
    let a = describe(&owned, &[1, 2], Path::new("p"), OsStr::new("o"), &7);
    let b = describe("ada", &[1, 2][..], Path::new("p"), OsStr::new("o"), &7);
    assert_eq!(a, b);
    assert_eq!(describe::cache_info(), info(1, 1, None, 1));
    describe("ada", &[1, 2, 3], Path::new("p"), OsStr::new("o"), &7);
    assert_eq!(describe::cache_info().misses, 2);
}

#[test]
fn floats_are_keys_by_value() {
    #[cache]
    fn scale(x: f64, y: &f32) -> f64 {
        x * f64::from(*y)
    }
    assert_eq!(scale(1.5, &2.0), 3.0);
    assert_eq!(scale(1.5, &2.0), 3.0);
    assert_eq!(scale(0.0, &1.0), 0.0);
    assert_eq!(scale(-0.0, &1.0), 0.0); // -0.0 == 0.0, as in Python: a hit
    assert!(scale(f64::NAN, &1.0).is_nan());
    assert!(scale(f64::NAN, &1.0).is_nan());
    assert_eq!(scale::cache_info(), info(3, 3, None, 3));
}

#[test]
fn tuples_structs_and_no_arguments() {
    #[derive(Clone, Hash, PartialEq, Eq, Debug)]
    struct Config {
        name: String,
        level: u8,
    }
    static RUNS: AtomicU32 = AtomicU32::new(0);
    #[cache]
    fn run(config: &Config, pair: (u8, char), list: Vec<u16>) -> String {
        format!("{config:?}{pair:?}{list:?}")
    }
    #[cache]
    fn constant() -> u32 {
        RUNS.fetch_add(1, SeqCst);
        42
    }
    let config = Config { name: "x".into(), level: 1 };
    run(&config, (1, 'a'), vec![1]);
    run(&config.clone(), (1, 'a'), vec![1]);
    run(&Config { level: 2, ..config }, (1, 'a'), vec![1]);
    assert_eq!(run::cache_info(), info(1, 2, None, 2));
    assert_eq!(constant() + constant(), 84);
    assert_eq!(RUNS.load(SeqCst), 1);
}

#[test]
fn recursion_runs_outside_the_lock() {
    #[lru_cache(maxsize = 128)]
    fn fib(n: u64) -> u64 {
        if n < 2 { n } else { fib(n - 1) + fib(n - 2) }
    }
    assert_eq!(fib(35), 9_227_465);
    assert_eq!(fib::cache_info().to_string(), "CacheInfo(hits=33, misses=36, maxsize=128, currsize=36)");
    assert_eq!(fib(90), 2_880_067_194_370_816_120);
    // `uncached` runs the body, whose recursive calls go through the cache.
    fib::cache_clear();
    assert_eq!(fib::uncached(20), 6765);
    // CPython: fib.__wrapped__(20) after cache_clear() leaves hits=18, misses=20, currsize=20.
    assert_eq!(fib::cache_info(), info(18, 20, Some(128), 20));
}

#[test]
fn the_body_may_clear_its_own_cache() {
    #[cache]
    fn clears(x: u32) -> u32 {
        clears::cache_clear();
        x
    }
    assert_eq!(clears(1), 1);
    assert_eq!(clears(2), 2);
    // Each miss was counted, then the body cleared the counters and entries, then its own
    // value was stored: CPython prints CacheInfo(hits=0, misses=0, maxsize=None, currsize=1).
    assert_eq!(clears::cache_info(), info(0, 0, None, 1));
    assert_eq!(clears(2), 2);
    assert_eq!(clears::cache_info(), info(1, 0, None, 1));
}

#[test]
fn a_panic_caches_nothing_and_breaks_nothing() {
    static RUNS: AtomicU32 = AtomicU32::new(0);
    #[cache]
    fn flaky(x: u32) -> u32 {
        if RUNS.fetch_add(1, SeqCst) == 0 {
            panic!("first call fails");
        }
        x
    }
    assert!(std::panic::catch_unwind(|| flaky(1)).is_err());
    assert_eq!(flaky::cache_info(), info(0, 1, None, 0));
    assert_eq!(flaky(1), 1);
    assert_eq!(flaky(1), 1);
    assert_eq!(flaky::cache_info(), info(1, 2, None, 1));
}

#[derive(Clone, Hash, PartialEq, Eq)]
struct Account {
    id: u32,
}

struct Database {
    queries: Cell<u32>,
}

impl Account {
    #[lru_cache(maxsize = 16)]
    fn balance(&self, currency: &str) -> String {
        format!("{}{currency}", self.id * 10)
    }

    #[cache(ignore = [self, db])]
    fn rate(&self, db: &Database, currency: &str) -> u32 {
        db.queries.set(db.queries.get() + 1);
        currency.len() as u32
    }

    #[cache]
    fn lookup(id: u32) -> Self {
        Account { id }
    }
}

#[test]
fn methods_key_on_self_unless_ignored() {
    let (a, b) = (Account { id: 1 }, Account { id: 2 });
    assert_eq!(a.balance("EUR"), "10EUR");
    assert_eq!(a.clone().balance("EUR"), "10EUR");
    assert_eq!(b.balance("EUR"), "20EUR");
    assert_eq!(Account::balance_cache_info(), info(1, 2, Some(16), 2));
    assert_eq!(Account::balance_cache_parameters().maxsize, Some(16));
    assert_eq!(a.balance_uncached("USD"), "10USD");
    assert_eq!(Account::balance_cache_info().misses, 2);
    Account::balance_cache_clear();
    assert_eq!(Account::balance_cache_info(), info(0, 0, Some(16), 0));

    let db = Database { queries: Cell::new(0) };
    assert_eq!(a.rate(&db, "EUR"), 3);
    assert_eq!(b.rate(&db, "EUR"), 3);
    assert_eq!(db.queries.get(), 1);
    assert_eq!(Account::lookup(5).id, 5);
    assert_eq!(Account::lookup(5).id, 5);
    assert_eq!(Account::lookup_cache_info().hits, 1);
}

#[test]
fn generic_instantiations_never_share_entries() {
    #[lru_cache(maxsize = 8)]
    fn show<T: std::fmt::Debug + std::hash::Hash + Eq + Clone>(x: T) -> String {
        format!("{x:?}:{}", std::any::type_name::<T>())
    }
    #[cache]
    fn parse<T: std::str::FromStr + Clone>(s: &str) -> Option<T> {
        s.parse().ok()
    }
    #[cache]
    fn size_of<T>() -> usize {
        std::mem::size_of::<T>()
    }
    #[cache]
    fn arity<const N: usize>(values: [u8; N]) -> usize {
        values.len()
    }
    assert_eq!(show(1u8), "1:u8");
    assert_eq!(show(1u16), "1:u16");
    assert_eq!(show(1u8), "1:u8");
    assert_eq!(show::cache_info(), info(1, 2, Some(8), 2));
    assert_eq!(parse::<u8>("7"), Some(7u8));
    assert_eq!(parse::<u64>("300"), Some(300u64));
    assert_eq!(parse::<u8>("300"), None);
    assert_eq!(parse::<u8>("7"), Some(7u8));
    assert_eq!(size_of::<u8>(), 1);
    assert_eq!(size_of::<u64>(), 8);
    assert_eq!(size_of::<u8>(), 1);
    assert_eq!(size_of::cache_info(), info(1, 2, None, 2));
    assert_eq!(arity([1, 2]), 2);
    assert_eq!(arity([1, 2, 3]), 3);
}

#[test]
fn impl_trait_arguments_are_keyed_by_type_and_value() {
    #[cache]
    fn render(value: impl std::fmt::Display + std::hash::Hash + Eq + Clone) -> String {
        value.to_string()
    }
    assert_eq!(render(5u8), "5");
    assert_eq!(render(5u32), "5");
    assert_eq!(render(5u8), "5");
    assert_eq!(render::cache_info(), info(1, 2, None, 2));
}

#[test]
fn typed_is_reported() {
    #[lru_cache(maxsize = 4, typed = true)]
    fn typed(x: u8) -> u8 {
        x
    }
    assert_eq!(typed::cache_parameters(), CacheParameters { maxsize: Some(4), typed: true });
    assert_eq!(typed::cache_parameters().to_string(), "{'maxsize': 4, 'typed': True}");
}

/// `pub` items, kept `pub` by the macro (the module is `pub` so that they are reachable).
pub mod visibility {
    #[memo::cache]
    pub(crate) fn shared(x: u8) -> u8 {
        x
    }

    /// Compiled in tests only.
    #[cfg(test)]
    #[memo::cache]
    pub fn only_in_tests(x: u8) -> u8 {
        x
    }

    /// Documented.
    #[memo::cache]
    pub fn generic_where<T>(x: T) -> T
    where
        T: Clone + std::hash::Hash + Eq,
    {
        x
    }
}

#[test]
fn visibility_cfg_and_where_clauses_are_kept() {
    assert_eq!(visibility::shared(3), 3);
    assert_eq!(visibility::shared::cache_info().misses, 1);
    assert_eq!(visibility::only_in_tests(1), 1);
    assert_eq!(visibility::generic_where("x"), "x");
}

#[test]
fn arguments_with_patterns_and_mut_bindings() {
    #[cache]
    fn sum((a, b): (u32, u32), mut extra: u32) -> u32 {
        extra += a;
        extra + b
    }
    assert_eq!(sum((1, 2), 3), 6);
    assert_eq!(sum((1, 2), 3), 6);
    assert_eq!(sum::cache_info(), info(1, 1, None, 1));
}

struct Geometry;

#[memo::memoized]
impl Geometry {
    /// An associated function with neither `self` nor `Self` in its signature.
    #[lru_cache(maxsize = 8)]
    fn square(x: u64) -> u64 {
        x * x
    }
}

#[test]
fn associated_functions_without_self_get_associated_companions() {
    assert_eq!(Geometry::square(3), 9);
    assert_eq!(Geometry::square(3), 9);
    assert_eq!(Geometry::square_cache_info(), info(1, 1, Some(8), 1));
    assert_eq!(Geometry::square_uncached(4), 16);
}
