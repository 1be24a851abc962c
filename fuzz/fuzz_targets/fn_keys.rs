//! libFuzzer target: arbitrary arguments through `#[lru_cache]`'s key building and lookup.
//! The logic lives in `tests/tests/fuzz_replay/fn_keys.rs`, shared with `tests/tests/fuzz_replay.rs`.
#![no_main]

#[path = "../../tests/tests/fuzz_replay/fn_keys.rs"]
mod fn_keys;

libfuzzer_sys::fuzz_target!(|data: &[u8]| fn_keys::run(data));
