//! Expiry and rotation overlap at SMTP AUTH: an expired credential or a
//! previous password past its window gets the same 535 as a wrong password.

use chrono::Duration;
use diesel::prelude::*;
use lettre::AsyncTransport;
use postern::db::schema::credential_secrets;
use postern::domain::now;
use postern::service::credentials::Scope;

use super::client::Client;
use super::credential;
use super::delivery::{mailer, message};
use crate::credentials::expiry::set_expires_at;
use crate::credentials::{LIST, id_of, shown_password};
use crate::helpers::{TestApp, spawn_app};

async fn auth_code(app: &TestApp, user: &str, password: &str) -> u16 {
    let mut client = Client::connect_tls(app).await;
    client.auth_plain(user, password).await.code
}

#[tokio::test]
async fn an_expired_credential_gets_535_until_it_is_renewed() {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    let password = credential(&app, &workspace, "lapsing", true, Scope::Global).await;
    assert_eq!(auth_code(&app, "lapsing", &password).await, 235);

    set_expires_at(&app, "lapsing", Some(now() - Duration::seconds(1))).await;
    assert_eq!(
        auth_code(&app, "lapsing", &password).await,
        535,
        "not from the cache"
    );
    let sent = mailer(&app, "lapsing", &password)
        .send(message("expired"))
        .await;
    let error = sent.expect_err("lettre is refused");
    assert!(error.to_string().contains("535"), "{error}");

    let id = id_of(&app, "lapsing").await;
    app.post_form(&format!("{LIST}/{id}/renew"), &[("expires", "30d")])
        .await
        .assert_redirect_to(&format!("{LIST}/{id}"));
    assert_eq!(auth_code(&app, "lapsing", &password).await, 235);
    mailer(&app, "lapsing", &password)
        .send(message("renewed"))
        .await
        .expect("lettre sends once renewed");
}

#[tokio::test]
async fn during_an_overlap_both_passwords_work_and_after_it_only_the_new_one() {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    let old = credential(&app, &workspace, "rotating", true, Scope::Global).await;
    let id = id_of(&app, "rotating").await;
    assert_eq!(auth_code(&app, "rotating", &old).await, 235);
    let regenerate = format!("{LIST}/{id}/regenerate");
    let new = shown_password(&app.post_form(&regenerate, &[("overlap", "3600")]).await);

    assert_eq!(auth_code(&app, "rotating", &old).await, 235, "old, cached");
    assert_eq!(auth_code(&app, "rotating", &new).await, 235);
    mailer(&app, "rotating", &old)
        .send(message("old password"))
        .await
        .expect("the old password sends during the overlap");
    mailer(&app, "rotating", &new)
        .send(message("new password"))
        .await
        .expect("the new password sends");

    // The window closes.
    app.db
        .query(|c| {
            diesel::update(
                credential_secrets::table.filter(credential_secrets::valid_until.is_not_null()),
            )
            .set(credential_secrets::valid_until.eq(now() - Duration::seconds(1)))
            .execute(c)
        })
        .await
        .unwrap();
    assert_eq!(auth_code(&app, "rotating", &old).await, 535);
    assert_eq!(auth_code(&app, "rotating", &new).await, 235);
}

#[tokio::test]
async fn revoking_the_previous_password_fails_it_at_the_next_auth() {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    let old = credential(&app, &workspace, "revoking", true, Scope::Global).await;
    let id = id_of(&app, "revoking").await;
    let regenerate = format!("{LIST}/{id}/regenerate");
    let new = shown_password(&app.post_form(&regenerate, &[("overlap", "604800")]).await);
    assert_eq!(auth_code(&app, "revoking", &old).await, 235);
    app.post_form(&format!("{LIST}/{id}/revoke-previous"), &[])
        .await;
    assert_eq!(auth_code(&app, "revoking", &old).await, 535);
    assert_eq!(auth_code(&app, "revoking", &new).await, 235);
    let sent = mailer(&app, "revoking", &old)
        .send(message("revoked"))
        .await;
    assert!(sent.is_err());
}
