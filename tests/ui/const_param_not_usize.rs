use memo::lru_cache;

#[lru_cache]
fn scaled<const N: u8>(x: u64) -> u64 {
    x * N as u64
}

fn main() {
    let _ = scaled::<3>(2);
}
