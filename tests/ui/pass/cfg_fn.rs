// `#[cfg]`s are forwarded to every generated item: two definitions under complementary cfgs
// coexist, and a compiled-out one (whose body would not even type-check) leaves nothing behind.
use memo::{cache, lru_cache};

#[cfg(all())]
#[lru_cache]
fn separator(n: usize) -> String {
    "/".repeat(n)
}

#[cfg(not(all()))]
#[lru_cache]
fn separator(n: usize) -> String {
    "\\".repeat(n)
}

#[cfg(any())]
#[cache]
fn gone(x: NoSuchType) -> NoSuchType {
    x
}

struct Unit;

impl Unit {
    #[cfg(all())]
    #[cache]
    fn answer(&self) -> u32 {
        42
    }

    #[cfg(any())]
    #[cache]
    fn answer(&self) -> u32 {
        0
    }
}

impl std::hash::Hash for Unit {
    fn hash<H: std::hash::Hasher>(&self, _: &mut H) {}
}
impl PartialEq for Unit {
    fn eq(&self, _: &Unit) -> bool {
        true
    }
}
impl Eq for Unit {}
impl Clone for Unit {
    fn clone(&self) -> Unit {
        Unit
    }
}

fn main() {
    assert_eq!(separator(2), "//");
    assert_eq!(separator::cache_info().misses, 1);
    assert_eq!(Unit.answer(), 42);
    assert_eq!(Unit.answer(), 42);
    assert_eq!(Unit::answer_cache_info().hits, 1);
}
