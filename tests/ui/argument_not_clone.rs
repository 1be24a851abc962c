use memo::lru_cache;

#[derive(Hash, PartialEq, Eq)]
struct Point {
    x: i32,
}

#[lru_cache]
fn norm(p: Point) -> i32 {
    p.x.abs()
}

fn main() {
    let _ = norm(Point { x: 1 });
}
