use memo::lru_cache;
use std::rc::Rc;

#[lru_cache]
fn shared(n: u64) -> Rc<String> {
    Rc::new(n.to_string())
}

fn main() {
    let _ = shared(3);
}
