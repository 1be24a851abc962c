use memo::lru_cache;

#[lru_cache(disk = cache_dir)]
fn f(x: u64) -> u64 {
    x
}

fn main() {}
