//! Return-value policy: `cache_err` caches `Err` too; `cache_none = false` keeps `None` out.

use std::sync::atomic::{AtomicU64, Ordering::SeqCst};

use memo::lru_cache;

static PARSES: AtomicU64 = AtomicU64::new(0);

#[lru_cache(cache_err)]
fn parse(text: &str) -> Result<u16, String> {
    PARSES.fetch_add(1, SeqCst);
    text.parse().map_err(|_| format!("not a port: {text}"))
}

#[test]
fn cache_err_caches_errors_like_values() {
    assert!(parse("http").is_err());
    assert_eq!(parse("http"), Err("not a port: http".to_string()));
    assert_eq!(parse("80"), Ok(80));
    assert_eq!(parse("80"), Ok(80));
    assert_eq!(PARSES.load(SeqCst), 2, "each text parsed once, the error included");
    assert_eq!(parse::cache_peek("http"), Some(Err("not a port: http".to_string())));
    assert_eq!(parse::cache_info().currsize, 2);
}

static LOOKUPS: AtomicU64 = AtomicU64::new(0);

#[lru_cache(cache_none = false)]
fn find_user(id: u64) -> Option<String> {
    LOOKUPS.fetch_add(1, SeqCst);
    (id < 100).then(|| format!("user{id}"))
}

#[test]
fn cache_none_false_looks_again_for_missing_values() {
    assert_eq!(find_user(500), None);
    assert_eq!(find_user(500), None);
    assert_eq!(LOOKUPS.load(SeqCst), 2, "a None is not kept: the user may exist next time");
    assert_eq!(find_user(5).as_deref(), Some("user5"));
    assert_eq!(find_user(5).as_deref(), Some("user5"));
    assert_eq!(LOOKUPS.load(SeqCst), 3);
    let info = find_user::cache_info();
    assert_eq!((info.hits, info.misses, info.currsize), (1, 3, 1));
}

static FETCHES: AtomicU64 = AtomicU64::new(0);

#[lru_cache(cache_none = false)]
fn fetch(id: u64) -> Result<Option<u64>, String> {
    FETCHES.fetch_add(1, SeqCst);
    match id {
        0 => Err("offline".into()),
        1 => Ok(None),
        _ => Ok(Some(id * 2)),
    }
}

#[test]
fn both_defaults_can_combine() {
    for _ in 0..2 {
        assert!(fetch(0).is_err());
        assert_eq!(fetch(1), Ok(None));
        assert_eq!(fetch(2), Ok(Some(4)));
    }
    assert_eq!(FETCHES.load(SeqCst), 5, "Err and Ok(None) run again; Ok(Some) is cached");
}

#[lru_cache]
fn default_policy(id: u64) -> Option<u64> {
    LOOKUPS.fetch_add(0, SeqCst);
    id.checked_sub(1)
}

#[test]
fn none_is_cached_by_default() {
    assert_eq!(default_policy(0), None);
    assert_eq!(default_policy(0), None);
    assert_eq!(default_policy::cache_info().hits, 1);
}
