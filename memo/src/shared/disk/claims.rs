//! Claims for cross-process single-flight: who holds one, and the token that tells them apart.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Whether process `pid` may still be running: our own, or, on Linux, one in `/proc`.
/// Elsewhere (or without `/proc`) every holder counts as alive until its lease runs out.
pub(super) fn alive(pid: i64) -> bool {
    if pid == i64::from(std::process::id()) {
        return true;
    }
    if cfg!(target_os = "linux") && Path::new("/proc/self").exists() {
        return Path::new(&format!("/proc/{pid}")).exists();
    }
    true
}

/// A claim token no other claim, in any process, has: pid, thread, time and a counter.
pub(super) fn token() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |since| since.as_nanos());
    let count = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{}-{:?}-{nanos}-{count}", std::process::id(), std::thread::current().id())
}

#[cfg(test)]
mod tests {
    use core::time::Duration;

    use rusqlite::Connection;

    use super::super::options::Options;
    use super::super::sql::{TAKE, now_ms};
    use super::super::store::DiskStore;
    use super::super::test_support::{TempDir, key, won};
    use crate::shared::backend::{Backend, Claim, Claimed};

    #[test]
    fn claims() {
        let dir = TempDir::new("claims");
        let store = DiskStore::new(Options::new(dir.file()).touch_every_hit());
        let other = DiskStore::new(Options::new(dir.file()).touch_every_hit());
        let k = key("f@v1", b"k");
        let claim = won(store.claim(k, Duration::from_secs(60)).unwrap());
        assert!(matches!(other.claim(k, Duration::from_secs(60)).unwrap(), Claimed::Held));
        other.release(k, &Claim { token: "someone else's".to_owned() }).unwrap();
        assert!(matches!(other.claim(k, Duration::from_secs(60)).unwrap(), Claimed::Held));
        store.release(k, &claim).unwrap();
        let claim = won(other.claim(k, Duration::from_millis(20)).unwrap());
        std::thread::sleep(Duration::from_millis(40));
        let taken_over = won(store.claim(k, Duration::from_secs(60)).unwrap());
        assert_ne!(claim, taken_over);
        // The expired claim's release must not free the claim that took it over.
        other.release(k, &claim).unwrap();
        assert!(matches!(other.claim(k, Duration::from_secs(60)).unwrap(), Claimed::Held));
    }

    #[test]
    fn claims_of_dead_processes_are_taken_over() {
        let dir = TempDir::new("dead");
        let store = DiskStore::new(Options::new(dir.file()).touch_every_hit());
        let k = key("f@v1", b"k");
        store.set(k, b"creates the file", None).unwrap();
        let far = now_ms() + 3_600_000;
        Connection::open(dir.file())
            .unwrap()
            .execute(TAKE, ("f@v1", &b"k"[..], "planted", i64::from(u32::MAX), far))
            .unwrap();
        let claimed = store.claim(k, Duration::from_secs(60)).unwrap();
        if cfg!(target_os = "linux") {
            won(claimed);
        } else {
            assert!(matches!(claimed, Claimed::Held));
        }
    }
}
