use memo::lru_cache;

#[lru_cache]
struct Config {
    size: usize,
}

fn main() {
    let _ = Config { size: 1 }.size;
}
