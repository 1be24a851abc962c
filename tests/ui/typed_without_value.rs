use memo::lru_cache;

#[lru_cache(typed)]
fn square(x: u64) -> u64 {
    x * x
}

fn main() {
    let _ = square(3);
}
