//! Model checks of the function caches' protocol (lookup under the lock, the body outside it,
//! store unless a racing call stored first, clear, sharded bounds; and under `single_flight`,
//! waiters, the leader's hand-off and leaders that give up) under shuttle's randomized
//! and PCT schedulers, which explore thread interleavings and report deadlocks. Run with:
//!
//! ```text
//! RUSTFLAGS="--cfg shuttle" CARGO_TARGET_DIR=target/shuttle cargo test -p memo --lib shuttle
//! ```

//!
//! Every call goes through the entry point the macro's wrapper calls (`call.rs`).

use core::cell::Cell;
use core::pin::pin;
use core::task::Poll;

use shuttle::sync::atomic::{AtomicU64, Ordering::SeqCst};
use shuttle::thread;

use crate::call::{Handle, NoTier, Plain, Site};
use crate::clock::Clock;
use crate::function::FnCache;
use crate::held::Always;
use crate::key::arg;
use crate::policy::{Lru, Policy};
use crate::scheme::Typed;

type Cache<P> = FnCache<Typed<(u64, ())>, Always<u64>, P>;

/// The memoized body: a pure function of the key.
fn body(key: u64) -> u64 {
    key.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 7
}

const SITE: Site = Site { module: "shuttle", owner: "", function: "f", single_flight: false };

/// One call, through the wrapper's entry point; `runs` counts the body's runs.
fn call<P: Policy>(cache: &'static Cache<P>, key: u64, runs: &AtomicU64) -> u64
where
    Cache<P>: Send + Sync,
{
    Handle(cache, ()).call(&SITE, (arg(&key), ()), NoTier).run::<Plain, _>(|| {
        runs.fetch_add(1, SeqCst);
        thread::yield_now(); // the body takes time: let others run meanwhile
        body(key)
    })
}

/// On an exact and on a `read_hits` cache: `threads` threads each make `calls` calls over `keys` keys, against a fresh cache, and every
/// value and statistic is checked; `clear` adds a thread that clears the cache meanwhile.
fn scenario(maxsize: Option<usize>, shards: usize, threads: u64, calls: u64, keys: u64, clear: bool) {
    run(
        Box::leak(Box::new(Cache::<Lru>::new(maxsize, false, shards, None))),
        maxsize,
        shards,
        threads,
        calls,
        keys,
        clear,
    );
    run(
        Box::leak(Box::new(Cache::<Clock>::new(maxsize, false, shards, None))),
        maxsize,
        shards,
        threads,
        calls,
        keys,
        clear,
    );
}

/// [`scenario`] on one cache, exact or `read_hits`.
fn run<P: Policy>(
    cache: &'static Cache<P>,
    maxsize: Option<usize>,
    shards: usize,
    threads: u64,
    calls: u64,
    keys: u64,
    clear: bool,
) where
    Cache<P>: Send + Sync,
{
    let runs: &'static AtomicU64 = Box::leak(Box::new(AtomicU64::new(0)));
    let workers: Vec<_> = (0..threads)
        .map(|t| {
            thread::spawn(move || {
                for i in 0..calls {
                    let key = (t + i) % keys;
                    assert_eq!(call(cache, key, runs), body(key));
                    // `cache_info` reads the shards one after another: while a clear runs, its
                    // sum can exceed the bound that the shards' shared count keeps at every
                    // instant (checked once the threads are done).
                    let info = cache.cache_info();
                    if shards == 1 || !clear {
                        assert!(maxsize.is_none_or(|maxsize| info.currsize <= maxsize), "{info}");
                    }
                }
            })
        })
        .collect();
    let clearer = clear.then(|| thread::spawn(move || cache.cache_clear()));
    for worker in workers.into_iter().chain(clearer) {
        worker.join().unwrap();
    }
    let info = cache.cache_info();
    assert!(info.currsize as u64 <= keys.min(maxsize.map_or(u64::MAX, |m| m as u64)), "{info}");
    if !clear {
        // Every call counted once; every miss ran the body once; no key stored twice.
        assert_eq!(info.hits + info.misses, threads * calls, "{info}");
        assert_eq!(info.misses, runs.load(SeqCst), "{info}");
        if maxsize.is_none() {
            assert_eq!(info.currsize as u64, keys.min(threads + calls - 1), "{info}");
        }
    }
}

const ITERATIONS: usize = 3000;

#[test]
fn racing_misses_store_once_and_count_every_call() {
    shuttle::check_random(|| scenario(None, 1, 3, 3, 2, false), ITERATIONS);
    shuttle::check_pct(|| scenario(None, 1, 3, 3, 2, false), ITERATIONS, 3);
}

#[test]
fn eviction_under_races_keeps_the_bound() {
    shuttle::check_random(|| scenario(Some(2), 1, 3, 4, 4, false), ITERATIONS);
    shuttle::check_pct(|| scenario(Some(1), 1, 2, 4, 3, false), ITERATIONS, 3);
}

#[test]
fn clear_racing_with_calls_never_loses_the_bound_or_a_value() {
    shuttle::check_random(|| scenario(Some(2), 1, 2, 3, 3, true), ITERATIONS);
    shuttle::check_pct(|| scenario(None, 1, 2, 3, 3, true), ITERATIONS, 3);
}

#[test]
fn shards_share_one_bound_under_races() {
    shuttle::check_random(|| scenario(Some(2), 4, 3, 4, 5, false), ITERATIONS);
    shuttle::check_pct(|| scenario(Some(3), 2, 3, 3, 6, true), ITERATIONS, 3);
}

/// One call under `single_flight`, blocking while another call computes its key.
fn call_flight(cache: &'static Cache<Lru>, key: u64, runs: &AtomicU64) -> u64 {
    let site = Site { single_flight: true, ..SITE };
    Handle(cache, ()).call(&site, (arg(&key), ()), NoTier).run::<Plain, _>(|| {
        runs.fetch_add(1, SeqCst);
        thread::yield_now();
        body(key)
    })
}

/// One `async` call under `single_flight`, awaiting another call's computation. A leader that
/// takes one of `give_up` is dropped mid-body, as a cancelled request's future is (a panicking
/// body unwinds the same way): `None`, and its waiters retry.
fn call_flight_async(
    cache: &'static Cache<Lru>,
    key: u64,
    runs: &AtomicU64,
    give_up: &AtomicU64,
) -> Option<u64> {
    let site = Site { single_flight: true, ..SITE };
    let abandoned = Cell::new(false);
    let mut call = pin!(async {
        let call = Handle(cache, ()).call_async(&site, (arg(&key), ()), NoTier).await;
        call.run_async::<Plain, _, _>(|| async {
            runs.fetch_add(1, SeqCst);
            shuttle::future::yield_now().await;
            if give_up.fetch_update(SeqCst, SeqCst, |left| left.checked_sub(1)).is_ok() {
                abandoned.set(true);
                core::future::pending::<()>().await;
            }
            body(key)
        })
        .await
    });
    shuttle::future::block_on(core::future::poll_fn(|cx| match call.as_mut().poll(cx) {
        Poll::Ready(value) => Poll::Ready(Some(value)),
        Poll::Pending if abandoned.get() => Poll::Ready(None),
        Poll::Pending => Poll::Pending,
    }))
}

/// `threads` threads each call every one of `keys` keys once under `single_flight`, thread 0
/// with `async` calls whose first `give_up` leaders give up, the others blocking: every value
/// is right, no call hangs, each call is counted once, and each key's body runs once, plus
/// once per leader that gave up.
fn flight_scenario(threads: u64, keys: u64, give_up: u64) {
    let cache: &'static Cache<Lru> = Box::leak(Box::new(Cache::<Lru>::new(None, false, 1, None)));
    let runs: &'static AtomicU64 = Box::leak(Box::new(AtomicU64::new(0)));
    let left: &'static AtomicU64 = Box::leak(Box::new(AtomicU64::new(give_up)));
    let failed: &'static AtomicU64 = Box::leak(Box::new(AtomicU64::new(0)));
    let workers: Vec<_> = (0..threads)
        .map(|t| {
            thread::spawn(move || {
                for i in 0..keys {
                    let key = (t + i) % keys;
                    let value = match t {
                        0 => call_flight_async(cache, key, runs, left),
                        _ => Some(call_flight(cache, key, runs)),
                    };
                    match value {
                        Some(value) => assert_eq!(value, body(key)),
                        None => _ = failed.fetch_add(1, SeqCst),
                    }
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().unwrap();
    }
    let info = cache.cache_info();
    let gave_up = failed.load(SeqCst);
    assert!(gave_up <= give_up, "{info}");
    GAVE_UP.fetch_add(gave_up, std::sync::atomic::Ordering::Relaxed);
    assert_eq!(info.hits + info.misses, threads * keys, "{info}");
    assert_eq!(info.misses, runs.load(SeqCst), "{info}");
    assert_eq!(runs.load(SeqCst), keys + gave_up, "{info}");
    assert_eq!(info.currsize as u64, keys, "{info}");
}

#[test]
fn single_flight_runs_each_body_once_and_shares_its_value() {
    shuttle::check_random(|| flight_scenario(3, 2, 0), ITERATIONS);
    shuttle::check_pct(|| flight_scenario(3, 2, 0), ITERATIONS, 3);
}

/// Leaders that gave up, over every execution: the scenarios must reach that path.
static GAVE_UP: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

#[test]
fn a_leader_that_gives_up_hands_its_key_to_a_waiter() {
    shuttle::check_random(|| flight_scenario(3, 1, 1), ITERATIONS);
    assert!(GAVE_UP.load(std::sync::atomic::Ordering::Relaxed) > 0, "no leader gave up");
    shuttle::check_pct(|| flight_scenario(3, 2, 2), ITERATIONS, 3);
}
