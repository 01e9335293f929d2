use serde_json::json;

use super::helpers::{ALL_SCOPES, Api, add_domain, make_key};
use crate::helpers::spawn_app;
use crate::smtp::client::Client;
use crate::smtp::plain;

async fn auth_code(app: &crate::helpers::TestApp, user: &str, password: &str) -> u16 {
    let mut client = Client::connect_tls(app).await;
    client
        .cmd(&format!("AUTH PLAIN {}", plain(user, password)))
        .await
        .code
}

#[tokio::test]
async fn a_credential_created_through_the_api_sends_mail_and_its_password_is_shown_once() {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    let api = Api::new(
        &app,
        &workspace,
        Some(make_key(&app, &workspace, "deploy", ALL_SCOPES).await),
    )
    .await;

    let created = api
        .post(
            &api.collection(),
            &json!({"name": "Billing", "username": "billing_app", "sandbox": true, "scope": "global"}),
        )
        .await;
    assert_eq!(created.status, 201);
    assert_eq!(created.header("cache-control"), Some("no-store"));
    let body = &created.body;
    assert_eq!(body["object"], "credential_smtp");
    assert_eq!(body["username"], "billing_app");
    assert_eq!(body["sandbox"], true);
    assert_eq!(body["scope"], "global");
    assert_eq!(body["active"], true);
    assert!(body["last_used_at"].is_null());
    let id = body["id"].as_str().unwrap();
    let password = body["password"].as_str().unwrap();
    assert_eq!(
        created.header("location"),
        Some(api.item(id).as_str()),
        "Location names the new credential"
    );
    assert_eq!(auth_code(&app, "billing_app", password).await, 235);

    let fetched = api.get(&api.item(id)).await;
    assert_eq!(fetched.status, 200);
    assert_eq!(fetched.body["name"], "Billing");
    assert!(fetched.body.get("password").is_none(), "never again");
    let listed = api.get(&api.collection()).await;
    assert_eq!(listed.body["object"], "list");
    assert_eq!(listed.body["data"][0]["id"], id);
    assert!(!listed.body.to_string().contains(password));
}

#[tokio::test]
async fn a_generated_username_and_a_scoped_credential_come_back_with_their_domains() {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    add_domain(&app, &workspace, "a.example").await;
    add_domain(&app, &workspace, "b.example").await;
    let api = Api::new(
        &app,
        &workspace,
        Some(make_key(&app, &workspace, "deploy", ALL_SCOPES).await),
    )
    .await;
    let created = api
        .post(
            &api.collection(),
            &json!({"name": "News", "scope": "scoped", "domains": ["B.example", "a.example"]}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert!(
        created.body["username"]
            .as_str()
            .unwrap()
            .starts_with("smtp_")
    );
    assert_eq!(created.body["scope"], "scoped");
    assert_eq!(created.body["domains"], json!(["a.example", "b.example"]));
    assert_eq!(created.body["sandbox"], false);
}

#[tokio::test]
async fn deleting_through_the_api_fails_the_next_auth_and_the_activity_page_names_the_key() {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    let api = Api::new(
        &app,
        &workspace,
        Some(make_key(&app, &workspace, "Terraform", ALL_SCOPES).await),
    )
    .await;
    let created = api.create("Shop").await;
    let id = created.body["id"].as_str().unwrap();
    let username = created.body["username"].as_str().unwrap();
    let password = created.body["password"].as_str().unwrap();
    assert_eq!(auth_code(&app, username, password).await, 235);

    let deleted = api.delete(&api.item(id)).await;
    assert_eq!(deleted.status, 200);
    assert_eq!(auth_code(&app, username, password).await, 535);
    assert_eq!(api.get(&api.item(id)).await.status, 404);
    assert_eq!(api.delete(&api.item(id)).await.status, 404);
    assert_eq!(app.count_rows("smtp_credentials").await, 0);

    let activity = app.get("/w/acme-mail/settings/activity").await;
    assert_eq!(
        activity.attrs("tr[data-action]", "data-action"),
        [
            "smtp_credential.deleted",
            "smtp_credential.created",
            "api_key.created"
        ]
    );
    assert_eq!(
        activity
            .text_of("tr[data-action='smtp_credential.deleted'] td:nth-child(2)")
            .as_deref(),
        Some("API key \"Terraform\"")
    );
}

#[tokio::test]
async fn the_openapi_document_is_public_and_lists_every_operation() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(app.url("/v2/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers().contains_key("x-ratelimit-limit"));
    let document: serde_json::Value = response.json().await.unwrap();
    assert_eq!(document["openapi"], "3.1.0");
    let paths = &document["paths"];
    let collection = &paths["/v2/accounts/{account_id}/smtp-credentials"];
    let item = &paths["/v2/accounts/{account_id}/smtp-credentials/{smtp_credential_id}"];
    for operation in [
        &collection["get"],
        &collection["post"],
        &item["get"],
        &item["delete"],
    ] {
        assert!(
            operation["responses"]["200"].is_object() || operation["responses"]["201"].is_object()
        );
        assert!(operation["responses"]["429"]["headers"]["Retry-After"].is_object());
    }
    assert_eq!(
        document["components"]["securitySchemes"]["api_key"]["scheme"],
        "bearer"
    );
}
