//! A hit allocates nothing: borrowed arguments are looked up in their borrowed form, and the
//! key is built (and allocated) only on a miss. Counted by `allocation-counter`'s global
//! allocator, which this test binary alone links.

use memo::cache;
use std::path::Path;

/// Allocations made by `f` on this thread.
fn allocations(f: impl FnOnce()) -> u64 {
    allocation_counter::measure(f).count_total
}

#[cache]
fn by_str(name: &str, path: &Path, bytes: &[u8]) -> usize {
    name.len() + path.as_os_str().len() + bytes.len()
}

#[memo::lru_cache(maxsize = 16, read_hits)]
fn by_str_read_hits(name: &str, path: &Path) -> usize {
    name.len() + path.as_os_str().len()
}

#[cache]
fn by_owned(name: String, id: u64) -> usize {
    name.len() + id as usize
}

#[cache]
fn generic<T: std::hash::Hash + Eq + Clone>(value: &T) -> u64 {
    std::mem::size_of_val(value) as u64
}

#[test]
fn hits_do_not_allocate() {
    let name = "a-twenty-four-byte-name!";
    let path = Path::new("/var/cache/memo/entry");
    assert_eq!(by_str(name, path, b"xyz"), 24 + 21 + 3);
    assert!(allocations(|| assert_eq!(by_str("other name", path, b"xyz"), 10 + 21 + 3)) > 0);
    let hits = allocations(|| {
        for _ in 0..1000 {
            assert_eq!(by_str(name, path, b"xyz"), 48);
        }
    });
    assert_eq!(hits, 0, "a hit with borrowed arguments allocated");
    assert_eq!(by_str::cache_info().hits, 1000);

    let owned = String::from("owned");
    assert_eq!(by_owned(owned.clone(), 1), 6);
    let key = owned.clone();
    assert_eq!(allocations(|| assert_eq!(by_owned(key, 1), 6)), 0, "a hit cloned its owned key");

    assert_eq!(generic(&7u32), 4);
    assert_eq!(allocations(|| assert_eq!(generic(&7u32), 4)), 0, "a generic hit allocated");
}

#[cache]
fn by_optional(name: Option<&str>, ids: Option<&[u64]>, id: Option<&u64>) -> usize {
    name.map_or(0, str::len) + ids.map_or(0, <[u64]>::len) + id.map_or(0, |id| *id as usize)
}

#[test]
fn optional_borrowed_hits_do_not_allocate() {
    let ids = [1u64, 2, 3];
    assert_eq!(by_optional(Some("a-twenty-four-byte-name!"), Some(&ids), Some(&5)), 24 + 3 + 5);
    assert_eq!(by_optional(None, None, None), 0);
    let hits = allocations(|| {
        for _ in 0..100 {
            assert_eq!(by_optional(Some("a-twenty-four-byte-name!"), Some(&ids), Some(&5)), 32);
            assert_eq!(by_optional(None, None, None), 0);
        }
    });
    assert_eq!(hits, 0, "a hit with optional borrowed arguments allocated");
    assert_eq!(
        by_optional::cache_info().to_string(),
        "CacheInfo(hits=200, misses=2, maxsize=None, currsize=2)"
    );
    // `None` and `Some("")` are different keys.
    assert_eq!(by_optional(Some(""), None, None), 0);
    assert_eq!(by_optional::cache_info().misses, 3);
    assert_eq!(by_optional::cache_peek(Some("a-twenty-four-byte-name!"), Some(&ids), Some(&5)), Some(32));
}

#[test]
fn read_hits_do_not_allocate() {
    let path = Path::new("/var/cache/memo/entry");
    assert_eq!(by_str_read_hits("a-twenty-four-byte-name!", path), 45);
    // The thread's first read lock registers it with the lock: once per thread, not per hit.
    assert_eq!(by_str_read_hits("a-twenty-four-byte-name!", path), 45);
    let hits = allocations(|| {
        for _ in 0..1000 {
            assert_eq!(by_str_read_hits("a-twenty-four-byte-name!", path), 45);
        }
    });
    assert_eq!(hits, 0, "a read_hits hit allocated");
    assert_eq!(by_str_read_hits::cache_info().hits, 1001);
}
