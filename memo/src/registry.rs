//! Every memoized function of the program that has run, with its statistics: what an
//! application reports to watch hit ratios and tune `maxsize`.

use core::sync::atomic::{AtomicBool, Ordering};

use parking_lot::Mutex;

use crate::{CacheInfo, CacheParameters};

/// One memoized function's cache, as [`caches`] lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheReport {
    /// The function's path: `crate::module::function`, or `crate::module::Type::method`.
    pub name: String,
    /// Its statistics, as `f::cache_info()` returns them.
    pub info: CacheInfo,
    /// Its options, as `f::cache_parameters()` returns them.
    pub parameters: CacheParameters,
}

/// Every memoized function that has been called (or primed with `cache_put`) since the program
/// started, sorted by name. A function joins the list on its first miss: a cache is made
/// lazily, and one that was never used has nothing to report.
///
/// ```
/// #[memo::lru_cache(maxsize = 32)]
/// fn square(x: u64) -> u64 {
///     x * x
/// }
///
/// square(3);
/// square(3);
/// let report = memo::caches().into_iter().find(|cache| cache.name.ends_with("::square")).unwrap();
/// assert_eq!(report.info.to_string(), "CacheInfo(hits=1, misses=1, maxsize=32, currsize=1)");
/// ```
pub fn caches() -> Vec<CacheReport> {
    let entries: Vec<Entry> = REGISTRY.lock().clone();
    let mut reports: Vec<CacheReport> = entries
        .into_iter()
        .map(|entry| CacheReport {
            name: match entry.owner {
                "" => format!("{}::{}", entry.module, entry.function),
                owner => format!("{owner}::{}", entry.function),
            },
            info: entry.cache.info(),
            parameters: entry.cache.parameters(),
        })
        .collect();
    reports.sort_by(|a, b| a.name.cmp(&b.name));
    reports
}

/// A cache the registry can report on.
pub(crate) trait Reported: Send + Sync {
    fn info(&self) -> CacheInfo;
    fn parameters(&self) -> CacheParameters;
}

#[derive(Clone, Copy)]
struct Entry {
    module: &'static str,
    /// The `Self` type of a method, or `""`.
    owner: &'static str,
    function: &'static str,
    cache: &'static dyn Reported,
}

static REGISTRY: Mutex<Vec<Entry>> = Mutex::new(Vec::new());

/// Where a cache is named, and whether it is listed yet.
pub(crate) struct Registration {
    listed: AtomicBool,
}

impl Registration {
    pub(crate) const fn new() -> Self {
        Registration { listed: AtomicBool::new(false) }
    }

    /// Lists `cache` once.
    #[inline]
    pub(crate) fn list(
        &self,
        cache: &'static dyn Reported,
        module: &'static str,
        owner: &'static str,
        function: &'static str,
    ) {
        if !self.listed.load(Ordering::Relaxed) && !self.listed.swap(true, Ordering::AcqRel) {
            REGISTRY.lock().push(Entry { module, owner, function, cache });
        }
    }
}
