// A `pub(crate)` memoized fn and its companion module, used from a sibling module.
mod store {
    use memo::cache;

    #[cache]
    pub(crate) fn load(name: &str) -> usize {
        name.len()
    }
}

mod app {
    pub(crate) fn run() -> usize {
        crate::store::load("abc") + crate::store::load("abc")
    }
}

fn main() {
    assert_eq!(app::run(), 6);
    let info = store::load::cache_info();
    assert_eq!((info.hits, info.misses, info.maxsize), (1, 1, None));
    assert_eq!(store::load::cache_parameters().maxsize, None);
    assert_eq!(store::load::uncached("abcd"), 4);
    store::load::cache_clear();
    assert_eq!(store::load::cache_info().currsize, 0);
}
