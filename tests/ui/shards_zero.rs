use memo::lru_cache;

#[lru_cache(maxsize = 64, shards = 0)]
fn f(x: u64) -> u64 {
    x
}

fn main() {
    let _ = f(1);
}
