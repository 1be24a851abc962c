//! Who may read and write a disk store. memo creates the folders and the file of a store
//! private to the user (`0700`, `0600`: [`Options::permissions`](super::Options::permissions)
//! widens them), and before opening a store refuses a file, or a folder on its path, that
//! another user owns or can write, unless the store is
//! [trusted](super::Options::trust_other_users): such a user could read the cached values, or
//! plant entries that this program would serve as its results. A symbolic link at the
//! store's path (or its `-wal`, `-shm` and `-journal` files) is never followed.
//!
//! On other platforms than Unix there are no such checks.

use std::path::{Path, PathBuf};

/// Whether the store's file and folders may be used; creates the missing folders and the
/// file, private. `Ok` is the file's path with its folders' symbolic links resolved (SQLite
/// opens it without following any link), `Err` says why not.
#[cfg(unix)]
pub(super) fn prepare(path: &Path, permissions: u32, trust_other_users: bool) -> Result<PathBuf, String> {
    use std::fs::{DirBuilder, OpenOptions};
    use std::io::ErrorKind;
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};

    let dir = path.parent().filter(|dir| !dir.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().ok_or_else(|| "it names no file".to_owned())?;
    if !dir.exists() {
        DirBuilder::new()
            .recursive(true)
            .mode(folder_mode(permissions))
            .create(dir)
            .map_err(|e| format!("cannot create its folder: {e}"))?;
        // The umask may have taken bits that `permissions` grants on purpose.
        set_mode(dir, folder_mode(permissions))?;
    }
    let real = dir.canonicalize().map_err(|e| format!("cannot resolve its folder: {e}"))?;
    let path = real.join(name);
    let me = Me::now();
    if !trust_other_users {
        for folder in real.ancestors() {
            check_folder(folder, &me, permissions)?;
        }
    }
    // `create_new` is O_CREAT | O_EXCL, which never follows a symbolic link.
    match OpenOptions::new().write(true).create_new(true).mode(permissions).open(&path) {
        Ok(_) => set_mode(&path, permissions)?,
        Err(e) if e.kind() == ErrorKind::AlreadyExists => {
            check_file(&path, &me, permissions, trust_other_users)?
        }
        Err(e) => return Err(format!("cannot create it: {e}")),
    }
    // SQLite replays a write-ahead log or a journal it finds: one planted beside the store
    // would plant entries.
    for suffix in ["-wal", "-shm", "-journal"] {
        let mut companion = path.as_os_str().to_owned();
        companion.push(suffix);
        let companion = PathBuf::from(companion);
        if std::fs::symlink_metadata(&companion).is_ok() {
            check_file(&companion, &me, permissions, trust_other_users)
                .map_err(|why| format!("{}: {why}", companion.display()))?;
        }
    }
    Ok(path)
}

/// Narrows the modes of a store's file and its companions that this user owns to
/// `permissions` (stores made by versions of memo that created them `0644`).
#[cfg(unix)]
pub(super) fn tighten(path: &Path, permissions: u32) {
    use std::os::unix::fs::MetadataExt;
    let me = Me::now().user;
    for suffix in ["", "-wal", "-shm"] {
        let mut file = path.as_os_str().to_owned();
        file.push(suffix);
        if let Ok(meta) = std::fs::symlink_metadata(&file)
            && meta.is_file()
            && meta.uid() == me
            && meta.mode() & 0o777 & !permissions != 0
        {
            let _ = set_mode(Path::new(&file), meta.mode() & 0o777 & permissions);
        }
    }
}

/// Nothing to narrow where there are no Unix modes.
#[cfg(not(unix))]
pub(super) fn tighten(_path: &Path, _permissions: u32) {}

/// The user and group this process acts as.
#[cfg(unix)]
struct Me {
    user: u32,
    group: u32,
}

#[cfg(unix)]
impl Me {
    fn now() -> Me {
        Me { user: rustix::process::geteuid().as_raw(), group: rustix::process::getegid().as_raw() }
    }

    /// The write bits of `mode` that let someone else than this user write: group write
    /// counts unless the group is this process's own (the private group of each user, as
    /// `umask 002` systems give), and whatever `permissions` grants on purpose does not.
    fn foreign_writes(&self, mode: u32, group: u32, permissions: u32) -> u32 {
        let group_write = if group == self.group { 0 } else { 0o020 };
        mode & (group_write | 0o002) & !permissions
    }
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .map_err(|e| format!("cannot set the mode of {}: {e}", path.display()))
}

/// No checks where there are no Unix owners and modes: creates the missing folders.
#[cfg(not(unix))]
pub(super) fn prepare(path: &Path, _permissions: u32, _trust_other_users: bool) -> Result<PathBuf, String> {
    if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create its folder: {e}"))?;
    }
    Ok(path.to_path_buf())
}

/// The mode of the folders memo creates: the files' permissions, with search where read is.
pub(super) fn folder_mode(permissions: u32) -> u32 {
    permissions | ((permissions & 0o444) >> 2)
}

/// A folder on the store's path must be this user's or root's, and writable by no one else
/// (beyond what `permissions` grants), unless it is sticky (`/tmp`: others cannot replace
/// what is in it).
#[cfg(unix)]
fn check_folder(folder: &Path, me: &Me, permissions: u32) -> Result<(), String> {
    use std::os::unix::fs::MetadataExt;
    let user = me.user;
    let meta = std::fs::metadata(folder).map_err(|e| format!("cannot inspect {}: {e}", folder.display()))?;
    if meta.uid() != user && meta.uid() != 0 {
        return Err(format!(
            "its folder {} belongs to another user (uid {}); memo trusts only folders of this user \
             (uid {user}) or root, unless `trust_other_users` is set",
            folder.display(),
            meta.uid()
        ));
    }
    let sticky = meta.mode() & 0o1000 != 0;
    if !sticky && me.foreign_writes(meta.mode(), meta.gid(), folder_mode(permissions)) != 0 {
        return Err(format!(
            "its folder {} can be written by other users (mode {:o}); memo refuses it unless \
             `trust_other_users` is set",
            folder.display(),
            meta.mode() & 0o7777
        ));
    }
    Ok(())
}

/// The store's file must be a regular file (not a link), this user's or root's, and writable
/// by no one else beyond what `permissions` grants.
#[cfg(unix)]
fn check_file(path: &Path, me: &Me, permissions: u32, trust_other_users: bool) -> Result<(), String> {
    use std::os::unix::fs::MetadataExt;
    let user = me.user;
    let meta = std::fs::symlink_metadata(path).map_err(|e| format!("cannot inspect it: {e}"))?;
    if meta.file_type().is_symlink() {
        return Err("it is a symbolic link; memo never follows one at a store's path".to_owned());
    }
    if !meta.is_file() {
        return Err("it is not a regular file".to_owned());
    }
    if trust_other_users {
        return Ok(());
    }
    if meta.uid() != user && meta.uid() != 0 {
        return Err(format!(
            "it belongs to another user (uid {}); memo serves only stores of this user (uid {user}), \
             unless `trust_other_users` is set",
            meta.uid()
        ));
    }
    if me.foreign_writes(meta.mode(), meta.gid(), permissions) != 0 {
        return Err(format!(
            "other users can write it (mode {:o}); memo refuses it unless `trust_other_users` is set",
            meta.mode() & 0o777
        ));
    }
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::super::Options;
    use super::super::store::DiskStore;
    use super::*;
    use crate::shared::backend::{Backend, Key};
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    use std::path::PathBuf;
    use std::time::Duration;

    /// A fresh folder under the temporary folder, removed on drop.
    struct Scratch(PathBuf);

    impl Scratch {
        fn new(name: &str) -> Scratch {
            let dir = std::env::temp_dir().join(format!("memo-access-{}-{name}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
            Scratch(dir)
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    const K: Key<'static> = Key { namespace: "f@v1", bytes: b"k" };

    fn mode(path: &Path) -> u32 {
        std::fs::symlink_metadata(path).unwrap().mode() & 0o7777
    }

    fn wal(path: &Path) -> PathBuf {
        let mut wal = path.as_os_str().to_owned();
        wal.push("-wal");
        wal.into()
    }

    #[test]
    fn stores_and_their_folders_are_created_private() {
        let scratch = Scratch::new("private");
        let path = scratch.0.join("a/b/cache.sqlite3");
        let store = DiskStore::new(Options::new(&path));
        store.set(K, b"v", None).unwrap();
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&scratch.0.join("a/b")), 0o700);
        assert_eq!(mode(&scratch.0.join("a")), 0o700);
        if wal(&path).exists() {
            assert_eq!(mode(&wal(&path)), 0o600, "SQLite gives its files the store's mode");
        }

        let shared = scratch.0.join("group/cache.sqlite3");
        DiskStore::new(Options::new(&shared).permissions(0o660)).set(K, b"v", None).unwrap();
        assert_eq!(mode(&shared), 0o660, "widened on purpose, whatever the umask");
        assert_eq!(mode(&scratch.0.join("group")), 0o770);
    }

    #[test]
    fn a_store_in_a_folder_others_can_write_is_refused_unless_trusted() {
        let scratch = Scratch::new("open-folder");
        let planted = scratch.0.join("memo-examples");
        DiskStore::new(Options::new(planted.join("cache.sqlite3"))).set(K, b"planted", None).unwrap();
        std::fs::set_permissions(&planted, std::fs::Permissions::from_mode(0o777)).unwrap();
        let store = DiskStore::new(Options::new(planted.join("cache.sqlite3")));
        let error = store.get(K).unwrap_err().to_string();
        assert!(error.contains("can be written by other users"), "{error}");
        assert!(super::super::last_error().unwrap().to_string().contains("can be written by other users"));

        let trusting = DiskStore::new(Options::new(planted.join("cache.sqlite3")).trust_other_users());
        assert_eq!(trusting.get(K).unwrap().as_deref(), Some(&b"planted"[..]));

        // A sticky folder (as /tmp) is fine: others cannot replace what is in it.
        std::fs::set_permissions(&planted, std::fs::Permissions::from_mode(0o1777)).unwrap();
        assert_eq!(
            DiskStore::new(Options::new(planted.join("cache.sqlite3"))).get(K).unwrap().as_deref(),
            Some(&b"planted"[..])
        );
    }

    /// Another user's store or folder (made so with `chown`, which needs root: elsewhere the
    /// test has nothing to plant and says so).
    #[test]
    fn a_store_or_folder_of_another_user_is_refused_unless_trusted() {
        const NOBODY: u32 = 65534;
        let scratch = Scratch::new("other-user");
        let dir = scratch.0.join("planted");
        let path = dir.join("cache.sqlite3");
        DiskStore::new(Options::new(&path)).set(K, b"planted", None).unwrap();
        if std::os::unix::fs::chown(&path, Some(NOBODY), None).is_err() {
            eprintln!("skipped: chown needs root");
            return;
        }
        let error = DiskStore::new(Options::new(&path)).get(K).unwrap_err().to_string();
        assert!(error.contains("belongs to another user"), "{error}");
        assert!(DiskStore::new(Options::new(&path).trust_other_users()).get(K).unwrap().is_some());

        std::os::unix::fs::chown(&path, Some(0), None).unwrap();
        std::os::unix::fs::chown(&dir, Some(NOBODY), None).unwrap();
        let error = DiskStore::new(Options::new(&path)).get(K).unwrap_err().to_string();
        assert!(error.contains("its folder") && error.contains("belongs to another user"), "{error}");
    }

    #[test]
    fn a_symbolic_link_at_the_store_path_is_never_followed() {
        let scratch = Scratch::new("symlink");
        let target = scratch.0.join("victim");
        std::fs::write(&target, b"precious").unwrap();
        let path = scratch.0.join("cache.sqlite3");
        std::os::unix::fs::symlink(&target, &path).unwrap();
        let store = DiskStore::new(Options::new(&path).trust_other_users());
        let error = store.set(K, b"v", None).unwrap_err().to_string();
        assert!(error.contains("symbolic link"), "{error}");
        assert_eq!(std::fs::read(&target).unwrap(), b"precious");

        // Nor at its write-ahead log.
        std::fs::remove_file(&path).unwrap();
        DiskStore::new(Options::new(&path)).set(K, b"v", None).unwrap();
        let _ = std::fs::remove_file(wal(&path));
        std::os::unix::fs::symlink(&target, wal(&path)).unwrap();
        let error = DiskStore::new(Options::new(&path)).get(K).unwrap_err().to_string();
        assert!(error.contains("symbolic link"), "{error}");
        assert_eq!(std::fs::read(&target).unwrap(), b"precious");
    }

    #[test]
    fn a_planted_write_ahead_log_is_refused() {
        let scratch = Scratch::new("planted-wal");
        let path = scratch.0.join("cache.sqlite3");
        DiskStore::new(Options::new(&path)).set(K, b"v", None).unwrap();
        let _ = std::fs::remove_file(wal(&path));
        std::fs::write(wal(&path), b"").unwrap();
        std::fs::set_permissions(wal(&path), std::fs::Permissions::from_mode(0o666)).unwrap();
        let error = DiskStore::new(Options::new(&path)).get(K).unwrap_err().to_string();
        assert!(error.contains("-wal") && error.contains("other users can write it"), "{error}");
    }

    /// Links in the folders above a store are resolved (macOS's `/var`, a `~/.cache` on
    /// another disk); only the store's own path is never a link. A folder writable by the
    /// user's own group (a `umask 002` system's private group) is the user's.
    #[test]
    fn linked_and_own_group_folders_are_fine() {
        let scratch = Scratch::new("linked");
        let real = scratch.0.join("real");
        std::fs::create_dir(&real).unwrap();
        std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o775)).unwrap();
        std::os::unix::fs::symlink(&real, scratch.0.join("link")).unwrap();
        let store = DiskStore::new(Options::new(scratch.0.join("link/cache.sqlite3")));
        store.set(K, b"v", None).unwrap();
        assert_eq!(store.get(K).unwrap().as_deref(), Some(&b"v"[..]));
        assert!(real.join("cache.sqlite3").is_file());
    }

    /// Stores made private by an older memo (`0644`) are narrowed once opened.
    #[test]
    fn an_older_stores_wide_modes_are_narrowed() {
        let scratch = Scratch::new("narrowed");
        let path = scratch.0.join("cache.sqlite3");
        DiskStore::new(Options::new(&path)).set(K, b"v", None).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(DiskStore::new(Options::new(&path)).get(K).unwrap().is_some());
        assert_eq!(mode(&path), 0o600);
    }

    /// Another program's SQLite file (rollback journal, its own table) and a file that is not
    /// SQLite at all are read at most, never written: byte for byte the same afterwards.
    #[test]
    fn foreign_files_are_left_byte_identical() {
        let scratch = Scratch::new("foreign");
        let sqlite = scratch.0.join("users.db");
        {
            let db = rusqlite::Connection::open(&sqlite).unwrap();
            db.execute_batch("CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT); INSERT INTO users VALUES (1, 'a@b.c');")
                .unwrap();
        }
        let text = scratch.0.join("notes.txt");
        std::fs::write(&text, b"not a database, just notes\n").unwrap();
        // A database with no table yet: only its header is written.
        let blank = scratch.0.join("blank.db");
        rusqlite::Connection::open(&blank).unwrap().pragma_update(None, "user_version", 7).unwrap();
        for path in [&sqlite, &text, &blank] {
            let before = std::fs::read(path).unwrap();
            let store = DiskStore::new(Options::new(path).busy_timeout(Duration::from_millis(50)));
            assert!(store.get(K).is_err());
            assert!(store.set(K, b"v", None).is_err());
            assert!(store.clear("f@v1").is_err());
            assert!(store.claim(K, Duration::from_secs(1)).is_err());
            assert_eq!(std::fs::read(path).unwrap(), before, "{} was modified", path.display());
            assert!(!wal(path).exists(), "no write-ahead log was made beside {}", path.display());
        }

        // Another program's WAL database whose last commits are still in its log (it exited
        // without a checkpoint): memo must not checkpoint them into its file, as the last
        // read-write connection to close would.
        let live = scratch.0.join("live.db");
        let owner = rusqlite::Connection::open(&live).unwrap();
        owner.pragma_update(None, "journal_mode", "wal").unwrap();
        owner.pragma_update(None, "wal_autocheckpoint", 0).unwrap();
        owner.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, true).unwrap();
        owner.execute_batch("CREATE TABLE orders (id INTEGER); INSERT INTO orders VALUES (1), (2);").unwrap();
        drop(owner);
        let (before, log_before) = (std::fs::read(&live).unwrap(), std::fs::read(wal(&live)).unwrap());
        assert!(!log_before.is_empty());
        let store = DiskStore::new(Options::new(&live).busy_timeout(Duration::from_millis(50)));
        assert!(store.get(K).is_err());
        assert!(store.set(K, b"v", None).is_err());
        drop(store);
        assert_eq!(std::fs::read(&live).unwrap(), before, "the database was modified");
        assert_eq!(std::fs::read(wal(&live)).unwrap(), log_before, "its log was modified");
    }

    /// Soon after a write, the file alone holds it: a copy of it without the `-wal` file (a
    /// backup) has every committed entry.
    #[test]
    fn the_file_alone_holds_every_committed_entry() {
        let scratch = Scratch::new("checkpoint");
        let path = scratch.0.join("cache.sqlite3");
        let store = DiskStore::new(Options::new(&path));
        for i in 0..50_u32 {
            store.set(Key { namespace: "f@v1", bytes: &i.to_le_bytes() }, &[7; 100], None).unwrap();
        }
        let written = std::time::Instant::now();
        while super::super::test_support::entries_in_file_alone(&path) < 50 {
            assert!(written.elapsed() < Duration::from_secs(2), "not checkpointed");
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    #[test]
    fn folders_can_be_searched_where_files_can_be_read() {
        assert_eq!(folder_mode(0o600), 0o700);
        assert_eq!(folder_mode(0o660), 0o770);
        assert_eq!(folder_mode(0o644), 0o755);
    }
}
