use memo::lru_cache;

#[derive(Clone, Copy)]
struct Point {
    x: f64,
    y: f64,
}

#[lru_cache(maxsize = 64, key = p.x)]
fn norm(p: Point) -> f64 {
    (p.x * p.x + p.y * p.y).sqrt()
}

fn main() {
    let _ = norm(Point { x: 3.0, y: 4.0 });
}
