//! The data directory and the SQLite files hold password hashes, keys,
//! sandbox mail and the activity log: only the server's user may read them.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use postern::db::DatabaseUrl;

use crate::helpers::{TestApp, restart, spawn_app, spawn_app_with};

/// The permission bits in octal, as `ls -l` users know them: "700".
fn mode_of(path: &Path) -> String {
    let metadata = std::fs::metadata(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    format!("{:o}", metadata.permissions().mode() & 0o777)
}

fn set_mode(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// A first-run setup: a write, so SQLite's `-wal` and `-shm` files exist.
async fn write_something(app: &TestApp) {
    app.post_form(
        "/setup",
        &[
            ("name", "Ada Admin"),
            ("email", "ada@example.com"),
            ("password", "a-long-enough-password"),
            ("password_confirm", "a-long-enough-password"),
            ("workspace", "Acme Mail"),
        ],
    )
    .await
    .assert_redirect_to("/w/acme-mail/settings/smtp-credentials");
}

/// The SQLite files in `dir`, or none on PostgreSQL.
fn sqlite_files(app: &TestApp, dir: &Path) -> Vec<std::path::PathBuf> {
    match app.database_url.starts_with("sqlite") {
        true => ["postern.db", "postern.db-wal", "postern.db-shm"]
            .iter()
            .map(|name| dir.join(name))
            .collect(),
        false => Vec::new(),
    }
}

#[tokio::test]
async fn a_new_data_directory_and_its_files_are_readable_by_the_server_user_only() {
    let app = spawn_app_with(|config| {
        let dir = config.data_dir.join("data");
        if let DatabaseUrl::Sqlite(_) = config.database_url {
            config.database_url = DatabaseUrl::Sqlite(dir.join("postern.db"));
        }
        config.data_dir = dir;
    })
    .await;
    write_something(&app).await;
    let dir = app.data_dir().join("data");
    assert_eq!(mode_of(&dir), "700", "the data directory");
    for file in ["secret.key", "tls-key.pem"] {
        assert_eq!(mode_of(&dir.join(file)), "600", "{file}");
    }
    for file in sqlite_files(&app, &dir) {
        assert_eq!(mode_of(&file), "600", "{}", file.display());
    }
}

#[tokio::test]
async fn looser_modes_left_by_an_older_version_are_tightened_at_start_up() {
    let app = spawn_app().await;
    write_something(&app).await;
    let dir = app.data_dir().to_owned();
    set_mode(&dir, 0o755);
    let files = sqlite_files(&app, &dir);
    for file in &files {
        set_mode(file, 0o644);
    }
    let secrets = [dir.join("secret.key"), dir.join("tls-key.pem")];
    for file in &secrets {
        set_mode(file, 0o644);
    }
    let app = restart(app).await;
    assert_eq!(mode_of(&dir), "700", "the data directory");
    for file in files.iter().filter(|f| f.exists()).chain(&secrets) {
        assert_eq!(mode_of(file), "600", "{}", file.display());
    }
    assert_eq!(app.count_rows("users").await, 1, "the data is kept");
    let page = app.get("/w/acme-mail/settings/smtp-credentials").await;
    assert_eq!(page.status, 200, "still signed in: the same secret key");
}
