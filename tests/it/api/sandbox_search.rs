//! `…/sandbox/messages?q=…`: the dashboard's search and filters through
//! the API — `q`, `credential`, `tag`, `received_after`/`received_before`,
//! combined with `to` and `subject_contains`; pages of a search; 422 for
//! bad values; the same parameters for `wait` and deleting all matching.

use std::collections::HashSet;

use super::helpers::{Api, ApiResponse, make_key};
use super::sandbox::{READ, READ_DELETE, api_with, messages, subjects};
use crate::sandbox::search::{ingest, sandbox_login, three_messages};

/// The list's URL with these parameters.
fn listing(api: &Api, params: &[(&str, &str)]) -> String {
    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params)
        .finish();
    format!("{}?{query}", messages(api))
}

async fn search(api: &Api, params: &[(&str, &str)]) -> ApiResponse {
    api.get(&listing(api, params)).await
}

async fn found(api: &Api, params: &[(&str, &str)]) -> Vec<String> {
    let response = search(api, params).await;
    assert_eq!(response.status, 200, "{params:?}: {}", response.body);
    subjects(&response.body)
}

#[tokio::test]
async fn q_finds_a_word_of_the_body_and_a_piece_of_the_sender_in_any_case() {
    let (app, workspace, api) = api_with(READ).await;
    three_messages(&app, &workspace).await;
    for (q, expected) in [
        // A word of the text body, in another case.
        ("CHOOSE", vec!["Reset your password"]),
        // A piece of the From: address, in another case; and of its name.
        ("ACME.EXAM", vec!["Reset your password"]),
        ("cme accou", vec!["Reset your password"]),
        // The envelope sender and recipient, and HTML made text.
        ("bounce@shop", vec!["Your invoice", "Welcome aboard"]),
        ("kim@envelope", vec!["Your invoice"]),
        ("42 eur", vec!["Your invoice"]),
        // Short terms are found too.
        ("77", vec!["Welcome aboard"]),
        ("nothing-like-this", vec![]),
        ("%", vec![]),
    ] {
        assert_eq!(found(&api, &[("q", q)]).await, expected, "q={q:?}");
    }
}

#[tokio::test]
async fn every_word_of_q_must_occur_and_a_quoted_phrase_is_one_term() {
    let (app, workspace, api) = api_with(READ).await;
    three_messages(&app, &workspace).await;
    for (q, expected) in [
        (
            "shop.example newbie",
            vec!["Your invoice", "Welcome aboard"],
        ),
        ("shop.example thanks", vec!["Welcome aboard"]),
        ("newbie zoë", vec![]),
        ("number order", vec!["Welcome aboard"]),
        ("\"order number\"", vec!["Welcome aboard"]),
        ("\"number order\"", vec![]),
        // Blank is no search.
        (
            "  ",
            vec!["Your invoice", "Welcome aboard", "Reset your password"],
        ),
    ] {
        assert_eq!(found(&api, &[("q", q)]).await, expected, "q={q:?}");
    }
}

#[tokio::test]
async fn tag_credential_and_dates_narrow_the_list_and_combine_with_q_and_to() {
    let (app, workspace, api) = api_with(READ).await;
    let shop = three_messages(&app, &workspace).await;
    let other = sandbox_login(&app, &workspace, "Other app").await;
    ingest(
        &app,
        &other,
        "x@other.example",
        &["newbie@customer.example"],
        "Subject: Welcome from other\nX-Tags: SIGNUP\n\nhi\n",
    )
    .await;
    let (shop_id, other_id) = (shop.id.to_string(), other.id.to_string());

    assert_eq!(
        found(&api, &[("tag", "Signup")]).await,
        ["Welcome from other", "Welcome aboard"]
    );
    assert_eq!(
        found(&api, &[("tag", "password-reset")]).await,
        ["Reset your password"]
    );
    assert!(found(&api, &[("tag", "nope")]).await.is_empty());
    assert_eq!(
        found(&api, &[("credential", &other_id)]).await,
        ["Welcome from other"]
    );
    assert_eq!(
        found(
            &api,
            &[
                ("credential", &shop_id),
                ("tag", "signup"),
                ("q", "welcome")
            ]
        )
        .await,
        ["Welcome aboard"]
    );
    // With the API's own filters: all must hold.
    assert_eq!(
        found(&api, &[("to", "newbie@customer.example"), ("q", "welcome")]).await,
        ["Welcome from other", "Welcome aboard"]
    );
    assert_eq!(
        found(
            &api,
            &[("subject_contains", "welcome"), ("credential", &shop_id)]
        )
        .await,
        ["Welcome aboard"]
    );
    assert!(
        found(&api, &[("to", "zoe@customer.example"), ("tag", "signup")])
            .await
            .is_empty()
    );

    // Dates: from a message's own time (included) to another's (left out).
    let all = search(&api, &[]).await.body;
    let at = |i: usize| all["data"][i]["received_at"].as_str().unwrap().to_owned();
    assert_eq!(subjects(&all)[1], "Your invoice");
    let (invoice, welcome) = (at(1), at(2));
    assert_eq!(
        found(&api, &[("received_after", &welcome)]).await,
        ["Welcome from other", "Your invoice", "Welcome aboard"]
    );
    assert_eq!(
        found(&api, &[("received_before", &welcome)]).await,
        ["Reset your password"]
    );
    assert_eq!(
        found(
            &api,
            &[("received_after", &welcome), ("received_before", &invoice)]
        )
        .await,
        ["Welcome aboard"]
    );
    // A time with another offset names the same instant.
    let offset = chrono::FixedOffset::east_opt(2 * 3600).unwrap();
    let invoice_at_plus_two = chrono::DateTime::parse_from_rfc3339(&invoice)
        .unwrap()
        .with_timezone(&offset)
        .to_rfc3339_opts(chrono::SecondsFormat::Micros, false);
    assert!(
        invoice_at_plus_two.ends_with("+02:00"),
        "{invoice_at_plus_two}"
    );
    assert_eq!(
        found(&api, &[("received_before", &invoice_at_plus_two)]).await,
        ["Welcome aboard", "Reset your password"]
    );
    assert!(
        found(&api, &[("received_before", "2000-01-01T01:00:00+01:00")])
            .await
            .is_empty()
    );
    assert_eq!(
        found(
            &api,
            &[("received_after", "2000-01-01T00:00:00Z"), ("q", "invoice")]
        )
        .await,
        ["Your invoice"]
    );
}

#[tokio::test]
async fn paging_through_a_search_with_a_small_limit_visits_every_match_once() {
    let (app, workspace, api) = api_with(READ).await;
    let login = sandbox_login(&app, &workspace, "Bulk").await;
    for i in 0..11 {
        let (subject, body) = match i % 3 {
            0 => (format!("Other {i}"), "hello"),
            _ => (format!("Receipt {i}"), "Thanks for your order"),
        };
        let raw = format!("Subject: {subject}\nX-Tags: t{}\n\n{body}\n", i % 2);
        ingest(&app, &login, "a@bulk.example", &["b@c.example"], &raw).await;
    }
    let matches: Vec<String> = (0..11)
        .rev()
        .filter(|i| i % 3 != 0)
        .map(|i| format!("Receipt {i}"))
        .collect();
    assert_eq!(matches.len(), 7);

    let mut seen = Vec::new();
    let mut ids = HashSet::new();
    let mut pages = 0;
    let mut next: Option<String> = None;
    let mut last;
    loop {
        let mut params = vec![("q", "order".to_owned()), ("limit", "2".to_owned())];
        if let Some(cursor) = &next {
            params.push(("after", cursor.clone()));
        }
        let params: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let page = search(&api, &params).await;
        assert_eq!(page.status, 200, "{}", page.body);
        pages += 1;
        for m in page.body["data"].as_array().unwrap() {
            assert!(ids.insert(m["id"].as_str().unwrap().to_owned()), "twice");
        }
        seen.extend(subjects(&page.body));
        let pagination = &page.body["pagination"];
        assert_eq!(
            pagination["has_more"].as_bool().unwrap(),
            pagination.get("next_cursor").is_some()
        );
        next = pagination["next_cursor"].as_str().map(str::to_owned);
        last = page.body;
        if next.is_none() {
            break;
        }
        assert!(pages < 10, "paging does not end");
    }
    assert_eq!(seen, matches, "every match once, newest first");
    assert_eq!(pages, 4);

    // And back from the last page, with the search kept.
    let previous = last["pagination"]["previous_cursor"].as_str().unwrap();
    let back = found(
        &api,
        &[("q", "order"), ("limit", "2"), ("before", previous)],
    )
    .await;
    assert_eq!(back, matches[4..6]);

    // A filter with the search pages the same way: every other message.
    let tagged = found(&api, &[("q", "order"), ("tag", "t1"), ("limit", "100")]).await;
    let first = search(&api, &[("q", "order"), ("tag", "t1"), ("limit", "2")]).await;
    assert_eq!(subjects(&first.body), tagged[..2]);
    let after = first.body["pagination"]["next_cursor"].as_str().unwrap();
    let rest = found(
        &api,
        &[
            ("q", "order"),
            ("tag", "t1"),
            ("limit", "2"),
            ("after", after),
        ],
    )
    .await;
    assert_eq!(rest, tagged[2..]);
    assert_eq!(tagged, ["Receipt 7", "Receipt 5", "Receipt 1"]);
}

#[tokio::test]
async fn bad_search_and_filter_values_get_422_naming_each_parameter() {
    let (app, workspace, api) = api_with(READ_DELETE).await;
    three_messages(&app, &workspace).await;
    let long = "x".repeat(201);
    let bad: [(&str, &str); 5] = [
        ("q", &long),
        ("credential", "not-a-uuid"),
        ("tag", "a,b"),
        ("received_after", "yesterday"),
        ("received_before", "2026-13-01T00:00:00Z"),
    ];
    let response = search(&api, &bad).await;
    assert_eq!(response.status, 422, "{}", response.body);
    for (name, _) in bad {
        assert_eq!(
            response.field_errors(name).len(),
            1,
            "{name}: {}",
            response.body
        );
    }
    assert_eq!(response.field_errors("q"), ["Use at most 200 characters."]);

    let long_tag = "t".repeat(41);
    for (params, field) in [
        (vec![("q", "a b c d e f g h i")], "q"),
        (vec![("q", "reset\u{7}")], "q"),
        (vec![("tag", long_tag.as_str())], "tag"),
        (vec![("received_after", "")], "received_after"),
        (vec![("credential", "")], "credential"),
        (
            vec![
                ("received_after", "2026-11-28T10:00:00Z"),
                ("received_before", "2026-11-28T10:00:00Z"),
            ],
            "received_before",
        ),
    ] {
        let response = search(&api, &params).await;
        assert_eq!(response.status, 422, "{params:?}: {}", response.body);
        assert_eq!(response.body["errors"].as_object().unwrap().len(), 1);
        assert_eq!(response.field_errors(field).len(), 1, "{}", response.body);
    }
    // The longest search allowed is searched.
    let longest = "x".repeat(200);
    assert!(found(&api, &[("q", &longest)]).await.is_empty());

    // Waiting and deleting read the same parameters, and delete nothing.
    let wait = api
        .get(&format!(
            "{}/wait?timeout=0&credential=nope",
            messages(&api)
        ))
        .await;
    assert_eq!(wait.status, 422, "{}", wait.body);
    assert_eq!(wait.field_errors("credential").len(), 1);
    let delete = api
        .delete(&listing(&api, &[("q", &long), ("tag", "signup")]))
        .await;
    assert_eq!(delete.status, 422, "{}", delete.body);
    assert_eq!(app.count_rows("sandbox_messages").await, 3);
}

#[tokio::test]
async fn deleting_all_matching_a_search_deletes_what_the_list_shows_and_nothing_else() {
    let (app, workspace, api) = api_with(READ_DELETE).await;
    three_messages(&app, &workspace).await;
    // The invoice's envelope went to kim: `to` leaves it out.
    let params = [("q", "shop.example"), ("to", "newbie@customer.example")];
    assert_eq!(found(&api, &params).await, ["Welcome aboard"]);
    let deleted = api.delete(&listing(&api, &params)).await;
    assert_eq!(deleted.status, 200, "{}", deleted.body);
    assert_eq!(deleted.body["deleted"], 1);
    assert_eq!(
        found(&api, &[]).await,
        ["Your invoice", "Reset your password"]
    );
    let tagged = api.delete(&listing(&api, &[("tag", "AUTH")])).await;
    assert_eq!(tagged.body["deleted"], 1);
    assert_eq!(found(&api, &[]).await, ["Your invoice"]);
    let activity = app
        .get(&format!("/w/{}/settings/activity", workspace.slug))
        .await;
    activity.assert_contains("search “shop.example”, to newbie@customer.example");
}

#[tokio::test]
async fn a_wait_with_q_answers_with_the_message_whose_body_matches() {
    let (app, workspace, api) = api_with(READ).await;
    let since = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    three_messages(&app, &workspace).await;
    let answer = wait(&api, &since, &[("q", "order NUMBER")]).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body["subject"], "Welcome aboard");
    let tagged = wait(&api, &since, &[("tag", "auth")]).await;
    assert_eq!(tagged.body["subject"], "Reset your password");
    let none = wait(&api, &since, &[("q", "nothing-like-this")]).await;
    assert_eq!(none.status, 204);
}

/// `wait` at once for mail since `since` matching `params`.
async fn wait(api: &Api, since: &str, params: &[(&str, &str)]) -> ApiResponse {
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("since", since)
        .append_pair("timeout", "0")
        .extend_pairs(params)
        .finish();
    api.get(&format!("{}/wait?{query}", messages(api))).await
}

#[tokio::test]
async fn a_search_needs_sandbox_read_before_its_parameters_are_read() {
    let (app, workspace, reader) = api_with(READ).await;
    three_messages(&app, &workspace).await;
    assert_eq!(found(&reader, &[("q", "invoice")]).await, ["Your invoice"]);

    let deleter = reader.with_key(Some(
        make_key(&app, &workspace, "deleter", &["sandbox:delete"]).await,
    ));
    let credentials = reader.with_key(Some(
        make_key(&app, &workspace, "creds", &["smtp-credentials:read:all"]).await,
    ));
    for api in [&deleter, &credentials] {
        let refused = search(api, &[("q", "invoice")]).await;
        assert_eq!(refused.status, 403, "{}", refused.body);
        assert!(
            refused.body["message"]
                .as_str()
                .unwrap()
                .contains("sandbox:read")
        );
        assert_eq!(search(api, &[("credential", "bad")]).await.status, 403);
    }
    let nobody = reader.with_key(None);
    assert_eq!(search(&nobody, &[("q", "invoice")]).await.status, 401);
    // Deleting matching needs sandbox:delete.
    let refused = reader.delete(&listing(&reader, &[("q", "invoice")])).await;
    assert_eq!(refused.status, 403);
    assert_eq!(app.count_rows("sandbox_messages").await, 3);
}
