//! The `memo` examples live beside this file, one `[[example]]` per scenario: run one from the
//! workspace root with `cargo run --example get_user_email` (or `fib`, `heavy_compute`,
//! `threads`, `testing`).
