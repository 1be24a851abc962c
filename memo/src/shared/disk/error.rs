//! How a store's operations fail: a [`Fault`] says why and whether the connection may be used
//! again; [`last_error`] keeps, for the user, why the last one failed.

use parking_lot::Mutex;
use rusqlite::ErrorCode;

use super::store::DiskStore;
use crate::shared::backend::StoreError;

/// The most recent error of any disk store of this process.
pub(super) static LAST_ERROR: Mutex<Option<String>> = Mutex::new(None);

/// Why the last failed operation of a disk store in this process failed (a store refused as
/// another user's, a locked or corrupt file, a full disk), or `None` if none has. The
/// functions run as if the store missed, and count it in `shared_info().errors`; this says
/// why.
///
/// ```
/// let path = std::env::temp_dir().join(format!("memo-doc-last-error-{}", std::process::id()));
/// std::fs::write(&path, b"not a database").unwrap();
/// memo::disk::configure(memo::disk::Options::new(&path)).unwrap();
///
/// #[memo::lru_cache(disk)]
/// fn square(x: u64) -> u64 { x * x }
///
/// assert_eq!(square(3), 9); // the store is refused: the body runs
/// assert!(square::shared_info().errors >= 1); // the read, and the write after the body
/// let why = memo::disk::last_error().unwrap().to_string();
/// assert!(why.contains("not a SQLite file"), "{why}");
/// # std::fs::remove_file(&path).unwrap();
/// ```
pub fn last_error() -> Option<StoreError> {
    LAST_ERROR.lock().as_deref().map(StoreError::new)
}

/// Why an operation failed, and whether the same connection may be used again.
pub(super) struct Fault {
    pub(super) message: String,
    /// A lock held past the busy timeout: nothing is wrong with the connection.
    pub(super) transient: bool,
}

impl From<rusqlite::Error> for Fault {
    fn from(error: rusqlite::Error) -> Self {
        Fault { message: error.to_string(), transient: is_busy(&error) }
    }
}

/// A lock held by another connection.
pub(super) fn is_busy(error: &rusqlite::Error) -> bool {
    matches!(error.sqlite_error_code(), Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked))
}

impl From<std::io::Error> for Fault {
    fn from(error: std::io::Error) -> Self {
        Fault { message: error.to_string(), transient: false }
    }
}

impl DiskStore {
    pub(super) fn error(&self, message: &str) -> StoreError {
        let message = format!("disk store {}: {message}", self.options.path.display());
        *LAST_ERROR.lock() = Some(message.clone());
        StoreError::new(message)
    }
}
