//! A report of every memoized function's cache, as an application would print it to decide
//! each `maxsize` (the usual advice: watch `cache_info`, then size the cache to the hits).
//!
//! Run it from the workspace root: `cargo run --example cache_report`

use memo::{CacheReport, caches, lru_cache};

#[lru_cache(maxsize = 16)]
fn tax_rate(region: u32) -> f64 {
    f64::from(region % 7) / 100.0
}

#[lru_cache(maxsize = 4)]
fn shipping_quote(zone: u32, kilos: u32) -> u32 {
    zone * 3 + kilos * 2
}

#[memo::cache]
fn product_name(sku: &str) -> String {
    sku.to_uppercase()
}

fn main() {
    // A day of orders: few regions, many zone and weight pairs, a catalogue of 40 products.
    for order in 0..2_000_u32 {
        tax_rate(order % 5);
        shipping_quote(order % 9, order % 13);
        product_name(&format!("sku-{}", order % 40));
    }

    println!("{:<40} {:>6} {:>6} {:>6} {:>9}  advice", "function", "hits", "misses", "ratio", "size");
    for CacheReport { name, info, .. } in caches() {
        let calls = info.hits + info.misses;
        let ratio = if calls == 0 { 0.0 } else { info.hits as f64 / calls as f64 };
        let size = match info.maxsize {
            Some(maxsize) => format!("{}/{maxsize}", info.currsize),
            None => format!("{}/-", info.currsize),
        };
        let full = info.maxsize == Some(info.currsize);
        let advice = match (ratio, full) {
            (ratio, true) if ratio < 0.5 => "full and missing: raise maxsize",
            (ratio, _) if ratio >= 0.9 => "good",
            _ => "ok",
        };
        println!(
            "{name:<40} {:>6} {:>6} {:>5.0}% {size:>9}  {advice}",
            info.hits,
            info.misses,
            ratio * 100.0
        );
    }
}
