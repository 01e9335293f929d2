//! The instance's ceiling (`POSTERN_SANDBOX_MAX_BYTES`) and the space
//! deleted mail gives back.

use chrono::Duration;
use diesel::RunQueryDsl;
use postern::service::credentials::Scope;
use postern::service::sandbox::{SandboxUsage, retention};

use super::seed_messages;
use crate::helpers::{spawn_app, spawn_app_with};
use crate::smtp::{authenticated, send_message};

fn message_of(size: usize) -> String {
    let body = "x".repeat(76);
    let mut message = String::from("From: app@a.example\r\nSubject: Big\r\n\r\n");
    while message.len() < size {
        message.push_str(&body);
        message.push_str("\r\n");
    }
    message
}

#[tokio::test]
async fn at_the_ceiling_sandbox_mail_is_refused_with_452_until_some_is_deleted() {
    let app = spawn_app_with(|c| c.sandbox_max_bytes = Some(5_000)).await;
    let (_, workspace) = app.signed_in_owner().await;
    let mut client = authenticated(&app, &workspace, "full_box", true, Scope::Global).await;
    let message = message_of(2_000);

    for _ in 0..2 {
        let reply = send_message(&mut client, "app@a.example", "u@example.net", &message).await;
        assert_eq!(reply.code, 250, "{}", reply.text);
    }
    // The third would pass the ceiling: refused at the end of DATA.
    let reply = send_message(&mut client, "app@a.example", "u@example.net", &message).await;
    assert!(reply.text.starts_with("452 4.3.1 "), "{}", reply.text);
    assert_eq!(app.count_rows("sandbox_messages").await, 2);
    // The session goes on; a small one still fits.
    let small = "From: app@a.example\r\nSubject: Small\r\n\r\nHi\r\n";
    let reply = send_message(&mut client, "app@a.example", "u@example.net", small).await;
    assert_eq!(reply.code, 250, "{}", reply.text);

    let sandbox = format!("/w/{}/sandbox", workspace.slug);
    app.post_form(&format!("{sandbox}/delete-all"), &[]).await;
    let reply = send_message(&mut client, "app@a.example", "u@example.net", &message).await;
    assert_eq!(reply.code, 250, "{}", reply.text);
}

#[tokio::test]
async fn mail_stored_by_another_instance_counts_and_then_mail_from_gets_452() {
    let app = spawn_app_with(|c| {
        c.sandbox_max_bytes = Some(1_000);
        c.sandbox_retention_interval = std::time::Duration::from_secs(1);
    })
    .await;
    let (_, workspace) = app.signed_in_owner().await;
    let mut client = authenticated(&app, &workspace, "full_box", true, Scope::Global).await;
    assert_eq!(client.cmd("MAIL FROM:<app@a.example>").await.code, 250);
    assert_eq!(client.cmd("RSET").await.code, 250);
    // Stored behind this instance's back, as another instance would; the
    // job counts it within its interval.
    seed_messages(&app, &workspace, 1, 1_000, Duration::minutes(1)).await;
    let mut reply = client.cmd("MAIL FROM:<app@a.example>").await;
    for _ in 0..40 {
        if reply.code != 250 {
            break;
        }
        client.cmd("RSET").await;
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        reply = client.cmd("MAIL FROM:<app@a.example>").await;
    }
    assert!(reply.text.starts_with("452 4.3.1 "), "{}", reply.text);
}

#[derive(diesel::QueryableByName)]
struct Pragma {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    value: i64,
}

async fn pragma(app: &crate::helpers::TestApp, name: &'static str) -> i64 {
    app.db
        .query(move |conn| {
            diesel::sql_query(format!("SELECT {name} AS value FROM pragma_{name}()"))
                .get_result::<Pragma>(conn)
        })
        .await
        .unwrap()
        .value
}

#[tokio::test]
async fn deleted_mail_gives_its_space_back_to_the_filesystem_on_sqlite() {
    let app = spawn_app().await;
    if !app.database_url.starts_with("sqlite://") {
        return; // PostgreSQL's autovacuum reuses the space as usual.
    }
    let (_, workspace) = app.signed_in_owner().await;
    assert_eq!(pragma(&app, "auto_vacuum").await, 2, "INCREMENTAL");
    seed_messages(&app, &workspace, 200, 50_000, Duration::minutes(10)).await;
    let file = app.data_dir().join("postern.db");
    let pages = pragma(&app, "page_count").await;
    let page_size = pragma(&app, "page_size").await;
    assert!(
        pages * page_size > 10_000_000,
        "{pages} pages of {page_size}"
    );

    app.post_form(&format!("/w/{}/sandbox/delete-all", workspace.slug), &[])
        .await;
    retention::run_once(&app.db, &SandboxUsage::new(None))
        .await
        .unwrap();
    app.db
        .query(|conn| diesel::sql_query("PRAGMA wal_checkpoint(TRUNCATE)").execute(conn))
        .await
        .unwrap();
    assert_eq!(pragma(&app, "freelist_count").await, 0);
    let after = std::fs::metadata(&file).unwrap().len();
    assert!(after < 2_000_000, "the file is still {after} bytes");
}

#[tokio::test]
async fn an_sqlite_database_made_before_incremental_vacuum_is_converted_at_start_up() {
    use diesel::Connection;
    if crate::helpers::env_set("POSTERN_TEST_POSTGRES_URL") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    let mut old = diesel::SqliteConnection::establish(path.to_str().unwrap()).unwrap();
    diesel::sql_query("CREATE TABLE kept (note TEXT)")
        .execute(&mut old)
        .unwrap();
    diesel::sql_query("INSERT INTO kept VALUES ('from before')")
        .execute(&mut old)
        .unwrap();
    drop(old);

    let url = postern::db::DatabaseUrl::Sqlite(path.clone());
    let app = spawn_app_with(move |c| c.database_url = url).await;
    assert_eq!(pragma(&app, "auto_vacuum").await, 2, "INCREMENTAL");
    assert_eq!(app.count_rows("kept").await, 1);
}
