//! The dashboard service over real HTTP: each test starts it on a free loopback port and sends
//! requests over TCP, then checks the JSON, the cache's statistics (`GET /stats`) and how many
//! times the slow query ran (`QUERIES`).
//!
//! `regional_sales`'s cache and `QUERIES` are `static`s shared by every test in this binary,
//! and `cargo test` runs tests in parallel: each test takes a lock first and clears the cache
//! (see `exclusive`), so its counts are its own. The lock is a `std` one, taken before the test's
//! runtime starts, so no lock is held across an `.await`.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::{Mutex, MutexGuard, PoisonError};

use memo_examples::dashboard::{self, QUERIES, Report, Stats, regional_sales};

/// Serializes the tests on `regional_sales`'s cache and clears it: call this first in each test.
fn exclusive() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    let guard = LOCK.lock().unwrap_or_else(PoisonError::into_inner);
    regional_sales::cache_clear();
    guard
}

/// Runs `test` on a runtime of two worker threads, as a server has: a `single_flight` waiter
/// that blocked its thread instead of awaiting would stall the leader and time the test out.
fn run<F: Future>(test: F) -> F::Output {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build();
    runtime.expect("a tokio runtime").block_on(test)
}

/// Starts the service on a free loopback port.
async fn start() -> SocketAddr {
    let (addr, _server) = dashboard::spawn_server("127.0.0.1:0").await.expect("bind 127.0.0.1:0");
    addr
}

/// `GET path`, expecting 200 and a JSON body of type `T`.
async fn get_json<T: serde::de::DeserializeOwned>(addr: SocketAddr, path: &str) -> T {
    let (status, body) =
        dashboard::get(addr, path).await.unwrap_or_else(|error| panic!("GET {path}: {error}"));
    assert_eq!(status, 200, "GET {path}: {body}");
    serde_json::from_str(&body).unwrap_or_else(|error| panic!("GET {path}: {error} in {body}"))
}

/// The statistics `GET /stats` serves, checked against `cache_info()`.
async fn stats(addr: SocketAddr) -> Stats {
    let stats: Stats = get_json(addr, "/stats").await;
    assert_eq!(stats, Stats::from(regional_sales::cache_info()));
    stats
}

/// How many times the query ran since `before`.
fn queries_since(before: u64) -> u64 {
    QUERIES.load(Ordering::Relaxed) - before
}

#[test]
fn sales_and_stats_are_json() {
    let _guard = exclusive();
    run(async {
        let addr = start().await;
        let before = QUERIES.load(Ordering::Relaxed);
        let report: Report = get_json(addr, "/sales/emea").await;
        assert_eq!(report.region, "emea");
        assert!(report.orders >= 1_000 && report.revenue_cents >= report.orders * 2_000, "{report:?}");
        assert!(!report.top_product.is_empty());
        assert_eq!(get_json::<Report>(addr, "/sales/emea").await, report, "a hit returns the same report");
        assert_eq!(queries_since(before), 1);
        assert_eq!(stats(addr).await, Stats { hits: 1, misses: 1, maxsize: Some(1024), currsize: 1 });

        let (status, body) = dashboard::get(addr, "/sales/%20%20").await.unwrap();
        assert_eq!((status, body.as_str()), (400, "empty region\n"));
        let (status, _) = dashboard::get(addr, "/nowhere").await.unwrap();
        assert_eq!(status, 404);
        assert_eq!(queries_since(before), 1, "neither error ran the query");
    });
}

#[test]
fn concurrent_misses_run_the_query_once() {
    let _guard = exclusive();
    run(async {
        let addr = start().await;
        let before = QUERIES.load(Ordering::Relaxed);
        let requests: Vec<_> = (0..10).map(|_| tokio::spawn(dashboard::get(addr, "/sales/latam"))).collect();
        let mut bodies = Vec::new();
        for request in requests {
            let (status, body) = request.await.expect("request task").expect("GET /sales/latam");
            assert_eq!(status, 200, "{body}");
            bodies.push(body);
        }
        assert!(bodies.iter().all(|body| *body == bodies[0]), "{bodies:?}");
        assert_eq!(queries_since(before), 1, "10 concurrent misses of one region ran the query once");
        assert_eq!(stats(addr).await, Stats { hits: 9, misses: 1, maxsize: Some(1024), currsize: 1 });

        // A repeat is a plain hit: no query.
        let report: Report = get_json(addr, "/sales/latam").await;
        assert_eq!(serde_json::to_string(&report).unwrap(), bodies[0]);
        assert_eq!(queries_since(before), 1);
        assert_eq!(stats(addr).await, Stats { hits: 10, misses: 1, maxsize: Some(1024), currsize: 1 });
    });
}

#[test]
fn regions_are_normalised_and_distinct() {
    let _guard = exclusive();
    run(async {
        let addr = start().await;
        let before = QUERIES.load(Ordering::Relaxed);
        let eu: Report = get_json(addr, "/sales/%20%20EU%20").await;
        assert_eq!(eu.region, "eu");
        assert_eq!(get_json::<Report>(addr, "/sales/eu").await, eu);
        assert_eq!(get_json::<Report>(addr, "/sales/Eu").await, eu);
        assert_eq!(queries_since(before), 1, "\"  EU \", \"eu\" and \"Eu\" share one entry");
        assert_eq!(stats(addr).await, Stats { hits: 2, misses: 1, maxsize: Some(1024), currsize: 1 });

        let us: Report = get_json(addr, "/sales/us").await;
        assert_eq!(us.region, "us");
        assert_ne!(us, eu);
        assert_eq!(queries_since(before), 2);
        assert_eq!(stats(addr).await, Stats { hits: 2, misses: 2, maxsize: Some(1024), currsize: 2 });
    });
}
