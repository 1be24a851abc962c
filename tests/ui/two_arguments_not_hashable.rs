use memo::lru_cache;

#[derive(Clone)]
struct A;
#[derive(Clone)]
struct B;

#[lru_cache]
fn f(a: A, b: B) -> u64 {
    let _ = (a, b);
    1
}

fn main() {
    let _ = f(A, B);
}
