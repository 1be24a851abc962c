use memo::lru_cache;
use std::borrow::Cow;

#[lru_cache]
fn shout<'a>(s: Cow<'a, str>) -> String {
    s.to_uppercase()
}

fn main() {
    let _ = shout(Cow::Borrowed("hi"));
}
