//! The OpenAPI document says exactly what the server does: what a request
//! needs (required fields, header and cursor formats, the content type) and
//! what an answer holds (no `null` cursors, as AhaSend's own schema says).

use reqwest::Method;
use serde_json::{Value, json};

use super::helpers::{ALL_SCOPES, Api, add_domain, make_key};
use crate::helpers::spawn_app;

async fn api_for_owner() -> (Api, postern::db::models::Workspace) {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    let key = make_key(&app, &workspace, "deploy", ALL_SCOPES).await;
    (Api::new(&app, &workspace, Some(key)).await, workspace)
}

async fn document(api: &Api) -> Value {
    api.app
        .client
        .get(api.app.url("/v2/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// The schema of a query or header parameter of an operation.
fn parameter<'a>(doc: &'a Value, method: &str, name: &str) -> &'a Value {
    let path = &doc["paths"]["/v2/accounts/{account_id}/smtp-credentials"][method];
    path["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("{name} is not documented"))
}

#[tokio::test]
async fn the_create_schema_requires_name_and_scope_and_null_is_not_a_name() {
    let (api, _) = api_for_owner().await;
    let doc = document(&api).await;
    let schema = &doc["components"]["schemas"]["CreateSmtpCredential"];
    let mut required: Vec<&str> = schema["required"]
        .as_array()
        .expect("required is listed")
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    required.sort_unstable();
    assert_eq!(required, ["name", "scope"]);
    assert_eq!(schema["properties"]["name"]["type"], "string");
    assert!(
        !schema["properties"]["scope"].to_string().contains("null"),
        "{}",
        schema["properties"]["scope"]
    );

    let c = api.collection();
    let null_name = api
        .post(&c, &json!({"name": null, "scope": "global"}))
        .await;
    assert_eq!(null_name.status, 422);
    assert_eq!(
        null_name.field_errors("name"),
        ["Enter a name (up to 100 characters)."]
    );
    let no_scope = api.post(&c, &json!({"name": "App"})).await;
    assert_eq!(no_scope.status, 422);
    assert_eq!(
        no_scope.field_errors("scope"),
        ["Use \"global\" or \"scoped\"."]
    );
    assert_eq!(api.app.count_rows("smtp_credentials").await, 0);
}

#[tokio::test]
async fn a_list_answer_leaves_out_cursors_that_do_not_exist() {
    let (api, _) = api_for_owner().await;
    let doc = document(&api).await;
    let pagination = &doc["components"]["schemas"]["Pagination"];
    for cursor in ["next_cursor", "previous_cursor"] {
        assert_eq!(
            pagination["properties"][cursor]["type"], "string",
            "{cursor}"
        );
    }
    api.create("One").await;
    api.create("Two").await;
    let c = api.collection();
    let only = api.get(&c).await;
    assert_eq!(only.status, 200);
    assert_eq!(only.body["pagination"], json!({"has_more": false}));

    let first = api.get(&format!("{c}?limit=1")).await;
    let pagination = first.body["pagination"].as_object().unwrap();
    assert!(pagination["next_cursor"].is_string());
    assert!(
        !pagination.contains_key("previous_cursor"),
        "{pagination:?}"
    );
    let next = pagination["next_cursor"].as_str().unwrap();
    let last = api.get(&format!("{c}?limit=1&after={next}")).await;
    let pagination = last.body["pagination"].as_object().unwrap();
    assert!(pagination["previous_cursor"].is_string());
    assert!(!pagination.contains_key("next_cursor"), "{pagination:?}");
}

#[tokio::test]
async fn an_empty_cursor_gets_400_as_the_documents_min_length_says() {
    let (api, _) = api_for_owner().await;
    let doc = document(&api).await;
    for name in ["after", "before"] {
        assert_eq!(parameter(&doc, "get", name)["schema"]["minLength"], 1);
        let response = api.get(&format!("{}?{name}=", api.collection())).await;
        assert_eq!(response.status, 400, "{name}: {}", response.body);
        assert!(
            response.body["message"].as_str().unwrap().contains(name),
            "{}",
            response.body
        );
    }
}

#[tokio::test]
async fn the_idempotency_key_is_documented_with_its_length_and_pattern() {
    let (api, _) = api_for_owner().await;
    let doc = document(&api).await;
    let schema = &parameter(&doc, "post", "Idempotency-Key")["schema"];
    assert_eq!(schema["minLength"], 1);
    assert_eq!(schema["maxLength"], 255);
    let pattern = regex::Regex::new(schema["pattern"].as_str().unwrap()).unwrap();
    let body = json!({"name": "App", "scope": "global"}).to_string();
    let long = "k".repeat(256);
    for (key, accepted) in [
        ("order-42", true),
        (&"k".repeat(255), true),
        ("with space", false),
        (long.as_str(), false),
    ] {
        assert_eq!(pattern.is_match(key), accepted, "{key}");
        let response = api
            .call(
                Method::POST,
                &api.collection(),
                Some(&body),
                &[("Idempotency-Key", key)],
            )
            .await;
        let expected = if accepted { 201 } else { 400 };
        assert_eq!(response.status, expected, "{key}: {}", response.body);
    }
}

#[tokio::test]
async fn a_body_that_is_not_json_gets_415_and_nothing_is_created() {
    let (api, _) = api_for_owner().await;
    let body = json!({"name": "App", "scope": "global"}).to_string();
    for content_type in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/jsonx",
    ] {
        let response = api
            .call(
                Method::POST,
                &api.collection(),
                Some(&body),
                &[("Content-Type", content_type)],
            )
            .await;
        assert_eq!(response.status, 415, "{content_type}: {}", response.body);
        assert!(
            response.body["message"]
                .as_str()
                .unwrap()
                .contains("application/json"),
            "{}",
            response.body
        );
    }
    assert_eq!(api.app.count_rows("smtp_credentials").await, 0);
    let charset = api
        .call(
            Method::POST,
            &api.collection(),
            Some(&body),
            &[("Content-Type", "application/json; charset=utf-8")],
        )
        .await;
    assert_eq!(charset.status, 201, "{}", charset.body);
}

#[tokio::test]
async fn the_document_names_a_relative_server() {
    let (api, _) = api_for_owner().await;
    let doc = document(&api).await;
    assert_eq!(
        doc["servers"],
        json!([{"url": "/", "description": "This server"}])
    );
}

#[tokio::test]
async fn control_characters_in_the_api_body_get_422_beside_each_field() {
    let (api, _) = api_for_owner().await;
    let c = api.collection();
    for control in ['\0', '\u{7f}', '\n'] {
        let response = api
            .post(
                &c,
                &json!({
                    "name": format!("App{control}1"),
                    "description": format!("one\u{1b}two{control}"),
                    "scope": "global",
                }),
            )
            .await;
        assert_eq!(response.status, 422, "{control:?}: {}", response.body);
        assert_eq!(
            response.field_errors("name"),
            ["Use printable characters only: no line breaks, tabs or other control characters."]
        );
        assert_eq!(
            response.field_errors("description"),
            ["Use printable characters, line breaks and tabs only: no other control characters."]
        );
    }
    assert_eq!(api.app.count_rows("smtp_credentials").await, 0);
}

#[tokio::test]
async fn the_same_domain_twice_in_the_api_body_is_one_domain() {
    let (api, workspace) = api_for_owner().await;
    add_domain(&api.app, &workspace, "a.example").await;
    let response = api
        .post(
            &api.collection(),
            &json!({"name": "App", "scope": "scoped", "domains": ["a.example", "A.example."]}),
        )
        .await;
    assert_eq!(response.status, 201, "{}", response.body);
    assert_eq!(response.body["domains"], json!(["a.example"]));
    assert_eq!(api.app.count_rows("smtp_credential_domains").await, 1);
}

#[tokio::test]
async fn a_method_an_endpoint_does_not_have_gets_405_with_allow() {
    let (api, _) = api_for_owner().await;
    let key = api.key.clone().unwrap();
    for (path, allow) in [
        (api.collection(), "GET, HEAD, POST"),
        (
            api.item(&uuid::Uuid::new_v4().to_string()),
            "GET, HEAD, PATCH, DELETE",
        ),
    ] {
        let response = api
            .app
            .client
            .put(api.app.url(&path))
            .bearer_auth(&key)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 405, "{path}");
        assert_eq!(response.headers()["allow"], allow, "{path}");
    }
}
