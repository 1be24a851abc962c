use memo::lru_cache;

#[lru_cache]
fn adder(n: u64) -> Box<dyn Fn(u64) -> u64> {
    Box::new(move |x| x + n)
}

fn main() {
    let _ = adder(1)(2);
}
