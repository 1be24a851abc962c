use memo::memoized;

#[memoized(maxsize = 3)]
impl Square {}

#[memoized]
fn not_an_impl() {}

struct Square;

fn main() {
    not_an_impl();
}
