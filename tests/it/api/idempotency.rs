use postern::service::idempotency::{self, Begin};
use reqwest::Method;
use serde_json::json;

use super::helpers::{ALL_SCOPES, Api, make_key};
use crate::helpers::spawn_app;

async fn api() -> Api {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    let key = make_key(&app, &workspace, "deploy", ALL_SCOPES).await;
    Api::new(&app, &workspace, Some(key)).await
}

async fn post_with_key(
    api: &Api,
    key: &str,
    body: &serde_json::Value,
) -> super::helpers::ApiResponse {
    api.call(
        Method::POST,
        &api.collection(),
        Some(&body.to_string()),
        &[("Idempotency-Key", key)],
    )
    .await
}

#[tokio::test]
async fn a_retry_with_the_same_key_and_body_replays_the_first_answer_and_creates_nothing() {
    let api = api().await;
    let body = json!({"name": "Billing", "scope": "global"});
    let first = post_with_key(&api, "create-billing-1", &body).await;
    assert_eq!(first.status, 201);
    assert_eq!(first.header("idempotent-replayed"), None);
    let retry = post_with_key(&api, "create-billing-1", &body).await;
    assert_eq!(retry.status, 201);
    assert_eq!(retry.header("idempotent-replayed"), Some("true"));
    assert_eq!(retry.body, first.body, "the same credential and password");
    assert_eq!(api.app.count_rows("smtp_credentials").await, 1);

    // The stored answer is encrypted: the password is not in the database.
    let password = first.body["password"].as_str().unwrap().to_owned();
    #[derive(diesel::QueryableByName)]
    struct Body {
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Binary>)]
        response_body: Option<Vec<u8>>,
    }
    let stored = api
        .app
        .db
        .query(|conn| {
            use diesel::RunQueryDsl;
            diesel::sql_query("SELECT response_body FROM idempotency_keys").load::<Body>(conn)
        })
        .await
        .unwrap();
    let sealed = stored[0].response_body.clone().unwrap();
    assert!(
        !sealed
            .windows(password.len())
            .any(|w| w == password.as_bytes())
    );

    // Another key makes another credential.
    assert_eq!(
        post_with_key(&api, "create-billing-2", &body).await.status,
        201
    );
    assert_eq!(api.app.count_rows("smtp_credentials").await, 2);
}

#[tokio::test]
async fn the_same_key_with_another_body_gets_422() {
    let api = api().await;
    post_with_key(&api, "k1", &json!({"name": "One", "scope": "global"})).await;
    let other = post_with_key(&api, "k1", &json!({"name": "Two", "scope": "global"})).await;
    assert_eq!(other.status, 422);
    assert!(
        other.body["message"]
            .as_str()
            .unwrap()
            .contains("Idempotency-Key")
    );
    assert_eq!(api.app.count_rows("smtp_credentials").await, 1);
}

#[tokio::test]
async fn a_key_whose_first_request_failed_gets_412() {
    let api = api().await;
    let invalid = json!({"name": "", "scope": "global"});
    assert_eq!(post_with_key(&api, "k1", &invalid).await.status, 422);
    let retry = post_with_key(&api, "k1", &invalid).await;
    assert_eq!(retry.status, 412);
    assert_eq!(api.app.count_rows("smtp_credentials").await, 0);
}

#[tokio::test]
async fn a_key_whose_first_request_is_still_running_gets_409() {
    let api = api().await;
    let body = json!({"name": "Slow", "scope": "global"});
    // The first request has claimed the key and not finished yet.
    let key_id = {
        let hash = postern::auth::api_key::hash(api.key.as_deref().unwrap());
        let key = api
            .app
            .db
            .query(move |conn| postern::db::models::ApiKey::find_by_secret_hash(conn, &hash))
            .await
            .unwrap()
            .unwrap();
        key.id
    };
    let hash = request_hash(&api, &body);
    let sealer = postern::secrets::Sealer::derive(b"unused", "unused");
    let claimed = idempotency::begin(&api.app.db, &sealer, &key_id, "k1", hash)
        .await
        .unwrap();
    assert_eq!(claimed, Begin::Proceed);

    let concurrent = post_with_key(&api, "k1", &body).await;
    assert_eq!(concurrent.status, 409);
    assert_eq!(api.app.count_rows("smtp_credentials").await, 0);
}

/// The hash the server computes for this request (method, path, body).
fn request_hash(api: &Api, body: &serde_json::Value) -> String {
    use base64::Engine;
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    hasher.update(format!("POST {}\n{body}", api.collection()));
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(hasher.finalize())
}

#[tokio::test]
async fn a_malformed_idempotency_key_gets_400() {
    let api = api().await;
    let long = "k".repeat(256);
    let response = post_with_key(&api, &long, &json!({"name": "X", "scope": "global"})).await;
    assert_eq!(response.status, 400);
    assert_eq!(api.app.count_rows("smtp_credentials").await, 0);
}
