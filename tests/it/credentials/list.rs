use chrono::Duration;
use postern::domain::now;

use super::LIST;
use crate::helpers::{Page, TestApp, seed_credentials, spawn_app};

/// Inserts `n` credentials one minute apart, `used` of them with a last-used time.
async fn seed(app: &TestApp, workspace: &postern::db::models::Workspace, n: usize, used: usize) {
    let start = now() - Duration::days(30);
    seed_credentials(app, workspace, n, move |i| {
        (
            start + Duration::minutes(i as i64),
            (i < used).then(|| now() - Duration::hours(i as i64)),
        )
    })
    .await;
}

fn usernames(page: &Page) -> Vec<String> {
    page.attrs("tr[data-username]", "data-username")
}

#[tokio::test]
async fn the_default_order_is_newest_created_first_and_headers_reverse_it() {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    seed(&app, &workspace, 3, 0).await;
    let page = app.get(LIST).await;
    assert_eq!(usernames(&page), ["user_0002", "user_0001", "user_0000"]);
    let asc = app.get(&format!("{LIST}?sort=created_at&dir=asc")).await;
    assert_eq!(usernames(&asc), ["user_0000", "user_0001", "user_0002"]);
    asc.assert_contains("aria-sort=\"ascending\"");
}

#[tokio::test]
async fn sorting_by_last_used_puts_never_used_last_when_descending() {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    seed(&app, &workspace, 4, 2).await;
    let page = app.get(&format!("{LIST}?sort=last_used_at&dir=desc")).await;
    // user_0000 was used most recently, user_0001 an hour before; the rest never.
    assert_eq!(usernames(&page)[..2], ["user_0000", "user_0001"]);
    page.assert_contains("Never");
    let asc = app.get(&format!("{LIST}?sort=last_used_at&dir=asc")).await;
    assert_eq!(usernames(&asc)[2..], ["user_0001", "user_0000"]);
}

#[tokio::test]
async fn pages_of_fifty_cover_every_credential_once_both_ways() {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    seed(&app, &workspace, 120, 0).await;
    let mut seen = Vec::new();
    let mut page = app.get(LIST).await;
    page.assert_contains("120 credentials");
    let mut forward_pages = 0;
    loop {
        forward_pages += 1;
        seen.extend(usernames(&page));
        let next = page.attrs("a[rel=next]", "href");
        match next.first() {
            Some(href) => page = app.get(&href.replace("&amp;", "&")).await,
            None => break,
        }
    }
    assert_eq!(forward_pages, 3);
    let mut expected: Vec<String> = (0..120).rev().map(|i| format!("user_{i:04}")).collect();
    assert_eq!(seen, expected, "no duplicates, no gaps, newest first");

    // And back again from the last page.
    let mut back = Vec::new();
    loop {
        let mut rows = usernames(&page);
        rows.reverse();
        back.extend(rows);
        let prev = page.attrs("a[rel=prev]", "href");
        match prev.first() {
            Some(href) => page = app.get(&href.replace("&amp;", "&")).await,
            None => break,
        }
    }
    expected.reverse();
    assert_eq!(back, expected);
}

#[tokio::test]
async fn the_filter_matches_name_or_username_and_stays_in_the_links() {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    seed(&app, &workspace, 12, 0).await;
    let page = app.get(&format!("{LIST}?q=USER_001")).await;
    assert_eq!(usernames(&page), ["user_0011", "user_0010"]);
    page.assert_contains("2 credentials");
    let sort_links = page.attrs("a[data-sort]", "href");
    assert!(
        sort_links.iter().all(|h| h.contains("q=USER_001")),
        "{sort_links:?}"
    );
    let page = app.get(&format!("{LIST}?q=App+0003")).await;
    assert_eq!(usernames(&page), ["user_0003"]);
    let none = app.get(&format!("{LIST}?q=%25")).await;
    none.assert_contains("No credentials match");
}

#[tokio::test]
async fn htmx_gets_only_the_table_when_sorting() {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    seed(&app, &workspace, 2, 0).await;
    let fragment = app
        .htmx_get(
            &format!("{LIST}?sort=created_at&dir=asc"),
            "credentials-table",
        )
        .await;
    assert_eq!(fragment.status, 200);
    assert!(
        fragment
            .body
            .trim_start()
            .starts_with("<div id=\"credentials-table\"")
    );
    assert!(!fragment.body.contains("Connection settings"));
    assert_eq!(usernames(&fragment), ["user_0000", "user_0001"]);
}

#[tokio::test]
async fn the_page_shows_connection_settings() {
    let app = spawn_app().await;
    app.signed_in_owner().await;
    let page = app.get(LIST).await;
    assert_eq!(page.text_of("#smtp-host").as_deref(), Some("127.0.0.1"));
    assert_eq!(page.text_of("#smtp-port"), Some(app.smtp_port.to_string()));
    page.assert_contains("STARTTLS required");
    page.assert_contains("No SMTP credentials yet");
}

#[tokio::test]
async fn pages_sorted_by_last_used_cover_every_credential_once() {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    seed(&app, &workspace, 120, 60).await;
    let mut seen = Vec::new();
    let mut page = app.get(&format!("{LIST}?sort=last_used_at&dir=desc")).await;
    loop {
        seen.extend(usernames(&page));
        match page.attrs("a[rel=next]", "href").first() {
            Some(href) => page = app.get(&href.replace("&amp;", "&")).await,
            None => break,
        }
    }
    assert_eq!(seen.len(), 120);
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 120, "no duplicates across pages");
    // Most recently used first (user_0000 an hour ago is the newest use)...
    assert_eq!(seen[..3], ["user_0000", "user_0001", "user_0002"]);
    // ...and the never-used ones last, newest id first among equals.
    assert!(
        seen[60..].iter().all(|u| u.as_str() >= "user_0060"),
        "{:?}",
        &seen[60..]
    );
}
