use memo::lru_cache;

#[lru_cache]
fn describe<T: std::fmt::Debug + Clone>(x: T) -> String {
    format!("{x:?}")
}

fn main() {
    let _ = describe(1u8);
}
