//! `/v2/accounts/{account_id}/sandbox/messages`: scopes, pages, filters, a
//! message parsed, its raw bytes and attachments, deleting one and all.

use chrono::Duration;
use postern::db::models::Workspace;
use postern::service::credentials::Scope;
use serde_json::Value;

use super::helpers::{ALL_SCOPES, Api, make_key};
use crate::helpers::{TestApp, spawn_app};
use crate::sandbox::{multipart, png, seed_messages, store_raw, with_html};
use crate::smtp::{authenticated, send_message};

pub const READ: &[&str] = &["sandbox:read"];
pub const READ_DELETE: &[&str] = &["sandbox:read", "sandbox:delete"];

/// An app, its owner's workspace and a client whose key has `scopes`.
pub async fn api_with(scopes: &[&str]) -> (TestApp, Workspace, Api) {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    let key = make_key(&app, &workspace, "tests", scopes).await;
    let api = Api::new(&app, &workspace, Some(key)).await;
    (app, workspace, api)
}

pub fn messages(api: &Api) -> String {
    format!("/v2/accounts/{}/sandbox/messages", api.account)
}

pub fn subjects(body: &Value) -> Vec<String> {
    body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["subject"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn sandbox_scopes_are_needed_and_credential_scopes_do_not_reach_the_sandbox() {
    let (app, workspace, reader) = api_with(READ).await;
    let ids = seed_messages(&app, &workspace, 2, 200, Duration::minutes(1)).await;
    let one = format!("{}/{}", messages(&reader), ids[0]);

    assert_eq!(reader.get(&messages(&reader)).await.status, 200);
    assert_eq!(reader.get(&one).await.status, 200);
    let refused = reader.delete(&one).await;
    assert_eq!(refused.status, 403);
    assert!(
        refused.body["message"]
            .as_str()
            .unwrap()
            .contains("sandbox:delete"),
        "{}",
        refused.body
    );
    assert_eq!(reader.delete(&messages(&reader)).await.status, 403);

    let credentials = reader.with_key(Some(
        make_key(&app, &workspace, "credentials", ALL_SCOPES).await,
    ));
    let refused = credentials.get(&messages(&credentials)).await;
    assert_eq!(refused.status, 403);
    assert!(
        refused.body["message"]
            .as_str()
            .unwrap()
            .contains("sandbox:read")
    );
    assert_eq!(credentials.get(&one).await.status, 403);
    assert_eq!(credentials.delete(&one).await.status, 403);

    let deleter = reader.with_key(Some(
        make_key(&app, &workspace, "deleter", &["sandbox:delete"]).await,
    ));
    assert_eq!(deleter.get(&messages(&deleter)).await.status, 403);
    assert_eq!(deleter.get_bytes(&format!("{one}/raw")).await.0, 403);
    assert_eq!(app.count_rows("sandbox_messages").await, 2);
    assert_eq!(deleter.delete(&one).await.status, 200);
    assert_eq!(app.count_rows("sandbox_messages").await, 1);

    // A sandbox key cannot touch credentials either.
    assert_eq!(reader.get(&reader.collection()).await.status, 403);
}

#[tokio::test]
async fn another_accounts_messages_are_not_found() {
    let (app, _, api) = api_with(READ_DELETE).await;
    let owner = app.create_user("other@example.com", "Other").await;
    let other = app.create_workspace(&owner, "Other").await;
    let ids = seed_messages(&app, &other, 1, 200, Duration::minutes(1)).await;

    let theirs = format!("{}/{}", messages(&api), ids[0]);
    assert_eq!(api.get(&theirs).await.status, 404);
    assert_eq!(api.get_bytes(&format!("{theirs}/raw")).await.0, 404);
    assert_eq!(api.delete(&theirs).await.status, 404);
    let their_list = format!("/v2/accounts/{}/sandbox/messages", other.id);
    assert_eq!(api.get(&their_list).await.status, 404);
    assert_eq!(api.delete(&their_list).await.status, 404);
    assert_eq!(
        api.get(&format!("{their_list}/wait?timeout=0"))
            .await
            .status,
        404
    );
    assert_eq!(
        api.get(&format!("{}/not-a-uuid", messages(&api)))
            .await
            .status,
        404
    );
    assert_eq!(app.count_rows("sandbox_messages").await, 1);
}

#[tokio::test]
async fn pages_follow_their_cursors_both_ways_newest_first() {
    let (app, workspace, api) = api_with(READ).await;
    seed_messages(&app, &workspace, 7, 200, Duration::minutes(10)).await;
    let first = api.get(&format!("{}?limit=3", messages(&api))).await;
    assert_eq!(first.status, 200);
    assert_eq!(
        subjects(&first.body),
        ["Message 6", "Message 5", "Message 4"]
    );
    assert_eq!(first.body["pagination"]["has_more"], true);
    assert!(first.body["pagination"].get("previous_cursor").is_none());
    let next = first.body["pagination"]["next_cursor"].as_str().unwrap();

    let second = api
        .get(&format!("{}?limit=3&after={next}", messages(&api)))
        .await;
    assert_eq!(
        subjects(&second.body),
        ["Message 3", "Message 2", "Message 1"]
    );
    let next = second.body["pagination"]["next_cursor"].as_str().unwrap();
    let last = api
        .get(&format!("{}?limit=3&after={next}", messages(&api)))
        .await;
    assert_eq!(subjects(&last.body), ["Message 0"]);
    assert_eq!(last.body["pagination"]["has_more"], false);

    let previous = last.body["pagination"]["previous_cursor"].as_str().unwrap();
    let back = api
        .get(&format!("{}?limit=3&before={previous}", messages(&api)))
        .await;
    assert_eq!(
        subjects(&back.body),
        ["Message 3", "Message 2", "Message 1"]
    );

    for bad in ["limit=0", "limit=101", "after=garbage", "after=a&before=b"] {
        let response = api.get(&format!("{}?{bad}", messages(&api))).await;
        assert_eq!(response.status, 400, "{bad}: {}", response.body);
    }
}

#[tokio::test]
async fn filters_match_a_whole_recipient_and_words_of_the_subject_in_any_case() {
    let (app, workspace, api) = api_with(READ).await;
    seed_messages(&app, &workspace, 3, 200, Duration::minutes(1)).await;
    let list = |query: &str| {
        let api = api.clone();
        let path = format!("{}?{query}", messages(&api));
        async move { subjects(&api.get(&path).await.body) }
    };
    assert_eq!(list("to=USER1@example.net").await, ["Message 1"]);
    assert!(
        list("to=ser1@example.net").await.is_empty(),
        "whole address"
    );
    assert_eq!(list("subject_contains=sage 2").await, ["Message 2"]);
    assert_eq!(
        list("subject_contains=MESSAGE&to=user0@example.net").await,
        ["Message 0"]
    );
    assert!(
        list("subject_contains=%25").await.is_empty(),
        "% is literal"
    );
    assert!(list("subject_contains=_").await.is_empty(), "_ is literal");
    assert_eq!(
        list("to=&subject_contains=").await.len(),
        3,
        "empty is no filter"
    );

    let control = api
        .get(&format!("{}?subject_contains=a%00b", messages(&api)))
        .await;
    assert_eq!(control.status, 400);
    let long = api
        .get(&format!("{}?to={}", messages(&api), "a".repeat(321)))
        .await;
    assert_eq!(long.status, 400);
}

#[tokio::test]
async fn a_message_sent_over_smtp_reads_parsed_and_its_raw_bytes_are_what_was_sent() {
    let (app, workspace, api) = api_with(READ).await;
    let mut client = authenticated(&app, &workspace, "sandbox_app", true, Scope::Global).await;
    let html = r#"<p>Hi Alice, <a href="https://app.example/verify?token=t1&amp;u=7">verify your address</a>.</p>"#;
    let text = "Hi Alice, verify: https://app.example/verify?token=t1&u=7\r\nDocs: https://docs.example/start.";
    let body = String::from_utf8(with_html(text, html))
        .unwrap()
        .replace(
            "To: user@example.net\r\n",
            "To: \"Alice\" <alice@example.net>\r\nCc: bob@example.net\r\n\
             Date: Sat, 28 Nov 2026 10:00:00 +0000\r\nMessage-ID: <welcome-1@app.example>\r\n",
        )
        .replace("Subject: Newsletter", "Subject: Welcome, Alice");
    let reply = send_message(&mut client, "app@example.com", "alice@example.net", &body).await;
    assert_eq!(reply.code, 250, "{}", reply.text);

    let listed = api.get(&messages(&api)).await;
    let summary = &listed.body["data"][0];
    assert_eq!(summary["subject"], "Welcome, Alice");
    assert_eq!(
        summary["envelope_to"],
        serde_json::json!(["alice@example.net"])
    );
    assert_eq!(summary["username"], "sandbox_app");
    let id = summary["id"].as_str().unwrap();

    let one = api.get(&format!("{}/{id}", messages(&api))).await;
    assert_eq!(one.status, 200, "{}", one.body);
    let m = &one.body;
    assert_eq!(m["from"][0]["address"], "app@example.com");
    assert_eq!(m["to"][0]["name"], "Alice");
    assert_eq!(m["to"][0]["address"], "alice@example.net");
    assert_eq!(m["cc"][0]["address"], "bob@example.net");
    assert_eq!(m["date"], "2026-11-28T10:00:00Z");
    assert_eq!(m["message_id"], "welcome-1@app.example");
    assert!(m["text"].as_str().unwrap().starts_with("Hi Alice, verify:"));
    assert!(m["html"].as_str().unwrap().contains("verify your address"));
    assert_eq!(
        m["links"],
        serde_json::json!([
            "https://app.example/verify?token=t1&u=7",
            "https://docs.example/start"
        ])
    );
    assert!(
        m["headers"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["name"] == "Received" && h["value"].as_str().unwrap().contains("Postern"))
    );

    let (status, headers, raw) = api.get_bytes(m["raw_url"].as_str().unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "message/rfc822");
    let raw = String::from_utf8(raw).unwrap();
    let (received, rest) = raw.split_once("\r\n").unwrap();
    assert!(received.starts_with("Received: from "), "{received}");
    assert_eq!(rest, body, "the bytes sent over SMTP, after Received:");
}

#[tokio::test]
async fn attachments_are_listed_with_links_that_download_their_bytes() {
    let (app, workspace, api) = api_with(READ).await;
    let image = png(3, 2);
    let raw = multipart(
        "See attached.",
        &[
            ("invoice.pdf", "application/pdf", b"%PDF-1.4 tiny"),
            ("photo.png", "image/png", &image),
            ("page.html", "text/html", b"<script>alert(1)</script>"),
        ],
    );
    let id = store_raw(&app, &workspace, raw).await;
    let one = api.get(&format!("{}/{id}", messages(&api))).await;
    let attachments = one.body["attachments"].as_array().unwrap().clone();
    let names: Vec<&str> = attachments
        .iter()
        .map(|a| a["filename"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["invoice.pdf", "photo.png", "page.html"]);
    assert_eq!(attachments[1]["content_type"], "image/png");
    assert_eq!(attachments[1]["size"], image.len());

    let (status, headers, bytes) = api
        .get_bytes(attachments[1]["download_url"].as_str().unwrap())
        .await;
    assert_eq!(status, 200);
    assert_eq!(bytes, image);
    assert_eq!(headers["content-type"], "image/png");
    assert!(
        headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    assert_eq!(headers["x-content-type-options"], "nosniff");
    let (_, headers, bytes) = api
        .get_bytes(attachments[2]["download_url"].as_str().unwrap())
        .await;
    assert_eq!(headers["content-type"], "application/octet-stream");
    assert_eq!(bytes, b"<script>alert(1)</script>");

    let base = format!("{}/{id}/attachments", messages(&api));
    assert_eq!(api.get(&format!("{base}/3")).await.status, 404);
    assert_eq!(api.get(&format!("{base}/x")).await.status, 404);
}

#[tokio::test]
async fn delete_one_then_all_matching_then_all_each_leaving_the_rest() {
    let (app, workspace, api) = api_with(READ_DELETE).await;
    let ids = seed_messages(&app, &workspace, 5, 200, Duration::minutes(1)).await;
    let one = format!("{}/{}", messages(&api), ids[0]);
    let deleted = api.delete(&one).await;
    assert_eq!(
        (deleted.status, deleted.body["deleted"].as_u64()),
        (200, Some(1))
    );
    assert_eq!(api.get(&one).await.status, 404);
    assert_eq!(api.delete(&one).await.status, 404, "already gone");

    let matching = api
        .delete(&format!("{}?to=user3@example.net", messages(&api)))
        .await;
    assert_eq!(matching.body["deleted"], 1);
    assert_eq!(
        subjects(&api.get(&messages(&api)).await.body),
        ["Message 4", "Message 2", "Message 1"]
    );
    let none = api
        .delete(&format!(
            "{}?subject_contains=nothing like it",
            messages(&api)
        ))
        .await;
    assert_eq!((none.status, none.body["deleted"].as_u64()), (200, Some(0)));

    let all = api.delete(&messages(&api)).await;
    assert_eq!(all.body["deleted"], 3);
    assert_eq!(app.count_rows("sandbox_messages").await, 0);
    let activity = app
        .get(&format!("/w/{}/settings/activity", workspace.slug))
        .await;
    activity.assert_contains("API key");
}
