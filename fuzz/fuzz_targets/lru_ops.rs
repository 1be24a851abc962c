//! libFuzzer target: arbitrary operation sequences on `memo::LruCache` against a naive model.
//! The logic lives in `tests/tests/fuzz_replay/lru_ops.rs`, shared with `tests/tests/fuzz_replay.rs`.
#![no_main]

#[path = "../../tests/tests/fuzz_replay/lru_ops.rs"]
mod lru_ops;

libfuzzer_sys::fuzz_target!(|data: &[u8]| lru_ops::run(data));
