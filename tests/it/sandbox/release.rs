//! Releasing a sandbox message to real addresses through the smarthost:
//! what the smarthost receives, who may, and what a refusal, a missing or
//! unreachable smarthost or a bad address looks like on the page.

use postern::db::models::Workspace;
use postern::domain::MessageId;

use super::store_raw;
use crate::helpers::{TestApp, spawn_app_with};
use crate::members::Team;
use crate::smtp::sink::{self, Sink};

/// A message with a line starting with a dot, 8-bit text and a bare LF.
const RAW: &str = "From: app@example.com\r\nTo: user@example.net\r\nSubject: Welcome\r\n\
    Date: Fri, 27 Nov 2026 23:45:00 +0000\r\nMessage-ID: <1@example.com>\r\n\
    Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n\
    Grüße!\r\n.hidden line\r\nbare\nend\r\n";

/// An app relaying to `sink`, signed in as the owner, holding one message.
async fn app_with_message(smarthost: Option<&str>) -> (TestApp, Workspace, MessageId) {
    let url = smarthost.map(str::to_owned);
    let app = spawn_app_with(move |c| c.smarthost = url.map(Into::into)).await;
    let (_, workspace) = app.signed_in_owner().await;
    let id = store_raw(&app, &workspace, RAW.as_bytes().to_vec()).await;
    (app, workspace, id)
}

fn message_path(workspace: &Workspace, id: &MessageId) -> String {
    format!("/w/{}/sandbox/{id}", workspace.slug)
}

async fn released(app: &TestApp) -> i64 {
    crate::races::count_audit(app, "sandbox.released").await
}

#[tokio::test]
async fn a_member_releases_a_copy_that_reaches_the_smarthost_as_sent_and_is_logged() {
    let sink = sink::start("250 2.0.0 queued as R1").await;
    let (app, workspace, id) = app_with_message(Some(&sink.url)).await;
    let page = message_path(&workspace, &id);

    app.get(&page).await.assert_contains("Release…");
    let form = app.get(&format!("{page}/release")).await;
    assert_eq!(form.status, 200);
    form.assert_contains("Send to");
    form.assert_contains(sink.url.trim_start_matches("smtp://"));

    let done = app
        .post_form(
            &format!("{page}/release"),
            &[("to", "Ada@Example.com, bob@example.org\nada@example.com")],
        )
        .await;
    done.assert_redirect_to(&page);
    app.get(&page)
        .await
        .assert_contains("Released a copy to ada@example.com, bob@example.org.");

    let sent = sink.transactions();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].mail_from, "app@example.com");
    assert_eq!(sent[0].rcpt_to, ["ada@example.com", "bob@example.org"]);
    let text = sent[0].text();
    assert!(text.starts_with("Received: by "), "{text}");
    assert!(text.contains(&format!("\r\nX-Postern-Released: sandbox message {id}; ")));
    // The original follows byte for byte, its bare LF made CRLF; on the
    // wire the dot line was stuffed.
    assert!(
        text.ends_with(&RAW.replace("bare\nend", "bare\r\nend")),
        "{text}"
    );
    assert!(String::from_utf8_lossy(&sent[0].data).contains("\r\n..hidden line\r\n"));
    // The body is 8-bit and the smarthost offers 8BITMIME: it is declared.
    assert!(
        sink.commands()
            .iter()
            .any(|c| c == "MAIL FROM:<app@example.com> BODY=8BITMIME"),
        "{:?}",
        sink.commands()
    );

    let activity = app
        .get(&format!("/w/{}/settings/activity", workspace.slug))
        .await;
    activity.assert_contains("Released sandbox mail");
    activity.assert_contains("to ada@example.com, bob@example.org");
    activity.assert_contains(&id.to_string());
    // The sandbox keeps its message.
    assert_eq!(app.get(&page).await.status, 200);
}

#[tokio::test]
async fn without_a_smarthost_the_form_says_why_and_the_post_answers_beside_the_field() {
    let (app, workspace, id) = app_with_message(None).await;
    let page = message_path(&workspace, &id);

    let form = app.get(&format!("{page}/release")).await;
    assert_eq!(form.status, 200);
    form.assert_contains("POSTERN_SMARTHOST");
    assert!(form.text_of("#modal [data-testid=confirm]").is_none());

    let refused = app
        .post_form(&format!("{page}/release"), &[("to", "ada@example.com")])
        .await;
    assert_eq!(refused.status, 422);
    let error = refused.text_of("#to-error").unwrap();
    assert!(error.contains("No smarthost is configured"), "{error}");
    assert_eq!(released(&app).await, 0);
}

#[tokio::test]
async fn bad_addresses_are_refused_beside_the_field_with_what_was_typed_kept() {
    let sink = sink::start("250 2.0.0 queued").await;
    let (app, workspace, id) = app_with_message(Some(&sink.url)).await;
    let path = format!("{}/release", message_path(&workspace, &id));

    for (typed, said) in [
        ("ada@example.com, not-an-address", "not-an-address"),
        ("", "Enter at least one address"),
        (
            "ada@example.com\r\nBcc: eve@example.com",
            "not a valid email address",
        ),
    ] {
        let refused = app.post_form(&path, &[("to", typed)]).await;
        assert_eq!(refused.status, 422, "{typed:?}");
        let error = refused.text_of("#to-error").unwrap();
        assert!(error.contains(said), "{typed:?}: {error}");
        let kept = refused.text_of("textarea[name=to]").unwrap_or_default();
        assert_eq!(kept, typed.replace("\r\n", "\n"), "{typed:?}");
        assert_eq!(refused.attrs("textarea[name=to]", "aria-invalid"), ["true"]);
    }
    let many: Vec<String> = (0..21).map(|i| format!("u{i}@example.com")).collect();
    let refused = app.post_form(&path, &[("to", &many.join(","))]).await;
    assert_eq!(refused.status, 422);
    refused.assert_contains("At most 20 addresses");

    // htmx gets the dialog alone, swapped in place.
    let fragment = app
        .htmx_post(&path, "modal-body", &[("to", "nobody")])
        .await;
    assert_eq!(fragment.status, 422);
    assert!(
        fragment
            .body
            .trim_start()
            .starts_with("<form class=\"modal-form\"")
    );
    assert!(sink.transactions().is_empty());
    assert_eq!(released(&app).await, 0);
}

#[tokio::test]
async fn a_refusing_smarthost_is_shown_beside_the_field_and_nothing_is_logged() {
    let sink = sink::start("550 5.7.1 Relaying denied for this sender").await;
    let (app, workspace, id) = app_with_message(Some(&sink.url)).await;
    let page = message_path(&workspace, &id);

    let refused = app
        .post_form(&format!("{page}/release"), &[("to", "ada@example.com")])
        .await;
    assert_eq!(refused.status, 422);
    let error = refused.text_of("#to-error").unwrap();
    assert_eq!(
        error,
        "The smarthost refused the message: 550 5.7.1 Relaying denied for this sender"
    );
    assert_eq!(
        refused.text_of("textarea[name=to]").as_deref(),
        Some("ada@example.com")
    );
    assert_eq!(released(&app).await, 0);
    assert_eq!(app.get(&page).await.status, 200);
}

#[tokio::test]
async fn an_unreachable_smarthost_is_a_clear_error_not_a_crash() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("smtp://{}", closed.local_addr().unwrap());
    drop(closed);
    let (app, workspace, id) = app_with_message(Some(&url)).await;
    let page = message_path(&workspace, &id);

    let refused = app
        .post_form(&format!("{page}/release"), &[("to", "ada@example.com")])
        .await;
    assert_eq!(refused.status, 422);
    let error = refused.text_of("#to-error").unwrap();
    assert!(
        error.starts_with("The message was not sent: 451 4.4.1"),
        "{error}"
    );
    assert!(error.contains("try again later"), "{error}");
    assert_eq!(released(&app).await, 0);
}

#[tokio::test]
async fn viewers_may_not_release_and_a_post_needs_the_csrf_token() {
    let team = Team::new().await;
    let workspace = &team.workspace;
    let id = store_raw(&team.owner, workspace, RAW.as_bytes().to_vec()).await;
    let page = message_path(workspace, &id);

    let viewing = team.viewer.get(&page).await;
    assert_eq!(viewing.status, 200);
    assert!(!viewing.body.contains("Release…"));
    assert_eq!(
        team.viewer.get(&format!("{page}/release")).await.status,
        403
    );
    let posted = team
        .viewer
        .post_form(&format!("{page}/release"), &[("to", "ada@example.com")])
        .await;
    assert_eq!(posted.status, 403);

    let forged = team
        .member
        .post_form_without_csrf(&format!("{page}/release"), &[("to", "ada@example.com")])
        .await;
    assert_eq!(forged.status, 403);
    assert_eq!(released(&team.owner).await, 0);
}

#[tokio::test]
async fn a_message_is_released_only_through_its_own_workspace() {
    let sink = sink::start("250 2.0.0 queued").await;
    let url = sink.url.clone();
    let app = spawn_app_with(move |c| c.smarthost = Some(url.into())).await;
    let (owner, workspace) = app.signed_in_owner().await;
    let other = app.create_workspace(&owner, "Other").await;
    let id = store_raw(&app, &workspace, RAW.as_bytes().to_vec()).await;
    let path = format!("/w/{}/sandbox/{id}/release", other.slug);
    let posted = app.post_form(&path, &[("to", "ada@example.com")]).await;
    assert_eq!(posted.status, 404);
    assert!(sink.transactions().is_empty());
}

/// The sink the race test shares.
pub async fn releasing_app(sink: &Sink) -> TestApp {
    let url = sink.url.clone();
    spawn_app_with(move |c| {
        c.smarthost = Some(url.into());
        c.database_pool_size = 20;
    })
    .await
}
