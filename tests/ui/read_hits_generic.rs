use std::fmt::Display;

#[memo::lru_cache(maxsize = 8, read_hits)]
fn describe<T: Display + Clone + Eq + std::hash::Hash + Send + Sync + 'static>(value: T) -> String {
    value.to_string()
}

fn main() {
    describe(1);
}
