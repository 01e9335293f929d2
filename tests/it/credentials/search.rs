//! The count above the table (exact up to a cap, "more than" past it) and
//! the name/username filter, served by a trigram index on both backends.

use chrono::Duration;
use postern::domain::now;

use super::{LIST, create, id_of};
use crate::helpers::{Page, TestApp, seed_credentials, spawn_app};

async fn seed(app: &TestApp, workspace: &postern::db::models::Workspace, n: usize) {
    let start = now() - Duration::days(30);
    seed_credentials(app, workspace, n, move |i| {
        (start + Duration::minutes(i as i64), None)
    })
    .await;
}

fn usernames(page: &Page) -> Vec<String> {
    page.attrs("tr[data-username]", "data-username")
}

fn count(page: &Page) -> Option<String> {
    page.text_of(".table-count")
}

#[tokio::test]
async fn the_total_is_exact_and_a_filter_count_says_more_than_a_thousand_past_it() {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    seed(&app, &workspace, 1_000).await;
    let page = app.get(LIST).await;
    assert_eq!(count(&page).as_deref(), Some("1,000 credentials"));

    create(&app, "App one more", "user_more").await;
    let page = app.get(LIST).await;
    assert_eq!(count(&page).as_deref(), Some("1,001 credentials"));
    assert_eq!(usernames(&page).len(), 50);
    assert_eq!(usernames(&page)[0], "user_more");

    // The same rule for a filter's matches, short (a scan) or long (the
    // index counts, then the list's order is walked): all 1,001 match...
    for q in ["e", "USER"] {
        let matches = app.get(&format!("{LIST}?q={q}")).await;
        assert_eq!(
            count(&matches).as_deref(),
            Some("More than 1,000 credentials")
        );
        assert_eq!(usernames(&matches)[..2], ["user_more", "user_0999"], "{q}");
        assert_eq!(usernames(&matches).len(), 50);
    }
    // ...1,000 names hold "App 0" (App 0000 … App 0999)...
    let some = app.get(&format!("{LIST}?q=app+0")).await;
    assert_eq!(count(&some).as_deref(), Some("1,000 credentials"));
    assert_eq!(usernames(&some)[0], "user_0999");
    // ...and one holds "one mo".
    let one = app.get(&format!("{LIST}?q=ONE+MO")).await;
    assert_eq!(count(&one).as_deref(), Some("1 credential"));
    assert_eq!(usernames(&one), ["user_more"]);
}

#[tokio::test]
async fn the_filter_finds_substrings_in_any_case_short_or_long() {
    let app = spawn_app().await;
    app.signed_in_owner().await;
    create(&app, "Billing Reports", "billing_eu").await;
    create(&app, "Newsletter", "news_sender").await;
    create(&app, "Password resets", "auth_mailer").await;

    // Three characters or more: the trigram index.
    let page = app.get(&format!("{LIST}?q=LLING+rep")).await;
    assert_eq!(usernames(&page), ["billing_eu"]);
    let page = app.get(&format!("{LIST}?q=s_SEN")).await;
    assert_eq!(usernames(&page), ["news_sender"]);
    let page = app.get(&format!("{LIST}?q=ER")).await;
    assert_eq!(usernames(&page), ["auth_mailer", "news_sender"]);
    // Fewer: a scan with the same meaning.
    let page = app.get(&format!("{LIST}?q=Eu")).await;
    assert_eq!(usernames(&page), ["billing_eu"]);
    let page = app.get(&format!("{LIST}?q=w")).await;
    assert_eq!(usernames(&page), ["auth_mailer", "news_sender"]);
    // A quote or a wildcard is only a character.
    for q in ["%22ing", "ing%22", "b%25ll", "b_lling"] {
        let page = app.get(&format!("{LIST}?q={q}")).await;
        page.assert_contains("No credentials match");
    }
}

#[tokio::test]
async fn a_row_holding_every_piece_of_the_filter_but_not_the_filter_is_not_a_match() {
    // PostgreSQL's trigram indexes are asked for pieces of the text only;
    // the whole text must still be checked on what they find.
    let app = spawn_app().await;
    app.signed_in_owner().await;
    create(&app, "Reports", "abc_def_eu").await;
    create(&app, "Abc and def", "other_one").await;
    create(&app, "Misc", "def_abc").await;
    create(&app, "XABC_DEFX", "shouting").await;
    for q in ["ABC_DEF", "abc_def", "c_d"] {
        let page = app.get(&format!("{LIST}?q={q}")).await;
        assert_eq!(usernames(&page), ["shouting", "abc_def_eu"], "{q}");
        assert_eq!(count(&page).as_deref(), Some("2 credentials"), "{q}");
    }
    // Longer texts whose pieces many rows share.
    let page = app.get(&format!("{LIST}?q=user_0")).await;
    page.assert_contains("No credentials match");
    let page = app.get(&format!("{LIST}?q=and+def")).await;
    assert_eq!(usernames(&page), ["other_one"]);
}

#[tokio::test]
async fn the_filter_follows_renames_and_deletions_at_once() {
    let app = spawn_app().await;
    app.signed_in_owner().await;
    create(&app, "Old name", "renamed_app").await;
    create(&app, "Doomed", "doomed_app").await;
    let id = id_of(&app, "renamed_app").await;
    let edited = app
        .post_form(
            &format!("{LIST}/{id}/edit"),
            &[
                ("name", "Fresh title"),
                ("mode", "production"),
                ("scope", "global"),
            ],
        )
        .await;
    assert_eq!(edited.status, 303, "{}", edited.body);
    let page = app.get(&format!("{LIST}?q=fresh+tit")).await;
    assert_eq!(usernames(&page), ["renamed_app"]);
    let page = app.get(&format!("{LIST}?q=old+name")).await;
    page.assert_contains("No credentials match");

    let id = id_of(&app, "doomed_app").await;
    app.post_form(&format!("{LIST}/{id}/delete"), &[]).await;
    let page = app.get(&format!("{LIST}?q=doomed")).await;
    page.assert_contains("No credentials match");
    // Its username is free again, and the new credential is found.
    create(&app, "Reborn", "doomed_app").await;
    let page = app.get(&format!("{LIST}?q=doomed")).await;
    assert_eq!(usernames(&page), ["doomed_app"]);
}

#[tokio::test]
async fn the_total_stays_exact_through_concurrent_inserts_and_deletes() {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    let (app, workspace) = (&app, &workspace);
    let inserts = (0..20).map(|i| seed_one(app, workspace, i));
    futures_util::future::join_all(inserts).await;
    let page = app.get(LIST).await;
    assert_eq!(count(&page).as_deref(), Some("20 credentials"));

    let deletes = (0..5).map(|i| async move {
        let id = id_of(app, &format!("racer_{i:02}")).await;
        app.post_form(&format!("{LIST}/{id}/delete"), &[]).await
    });
    for done in futures_util::future::join_all(deletes).await {
        assert_eq!(done.status, 303, "{}", done.body);
    }
    let page = app.get(LIST).await;
    assert_eq!(count(&page).as_deref(), Some("15 credentials"));
}

/// One credential inserted in its own transaction, as a create does.
async fn seed_one(app: &TestApp, workspace: &postern::db::models::Workspace, i: usize) {
    use postern::db::models::{NewSmtpCredential, SmtpCredential};
    let workspace = workspace.id.clone();
    app.db
        .query(move |conn| {
            postern::db::write_transaction(conn, |conn| {
                let new = NewSmtpCredential::new(
                    workspace,
                    &format!("Racer {i:02}"),
                    &format!("racer_{i:02}"),
                    crate::helpers::SEEDED_HASH,
                );
                SmtpCredential::insert(conn, &new).map(|_| ())
            })
        })
        .await
        .unwrap();
}
