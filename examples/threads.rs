//! Eight threads share one cache: a memoized function is a `static`, safe to call from
//! anywhere, and its body never runs under a lock.
//!
//! Two threads that miss the same key at the same moment both run the body (functools does the
//! same), so `misses` can exceed the number of keys; `hits + misses` always equals the calls.
//!
//! Run it from the workspace root: `cargo run --example threads`

use std::cell::Cell;
use std::thread;
use std::time::{Duration, Instant};

const THREADS: u64 = 8;
const CALLS_PER_THREAD: u64 = 500;
const KEYS: u64 = 16;
const LATENCY: Duration = Duration::from_millis(5);

thread_local! {
    /// How many times the body ran on this thread.
    static RUNS: Cell<u64> = const { Cell::new(0) };
}

/// A slow function of a small key space.
#[memo::lru_cache(maxsize = 32)]
fn slow_square(n: u64) -> u64 {
    RUNS.set(RUNS.get() + 1);
    thread::sleep(LATENCY);
    n * n
}

/// What one thread did.
struct Worker {
    calls: u64,
    runs: u64,
    ms: f64,
}

fn main() {
    let start = Instant::now();
    let per_thread: Vec<Worker> = thread::scope(|scope| {
        let workers: Vec<_> = (0..THREADS)
            .map(|t| {
                scope.spawn(move || {
                    let start = Instant::now();
                    for i in 0..CALLS_PER_THREAD {
                        let n = (t * 7 + i) % KEYS;
                        assert_eq!(slow_square(n), n * n, "wrong value for {n}");
                    }
                    Worker {
                        calls: CALLS_PER_THREAD,
                        runs: RUNS.get(),
                        ms: start.elapsed().as_secs_f64() * 1000.0,
                    }
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    let total_ms = start.elapsed().as_secs_f64() * 1000.0;

    for (t, w) in per_thread.iter().enumerate() {
        println!("thread {t}: {} calls in {:.1} ms, ran the body {} times", w.calls, w.ms, w.runs);
    }
    let total: u64 = per_thread.iter().map(|w| w.calls).sum();
    let runs: u64 = per_thread.iter().map(|w| w.runs).sum();
    let info = slow_square::cache_info();
    println!("total: {total} calls in {total_ms:.1} ms; the body ran {runs} times for {KEYS} keys");
    println!("{info}");
    println!("uncached, the same calls would have slept {} ms", u128::from(total) * LATENCY.as_millis());

    assert_eq!(total, THREADS * CALLS_PER_THREAD);
    assert_eq!(info.hits + info.misses, total);
    assert_eq!(info.misses, runs, "every miss runs the body once");
    assert!(info.misses >= KEYS);
    assert_eq!(info.currsize, KEYS as usize);
}
