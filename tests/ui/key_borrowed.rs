use memo::lru_cache;

#[lru_cache(maxsize = 64, key = name.trim())]
fn greet(name: &str) -> String {
    format!("hello {name}")
}

fn main() {
    let _ = greet("ada");
}
