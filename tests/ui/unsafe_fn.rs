use memo::lru_cache;

#[lru_cache]
unsafe fn square(x: u64) -> u64 {
    x * x
}

fn main() {
    let _ = unsafe { square(3) };
}
