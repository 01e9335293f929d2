//! The permission matrix: every dashboard route × owner, admin, member,
//! viewer and a non-member, against DESIGN.md's roles table. "Allowed"
//! means the handler ran (any status but 403, 404 or a server error);
//! forbidden is 403 and a non-member gets 404 for anything in a workspace.
//! Each route is asked as a plain request and as an htmx fragment request.
//! The test fails when the app has a route this table does not list.

use std::collections::BTreeSet;

use chrono::Duration;
use postern::db::models::{NewSmtpCredential, SandboxMessage, SmtpCredential, User, Workspace};
use postern::domain::{ApiScopes, CredentialId, DomainName, EmailAddress, MessageId, Role, now};
use postern::service::audit::Actor;
use postern::service::{api_keys, domains, invitations};
use reqwest::StatusCode;

use super::Team;
use crate::helpers::{PASSWORD, SEEDED_HASH, TestApp};
use crate::sandbox::png;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum E {
    /// The handler ran: 2xx, 3xx or a 4xx about the input.
    Ok,
    Forbidden,
    NotFound,
}
use E::{Forbidden as F, NotFound as N, Ok as A};

/// Expectations for owner, admin, member, viewer, non-member.
type Row = (&'static str, &'static str, [E; 5]);

const ALL: [E; 5] = [A, A, A, A, A];
const MEMBERS_SEE: [E; 5] = [A, A, A, A, N];
const MEMBERS_MANAGE: [E; 5] = [A, A, A, F, N];
const ADMINS: [E; 5] = [A, A, F, F, N];
const OWNERS: [E; 5] = [A, F, F, F, N];

const MATRIX: &[Row] = &[
    ("get", "/", ALL),
    ("get", "/setup", ALL),
    ("post", "/setup", ALL),
    ("get", "/login", ALL),
    ("post", "/login", ALL),
    ("post", "/logout", ALL),
    ("get", "/account", ALL),
    ("post", "/account", ALL),
    ("post", "/account/password", ALL),
    ("post", "/account/theme", ALL),
    ("get", "/account/sessions/sign-out-others", ALL),
    ("post", "/account/sessions/sign-out-others", ALL),
    // The fixture's id is nobody's session: 404 for everyone.
    ("get", "/account/sessions/{id}/sign-out", [N, N, N, N, N]),
    ("post", "/account/sessions/{id}/sign-out", [N, N, N, N, N]),
    ("get", "/invitations/{token}", ALL),
    // Everyone here is signed in as someone the invitation is not for.
    ("post", "/invitations/{token}", [F, F, F, F, F]),
    ("get", "/workspaces", ALL),
    ("post", "/workspaces", ALL),
    ("get", "/w/{slug}", MEMBERS_SEE),
    ("get", "/w/{slug}/settings", MEMBERS_SEE),
    ("get", "/w/{slug}/settings/smtp-credentials", MEMBERS_SEE),
    (
        "post",
        "/w/{slug}/settings/smtp-credentials",
        MEMBERS_MANAGE,
    ),
    (
        "get",
        "/w/{slug}/settings/smtp-credentials/new",
        MEMBERS_MANAGE,
    ),
    (
        "get",
        "/w/{slug}/settings/smtp-credentials/{id}",
        MEMBERS_SEE,
    ),
    (
        "post",
        "/w/{slug}/settings/smtp-credentials/{id}/renew",
        MEMBERS_MANAGE,
    ),
    (
        "post",
        "/w/{slug}/settings/smtp-credentials/{id}/policies",
        MEMBERS_MANAGE,
    ),
    (
        "get",
        "/w/{slug}/settings/smtp-credentials/{id}/revoke-previous",
        MEMBERS_MANAGE,
    ),
    (
        "post",
        "/w/{slug}/settings/smtp-credentials/{id}/revoke-previous",
        MEMBERS_MANAGE,
    ),
    (
        "get",
        "/w/{slug}/settings/smtp-credentials/{id}/edit",
        MEMBERS_MANAGE,
    ),
    (
        "post",
        "/w/{slug}/settings/smtp-credentials/{id}/edit",
        MEMBERS_MANAGE,
    ),
    (
        "get",
        "/w/{slug}/settings/smtp-credentials/{id}/regenerate",
        MEMBERS_MANAGE,
    ),
    (
        "post",
        "/w/{slug}/settings/smtp-credentials/{id}/regenerate",
        MEMBERS_MANAGE,
    ),
    (
        "post",
        "/w/{slug}/settings/smtp-credentials/{id}/activate",
        MEMBERS_MANAGE,
    ),
    (
        "post",
        "/w/{slug}/settings/smtp-credentials/{id}/deactivate",
        MEMBERS_MANAGE,
    ),
    (
        "get",
        "/w/{slug}/settings/smtp-credentials/{id}/delete",
        MEMBERS_MANAGE,
    ),
    (
        "post",
        "/w/{slug}/settings/smtp-credentials/{id}/delete",
        MEMBERS_MANAGE,
    ),
    ("get", "/w/{slug}/settings/domains", MEMBERS_SEE),
    ("post", "/w/{slug}/settings/domains", ADMINS),
    ("get", "/w/{slug}/settings/domains/{id}/delete", ADMINS),
    ("post", "/w/{slug}/settings/domains/{id}/delete", ADMINS),
    ("get", "/w/{slug}/settings/api-keys", ADMINS),
    ("post", "/w/{slug}/settings/api-keys", ADMINS),
    ("get", "/w/{slug}/settings/api-keys/{id}/delete", ADMINS),
    ("post", "/w/{slug}/settings/api-keys/{id}/delete", ADMINS),
    ("get", "/w/{slug}/settings/members", MEMBERS_SEE),
    ("post", "/w/{slug}/settings/members/invitations", ADMINS),
    (
        "get",
        "/w/{slug}/settings/members/invitations/{id}/delete",
        ADMINS,
    ),
    (
        "post",
        "/w/{slug}/settings/members/invitations/{id}/delete",
        ADMINS,
    ),
    ("post", "/w/{slug}/settings/members/{id}/role", ADMINS),
    ("get", "/w/{slug}/settings/members/{id}/remove", ADMINS),
    ("post", "/w/{slug}/settings/members/{id}/remove", ADMINS),
    ("get", "/w/{slug}/settings/general", MEMBERS_SEE),
    ("post", "/w/{slug}/settings/general", ADMINS),
    (
        "post",
        "/w/{slug}/settings/general/credential-lifetime",
        ADMINS,
    ),
    ("post", "/w/{slug}/settings/general/default-limits", ADMINS),
    ("get", "/w/{slug}/settings/leave", MEMBERS_SEE),
    ("post", "/w/{slug}/settings/leave", MEMBERS_SEE),
    ("post", "/w/{slug}/settings/delete", OWNERS),
    ("get", "/w/{slug}/settings/activity", MEMBERS_SEE),
    ("get", "/w/{slug}/settings/sandbox", MEMBERS_SEE),
    ("post", "/w/{slug}/settings/sandbox", ADMINS),
    ("get", "/w/{slug}/sandbox", MEMBERS_SEE),
    ("post", "/w/{slug}/sandbox/delete", MEMBERS_MANAGE),
    ("get", "/w/{slug}/sandbox/delete-all", MEMBERS_MANAGE),
    ("post", "/w/{slug}/sandbox/delete-all", MEMBERS_MANAGE),
    // A plain request (no `Accept: text/event-stream`) is answered 406.
    ("get", "/w/{slug}/sandbox/events", MEMBERS_SEE),
    ("get", "/w/{slug}/sandbox/delete-matching", MEMBERS_MANAGE),
    ("post", "/w/{slug}/sandbox/delete-matching", MEMBERS_MANAGE),
    ("get", "/w/{slug}/sandbox/{id}", MEMBERS_SEE),
    ("get", "/w/{slug}/sandbox/{id}/raw", MEMBERS_SEE),
    ("get", "/w/{slug}/sandbox/{id}/preview", MEMBERS_SEE),
    ("get", "/w/{slug}/sandbox/{id}/download", MEMBERS_SEE),
    (
        "get",
        "/w/{slug}/sandbox/{id}/attachments/{part}",
        MEMBERS_SEE,
    ),
    (
        "get",
        "/w/{slug}/sandbox/{id}/attachments/{part}/thumbnail",
        MEMBERS_SEE,
    ),
    ("get", "/w/{slug}/sandbox/{id}/delete", MEMBERS_MANAGE),
    ("post", "/w/{slug}/sandbox/{id}/delete", MEMBERS_MANAGE),
    ("get", "/w/{slug}/sandbox/{id}/release", MEMBERS_MANAGE),
    // No smarthost here: members hear why beside the field (422).
    ("post", "/w/{slug}/sandbox/{id}/release", MEMBERS_MANAGE),
    // No spamd here: there is no score to load.
    ("get", "/w/{slug}/sandbox/{id}/spam-score", [N, N, N, N, N]),
    ("post", "/w/{slug}/sandbox/{id}/tags", MEMBERS_MANAGE),
    ("get", "/healthz", ALL),
    ("get", "/readyz", ALL),
    ("get", "/static/{path:.*}", ALL),
];

/// Routes that sign a session in or out run on a throwaway session.
const SESSION_CHANGING: &[&str] = &["/login", "/logout"];

/// A workspace with one of each thing a route can name.
struct Fixture {
    workspace: Workspace,
    credential: String,
    domain: String,
    api_key: String,
    invitation: String,
    token: String,
    target_user: String,
    message: String,
}

async fn fixture(team: &Team, target: &User) -> Fixture {
    let app = &team.owner;
    let owner = team.user(Role::Owner);
    let workspace = app.create_workspace(owner, "Matrix").await;
    for role in [Role::Admin, Role::Member, Role::Viewer] {
        app.add_member(&workspace, team.user(role), role).await;
    }
    app.add_member(&workspace, target, Role::Viewer).await;
    let actor = Actor {
        label: "matrix".into(),
        user_id: Some(owner.id.clone()),
        ip: None,
    };
    let (credential, message) = (CredentialId::generate(), MessageId::generate());
    let (ws, c, m) = (workspace.id.clone(), credential.clone(), message.clone());
    // With an image attachment, so its download and thumbnail answer.
    let raw = crate::sandbox::multipart("Hi", &[("pixel.png", "image/png", &png(2, 2))]);
    app.db
        .query(move |conn| {
            let at = now() - Duration::minutes(1);
            SmtpCredential::insert(
                conn,
                &NewSmtpCredential {
                    id: c.clone(),
                    sandbox: true,
                    created_at: at,
                    updated_at: at,
                    ..NewSmtpCredential::new(
                        ws.clone(),
                        "Matrix app",
                        &format!("m_{}", &c.as_str().replace('-', "")[16..]),
                        SEEDED_HASH,
                    )
                },
            )?;
            SandboxMessage::insert(
                conn,
                &SandboxMessage {
                    id: m,
                    workspace_id: ws,
                    credential_id: Some(c),
                    username: "matrix".into(),
                    mail_from: "a@example.com".into(),
                    rcpt_to: "b@example.com".into(),
                    subject: "Hello".into(),
                    size: raw.len() as i64,
                    raw,
                    received_at: at,
                },
            )
        })
        .await
        .unwrap();
    let domain = domains::add(
        &app.db,
        &workspace.id,
        DomainName::parse("matrix.example").unwrap(),
        actor.clone(),
    )
    .await
    .unwrap();
    let key = api_keys::create(
        &app.db,
        &workspace.id,
        "matrix".into(),
        ApiScopes::parse(["smtp-credentials:read:all"]).unwrap(),
        actor.clone(),
    )
    .await
    .unwrap();
    let invited = invitations::invite(
        &app.db,
        &workspace.id,
        Role::Owner,
        EmailAddress::parse(&format!("new-{}@example.com", workspace.slug)).unwrap(),
        Role::Viewer,
        actor,
    )
    .await
    .unwrap();
    Fixture {
        credential: credential.to_string(),
        domain: domain.id.to_string(),
        api_key: key.key.id.to_string(),
        invitation: invited.invitation.id.to_string(),
        token: invited.token,
        target_user: target.id.to_string(),
        message: message.to_string(),
        workspace,
    }
}

/// The route's pattern with the fixture's ids in it.
fn concrete(pattern: &str, f: &Fixture) -> String {
    let id = if pattern.contains("/smtp-credentials/") {
        &f.credential
    } else if pattern.contains("/domains/") {
        &f.domain
    } else if pattern.contains("/api-keys/") {
        &f.api_key
    } else if pattern.contains("/invitations/{id}") {
        &f.invitation
    } else if pattern.contains("/members/") {
        &f.target_user
    } else {
        &f.message
    };
    pattern
        .replace("{slug}", &f.workspace.slug)
        .replace("{token}", &f.token)
        .replace("{path:.*}", "css/app.css")
        .replace("{part}", "0")
        .replace("{id}", id)
}

/// What a route's form posts: enough for the handler to run, never enough
/// to do lasting harm (the delete confirmation is left empty).
fn body<'a>(pattern: &str, email: &'a str) -> Vec<(&'static str, &'a str)> {
    match pattern {
        p if p.ends_with("/role") => vec![("role", "member")],
        "/login" => vec![("email", email), ("password", PASSWORD)],
        _ => Vec::new(),
    }
}

fn outcome(status: StatusCode) -> Option<E> {
    match status.as_u16() {
        403 => Some(E::Forbidden),
        404 => Some(E::NotFound),
        s if s >= 500 => None,
        _ => Some(E::Ok),
    }
}

#[tokio::test]
async fn every_route_answers_each_role_as_the_design_says() {
    let listed: BTreeSet<(&str, &str)> = MATRIX.iter().map(|(m, p, _)| (*m, *p)).collect();
    let routes: BTreeSet<(&str, &str)> = postern::web::ROUTES.iter().copied().collect();
    let unlisted: Vec<_> = routes.difference(&listed).collect();
    let stale: Vec<_> = listed.difference(&routes).collect();
    assert!(
        unlisted.is_empty(),
        "routes missing from the permission matrix: {unlisted:?}"
    );
    assert!(
        stale.is_empty(),
        "matrix rows for routes that do not exist: {stale:?}"
    );

    let team = Team::new().await;
    let target = team
        .owner
        .create_user("target@example.com", "Tara Target")
        .await;
    let roles: [(&str, &TestApp, &str); 5] = [
        ("owner", &team.owner, "owner@example.com"),
        ("admin", &team.admin, "admin@example.com"),
        ("member", &team.member, "member@example.com"),
        ("viewer", &team.viewer, "viewer@example.com"),
        ("non-member", &team.outsider, "outsider@example.com"),
    ];
    let mut wrong = Vec::new();
    for (method, pattern, expected) in MATRIX {
        let mut shared: Option<Fixture> = None;
        for ((role, client, email), expected) in roles.iter().zip(expected) {
            // Each route is asked twice: as a plain request and as htmx asks
            // for a fragment (CSRF token in a header).
            for htmx in [false, true] {
                // Reads share one fixture; each write gets its own, so one
                // role's change cannot decide the next role's answer.
                if *method != "get" || shared.is_none() {
                    shared = Some(fixture(&team, &target).await);
                }
                let f = shared.as_ref().expect("just made");
                let path = concrete(pattern, f);
                let throwaway;
                let client = if SESSION_CHANGING.contains(pattern) {
                    throwaway = client.new_visitor();
                    throwaway.login(email, PASSWORD).await;
                    &throwaway
                } else {
                    *client
                };
                let fields = body(pattern, email);
                let page = match (*method, htmx) {
                    ("get", false) => client.get(&path).await,
                    ("get", true) => client.htmx_get(&path, "modal-body").await,
                    (_, false) => client.post_form(&path, &fields).await,
                    (_, true) => client.htmx_post(&path, "modal-body", &fields).await,
                };
                if outcome(page.status) != Some(*expected) {
                    let kind = if htmx { " (htmx)" } else { "" };
                    wrong.push(format!(
                        "{method} {path}{kind} as {role}: expected {expected:?}, got {}",
                        page.status
                    ));
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} answers differ:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}
