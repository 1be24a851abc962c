// Bounds written in a where clause, and an `impl Trait` argument with key bounds.
use memo::lru_cache;
use std::fmt::Debug;
use std::hash::Hash;

#[lru_cache(maxsize = 16)]
fn describe<T>(x: T, times: usize) -> String
where
    T: Debug + Hash + Eq + Clone + Send + 'static,
{
    format!("{x:?}").repeat(times)
}

#[lru_cache]
fn show(x: impl Debug + Hash + Eq + Clone + Send + 'static) -> String {
    format!("{x:?}")
}

fn main() {
    assert_eq!(describe("ab", 2), "\"ab\"\"ab\"");
    assert_eq!(describe(7u8, 1), "7");
    assert_eq!(describe(7u8, 1), "7");
    assert_eq!(describe::cache_info().hits, 1);
    assert_eq!(show(1u32), "1");
    assert_eq!(show('c'), "'c'");
    assert_eq!(show::cache_info().misses, 2);
}
