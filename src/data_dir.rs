//! The data directory and the database hold password hashes, keys, sandbox
//! mail and the activity log, so only the server's user may read them: the
//! directory is created 0700, the SQLite files and the generated secrets
//! ([`SECRET_KEY`], [`TLS_KEY`]) 0600, and looser modes (left by older
//! versions or an operator) are tightened at start-up (a warning names each
//! path).

use std::fs::{DirBuilder, OpenOptions, Permissions};
use std::io;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Owner only: read, write, enter.
pub const DIR_MODE: u32 = 0o700;
/// Owner only: read, write.
pub const FILE_MODE: u32 = 0o600;

/// The session secret generated when `POSTERN_SECRET_KEY` is unset.
pub const SECRET_KEY: &str = "secret.key";
/// The private key of the generated STARTTLS certificate.
pub const TLS_KEY: &str = "tls-key.pem";

/// Creates `dir` (with missing parents) for the server's user only, or
/// tightens an existing one and the secrets Postern keeps in it.
pub fn prepare(dir: &Path) -> io::Result<()> {
    create_private_dir(dir)?;
    tighten(dir, DIR_MODE);
    for name in [SECRET_KEY, TLS_KEY] {
        tighten(&dir.join(name), FILE_MODE);
    }
    Ok(())
}

/// Creates `dir` and missing parents with mode 0700; leaves existing ones as
/// they are (they need not be ours, e.g. `/var/lib`).
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    DirBuilder::new().recursive(true).mode(DIR_MODE).create(dir)
}

/// Writes a new file that only the server's user can read (a key, a
/// certificate's private key); fails when `path` exists.
pub fn write_private(path: &Path, contents: &str) -> io::Result<()> {
    use std::io::Write;
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(FILE_MODE)
        .open(path)?;
    file.write_all(contents.as_bytes())
}

/// Before SQLite opens the database at `path`: creates it empty with mode
/// 0600 when missing (SQLite gives the `-wal` and `-shm` files it creates
/// the database's mode), and tightens the database, `-wal` and `-shm`.
pub fn prepare_sqlite_files(path: &Path) -> io::Result<()> {
    match OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(FILE_MODE)
        .open(path)
    {
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(e),
    }
    for suffix in ["", "-wal", "-shm"] {
        tighten(&with_suffix(path, suffix), FILE_MODE);
    }
    Ok(())
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    name.into()
}

/// Takes away any permission beyond `mode` from an existing path. A path
/// that cannot be changed (another owner) is reported, not fatal.
fn tighten(path: &Path, mode: u32) {
    let Ok(metadata) = std::fs::metadata(path) else {
        return;
    };
    let current = metadata.permissions().mode() & 0o777;
    if current & !mode == 0 {
        return;
    }
    match std::fs::set_permissions(path, Permissions::from_mode(current & mode)) {
        Ok(()) => tracing::warn!(
            path = %path.display(),
            "permissions were {current:o}; tightened to {:o}",
            current & mode
        ),
        Err(e) => tracing::warn!(
            path = %path.display(),
            "permissions are {current:o} and cannot be tightened to {mode:o}: {e}"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode_of(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn a_new_data_directory_and_database_are_private() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("a/data");
        prepare(&dir).unwrap();
        prepare_sqlite_files(&dir.join("postern.db")).unwrap();
        assert_eq!(mode_of(&root.path().join("a")), 0o700);
        assert_eq!(mode_of(&dir), 0o700);
        assert_eq!(mode_of(&dir.join("postern.db")), 0o600);
    }

    #[test]
    fn looser_modes_are_tightened_and_content_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("postern.db");
        std::fs::write(&db, b"data").unwrap();
        std::fs::write(with_suffix(&db, "-wal"), b"wal").unwrap();
        std::fs::set_permissions(&db, Permissions::from_mode(0o644)).unwrap();
        std::fs::set_permissions(with_suffix(&db, "-wal"), Permissions::from_mode(0o666)).unwrap();
        std::fs::set_permissions(dir.path(), Permissions::from_mode(0o755)).unwrap();
        prepare(dir.path()).unwrap();
        prepare_sqlite_files(&db).unwrap();
        assert_eq!(mode_of(dir.path()), 0o700);
        assert_eq!(mode_of(&db), 0o600);
        assert_eq!(mode_of(&with_suffix(&db, "-wal")), 0o600);
        assert_eq!(std::fs::read(&db).unwrap(), b"data");
    }

    #[test]
    fn loosened_secrets_in_the_directory_are_tightened() {
        let dir = tempfile::tempdir().unwrap();
        for name in [SECRET_KEY, TLS_KEY, "tls-cert.pem"] {
            let path = dir.path().join(name);
            std::fs::write(&path, name).unwrap();
            std::fs::set_permissions(&path, Permissions::from_mode(0o644)).unwrap();
        }
        prepare(dir.path()).unwrap();
        assert_eq!(mode_of(&dir.path().join(SECRET_KEY)), 0o600);
        assert_eq!(mode_of(&dir.path().join(TLS_KEY)), 0o600);
        assert_eq!(
            mode_of(&dir.path().join("tls-cert.pem")),
            0o644,
            "a certificate is public"
        );
        assert_eq!(
            std::fs::read(dir.path().join(SECRET_KEY)).unwrap(),
            SECRET_KEY.as_bytes()
        );
    }
}
