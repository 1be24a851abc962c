use memo::lru_cache;

#[lru_cache]
fn apply(f: &dyn Fn(u64) -> u64, x: u64) -> u64 {
    f(x)
}

fn main() {
    let _ = apply(&|x| x + 1, 1);
}
