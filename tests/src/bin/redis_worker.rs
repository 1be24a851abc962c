//! A process of the Redis-tier tests (`tests/tests/redis_tier.rs`): a few functions memoized
//! with `redis`, called as the arguments say, with one answer line per command on stdout.
//!
//! ```text
//! MEMO_REDIS_URL=redis://127.0.0.1:6379 MEMO_RUNS_LOG=runs.log \
//!     redis_worker "call slow 3" "info slow"      # prints `ok 20113 10` and `info hits=0 ...`
//! redis_worker -                                  # then one command per stdin line
//! ```
//!
//! Commands: `call F K` (prints `ok <microseconds> <value as {:?}>`), `info F` (the shared
//! statistics, `info hits=.. misses=.. waits=.. writes=.. errors=.. corrupt=..`), `local F`
//! (the in-process ones, `local hits=.. misses=..`), `forget F` (`cache_clear`), `clear F`
//! (`shared_clear`: `cleared N` or `error ...`). `F` is one of `slow`, `flight`, `point`,
//! `fleeting`, `a_twin`, `b_twin`, `twin_v2`; `K` a `u64`. Every body appends `F K pid` to the
//! file named by `MEMO_RUNS_LOG`, so that the tests count body runs across processes.

use std::io::{BufRead, Write};
use std::time::Duration;

use memo::lru_cache;
use serde::{Deserialize, Serialize};

/// The answer of the function at `$f` to a command.
macro_rules! answer {
    ($($f:ident)::+; $command:expr, $key:expr) => {
        match $command {
            "call" => {
                let start = std::time::Instant::now();
                let value = $($f)::+($key);
                format!("ok {} {value:?}", start.elapsed().as_micros())
            }
            "info" => {
                let memo::SharedInfo { hits, misses, waits, writes, errors, corrupt } =
                    $($f)::+::shared_info();
                format!(
                    "info hits={hits} misses={misses} waits={waits} writes={writes} errors={errors} corrupt={corrupt}"
                )
            }
            "local" => {
                let memo::CacheInfo { hits, misses, .. } = $($f)::+::cache_info();
                format!("local hits={hits} misses={misses}")
            }
            "forget" => {
                $($f)::+::cache_clear();
                "ok".to_owned()
            }
            _ => match $($f)::+::shared_clear() {
                Ok(removed) => format!("cleared {removed}"),
                Err(error) => format!("error {error}"),
            },
        }
    };
}

/// Records a body run in the runs log.
fn ran(function: &str, key: u64) {
    let Some(path) = std::env::var_os("MEMO_RUNS_LOG") else { return };
    let mut log = std::fs::OpenOptions::new().create(true).append(true).open(path).expect("runs log");
    // One `write` of a short line to an `O_APPEND` file: lines of processes do not interleave.
    log.write_all(format!("{function} {key} {}\n", std::process::id()).as_bytes()).expect("runs log");
}

/// A slow function.
#[lru_cache(maxsize = 1000, redis)]
fn slow(x: u64) -> u64 {
    ran("slow", x);
    std::thread::sleep(Duration::from_millis(20));
    x * x + 1
}

/// Concurrent misses of a key, in any process, run the body once.
#[lru_cache(redis, single_flight)]
fn flight(x: u64) -> u64 {
    ran("flight", x);
    std::thread::sleep(Duration::from_millis(300));
    x + 1000
}

/// A struct value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Point {
    x: i64,
    y: i64,
    label: String,
}

#[lru_cache(redis)]
fn point(k: u64) -> Point {
    ran("point", k);
    let k = k as i64;
    Point { x: k, y: -k, label: format!("p{k}") }
}

/// Entries that expire.
#[lru_cache(redis, ttl = "1s")]
fn fleeting(x: u64) -> u64 {
    ran("fleeting", x);
    x + 7
}

/// `twin` in two modules, and in two versions: three namespaces.
mod a {
    #[memo::lru_cache(redis)]
    pub(crate) fn twin(x: u64) -> String {
        super::ran("a_twin", x);
        format!("a{x}")
    }

    /// A version 2 `twin` in a function body, behind a command of its own: its namespace names
    /// the enclosing function (`a::twin_v2::twin@v2`), so it never meets `a::twin`'s entries.
    pub(crate) fn twin_v2(command: &str, key: u64) -> String {
        #[memo::lru_cache(redis, version = 2)]
        fn twin(x: u64) -> String {
            super::ran("twin_v2", x);
            format!("a{x}v2")
        }
        answer!(twin; command, key)
    }
}

mod b {
    #[memo::lru_cache(redis)]
    pub(crate) fn twin(x: u64) -> String {
        super::ran("b_twin", x);
        format!("b{x}")
    }
}

fn answer(command: &str, function: &str, key: u64) -> String {
    match function {
        "slow" => answer!(slow; command, key),
        "flight" => answer!(flight; command, key),
        "point" => answer!(point; command, key),
        "fleeting" => answer!(fleeting; command, key),
        "a_twin" => answer!(a::twin; command, key),
        "b_twin" => answer!(b::twin; command, key),
        "twin_v2" => a::twin_v2(command, key),
        _ => format!("error unknown function `{function}`"),
    }
}

/// Runs one command line: `call F K`, `info F`, `local F`, `forget F` or `clear F`.
fn run(line: &str) -> String {
    let words: Vec<&str> = line.split_whitespace().collect();
    let (command, function, key) = match words[..] {
        [command, function] => (command, function, None),
        [command, function, key] => (command, function, key.parse::<u64>().ok()),
        _ => return format!("error bad command `{line}`"),
    };
    match (command, key) {
        ("call", Some(key)) => answer(command, function, key),
        ("info" | "local" | "forget" | "clear", None) => answer(command, function, 0),
        _ => format!("error bad command `{line}`"),
    }
}

fn main() {
    let mut stdout = std::io::stdout().lock();
    let mut reply = |line: &str| {
        writeln!(stdout, "{}", run(line)).expect("stdout");
        stdout.flush().expect("stdout");
    };
    for argument in std::env::args().skip(1) {
        if argument == "-" {
            for line in std::io::stdin().lock().lines() {
                reply(&line.expect("stdin"));
            }
        } else {
            reply(&argument);
        }
    }
}
