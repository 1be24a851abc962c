use memo::lru_cache;

#[lru_cache(ttl = "10 parsecs")]
fn f(x: u64) -> u64 {
    x
}

fn main() {}
