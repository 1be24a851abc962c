use memo::lru_cache;

#[lru_cache(maxsize = 64, key)]
fn load(id: u64) -> u64 {
    id
}

fn main() {
    let _ = load(1);
}
