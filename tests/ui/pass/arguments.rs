// Argument forms: patterns, `mut` bindings, floats by value and by reference, slices,
// `'static` borrows in the return type, fn pointers, an ignored non-key argument, unit returns.
use memo::{cache, lru_cache};
use std::cell::RefCell;

#[lru_cache]
fn sum_pair((a, b): (u32, u32), mut scale: u32) -> u32 {
    scale += 1;
    (a + b) * scale
}

#[lru_cache]
fn mix(x: f32, y: &f64, zs: &[u8]) -> f64 {
    f64::from(x) + *y + zs.len() as f64
}

#[lru_cache]
fn apply(f: fn(u64) -> u64, x: u64) -> u64 {
    f(x)
}

#[cache]
fn name(code: u8) -> &'static str {
    if code == 0 { "zero" } else { "other" }
}

#[cache(ignore = [log])]
fn logged(n: u32, log: &RefCell<Vec<u32>>) {
    log.borrow_mut().push(n);
}

#[lru_cache]
fn answer() -> u32 {
    42
}

fn main() {
    assert_eq!(sum_pair((1, 2), 1), 6);
    assert_eq!(sum_pair((1, 2), 1), 6);
    assert_eq!(sum_pair::cache_info().hits, 1);
    assert_eq!(mix(-0.0, &1.0, &[1, 2]), 3.0);
    assert_eq!(mix(0.0, &1.0, &[1, 2]), 3.0);
    assert_eq!(mix::cache_info().hits, 1);
    assert_eq!(apply(|x| x + 1, 1), 2);
    assert_eq!(apply(|x| x * 10, 1), 10);
    assert_eq!(apply::cache_info().misses, 2);
    assert_eq!(name(0), "zero");
    let log = RefCell::new(Vec::new());
    logged(1, &log);
    logged(1, &log);
    assert_eq!(*log.borrow(), vec![1]);
    assert_eq!(answer() + answer(), 84);
    assert_eq!(answer::cache_info().currsize, 1);
}
