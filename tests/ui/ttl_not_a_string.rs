use memo::lru_cache;

#[lru_cache(ttl = 60)]
fn f(x: u64) -> u64 {
    x
}

fn main() {}
