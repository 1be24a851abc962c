//! Helpers shared by memo's integration tests and the stress binary.

use std::sync::mpsc;
use std::time::Duration;

/// Runs `f` on a thread and fails if it has not finished within 20 seconds: a deadlock.
pub fn within_deadline<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || tx.send(f()).unwrap());
    rx.recv_timeout(Duration::from_secs(20)).expect("deadlock: the call did not return")
}

/// SplitMix64: a tiny deterministic PRNG, bit for bit the generator of
/// `tests/golden/functools_traces.py`.
///
/// ```
/// let mut rng = memo_tests::SplitMix64(0);
/// assert_eq!(rng.next(), 0xE220_A839_7B1D_CDAF);
/// ```
#[derive(Debug, Clone)]
pub struct SplitMix64(pub u64);

impl SplitMix64 {
    /// The next number.
    #[allow(clippy::should_implement_trait)] // an infinite stream, not an `Iterator` of options
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number below `n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Runs `threads` threads at once, each calling `call` `calls` times with a xorshift sequence
/// of its own (seeded by the thread's index), so that they hammer one cache together.
pub fn on_threads(threads: u64, calls: u64, call: impl Fn(u64) + Sync) {
    std::thread::scope(|scope| {
        for t in 0..threads {
            let call = &call;
            scope.spawn(move || {
                let mut state = t + 1;
                for _ in 0..calls {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    call(state);
                }
            });
        }
    });
}

/// Declares `$key(u32)`, a key whose `Hash` sends every value to one bucket, so that every
/// lookup runs `Eq` under the cache's lock, and whose `Eq` calls `$function` (memoized on it,
/// returning twice the number) again on the same thread: that nested call must not deadlock.
#[macro_export]
macro_rules! eq_calls_back {
    ($key:ident, $function:ident) => {
        #[derive(Clone, Debug)]
        struct $key(u32);

        impl ::std::hash::Hash for $key {
            fn hash<H: ::std::hash::Hasher>(&self, state: &mut H) {
                0u8.hash(state);
            }
        }

        impl PartialEq for $key {
            fn eq(&self, other: &Self) -> bool {
                if self.0 < 1000 {
                    assert_eq!($function($key(self.0 + 1000)), (self.0 + 1000) * 2);
                }
                self.0 == other.0
            }
        }

        impl Eq for $key {}
    };
}
