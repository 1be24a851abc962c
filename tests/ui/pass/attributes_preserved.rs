// Doc comments, lint attributes and `#[must_use]` stay on the memoized function; lints
// reach the body (the `unused_variables` allow below would otherwise warn, and trybuild's
// pass tests do not deny warnings, so the `deny` proves it).
#![deny(unused_variables)]

use memo::lru_cache;

/// Squares.
#[must_use]
#[allow(unused_variables)]
#[lru_cache]
fn square(x: u64) -> u64 {
    let unused = 0;
    x * x
}

fn main() {
    assert_eq!(square(4), 16);
}
