//! The expansion names everything by absolute path: it compiles in a module without the
//! prelude, beside items that shadow `core`, `std`, `Option`, `Result`, `Some`, `Ok` and `memo`.

#![allow(dead_code, non_camel_case_types)]

#[no_implicit_prelude]
mod shadowed {
    mod core {}
    mod std {}
    mod memo {}
    struct Option;
    struct Result;
    struct Some;
    struct Ok;
    struct Clone;
    struct Send;

    #[::memo::lru_cache(maxsize = 4)]
    pub(crate) fn square(x: u64) -> u64 {
        x * x
    }

    #[::memo::cache]
    pub(crate) fn fallible(x: u8) -> ::core::result::Result<u8, ()> {
        if x == 0 { ::core::result::Result::Err(()) } else { ::core::result::Result::Ok(x) }
    }

    #[::memo::cache]
    pub(crate) fn generic<T: ::core::clone::Clone + ::core::hash::Hash + ::core::cmp::Eq>(x: T) -> T {
        x
    }

    #[::memo::cache]
    pub(crate) fn named(name: &str, scale: f64) -> usize {
        name.len() + scale as usize
    }
}

#[test]
fn expands_without_the_prelude_and_beside_shadowing_items() {
    assert_eq!(shadowed::square(3), 9);
    assert_eq!(shadowed::square(3), 9);
    assert_eq!(shadowed::square::cache_info().hits, 1);
    assert!(shadowed::fallible(0).is_err());
    assert_eq!(shadowed::fallible(2), Ok(2));
    assert_eq!(shadowed::generic('x'), 'x');
    assert_eq!(shadowed::named("ab", 1.0), 3);
}
