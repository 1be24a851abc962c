use memo::lru_cache;

#[lru_cache(cache_err)]
fn f(x: u64) -> u64 {
    x
}

fn main() {}
