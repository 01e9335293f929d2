use postern::service::credentials::Scope;

use super::client::Client;
use super::credential;
use crate::credentials::{LIST, id_of, shown_password};
use crate::helpers::spawn_app;

async fn auth_code(app: &crate::helpers::TestApp, user: &str, password: &str) -> u16 {
    let mut client = Client::connect_tls(app).await;
    client.auth_plain(user, password).await.code
}

#[tokio::test]
async fn deactivating_in_the_dashboard_fails_the_very_next_auth() {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    let password = credential(&app, &workspace, "revoke_me", true, Scope::Global).await;
    let id = id_of(&app, "revoke_me").await;
    assert_eq!(auth_code(&app, "revoke_me", &password).await, 235);
    assert_eq!(
        auth_code(&app, "revoke_me", &password).await,
        235,
        "a cached login"
    );

    app.post_form(&format!("{LIST}/{id}/deactivate"), &[]).await;
    assert_eq!(auth_code(&app, "revoke_me", &password).await, 535);
    app.post_form(&format!("{LIST}/{id}/activate"), &[]).await;
    assert_eq!(auth_code(&app, "revoke_me", &password).await, 235);
}

#[tokio::test]
async fn regenerating_fails_the_old_password_and_the_new_one_works() {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    let old = credential(&app, &workspace, "rotate_me", true, Scope::Global).await;
    let id = id_of(&app, "rotate_me").await;
    assert_eq!(auth_code(&app, "rotate_me", &old).await, 235);
    let new = shown_password(&app.post_form(&format!("{LIST}/{id}/regenerate"), &[]).await);
    assert_eq!(auth_code(&app, "rotate_me", &old).await, 535);
    assert_eq!(auth_code(&app, "rotate_me", &new).await, 235);
}

#[tokio::test]
async fn deleting_fails_the_next_auth() {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    let password = credential(&app, &workspace, "delete_me", true, Scope::Global).await;
    let id = id_of(&app, "delete_me").await;
    assert_eq!(auth_code(&app, "delete_me", &password).await, 235);
    app.post_form(&format!("{LIST}/{id}/delete"), &[]).await;
    assert_eq!(auth_code(&app, "delete_me", &password).await, 535);
}

#[tokio::test]
async fn a_credential_revoked_mid_session_cannot_start_another_message() {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    let password = credential(&app, &workspace, "mid_session", true, Scope::Global).await;
    let id = id_of(&app, "mid_session").await;
    let mut client = Client::connect_tls(&app).await;
    assert_eq!(client.auth_plain("mid_session", &password).await.code, 235);
    app.post_form(&format!("{LIST}/{id}/deactivate"), &[]).await;
    let reply = client.cmd("MAIL FROM:<a@example.com>").await;
    assert!(reply.text.starts_with("535 5.7.8"), "{}", reply.text);
}

#[tokio::test]
async fn a_sandbox_credential_deleted_before_the_end_of_data_gets_535_and_nothing_is_stored() {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    let password = credential(&app, &workspace, "gone_box", true, Scope::Global).await;
    let id = id_of(&app, "gone_box").await;
    let mut client = Client::connect_tls(&app).await;
    let auth = client.auth_plain("gone_box", &password).await;
    assert_eq!(auth.code, 235, "{}", auth.text);
    assert_eq!(client.cmd("MAIL FROM:<app@a.example>").await.code, 250);
    assert_eq!(client.cmd("RCPT TO:<customer@example.net>").await.code, 250);
    app.post_form(&format!("{LIST}/{id}/delete"), &[]).await;
    assert_eq!(client.cmd("DATA").await.code, 354);
    let reply = client
        .cmd("From: app@a.example\r\nSubject: late\r\n\r\nHi\r\n.")
        .await;
    assert!(reply.text.starts_with("535 5.7.8 "), "{}", reply.text);
    assert_eq!(app.count_rows("sandbox_messages").await, 0);
    assert!(
        client
            .cmd("MAIL FROM:<app@a.example>")
            .await
            .text
            .starts_with("530 "),
        "signed out"
    );
}
