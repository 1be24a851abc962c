use memo::lru_cache;

#[lru_cache(maxsize = 64, single_flight = "yes")]
fn fetch(id: u32) -> String {
    id.to_string()
}

fn main() {
    let _ = fetch(1);
}
