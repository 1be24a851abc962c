//! The `memo` examples live beside this file, one `[[example]]` per scenario: run one from the
//! workspace root with `cargo run --example get_user_email` (or `fib`, `heavy_compute`,
//! `threads`, `testing`, `web_dashboard`).
//!
//! The library holds what a scenario shares with its tests: [`dashboard`], the web service of
//! `web_dashboard`, which `tests/web_dashboard.rs` tests over HTTP.

pub mod dashboard;
