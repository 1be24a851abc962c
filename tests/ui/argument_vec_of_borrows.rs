use memo::lru_cache;

#[lru_cache]
fn total_len(words: Vec<&str>) -> usize {
    words.iter().map(|w| w.len()).sum()
}

fn main() {
    let _ = total_len(vec!["a", "bc"]);
}
