use memo::lru_cache;

#[lru_cache(maxsize = 16, version = 2)]
fn f(x: u64) -> u64 {
    x
}

fn main() {}
