//! Text typed into the dashboard's forms: a control character in a
//! single-line field (NUL, DEL, a line break …) gets 422 with the message
//! beside the field and nothing is saved, on SQLite and PostgreSQL alike
//! (PostgreSQL cannot store NUL at all); the same domain twice is one domain.

use std::time::Duration;

use postern::auth::password::Argon2Slots;
use postern::db::models::Domain;
use postern::service::audit::Actor;
use postern::service::credentials::{self, CredentialFields, Scope};

use crate::api::helpers::add_domain;
use crate::credentials::{LIST, create, id_of};
use crate::helpers::{PASSWORD, TestApp, spawn_app};

const SINGLE_LINE: &str =
    "Use printable characters only: no line breaks, tabs or other control characters.";
const MULTI_LINE: &str =
    "Use printable characters, line breaks and tabs only: no other control characters.";
/// NUL, DEL and a line break, each inside an otherwise good value.
const CONTROLS: [char; 3] = ['\0', '\u{7f}', '\n'];

fn with_control(c: char) -> String {
    format!("Bill{c}ing")
}

#[track_caller]
fn assert_refused_beside(page: &crate::helpers::Page, field: &str, message: &str) {
    assert_eq!(page.status, 422, "{field}: {}", page.body);
    assert_eq!(
        page.text_of(&format!("#{field}-error")).as_deref(),
        Some(message),
        "{field}"
    );
}

async fn domain_id(app: &TestApp, name: &str) -> String {
    let workspace = app
        .db
        .query(|conn| postern::db::models::Workspace::find_by_slug(conn, "acme-mail"))
        .await
        .unwrap()
        .unwrap();
    let domains = app
        .db
        .query(move |conn| Domain::of_workspace(conn, &workspace.id))
        .await
        .unwrap();
    domains
        .iter()
        .find(|d| d.name == name)
        .expect("domain exists")
        .id
        .to_string()
}

#[tokio::test]
async fn a_credential_name_with_a_control_character_gets_422_and_nothing_is_saved() {
    let app = spawn_app().await;
    app.signed_in_owner().await;
    for c in CONTROLS {
        let page = create(&app, &with_control(c), "").await;
        assert_refused_beside(&page, "name", SINGLE_LINE);
    }
    assert_eq!(app.count_rows("smtp_credentials").await, 0);
}

#[tokio::test]
async fn a_description_keeps_line_breaks_but_refuses_other_control_characters() {
    let app = spawn_app().await;
    app.signed_in_owner().await;
    for bad in ["one\0two", "one\u{7f}two", "one\u{1b}[31mtwo"] {
        let page = app
            .post_form(
                LIST,
                &[("name", "App"), ("description", bad), ("scope", "global")],
            )
            .await;
        assert_refused_beside(&page, "description", MULTI_LINE);
    }
    assert_eq!(app.count_rows("smtp_credentials").await, 0);
    let page = app
        .post_form(
            LIST,
            &[
                ("name", "App"),
                ("username", "multi_line"),
                ("description", "line one\r\n\tline two"),
                ("scope", "global"),
            ],
        )
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(app.count_rows("smtp_credentials").await, 1);
}

#[tokio::test]
async fn editing_a_credential_to_a_name_with_a_control_character_gets_422_and_keeps_the_name() {
    let app = spawn_app().await;
    app.signed_in_owner().await;
    create(&app, "Billing", "billing_app").await;
    let id = id_of(&app, "billing_app").await;
    for c in CONTROLS {
        let page = app
            .post_form(
                &format!("{LIST}/{id}/edit"),
                &[("name", &with_control(c)), ("scope", "global")],
            )
            .await;
        assert_refused_beside(&page, "name", SINGLE_LINE);
    }
    let list = app.get(LIST).await;
    assert_eq!(
        list.text_of("tr[data-username='billing_app'] .cell-name")
            .map(|n| n.trim().to_owned()),
        Some("Billing".to_owned())
    );
}

#[tokio::test]
async fn the_same_domain_twice_in_the_credential_form_is_saved_once() {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    add_domain(&app, &workspace, "a.example").await;
    let id = domain_id(&app, "a.example").await;
    let page = app
        .post_form(
            LIST,
            &[
                ("name", "Scoped"),
                ("username", "scoped_app"),
                ("scope", "scoped"),
                ("domains", &id),
                ("domains", &id),
            ],
        )
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(app.count_rows("smtp_credential_domains").await, 1);

    let credential = id_of(&app, "scoped_app").await;
    let edited = app
        .post_form(
            &format!("{LIST}/{credential}/edit"),
            &[
                ("name", "Scoped 2"),
                ("scope", "scoped"),
                ("domains", &id),
                ("domains", &id),
            ],
        )
        .await;
    assert_eq!(edited.status, 303, "{}", edited.body);
    assert_eq!(app.count_rows("smtp_credential_domains").await, 1);
}

#[tokio::test]
async fn a_credential_named_with_a_control_character_before_the_rule_can_be_deleted_with_htmx() {
    let app = spawn_app().await;
    let (owner, workspace) = app.signed_in_owner().await;
    // As stored by an earlier version, which did not refuse DEL.
    let created = credentials::create(
        &app.db,
        &Argon2Slots::new(1, Duration::from_secs(60)),
        &workspace.id,
        None,
        CredentialFields {
            name: "Legacy\u{7f}name".into(),
            description: String::new(),
            sandbox: false,
            scope: Scope::Global,
        },
        None,
        Actor {
            label: "owner@example.com".into(),
            user_id: Some(owner.id.clone()),
            ip: None,
        },
    )
    .await
    .unwrap();
    let id = created.credential.id.clone();
    let page = app
        .htmx_post(&format!("{LIST}/{id}/delete"), "modal-body", &[])
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    let trigger: serde_json::Value =
        serde_json::from_str(page.headers["hx-trigger"].to_str().unwrap()).unwrap();
    assert_eq!(trigger["showToast"], "Deleted Legacy\u{7f}name.");
    assert_eq!(app.count_rows("smtp_credentials").await, 0);
}

#[tokio::test]
async fn workspace_account_and_api_key_names_with_a_control_character_get_422() {
    let app = spawn_app().await;
    app.signed_in_owner().await;
    for c in CONTROLS {
        let name = with_control(c);
        let page = app.post_form("/workspaces", &[("name", &name)]).await;
        assert_refused_beside(&page, "name", SINGLE_LINE);

        let page = app
            .post_form("/w/acme-mail/settings/general", &[("name", &name)])
            .await;
        assert_refused_beside(&page, "name", SINGLE_LINE);

        let page = app.post_form("/account", &[("name", &name)]).await;
        assert_refused_beside(&page, "name", SINGLE_LINE);

        let page = app
            .post_form(
                "/w/acme-mail/settings/api-keys",
                &[("label", &name), ("scopes", "smtp-credentials:read:all")],
            )
            .await;
        assert_refused_beside(&page, "label", SINGLE_LINE);
    }
    assert_eq!(app.count_rows("workspaces").await, 1);
    assert_eq!(app.count_rows("api_keys").await, 0);
    let general = app.get("/w/acme-mail/settings/general").await;
    general.assert_contains("value=\"Acme Mail\"");
    let account = app.get("/account").await;
    account.assert_contains("value=\"Olive Owner\"");
}

#[tokio::test]
async fn the_first_admins_name_and_workspace_with_a_control_character_get_422() {
    let app = spawn_app().await;
    for c in CONTROLS {
        let name = with_control(c);
        let page = app
            .post_form(
                "/setup",
                &[
                    ("name", name.as_str()),
                    ("email", "ada@example.com"),
                    ("password", PASSWORD),
                    ("password_confirm", PASSWORD),
                    ("workspace", name.as_str()),
                ],
            )
            .await;
        assert_refused_beside(&page, "name", SINGLE_LINE);
        assert_refused_beside(&page, "workspace", SINGLE_LINE);
    }
    assert_eq!(app.count_rows("users").await, 0);
    assert_eq!(app.count_rows("workspaces").await, 0);
}

#[tokio::test]
async fn a_newcomers_name_with_a_control_character_gets_422() {
    let app = spawn_app().await;
    app.signed_in_owner().await;
    let link = crate::members::invite(&app, "newbie@example.com", "member").await;
    let newcomer = app.new_visitor();
    for c in CONTROLS {
        let page = newcomer
            .post_form(
                &link,
                &[
                    ("name", &with_control(c)),
                    ("password", "a long new password"),
                    ("password_confirm", "a long new password"),
                ],
            )
            .await;
        assert_refused_beside(&page, "name", SINGLE_LINE);
    }
    assert_eq!(app.count_rows("users").await, 1);
}

#[tokio::test]
async fn a_nul_in_a_search_is_ignored_rather_than_a_server_error() {
    let app = spawn_app().await;
    app.signed_in_owner().await;
    create(&app, "Billing", "billing_app").await;
    let page = app.get(&format!("{LIST}?q=bill%00")).await;
    assert_eq!(page.status, 200);
    page.assert_contains("billing_app");
}

#[tokio::test]
async fn a_nul_in_a_workspace_address_gets_404_rather_than_a_server_error() {
    let app = spawn_app().await;
    app.signed_in_owner().await;
    let page = app.get("/w/acme%00mail/settings/smtp-credentials").await;
    assert_eq!(page.status, 404);
}
