//! [`CacheInfo`] and [`CacheParameters`]: what `f::cache_info()` and `f::cache_parameters()`
//! report, printed the way functools prints them.

use core::fmt;

/// The statistics of a memoized function, as `functools`' `cache_info()` reports them.
///
/// `Display` prints exactly what CPython prints:
///
/// ```
/// use memo::CacheInfo;
/// let info = CacheInfo { hits: 28, misses: 16, maxsize: Some(128), currsize: 16 };
/// assert_eq!(info.to_string(), "CacheInfo(hits=28, misses=16, maxsize=128, currsize=16)");
/// let info = CacheInfo { maxsize: None, ..info };
/// assert_eq!(info.to_string(), "CacheInfo(hits=28, misses=16, maxsize=None, currsize=16)");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct CacheInfo {
    /// Calls answered from the cache.
    pub hits: u64,
    /// Calls that ran the function's body.
    pub misses: u64,
    /// The bound on the number of entries; `None` when unbounded.
    pub maxsize: Option<usize>,
    /// The number of entries cached now.
    pub currsize: usize,
}

impl fmt::Display for CacheInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let CacheInfo { hits, misses, maxsize, currsize } = *self;
        write!(f, "CacheInfo(hits={hits}, misses={misses}, maxsize=")?;
        match maxsize {
            Some(maxsize) => write!(f, "{maxsize}")?,
            None => f.write_str("None")?,
        }
        write!(f, ", currsize={currsize})")
    }
}

/// The options a memoized function was declared with, as `functools`' `cache_parameters()`
/// reports them.
///
/// ```
/// use memo::CacheParameters;
/// #[memo::lru_cache(maxsize = 32, typed = true)]
/// fn square(x: u64) -> u64 {
///     x * x
/// }
/// assert_eq!(square::cache_parameters(), CacheParameters { maxsize: Some(32), typed: true });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CacheParameters {
    /// The bound on the number of entries; `None` when unbounded.
    pub maxsize: Option<usize>,
    /// The `typed` flag (see the crate docs for what it means in Rust).
    pub typed: bool,
}

impl fmt::Display for CacheParameters {
    /// Prints the dict functools returns: `{'maxsize': 128, 'typed': False}`.
    ///
    /// ```
    /// use memo::CacheParameters;
    /// let params = CacheParameters { maxsize: None, typed: true };
    /// assert_eq!(params.to_string(), "{'maxsize': None, 'typed': True}");
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("{'maxsize': ")?;
        match self.maxsize {
            Some(maxsize) => write!(f, "{maxsize}")?,
            None => f.write_str("None")?,
        }
        f.write_str(if self.typed { ", 'typed': True}" } else { ", 'typed': False}" })
    }
}
