//! The stores this process opened, one per file: [`configure`] sets the default one before
//! its first use, [`default_path`] says where it is, and `store` hands them to the tiers.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use parking_lot::Mutex;

use super::options::Options;
use super::store::DiskStore;
use crate::shared::backend::Backend;

/// The stores this process opened, one per file.
struct Registry {
    /// What [`configure`] set.
    configured: Option<Options>,
    /// The default store was handed out: too late to configure it.
    default_taken: bool,
    /// Canonical path and store.
    stores: Vec<(PathBuf, Arc<DiskStore>)>,
}

static REGISTRY: Mutex<Registry> =
    Mutex::new(Registry { configured: None, default_taken: false, stores: Vec::new() });

/// Sets the default store: the one `#[lru_cache(disk)]` uses. Call it once at start-up, before
/// the first call of a disk-tier function; returns `Err` with the options if the default store,
/// or a store in the same file, is already in use.
///
/// ```
/// use memo::disk::{Options, configure, default_path};
///
/// let dir = std::env::var_os("HOME").map_or_else(std::env::temp_dir, std::path::PathBuf::from);
/// let path = dir.join(".cache").join("my-app").join("memo.sqlite3");
/// configure(Options::new(&path).max_entries(1_000)).unwrap();
/// assert_eq!(default_path(), path);
/// ```
pub fn configure(options: Options) -> core::result::Result<(), Options> {
    let mut registry = REGISTRY.lock();
    let path = canonical(&options.path);
    if registry.default_taken || registry.stores.iter().any(|(p, _)| *p == path) {
        return Err(options);
    }
    registry.configured = Some(options);
    Ok(())
}

/// The default store's file: the [configured](configure) one, else `$MEMO_DISK_PATH`, else
/// `$XDG_CACHE_HOME/memo/cache.sqlite3`, else `$HOME/.cache/memo/cache.sqlite3`, else
/// `memo-<uid>/cache.sqlite3` in [`std::env::temp_dir()`] (a folder of the user's own, created
/// private; one another user made first is refused).
///
/// ```
/// let path = memo::disk::default_path();
/// if std::env::var_os("MEMO_DISK_PATH").is_none() {
///     assert!(path.ends_with("cache.sqlite3") || path.ends_with("my-app/memo.sqlite3"));
/// }
/// ```
pub fn default_path() -> PathBuf {
    let configured = REGISTRY.lock().configured.as_ref().map(|options| options.path.clone());
    configured.unwrap_or_else(unconfigured_path)
}

/// [`default_path`] without `configure`.
fn unconfigured_path() -> PathBuf {
    let var = |name| std::env::var_os(name).filter(|value| !value.is_empty()).map(PathBuf::from);
    if let Some(path) = var("MEMO_DISK_PATH") {
        return path;
    }
    let cache = var("XDG_CACHE_HOME")
        .filter(|dir| dir.is_absolute())
        .or_else(|| var("HOME").map(|home| home.join(".cache")));
    let dir = match cache {
        Some(cache) => cache.join("memo"),
        #[cfg(unix)]
        None => std::env::temp_dir().join(format!("memo-{}", rustix::process::geteuid().as_raw())),
        #[cfg(not(unix))]
        None => std::env::temp_dir().join("memo"),
    };
    dir.join("cache.sqlite3")
}

/// The store in `path`, or the default store: one per file per process. Opens nothing: the
/// file is opened by the first operation, so that errors surface per operation.
pub(crate) fn store(path: Option<&'static str>) -> Arc<dyn Backend> {
    let mut registry = REGISTRY.lock();
    let options = match (path, &registry.configured) {
        (None, configured) => {
            let options = configured.clone().unwrap_or_else(|| Options::new(unconfigured_path()));
            registry.default_taken = true;
            options
        }
        (Some(path), Some(configured)) if canonical(&configured.path) == canonical(Path::new(path)) => {
            configured.clone()
        }
        (Some(path), _) => Options::new(path),
    };
    let path = canonical(&options.path);
    if let Some((_, store)) = registry.stores.iter().find(|(p, _)| *p == path) {
        return store.clone();
    }
    let store = Arc::new(DiskStore::new(options));
    registry.stores.push((path, store.clone()));
    store
}

/// `path` made absolute, with symbolic links resolved as far as it exists yet.
fn canonical(path: &Path) -> PathBuf {
    if let Ok(path) = path.canonicalize() {
        return path;
    }
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    match (absolute.parent(), absolute.file_name()) {
        (Some(dir), Some(name)) => dir.canonicalize().map_or(absolute.clone(), |dir| dir.join(name)),
        _ => absolute,
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{TempDir, key, ns, totals};
    use super::*;

    #[test]
    fn one_store_per_file_and_configure() {
        let dir = TempDir::new("registry");
        let path = dir.0.join("named.sqlite3");
        let path: &'static str = String::leak(path.to_str().unwrap().to_owned());
        let first = store(Some(path));
        let second = store(Some(path));
        assert!(Arc::ptr_eq(&first, &second));
        assert!(configure(Options::new(path)).is_err(), "that file is in use");

        let default = dir.0.join("default.sqlite3");
        configure(Options::new(&default).max_entries(5)).unwrap();
        assert_eq!(default_path(), default);
        let store_default = store(None);
        let default_str: &'static str = String::leak(default.to_str().unwrap().to_owned());
        assert!(Arc::ptr_eq(&store_default, &store(Some(default_str))));
        assert!(configure(Options::new(&default)).is_err(), "too late");
        for i in 0..10 {
            store_default.set(key("f@v1", &ns(i)), b"v", None).unwrap();
        }
        assert_eq!(totals(&default).0, 5);
    }
}
