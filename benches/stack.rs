//! Stack bytes per level of a memoized recursion, beside the same recursion uncached: the
//! depth a thread's stack allows (CPython's `test_lru_recursion` runs `fib(2857)` under
//! `maxsize = 128`). Run in both profiles:
//!
//! ```text
//! cargo bench -p memo-benches --bench stack     # release
//! cargo test  -p memo-benches --bench stack     # debug
//! ```

use std::cell::Cell;
use std::hint::black_box;

const DEPTH: u64 = 2000;

thread_local! {
    /// The address of a local at the outermost and innermost levels.
    static TOP: Cell<usize> = const { Cell::new(0) };
    static BOTTOM: Cell<usize> = const { Cell::new(0) };
}

/// Notes where level `n`'s frame is.
#[inline(never)]
fn mark(n: u64) {
    let local = black_box(n);
    let address = core::ptr::from_ref(&local).addr();
    match n {
        DEPTH => TOP.set(address),
        1 => BOTTOM.set(address),
        _ => {}
    }
}

#[memo::lru_cache(maxsize = 128)]
fn fib(n: u64) -> u64 {
    mark(n);
    if n < 2 { n } else { fib(n - 1).wrapping_add(fib(n - 2)) }
}

#[memo::lru_cache(maxsize = 128, single_flight)]
fn fib_single_flight(n: u64) -> u64 {
    mark(n);
    if n < 2 { n } else { fib_single_flight(n - 1).wrapping_add(fib_single_flight(n - 2)) }
}

/// The same recursion without a cache (linear, as the memoized one is).
#[inline(never)]
fn plain(n: u64) -> u64 {
    mark(n);
    if n < 2 { n } else { plain(n - 1).wrapping_add(black_box(n)) }
}

/// Bytes of stack per level of `run(DEPTH)`, on a thread with a large stack.
fn per_level(run: fn(u64) -> u64) -> u64 {
    std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(move || {
            black_box(run(black_box(DEPTH)));
            ((TOP.get() - BOTTOM.get()) as u64) / (DEPTH - 1)
        })
        .expect("spawn")
        .join()
        .expect("recursion")
}

fn main() {
    let profile = if cfg!(debug_assertions) { "debug" } else { "release" };
    println!("stack bytes per level ({profile})");
    for (name, run) in
        [("lru_cache", fib as fn(u64) -> u64), ("single_flight", fib_single_flight), ("uncached", plain)]
    {
        println!("{name:<16}{}", per_level(run));
    }
}
