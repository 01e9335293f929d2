//! Searching the Sandbox: each field a search looks in, in any case and
//! as a substring; filters by credential, tag and date, combined; the
//! linkable query string and htmx fragment; "no messages match"; deleting
//! all that match; the index kept in step with deletes and retention.

use chrono::Duration;
use postern::auth::smtp_login::AuthenticatedCredential;
use postern::db::models::{NewSmtpCredential, SmtpCredential, Workspace};
use postern::domain::{CredentialId, MessageId, now};
use postern::service::sandbox::{self, SandboxUsage, Stored};

use crate::helpers::{SEEDED_HASH, TestApp, spawn_app};
use crate::members::Team;

/// A sandbox credential of the workspace, as an SMTP session holds it.
pub async fn sandbox_login(
    app: &TestApp,
    workspace: &Workspace,
    name: &str,
) -> AuthenticatedCredential {
    let (id, ws) = (CredentialId::generate(), workspace.id.clone());
    let username = format!("sb_{}", &id.as_str().replace('-', "")[..12]);
    let (c, u, n) = (id.clone(), username.clone(), name.to_owned());
    app.db
        .query(move |conn| {
            SmtpCredential::insert(
                conn,
                &NewSmtpCredential {
                    id: c,
                    sandbox: true,
                    ..NewSmtpCredential::new(ws, &n, &u, SEEDED_HASH)
                },
            )
        })
        .await
        .unwrap();
    AuthenticatedCredential {
        id,
        workspace_id: workspace.id.clone(),
        username,
        sandbox: true,
        domains: None,
        secret_id: postern::domain::SecretId::generate(),
        policies: Default::default(),
    }
}

/// Stores a message as the SMTP listener does (extraction and tags
/// included); returns its id.
pub async fn ingest(
    app: &TestApp,
    login: &AuthenticatedCredential,
    from: &str,
    to: &[&str],
    raw: &str,
) -> MessageId {
    let to: Vec<String> = to.iter().map(|s| s.to_string()).collect();
    let stored = sandbox::store(
        &app.db,
        &SandboxUsage::new(None),
        login,
        from,
        &to,
        raw.replace('\n', "\r\n").into_bytes(),
    )
    .await
    .unwrap();
    match stored {
        Stored::Kept(id) => id,
        other => panic!("not stored: {other:?}"),
    }
}

/// The subjects the list shows at `path`, in order.
pub async fn listed(app: &TestApp, path: &str) -> Vec<String> {
    let page = app.get(path).await;
    assert_eq!(page.status, 200, "{}", page.body);
    subjects_on(&page.body)
}

fn subjects_on(body: &str) -> Vec<String> {
    let document = scraper::Html::parse_document(body);
    let selector = scraper::Selector::parse("td.cell-name > a").unwrap();
    document
        .select(&selector)
        .map(|e| e.text().collect::<String>().trim().to_owned())
        .collect()
}

const RESET: &str = "From: \"Acme Accounts\" <accounts@acme.example>
To: \"Zoë Customer\" <zoe@customer.example>
Cc: audit@acme.example
Subject: Reset your password
X-Tags: Auth, password-reset

Hello Zoë, follow the link to choose a new PASSWORD: https://acme.example/r/ab12
";

const WELCOME: &str = "From: hello@shop.example
To: newbie@customer.example
Subject: Welcome aboard
X-Tags: signup

Thanks for signing up. Your order number is 77-Q.
";

const INVOICE: &str = "From: billing@shop.example
To: newbie@customer.example
Subject: Your invoice
Content-Type: text/html; charset=utf-8

<p>Total due: <b>42 EUR</b>. Paid by card ending 4242.</p>
";

/// Stores a password reset, a welcome (tagged `signup`) and an HTML-only
/// invoice, oldest first, sent with one sandbox credential; returns it.
pub async fn three_messages(app: &TestApp, workspace: &Workspace) -> AuthenticatedCredential {
    let login = sandbox_login(app, workspace, "Shop").await;
    ingest(
        app,
        &login,
        "bounce@acme.example",
        &["zoe@customer.example"],
        RESET,
    )
    .await;
    ingest(
        app,
        &login,
        "bounce@shop.example",
        &["newbie@customer.example"],
        WELCOME,
    )
    .await;
    ingest(
        app,
        &login,
        "bounce@shop.example",
        &["kim@envelope.example"],
        INVOICE,
    )
    .await;
    login
}

#[tokio::test]
async fn a_search_finds_mail_by_subject_senders_recipients_and_text_in_any_case() {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    three_messages(&app, &workspace).await;
    let base = format!("/w/{}/sandbox", workspace.slug);
    let search = |q: &str| {
        let query = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("q", q)
            .finish();
        format!("{base}?{query}")
    };
    for (q, expected) in [
        // Subject, as a word and as a piece of one, in another case.
        ("WELCOME", vec!["Welcome aboard"]),
        ("nvoic", vec!["Your invoice"]),
        // Senders: the envelope, the From: address and its display name.
        ("bounce@acme", vec!["Reset your password"]),
        ("accounts@acme.example", vec!["Reset your password"]),
        ("acme accounts", vec!["Reset your password"]),
        // Recipients: the envelope, To: (with its name) and Cc:.
        ("kim@envelope", vec!["Your invoice"]),
        ("zoë customer", vec!["Reset your password"]),
        ("audit@", vec!["Reset your password"]),
        // The text body, and HTML made text.
        ("new password", vec!["Reset your password"]),
        ("77-q", vec!["Welcome aboard"]),
        ("42 eur", vec!["Your invoice"]),
        // Short terms are found too (by a scan).
        ("ab", vec!["Welcome aboard", "Reset your password"]),
        // Every term must occur.
        (
            "shop.example newbie",
            vec!["Your invoice", "Welcome aboard"],
        ),
        ("shop.example thanks", vec!["Welcome aboard"]),
        ("\"order number\"", vec!["Welcome aboard"]),
        ("nothing-like-this", vec![]),
        // LIKE's wildcards match only themselves.
        ("%", vec![]),
        ("_", vec![]),
    ] {
        assert_eq!(listed(&app, &search(q)).await, expected, "search {q:?}");
    }
    let none = app.get(&search("nothing-like-this")).await;
    none.assert_contains("No messages match");
    let one = app.get(&search("aboard")).await;
    assert_eq!(
        one.text_of("#sandbox-matches").as_deref(),
        Some("1 message matches. Tick messages to delete them together.")
    );
    assert_eq!(one.attrs("#sandbox-q", "value"), ["aboard"]);
}

#[tokio::test]
async fn filters_by_credential_tag_and_date_combine_with_the_search() {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    let shop = three_messages(&app, &workspace).await;
    let other = sandbox_login(&app, &workspace, "Other app").await;
    ingest(
        &app,
        &other,
        "x@other.example",
        &["y@customer.example"],
        "Subject: Welcome from other\nX-Tags: SIGNUP\n\nhi\n",
    )
    .await;
    let base = format!("/w/{}/sandbox", workspace.slug);

    // Tags, in any case; tags are links to this filter.
    assert_eq!(
        listed(&app, &format!("{base}?tag=Signup")).await,
        ["Welcome from other", "Welcome aboard"]
    );
    let page = app.get(&base).await;
    let links = page.attrs("a.badge-tag", "href");
    assert!(
        links.contains(&format!("{base}?tag=password-reset")),
        "{links:?}"
    );
    assert_eq!(
        listed(&app, &format!("{base}?tag=auth")).await,
        ["Reset your password"]
    );

    // The credential, alone and with the tag and a search.
    assert_eq!(
        listed(&app, &format!("{base}?credential={}", other.id)).await,
        ["Welcome from other"]
    );
    assert_eq!(
        listed(
            &app,
            &format!("{base}?credential={}&tag=signup&q=welcome", shop.id)
        )
        .await,
        ["Welcome aboard"]
    );
    // Several terms (one too short for a trigram index), the tag and the
    // credential, together: every one must hold.
    for (filters, expected) in [
        (
            "tag=signup&q=welcome+other".to_owned(),
            vec!["Welcome from other"],
        ),
        (
            format!("credential={}&tag=signup&q=welcome+77-q", shop.id),
            vec!["Welcome aboard"],
        ),
        (
            format!("credential={}&tag=signup&q=welcome+other", shop.id),
            vec![],
        ),
        (
            format!("credential={}&tag=signup&q=welcome+other+hi", other.id),
            vec!["Welcome from other"],
        ),
        (
            format!("credential={}&tag=auth&q=welcome+other", other.id),
            vec![],
        ),
    ] {
        assert_eq!(
            listed(&app, &format!("{base}?{filters}")).await,
            expected,
            "{filters}"
        );
    }
    let choices = page.attrs("#sandbox-credential option", "value");
    assert!(choices.contains(&other.id.to_string()), "{choices:?}");

    // Dates: all of today; nothing before yesterday; a bad date is told
    // beside its field and the rest of the search still applies.
    let today = now().date().format("%Y-%m-%d").to_string();
    let yesterday = (now() - Duration::days(1))
        .date()
        .format("%Y-%m-%d")
        .to_string();
    assert_eq!(
        listed(&app, &format!("{base}?from={today}&to={today}&q=invoice")).await,
        ["Your invoice"]
    );
    assert!(
        listed(&app, &format!("{base}?to={yesterday}"))
            .await
            .is_empty()
    );
    let bad = app.get(&format!("{base}?from=soon&q=invoice")).await;
    assert_eq!(bad.status, 200);
    assert_eq!(
        bad.text_of("#from-error").as_deref(),
        Some("Use a date like 2026-11-28.")
    );
    assert_eq!(subjects_on(&bad.body), ["Your invoice"]);
    assert_eq!(bad.attrs("#sandbox-from", "value"), ["soon"]);
}

#[tokio::test]
async fn the_search_box_answers_htmx_with_the_results_alone_and_pages_keep_the_search() {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    let login = sandbox_login(&app, &workspace, "Bulk").await;
    for i in 0..55 {
        ingest(
            &app,
            &login,
            "a@bulk.example",
            &["b@customer.example"],
            &format!("Subject: Bulk {i:02}\n\nnewsletter\n"),
        )
        .await;
    }
    ingest(
        &app,
        &login,
        "a@bulk.example",
        &["b@customer.example"],
        "Subject: Other\n\nhello\n",
    )
    .await;
    let base = format!("/w/{}/sandbox", workspace.slug);

    let fragment = app
        .htmx_get(&format!("{base}?q=newsletter"), "sandbox-results")
        .await;
    assert_eq!(fragment.status, 200);
    assert!(!fragment.body.contains("<html"), "a fragment, not a page");
    let subjects = subjects_on(&fragment.body);
    assert_eq!(subjects.len(), 50);
    assert_eq!(subjects[0], "Bulk 54");
    fragment.assert_contains("55 messages match");

    let older = fragment.attrs("a[rel=next]", "href");
    assert_eq!(older.len(), 1);
    assert!(older[0].contains("q=newsletter&before="), "{older:?}");
    let next = app.get(&older[0].replace("&amp;", "&")).await;
    assert_eq!(
        subjects_on(&next.body),
        ["Bulk 04", "Bulk 03", "Bulk 02", "Bulk 01", "Bulk 00"]
    );
    let newer = next.attrs("a[rel=prev]", "href");
    assert!(newer[0].contains("q=newsletter&after="), "{newer:?}");
    assert_eq!(listed(&app, &newer[0]).await.len(), 50);

    let head = app
        .client
        .head(app.url(&format!("{base}?q=newsletter")))
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), 200);
}

#[tokio::test]
async fn a_member_deletes_all_matching_a_search_and_nothing_else() {
    let team = Team::new().await;
    let workspace = &team.workspace;
    let login = sandbox_login(&team.owner, workspace, "Shop").await;
    for i in 0..3 {
        ingest(
            &team.owner,
            &login,
            "a@shop.example",
            &["b@customer.example"],
            &format!("Subject: Receipt {i}\nX-Tags: receipt\n\nthanks\n"),
        )
        .await;
    }
    ingest(
        &team.owner,
        &login,
        "a@shop.example",
        &["b@customer.example"],
        "Subject: Receipt question\n\nthanks\n",
    )
    .await;
    ingest(
        &team.owner,
        &login,
        "a@shop.example",
        &["b@customer.example"],
        "Subject: Welcome\n\nhi\n",
    )
    .await;
    let base = format!("/w/{}/sandbox", workspace.slug);

    let list = team
        .member
        .get(&format!("{base}?q=receipt&tag=receipt"))
        .await;
    let href = list.attrs("[data-testid=delete-matching]", "href");
    assert_eq!(href.len(), 1, "{}", list.body);
    let confirm = team.member.get(&href[0].replace("&amp;", "&")).await;
    assert_eq!(confirm.status, 200);
    confirm.assert_contains("3 messages matching this search");
    confirm.assert_contains("Delete 3 messages");

    // Viewers see no button and may not.
    assert!(
        team.viewer
            .get(&format!("{base}?q=receipt"))
            .await
            .attrs("[data-testid=delete-matching]", "href")
            .is_empty()
    );
    let refused = team
        .viewer
        .post_form(&format!("{base}/delete-matching?q=receipt"), &[])
        .await;
    assert_eq!(refused.status, 403);
    let no_csrf = team
        .member
        .post_form_without_csrf(&format!("{base}/delete-matching?q=receipt"), &[])
        .await;
    assert_eq!(no_csrf.status, 403);

    team.member
        .post_form(
            &format!("{base}/delete-matching?q=receipt&tag=receipt"),
            &[],
        )
        .await
        .assert_redirect_to(&base);
    assert_eq!(
        listed(&team.member, &base).await,
        ["Welcome", "Receipt question"]
    );
    team.member.get(&base).await; // the flash was shown
    // With no search, nothing goes.
    team.member
        .post_form(&format!("{base}/delete-matching"), &[])
        .await
        .assert_redirect_to(&base);
    assert_eq!(listed(&team.member, &base).await.len(), 2);
    let activity = team
        .owner
        .get(&format!("/w/{}/settings/activity", workspace.slug))
        .await;
    activity.assert_contains("3 messages");
}

#[tokio::test]
async fn deleted_and_pruned_mail_is_no_longer_found_and_its_index_rows_go_with_it() {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    let login = sandbox_login(&app, &workspace, "Shop").await;
    let gone = ingest(
        &app,
        &login,
        "a@shop.example",
        &["b@customer.example"],
        "Subject: Doomed\nX-Tags: t\n\nunique-marker-one\n",
    )
    .await;
    for i in 0..3 {
        ingest(
            &app,
            &login,
            "a@shop.example",
            &["b@customer.example"],
            &format!("Subject: Kept {i}\n\nunique-marker-two\n"),
        )
        .await;
    }
    let base = format!("/w/{}/sandbox", workspace.slug);
    assert_eq!(
        listed(&app, &format!("{base}?q=unique-marker-one")).await,
        ["Doomed"]
    );

    app.post_form(&format!("{base}/{gone}/delete"), &[])
        .await
        .assert_redirect_to(&base);
    assert!(
        listed(&app, &format!("{base}?q=unique-marker-one"))
            .await
            .is_empty()
    );
    assert!(listed(&app, &format!("{base}?tag=t")).await.is_empty());
    assert_eq!(app.count_rows("sandbox_message_text").await, 3);
    assert_eq!(app.count_rows("sandbox_message_tags").await, 0);

    // Retention keeping one message: the two oldest go, and so does their text.
    app.post_form(
        &format!("/w/{}/settings/sandbox", workspace.slug),
        &[
            ("max_messages", "1"),
            ("max_age_days", "30"),
            ("max_megabytes", "500"),
        ],
    )
    .await;
    assert_eq!(
        listed(&app, &format!("{base}?q=unique-marker-two")).await,
        ["Kept 2"]
    );
    assert_eq!(app.count_rows("sandbox_message_text").await, 1);
    // On SQLite the FTS5 index agrees with its content table.
    app.db
        .query(|conn| match conn {
            postern::db::DbConn::Sqlite(_) => diesel::RunQueryDsl::execute(
                diesel::sql_query(
                    "INSERT INTO sandbox_search (sandbox_search) VALUES ('integrity-check')",
                ),
                conn,
            ),
            _ => Ok(0),
        })
        .await
        .unwrap();
}

#[tokio::test]
async fn mail_stored_before_search_existed_is_made_searchable_at_start() {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    // Inserted bare, as before this release: no extracted text, no tags.
    let raw = "Subject: Old one\r\nX-Tags: legacy\r\n\r\nfrom-the-old-days\r\n"
        .as_bytes()
        .to_vec();
    crate::sandbox::store_raw(&app, &workspace, raw).await;
    assert_eq!(app.count_rows("sandbox_message_text").await, 0);
    assert_eq!(sandbox::search::backfill(&app.db).await.unwrap(), 1);
    let base = format!("/w/{}/sandbox", workspace.slug);
    assert_eq!(
        listed(&app, &format!("{base}?q=OLD-DAYS")).await,
        ["Old one"]
    );
    assert_eq!(
        listed(&app, &format!("{base}?tag=legacy")).await,
        ["Old one"]
    );
    assert_eq!(sandbox::search::backfill(&app.db).await.unwrap(), 0);
}
