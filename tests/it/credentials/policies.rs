//! The policies form on a credential's page: allowlist, senders, limits.

use diesel::prelude::*;
use postern::db::schema::smtp_credentials;
use postern::domain::Role;

use super::{LIST, create, id_of};
use crate::helpers::{PASSWORD, TestApp, spawn_app};

type Stored = (String, String, Option<i32>, Option<i32>);

async fn stored(app: &TestApp, username: &str) -> Stored {
    let username = username.to_owned();
    app.db
        .query(move |c| {
            smtp_credentials::table
                .filter(smtp_credentials::username.eq(username))
                .select((
                    smtp_credentials::allowed_ips,
                    smtp_credentials::allowed_senders,
                    smtp_credentials::max_per_hour,
                    smtp_credentials::max_recipients,
                ))
                .first(c)
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn saving_policies_stores_them_normalised_shows_badges_and_logs_them() {
    let app = spawn_app().await;
    app.signed_in_owner().await;
    create(&app, "App", "policed").await;
    let id = id_of(&app, "policed").await;
    let url = format!("{LIST}/{id}");
    app.post_form(
        &format!("{url}/policies"),
        &[
            ("allowed_ips", "192.0.2.7\n2001:DB8::/32"),
            ("allowed_senders", "NoReply@A.example\n*@billing.a.example"),
            ("max_per_hour", "1000"),
            ("max_recipients", "50"),
        ],
    )
    .await
    .assert_redirect_to(&url);
    assert_eq!(
        stored(&app, "policed").await,
        (
            "192.0.2.7\n2001:db8::/32".to_owned(),
            "noreply@a.example\n*@billing.a.example".to_owned(),
            Some(1000),
            Some(50)
        )
    );
    let page = app.get(&url).await;
    assert_eq!(
        page.text_of("#allowed-ips").unwrap(),
        "192.0.2.7\n2001:db8::/32"
    );
    assert_eq!(page.attrs("#max-per-hour", "value"), ["1000"]);
    let logged = page
        .text_of("#activity tr[data-action='smtp_credential.policies_changed']")
        .unwrap();
    assert!(logged.contains("1000/hour"), "{logged}");
    let list = app.get(LIST).await;
    let badges = list.text_of("tr[data-username='policed'] .badges").unwrap();
    assert!(
        badges.contains("Limited") && badges.contains("IP-bound"),
        "{badges}"
    );
}

#[tokio::test]
async fn bad_policies_come_back_with_the_message_beside_each_field_and_nothing_is_stored() {
    let app = spawn_app().await;
    app.signed_in_owner().await;
    create(&app, "App", "strict").await;
    let id = id_of(&app, "strict").await;
    let many: String = (0..101)
        .map(|i| format!("10.0.{}.{}\n", i / 250, i % 250))
        .collect();
    for (field, value, error_id) in [
        ("allowed_ips", "0.0.0.0/0", "#allowed_ips-error"),
        ("allowed_ips", "not-an-ip", "#allowed_ips-error"),
        ("allowed_ips", many.as_str(), "#allowed_ips-error"),
        ("allowed_senders", "nobody", "#allowed_senders-error"),
        ("max_per_minute", "0", "#max_per_minute-error"),
        ("max_per_day", "1000001", "#max_per_day-error"),
    ] {
        let page = app
            .post_form(&format!("{LIST}/{id}/policies"), &[(field, value)])
            .await;
        assert_eq!(page.status, 422, "{field}={value}");
        assert!(page.text_of(error_id).is_some(), "{field}: {}", page.body);
        // What was typed comes back.
        if field == "allowed_senders" {
            assert_eq!(page.text_of("#allowed-senders").unwrap(), "nobody");
        }
    }
    assert_eq!(
        stored(&app, "strict").await,
        (String::new(), String::new(), None, None)
    );
}

#[tokio::test]
async fn the_last_authenticated_address_can_be_added_with_one_button() {
    let app = spawn_app().await;
    app.signed_in_owner().await;
    create(&app, "App", "seen").await;
    let id = id_of(&app, "seen").await;
    app.db
        .query(|c| {
            diesel::update(smtp_credentials::table)
                .set(smtp_credentials::last_used_ip.eq("198.51.100.7"))
                .execute(c)
        })
        .await
        .unwrap();
    let page = app.get(&format!("{LIST}/{id}")).await;
    page.assert_contains("Add the address it last authenticated from (198.51.100.7)");
    app.post_form(
        &format!("{LIST}/{id}/policies"),
        &[("allowed_ips", "192.0.2.1"), ("add_last_ip", "1")],
    )
    .await;
    assert_eq!(stored(&app, "seen").await.0, "192.0.2.1\n198.51.100.7");
}

#[tokio::test]
async fn a_viewer_sees_the_policies_read_only() {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    create(&app, "App", "watched").await;
    let id = id_of(&app, "watched").await;
    app.post_form(&format!("{LIST}/{id}/policies"), &[("max_per_day", "500")])
        .await;
    let user = app.create_user("viewer@example.com", "Vi").await;
    app.add_member(&workspace, &user, Role::Viewer).await;
    let viewer = app.new_visitor();
    viewer.login("viewer@example.com", PASSWORD).await;
    let page = viewer.get(&format!("{LIST}/{id}")).await;
    assert_eq!(page.status, 200);
    let shown = page.text_of("#policies-read-only").unwrap();
    assert!(shown.contains("500"), "{shown}");
    assert!(page.text_of("[data-testid='save-policies']").is_none());
    assert!(page.text_of("[data-testid='renew']").is_none());
    assert!(page.text_of("[data-testid='regenerate']").is_none());
    let refused = viewer
        .post_form(&format!("{LIST}/{id}/policies"), &[("max_per_day", "1")])
        .await;
    assert_eq!(refused.status, 403);
}

#[tokio::test]
async fn admins_set_the_default_limits_a_new_credential_starts_with() {
    let app = spawn_app().await;
    app.signed_in_owner().await;
    let general = "/w/acme-mail/settings/general";
    let defaults = format!("{general}/default-limits");

    let bad = app
        .post_form(
            &defaults,
            &[("max_per_hour", "0"), ("max_recipients", "1000001")],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.text_of("#max_per_hour-error").is_some(), "{}", bad.body);
    assert!(bad.text_of("#max_recipients-error").is_some());
    assert_eq!(bad.attrs("#default-max-per-hour", "value"), ["0"]);

    app.post_form(
        &defaults,
        &[("max_per_hour", "500"), ("max_recipients", "20")],
    )
    .await
    .assert_redirect_to(general);
    let page = app.get(general).await;
    assert_eq!(page.attrs("#default-max-per-hour", "value"), ["500"]);
    assert_eq!(page.attrs("#default-max-per-day", "value"), [""]);

    create(&app, "Newsletter", "news_app").await;
    let (_, _, per_hour, recipients) = stored(&app, "news_app").await;
    assert_eq!((per_hour, recipients), (Some(500), Some(20)));

    let activity = app.get("/w/acme-mail/settings/activity").await;
    activity.assert_contains("500 messages an hour");
}
