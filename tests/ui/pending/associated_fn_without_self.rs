// NOT RUN (outside the `ui/*.rs` and `ui/pass/*.rs` globs): valid per API.md ("for a method in
// an `impl` block ... the companions are associated functions"), but it does not compile yet: an
// associated function that neither takes `self` nor names `Self` is expanded like a free
// function, with an `enum square {}` + `impl square {..}` companion module inside the impl block.
// Move it to `ui/pass/` once the macro handles it.
use memo::lru_cache;

struct Geometry;

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
