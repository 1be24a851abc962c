//! A process for `tests/tests/disk_tier.rs`: memoized functions on the disk tier, driven by
//! steps on the command line, run in order.
//!
//! ```text
//! disk_worker square=0..20            call square(x) for x in 0..20, print one report line:
//!                                     `square values=0,1,4,.. hits=0 misses=20 waits=0 writes=20 errors=0 corrupt=0`
//! disk_worker clear=a::same_name      shared_clear(), print `clear a::same_name removed=N`
//! disk_worker configure=200,PATH      configure the default store: file PATH, at most 200 entries
//! disk_worker gate                    print `ready`, then wait for a line on stdin
//! disk_worker hold                    wait until stdin closes
//! disk_worker churn=100               call square(100), square(101), .. forever, printing each x
//! ```
//!
//! The default store is `MEMO_DISK_PATH`'s unless configured. Every body run appends
//! `<function> <x>` to the file `MEMO_TEST_RUNS` names, if any; `flight`'s body sleeps
//! `MEMO_TEST_SLEEP_MS` milliseconds.

use std::fs::OpenOptions;
use std::io::{BufRead, Read, Write};
use std::time::Duration;

use memo::{SharedInfo, StoreError, lru_cache};

/// Notes a run of a body in the runs log, one line per run, shared by every process.
fn ran(function: &str, x: u64) {
    if let Some(path) = std::env::var_os("MEMO_TEST_RUNS") {
        let mut log = OpenOptions::new().create(true).append(true).open(path).unwrap();
        log.write_all(format!("{function} {x}\n").as_bytes()).unwrap();
    }
}

#[lru_cache(maxsize = 64, disk)]
fn square(x: u64) -> u64 {
    ran("square", x);
    x * x
}

/// Two functions named alike: namespaces `disk_worker::a::same_name@v0` and `..b::..`.
mod a {
    #[memo::lru_cache(maxsize = 64, disk)]
    pub(crate) fn same_name(x: u64) -> u64 {
        super::ran("a::same_name", x);
        1000 + x
    }
}

mod b {
    #[memo::lru_cache(maxsize = 64, disk)]
    pub(crate) fn same_name(x: u64) -> u64 {
        super::ran("b::same_name", x);
        2000 + x
    }
}

/// Two versions of one function, `disk_worker::versions::versioned@v1` and `@v2`: the same
/// name in the same scope, as consecutive releases of one program would define it.
fn versions() -> [Function; 2] {
    let v1 = {
        #[lru_cache(maxsize = 64, disk, version = 1)]
        fn versioned(x: u64) -> u64 {
            ran("versioned@v1", x);
            3000 + x
        }
        Function(versioned, versioned::shared_info, versioned::shared_clear)
    };
    let v2 = {
        #[lru_cache(maxsize = 64, disk, version = 2)]
        fn versioned(x: u64) -> u64 {
            ran("versioned@v2", x);
            4000 + x
        }
        Function(versioned, versioned::shared_info, versioned::shared_clear)
    };
    [v1, v2]
}

/// In its own file, relative to the working directory.
#[lru_cache(maxsize = 64, disk = "elsewhere.sqlite3")]
fn elsewhere(x: u64) -> u64 {
    ran("elsewhere", x);
    5000 + x
}

#[lru_cache(maxsize = 64, disk, ttl = "1s")]
fn brief(x: u64) -> u64 {
    ran("brief", x);
    6000 + x
}

#[lru_cache(maxsize = 64, disk, single_flight, ignore = [sleep_ms])]
fn flight(x: u64, sleep_ms: u64) -> u64 {
    ran("flight", x);
    std::thread::sleep(Duration::from_millis(sleep_ms));
    7000 + x
}

/// A memoized function and its companions `shared_info` and `shared_clear`.
#[derive(Clone, Copy)]
struct Function(fn(u64) -> u64, fn() -> SharedInfo, fn() -> Result<u64, StoreError>);

fn function(name: &str) -> Function {
    match name {
        "square" => Function(square, square::shared_info, square::shared_clear),
        "a::same_name" => Function(a::same_name, a::same_name::shared_info, a::same_name::shared_clear),
        "b::same_name" => Function(b::same_name, b::same_name::shared_info, b::same_name::shared_clear),
        "versioned@v1" => versions()[0],
        "versioned@v2" => versions()[1],
        "elsewhere" => Function(elsewhere, elsewhere::shared_info, elsewhere::shared_clear),
        "brief" => Function(brief, brief::shared_info, brief::shared_clear),
        "flight" => Function(
            |x| flight(x, std::env::var("MEMO_TEST_SLEEP_MS").map_or(0, |ms| ms.parse().unwrap())),
            flight::shared_info,
            flight::shared_clear,
        ),
        _ => panic!("no function {name}"),
    }
}

fn main() {
    let mut stdout = std::io::stdout().lock();
    for step in std::env::args().skip(1) {
        let (name, arg) = step.split_once('=').unwrap_or((&step, ""));
        match name {
            "clear" => {
                let removed = (function(arg).2)().unwrap();
                writeln!(stdout, "clear {arg} removed={removed}").unwrap();
            }
            "configure" => {
                let (max, path) = arg.split_once(',').unwrap();
                let options = memo::disk::Options::new(path).max_entries(max.parse().unwrap());
                memo::disk::configure(options).unwrap();
                assert_eq!(memo::disk::default_path(), std::path::Path::new(path));
            }
            "gate" => {
                writeln!(stdout, "ready").unwrap();
                stdout.flush().unwrap();
                std::io::stdin().lock().read_line(&mut String::new()).unwrap();
            }
            "hold" => {
                stdout.flush().unwrap();
                std::io::stdin().read_to_end(&mut Vec::new()).unwrap();
            }
            "churn" => {
                for x in arg.parse::<u64>().unwrap().. {
                    assert_eq!(square(x), x * x);
                    writeln!(stdout, "{x}").unwrap();
                    stdout.flush().unwrap();
                }
            }
            _ => {
                let Function(call, info, _) = function(name);
                let (from, to) = arg.split_once("..").unwrap();
                let (from, to): (u64, u64) = (from.parse().unwrap(), to.parse().unwrap());
                let mut slowest = std::time::Duration::ZERO;
                let values: Vec<String> = (from..to)
                    .map(|x| {
                        let started = std::time::Instant::now();
                        let value = call(x);
                        slowest = slowest.max(started.elapsed());
                        value.to_string()
                    })
                    .collect();
                let SharedInfo { hits, misses, waits, writes, errors, corrupt } = info();
                writeln!(
                    stdout,
                    "{name} values={} hits={hits} misses={misses} waits={waits} writes={writes} errors={errors} corrupt={corrupt} slowest_us={}",
                    values.join(","),
                    slowest.as_micros()
                )
                .unwrap();
            }
        }
    }
}
