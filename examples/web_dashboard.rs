//! The dashboard scenario: a web service whose handler awaits a slow query, memoized with
//! `#[memo::lru_cache(maxsize = 1024, ttl = "30s", single_flight)]` on an `async fn` (the
//! service is `memo_examples::dashboard`, in `src/dashboard.rs`).
//!
//! It starts the service on a free loopback port, sends it a few requests over plain TCP and
//! prints their timings: the first request for a region waits for the query, a repeat is
//! answered from the cache, `"  EU "` and `"eu"` share an entry, and five concurrent requests
//! for a new region run the query once. Then it prints `GET /stats` and exits.
//!
//! Run it from the workspace root: `cargo run --example web_dashboard`, or keep it serving with
//! `cargo run --example web_dashboard -- --serve [--port 3000]` and try
//! `curl localhost:3000/sales/eu` and `curl localhost:3000/stats`.

use std::io;
use std::sync::atomic::Ordering;
use std::time::Instant;

use memo_examples::dashboard::{self, QUERIES, regional_sales};

/// Concurrent requests for one new region.
const BURST: usize = 5;

/// The command line: `--serve` keeps serving after the demo, `--port N` picks the port.
struct Args {
    serve: bool,
    port: u16,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args { serve: false, port: 0 };
    let mut argv = std::env::args().skip(1);
    while let Some(arg) = argv.next() {
        match arg.as_str() {
            "--serve" => args.serve = true,
            "--port" => {
                let port = argv.next().ok_or("--port needs a number")?;
                args.port = port.parse().map_err(|_| format!("--port: `{port}` is not a port number"))?;
            }
            _ => return Err(format!("unknown argument `{arg}`; usage: web_dashboard [--serve] [--port N]")),
        }
    }
    Ok(args)
}

#[tokio::main]
async fn main() -> io::Result<()> {
    let args = parse_args().unwrap_or_else(|error| {
        eprintln!("web_dashboard: {error}");
        std::process::exit(2);
    });
    let (addr, server) = dashboard::spawn_server(("127.0.0.1", args.port)).await?;
    println!("dashboard on http://{addr}/ (a query takes {:?})", dashboard::QUERY_LATENCY);

    for path in ["/sales/eu", "/sales/eu", "/sales/%20%20EU%20", "/sales/us", "/sales/us"] {
        let start = Instant::now();
        let (status, body) = dashboard::get(addr, path).await?;
        let ms = start.elapsed().as_secs_f64() * 1000.0;
        println!("GET {path:<18} {status} in {ms:6.1} ms  {body}");
        assert_eq!(status, 200, "GET {path}: {body}");
    }

    let start = Instant::now();
    let burst: Vec<_> = (0..BURST).map(|_| tokio::spawn(dashboard::get(addr, "/sales/asia"))).collect();
    for request in burst {
        let (status, body) = request.await??;
        assert_eq!(status, 200, "GET /sales/asia: {body}");
    }
    let ms = start.elapsed().as_secs_f64() * 1000.0;
    println!("{BURST} concurrent GET /sales/asia in {ms:.1} ms");

    let (_, stats) = dashboard::get(addr, "/stats").await?;
    let info = regional_sales::cache_info();
    let queries = QUERIES.load(Ordering::Relaxed);
    println!("GET /stats                {stats}");
    println!("{info}; the query ran {queries} times for 3 regions");
    assert_eq!(queries, 3, "one query per region: eu, us, asia");
    assert_eq!((info.hits, info.misses, info.currsize), (3 + BURST as u64 - 1, 3, 3));

    if args.serve {
        println!("serving on http://{addr}/ until interrupted");
        server.await??;
    }
    Ok(())
}
