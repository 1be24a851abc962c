//! Proves that `#[lru_cache]` and `#[cache]` hit, miss and evict exactly like CPython's
//! `functools.lru_cache`: the same call sequences give the same hit/miss sequence, call by
//! call, and the same final `cache_info()` text as recorded from CPython in
//! `tests/golden/functools_traces.txt`.
//!
//! Regenerate the golden file (from the workspace root; python3, stdlib only):
//!
//! ```text
//! python3 tests/golden/functools_traces.py > tests/golden/functools_traces.txt
//! ```

use memo::{CacheInfo, cache, lru_cache};
use memo_tests::SplitMix64;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

const GOLDEN: &str = include_str!("../golden/functools_traces.txt");

/// How many times a traced function's body ran.
static BODY_RUNS: AtomicU64 = AtomicU64::new(0);

/// The body of every traced function.
fn square(key: u64) -> u64 {
    BODY_RUNS.fetch_add(1, Relaxed);
    key * key
}

#[lru_cache(maxsize = 0)]
fn size0(key: u64) -> u64 {
    square(key)
}

#[lru_cache(maxsize = 1)]
fn size1(key: u64) -> u64 {
    square(key)
}

#[lru_cache(maxsize = 2)]
fn size2(key: u64) -> u64 {
    square(key)
}

#[lru_cache(maxsize = 16)]
fn size16(key: u64) -> u64 {
    square(key)
}

#[lru_cache(maxsize = 128)]
fn size128(key: u64) -> u64 {
    square(key)
}

#[cache]
fn unbounded(key: u64) -> u64 {
    square(key)
}

/// The memoized function for a golden `maxsize` field, with its companions.
struct Cached {
    call: fn(u64) -> u64,
    info: fn() -> CacheInfo,
    clear: fn(),
}

macro_rules! cached {
    ($f:ident) => {
        Cached { call: $f, info: $f::cache_info, clear: $f::cache_clear }
    };
}

fn cached_for(maxsize: &str) -> Cached {
    match maxsize {
        "0" => cached!(size0),
        "1" => cached!(size1),
        "2" => cached!(size2),
        "16" => cached!(size16),
        "128" => cached!(size128),
        "None" => cached!(unbounded),
        other => panic!("no function for maxsize={other}; add one"),
    }
}

/// Hit (`true`) / miss bits packed as in the golden file: 4 calls per hex digit, first call in
/// the high bit.
fn to_hex(hits: &[bool]) -> String {
    hits.chunks(4)
        .map(|chunk| {
            let nibble = (0..4).fold(0, |acc, i| acc << 1 | u32::from(chunk.get(i) == Some(&true)));
            char::from_digit(nibble, 16).unwrap()
        })
        .collect()
}

fn golden_lines(kind: &str) -> impl Iterator<Item = Vec<&'static str>> + '_ {
    GOLDEN
        .lines()
        .filter(|line| !line.starts_with('#'))
        .map(|line| line.split('\t').collect::<Vec<_>>())
        .filter(move |fields| fields[0] == kind)
}

#[test]
fn splitmix64_matches_reference() {
    let mut rng = SplitMix64(0);
    assert_eq!(rng.next(), 0xE220_A839_7B1D_CDAF);
    assert_eq!(rng.next(), 0x6E78_9E6A_A1B9_65F4);
}

#[test]
fn traces_match_functools() {
    let mut maxsizes = Vec::new();
    for fields in golden_lines("trace") {
        let [_, maxsize, range, n, seed, info, hex] = fields[..] else {
            panic!("bad golden line: {fields:?}");
        };
        let (range, n, seed): (u64, usize, u64) =
            (range.parse().unwrap(), n.parse().unwrap(), seed.parse().unwrap());
        let f = cached_for(maxsize);
        (f.clear)();
        assert_eq!(
            (f.info)().to_string(),
            format!("CacheInfo(hits=0, misses=0, maxsize={maxsize}, currsize=0)")
        );

        let mut rng = SplitMix64(seed);
        let hits: Vec<bool> = (0..n)
            .map(|_| {
                let key = rng.next() % range;
                let (before, runs) = ((f.info)(), BODY_RUNS.load(Relaxed));
                assert_eq!((f.call)(key), key * key);
                let (after, ran) = ((f.info)(), BODY_RUNS.load(Relaxed) > runs);
                let hit = after.hits > before.hits;
                assert_eq!(after.hits + after.misses, before.hits + before.misses + 1);
                assert_eq!(ran, !hit, "the body runs exactly on a miss");
                hit
            })
            .collect();

        let config = format!("maxsize={maxsize} range={range} n={n} seed={seed}");
        let actual = to_hex(&hits);
        if let Some(digit) = actual.chars().zip(hex.chars()).position(|(a, b)| a != b) {
            panic!("{config}: hit/miss sequence differs from CPython's from call {}", digit * 4);
        }
        assert_eq!(actual.len(), hex.len(), "{config}");
        assert_eq!((f.info)().to_string(), info, "{config}");
        maxsizes.push(maxsize);
    }
    for maxsize in ["0", "1", "2", "16", "128", "None"] {
        assert!(maxsizes.contains(&maxsize), "no golden trace for maxsize={maxsize}");
    }
}

#[lru_cache(maxsize = 128)]
fn fib128(n: u64) -> u64 {
    if n < 2 { n } else { fib128(n - 1) + fib128(n - 2) }
}

#[cache]
fn fib_unbounded(n: u64) -> u64 {
    if n < 2 { n } else { fib_unbounded(n - 1) + fib_unbounded(n - 2) }
}

/// The golden `fib` line for `maxsize`: (n, result, cache_info).
fn fib_golden(maxsize: &str) -> (u64, u64, &'static str) {
    let fields = golden_lines("fib")
        .find(|fields| fields[1] == maxsize)
        .unwrap_or_else(|| panic!("no golden fib line for maxsize={maxsize}"));
    (fields[2].parse().unwrap(), fields[3].parse().unwrap(), fields[4])
}

#[test]
fn fib35_lru_cache_128() {
    let (n, result, info) = fib_golden("128");
    assert_eq!((n, result), (35, 9_227_465));
    assert_eq!(info, "CacheInfo(hits=33, misses=36, maxsize=128, currsize=36)");
    assert_eq!(fib128(n), result);
    assert_eq!(fib128::cache_info().to_string(), info);
}

#[test]
fn fib30_cache() {
    let (n, result, info) = fib_golden("None");
    assert_eq!((n, result), (30, 832_040));
    assert_eq!(fib_unbounded(n), result);
    assert_eq!(fib_unbounded::cache_info().to_string(), info);
}
