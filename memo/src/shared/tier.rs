//! The shared tier of one memoized function: a `static` beside its in-process cache, asked
//! only when that cache misses. It encodes the call, reads the store, and on a miss hands
//! back a [`Pending`] that writes the body's value. Every failure of the store is counted and
//! otherwise ignored: the body runs, and the caller never sees a store's error.

use core::fmt;
use core::sync::atomic::{AtomicU64, Ordering::Relaxed};
use core::time::Duration;
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use super::{Backend, Claim, Claimed, Key, StoreError, codec};

/// Where a function's shared tier lives.
#[derive(Clone, Copy, Debug)]
pub enum Target {
    /// A disk store: the default one, or the file at a path.
    #[cfg(feature = "disk")]
    Disk(Option<&'static str>),
    /// The Redis store.
    #[cfg(feature = "redis")]
    Redis,
    /// A store whose feature is off (the macro has reported it): nothing is shared.
    Unavailable,
}

/// How long a single-flight claim lasts if its holder never releases it (it died, or its
/// body is slower than this): then another caller takes the key over.
const LEASE: Duration = Duration::from_secs(10);

/// The longest pause between two polls of a caller waiting for another's value.
const MAX_PAUSE: Duration = Duration::from_millis(20);

/// The statistics of a function's shared tier, counted by this process since it started (or
/// since the last `shared_clear`).
///
/// ```
/// let info = memo::SharedInfo { hits: 3, misses: 1, ..Default::default() };
/// assert_eq!(info.to_string(), "SharedInfo(hits=3, misses=1, waits=0, writes=0, errors=0, corrupt=0)");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct SharedInfo {
    /// Calls answered by the shared store: their body did not run in this process.
    pub hits: u64,
    /// Calls the store had no value for (absent, expired or unreadable): the body ran.
    pub misses: u64,
    /// Hits that waited for another caller's body first (`single_flight`).
    pub waits: u64,
    /// Values written to the store.
    pub writes: u64,
    /// Store operations that failed (store unreachable, timed out, disk full, locked or
    /// corrupt file): the call went on without the store.
    pub errors: u64,
    /// Entries that could not be decoded (written by another version of the function or of
    /// memo, or damaged): read as misses and overwritten.
    pub corrupt: u64,
}

impl fmt::Display for SharedInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let SharedInfo { hits, misses, waits, writes, errors, corrupt } = self;
        write!(
            f,
            "SharedInfo(hits={hits}, misses={misses}, waits={waits}, writes={writes}, errors={errors}, corrupt={corrupt})"
        )
    }
}

/// What the tier counts.
#[derive(Clone, Copy)]
enum Event {
    Hit,
    Miss,
    Wait,
    Write,
    Error,
    Corrupt,
}

struct Counters([AtomicU64; 6]);

impl Counters {
    const fn new() -> Self {
        Counters([const { AtomicU64::new(0) }; 6])
    }

    fn count(&self, event: Event) {
        self.0[event as usize].fetch_add(1, Relaxed);
    }

    fn read(&self, event: Event) -> u64 {
        self.0[event as usize].load(Relaxed)
    }

    fn reset(&self) {
        self.0.iter().for_each(|counter| counter.store(0, Relaxed));
    }
}

/// A function's shared tier.
pub struct Tier {
    /// `crate::module::function@vN`, made on first use by `name`.
    namespace: OnceLock<String>,
    name: fn() -> String,
    target: Target,
    ttl: Option<Duration>,
    single_flight: bool,
    backend: OnceLock<Option<Arc<dyn Backend>>>,
    counters: Counters,
}

/// What the shared tier had for a call.
pub enum Fetched<V> {
    /// A value: store it in the in-process cache and return it.
    Hit(V),
    /// Nothing: run the body, then give its value to [`Pending::store`].
    Miss(Pending<V>),
}

/// A call the shared tier missed: writes the body's value, and gives back the key's
/// single-flight claim (also when the body panics, so that waiters move on).
pub struct Pending<V> {
    tier: &'static Tier,
    key: Option<Vec<u8>>,
    claim: Option<Claim>,
    encode: fn(&V) -> Result<Vec<u8>, StoreError>,
}

impl Tier {
    /// A tier for the function whose namespace `name` makes (`crate::module::function@vN`).
    pub const fn new(
        name: fn() -> String,
        target: Target,
        ttl: Option<Duration>,
        single_flight: bool,
    ) -> Self {
        let namespace = OnceLock::new();
        Tier {
            namespace,
            name,
            target,
            ttl,
            single_flight,
            backend: OnceLock::new(),
            counters: Counters::new(),
        }
    }

    /// Looks a call up in the store.
    pub fn fetch<V: codec::Value>(&'static self, key: codec::KeyWriter) -> Fetched<V> {
        let miss =
            |key, claim| Fetched::Miss(Pending { tier: self, key, claim, encode: codec::encode_value });
        let Some(backend) = self.backend() else { return miss(None, None) };
        let key = match key.finish() {
            Ok(key) => key,
            Err(_) => return self.failed(miss(None, None)),
        };
        let at = Key { namespace: self.namespace(), bytes: &key };
        let (started, mut pause, mut waited) = (Instant::now(), Duration::from_millis(1), false);
        let (mut claim, mut corrupt) = (None, false);
        loop {
            let found = match backend.get(at) {
                Ok(found) => found,
                Err(_) => return self.failed(miss(Some(key), claim)),
            };
            let found = found.and_then(|bytes| match unseal(backend, at, &bytes) {
                Unsealed::Value(bytes) => Some(codec::decode_value(bytes)),
                Unsealed::Forged => Some(None),
                Unsealed::Expired => None,
            });
            match found {
                Some(Some(value)) => {
                    // Written between our miss and our claim: give the claim back.
                    if let Some(claim) = claim
                        && backend.release(at, &claim).is_err()
                    {
                        self.counters.count(Event::Error);
                    }
                    self.counters.count(Event::Hit);
                    if waited {
                        self.counters.count(Event::Wait);
                    }
                    return Fetched::Hit(value);
                }
                Some(None) if !corrupt => {
                    corrupt = true;
                    self.counters.count(Event::Corrupt);
                }
                _ => {}
            }
            if claim.is_some() || !self.single_flight || started.elapsed() > 2 * LEASE {
                self.counters.count(Event::Miss);
                return miss(Some(key), claim);
            }
            match backend.claim(at, LEASE) {
                // Look once more: the holder may have written and released just before.
                Ok(Claimed::Won(won)) => claim = Some(won),
                Ok(Claimed::Held) => {
                    waited = true;
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(MAX_PAUSE);
                }
                Err(_) => return self.failed(miss(Some(key), None)),
            }
        }
    }

    /// The statistics, as [`SharedInfo`].
    pub fn shared_info(&self) -> SharedInfo {
        let read = |event| self.counters.read(event);
        SharedInfo {
            hits: read(Event::Hit),
            misses: read(Event::Miss),
            waits: read(Event::Wait),
            writes: read(Event::Write),
            errors: read(Event::Error),
            corrupt: read(Event::Corrupt),
        }
    }

    /// Removes this version of the function's entries from the store, leaving every other
    /// function's alone, and resets the statistics. Returns how many entries went.
    pub fn shared_clear(&self) -> Result<u64, StoreError> {
        self.counters.reset();
        match self.backend() {
            Some(backend) => backend.clear(self.namespace()),
            None => Err(StoreError::new("this function has no shared store")),
        }
    }

    fn namespace(&self) -> &str {
        self.namespace.get_or_init(self.name)
    }

    fn backend(&self) -> Option<&dyn Backend> {
        self.backend
            .get_or_init(|| match self.target {
                #[cfg(feature = "disk")]
                Target::Disk(path) => Some(super::disk::store(path)),
                #[cfg(feature = "redis")]
                Target::Redis => Some(super::redis::store()),
                Target::Unavailable => None,
            })
            .as_deref()
    }

    fn failed<T>(&self, outcome: T) -> T {
        self.counters.count(Event::Error);
        outcome
    }
}

/// An entry read back, under a secret if the store has one.
enum Unsealed<'a> {
    /// The value's bytes: as stored, or with a tag that verifies.
    Value(&'a [u8]),
    /// A tag that does not verify: read as corrupt.
    Forged,
    /// A verified entry past the expiry it was sealed with: absent, whatever the store says.
    Expired,
}

fn unseal<'a>(backend: &dyn Backend, at: Key<'_>, bytes: &'a [u8]) -> Unsealed<'a> {
    let Some(secret) = backend.secret() else { return Unsealed::Value(bytes) };
    match secret.open(at, bytes) {
        None => Unsealed::Forged,
        Some((_, expires_at)) if expires_at != 0 && expires_at <= unix_millis() => Unsealed::Expired,
        Some((value, _)) => Unsealed::Value(value),
    }
}

/// Milliseconds since the Unix epoch (at least 1).
fn unix_millis() -> u64 {
    let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    u64::try_from(since.as_millis()).unwrap_or(u64::MAX).max(1)
}

impl<V> Pending<V> {
    /// Writes the body's value (`None`: nothing to keep, as for an `Err`); dropping `self`
    /// then releases the claim.
    pub fn store(self, value: Option<&V>) {
        let tier = self.tier;
        let (Some(key), Some(value), Some(backend)) = (&self.key, value, tier.backend()) else { return };
        let at = Key { namespace: tier.namespace(), bytes: key };
        let sealed = (self.encode)(value).map(|bytes| match backend.secret() {
            Some(secret) => {
                let ttl = |ttl: Duration| u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX);
                secret.seal(at, bytes, tier.ttl.map_or(0, |d| unix_millis().saturating_add(ttl(d))))
            }
            None => bytes,
        });
        match sealed.and_then(|bytes| backend.set(at, &bytes, tier.ttl)) {
            Ok(()) => tier.counters.count(Event::Write),
            Err(_) => tier.counters.count(Event::Error),
        }
    }
}

impl<V> Drop for Pending<V> {
    fn drop(&mut self) {
        let tier = self.tier;
        if let (Some(claim), Some(key), Some(backend)) = (self.claim.take(), &self.key, tier.backend())
            && backend.release(Key { namespace: tier.namespace(), bytes: key }, &claim).is_err()
        {
            tier.counters.count(Event::Error);
        }
    }
}
