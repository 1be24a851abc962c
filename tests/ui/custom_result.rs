use memo::lru_cache;

#[derive(Clone)]
enum Result {
    Good(u32),
    Bad,
}

#[lru_cache]
fn check(n: u32) -> Result {
    if n > 0 { Result::Good(n) } else { Result::Bad }
}

fn main() {
    let _ = check(1);
}
