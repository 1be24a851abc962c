use memo::lru_cache;

#[derive(Clone, Hash, PartialEq, Eq)]
struct Query {
    id: u64,
}

#[lru_cache(redis)]
fn run(query: Query) -> String {
    query.id.to_string()
}

fn main() {
    let _ = run(Query { id: 1 });
}
