//! Expiry: chosen at creation, renewed on the credential's page, bounded by
//! the workspace's maximum lifetime, shown and filtered on the list.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use postern::db::schema::smtp_credentials;
use postern::domain::{Role, now};

use super::{LIST, id_of};
use crate::helpers::{PASSWORD, TestApp, spawn_app};

/// Creates a global production credential expiring as `expires` says.
pub async fn create_expiring(app: &TestApp, username: &str, expires: &[(&str, &str)]) -> u16 {
    let mut fields = vec![
        ("name", username),
        ("username", username),
        ("mode", "production"),
        ("scope", "global"),
    ];
    fields.extend_from_slice(expires);
    app.post_form(LIST, &fields).await.status.as_u16()
}

/// The stored expiry of a credential.
pub async fn expires_at(app: &TestApp, username: &str) -> Option<NaiveDateTime> {
    let username = username.to_owned();
    app.db
        .query(move |c| {
            smtp_credentials::table
                .filter(smtp_credentials::username.eq(username))
                .select(smtp_credentials::expires_at)
                .first(c)
        })
        .await
        .unwrap()
}

/// Sets a credential's expiry directly (the forms refuse a past time).
pub async fn set_expires_at(app: &TestApp, username: &str, at: Option<NaiveDateTime>) {
    let username = username.to_owned();
    app.db
        .query(move |c| {
            diesel::update(smtp_credentials::table.filter(smtp_credentials::username.eq(username)))
                .set(smtp_credentials::expires_at.eq(at))
                .execute(c)
        })
        .await
        .unwrap();
}

fn about(at: Option<NaiveDateTime>, expected: NaiveDateTime) -> bool {
    at.is_some_and(|at| (at - expected).num_seconds().abs() < 60)
}

#[tokio::test]
async fn a_credential_created_to_expire_in_90_days_shows_its_expiry_on_its_page() {
    let app = spawn_app().await;
    app.signed_in_owner().await;
    assert_eq!(
        create_expiring(&app, "ninety", &[("expires", "90d")]).await,
        200
    );
    assert!(about(
        expires_at(&app, "ninety").await,
        now() + Duration::days(90)
    ));
    let id = id_of(&app, "ninety").await;
    let page = app.get(&format!("{LIST}/{id}")).await;
    assert_eq!(page.status, 200);
    let shown = page.text_of("#expires-at").unwrap();
    assert!(shown.starts_with("Expires "), "{shown}");

    let date = [("expires", "date"), ("expires_on", "2099-01-31T12:00")];
    assert_eq!(create_expiring(&app, "dated", &date).await, 200);
    let noon = chrono::NaiveDate::from_ymd_opt(2099, 1, 31)
        .unwrap()
        .and_hms_opt(12, 0, 0);
    assert_eq!(expires_at(&app, "dated").await, noon);
}

#[tokio::test]
async fn a_past_or_malformed_expiry_is_refused_beside_the_field() {
    let app = spawn_app().await;
    app.signed_in_owner().await;
    for (expires, on, message) in [
        ("date", "2020-01-01T00:00", "Choose a time in the future."),
        ("date", "", "Choose the date it expires."),
        ("7d", "", "Give a date and time"),
    ] {
        let fields = [
            ("name", "Late"),
            ("mode", "production"),
            ("scope", "global"),
            ("expires", expires),
            ("expires_on", on),
        ];
        let page = app.post_form(LIST, &fields).await;
        assert_eq!(page.status, 422, "{expires} {on}");
        let error = page
            .text_of("#expires-error")
            .expect("an error beside Expires");
        assert!(error.contains(message), "{error}");
    }
    assert_eq!(app.count_rows("smtp_credentials").await, 0);
}

#[tokio::test]
async fn the_workspace_maximum_lifetime_bounds_new_credentials_and_renewals() {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    let general = format!("/w/{}/settings/general", workspace.slug);
    let lifetime = format!("{general}/credential-lifetime");
    let bad = app
        .post_form(&lifetime, &[("max_lifetime_days", "0")])
        .await;
    assert_eq!(bad.status, 422);
    bad.assert_contains("from 1 to 3650");
    app.post_form(&lifetime, &[("max_lifetime_days", "30")])
        .await
        .assert_redirect_to(&general);
    assert_eq!(
        app.get(&general).await.attrs("#max-lifetime-days", "value"),
        ["30"]
    );

    let page = app
        .post_form(
            LIST,
            &[
                ("name", "Forever"),
                ("mode", "production"),
                ("scope", "global"),
            ],
        )
        .await;
    assert_eq!(page.status, 422);
    let error = page.text_of("#expires-error").unwrap();
    assert!(error.contains("must expire within 30 days"), "{error}");
    assert_eq!(
        create_expiring(&app, "too_long", &[("expires", "90d")]).await,
        422
    );
    assert_eq!(
        create_expiring(&app, "month", &[("expires", "30d")]).await,
        200
    );

    let id = id_of(&app, "month").await;
    let renew = format!("{LIST}/{id}/renew");
    let refused = app.post_form(&renew, &[("expires", "365d")]).await;
    assert_eq!(refused.status, 422);
    assert!(
        refused
            .text_of("#expires-error")
            .unwrap()
            .contains("30 days")
    );
    assert!(about(
        expires_at(&app, "month").await,
        now() + Duration::days(30)
    ));

    // A member may renew, but not change the workspace's rule.
    let user = app.create_user("member@example.com", "Mo Member").await;
    app.add_member(&workspace, &user, Role::Member).await;
    let member = app.new_visitor();
    member.login("member@example.com", PASSWORD).await;
    assert_eq!(
        member
            .post_form(&lifetime, &[("max_lifetime_days", "")])
            .await
            .status,
        403
    );
    let page = member.post_form(&renew, &[("expires", "30d")]).await;
    page.assert_redirect_to(&format!("{LIST}/{id}"));
}

#[tokio::test]
async fn renewing_keeps_the_password_and_is_logged_with_the_new_expiry() {
    let app = spawn_app().await;
    app.signed_in_owner().await;
    create_expiring(&app, "renew_me", &[("expires", "30d")]).await;
    let hash = super::stored_hash(&app, "renew_me").await;
    let id = id_of(&app, "renew_me").await;
    app.post_form(&format!("{LIST}/{id}/renew"), &[("expires", "365d")])
        .await
        .assert_redirect_to(&format!("{LIST}/{id}"));
    assert!(about(
        expires_at(&app, "renew_me").await,
        now() + Duration::days(365)
    ));
    assert_eq!(super::stored_hash(&app, "renew_me").await, hash);
    app.post_form(&format!("{LIST}/{id}/renew"), &[("expires", "")])
        .await
        .assert_redirect_to(&format!("{LIST}/{id}"));
    assert_eq!(expires_at(&app, "renew_me").await, None);

    let page = app.get(&format!("{LIST}/{id}")).await;
    assert_eq!(page.text_of("#expires-at").unwrap(), "Never expires.");
    let renewals = page.attrs(
        "#activity tr[data-action='smtp_credential.renewed']",
        "data-action",
    );
    assert_eq!(renewals.len(), 2);
    page.assert_contains("never expires");
}

#[tokio::test]
async fn the_list_marks_expired_and_expiring_credentials_and_filters_them() {
    let app = spawn_app().await;
    app.signed_in_owner().await;
    for name in ["lapsed", "soon", "later", "never"] {
        create_expiring(&app, name, &[]).await;
    }
    set_expires_at(&app, "lapsed", Some(now() - Duration::hours(1))).await;
    set_expires_at(
        &app,
        "soon",
        Some(now() + Duration::days(5) - Duration::minutes(1)),
    )
    .await;
    set_expires_at(&app, "later", Some(now() + Duration::days(60))).await;

    let list = app.get(LIST).await;
    let badge = |user: &str| list.text_of(&format!("tr[data-username='{user}'] .badges"));
    assert_eq!(badge("lapsed").as_deref(), Some("Expired"));
    assert_eq!(badge("soon").as_deref(), Some("Expires in 5 days"));
    assert_eq!(badge("later"), None);
    assert_eq!(badge("never"), None);

    let expiring = app.get(&format!("{LIST}?show=expiring")).await;
    let shown = expiring.attrs("tbody tr", "data-username");
    assert_eq!(shown.len(), 2, "{shown:?}");
    assert!(shown.contains(&"lapsed".to_owned()) && shown.contains(&"soon".to_owned()));
    expiring.assert_contains("2 credentials");
    // The sort links keep the filter.
    assert!(expiring.body.contains("show=expiring"));
}
