//! AUTH remembers what it read of a credential and reads only its
//! `auth_version` on the next login. These tests change credentials
//! straight in the database — as another instance, a migration or an
//! operator with psql would, past every service function — and expect the
//! very next command to see it.

use chrono::Duration as Age;
use diesel::prelude::*;
use postern::db::models::SmtpCredential;
use postern::db::schema::{credential_secrets, smtp_credential_domains, smtp_credentials};
use postern::domain::{CredentialId, now};
use postern::service::credentials::Scope;

use super::client::Client;
use super::{credential, domain_scope};
use crate::credentials::id_of;
use crate::helpers::{TestApp, spawn_app};

async fn auth_code(app: &TestApp, user: &str, password: &str) -> u16 {
    let mut client = Client::connect_tls(app).await;
    client.auth_plain(user, password).await.code
}

fn cid(id: &str) -> CredentialId {
    CredentialId::parse(id).unwrap()
}

/// Runs one write straight on the database, given the credential's id.
async fn write<F>(app: &TestApp, id: &str, f: F)
where
    F: FnOnce(&mut postern::db::DbConn, CredentialId) -> QueryResult<usize> + Send + 'static,
{
    let id = cid(id);
    let changed = app.db.query(move |conn| f(conn, id)).await.unwrap();
    assert_eq!(changed, 1, "one row written");
}

async fn version(app: &TestApp, id: &str) -> i64 {
    let id = cid(id);
    app.db
        .query(move |conn| SmtpCredential::auth_version_of(conn, &id))
        .await
        .unwrap()
        .expect("the credential exists")
}

#[tokio::test]
async fn a_credential_changed_straight_in_the_database_is_judged_anew_at_the_next_auth() {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    let password = credential(&app, &workspace, "oob_user", true, Scope::Global).await;
    let id = id_of(&app, "oob_user").await;
    assert_eq!(auth_code(&app, "oob_user", &password).await, 235);
    assert_eq!(
        auth_code(&app, "oob_user", &password).await,
        235,
        "remembered"
    );
    let auth = || auth_code(&app, "oob_user", &password);
    let past = now() - Age::minutes(1);
    let row = |id| smtp_credentials::table.find(id);
    let secrets = |id| credential_secrets::table.filter(credential_secrets::credential_id.eq(id));

    write(&app, &id, move |c, id| {
        diesel::update(row(id))
            .set(smtp_credentials::active.eq(false))
            .execute(c)
    })
    .await;
    assert_eq!(auth().await, 535, "deactivated");
    write(&app, &id, move |c, id| {
        diesel::update(row(id))
            .set(smtp_credentials::active.eq(true))
            .execute(c)
    })
    .await;
    assert_eq!(auth().await, 235, "active again");

    write(&app, &id, move |c, id| {
        diesel::update(row(id))
            .set(smtp_credentials::expires_at.eq(Some(past)))
            .execute(c)
    })
    .await;
    assert_eq!(auth().await, 535, "expired");
    write(&app, &id, move |c, id| {
        let never: Option<chrono::NaiveDateTime> = None;
        diesel::update(row(id))
            .set(smtp_credentials::expires_at.eq(never))
            .execute(c)
    })
    .await;
    assert_eq!(auth().await, 235, "expiry lifted");

    write(&app, &id, move |c, id| {
        diesel::update(row(id))
            .set(smtp_credentials::allowed_ips.eq("10.9.9.9/32"))
            .execute(c)
    })
    .await;
    assert_eq!(auth().await, 535, "bound to another address");
    write(&app, &id, move |c, id| {
        diesel::update(row(id))
            .set(smtp_credentials::allowed_ips.eq(""))
            .execute(c)
    })
    .await;
    assert_eq!(auth().await, 235, "any address again");

    write(&app, &id, move |c, id| {
        diesel::update(secrets(id))
            .set(credential_secrets::valid_until.eq(Some(past)))
            .execute(c)
    })
    .await;
    assert_eq!(auth().await, 535, "its only password past its validity");
}

#[tokio::test]
async fn a_password_hash_replaced_in_the_database_takes_the_old_password_away_at_once() {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    let old = credential(&app, &workspace, "oob_hash", true, Scope::Global).await;
    let other = credential(&app, &workspace, "oob_other", true, Scope::Global).await;
    assert_eq!(auth_code(&app, "oob_hash", &old).await, 235);
    let (id, other_id) = (
        id_of(&app, "oob_hash").await,
        id_of(&app, "oob_other").await,
    );
    // The other credential's hash, copied over: its password now works here.
    write(&app, &id, move |c, id| {
        let hash: String = credential_secrets::table
            .filter(credential_secrets::credential_id.eq(cid(&other_id)))
            .select(credential_secrets::password_hash)
            .first(c)?;
        diesel::update(credential_secrets::table.filter(credential_secrets::credential_id.eq(id)))
            .set(credential_secrets::password_hash.eq(hash))
            .execute(c)
    })
    .await;
    assert_eq!(auth_code(&app, "oob_hash", &old).await, 535);
    assert_eq!(auth_code(&app, "oob_hash", &other).await, 235);
}

#[tokio::test]
async fn a_scope_domain_unlinked_in_the_database_is_refused_at_the_next_mail_from() {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    let scope = domain_scope(&app, &workspace, "a.example").await;
    let password = credential(&app, &workspace, "oob_scope", true, scope).await;
    let id = id_of(&app, "oob_scope").await;
    let mut client = Client::connect_tls(&app).await;
    assert_eq!(client.auth_plain("oob_scope", &password).await.code, 235);
    assert_eq!(client.cmd("MAIL FROM:<app@a.example>").await.code, 250);
    assert_eq!(client.cmd("RSET").await.code, 250);

    write(&app, &id, move |c, id| {
        diesel::delete(
            smtp_credential_domains::table.filter(smtp_credential_domains::credential_id.eq(id)),
        )
        .execute(c)
    })
    .await;
    let reply = client.cmd("MAIL FROM:<app@a.example>").await;
    assert!(reply.text.starts_with("550 5.7.1"), "{}", reply.text);
}

#[tokio::test]
async fn recording_the_last_use_leaves_what_auth_remembers_valid() {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    let password = credential(&app, &workspace, "oob_used", true, Scope::Global).await;
    let id = id_of(&app, "oob_used").await;
    let before = version(&app, &id).await;
    assert_eq!(auth_code(&app, "oob_used", &password).await, 235);
    // The last use is written off the reply path: wait for it.
    let credential = cid(&id);
    let mut used = None;
    for _ in 0..100 {
        let c = credential.clone();
        used = app
            .db
            .query(move |conn| {
                credential_secrets::table
                    .filter(credential_secrets::credential_id.eq(c))
                    .select(credential_secrets::last_used_at)
                    .first::<Option<chrono::NaiveDateTime>>(conn)
            })
            .await
            .unwrap();
        if used.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(used.is_some(), "the last use is recorded");
    assert_eq!(
        version(&app, &id).await,
        before,
        "a last use changes nothing AUTH reads"
    );
}

#[tokio::test]
async fn deactivating_on_one_instance_fails_the_next_auth_on_another_that_remembers_the_credential()
{
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    let other = crate::helpers::another_instance(&app, |_| {}).await;
    let password = credential(&app, &workspace, "two_places", true, Scope::Global).await;
    let id = id_of(&app, "two_places").await;
    assert_eq!(auth_code(&other, "two_places", &password).await, 235);
    assert_eq!(
        auth_code(&other, "two_places", &password).await,
        235,
        "remembered"
    );

    app.post_form(
        &format!("{}/{id}/deactivate", crate::credentials::LIST),
        &[],
    )
    .await;
    assert_eq!(auth_code(&other, "two_places", &password).await, 535);
}

#[tokio::test]
async fn twenty_logins_racing_a_deactivation_all_fail_once_it_has_answered() {
    let app = std::sync::Arc::new(spawn_app().await);
    let (_, workspace) = app.signed_in_owner().await;
    let password = credential(&app, &workspace, "raced", true, Scope::Global).await;
    let id = id_of(&app, "raced").await;
    let mut logins = tokio::task::JoinSet::new();
    for i in 0..20u8 {
        let (app, password) = (app.clone(), password.clone());
        // One source address each: the refusals stay under the throttle.
        let from = std::net::Ipv4Addr::new(127, 0, 0, 10 + i);
        logins.spawn(async move {
            let mut attempts = Vec::new();
            loop {
                let started = std::time::Instant::now();
                let (mut client, _) = Client::connect_from(&app, from.into()).await;
                client.secure().await;
                let code = client.auth_plain("raced", &password).await.code;
                attempts.push((started, code));
                if code != 235 || attempts.len() > 2_000 {
                    return attempts;
                }
            }
        });
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    app.post_form(
        &format!("{}/{id}/deactivate", crate::credentials::LIST),
        &[],
    )
    .await;
    let answered = std::time::Instant::now();
    let attempts: Vec<_> = logins.join_all().await.into_iter().flatten().collect();
    assert!(
        attempts.iter().any(|(_, code)| *code == 235),
        "logins before"
    );
    for (started, code) in &attempts {
        assert!([235, 535].contains(code), "only 235 or 535, got {code}");
        if *started > answered {
            assert_eq!(
                *code, 535,
                "a login started after the deactivation answered"
            );
        }
    }
}
