//! Replays the two fuzz targets of `fuzz/` on stable Rust, without libFuzzer: the committed
//! seed corpus of each (`fuzz/corpus/<target>/`) and a few thousand pseudo-random byte strings
//! go through the very logic the fuzz binaries run (`fuzz_replay/*.rs`, which the fuzz crate includes by `#[path]`).
//!
//! - `lru_ops`: arbitrary operation sequences on `memo::LruCache` against a naive model.
//! - `fn_keys`: arbitrary arguments through `#[lru_cache]`'s key building and lookup, memoized
//!   against `uncached`, with the hits and misses a model predicts.
//!
//! `MEMO_FUZZ_REPLAY_CASES` sets the number of pseudo-random inputs per target (default 3000).
//! A crash the fuzzer finds belongs in `regressions` below, as the bytes of its artifact.

// `pub` there is the fuzz crate's interface; here the modules are private.
#[allow(unreachable_pub)]
#[path = "fuzz_replay/lru_ops.rs"]
mod lru_ops;

#[allow(unreachable_pub)]
#[path = "fuzz_replay/fn_keys.rs"]
mod fn_keys;

use memo_tests::SplitMix64;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::path::PathBuf;
use std::sync::Mutex;

/// `fn_keys` drives global caches: its runs must not overlap.
static FN_KEYS: Mutex<()> = Mutex::new(());

fn cases() -> u64 {
    std::env::var("MEMO_FUZZ_REPLAY_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(3000)
}

/// Pseudo-random inputs: lengths up to 1 KiB, half of them over a small byte alphabet so that
/// keys, enum tags and lengths repeat (as the fuzzer's mutations make them do).
fn random_inputs(seed: u64) -> impl Iterator<Item = Vec<u8>> {
    let mut rng = SplitMix64(seed);
    (0..cases()).map(move |i| {
        let len = (rng.next() % 1024) as usize;
        let small = i % 2 == 1;
        (0..len)
            .map(|_| {
                let r = rng.next();
                if small { [0, 1, 2, 3, 0x40, 0x80, 0xC0, 0xFF][(r % 8) as usize] } else { r as u8 }
            })
            .collect()
    })
}

/// The committed seed corpus of `target`, sorted by name.
fn corpus(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus").join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no seed corpus in {}", dir.display());
    files.into_iter().map(|p| (p.clone(), std::fs::read(&p).unwrap())).collect()
}

/// Runs `run(data)`, naming the input (and its bytes) if it panics.
fn replay(run: fn(&[u8]), what: &str, data: &[u8]) {
    if let Err(panic) = catch_unwind(AssertUnwindSafe(|| run(data))) {
        eprintln!("failing input {what} ({} bytes): {data:?}", data.len());
        resume_unwind(panic);
    }
}

#[test]
fn lru_ops_seed_corpus() {
    for (path, data) in corpus("lru_ops") {
        replay(lru_ops::run, &path.display().to_string(), &data);
    }
}

#[test]
fn lru_ops_random_inputs() {
    for (i, data) in random_inputs(0x1F2E_3D4C).enumerate() {
        replay(lru_ops::run, &format!("random #{i}"), &data);
    }
}

#[test]
fn fn_keys_seed_corpus() {
    let _guard = FN_KEYS.lock().unwrap_or_else(|e| e.into_inner());
    for (path, data) in corpus("fn_keys") {
        replay(fn_keys::run, &path.display().to_string(), &data);
    }
}

#[test]
fn fn_keys_random_inputs() {
    let _guard = FN_KEYS.lock().unwrap_or_else(|e| e.into_inner());
    for (i, data) in random_inputs(0x5EED_F00D).enumerate() {
        replay(fn_keys::run, &format!("random #{i}"), &data);
    }
}

/// Inputs the fuzzers once failed on, and hand-written edge cases, kept forever.
#[test]
fn regressions() {
    // Degenerate inputs: empty, header only, truncated operations, all ones.
    for data in [&[][..], &[0], &[0, 1], &[1, 0, 0xB8, 0xFF], &[0xFF; 64]] {
        replay(lru_ops::run, "lru_ops regression", data);
    }
    let _guard = FN_KEYS.lock().unwrap_or_else(|e| e.into_inner());
    for data in [&[][..], &[0xFF; 64]] {
        replay(fn_keys::run, "fn_keys regression", data);
    }
}
