use memo::lru_cache;

#[derive(Clone, Hash, PartialEq, Eq)]
struct Counter {
    n: u32,
}

impl Counter {
    #[lru_cache]
    fn into_n(self) -> u32 {
        self.n
    }
}

fn main() {
    let _ = Counter { n: 0 }.into_n();
}
