use memo::lru_cache;

#[derive(Clone, Hash, PartialEq, Eq)]
struct Name<'a>(&'a str);

#[lru_cache]
fn greet(name: Name) -> String {
    format!("hello {}", name.0)
}

fn main() {
    let _ = greet(Name("x"));
}
