//! Worker processes sharing one slow function's results, the scenario where each Python
//! `multiprocessing` worker used to keep its own `lru_cache`.
//!
//! Four workers each need the same twelve results. With a shared tier and `single_flight`,
//! each result is computed once on the whole machine (or fleet), not once per worker. The
//! results go through Redis when `MEMO_REDIS_URL` is set, and through a file on disk
//! otherwise, so this runs on a fresh machine with no server.
//!
//! Run it from the workspace root: `cargo run --example multiprocess`
//! (with Redis: `MEMO_REDIS_URL=redis://127.0.0.1:6379 cargo run --example multiprocess`).

use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::thread::sleep;
use std::time::{Duration, Instant};

const WORKERS: usize = 4;
const JOBS: u64 = 12;

/// Runs of the body in this process.
static RUNS: AtomicU64 = AtomicU64::new(0);

/// A slow report, 100 ms per call.
fn render(job: u64) -> String {
    RUNS.fetch_add(1, Relaxed);
    sleep(Duration::from_millis(100));
    format!("report #{job}: {}", job * job)
}

#[memo::lru_cache(maxsize = 64, disk, single_flight)]
fn report_on_disk(job: u64) -> String {
    render(job)
}

#[memo::lru_cache(maxsize = 64, redis, single_flight)]
fn report_in_redis(job: u64) -> String {
    render(job)
}

fn main() {
    let mut args = std::env::args().skip(1);
    match (args.next().as_deref(), args.next()) {
        (Some("worker"), Some(id)) => worker(id.parse().unwrap_or(0)),
        _ => parent(),
    }
}

fn parent() {
    let redis = std::env::var_os("MEMO_REDIS_URL").is_some();
    let store = if redis { format!("Redis at {}", memo::redis::url()) } else { "a file on disk".to_string() };
    // A fresh file per run of the example, so that the first run of each result shows; in the
    // user's cache folder (private), not in a folder other users share.
    let path =
        memo::disk::default_path().with_file_name(format!("multiprocess-{}.sqlite3", std::process::id()));
    println!("{WORKERS} workers, {JOBS} jobs each, sharing results through {store}\n");

    let started = Instant::now();
    let workers: Vec<_> = (0..WORKERS)
        .map(|id| {
            Command::new(std::env::current_exe().expect("the example's own path"))
                .args(["worker", &id.to_string()])
                .env("MEMO_DISK_PATH", &path)
                .stdout(Stdio::piped())
                .spawn()
                .expect("a worker process")
        })
        .collect();
    let mut runs = 0;
    for worker in workers {
        let output = worker.wait_with_output().expect("a worker's report");
        let line = String::from_utf8_lossy(&output.stdout);
        print!("{line}");
        runs += line
            .split("body ran ")
            .nth(1)
            .and_then(|rest| rest.split(' ').next()?.parse::<u64>().ok())
            .unwrap_or(0);
    }
    let calls = WORKERS as u64 * JOBS;
    println!(
        "\n{calls} calls in {:.2?}: the body ran {runs} times (without sharing: {calls})",
        started.elapsed()
    );
    let _ = std::fs::remove_file(&path);
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    if redis {
        let _ = report_in_redis::shared_clear();
    }
}

fn worker(id: usize) {
    let redis = std::env::var_os("MEMO_REDIS_URL").is_some();
    // Workers start on different jobs, as a pool's workers would.
    for job in (0..JOBS).map(|n| (n + id as u64 * 3) % JOBS) {
        let report = if redis { report_in_redis(job) } else { report_on_disk(job) };
        assert!(report.starts_with(&format!("report #{job}:")));
    }
    let shared = if redis { report_in_redis::shared_info() } else { report_on_disk::shared_info() };
    println!("worker {id}: body ran {} times; {shared}", RUNS.load(Relaxed));
}
