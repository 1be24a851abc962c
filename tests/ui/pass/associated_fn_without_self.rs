use memo::{lru_cache, memoized};

struct Geometry;

// Neither `self` nor `Self`: the block's attribute says that `square` is associated.
#[memoized]
impl Geometry {
    #[lru_cache]
    fn square(x: u64) -> u64 {
        x * x
    }
}

fn main() {
    assert_eq!(Geometry::square(3), 9);
    assert_eq!(Geometry::square(3), 9);
    assert_eq!(Geometry::square_cache_info().hits, 1);
}
