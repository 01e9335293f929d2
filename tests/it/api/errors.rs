use std::time::Duration;

use futures_util::future::join_all;
use postern::domain::Username;
use reqwest::Method;
use serde_json::json;

use super::helpers::{ALL_SCOPES, Api, make_key};
use crate::helpers::{spawn_app, spawn_app_with};

async fn api_for_owner() -> (Api, postern::db::models::Workspace) {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    let key = make_key(&app, &workspace, "deploy", ALL_SCOPES).await;
    (Api::new(&app, &workspace, Some(key)).await, workspace)
}

#[tokio::test]
async fn requests_without_a_valid_key_get_401() {
    let (api, workspace) = api_for_owner().await;
    let collection = api.collection();
    for key in [
        None,
        Some("not-a-key".to_owned()),
        Some(format!("postern_{}", "A".repeat(43))),
    ] {
        let response = api.with_key(key.clone()).get(&collection).await;
        assert_eq!(response.status, 401, "{key:?}");
        assert_eq!(response.header("www-authenticate"), Some("Bearer"));
        assert!(
            response.body["message"]
                .as_str()
                .unwrap()
                .contains("API key")
        );
    }
    // A revoked key stops working at once.
    let app = api.app.clone();
    let key = make_key(&app, &workspace, "short-lived", ALL_SCOPES).await;
    let short_lived = api.with_key(Some(key));
    assert_eq!(short_lived.get(&collection).await.status, 200);
    let page = app.get("/w/acme-mail/settings/api-keys").await;
    let id = page.attrs("tr[data-key='short-lived'] a[hx-get]", "href")[0]
        .trim_end_matches("/delete")
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    app.post_form(&format!("/w/acme-mail/settings/api-keys/{id}/delete"), &[])
        .await
        .assert_redirect_to("/w/acme-mail/settings/api-keys");
    assert_eq!(short_lived.get(&collection).await.status, 401);
}

#[tokio::test]
async fn bad_query_strings_get_400() {
    let (api, _) = api_for_owner().await;
    let c = api.collection();
    for query in [
        "limit=0",
        "limit=101",
        "limit=ten",
        "after=garbage",
        "before=garbage",
    ] {
        let response = api.get(&format!("{c}?{query}")).await;
        assert_eq!(response.status, 400, "{query}: {}", response.body);
    }
    api.create("One").await;
    api.create("Two").await;
    let page = api.get(&format!("{c}?limit=1")).await;
    let cursor = page.body["pagination"]["next_cursor"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(api.get(&format!("{c}?after={cursor}")).await.status, 200);
    let both = api
        .get(&format!("{c}?after={cursor}&before={cursor}"))
        .await;
    assert_eq!(both.status, 400);
}

#[tokio::test]
async fn unknown_ids_other_accounts_and_other_workspaces_credentials_get_404() {
    let (api, _) = api_for_owner().await;
    let app = api.app.clone();
    // Another workspace with its own credential and key.
    let other_owner = app.create_user("other@example.com", "Otto Other").await;
    let other = app.create_workspace(&other_owner, "Other Mail").await;
    let other_key = make_key(&app, &other, "theirs", ALL_SCOPES).await;
    let theirs = Api::new(&app, &other, Some(other_key)).await;
    let their_credential = theirs.create("Theirs").await;
    let their_id = their_credential.body["id"].as_str().unwrap();

    assert_eq!(
        api.get(&api.item(their_id)).await.status,
        404,
        "another workspace's credential"
    );
    assert_eq!(api.delete(&api.item(their_id)).await.status, 404);
    assert_eq!(api.get(&api.item("not-a-uuid")).await.status, 404);
    assert_eq!(
        api.get(&api.item(&uuid::Uuid::new_v4().to_string()))
            .await
            .status,
        404
    );
    // Our key on their account id.
    let wrong_account = api.get(&theirs.collection()).await;
    assert_eq!(wrong_account.status, 404);
    assert_eq!(
        app.count_rows("smtp_credentials").await,
        1,
        "nothing deleted"
    );
}

#[tokio::test]
async fn invalid_fields_get_422_with_the_dashboards_messages_beside_each_field() {
    let (api, _) = api_for_owner().await;
    let c = api.collection();
    let username_rule = "Use 4–50 characters: letters, digits and underscores only.";
    let (short, long) = ("a".repeat(Username::MIN - 1), "a".repeat(Username::MAX + 1));
    for username in [&short, &long, "bad-name", "é_user"] {
        let response = api
            .post(
                &c,
                &json!({"name": "App", "username": username, "scope": "global"}),
            )
            .await;
        assert_eq!(response.status, 422, "{username}");
        assert_eq!(
            response.field_errors("username"),
            [username_rule],
            "{username}"
        );
    }
    let response = api.post(&c, &json!({"scope": "sideways"})).await;
    assert_eq!(response.status, 422);
    assert_eq!(
        response.field_errors("name"),
        ["Enter a name (up to 100 characters)."]
    );
    assert_eq!(
        response.field_errors("scope"),
        ["Use \"global\" or \"scoped\"."]
    );

    let scoped = api
        .post(&c, &json!({"name": "App", "scope": "scoped"}))
        .await;
    assert_eq!(scoped.status, 422);
    assert!(!scoped.field_errors("domains").is_empty());
    let unknown = api
        .post(
            &c,
            &json!({"name": "App", "scope": "scoped", "domains": ["nowhere.example"]}),
        )
        .await;
    assert_eq!(unknown.status, 422);
    assert_eq!(
        unknown.field_errors("domains"),
        ["nowhere.example is not a sending domain of this account."]
    );
    assert_eq!(api.app.count_rows("smtp_credentials").await, 0);
}

#[tokio::test]
async fn malformed_bodies_get_400_and_duplicate_usernames_409() {
    let (api, _) = api_for_owner().await;
    let c = api.collection();
    for body in [
        "{not json",
        "[1, 2]",
        r#"{"name": "App", "sandbox": "yes", "scope": "global"}"#,
    ] {
        let response = api.call(Method::POST, &c, Some(body), &[]).await;
        assert_eq!(response.status, 400, "{body}: {}", response.body);
    }
    let body = json!({"name": "App", "username": "Taken_Name", "scope": "global"});
    assert_eq!(api.post(&c, &body).await.status, 201);
    let again = api
        .post(
            &c,
            &json!({"name": "App 2", "username": "taken_name", "scope": "global"}),
        )
        .await;
    assert_eq!(
        again.status, 409,
        "usernames are unique without regard to case"
    );
    assert_eq!(
        again.field_errors("username"),
        ["This username is already taken."]
    );
    assert_eq!(api.app.count_rows("smtp_credentials").await, 1);
}

#[tokio::test]
async fn a_body_over_64_kib_gets_a_json_413_and_creates_nothing() {
    let (api, _) = api_for_owner().await;
    let c = api.collection();
    let description = "x".repeat(70 * 1024);
    let body = json!({"name": "App", "scope": "global", "description": description});
    let response = api.post(&c, &body).await;
    assert_eq!(response.status, 413, "{}", response.body);
    assert_eq!(
        response.body["message"],
        "The request body is larger than the limit of 65536 bytes."
    );
    assert_eq!(api.app.count_rows("smtp_credentials").await, 0);
    // Just under the limit is read (and judged on its fields).
    let description = "x".repeat(60 * 1024);
    let body = json!({"name": "App", "scope": "global", "description": description});
    assert_eq!(api.post(&c, &body).await.status, 422);
}

#[tokio::test]
async fn a_database_outage_gets_503_and_the_api_recovers() {
    let (api, _) = api_for_owner().await;
    assert_eq!(api.get(&api.collection()).await.status, 200);
    if api.app.set_postgres_available(false).is_none() {
        return eprintln!("skipped: a database outage is simulated on PostgreSQL only");
    }
    let down = api.get(&api.collection()).await;
    assert_eq!(down.status, 503);
    assert!(down.body["message"].as_str().unwrap().contains("database"));
    api.app.set_postgres_available(true);
    assert_eq!(api.get(&api.collection()).await.status, 200);
}

#[tokio::test]
async fn creates_that_find_every_hashing_slot_busy_get_503_with_retry_after_and_store_nothing() {
    // One slot and no wait: of creates sent at once, those that find the
    // slot taken are refused instead of hashing beside it.
    let app = spawn_app_with(|config| {
        config.password_hash_slots = 1;
        config.password_hash_wait = Duration::ZERO;
    })
    .await;
    let (_, workspace) = app.signed_in_owner().await;
    let key = make_key(&app, &workspace, "deploy", ALL_SCOPES).await;
    let api = Api::new(&app, &workspace, Some(key)).await;
    let body = json!({"name": "Billing", "scope": "global"});
    let collection = api.collection();
    let answers = join_all((0..20).map(|_| api.post(&collection, &body))).await;
    let (mut created, mut busy) = (0, 0);
    for answer in &answers {
        match answer.status {
            201 => created += 1,
            503 => {
                busy += 1;
                assert_eq!(answer.header("retry-after"), Some("5"));
                let message = answer.body["message"].as_str().unwrap();
                assert!(message.contains("busy"), "{message}");
            }
            other => panic!("{other}: {}", answer.body),
        }
    }
    assert!(busy > 0, "no create found the single slot taken");
    assert!(created > 0, "the first create had the slot to itself");
    assert_eq!(app.count_rows("smtp_credentials").await, created);
    // Once the burst is over, a create works as ever.
    api.create("After the burst").await;
    assert_eq!(app.count_rows("smtp_credentials").await, created + 1);
}
