use std::cell::Cell;

#[memo::lru_cache(maxsize = 8, read_hits)]
fn counter(start: u32) -> Cell<u32> {
    Cell::new(start)
}

fn main() {
    counter(1);
}
