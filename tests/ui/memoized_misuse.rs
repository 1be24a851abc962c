use memo::memoized;

#[memoized(maxsize = 3)]
impl Square {}

#[memoized]
fn not_an_impl() {}

struct Square;

#[memoized]
impl Square {
    // One error, on the option; the method stays as written.
    #[memo::lru_cache(maxsize = -1)]
    fn area(side: u64) -> u64 {
        side * side
    }
}

fn main() {
    not_an_impl();
    let _ = Square::area(2);
}
