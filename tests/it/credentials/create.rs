use std::time::Duration;

use futures_util::future::join_all;
use postern::auth::password;
use postern::domain::Username;

use super::{LIST, create, shown_password, stored_hash};
use crate::helpers::{Page, spawn_app, spawn_app_with};

#[tokio::test]
async fn creating_a_credential_shows_its_password_once_and_stores_only_a_hash() {
    let app = spawn_app().await;
    app.signed_in_owner().await;
    let page = create(&app, "Billing service", "billing_app").await;
    assert_eq!(page.status, 200);
    assert_eq!(page.headers["cache-control"], "no-store");
    page.assert_contains("You will not be able to see this password again");
    assert_eq!(
        page.text_of("#shown-username").as_deref(),
        Some("billing_app")
    );
    let shown = shown_password(&page);
    assert!(shown.len() >= 22, "at least 128 bits: {shown}");

    let hash = stored_hash(&app, "billing_app").await;
    assert!(hash.starts_with("$argon2id$"));
    assert!(password::verify(&shown, &hash));
    assert!(!hash.contains(&shown));

    let later = app.get(LIST).await;
    assert_eq!(later.status, 200);
    later.assert_contains("billing_app");
    assert!(
        !later.body.contains(&shown),
        "the password appears in a later page"
    );
    assert_eq!(app.count_rows("smtp_credentials").await, 1);
}

#[tokio::test]
async fn a_blank_username_gets_a_generated_one() {
    let app = spawn_app().await;
    app.signed_in_owner().await;
    let page = create(&app, "Generated", "").await;
    assert_eq!(page.status, 200);
    let username = page.text_of("#shown-username").unwrap();
    assert!(
        username.starts_with("smtp_") && username.len() == 13,
        "{username}"
    );
    assert!(
        username[5..]
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
    );
}

#[tokio::test]
async fn invalid_usernames_are_refused_with_the_rule() {
    let app = spawn_app().await;
    app.signed_in_owner().await;
    let (short, long) = ("a".repeat(Username::MIN - 1), "a".repeat(Username::MAX + 1));
    for bad in [&short, &long, "bad-name", "é_user", "has space"] {
        let page = create(&app, "Bad", bad).await;
        assert_eq!(page.status, 422, "{bad:?}");
        page.assert_contains("letters, digits and underscores only");
        page.assert_contains("value=\"Bad\"");
    }
    assert_eq!(app.count_rows("smtp_credentials").await, 0);
    let longest = "a".repeat(Username::MAX);
    assert_eq!(create(&app, "Edge", &longest).await.status, 200);
    let shortest = "b".repeat(Username::MIN);
    assert_eq!(create(&app, "Edge", &shortest).await.status, 200);
}

#[tokio::test]
async fn a_taken_username_is_refused_whatever_its_case() {
    let app = spawn_app().await;
    let (owner, _) = app.signed_in_owner().await;
    assert_eq!(create(&app, "First", "shared_name").await.status, 200);
    let page = create(&app, "Second", "SHARED_NAME").await;
    assert_eq!(page.status, 422);
    page.assert_contains("This username is already taken.");

    // Unique across the server: another workspace cannot take it either.
    let other = app.create_workspace(&owner, "Other").await;
    let path = format!("/w/{}/settings/smtp-credentials", other.slug);
    let page = app
        .post_form(
            &path,
            &[
                ("name", "Third"),
                ("username", "Shared_Name"),
                ("mode", "production"),
                ("scope", "global"),
            ],
        )
        .await;
    assert_eq!(page.status, 422);
    assert_eq!(app.count_rows("smtp_credentials").await, 1);
}

#[tokio::test]
async fn two_simultaneous_creates_with_one_username_give_one_credential() {
    let app = spawn_app().await;
    app.signed_in_owner().await;
    let (a, b) = tokio::join!(
        create(&app, "Racer A", "race_name"),
        create(&app, "Racer B", "race_name")
    );
    let mut statuses = [a.status.as_u16(), b.status.as_u16()];
    statuses.sort();
    assert_eq!(statuses, [200, 422], "a: {} b: {}", a.body, b.body);
    let loser = if a.status == 422 { &a } else { &b };
    loser.assert_contains("This username is already taken.");
    assert_eq!(app.count_rows("smtp_credentials").await, 1);
}

#[tokio::test]
async fn missing_name_and_long_description_are_shown_beside_the_fields() {
    let app = spawn_app().await;
    app.signed_in_owner().await;
    let long = "d".repeat(501);
    let page = app
        .post_form(
            LIST,
            &[
                ("name", "  "),
                ("username", "keep_me"),
                ("description", &long),
                ("mode", "production"),
                ("scope", "global"),
            ],
        )
        .await;
    assert_eq!(page.status, 422);
    page.assert_contains("id=\"name-error\"");
    page.assert_contains("Enter a name");
    page.assert_contains("Keep the description to 500 characters.");
    page.assert_contains("value=\"keep_me\"");
}

#[tokio::test]
async fn a_scoped_credential_needs_at_least_one_domain_of_the_workspace() {
    let app = spawn_app().await;
    app.signed_in_owner().await;
    let page = app
        .post_form(
            LIST,
            &[
                ("name", "Scoped"),
                ("mode", "production"),
                ("scope", "scoped"),
            ],
        )
        .await;
    assert_eq!(page.status, 422);
    page.assert_contains("Choose at least one domain");

    app.post_form(
        "/w/acme-mail/settings/domains",
        &[("name", "mail.example.com")],
    )
    .await
    .assert_redirect_to("/w/acme-mail/settings/domains");
    let domains = app.get("/w/acme-mail/settings/smtp-credentials/new").await;
    let ids = domains.attrs("input[name=domains]", "value");
    assert_eq!(ids.len(), 1);
    let page = app
        .post_form(
            LIST,
            &[
                ("name", "Scoped"),
                ("username", "scoped_one"),
                ("mode", "sandbox"),
                ("scope", "scoped"),
                ("domains", &ids[0]),
            ],
        )
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    let list = app.get(LIST).await;
    list.assert_contains("mail.example.com");
    list.assert_contains("Sandbox");
}

#[tokio::test]
async fn the_create_dialog_is_a_fragment_for_htmx_and_a_page_without_javascript() {
    let app = spawn_app().await;
    app.signed_in_owner().await;
    let fragment = app.htmx_get(&format!("{LIST}/new"), "modal-body").await;
    assert_eq!(fragment.status, 200);
    assert!(
        !fragment.body.contains("<html"),
        "htmx gets only the dialog body"
    );
    fragment.assert_contains("Create SMTP credential");
    let page = app.get(&format!("{LIST}/new")).await;
    assert!(page.body.contains("<html"));
    page.assert_contains("<dialog id=\"modal\"");
    page.assert_contains(" open>");
    let created = app
        .htmx_post(
            LIST,
            "modal-body",
            &[
                ("name", "Via htmx"),
                ("mode", "production"),
                ("scope", "global"),
            ],
        )
        .await;
    assert_eq!(created.status, 200);
    assert!(!created.body.contains("<html"));
    assert_eq!(created.headers["cache-control"], "no-store");
    created.assert_contains("id=\"shown-password\"");
}

#[tokio::test]
async fn creates_that_find_every_hashing_slot_busy_get_the_busy_page_and_store_nothing() {
    // One slot and no wait: of creates sent at once, those that find the
    // slot taken are refused instead of hashing beside it.
    let app = spawn_app_with(|config| {
        config.password_hash_slots = 1;
        config.password_hash_wait = Duration::ZERO;
    })
    .await;
    app.signed_in_owner().await;
    let token = app.csrf_token().await;
    let form = [
        ("name", "Billing"),
        ("mode", "production"),
        ("scope", "global"),
        ("csrf_token", token.as_str()),
    ];
    let posts = (0..20).map(|_| async {
        Page::from(
            app.client
                .post(app.url(LIST))
                .form(&form)
                .send()
                .await
                .unwrap(),
        )
        .await
    });
    let (mut created, mut busy) = (0, 0);
    for page in join_all(posts).await {
        match page.status.as_u16() {
            200 => {
                created += 1;
                page.assert_contains("You will not be able to see this password again");
            }
            503 => {
                busy += 1;
                assert_eq!(page.headers["retry-after"], "5");
                page.assert_contains("Temporarily busy");
            }
            other => panic!("{other}: {}", page.body),
        }
    }
    assert!(busy > 0, "no create found the single slot taken");
    assert!(created > 0, "the first create had the slot to itself");
    assert_eq!(app.count_rows("smtp_credentials").await, created);
    // Once the burst is over, a create works as ever.
    assert_eq!(create(&app, "After the burst", "").await.status, 200);
}
