// One cache per generic fn: calls with different types never share an entry.
use memo::lru_cache;
use std::hash::Hash;

#[lru_cache]
fn size_of_val<T: Hash + Eq + Clone + Send + 'static>(x: T) -> usize {
    let _ = x;
    std::mem::size_of::<T>()
}

#[lru_cache]
fn parse_as<T>(s: &str) -> Option<T>
where
    T: std::str::FromStr + Clone + Send + 'static,
{
    s.parse().ok()
}

#[lru_cache]
fn repeat<const N: usize>(x: u8) -> Vec<u8> {
    vec![x; N]
}

fn main() {
    assert_eq!(size_of_val(0u8), 1);
    assert_eq!(size_of_val(0u64), 8);
    assert_eq!(size_of_val(0u64), 8);
    assert_eq!(size_of_val::cache_info().hits, 1);
    assert_eq!(parse_as::<u8>("300"), None);
    assert_eq!(parse_as::<u16>("300"), Some(300));
    assert_eq!(repeat::<2>(1), vec![1, 1]);
    assert_eq!(repeat::<3>(1), vec![1, 1, 1]);
}
