use memo::lru_cache;

#[lru_cache(ignore = ["conn"])]
fn lookup(id: u32, conn: &String) -> String {
    format!("{conn}{id}")
}

fn main() {
    let _ = lookup(1, &String::new());
}
