//! `memo::caches()`: every memoized function that has run, by name, with its statistics.

use memo::{caches, lru_cache};

#[lru_cache(maxsize = 8)]
fn double(x: u64) -> u64 {
    x * 2
}

mod shapes {
    pub(crate) struct Square(pub(crate) u64);

    impl Square {
        #[memo::cache]
        pub(crate) fn area(&self) -> u64 {
            self.0 * self.0
        }
    }

    impl PartialEq for Square {
        fn eq(&self, other: &Self) -> bool {
            self.0 == other.0
        }
    }
    impl Eq for Square {}
    impl std::hash::Hash for Square {
        fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
            self.0.hash(state);
        }
    }
    impl Clone for Square {
        fn clone(&self) -> Self {
            Square(self.0)
        }
    }
}

#[lru_cache]
fn never_called(x: u8) -> u8 {
    x
}

#[lru_cache]
fn primed(x: u8) -> u8 {
    x
}

#[test]
fn lists_functions_and_methods_that_ran_with_their_statistics() {
    double(1);
    double(1);
    double(2);
    shapes::Square(3).area();
    primed::cache_put(1, 1);
    let reports = caches();
    let find = |name: &str| reports.iter().find(|report| report.name == name);

    let double = find("registry::double").expect("a free function, by module path");
    assert_eq!(double.info.to_string(), "CacheInfo(hits=1, misses=2, maxsize=8, currsize=2)");
    assert_eq!(double.parameters.maxsize, Some(8));
    let area = find("registry::shapes::Square::area").expect("a method, by its type");
    assert_eq!((area.info.misses, area.info.maxsize), (1, None));
    assert!(find("registry::primed").is_some(), "priming lists a cache");
    assert!(find("registry::never_called").is_none(), "an unused cache has nothing to report");
    let _ = never_called; // used, so that the function is not dead code
    let names: Vec<&str> = reports.iter().map(|report| report.name.as_str()).collect();
    assert!(names.is_sorted(), "{names:?}");
    assert_eq!(names.iter().filter(|name| **name == "registry::double").count(), 1, "listed once");
}
