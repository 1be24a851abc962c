use memo::lru_cache;

// `+ Send`, so that the one error is the missing `Clone` (a `Send` error would quote the
// standard library's sources where `rust-src` is installed).
#[lru_cache]
fn adder(n: u64) -> Box<dyn Fn(u64) -> u64 + Send> {
    Box::new(move |x| x + n)
}

fn main() {
    let _ = adder(1)(2);
}
