//! What a hit in memo's shared tiers costs, beside the store read underneath it and beside
//! the other disk caches a user might reach for: one criterion group per tier, every contender
//! in the group, in one run.
//!
//! Each shared-tier function is `#[lru_cache(maxsize = 0, disk)]` (or `redis`): a size-0
//! in-process cache keeps nothing, so every call misses in-process and asks the shared tier
//! (the macro's expansion consults the tier on every in-process miss, and the tier's hit is not
//! stored in a size-0 cache). After the store is pre-filled, every timed call is therefore a
//! shared-tier hit: what a process pays for a key another process computed, or that its own
//! in-process cache has evicted. The bench checks it: no body runs while timing, the tier
//! counts every timed call as a hit and no error, and the in-process cache stays empty.
//!
//! `disk_hit`: 10 000 `u64` keys (fixed seed), pre-filled by calling each function once, then
//! read in a fixed pseudo-random order.
//!
//! | id | what |
//! |---|---|
//! | `memo` | `#[lru_cache(maxsize = 0, disk)]`: a disk-tier hit (SQLite in WAL mode): encode the key, one `SELECT` on a pooled connection, decode the value; memo also records the hit's time and writes 64 of them in one transaction (its approximate LRU on disk) |
//! | `raw_sqlite` | the floor: `SELECT value FROM entries WHERE namespace = ?1 AND key = ?2` on one connection to the same file (`prepare_cached`, WAL, `synchronous = normal`, as memo opens it), with the key bytes memo wrote, precomputed; returns the value's bytes undecoded |
//! | `cached` | cached 4's disk store: `#[concurrent_cached(disk = true)]`, a `RedbCache` (redb, one read transaction per hit, MessagePack values, keys as strings); written with `durable(false)` to keep the pre-fill short, which changes no read |
//! | `memo_in_process` | for scale: an in-process hit of a plain `#[lru_cache(maxsize = 256)]` function (256 keys, all resident) |
//!
//! `redis_hit`: a `redis-server` started by the bench on a free loopback port (without
//! persistence, killed at the end), 10 000 keys pre-filled as above.
//!
//! | id | what |
//! |---|---|
//! | `memo` | `#[lru_cache(maxsize = 0, redis)]`: a Redis-tier hit: encode the key, one `GET` on a pooled connection, decode |
//! | `raw_get` | the floor: `GET memo:<namespace>\|<key bytes>` of the same keys, precomputed, on one connection (the `redis` crate, as memo uses it) |
//!
//! The group is skipped, with a note, when `redis-server` is not on the `PATH`.
//!
//! Paired ratios: on a machine whose other load comes and goes, two medians measured seconds
//! apart can disagree by several times (a loopback round trip most of all). After each group,
//! the bench also times memo and each baseline in interleaved blocks of 256 calls, 200 rounds,
//! and keeps the ratio of their total times (`memo/raw_sqlite`, `memo/cached`, `memo/raw_get`):
//! printed, and written to `target/memo-tiers.json` for `report.py`.
//!
//! Authentication: with `MEMO_SECRET` set, memo's entries in both tiers carry an HMAC-SHA256
//! tag that every hit verifies (the raw readers still read the same bytes): run the bench with
//! and without it to see what authentication costs a hit.
//!
//! Both stores live in a fresh directory under the system's temporary one, removed at the end.
//! Python's `diskcache` on the same workload: `benches/diskcache_compare.py`;
//! `benches/report.py` puts everything in docs/benchmarks.md.
//!
//! ```text
//! cargo bench -p memo-benches --bench tiers -- --warm-up-time 1 --measurement-time 2
//! cargo bench -p memo-benches --bench tiers -- disk_hit         # one group
//! MEMO_SECRET=s3cret cargo bench -p memo-benches --bench tiers   # entries authenticated
//! python3 benches/report.py                                     # the tables
//! ```

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};

#[allow(
    dead_code,
    unused_macros,
    reason = "the comparison's inputs and bodies; this bench uses none of its contenders"
)]
mod contenders;
use contenders::{CAP, Runs, SEED, access_order, bench_calls, distinct_u64s, u64_body};
use memo_redis_server::RedisServer;

/// Keys pre-filled in each store.
const KEYS: usize = 10_000;
/// The length of the precomputed access sequence over them (a power of two: `& mask` wraps).
const ACCESSES: usize = 1 << 14;
/// The same for the in-process reference, over [`CAP`] keys.
const IN_PROCESS_ACCESSES: usize = 4096;

/// The fresh directory of this run's stores.
static DIR: LazyLock<PathBuf> = LazyLock::new(|| {
    let dir = std::env::temp_dir().join(format!("memo-bench-tiers-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("cannot create the bench's store directory");
    dir
});

mod disk_hit {
    use crate::contenders::{Runs, u64_body};

    pub(super) static RUNS_MEMO: Runs = Runs::new();
    pub(super) static RUNS_CACHED: Runs = Runs::new();
    pub(super) static RUNS_IN_PROCESS: Runs = Runs::new();

    /// `by_memo`'s namespace in the store, as the macro names it.
    pub(super) const NAMESPACE: &str = concat!(module_path!(), "::by_memo@v0");

    #[memo::lru_cache(maxsize = 0, disk)]
    pub(super) fn by_memo(x: u64) -> u64 {
        RUNS_MEMO.bump();
        u64_body(x)
    }

    #[cached::macros::concurrent_cached(
        disk = true,
        companions = false,
        create = {
            cached::RedbCache::builder("tiers_disk_hit")
                .disk_dir(&*crate::DIR)
                .durable(false)
                .build()
                .expect("cannot open cached's redb store")
        },
        map_error = |e| format!("{e:?}")
    )]
    pub(super) fn by_cached(x: u64) -> Result<u64, String> {
        RUNS_CACHED.bump();
        Ok(u64_body(x))
    }

    #[memo::lru_cache(maxsize = 256)]
    pub(super) fn in_process(x: u64) -> u64 {
        RUNS_IN_PROCESS.bump();
        u64_body(x)
    }
}

mod redis_hit {
    use crate::contenders::{Runs, u64_body};

    pub(super) static RUNS_MEMO: Runs = Runs::new();

    /// `by_memo`'s namespace in the store, as the macro names it.
    pub(super) const NAMESPACE: &str = concat!(module_path!(), "::by_memo@v0");

    #[memo::lru_cache(maxsize = 0, redis)]
    pub(super) fn by_memo(x: u64) -> u64 {
        RUNS_MEMO.bump();
        u64_body(x)
    }
}

// ---------------------------------------------------------------------------------------------
// What memo writes

/// The bytes memo's shared tier writes for the key of a call `f(x: u64)`: the codec's format
/// number (1), the empty instantiation tag (postcard: length 0), then `x` as postcard writes a
/// `u64` (LEB128). Checked against the store before any timing.
fn shared_key(x: u64) -> Vec<u8> {
    let mut bytes = vec![1, 0];
    let mut rest = x;
    while rest >= 0x80 {
        bytes.push((rest as u8) | 0x80);
        rest >>= 7;
    }
    bytes.push(rest as u8);
    bytes
}

/// The `u64` in a value's bytes as memo writes them: format number, 8-byte type fingerprint,
/// then the postcard (LEB128) value; under `MEMO_SECRET`, its 32-byte HMAC tag after them.
fn decode_u64(bytes: &[u8]) -> u64 {
    let authenticated = std::env::var_os("MEMO_SECRET").is_some_and(|secret| !secret.is_empty());
    let bytes = if authenticated { &bytes[..bytes.len() - 32] } else { bytes };
    assert_eq!(bytes[0], 1, "memo's value format");
    bytes[9..].iter().rev().fold(0, |value, &byte| (value << 7) | u64::from(byte & 0x7F))
}

// ---------------------------------------------------------------------------------------------
// Timing

/// Rounds and calls per block of [`paired_ratio`].
const PAIRED_ROUNDS: usize = 200;
const PAIRED_BLOCK: usize = 256;

/// `a`'s time per call ÷ `b`'s, timed in interleaved blocks: [`PAIRED_ROUNDS`] rounds, each
/// timing [`PAIRED_BLOCK`] calls of one then as many of the other (alternating which goes
/// first); the ratio of the two totals.
///
/// Criterion times one contender after the other, seconds apart; on a machine whose other load
/// comes and goes (2 shared cores here), two round trips over loopback can then differ by 3× in
/// either direction from one run to the next. Interleaved blocks see the same load, so their
/// ratio is the comparison that holds; criterion's medians stay the absolute numbers. Totals,
/// not a median of per-round ratios: memo's occasional costs (a WAL checkpoint after some
/// batches of recency writes) fall in a minority of rounds and belong in the average.
fn paired_ratio<A: Copy, B: Copy, RA, RB>(
    (a_order, mut a): (&[A], impl FnMut(A) -> RA),
    (b_order, mut b): (&[B], impl FnMut(B) -> RB),
) -> f64 {
    fn block<K: Copy, R>(order: &[K], next: &mut usize, f: &mut impl FnMut(K) -> R) -> f64 {
        let start = Instant::now();
        for _ in 0..PAIRED_BLOCK {
            *next = (*next + 1) % order.len();
            black_box(f(black_box(order[*next])));
        }
        start.elapsed().as_secs_f64()
    }
    let (mut i, mut j) = (0, 0);
    let (mut total_a, mut total_b) = (0.0, 0.0);
    for round in 0..PAIRED_ROUNDS {
        if round % 2 == 0 {
            total_a += block(a_order, &mut i, &mut a);
            total_b += block(b_order, &mut j, &mut b);
        } else {
            total_b += block(b_order, &mut j, &mut b);
            total_a += block(a_order, &mut i, &mut a);
        }
    }
    total_a / total_b
}

/// The paired ratios measured, as (group, what, ratio), written to `target/memo-tiers.json`.
static PAIRED: parking_lot::Mutex<Vec<(&str, &str, f64)>> = parking_lot::Mutex::new(Vec::new());

fn record_paired(group: &'static str, what: &'static str, ratio: f64) {
    println!("{group}: paired {what} = {ratio:.3}");
    PAIRED.lock().push((group, what, ratio));
}

/// `target/`: from `CARGO_TARGET_DIR`, or above this executable (`target/release/deps/`).
fn target_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        return dir.into();
    }
    let exe = std::env::current_exe().expect("the bench's path");
    exe.ancestors().nth(3).expect("target/<profile>/deps/<bench>").to_path_buf()
}

/// Asserts that no body ran during `calls` timed calls.
fn check_hits(group: &str, name: &str, calls: u64, runs: &Runs, before: u64) {
    let ran = runs.get() - before;
    assert_eq!(ran, 0, "{group}/{name}: {ran} body runs in {calls} timed calls, expected only hits");
}

/// Asserts a memo shared-tier function's statistics after its timed calls: every one a hit.
fn check_shared(group: &str, before: memo::SharedInfo, after: memo::SharedInfo, calls: u64) {
    assert_eq!(after.hits - before.hits, calls, "{group}/memo: {after} after {calls} timed calls");
    assert_eq!((after.misses, after.errors, after.corrupt), (before.misses, 0, 0), "{group}/memo: {after}");
}

// ---------------------------------------------------------------------------------------------
// disk_hit

/// A connection to memo's SQLite file opened as memo opens its own.
fn open_sqlite(path: &Path) -> rusqlite::Connection {
    use rusqlite::OpenFlags;
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let connection = rusqlite::Connection::open_with_flags(path, flags).expect("cannot open memo's file");
    connection.busy_timeout(Duration::from_secs(1)).unwrap();
    connection.set_prepared_statement_cache_capacity(32);
    let mode: String =
        connection.pragma_update_and_check(None, "journal_mode", "wal", |row| row.get(0)).unwrap();
    assert_eq!(mode, "wal");
    connection.pragma_update(None, "synchronous", "normal").unwrap();
    connection
}

/// The raw read: one prepared `SELECT` of the value's bytes.
fn sqlite_get(connection: &rusqlite::Connection, key: &[u8]) -> Vec<u8> {
    const GET: &str = "SELECT value FROM entries WHERE namespace = ?1 AND key = ?2";
    let mut get = connection.prepare_cached(GET).expect("prepare");
    get.query_row((disk_hit::NAMESPACE, key), |row| row.get(0)).expect("a pre-filled key")
}

fn bench_disk_hit(c: &mut Criterion) {
    let path = DIR.join("memo.sqlite3");
    memo::disk::configure(memo::disk::Options::new(&path)).expect("the default store is not in use yet");
    let keys = distinct_u64s(KEYS, SEED ^ 0xD15C);
    let order: Vec<u64> =
        access_order(ACCESSES, KEYS, SEED ^ 0xACCE55).into_iter().map(|i| keys[i]).collect();

    // Pre-fill: each key's body runs once, and its value goes to the store.
    for &key in &keys {
        assert_eq!(disk_hit::by_memo(key), u64_body(key));
        assert_eq!(disk_hit::by_cached(key), Ok(u64_body(key)));
    }
    let info = disk_hit::by_memo::shared_info();
    assert_eq!((info.misses, info.writes, info.errors), (KEYS as u64, KEYS as u64, 0), "{info}");
    assert_eq!(disk_hit::RUNS_MEMO.get(), KEYS as u64);
    assert_eq!(disk_hit::RUNS_CACHED.get(), KEYS as u64);

    // The raw reader's keys: the bytes memo wrote, checked against the file.
    let connection = open_sqlite(&path);
    let raw_keys: Vec<Vec<u8>> = keys.iter().map(|&key| shared_key(key)).collect();
    for (&key, raw) in keys.iter().zip(&raw_keys) {
        assert_eq!(decode_u64(&sqlite_get(&connection, raw)), u64_body(key), "memo's bytes for {key}");
    }
    let index_of: hashbrown::HashMap<u64, usize> =
        keys.iter().enumerate().map(|(i, &key)| (key, i)).collect();
    let raw_order: Vec<&[u8]> = order.iter().map(|key| raw_keys[index_of[key]].as_slice()).collect();

    let in_process_keys = distinct_u64s(CAP, SEED);
    let in_process_order: Vec<u64> = access_order(IN_PROCESS_ACCESSES, CAP, SEED ^ 0xACCE55)
        .into_iter()
        .map(|i| in_process_keys[i])
        .collect();
    for &key in &in_process_keys {
        assert_eq!(disk_hit::in_process(key), u64_body(key));
    }

    let mut group = c.benchmark_group("disk_hit");

    let (before, runs) = (disk_hit::by_memo::shared_info(), disk_hit::RUNS_MEMO.get());
    let calls_of_memo = bench_calls(&mut group, "memo", &order, disk_hit::by_memo);
    check_hits("disk_hit", "memo", calls_of_memo, &disk_hit::RUNS_MEMO, runs);
    check_shared("disk_hit", before, disk_hit::by_memo::shared_info(), calls_of_memo);
    assert_eq!(disk_hit::by_memo::cache_info().currsize, 0, "maxsize = 0 keeps nothing in-process");

    let raw = |key| sqlite_get(&connection, key);
    let raw_calls = bench_calls(&mut group, "raw_sqlite", &raw_order, raw);

    let runs = disk_hit::RUNS_CACHED.get();
    let cached_calls = bench_calls(&mut group, "cached", &order, disk_hit::by_cached);
    check_hits("disk_hit", "cached", cached_calls, &disk_hit::RUNS_CACHED, runs);

    let runs = disk_hit::RUNS_IN_PROCESS.get();
    let calls = bench_calls(&mut group, "memo_in_process", &in_process_order, disk_hit::in_process);
    check_hits("disk_hit", "memo_in_process", calls, &disk_hit::RUNS_IN_PROCESS, runs);

    group.finish();

    // The same comparisons, interleaved (see `paired_ratio`): still only hits.
    let (memo_runs, cached_runs) = (disk_hit::RUNS_MEMO.get(), disk_hit::RUNS_CACHED.get());
    if calls_of_memo > 0 && raw_calls > 0 {
        let ratio = paired_ratio((&order, disk_hit::by_memo), (&raw_order, raw));
        record_paired("disk_hit", "memo/raw_sqlite", ratio);
    }
    if calls_of_memo > 0 && cached_calls > 0 {
        let ratio = paired_ratio((&order, disk_hit::by_memo), (&order, disk_hit::by_cached));
        record_paired("disk_hit", "memo/cached", ratio);
    }
    check_hits("disk_hit", "memo (paired)", 0, &disk_hit::RUNS_MEMO, memo_runs);
    check_hits("disk_hit", "cached (paired)", 0, &disk_hit::RUNS_CACHED, cached_runs);
    assert_eq!(disk_hit::by_memo::shared_info().errors, 0);
}

// ---------------------------------------------------------------------------------------------
// redis_hit

/// `memo:<namespace>|<key bytes>`, as memo's Redis store names an entry.
fn redis_key(x: u64) -> Vec<u8> {
    [b"memo:", redis_hit::NAMESPACE.as_bytes(), b"|", &shared_key(x)].concat()
}

fn bench_redis_hit(c: &mut Criterion) {
    let Some(server) = RedisServer::start() else { return }; // says why, once
    memo::redis::configure(memo::redis::Options::new(server.url())).expect("the store is not in use yet");
    let keys = distinct_u64s(KEYS, SEED ^ 0x4ED15);
    let order: Vec<u64> =
        access_order(ACCESSES, KEYS, SEED ^ 0xACCE55).into_iter().map(|i| keys[i]).collect();

    for &key in &keys {
        assert_eq!(redis_hit::by_memo(key), u64_body(key));
    }
    let info = redis_hit::by_memo::shared_info();
    assert_eq!((info.misses, info.writes, info.errors), (KEYS as u64, KEYS as u64, 0), "{info}");

    let mut connection =
        redis::Client::open(server.url()).and_then(|client| client.get_connection()).expect("a connection");
    let get = |connection: &mut redis::Connection, key: &[u8]| -> Vec<u8> {
        redis::cmd("GET")
            .arg(key)
            .query::<Option<Vec<u8>>>(connection)
            .expect("GET")
            .expect("a pre-filled key")
    };
    let raw_keys: Vec<Vec<u8>> = keys.iter().map(|&key| redis_key(key)).collect();
    for (&key, raw) in keys.iter().zip(&raw_keys) {
        assert_eq!(decode_u64(&get(&mut connection, raw)), u64_body(key), "memo's bytes for {key}");
    }
    let index_of: hashbrown::HashMap<u64, usize> =
        keys.iter().enumerate().map(|(i, &key)| (key, i)).collect();
    let raw_order: Vec<&[u8]> = order.iter().map(|key| raw_keys[index_of[key]].as_slice()).collect();

    let mut group = c.benchmark_group("redis_hit");

    let (before, runs) = (redis_hit::by_memo::shared_info(), redis_hit::RUNS_MEMO.get());
    let calls_of_memo = bench_calls(&mut group, "memo", &order, redis_hit::by_memo);
    check_hits("redis_hit", "memo", calls_of_memo, &redis_hit::RUNS_MEMO, runs);
    check_shared("redis_hit", before, redis_hit::by_memo::shared_info(), calls_of_memo);
    assert_eq!(redis_hit::by_memo::cache_info().currsize, 0, "maxsize = 0 keeps nothing in-process");

    let raw_calls = bench_calls(&mut group, "raw_get", &raw_order, |key| get(&mut connection, key));

    group.finish();

    let (before, runs) = (redis_hit::by_memo::shared_info(), redis_hit::RUNS_MEMO.get());
    if calls_of_memo > 0 && raw_calls > 0 {
        let raw = |key| get(&mut connection, key);
        let ratio = paired_ratio((&order, redis_hit::by_memo), (&raw_order, raw));
        record_paired("redis_hit", "memo/raw_get", ratio);
        let calls = (PAIRED_ROUNDS * PAIRED_BLOCK) as u64;
        check_hits("redis_hit", "memo (paired)", calls, &redis_hit::RUNS_MEMO, runs);
        check_shared("redis_hit", before, redis_hit::by_memo::shared_info(), calls);
    }
    drop(server);
}

/// Once every group ran: writes the paired ratios to `target/memo-tiers.json` (for
/// `report.py`) and removes the stores' directory.
fn finish(_: &mut Criterion) {
    let paired = PAIRED.lock();
    if !paired.is_empty() {
        let mut json = String::from("{\n  \"paired_ratios\": {\n");
        for (i, (group, what, ratio)) in paired.iter().enumerate() {
            let comma = if i + 1 == paired.len() { "" } else { "," };
            json.push_str(&format!("    \"{group}:{what}\": {ratio}{comma}\n"));
        }
        json.push_str(&format!("  }},\n  \"rounds\": {PAIRED_ROUNDS},\n  \"block\": {PAIRED_BLOCK}\n}}\n"));
        let path = target_dir().join("memo-tiers.json");
        std::fs::write(&path, json).expect("write memo-tiers.json");
        println!("paired ratios written to {}", path.display());
    }
    let _ = std::fs::remove_dir_all(&*DIR);
}

criterion_group!(benches, bench_disk_hit, bench_redis_hit, finish);
criterion_main!(benches);
