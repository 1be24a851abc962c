use memo::lru_cache;

#[derive(Clone)]
struct Report {
    total: u64,
}

#[lru_cache(redis)]
fn report(id: u64) -> Report {
    Report { total: id }
}

fn main() {
    let _ = report(1).total;
}
