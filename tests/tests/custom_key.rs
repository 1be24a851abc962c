//! `key = expr`: the key built from an expression over the arguments, for arguments that
//! cannot be keys themselves and for keys normalised so that several calls share an entry.

use memo::lru_cache;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering::SeqCst};

#[test]
fn normalised_keys_share_one_entry() {
    static BODIES: AtomicU32 = AtomicU32::new(0);
    #[lru_cache(maxsize = 16, key = name.trim().to_lowercase())]
    fn greeting(name: &str) -> String {
        BODIES.fetch_add(1, SeqCst);
        format!("hello {}", name.trim().to_lowercase())
    }
    assert_eq!(greeting("Ada"), "hello ada");
    assert_eq!(greeting("  ADA "), "hello ada");
    assert_eq!(greeting("ada"), "hello ada");
    assert_eq!(greeting("bob"), "hello bob");
    assert_eq!(BODIES.load(SeqCst), 2);
    assert_eq!(greeting::cache_info().to_string(), "CacheInfo(hits=2, misses=2, maxsize=16, currsize=2)");
    // The per-key companions take the function's arguments and build the same key.
    assert_eq!(greeting::cache_peek(" Bob"), Some("hello bob".to_string()));
    greeting::cache_put("CY", "hi cy".to_string());
    assert_eq!(greeting("cy "), "hi cy");
    assert_eq!(greeting::cache_remove("Ada"), Some("hello ada".to_string()));
    assert_eq!(greeting::cache_peek("ada"), None);
}

#[derive(Clone, Copy)]
struct Point {
    x: f64,
    y: f64,
}

#[test]
fn arguments_that_cannot_be_keys_give_a_key_expression() {
    #[lru_cache(maxsize = 16, key = (p.x.to_bits(), p.y.to_bits()))]
    fn norm(p: Point) -> f64 {
        (p.x * p.x + p.y * p.y).sqrt()
    }
    assert_eq!(norm(Point { x: 3.0, y: 4.0 }), 5.0);
    assert_eq!(norm(Point { x: 3.0, y: 4.0 }), 5.0);
    assert_eq!(norm(Point { x: 6.0, y: 8.0 }), 10.0);
    assert_eq!((norm::cache_info().hits, norm::cache_info().misses), (1, 2));

    struct Config {
        region: String,
        retries: u32,
        labels: HashMap<String, String>,
    }
    // Only the region matters to the result: the rest of the config is left out of the key.
    #[lru_cache(maxsize = 16, key = config.region.clone())]
    fn endpoint(config: &Config, verbose: &mut Vec<String>) -> String {
        verbose.push(format!("{} retries, {} labels", config.retries, config.labels.len()));
        format!("https://{}.example.com", config.region)
    }
    let mut log = Vec::new();
    let eu = Config { region: "eu".into(), retries: 3, labels: HashMap::new() };
    let eu_again =
        Config { region: "eu".into(), retries: 9, labels: HashMap::from([("a".into(), "b".into())]) };
    assert_eq!(endpoint(&eu, &mut log), "https://eu.example.com");
    assert_eq!(endpoint(&eu_again, &mut log), "https://eu.example.com");
    assert_eq!(log.len(), 1, "the second call was a hit");
}

#[test]
fn methods_generics_and_single_flight_take_a_key() {
    struct Repo {
        tenant: u32,
    }
    impl Repo {
        #[lru_cache(maxsize = 16, key = (self.tenant, id))]
        fn load(&self, id: u64, _trace: &str) -> String {
            format!("{}:{id}", self.tenant)
        }
    }
    assert_eq!(Repo { tenant: 1 }.load(5, "a"), "1:5");
    assert_eq!(Repo { tenant: 1 }.load(5, "b"), "1:5");
    assert_eq!(Repo { tenant: 2 }.load(5, "c"), "2:5");
    assert_eq!(Repo::load_cache_info().hits, 1);

    #[lru_cache(maxsize = 16, single_flight, key = items.len())]
    fn count<T: Clone + Send + 'static>(items: &[T]) -> usize {
        items.len()
    }
    assert_eq!(count(&[1, 2, 3]), 3);
    assert_eq!(count(&["a", "b", "c"]), 3, "another instantiation: its own entry");
    assert_eq!(count(&[4, 5, 6]), 3);
    let info = count::cache_info();
    assert_eq!((info.hits, info.misses, info.currsize), (1, 2, 2));
}

#[tokio::test]
async fn a_key_may_name_an_argument_that_the_body_then_takes() {
    #[lru_cache(maxsize = 16, key = id)]
    fn label(id: String, _request: u64) -> String {
        id + "!"
    }
    assert_eq!(label("a".into(), 1), "a!");
    assert_eq!(label("a".into(), 2), "a!");
    assert_eq!(label::cache_info().hits, 1);

    #[lru_cache(maxsize = 16, single_flight, key = region.to_lowercase())]
    async fn report(region: String) -> String {
        tokio::task::yield_now().await;
        region
    }
    assert_eq!(report("EU".into()).await, "EU");
    assert_eq!(report("eu".into()).await, "EU", "one entry for both spellings");
    assert_eq!(tokio::spawn(report("Eu".into())).await.unwrap(), "EU");
}

#[test]
fn a_key_hit_allocates_nothing_when_the_expression_does_not() {
    #[lru_cache(maxsize = 16, key = id % 100)]
    fn bucket(id: u64) -> u64 {
        id % 100
    }
    bucket(7);
    let allocations = allocation_counter::measure(|| {
        for _ in 0..100 {
            assert_eq!(bucket(107), 7);
        }
    });
    assert_eq!(allocations.count_total, 0);
}
