use memo::lru_cache;

#[lru_cache]
fn push(items: &mut Vec<u32>) -> usize {
    items.push(1);
    items.len()
}

fn main() {
    let _ = push(&mut Vec::new());
}
