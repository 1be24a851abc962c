//! `#[lru_cache]` on `async fn`s, free and methods: hits and misses as for synchronous
//! functions, no lock held across an `.await`, and under `single_flight` one shared
//! computation that a dropped leader neither strands nor half-caches.

use memo::{cache, lru_cache};
use std::sync::atomic::{AtomicU32, Ordering::SeqCst};
use std::time::Duration;
use tokio::time::{sleep, timeout};

#[tokio::test]
async fn an_async_fn_is_memoized_like_a_synchronous_one() {
    static BODIES: AtomicU32 = AtomicU32::new(0);
    #[lru_cache(maxsize = 2)]
    async fn lookup(name: &str) -> String {
        BODIES.fetch_add(1, SeqCst);
        sleep(Duration::from_millis(5)).await;
        name.to_uppercase()
    }
    assert_eq!(lookup("ada").await, "ADA");
    assert_eq!(lookup("ada").await, "ADA");
    assert_eq!(lookup("bob").await, "BOB");
    assert_eq!(lookup("cy").await, "CY"); // evicts "ada"
    assert_eq!(lookup("ada").await, "ADA");
    assert_eq!(BODIES.load(SeqCst), 4);
    assert_eq!(lookup::cache_info().to_string(), "CacheInfo(hits=1, misses=4, maxsize=2, currsize=2)");
    assert_eq!(lookup::uncached("x").await, "X");
    assert_eq!(lookup::cache_peek("ada"), Some("ADA".to_string()));
    lookup::cache_clear();
    assert_eq!(lookup::cache_info().currsize, 0);
}

#[tokio::test]
async fn errs_are_not_cached_and_a_dropped_call_caches_nothing() {
    static BODIES: AtomicU32 = AtomicU32::new(0);
    #[cache]
    async fn fetch(id: u32) -> Result<u32, String> {
        BODIES.fetch_add(1, SeqCst);
        sleep(Duration::from_millis(50)).await;
        if id == 0 { Err("no such id".into()) } else { Ok(id * 2) }
    }
    assert!(fetch(0).await.is_err());
    assert!(fetch(0).await.is_err());
    assert_eq!(BODIES.load(SeqCst), 2);
    assert!(timeout(Duration::from_millis(5), fetch(4)).await.is_err(), "dropped before its body ended");
    assert_eq!(fetch::cache_info().currsize, 0);
    assert_eq!(fetch(4).await, Ok(8));
    assert_eq!(fetch(4).await, Ok(8));
    assert_eq!(BODIES.load(SeqCst), 4);
}

#[tokio::test]
async fn methods_and_generic_async_fns() {
    struct Client {
        base: &'static str,
    }
    impl Client {
        #[lru_cache(maxsize = 8)]
        async fn get(&self, path: String) -> String {
            sleep(Duration::from_millis(1)).await;
            format!("{}{path}", self.base)
        }
    }
    impl PartialEq for Client {
        fn eq(&self, other: &Self) -> bool {
            self.base == other.base
        }
    }
    impl Eq for Client {}
    impl std::hash::Hash for Client {
        fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
            self.base.hash(state);
        }
    }
    impl Clone for Client {
        fn clone(&self) -> Self {
            Client { base: self.base }
        }
    }
    let a = Client { base: "https://a/" };
    let b = Client { base: "https://b/" };
    assert_eq!(a.get("x".into()).await, "https://a/x");
    assert_eq!(b.get("x".into()).await, "https://b/x");
    assert_eq!(a.get("x".into()).await, "https://a/x");
    assert_eq!(Client::get_cache_info().hits, 1);

    #[lru_cache(maxsize = 8)]
    async fn show<T: std::fmt::Display + memo::CacheKey + Sync>(x: T) -> String {
        x.to_string()
    }
    assert_eq!(show(1u8).await, "1");
    assert_eq!(show("1").await, "1");
    assert_eq!(show(1u8).await, "1");
    assert_eq!(show::cache_info().hits, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_future_is_send_and_runs_on_any_worker() {
    #[lru_cache(maxsize = 8)]
    async fn square(x: u64) -> u64 {
        tokio::task::yield_now().await;
        x * x
    }
    let tasks: Vec<_> = (0..16).map(|i| tokio::spawn(square(i % 4))).collect();
    for (i, task) in tasks.into_iter().enumerate() {
        assert_eq!(task.await.unwrap(), (i as u64 % 4).pow(2));
    }
    let info = square::cache_info();
    assert_eq!(info.hits + info.misses, 16);
    assert!(info.misses >= 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn single_flight_callers_await_one_computation() {
    static BODIES: AtomicU32 = AtomicU32::new(0);
    #[lru_cache(maxsize = 8, single_flight)]
    async fn report(region: String) -> String {
        BODIES.fetch_add(1, SeqCst);
        sleep(Duration::from_millis(100)).await;
        format!("report for {region}")
    }
    let tasks: Vec<_> = (0..10).map(|_| tokio::spawn(report("eu".into()))).collect();
    for task in tasks {
        assert_eq!(task.await.unwrap(), "report for eu");
    }
    assert_eq!(BODIES.load(SeqCst), 1);
    let info = report::cache_info();
    assert_eq!((info.hits, info.misses), (9, 1), "{info}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_the_leader_neither_strands_the_waiters_nor_caches_a_half_result() {
    static BODIES: AtomicU32 = AtomicU32::new(0);
    #[lru_cache(maxsize = 8, single_flight)]
    async fn slow(key: u32) -> u32 {
        BODIES.fetch_add(1, SeqCst);
        sleep(Duration::from_millis(150)).await;
        key + 1
    }
    let leader = tokio::spawn(slow(1));
    sleep(Duration::from_millis(30)).await; // the leader is inside its body
    let waiters: Vec<_> = (0..4).map(|_| tokio::spawn(slow(1))).collect();
    sleep(Duration::from_millis(30)).await; // the waiters wait for it
    leader.abort();
    assert!(leader.await.unwrap_err().is_cancelled());
    assert_eq!(slow::cache_peek(1), None, "nothing half-computed was cached");
    for waiter in waiters {
        let value = timeout(Duration::from_secs(10), waiter).await.expect("a waiter was stranded");
        assert_eq!(value.unwrap(), 2);
    }
    assert_eq!(BODIES.load(SeqCst), 2, "one waiter led the next flight, the others awaited it");
    assert_eq!(slow::cache_peek(1), Some(2));
}

#[tokio::test]
async fn async_recursion_into_ones_own_key_computes_directly() {
    // An `async fn` calls itself through a box.
    #[lru_cache(maxsize = 8, single_flight, ignore = [depth])]
    async fn countdown(key: u32, depth: u32) -> u32 {
        if depth == 0 { key } else { Box::pin(countdown(key, depth - 1)).await + 1 }
    }
    let value = timeout(Duration::from_secs(10), countdown(7, 3)).await.expect("recursion hung");
    assert_eq!(value, 10);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_tasks_awaiting_each_others_keys_do_not_deadlock() {
    static BOTH_LEADING: std::sync::LazyLock<tokio::sync::Barrier> =
        std::sync::LazyLock::new(|| tokio::sync::Barrier::new(2));
    #[lru_cache(maxsize = 8, single_flight, ignore = [partner])]
    async fn cross(key: u32, partner: Option<u32>) -> u32 {
        match partner {
            Some(partner) => {
                BOTH_LEADING.wait().await; // each task leads its own key
                Box::pin(cross(partner, None)).await + 1000
            }
            None => key,
        }
    }
    let a = tokio::spawn(cross(1, Some(2)));
    let b = tokio::spawn(cross(2, Some(1)));
    let both = timeout(Duration::from_secs(10), async { (a.await.unwrap(), b.await.unwrap()) });
    let (a, b) = both.await.expect("deadlock: the tasks waited for each other");
    assert!((a, b) == (2001, 1001) || (a, b) == (1002, 2002), "{a} {b}");
}
