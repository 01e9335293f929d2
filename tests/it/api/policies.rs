//! PATCH (name, description, expiry, policies) and rotate, through the API.

use reqwest::Method;
use serde_json::{Value, json};

use super::helpers::{ALL_SCOPES, Api, ApiResponse, make_key};
use crate::helpers::{TestApp, spawn_app};
use crate::smtp::client::Client;

async fn api(app: &TestApp, scopes: &[&str]) -> Api {
    let (_, workspace) = app.signed_in_owner().await;
    let key = make_key(app, &workspace, "deploy", scopes).await;
    Api::new(app, &workspace, Some(key)).await
}

async fn patch(api: &Api, id: &str, body: Value) -> ApiResponse {
    api.call(Method::PATCH, &api.item(id), Some(&body.to_string()), &[])
        .await
}

async fn auth_code(app: &TestApp, user: &str, password: &str) -> u16 {
    let mut client = Client::connect_tls(app).await;
    client.auth_plain(user, password).await.code
}

#[tokio::test]
async fn patch_sets_each_policy_and_null_clears_it() {
    let app = spawn_app().await;
    let api = api(&app, ALL_SCOPES).await;
    let created = api.create("Billing").await;
    let id = created.body["id"].as_str().unwrap().to_owned();

    let changed = patch(
        &api,
        &id,
        json!({
            "name": "Billing v2",
            "description": "invoices",
            "expires_at": "2099-01-31T12:00:00Z",
            "allowed_ips": ["192.0.2.7", "2001:DB8::/32"],
            "allowed_senders": ["NoReply@A.example", "*@billing.a.example"],
            "limits": {"per_hour": 1000, "recipients_per_message": 50}
        }),
    )
    .await;
    assert_eq!(changed.status, 200, "{}", changed.body);
    let body = &changed.body;
    assert_eq!(body["name"], "Billing v2");
    assert_eq!(body["expires_at"], "2099-01-31T12:00:00Z");
    assert_eq!(body["allowed_ips"], json!(["192.0.2.7", "2001:db8::/32"]));
    assert_eq!(
        body["allowed_senders"],
        json!(["noreply@a.example", "*@billing.a.example"])
    );
    assert_eq!(
        body["limits"],
        json!({"per_minute": null, "per_hour": 1000, "per_day": null, "recipients_per_message": 50})
    );

    // Fields left out stay; null clears.
    let cleared = patch(&api, &id, json!({"allowed_ips": null, "limits": null})).await;
    assert_eq!(cleared.status, 200);
    assert_eq!(cleared.body["allowed_ips"], Value::Null);
    assert_eq!(cleared.body["limits"], Value::Null);
    assert_eq!(cleared.body["allowed_senders"].as_array().unwrap().len(), 2);
    assert_eq!(cleared.body["name"], "Billing v2");
    assert_eq!(api.get(&api.item(&id)).await.body, cleared.body);
    let logged = app.count_rows("audit_events").await;
    assert!(
        logged >= 5,
        "create, renew, policies twice, update: {logged}"
    );
}

#[tokio::test]
async fn patch_refuses_bad_values_with_422_naming_each_field_and_changes_nothing() {
    let app = spawn_app().await;
    let api = api(&app, ALL_SCOPES).await;
    let created = api.create("Strict").await;
    let id = created.body["id"].as_str().unwrap().to_owned();
    let refused = patch(
        &api,
        &id,
        json!({
            "name": "",
            "expires_at": "2001-01-01T00:00:00Z",
            "allowed_ips": ["0.0.0.0/0", "not-an-ip"],
            "allowed_senders": ["nobody"],
            "limits": {"per_minute": 0, "per_day": 1000001}
        }),
    )
    .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    for field in [
        "name",
        "expires_at",
        "allowed_ips",
        "allowed_senders",
        "limits.per_minute",
        "limits.per_day",
    ] {
        assert!(
            !refused.field_errors(field).is_empty(),
            "{field}: {}",
            refused.body
        );
    }
    let too_many: Vec<String> = (0..101).map(|i| format!("192.0.2.{}", i % 250)).collect();
    let refused = patch(&api, &id, json!({"allowed_ips": too_many})).await;
    assert_eq!(refused.status, 422);
    assert!(refused.field_errors("allowed_ips")[0].contains("at most 100"));
    assert_eq!(
        api.get(&api.item(&id)).await.body,
        created.body_without_password()
    );
}

#[tokio::test]
async fn rotate_answers_201_with_the_new_password_once_and_keeps_the_old_for_the_overlap() {
    let app = spawn_app().await;
    let api = api(&app, ALL_SCOPES).await;
    let created = api
        .post(
            &api.collection(),
            &json!({"name": "Rotated", "username": "api_rotated", "sandbox": true, "scope": "global"}),
        )
        .await;
    let id = created.body["id"].as_str().unwrap().to_owned();
    let old = created.body["password"].as_str().unwrap().to_owned();

    let rotate = format!("{}/rotate", api.item(&id));
    let rotated = api.post(&rotate, &json!({"overlap_seconds": 3600})).await;
    assert_eq!(rotated.status, 201, "{}", rotated.body);
    assert_eq!(rotated.header("cache-control"), Some("no-store"));
    let new = rotated.body["password"].as_str().unwrap().to_owned();
    assert_ne!(new, old);
    assert!(api.get(&api.item(&id)).await.body.get("password").is_none());
    assert_eq!(auth_code(&app, "api_rotated", &old).await, 235);
    assert_eq!(auth_code(&app, "api_rotated", &new).await, 235);

    let refused = api.post(&rotate, &json!({"overlap_seconds": 604801})).await;
    assert_eq!(refused.status, 422);
    assert!(!refused.field_errors("overlap_seconds").is_empty());

    let again = api.post(&rotate, &json!({})).await;
    assert_eq!(again.status, 201);
    let newest = again.body["password"].as_str().unwrap().to_owned();
    assert_eq!(auth_code(&app, "api_rotated", &old).await, 535);
    assert_eq!(auth_code(&app, "api_rotated", &new).await, 535);
    assert_eq!(auth_code(&app, "api_rotated", &newest).await, 235);
}

#[tokio::test]
async fn a_read_only_key_can_neither_patch_nor_rotate() {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    let writer = Api::new(
        &app,
        &workspace,
        Some(make_key(&app, &workspace, "w", ALL_SCOPES).await),
    )
    .await;
    let id = writer.create("Guarded").await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let reader_key = make_key(&app, &workspace, "r", &["smtp-credentials:read:all"]).await;
    let reader = writer.with_key(Some(reader_key));
    assert_eq!(patch(&reader, &id, json!({"name": "X"})).await.status, 403);
    let rotate = format!("{}/rotate", reader.item(&id));
    assert_eq!(reader.post(&rotate, &json!({})).await.status, 403);
    let unknown = reader.item("00000000-0000-4000-8000-000000000000");
    assert_eq!(
        writer
            .post(&format!("{unknown}/rotate"), &json!({}))
            .await
            .status,
        404
    );
}
