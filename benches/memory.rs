//! What criterion does not measure (issue 3): the heap each contender of `compare` uses, and the
//! allocations of a hit.
//!
//! - Memory: each contender's `u64 -> u64` function with a 100 000-entry cache is called with
//!   100 000 new keys (filled), then with 1 000 000 more (churned: every call a miss that
//!   evicts). The heap it holds is what `allocation_counter::measure` reports as left allocated
//!   by those calls (`bytes_current`): the cache's lazy initialisation and whatever it
//!   pre-allocates included, since every cache here is created by its first call. Bytes are the
//!   sizes requested from the allocator; the allocator's own overhead per allocation (8 to 16
//!   bytes with glibc) comes on top, which is why allocations per entry are printed too.
//! - Allocations per hit: each `&str` contender of `hit_str`, warm, makes 4096 hits.
//!
//! Prints a markdown table and writes the same numbers to `target/memo-memory.json` for
//! `benches/report.py`.
//!
//! ```text
//! cargo bench -p memo-benches --bench memory
//! ```

use std::fmt::Write as _;
use std::hint::black_box;
use std::path::PathBuf;

#[macro_use]
#[allow(dead_code, reason = "the comparison's timing loop: this bench measures memory, not time")]
mod contenders;
use contenders::{CAP, SEED, access_order, str_body, str_keys, u64_body};

/// Entries held by each cache: the capacity, and the number of keys that fill it.
const ENTRIES: usize = 100_000;
/// How many further new keys churn the full cache.
const CHURN: u64 = 1_000_000;
/// Hits timed for the allocation count.
const HITS: usize = 4096;

#[allow(dead_code, reason = "memoize generates a `memoized_flush_` function, unused here")]
mod large {
    u64_contenders!(100000, crate::ENTRIES);
}

#[allow(dead_code, reason = "memoize generates a `memoized_flush_` function, unused here")]
mod strs {
    // Twice the capacity for quick_cache, as in `compare`: all 256 keys stay resident.
    str_contenders!(256, 2 * crate::CAP);
}

/// One contender's measurements.
#[derive(Default)]
struct Row {
    name: &'static str,
    filled_len: usize,
    filled_bytes: i64,
    filled_allocs: i64,
    churned_len: usize,
    churned_bytes: i64,
    churned_allocs: i64,
    str_hit_allocs: f64,
}

impl Row {
    fn per_entry(value: i64, len: usize) -> f64 {
        value as f64 / len as f64
    }
}

/// Fills `f`'s cache with `ENTRIES` keys, then churns it, measuring what stays allocated.
fn measure_memory(row: &mut Row, f: impl Fn(u64) -> u64, len_of: fn(&str) -> usize) {
    let name = row.name;
    let mut len = 0;
    let filled = allocation_counter::measure(|| {
        for key in 0..ENTRIES as u64 {
            assert_eq!(f(black_box(key)), u64_body(key), "{name}");
        }
        len = len_of(name);
    });
    (row.filled_len, row.filled_bytes, row.filled_allocs) = (len, filled.bytes_current, filled.count_current);
    let churned = allocation_counter::measure(|| {
        for key in ENTRIES as u64..ENTRIES as u64 + CHURN {
            black_box(f(black_box(key)));
        }
        len = len_of(name);
    });
    row.churned_len = len;
    row.churned_bytes = filled.bytes_current + churned.bytes_current;
    row.churned_allocs = filled.count_current + churned.count_current;
}

/// Allocations per call of a warm `&str` contender over its cached keys.
fn measure_hit_allocs(row: &mut Row, f: impl Fn(&str) -> u64, keys: &[&str], order: &[usize]) {
    for &key in keys {
        assert_eq!(f(key), str_body(key), "{}", row.name);
    }
    let hits = allocation_counter::measure(|| {
        for &i in order {
            black_box(f(black_box(keys[i])));
        }
    });
    row.str_hit_allocs = hits.count_total as f64 / order.len() as f64;
}

fn index_of(rows: &[Row], name: &str) -> usize {
    rows.iter().position(|r| r.name == name).unwrap()
}

/// `target/`: from `CARGO_TARGET_DIR`, or above this executable (`target/release/deps/`).
fn target_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        return dir.into();
    }
    let exe = std::env::current_exe().expect("the bench's path");
    exe.ancestors().nth(3).expect("target/<profile>/deps/<bench>").to_path_buf()
}

fn main() {
    let mut rows: Vec<Row> =
        contenders::names().into_iter().map(|name| Row { name, ..Row::default() }).collect();

    each_contender!(large, |name, f, _runs| {
        let i = index_of(&rows, name);
        measure_memory(&mut rows[i], f, large::len_of);
    });

    let keys = str_keys();
    let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
    let order = access_order(HITS, CAP, SEED ^ 0xACCE55);
    each_contender!(strs, |name, f, runs| {
        let i = index_of(&rows, name);
        let before = runs.get();
        measure_hit_allocs(&mut rows[i], f, &keys, &order);
        assert_eq!(runs.get() - before, CAP as u64, "{name}: only the warm-up calls missed");
    });

    let memo = &rows[index_of(&rows, "memo")];
    assert_eq!(memo.str_hit_allocs, 0.0, "a hit of memo allocates nothing");
    assert_eq!((memo.filled_len, memo.churned_len), (ENTRIES, ENTRIES));

    let mut table = String::new();
    writeln!(
        table,
        "| contender | entries filled | bytes/entry filled | allocs/entry filled | entries churned | bytes/entry churned | allocs/entry churned | allocs per `&str` hit |"
    )
    .unwrap();
    writeln!(table, "|---|---:|---:|---:|---:|---:|---:|---:|").unwrap();
    for r in &rows {
        writeln!(
            table,
            "| {} | {} | {:.1} | {:.2} | {} | {:.1} | {:.2} | {:.2} |",
            r.name,
            r.filled_len,
            Row::per_entry(r.filled_bytes, r.filled_len),
            Row::per_entry(r.filled_allocs, r.filled_len),
            r.churned_len,
            Row::per_entry(r.churned_bytes, r.churned_len),
            Row::per_entry(r.churned_allocs, r.churned_len),
            r.str_hit_allocs,
        )
        .unwrap();
    }
    println!("Heap held by a {ENTRIES}-entry `u64 -> u64` cache: filled, and after {CHURN} more new keys.\n");
    println!("{table}");

    let mut json = format!("{{\n  \"entries\": {ENTRIES},\n  \"churn\": {CHURN},\n  \"contenders\": {{\n");
    for (i, r) in rows.iter().enumerate() {
        let comma = if i + 1 == rows.len() { "" } else { "," };
        writeln!(
            json,
            "    \"{}\": {{\"filled_len\": {}, \"filled_bytes\": {}, \"filled_allocs\": {}, \"churned_len\": {}, \"churned_bytes\": {}, \"churned_allocs\": {}, \"str_hit_allocs\": {}}}{comma}",
            r.name,
            r.filled_len,
            r.filled_bytes,
            r.filled_allocs,
            r.churned_len,
            r.churned_bytes,
            r.churned_allocs,
            r.str_hit_allocs,
        )
        .unwrap();
    }
    json.push_str("  }\n}\n");
    let path = target_dir().join("memo-memory.json");
    std::fs::write(&path, json).expect("write memo-memory.json");
    println!("written to {}", path.display());
}
