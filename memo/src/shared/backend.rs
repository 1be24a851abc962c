//! What a shared store does for the tier in front of it: byte keys to byte values, grouped in
//! namespaces, with expiry and short claims for cross-process single-flight. The tier
//! (`tier.rs`) encodes, decodes, counts and decides; a backend only moves bytes.

use core::fmt;
use core::time::Duration;

use super::seal::Secret;

/// One entry's address: the function's namespace and the encoded arguments. Backends store
/// and compare both in full, so two different calls never share an entry.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Key<'a> {
    /// `crate::module::function@vN`: printable, and never a prefix of another namespace's
    /// entries once a backend adds its own separator.
    pub(crate) namespace: &'a str,
    /// The encoded arguments (`codec.rs`); any bytes.
    pub(crate) bytes: &'a [u8],
}

/// Proof that this process holds a key's claim until it releases it or the lease runs out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Claim {
    /// Unique per claim (process, thread, time and a counter), so that a release never frees
    /// a claim that expired and was taken over by someone else.
    pub(crate) token: String,
}

/// Whether a claim was obtained.
#[derive(Debug)]
pub(crate) enum Claimed {
    /// This caller holds the key: it runs the body, writes the value, then releases.
    Won(Claim),
    /// Another live caller holds it: wait for its value.
    Held,
}

/// A failed store operation. The tier counts it and goes on without the store: it never
/// reaches the caller of a memoized function.
#[derive(Debug)]
pub struct StoreError {
    message: String,
}

impl StoreError {
    pub(crate) fn new(message: impl fmt::Display) -> Self {
        StoreError { message: message.to_string() }
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for StoreError {}

pub(crate) type Result<T> = core::result::Result<T, StoreError>;

/// A shared store. Every method returns within the store's configured timeout, and errors
/// rather than panics on anything the store or the network does.
pub(crate) trait Backend: Send + Sync + 'static {
    /// The value stored under `key`, unless absent or expired.
    fn get(&self, key: Key<'_>) -> Result<Option<Vec<u8>>>;

    /// Stores `value` under `key`, replacing any value, expiring after `ttl` if given.
    fn set(&self, key: Key<'_>, value: &[u8], ttl: Option<Duration>) -> Result<()>;

    /// Removes every entry of `namespace` (and its claims), leaving other namespaces
    /// untouched; returns how many entries went. Incremental: never blocks the store for long.
    fn clear(&self, namespace: &str) -> Result<u64>;

    /// Claims `key` for `lease`, unless a live holder has it. A claim whose lease ran out, or
    /// whose holder is known to be dead, is taken over.
    fn claim(&self, key: Key<'_>, lease: Duration) -> Result<Claimed>;

    /// Gives a claim back, if it is still this one's.
    fn release(&self, key: Key<'_>, claim: &Claim) -> Result<()>;

    /// The secret that seals this store's values, if one is configured.
    fn secret(&self) -> Option<&Secret>;
}
