//! Instructions per call on memo's paths, counted by callgrind: stable on a noisy machine,
//! where timings drift. `benches/instructions.sh` runs it under valgrind and prints the table;
//! run alone, `instructions <workload> <calls>` makes that many calls after a warm-up.
//!
//! The workloads: hits on a 256-entry cache keyed by `u64` and by 24-byte `&str`, misses that
//! evict, `u64` hits under `single_flight`, `key = expr` and `ttl`, and `u64` hits and misses
//! under `read_hits`; and, for comparison, `u64` hits and misses of the other contenders
//! (`hit_u64:floor`, `miss_evict:lru`, ...).

use std::hint::black_box;

#[allow(dead_code, unused_macros, reason = "the comparison's timing: this bench counts instructions")]
#[macro_use]
mod contenders;

/// The other contenders of `compare`'s `hit_u64` and `miss_evict` groups, with the same
/// capacities, for a count of theirs.
#[allow(dead_code, reason = "memoize generates a `memoized_flush_` function, unused here")]
mod hit_u64 {
    u64_contenders!(256, 2 * 256); // quick_cache's headroom, as in `compare`
}

#[allow(dead_code, reason = "memoize generates a `memoized_flush_` function, unused here")]
mod miss_evict {
    u64_contenders!(256, 256);
}

#[memo::lru_cache(maxsize = 256)]
fn plain(x: u64) -> u64 {
    x.wrapping_mul(3)
}

#[memo::lru_cache(maxsize = 256)]
fn by_str(s: &str) -> usize {
    s.len()
}

#[memo::lru_cache(maxsize = 256)]
fn evicting(x: u64) -> u64 {
    x.wrapping_mul(3)
}

#[memo::lru_cache(maxsize = 256, single_flight)]
fn single_flight(x: u64) -> u64 {
    x.wrapping_mul(3)
}

#[memo::lru_cache(maxsize = 256, key = x % 1000)]
fn key_expr(x: u64) -> u64 {
    x.wrapping_mul(3)
}

#[memo::lru_cache(maxsize = 256, ttl = "1h")]
fn expiring(x: u64) -> u64 {
    x.wrapping_mul(3)
}

#[memo::lru_cache(maxsize = 256, read_hits)]
fn read_hits(x: u64) -> u64 {
    x.wrapping_mul(3)
}

#[memo::lru_cache(maxsize = 256, read_hits)]
fn evicting_read_hits(x: u64) -> u64 {
    x.wrapping_mul(3)
}

/// Fills keys 0..256, then makes `calls` calls to keys `i % 256`: all hits.
fn hits(f: fn(u64) -> u64, calls: u64) {
    for i in 0..256 {
        black_box(f(black_box(i)));
    }
    for i in 0..calls {
        black_box(f(black_box(i % 256)));
    }
}

/// Fills keys 0..256, then makes `calls` calls to new keys: all misses, each evicting.
fn misses(f: fn(u64) -> u64, calls: u64) {
    for i in 0..256 + calls {
        black_box(f(black_box(i)));
    }
}

fn main() {
    let usage = "usage: instructions <hit_u64|hit_str|miss_evict|hit_single_flight|hit_key_expr|hit_ttl|hit_read_hits|miss_evict_read_hits|hit_u64:<contender>|miss_evict:<contender>> <calls>";
    let mut args = std::env::args().skip(1);
    let workload = args.next().expect(usage);
    let calls: u64 = args.next().and_then(|calls| calls.parse().ok()).expect(usage);
    match workload.as_str() {
        "hit_u64" => hits(plain, calls),
        "hit_single_flight" => hits(single_flight, calls),
        "hit_key_expr" => hits(key_expr, calls),
        "hit_ttl" => hits(expiring, calls),
        "hit_read_hits" => hits(read_hits, calls),
        "hit_str" => {
            let keys: Vec<String> = (0..256).map(|i| format!("memo-probe-key-{i:09}")).collect();
            for key in &keys {
                black_box(by_str(black_box(key)));
            }
            for i in 0..calls {
                black_box(by_str(black_box(&keys[(i % 256) as usize])));
            }
        }
        "miss_evict" => misses(evicting, calls),
        "miss_evict_read_hits" => misses(evicting_read_hits, calls),
        other => {
            let (group, contender) = other.split_once(':').expect(usage);
            let f = contender_fn(group, contender).expect(usage);
            if group == "hit_u64" { hits(f, calls) } else { misses(f, calls) }
        }
    }
}

/// Another contender's function for `hit_u64` or `miss_evict` (`<group>:<contender>`).
fn contender_fn(group: &str, contender: &str) -> Option<fn(u64) -> u64> {
    let f: fn(u64) -> u64 = match (group, contender) {
        ("hit_u64", "floor") => hit_u64::by_floor,
        ("hit_u64", "lru") => hit_u64::by_lru,
        ("hit_u64", "quick_cache") => hit_u64::by_quick_cache,
        ("hit_u64", "cached") => hit_u64::by_cached,
        ("hit_u64", "memoize") => hit_u64::by_memoize,
        ("miss_evict", "floor") => miss_evict::by_floor,
        ("miss_evict", "lru") => miss_evict::by_lru,
        ("miss_evict", "quick_cache") => miss_evict::by_quick_cache,
        ("miss_evict", "cached") => miss_evict::by_cached,
        ("miss_evict", "memoize") => miss_evict::by_memoize,
        _ => return None,
    };
    Some(f)
}
