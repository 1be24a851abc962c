//! The dashboard scenario: an HTTP service whose handler calls a slow query, memoized with
//! `#[memo::lru_cache]` on an `async fn`.
//!
//! `GET /sales/{region}` answers with the region's [`Report`] as JSON; the query behind it,
//! [`regional_sales()`], takes [`QUERY_LATENCY`] the first time and nothing afterwards, for
//! `ttl = "30s"`. With `single_flight`, a burst of requests for a region nobody asked for yet
//! runs the query once: the first request's call is a miss, the others wait for its value and
//! count as hits. `GET /stats` serves `regional_sales::cache_info()` as JSON ([`Stats`]).
//!
//! The example `web_dashboard` runs it, and `tests/web_dashboard.rs` tests it over real HTTP,
//! both with [`get`], a tiny HTTP/1.1 client over a bare `TcpStream`.

use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::extract::Path;
use axum::http::StatusCode;
use axum::{Json, Router, routing};
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, ToSocketAddrs};
use tokio::task::JoinHandle;

/// How long the simulated query takes.
pub const QUERY_LATENCY: Duration = Duration::from_millis(200);

/// How long [`get`] waits for a whole response before giving up.
pub const CLIENT_TIMEOUT: Duration = Duration::from_secs(10);

/// How many times [`regional_sales()`]'s body ran: the queries that reached the "database".
pub static QUERIES: AtomicU64 = AtomicU64::new(0);

/// The products a report can name as its best seller.
const PRODUCTS: [&str; 5] = ["anvil", "bicycle", "compass", "drone", "espresso machine"];

/// One region's sales, as the slow query computes them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// The region, normalised: trimmed and lowercase.
    pub region: String,
    /// The orders placed.
    pub orders: u64,
    /// The revenue, in cents.
    pub revenue_cents: u64,
    /// The best-selling product.
    pub top_product: String,
}

/// The statistics of [`regional_sales()`]'s cache, as `GET /stats` serves them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    /// Calls answered from the cache, waiters on another call's query included.
    pub hits: u64,
    /// Calls that ran the query.
    pub misses: u64,
    /// The bound on the number of entries; `null` when unbounded.
    pub maxsize: Option<usize>,
    /// The number of regions cached now.
    pub currsize: usize,
}

impl From<memo::CacheInfo> for Stats {
    fn from(info: memo::CacheInfo) -> Self {
        let memo::CacheInfo { hits, misses, maxsize, currsize } = info;
        Stats { hits, misses, maxsize, currsize }
    }
}

/// The slow query, memoized: sleeps [`QUERY_LATENCY`], as a round trip to a database would
/// take, then computes a report that depends on `region` alone.
///
/// Entries live 30 seconds, so the dashboard lags the data by at most that; concurrent misses of
/// one region run the body once (`single_flight`).
#[memo::lru_cache(maxsize = 1024, ttl = "30s", single_flight)]
pub async fn regional_sales(region: String) -> Report {
    QUERIES.fetch_add(1, Ordering::Relaxed);
    tokio::time::sleep(QUERY_LATENCY).await;
    // FNV-1a: a stable stand-in for the data, the same on every run and platform.
    let hash = region.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    });
    let orders = 1_000 + hash % 9_000;
    Report {
        orders,
        revenue_cents: orders * (2_000 + (hash >> 16) % 8_000),
        top_product: PRODUCTS[((hash >> 32) % PRODUCTS.len() as u64) as usize].to_owned(),
        region,
    }
}

/// The service: `GET /sales/{region}` and `GET /stats`.
pub fn app() -> Router {
    Router::new().route("/sales/{region}", routing::get(sales)).route("/stats", routing::get(stats))
}

/// `GET /sales/{region}`: the report of the region, trimmed and lowercased first so that
/// `"  EU "` and `"eu"` share one cache entry; 400 when nothing is left.
async fn sales(Path(region): Path<String>) -> Result<Json<Report>, (StatusCode, &'static str)> {
    let region = region.trim().to_lowercase();
    if region.is_empty() {
        return Err((StatusCode::BAD_REQUEST, "empty region\n"));
    }
    Ok(Json(regional_sales(region).await))
}

/// `GET /stats`: the statistics of the query's cache.
async fn stats() -> Json<Stats> {
    Json(regional_sales::cache_info().into())
}

/// Binds `addr` and serves [`app`] on a new task of the current runtime. Returns the address
/// bound (pass port 0 for a free one) and the server's task, which runs until the runtime stops.
pub async fn spawn_server(addr: impl ToSocketAddrs) -> io::Result<(SocketAddr, JoinHandle<io::Result<()>>)> {
    let listener = TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let server = tokio::spawn(async move { axum::serve(listener, app()).await });
    Ok((addr, server))
}

/// `GET path` from the server at `addr`, on a connection of its own: a tiny HTTP/1.1 client,
/// enough for this service (`Connection: close`, a `Content-Length` or chunked body, UTF-8).
/// Returns the status code and the body; gives up after [`CLIENT_TIMEOUT`].
pub async fn get(addr: SocketAddr, path: &str) -> io::Result<(u16, String)> {
    let exchange = async {
        let mut stream = TcpStream::connect(addr).await?;
        let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await?;
        let mut response = Vec::new();
        stream.read_to_end(&mut response).await?;
        parse_response(&response)
    };
    tokio::time::timeout(CLIENT_TIMEOUT, exchange)
        .await
        .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, format!("GET {path}: no response")))?
}

/// Splits a whole HTTP/1.1 response into its status code and its body.
fn parse_response(response: &[u8]) -> io::Result<(u16, String)> {
    let invalid = |what: &str| io::Error::new(io::ErrorKind::InvalidData, format!("HTTP response {what}"));
    let text = std::str::from_utf8(response).map_err(|_| invalid("not UTF-8"))?;
    let (head, body) = text.split_once("\r\n\r\n").ok_or_else(|| invalid("without an end of headers"))?;
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|line| line.strip_prefix("HTTP/1.1 "))
        .and_then(|rest| rest.get(..3)?.parse().ok())
        .ok_or_else(|| invalid("without an HTTP/1.1 status line"))?;
    let chunked = lines.any(|line| {
        line.split_once(':').is_some_and(|(name, value)| {
            name.trim().eq_ignore_ascii_case("transfer-encoding")
                && value.trim().eq_ignore_ascii_case("chunked")
        })
    });
    let body = match chunked {
        true => dechunk(body).ok_or_else(|| invalid("with a malformed chunked body"))?,
        false => body.to_owned(),
    };
    Ok((status, body))
}

/// The content of a chunked body: each chunk is its size in hex, CRLF, the data, CRLF; a chunk of
/// size 0 ends it.
fn dechunk(mut body: &str) -> Option<String> {
    let mut content = String::new();
    loop {
        let (size, rest) = body.split_once("\r\n")?;
        let size = usize::from_str_radix(size.split(';').next()?.trim(), 16).ok()?;
        if size == 0 {
            return Some(content);
        }
        content.push_str(rest.get(..size)?);
        body = rest.get(size..)?.strip_prefix("\r\n")?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_content_length_response() {
        let response = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}";
        assert_eq!(parse_response(response).unwrap(), (200, "{}".to_owned()));
    }

    #[test]
    fn parses_a_chunked_response() {
        let response = b"HTTP/1.1 400 Bad Request\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nempty\r\n7\r\n region\r\n0\r\n\r\n";
        assert_eq!(parse_response(response).unwrap(), (400, "empty region".to_owned()));
    }

    #[test]
    fn rejects_a_truncated_response() {
        assert!(parse_response(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n").is_err());
        assert!(parse_response(b"garbage\r\n\r\n").is_err());
    }
}
