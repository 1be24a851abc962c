use memo::lru_cache;

trait Area {
    #[lru_cache]
    fn area(&self) -> u64;
}

fn main() {}
