use std::collections::HashSet;

use chrono::Duration;
use postern::domain::now;

use super::helpers::{ALL_SCOPES, Api, make_key};
use crate::helpers::{seed_credentials, spawn_app};

/// Inserts `n` global credentials, three at a time sharing a creation time
/// (so the order must fall back to the id).
async fn seed(app: &crate::helpers::TestApp, workspace: &postern::db::models::Workspace, n: usize) {
    let start = now() - Duration::days(10);
    seed_credentials(app, workspace, n, move |i| {
        (start + Duration::minutes((i / 3) as i64), None)
    })
    .await;
}

fn ids(response: &super::helpers::ApiResponse) -> Vec<String> {
    response.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect()
}

fn cursor(response: &super::helpers::ApiResponse, which: &str) -> Option<String> {
    response.body["pagination"][which]
        .as_str()
        .map(str::to_owned)
}

#[tokio::test]
async fn two_hundred_fifty_credentials_page_forwards_and_backwards_without_gaps_or_repeats() {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    seed(&app, &workspace, 250).await;
    let api = Api::new(
        &app,
        &workspace,
        Some(make_key(&app, &workspace, "k", ALL_SCOPES).await),
    )
    .await;
    let c = api.collection();

    // Forwards with the default limit of 100: 100, 100, 50.
    let mut forward_pages = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let path = match &next {
            None => c.clone(),
            Some(cursor) => format!("{c}?after={cursor}"),
        };
        let page = api.get(&path).await;
        assert_eq!(page.status, 200);
        next = cursor(&page, "next_cursor");
        assert_eq!(page.body["pagination"]["has_more"], next.is_some());
        forward_pages.push(page);
        if next.is_none() {
            break;
        }
    }
    let sizes: Vec<usize> = forward_pages.iter().map(|p| ids(p).len()).collect();
    assert_eq!(sizes, [100, 100, 50]);
    assert!(
        cursor(&forward_pages[0], "previous_cursor").is_none(),
        "nothing before the first page"
    );
    let forward: Vec<String> = forward_pages.iter().flat_map(ids).collect();
    assert_eq!(
        forward.iter().collect::<HashSet<_>>().len(),
        250,
        "no repeats"
    );
    let names: Vec<String> = forward_pages
        .iter()
        .flat_map(|p| p.body["data"].as_array().unwrap().clone())
        .map(|c| c["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        names.first().map(String::as_str),
        Some("App 0249"),
        "newest first"
    );
    assert!(names[247..].contains(&"App 0000".to_owned()), "oldest last");

    // Backwards from the last page, 30 at a time, back to the start.
    let mut backward: Vec<String> = ids(&forward_pages[2]);
    let mut previous = cursor(&forward_pages[2], "previous_cursor");
    while let Some(before) = previous {
        let page = api.get(&format!("{c}?before={before}&limit=30")).await;
        assert_eq!(page.status, 200);
        assert_eq!(
            page.body["pagination"]["has_more"], true,
            "the later rows follow"
        );
        let mut chunk = ids(&page);
        chunk.extend(backward);
        backward = chunk;
        previous = cursor(&page, "previous_cursor");
    }
    assert_eq!(backward, forward, "the same rows in the same order");

    // Small pages also tile the list exactly.
    let mut small = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let path = match &next {
            None => format!("{c}?limit=7"),
            Some(cursor) => format!("{c}?limit=7&after={cursor}"),
        };
        let page = api.get(&path).await;
        small.extend(ids(&page));
        next = cursor(&page, "next_cursor");
        if next.is_none() {
            break;
        }
    }
    assert_eq!(small, forward);
}
