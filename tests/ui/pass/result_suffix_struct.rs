// NOT RUN (outside the `ui/*.rs` and `ui/pass/*.rs` globs): valid per API.md ("every other
// return value ... is cached as returned"), but it does not compile yet: `ast::is_result` treats
// any type whose name ends in `Result` as a `Result` (IsResult E0277 x2 + E0308 x2).
// Move it to `ui/pass/` once the macro handles it.
use memo::lru_cache;

#[derive(Clone, Debug, PartialEq)]
struct SearchResult {
    hits: u32,
}

#[lru_cache]
fn search(q: &str) -> SearchResult {
    SearchResult {
        hits: q.len() as u32,
    }
}

fn main() {
    assert_eq!(search("ab"), SearchResult { hits: 2 });
    assert_eq!(search("ab"), SearchResult { hits: 2 });
    assert_eq!(search::cache_info().hits, 1);
}
