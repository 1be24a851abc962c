// memo built without its `disk` feature: one error, saying how to turn it on.
#[memo::lru_cache(maxsize = 64, disk)]
fn lookup(id: u64) -> String {
    id.to_string()
}

fn main() {
    let _ = lookup(1);
}
