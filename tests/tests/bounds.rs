//! Resource bounds (issue 6, item 5): a bounded cache's memory stays bounded by `maxsize` under
//! adversarial keys, with `currsize <= maxsize` after every call and the heap measured by
//! `allocation-counter`'s global allocator (this test binary links it):
//!
//! - keys whose `Hash` is constant: every key in one bucket (and, sharded, in one shard);
//! - keys whose `Hash` feeds only high bits (`x << 32`): the low 32 bits of what the key
//!   writes always collide (the hasher's random seed still mixes them, as it must);
//! - huge keys (4 KiB strings) and huge values (64 KiB vectors).
//!
//! For each: a first churn fills the cache, and the bytes it leaves allocated must be about
//! `maxsize` entries' worth (the cache's own live entries); further churn through many more
//! keys must leave no more bytes allocated than before (no growth, no leak); and
//! `cache_clear()` must free nearly all of it. Run with `--nocapture` to see the numbers
//! `docs/reliability.md` quotes.

use allocation_counter::{AllocationInfo, measure};
use memo::{CacheInfo, lru_cache};
use std::hash::{Hash, Hasher};

const MAXSIZE: usize = 16;

/// Every value hashes the same: one bucket, one probe chain, one shard.
#[derive(Clone, Debug, PartialEq, Eq)]
struct OneBucket(u64);

impl Hash for OneBucket {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(0);
    }
}

/// Feeds the hasher the value shifted into the high half: the low 32 bits are always zero.
#[derive(Clone, Debug, PartialEq, Eq)]
struct HighBitsOnly(u64);

impl Hash for HighBitsOnly {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.0 << 32);
    }
}

/// A heavy key whose `Hash` is also constant.
#[derive(Clone, Debug, PartialEq, Eq)]
struct HeavyOneBucket(String);

impl Hash for HeavyOneBucket {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u8(7);
    }
}

fn value_of(x: u64) -> u64 {
    x.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xDEAD_BEEF
}

#[lru_cache(maxsize = 16)]
fn one_bucket(key: OneBucket) -> u64 {
    value_of(key.0)
}

#[lru_cache(maxsize = 16, shards = 8)]
fn one_bucket_sharded(key: OneBucket) -> u64 {
    value_of(key.0)
}

#[lru_cache(maxsize = 16)]
fn high_bits_only(key: HighBitsOnly) -> u64 {
    value_of(key.0)
}

const KEY_BYTES: usize = 4 * 1024;
const VALUE_BYTES: usize = 64 * 1024;

fn huge_value(key: &str) -> Vec<u8> {
    let seed = key.bytes().fold(0u8, |a, b| a.wrapping_mul(31).wrapping_add(b));
    vec![seed; VALUE_BYTES]
}

fn huge_key(i: u64) -> String {
    let tag = format!("{i:08}");
    tag.repeat(KEY_BYTES / tag.len())
}

#[lru_cache(maxsize = 16)]
fn huge_owned(key: String) -> Vec<u8> {
    huge_value(&key)
}

#[lru_cache(maxsize = 16)]
fn huge_borrowed(key: &str) -> Vec<u8> {
    huge_value(key)
}

#[lru_cache(maxsize = 16, shards = 4)]
fn huge_one_bucket_sharded(key: HeavyOneBucket) -> Vec<u8> {
    huge_value(&key.0)
}

/// What a churn left behind: the heap of a first pass (filling the cache), of later passes
/// (steady state), and after `cache_clear()`.
struct Measured {
    first: AllocationInfo,
    steady: AllocationInfo,
    cleared: AllocationInfo,
}

/// Calls `call(i)` for keys `0..keys` in a pattern that both hits and misses (each key twice
/// in a row, then a sweep back over recent keys), checking `currsize <= MAXSIZE` after every
/// call; once to fill the cache, then `rounds` more times over fresh keys.
fn churn(keys: u64, rounds: u64, call: impl Fn(u64), info: fn() -> CacheInfo, clear: fn()) -> Measured {
    let pass = |base: u64| {
        for i in base..base + keys {
            call(i);
            call(i);
            if i % 8 == 0 {
                for back in i.saturating_sub(24).max(base)..i {
                    call(back);
                }
            }
            let info = info();
            assert!(info.currsize <= MAXSIZE, "currsize {} > maxsize {MAXSIZE}: {info}", info.currsize);
        }
    };
    let mut steady = AllocationInfo::default();
    let mut first = AllocationInfo::default();
    let cleared = measure(|| {
        first = measure(|| pass(0));
        assert_eq!(info().currsize, MAXSIZE);
        steady = measure(|| (1..=rounds).for_each(|round| pass(round * keys)));
        assert_eq!(info().currsize, MAXSIZE);
        clear();
        assert_eq!(info().currsize, 0);
    });
    Measured { first, steady, cleared }
}

/// The checks shared by every case: `live` bytes after filling within `per_entry_max` bytes
/// an entry, no growth in steady state, (almost) nothing left after `cache_clear()`.
fn assert_bounded(name: &str, m: &Measured, per_entry_max: u64, peak_max: u64) {
    let live = m.first.bytes_current;
    let peak = m.first.bytes_max.max(live as u64 + m.steady.bytes_max);
    println!(
        "{name}: live after filling {live} B ({} B/entry), peak {peak} B, steady-state growth {} B \
         over {} allocations, left after cache_clear {} B",
        live / MAXSIZE as i64,
        m.steady.bytes_current,
        m.steady.count_total,
        m.cleared.bytes_current,
    );
    assert!(live > 0, "{name}: filling the cache allocated nothing?");
    assert!(
        live as u64 <= per_entry_max * MAXSIZE as u64,
        "{name}: {live} B live for {MAXSIZE} entries, more than {per_entry_max} B an entry"
    );
    assert!(
        m.steady.bytes_current <= 0,
        "{name}: the heap grew by {} B in steady state",
        m.steady.bytes_current
    );
    assert!(peak <= peak_max, "{name}: peak {peak} B above {peak_max} B");
    // What stays after a clear: the empty stores (and, sharded, the shard array).
    assert!(m.cleared.bytes_current <= 4096, "{name}: {} B left after cache_clear", m.cleared.bytes_current);
}

#[test]
fn keys_in_one_bucket_stay_bounded() {
    let m = churn(
        500,
        3,
        |i| assert_eq!(one_bucket(OneBucket(i)), value_of(i)),
        one_bucket::cache_info,
        one_bucket::cache_clear,
    );
    assert_bounded("one bucket", &m, 128, 8192);
}

#[test]
fn keys_in_one_bucket_and_one_shard_stay_bounded() {
    let m = churn(
        500,
        3,
        |i| assert_eq!(one_bucket_sharded(OneBucket(i)), value_of(i)),
        one_bucket_sharded::cache_info,
        one_bucket_sharded::cache_clear,
    );
    assert_bounded("one bucket, shards = 8", &m, 256, 8192);
}

#[test]
fn keys_colliding_in_low_bits_stay_bounded() {
    let m = churn(
        500,
        3,
        |i| assert_eq!(high_bits_only(HighBitsOnly(i)), value_of(i)),
        high_bits_only::cache_info,
        high_bits_only::cache_clear,
    );
    assert_bounded("low bits colliding", &m, 128, 8192);
}

/// One huge entry's heap: its key and its value.
const HUGE_ENTRY: u64 = (KEY_BYTES + VALUE_BYTES) as u64;

#[test]
fn huge_owned_keys_and_values_stay_bounded() {
    let m = churn(
        64,
        2,
        |i| assert_eq!(huge_owned(huge_key(i)).len(), VALUE_BYTES),
        huge_owned::cache_info,
        huge_owned::cache_clear,
    );
    // Live: the entries' own heap, plus a little for the store. Peak: the entries, plus the
    // one being computed (argument key, returned value, the clone stored and the evicted one).
    assert_bounded("huge owned keys", &m, HUGE_ENTRY + 256, (MAXSIZE as u64 + 3) * HUGE_ENTRY);
}

#[test]
fn huge_borrowed_keys_and_values_stay_bounded() {
    let keys: Vec<String> = (0..64 * 3).map(huge_key).collect();
    let m = churn(
        64,
        2,
        |i| assert_eq!(huge_borrowed(&keys[i as usize]).len(), VALUE_BYTES),
        huge_borrowed::cache_info,
        huge_borrowed::cache_clear,
    );
    assert_bounded("huge borrowed keys", &m, HUGE_ENTRY + 256, (MAXSIZE as u64 + 3) * HUGE_ENTRY);
}

#[test]
fn huge_keys_in_one_bucket_and_one_shard_stay_bounded() {
    let m = churn(
        64,
        2,
        |i| assert_eq!(huge_one_bucket_sharded(HeavyOneBucket(huge_key(i))).len(), VALUE_BYTES),
        huge_one_bucket_sharded::cache_info,
        huge_one_bucket_sharded::cache_clear,
    );
    assert_bounded(
        "huge keys, one bucket, shards = 4",
        &m,
        HUGE_ENTRY + 256,
        (MAXSIZE as u64 + 3) * HUGE_ENTRY,
    );
}
