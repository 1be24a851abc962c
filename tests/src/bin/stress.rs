//! Stress test of the memoized-function caches (issue 6, item 3): many threads, random keys,
//! random `cache_clear()`, bodies that fail or panic for some keys, `single_flight` waiters,
//! checked all along.
//!
//! ```text
//! cargo run --release -p memo-tests --bin stress -- --seconds 60 --threads 8
//! ```
//!
//! Every call checks its value against the pure function of its key, and, through a per-thread
//! count of body runs, that an `Err` or a panic was never served from the cache. A sampler
//! thread checks `currsize <= maxsize` and `completed calls <= hits + misses <= started calls`
//! without pause. At the end, for each function never cleared, `hits + misses` must equal the
//! calls made and `misses` the body runs. Any violation exits with status 1 and a message.

use std::any::type_name;
use std::cell::Cell;
use std::fmt::Debug;
use std::hash::Hash;
use std::panic::{self, AssertUnwindSafe};
use std::process;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::SeqCst};
use std::thread;
use std::time::{Duration, Instant};

use memo::CacheInfo;

/// The pure function every body computes.
fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// SplitMix64: one fixed-seed generator per thread.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.0.wrapping_sub(0x9E37_79B9_7F4A_7C15))
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

thread_local! {
    /// Bodies run on the calling thread: a call whose count did not move was a hit.
    static BODY_RUNS: Cell<u64> = const { Cell::new(0) };
}

fn body_ran() {
    BODY_RUNS.with(|runs| runs.set(runs.get() + 1));
}

fn body_runs_here() -> u64 {
    BODY_RUNS.with(Cell::get)
}

fn violation(message: String) -> ! {
    eprintln!("stress: VIOLATION: {message}");
    process::exit(1);
}

/// The message of every panic the `panicky` body raises on purpose.
const INTENDED: &str = "stress: intended panic";

// --- The functions under test -----------------------------------------------------------

const BOUNDED_KEYS: u64 = 256;
const SHARDED_KEYS: u64 = 1024;
const UNBOUNDED_KEYS: u64 = 2000;
const FALLIBLE_KEYS: u64 = 512;
const PANICKY_KEYS: u64 = 128;
const GENERIC_KEYS: u64 = 300;
const FLIGHT_KEYS: u64 = 48;

static BOUNDED_BODIES: AtomicU64 = AtomicU64::new(0);
static SHARDED_BODIES: AtomicU64 = AtomicU64::new(0);
static UNBOUNDED_BODIES: AtomicU64 = AtomicU64::new(0);
static FALLIBLE_BODIES: AtomicU64 = AtomicU64::new(0);
static FALLIBLE_ERR_BODIES: AtomicU64 = AtomicU64::new(0);
static PANICKY_BODIES: AtomicU64 = AtomicU64::new(0);
static PANICKY_PANICS: AtomicU64 = AtomicU64::new(0);
static GENERIC_BODIES: AtomicU64 = AtomicU64::new(0);
static FLIGHT_BODIES: AtomicU64 = AtomicU64::new(0);

/// Bounded, exact LRU; cleared at random.
#[memo::lru_cache(maxsize = 64)]
fn bounded(x: u64) -> u64 {
    body_ran();
    BOUNDED_BODIES.fetch_add(1, SeqCst);
    mix(x)
}

/// Bounded and sharded, with a borrowed key part and a heap value; never cleared.
#[memo::lru_cache(maxsize = 256, shards = 8)]
fn sharded(x: u64, name: &str) -> String {
    body_ran();
    SHARDED_BODIES.fetch_add(1, SeqCst);
    format!("{name}={:x}", mix(x))
}

/// Unbounded over a bounded key range, heap values; cleared at random.
#[memo::cache]
fn unbounded(x: u32) -> Vec<u64> {
    body_ran();
    UNBOUNDED_BODIES.fetch_add(1, SeqCst);
    vec![mix(u64::from(x)); (x % 8) as usize]
}

fn fallible_expected(x: u64) -> Result<u64, String> {
    if x.is_multiple_of(7) { Err(format!("no {x}")) } else { Ok(mix(x)) }
}

/// `Err` for multiples of 7: never cached. Never cleared.
#[memo::lru_cache(maxsize = 128)]
fn fallible(x: u64) -> Result<u64, String> {
    body_ran();
    FALLIBLE_BODIES.fetch_add(1, SeqCst);
    if x.is_multiple_of(7) {
        FALLIBLE_ERR_BODIES.fetch_add(1, SeqCst);
    }
    fallible_expected(x)
}

/// Panics for multiples of 5: nothing cached, nothing poisoned. Never cleared.
#[memo::lru_cache(maxsize = 32)]
fn panicky(x: u64) -> u64 {
    body_ran();
    PANICKY_BODIES.fetch_add(1, SeqCst);
    if x.is_multiple_of(5) {
        PANICKY_PANICS.fetch_add(1, SeqCst);
        panic!("{INTENDED}");
    }
    mix(x)
}

/// Generic: one cache for `u32`, `u64` and `String` keys; a value must come back as the type
/// it was stored for. Never cleared.
#[memo::lru_cache(maxsize = 100)]
fn generic<T: Debug + Hash + Eq + Clone>(x: T) -> String {
    body_ran();
    GENERIC_BODIES.fetch_add(1, SeqCst);
    generic_expected(&x)
}

fn generic_expected<T: Debug>(x: &T) -> String {
    format!("{}:{x:?}", type_name::<T>())
}

/// `single_flight` over few keys, so that threads often wait for each other's computation;
/// panics for multiples of 11, which releases the waiters. Never cleared.
#[memo::lru_cache(maxsize = 32, single_flight)]
fn flighted(x: u64) -> u64 {
    body_ran();
    FLIGHT_BODIES.fetch_add(1, SeqCst);
    std::thread::yield_now(); // a window for other callers to join the flight
    if x.is_multiple_of(11) {
        panic!("{INTENDED}");
    }
    mix(x)
}

// --- Bookkeeping --------------------------------------------------------------------------

/// Calls of one function: counted before the call starts and after it returns.
struct Calls {
    name: &'static str,
    started: AtomicU64,
    completed: AtomicU64,
    info: fn() -> CacheInfo,
    /// Cleared at random: the exact counts reset, so only the bounds are checked.
    cleared: bool,
    /// The largest `currsize` it may reach (`maxsize`, or the key range if unbounded).
    bound: usize,
    bodies: &'static AtomicU64,
}

impl Calls {
    const fn new(
        name: &'static str,
        info: fn() -> CacheInfo,
        cleared: bool,
        bound: usize,
        bodies: &'static AtomicU64,
    ) -> Self {
        Calls { name, started: AtomicU64::new(0), completed: AtomicU64::new(0), info, cleared, bound, bodies }
    }

    fn call<R>(&self, f: impl FnOnce() -> R) -> R {
        self.started.fetch_add(1, SeqCst);
        let result = f();
        self.completed.fetch_add(1, SeqCst);
        result
    }

    /// Checks the bounds, and the counts that hold while calls are running.
    fn sample(&self) {
        let completed = self.completed.load(SeqCst);
        let info = (self.info)();
        let started = self.started.load(SeqCst);
        if info.currsize > self.bound {
            violation(format!("{}: currsize {} > bound {} ({info})", self.name, info.currsize, self.bound));
        }
        if let Some(maxsize) = info.maxsize
            && info.currsize > maxsize
        {
            violation(format!("{}: currsize > maxsize ({info})", self.name));
        }
        let counted = info.hits + info.misses;
        if counted > started {
            violation(format!("{}: hits + misses = {counted} > {started} calls started ({info})", self.name));
        }
        if !self.cleared && counted < completed {
            violation(format!(
                "{}: hits + misses = {counted} < {completed} calls completed ({info})",
                self.name
            ));
        }
    }

    /// Checks the exact counts, once every thread has stopped.
    fn check_final(&self) {
        let info = (self.info)();
        let calls = self.completed.load(SeqCst);
        assert_eq!(calls, self.started.load(SeqCst));
        if self.cleared {
            return;
        }
        if info.hits + info.misses != calls {
            violation(format!(
                "{}: hits + misses = {} != {calls} calls ({info})",
                self.name,
                info.hits + info.misses
            ));
        }
        let bodies = self.bodies.load(SeqCst);
        if info.misses != bodies {
            violation(format!("{}: misses {} != {bodies} body runs ({info})", self.name, info.misses));
        }
    }
}

static CALLS: [Calls; 7] = [
    Calls::new("bounded", bounded::cache_info, true, 64, &BOUNDED_BODIES),
    Calls::new("sharded", sharded::cache_info, false, 256, &SHARDED_BODIES),
    Calls::new("unbounded", unbounded::cache_info, true, UNBOUNDED_KEYS as usize, &UNBOUNDED_BODIES),
    Calls::new("fallible", fallible::cache_info, false, 128, &FALLIBLE_BODIES),
    Calls::new("panicky", panicky::cache_info, false, 32, &PANICKY_BODIES),
    Calls::new("generic", generic::cache_info, false, 100, &GENERIC_BODIES),
    Calls::new("flighted", flighted::cache_info, false, 32, &FLIGHT_BODIES),
];
const BOUNDED: usize = 0;
const SHARDED: usize = 1;
const UNBOUNDED: usize = 2;
const FALLIBLE: usize = 3;
const PANICKY: usize = 4;
const GENERIC: usize = 5;
const FLIGHTED: usize = 6;

static CLEARS: AtomicU64 = AtomicU64::new(0);
static ERR_CALLS: AtomicU64 = AtomicU64::new(0);
static PANIC_CALLS: AtomicU64 = AtomicU64::new(0);

/// One call of a random function with a random key, checked.
fn one_call(rng: &mut SplitMix64) {
    let before = body_runs_here();
    match rng.below(100) {
        0..25 => {
            let x = rng.below(BOUNDED_KEYS);
            let got = CALLS[BOUNDED].call(|| bounded(x));
            if got != mix(x) {
                violation(format!("bounded({x}) = {got}, expected {}", mix(x)));
            }
        }
        25..45 => {
            let x = rng.below(SHARDED_KEYS);
            let name = if x.is_multiple_of(2) { "even" } else { "odd" };
            let got = CALLS[SHARDED].call(|| sharded(x, name));
            if got != format!("{name}={:x}", mix(x)) {
                violation(format!("sharded({x}, {name}) = {got}"));
            }
        }
        45..60 => {
            let x = rng.below(UNBOUNDED_KEYS) as u32;
            let got = CALLS[UNBOUNDED].call(|| unbounded(x));
            if got != vec![mix(u64::from(x)); (x % 8) as usize] {
                violation(format!("unbounded({x}) = {got:?}"));
            }
        }
        60..75 => {
            let x = rng.below(FALLIBLE_KEYS);
            let got = CALLS[FALLIBLE].call(|| fallible(x));
            if got != fallible_expected(x) {
                violation(format!("fallible({x}) = {got:?}, expected {:?}", fallible_expected(x)));
            }
            if got.is_err() {
                ERR_CALLS.fetch_add(1, SeqCst);
                if body_runs_here() == before {
                    violation(format!("fallible({x}) returned a cached Err"));
                }
            }
        }
        75..88 => {
            let x = rng.below(PANICKY_KEYS);
            let got = CALLS[PANICKY].call(|| panic::catch_unwind(|| panicky(x)));
            match got {
                Ok(value) if value == mix(x) => {}
                Ok(value) => violation(format!("panicky({x}) = {value}, expected {}", mix(x))),
                Err(_) if x.is_multiple_of(5) => {
                    PANIC_CALLS.fetch_add(1, SeqCst);
                    if body_runs_here() == before {
                        violation(format!("panicky({x}) panicked without running its body"));
                    }
                }
                Err(_) => violation(format!("panicky({x}) panicked, but {x} is not a multiple of 5")),
            }
            if x.is_multiple_of(5) && body_runs_here() == before {
                violation(format!("panicky({x}) was served from the cache: its body always panics"));
            }
        }
        88..94 => {
            let x = rng.below(FLIGHT_KEYS);
            match CALLS[FLIGHTED].call(|| panic::catch_unwind(|| flighted(x))) {
                Ok(value) if value == mix(x) && !x.is_multiple_of(11) => {}
                Ok(value) => violation(format!("flighted({x}) = {value}, expected {}", mix(x))),
                Err(_) if x.is_multiple_of(11) && body_runs_here() != before => {}
                Err(_) => violation(format!("flighted({x}) panicked without its own body panicking")),
            }
        }
        94..100 => {
            let x = rng.below(GENERIC_KEYS);
            let (got, expected) = match x % 3 {
                0 => (CALLS[GENERIC].call(|| generic(x as u32)), generic_expected(&(x as u32))),
                1 => (CALLS[GENERIC].call(|| generic(x)), generic_expected(&x)),
                _ => {
                    let s = format!("s{x}");
                    (CALLS[GENERIC].call(|| generic(s.clone())), generic_expected(&s))
                }
            };
            if got != expected {
                violation(format!("generic({x}) = {got:?}, expected {expected:?}"));
            }
        }
        _ => unreachable!(),
    }
    // Now and then, clear one of the two functions that are cleared.
    if rng.below(32_768) == 0 {
        CLEARS.fetch_add(1, SeqCst);
        if rng.below(2) == 0 { bounded::cache_clear() } else { unbounded::cache_clear() }
    }
}

// --- Driver ---------------------------------------------------------------------------------

struct Options {
    seconds: f64,
    threads: u64,
    seed: u64,
}

fn parse_options() -> Options {
    let mut options = Options { seconds: 60.0, threads: 8, seed: 0x5EED };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| -> String {
            args.next().unwrap_or_else(|| {
                eprintln!("stress: {name} needs a value");
                process::exit(2)
            })
        };
        let bad = |name: &str| -> ! {
            eprintln!("stress: {name} takes a number");
            process::exit(2)
        };
        match arg.as_str() {
            "--seconds" => options.seconds = value("--seconds").parse().unwrap_or_else(|_| bad("--seconds")),
            "--threads" => options.threads = value("--threads").parse().unwrap_or_else(|_| bad("--threads")),
            "--seed" => options.seed = value("--seed").parse().unwrap_or_else(|_| bad("--seed")),
            "-h" | "--help" => {
                println!("usage: stress [--seconds N (60)] [--threads T (8)] [--seed S]");
                process::exit(0);
            }
            other => {
                eprintln!("stress: unknown argument {other:?}; try --help");
                process::exit(2);
            }
        }
    }
    if options.threads == 0 || options.seconds.is_nan() || options.seconds < 0.0 {
        eprintln!("stress: --threads must be at least 1 and --seconds not negative");
        process::exit(2);
    }
    options
}

fn main() {
    let options = parse_options();
    // The intended panics are silent; any other panic is reported and fails the run.
    let default_hook = panic::take_hook();
    panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let message =
            payload.downcast_ref::<String>().map(String::as_str).or(payload.downcast_ref::<&str>().copied());
        if message != Some(INTENDED) {
            default_hook(info);
            eprintln!("stress: VIOLATION: unexpected panic");
            process::exit(1);
        }
    }));

    println!(
        "stress: {} threads for {} s, seed {:#x} (bounded, sharded, unbounded, fallible, panicky, generic, flighted)",
        options.threads, options.seconds, options.seed
    );
    let stop = AtomicBool::new(false);
    let start = Instant::now();
    let mut samples = 0u64;
    thread::scope(|scope| {
        for t in 0..options.threads {
            let stop = &stop;
            let seed = options.seed ^ t.wrapping_mul(0xA076_1D64_78BD_642F);
            scope.spawn(move || {
                let mut rng = SplitMix64(seed);
                while !stop.load(SeqCst) {
                    for _ in 0..64 {
                        one_call(&mut rng);
                    }
                }
            });
        }
        let deadline = start + Duration::from_secs_f64(options.seconds);
        let result = panic::catch_unwind(AssertUnwindSafe(|| {
            while Instant::now() < deadline {
                for calls in &CALLS {
                    calls.sample();
                }
                samples += 1;
                thread::sleep(Duration::from_micros(200));
            }
        }));
        stop.store(true, SeqCst);
        if result.is_err() {
            violation("the sampler panicked".into());
        }
    });
    let elapsed = start.elapsed().as_secs_f64();

    for calls in &CALLS {
        calls.sample();
        calls.check_final();
    }
    // Err and panics: every such call ran its body (checked per call above), in total too.
    let (err_calls, err_bodies) = (ERR_CALLS.load(SeqCst), FALLIBLE_ERR_BODIES.load(SeqCst));
    if err_calls != err_bodies {
        violation(format!("{err_calls} calls returned Err but {err_bodies} bodies did: an Err was cached"));
    }
    let (panic_calls, panics) = (PANIC_CALLS.load(SeqCst), PANICKY_PANICS.load(SeqCst));
    if panic_calls != panics {
        violation(format!("{panic_calls} calls panicked but {panics} bodies did"));
    }

    let total: u64 = CALLS.iter().map(|c| c.completed.load(SeqCst)).sum();
    println!(
        "{:<10} {:>12} {:>12} {:>12} {:>12} {:>9} {:>9}",
        "function", "calls", "hits", "misses", "bodies", "currsize", "maxsize"
    );
    for calls in &CALLS {
        let info = (calls.info)();
        let maxsize = info.maxsize.map_or("None".to_string(), |m| m.to_string());
        println!(
            "{:<10} {:>12} {:>12} {:>12} {:>12} {:>9} {:>9}{}",
            calls.name,
            calls.completed.load(SeqCst),
            info.hits,
            info.misses,
            calls.bodies.load(SeqCst),
            info.currsize,
            maxsize,
            if calls.cleared { "  (cleared at random: counts since the last clear)" } else { "" }
        );
    }
    println!(
        "stress: {total} calls in {elapsed:.1} s = {:.0} calls/s; {} clears, {err_calls} Err returns \
         (never cached), {panic_calls} panics caught, {samples} samples; violations: none",
        total as f64 / elapsed,
        CLEARS.load(SeqCst)
    );
    // Frees every entry, so that a leak checker run at exit (valgrind, LeakSanitizer) sees the
    // caches' memory returned; only the statics' empty stores stay, reachable.
    bounded::cache_clear();
    sharded::cache_clear();
    unbounded::cache_clear();
    fallible::cache_clear();
    panicky::cache_clear();
    generic::cache_clear();
}
