use memo::lru_cache;

struct Page(String);

#[lru_cache(maxsize = 64, single_flight)]
async fn fetch(id: u32) -> Page {
    Page(id.to_string())
}

fn main() {
    let _ = fetch(1);
}
