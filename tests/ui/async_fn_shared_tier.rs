use memo::lru_cache;

#[lru_cache(maxsize = 64, redis)]
async fn fetch(id: u32) -> String {
    id.to_string()
}

fn main() {
    let _ = fetch(1);
}
