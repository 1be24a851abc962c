use memo::lru_cache;

#[lru_cache(maxsize = 100000000000000000000000000)]
fn square(x: u64) -> u64 {
    x * x
}

fn main() {
    let _ = square(3);
}
