use memo::cache;

#[cache(ttl = "0s")]
fn f(x: u64) -> u64 {
    x
}

fn main() {}
