use memo::lru_cache;

#[lru_cache]
fn first_word(s: &str) -> &str {
    s.split(' ').next().unwrap_or("")
}

fn main() {
    let _ = first_word("hello world");
}
