use memo::lru_cache;

#[lru_cache(maxsize = 64, key = id, ignore = [trace])]
fn load(id: u64, trace: &str) -> String {
    format!("{id} {trace}")
}

fn main() {
    let _ = load(1, "a");
}
