use memo::lru_cache;

#[derive(Clone, PartialEq, Eq)]
struct Point {
    x: i32,
}

impl Point {
    #[lru_cache]
    fn norm(&self) -> i32 {
        self.x.abs()
    }
}

fn main() {
    let _ = Point { x: 1 }.norm();
}
