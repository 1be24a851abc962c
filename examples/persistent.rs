//! Results that survive a restart: the first run of this program takes about two seconds,
//! every later run is instant, because the results are read back from a cache file on disk.
//!
//! Run it twice from the workspace root: `cargo run --example persistent`
//! (`cargo run --example persistent -- --clear` empties its entries on disk first).

use std::thread::sleep;
use std::time::{Duration, Instant};

use memo::disk::{self, Options};

/// A slow lookup: 200 ms per call, as a remote API might take.
#[memo::lru_cache(maxsize = 1024, disk)]
fn exchange_rate(from: &str, to: &str) -> f64 {
    sleep(Duration::from_millis(200));
    let code = |currency: &str| currency.bytes().map(f64::from).sum::<f64>();
    (code(from) / code(to) * 10_000.0).round() / 10_000.0
}

fn main() {
    // Configured once at start-up; without it, `MEMO_DISK_PATH` or the user's cache directory.
    // The file goes beside the default store, in the user's cache folder (`~/.cache/memo`),
    // never in a folder other users share: memo creates it and its folder private (0600/0700).
    let path = disk::default_path().with_file_name("persistent-example.sqlite3");
    disk::configure(Options::new(&path)).expect("configured before the first call");
    if std::env::args().any(|arg| arg == "--clear") {
        let removed = exchange_rate::shared_clear().expect("the store is writable");
        println!("cleared {removed} entries from {}", path.display());
    }

    let pairs = [("EUR", "USD"), ("USD", "JPY"), ("GBP", "EUR"), ("CHF", "SEK"), ("NOK", "DKK")];
    let started = Instant::now();
    for (from, to) in pairs.iter().cycle().take(10) {
        println!("{from}/{to} = {}", exchange_rate(from, to));
    }
    let elapsed = started.elapsed();

    let shared = exchange_rate::shared_info();
    println!("\n10 calls in {elapsed:.2?}");
    println!("in process: {}", exchange_rate::cache_info());
    println!("on disk:    {shared}");
    if shared.hits == pairs.len() as u64 {
        println!("every result came from {}: the body did not run", path.display());
    } else {
        println!("run it again: the next run reads these results from {}", path.display());
    }
}
