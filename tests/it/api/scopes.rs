use serde_json::json;

use super::helpers::{ALL_SCOPES, Api, add_domain, make_key};
use crate::helpers::spawn_app;

const A_ONLY: &[&str] = &[
    "smtp-credentials:read:a.example",
    "smtp-credentials:write:a.example",
    "smtp-credentials:delete:a.example",
];

fn id(response: &super::helpers::ApiResponse) -> String {
    response.body["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_key_scoped_to_one_domain_reaches_only_credentials_within_it() {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    add_domain(&app, &workspace, "a.example").await;
    add_domain(&app, &workspace, "b.example").await;
    let admin = Api::new(
        &app,
        &workspace,
        Some(make_key(&app, &workspace, "admin", ALL_SCOPES).await),
    )
    .await;
    let c = admin.collection();
    let scoped =
        |name: &str, domains: &[&str]| json!({"name": name, "scope": "scoped", "domains": domains});
    let on_a = id(&admin.post(&c, &scoped("A", &["a.example"])).await);
    let on_b = id(&admin.post(&c, &scoped("B", &["b.example"])).await);
    let on_ab = id(&admin
        .post(&c, &scoped("AB", &["a.example", "b.example"]))
        .await);
    let global = id(&admin.create("Global").await);

    let a = admin.with_key(Some(make_key(&app, &workspace, "a only", A_ONLY).await));
    let listed = a.get(&c).await;
    assert_eq!(listed.status, 200);
    let ids: Vec<&str> = listed.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [on_a.as_str()]);

    assert_eq!(a.get(&a.item(&on_a)).await.status, 200);
    for other in [&on_b, &on_ab, &global] {
        let response = a.get(&a.item(other)).await;
        assert_eq!(response.status, 403, "read {other}");
        assert_eq!(a.delete(&a.item(other)).await.status, 403, "delete {other}");
    }

    assert_eq!(a.post(&c, &scoped("B2", &["b.example"])).await.status, 403);
    assert_eq!(
        a.post(&c, &scoped("AB2", &["a.example", "b.example"]))
            .await
            .status,
        403
    );
    assert_eq!(
        a.post(&c, &json!({"name": "G2", "scope": "global"}))
            .await
            .status,
        403
    );
    assert_eq!(
        app.count_rows("smtp_credentials").await,
        4,
        "nothing created"
    );
    assert_eq!(a.post(&c, &scoped("A2", &["a.example"])).await.status, 201);
    assert_eq!(a.delete(&a.item(&on_a)).await.status, 200);
    assert_eq!(app.count_rows("smtp_credentials").await, 4);
}

#[tokio::test]
async fn each_action_needs_its_own_scope() {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    let admin = Api::new(
        &app,
        &workspace,
        Some(make_key(&app, &workspace, "admin", ALL_SCOPES).await),
    )
    .await;
    let existing = id(&admin.create("Existing").await);

    let reader = admin.with_key(Some(
        make_key(&app, &workspace, "reader", &["smtp-credentials:read:all"]).await,
    ));
    assert_eq!(reader.get(&reader.collection()).await.status, 200);
    let refused = reader
        .post(
            &reader.collection(),
            &json!({"name": "X", "scope": "global"}),
        )
        .await;
    assert_eq!(refused.status, 403);
    assert!(refused.body["message"].as_str().unwrap().contains("scopes"));
    assert_eq!(reader.delete(&reader.item(&existing)).await.status, 403);

    let writer = admin.with_key(Some(
        make_key(&app, &workspace, "writer", &["smtp-credentials:write:all"]).await,
    ));
    assert_eq!(writer.get(&writer.collection()).await.status, 403);
    assert_eq!(writer.get(&writer.item(&existing)).await.status, 403);
    assert_eq!(writer.create("Made by writer").await.status, 201);
    assert_eq!(app.count_rows("smtp_credentials").await, 2);
}
