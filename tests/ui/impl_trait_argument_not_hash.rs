use memo::lru_cache;

#[lru_cache]
fn describe(x: impl std::fmt::Debug) -> String {
    format!("{x:?}")
}

fn main() {
    let _ = describe(1u8);
}
