use memo::{cache, lru_cache};
use std::path::Path;

#[lru_cache(maxsize = 128)]
fn fib(n: u64) -> u64 {
    if n < 2 { n } else { fib(n - 1) + fib(n - 2) }
}

#[lru_cache]
fn greet(name: &str, times: usize, scale: f64) -> String {
    format!("{}{}", name.repeat(times), scale)
}

#[cache]
fn parse(s: &str) -> Result<u32, std::num::ParseIntError> {
    s.parse()
}

#[cache]
fn io_thing(p: &Path) -> std::io::Result<usize> {
    Ok(p.as_os_str().len())
}

#[lru_cache(maxsize = 8, typed = true)]
fn describe<T: std::fmt::Debug + std::hash::Hash + Eq + Clone>(x: T) -> String {
    format!("{x:?}")
}

#[derive(Clone, Hash, PartialEq, Eq)]
struct Point {
    x: i32,
}

impl Point {
    #[lru_cache(maxsize = 4)]
    fn norm(&self, scale: i32) -> i32 {
        self.x * scale
    }

    #[cache(ignore = [self])]
    fn constant(&self) -> u8 {
        7
    }
}

#[test]
fn smoke() {
    assert_eq!(fib(35), 9227465);
    assert_eq!(
        fib::cache_info().to_string(),
        "CacheInfo(hits=33, misses=36, maxsize=128, currsize=36)"
    );
    assert_eq!(greet("a", 2, -0.0), "aa-0");
    assert_eq!(greet("a", 2, 0.0), "aa-0");
    assert_eq!(greet::cache_info().hits, 1);
    assert!(parse("x").is_err());
    assert!(parse("x").is_err());
    assert_eq!(parse("12"), Ok(12));
    assert_eq!(parse("12"), Ok(12));
    assert_eq!(
        parse::cache_info().to_string(),
        "CacheInfo(hits=1, misses=3, maxsize=None, currsize=1)"
    );
    assert_eq!(io_thing(Path::new("abc")).unwrap(), 3);
    assert_eq!(describe(1u8), "1");
    assert_eq!(describe(1u16), "1");
    assert_eq!(describe(1u16), "1");
    assert_eq!(describe::cache_info().hits, 1);
    assert_eq!(describe::cache_info().currsize, 2);
    let p = Point { x: 3 };
    assert_eq!(p.norm(2), 6);
    assert_eq!(p.norm(2), 6);
    assert_eq!(Point::norm_cache_info().hits, 1);
    assert_eq!(Point { x: 9 }.constant(), 7);
    assert_eq!(Point { x: 8 }.constant(), 7);
    assert_eq!(Point::constant_cache_info().hits, 1);
    assert_eq!(fib::uncached(10), 55);
    fib::cache_clear();
    assert_eq!(fib::cache_info().currsize, 0);
}
