use memo::lru_cache;

#[lru_cache(cache_none = false)]
fn f(x: u64) -> u64 {
    x
}

fn main() {
    let _ = f(1);
}
