// A memoized fn defined inside another fn's body, keyed by a struct local to that body.
use memo::lru_cache;

fn main() {
    #[derive(Clone, Hash, PartialEq, Eq)]
    struct Point {
        x: i32,
        y: i32,
    }

    #[lru_cache(maxsize = 2)]
    fn manhattan(p: Point) -> i32 {
        p.x.abs() + p.y.abs()
    }

    assert_eq!(manhattan(Point { x: 1, y: -2 }), 3);
    assert_eq!(manhattan(Point { x: 1, y: -2 }), 3);
    assert_eq!(manhattan::cache_info().hits, 1);
    assert_eq!(manhattan::uncached(Point { x: 0, y: 4 }), 4);
}
