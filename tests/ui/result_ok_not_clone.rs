use memo::lru_cache;

struct Report {
    total: u64,
}

#[lru_cache]
fn report(n: u64) -> Result<Report, String> {
    Ok(Report { total: n })
}

fn main() {
    let _ = report(3);
}
