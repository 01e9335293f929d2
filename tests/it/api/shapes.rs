//! Snapshots of the API's shape: the OpenAPI document and one body of each
//! kind the API answers. A change to either shows up as a diff of a file in
//! `snapshots/` that a reviewer accepts (`cargo insta review`) or rejects.
//! Ids, passwords, times and cursors differ on every run and are redacted.

use insta::internals::Content;
use postern::db::models::Workspace;
use serde_json::{Value, json};

use super::helpers::{ALL_SCOPES, Api, ApiResponse, add_domain, make_key};
use crate::helpers::{spawn_app, spawn_app_with};

/// The status and body of a response, with what changes between runs redacted.
#[track_caller]
fn assert_shape(name: &str, response: &ApiResponse) {
    let shape = json!({"status": response.status, "body": response.body});
    insta::with_settings!({
        sort_maps => true,
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::assert_json_snapshot!(name, shape, {
            ".body.id" => "[id]",
            ".body.data[].id" => "[id]",
            ".body.password" => "[password]",
            ".**.created_at" => "[time]",
            ".**.updated_at" => "[time]",
            ".**.last_used_at" => insta::dynamic_redaction(unless_null("[time]")),
            ".body.pagination.next_cursor" => insta::dynamic_redaction(unless_null("[cursor]")),
            ".body.pagination.previous_cursor" => insta::dynamic_redaction(unless_null("[cursor]")),
        });
    });
}

/// Redacts a value that is there, keeping `null` (its absence is the shape).
fn unless_null(label: &'static str) -> impl Fn(Content, insta::internals::ContentPath) -> Content {
    move |value, _| {
        if value.is_nil() { value } else { label.into() }
    }
}

async fn owner_api() -> (Api, Workspace) {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    add_domain(&app, &workspace, "a.example").await;
    let key = make_key(&app, &workspace, "deploy", ALL_SCOPES).await;
    (Api::new(&app, &workspace, Some(key)).await, workspace)
}

#[tokio::test]
async fn the_openapi_document_matches_its_snapshot() {
    let app = spawn_app().await;
    let document: Value = app
        .client
        .get(app.url("/v2/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    insta::with_settings!({
        sort_maps => true,
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::assert_json_snapshot!("openapi", document);
    });
}

#[tokio::test]
async fn a_credential_created_listed_fetched_and_deleted_answers_in_the_snapshotted_shapes() {
    let (api, _) = owner_api().await;
    let c = api.collection();

    let global = api
        .post(
            &c,
            &json!({"name": "Billing", "username": "billing_app", "description": "Invoices", "sandbox": true, "scope": "global"}),
        )
        .await;
    assert_shape("create_global", &global);
    let scoped = api
        .post(
            &c,
            &json!({"name": "News", "username": "news_app", "scope": "scoped", "domains": ["a.example"]}),
        )
        .await;
    assert_shape("create_scoped", &scoped);

    assert_shape("list_first_page", &api.get(&format!("{c}?limit=1")).await);
    assert_shape("list_all", &api.get(&c).await);
    let id = global.body["id"].as_str().unwrap();
    assert_shape("get", &api.get(&api.item(id)).await);
    assert_shape("delete", &api.delete(&api.item(id)).await);
}

#[tokio::test]
async fn the_error_bodies_match_their_snapshots() {
    let (api, workspace) = owner_api().await;
    let c = api.collection();

    assert_shape("error_401_no_key", &api.with_key(None).get(&c).await);
    let reader_key = make_key(
        &api.app,
        &workspace,
        "reader",
        &["smtp-credentials:read:all"],
    )
    .await;
    let reader = api.with_key(Some(reader_key));
    assert_shape(
        "error_403_missing_scope",
        &reader
            .post(&c, &json!({"name": "X", "scope": "global"}))
            .await,
    );
    assert_shape(
        "error_404_unknown_credential",
        &api.get(&api.item(&uuid::Uuid::new_v4().to_string())).await,
    );
    assert_shape(
        "error_400_bad_query",
        &api.get(&format!("{c}?limit=0")).await,
    );
    assert_shape(
        "error_400_malformed_body",
        &api.call(reqwest::Method::POST, &c, Some("{not json"), &[])
            .await,
    );
    assert_shape(
        "error_422_invalid_fields",
        &api.post(&c, &json!({"username": "bad-name", "scope": "sideways"}))
            .await,
    );
    assert_shape(
        "error_422_unknown_domain",
        &api.post(
            &c,
            &json!({"name": "App", "scope": "scoped", "domains": ["nowhere.example"]}),
        )
        .await,
    );
    let taken = json!({"name": "App", "username": "taken_name", "scope": "global"});
    assert_eq!(api.post(&c, &taken).await.status, 201);
    assert_shape("error_409_username_taken", &api.post(&c, &taken).await);
}

#[tokio::test]
async fn the_rate_limit_body_matches_its_snapshot() {
    let app = spawn_app_with(|config| config.api_rate_limit = 1).await;
    let (_, workspace) = app.signed_in_owner().await;
    let key = make_key(&app, &workspace, "busy", ALL_SCOPES).await;
    let api = Api::new(&app, &workspace, Some(key)).await;
    let mut limited = None;
    for _ in 0..20 {
        let response = api.get(&api.collection()).await;
        if response.status == 429 {
            limited = Some(response);
            break;
        }
    }
    let limited = limited.expect("a burst of 2 at 1/s is used up by 20 quick requests");
    assert_shape("error_429_rate_limited", &limited);
}
