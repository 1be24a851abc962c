// Methods on a generic impl: `&self` is part of the key, instantiations never share entries.
use memo::{cache, lru_cache};
use std::hash::Hash;

#[derive(Clone, Hash, PartialEq, Eq)]
struct Table<T> {
    rows: Vec<T>,
}

impl<T: Hash + Eq + Clone + Send + Sync + 'static> Table<T> {
    #[lru_cache(maxsize = 8)]
    fn row(&self, i: usize) -> Option<T> {
        self.rows.get(i).cloned()
    }

    #[cache]
    fn empty() -> Self {
        Table { rows: Vec::new() }
    }
}

fn main() {
    let a = Table { rows: vec![1u8, 2] };
    let b = Table {
        rows: vec!["x".to_string()],
    };
    assert_eq!(a.row(1), Some(2));
    assert_eq!(a.row(1), Some(2));
    assert_eq!(b.row(0).as_deref(), Some("x"));
    assert_eq!(Table::<u8>::row_cache_info().hits, 1);
    assert!(Table::<u8>::empty().rows.is_empty());
    assert!(Table::<String>::empty().rows.is_empty());
    assert_eq!(Table::<u8>::empty_cache_info().misses, 2);
}
