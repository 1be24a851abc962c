use memo::lru_cache;

const SIZE: usize = 64;

#[lru_cache(maxsize = SIZE)]
fn square(x: u64) -> u64 {
    x * x
}

fn main() {
    let _ = square(SIZE as u64);
}
