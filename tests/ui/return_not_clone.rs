use memo::lru_cache;

struct Report {
    total: u64,
}

#[lru_cache]
fn report(n: u64) -> Report {
    Report { total: n }
}

fn main() {
    let _ = report(3).total;
}
