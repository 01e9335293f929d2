//! Rules that are checked and then written, raced: many requests released
//! at the same moment against one app, then exactly one outcome in the
//! database. They mean something on both backends: SQLite serialises
//! writers with `BEGIN IMMEDIATE`, PostgreSQL runs at READ COMMITTED and
//! needs the locks of `db::lock_workspace` and `db::lock_global`.

use std::sync::Arc;

use postern::db::models::{User, Workspace};
use postern::domain::Role;
use reqwest::StatusCode;
use tokio::sync::Barrier;

use crate::helpers::{PASSWORD, TestApp, spawn_app_with};

const MEMBERS: &str = "/w/acme-mail/settings/members";
const DOMAINS: &str = "/w/acme-mail/settings/domains";
const CREDENTIALS: &str = "/w/acme-mail/settings/smtp-credentials";

/// An app whose pool lets every raced request hold a connection at once.
async fn spawn_racing_app() -> TestApp {
    spawn_app_with(|config| config.database_pool_size = 20).await
}

/// A form post with its CSRF token already fetched, ready to go.
struct Ready {
    client: reqwest::Client,
    url: String,
    form: Vec<(String, String)>,
}

/// What a raced request got back.
#[derive(Debug)]
struct Outcome {
    status: StatusCode,
    location: Option<String>,
}

impl Outcome {
    fn redirected_to(&self, path: &str) -> bool {
        self.status == StatusCode::SEE_OTHER && self.location.as_deref() == Some(path)
    }
}

async fn ready(visitor: &TestApp, path: &str, fields: &[(&str, &str)]) -> Ready {
    let mut form: Vec<(String, String)> = fields
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    form.push(("csrf_token".into(), visitor.csrf_token().await));
    Ready {
        client: visitor.client.clone(),
        url: visitor.url(path),
        form,
    }
}

/// Sends every post at the same moment (a barrier releases them together)
/// and returns the outcomes in the same order. No request may fail with a
/// server error.
async fn all_at_once(posts: Vec<Ready>) -> Vec<Outcome> {
    let barrier = Arc::new(Barrier::new(posts.len()));
    let tasks: Vec<_> = posts
        .into_iter()
        .map(|post| {
            let barrier = barrier.clone();
            tokio::spawn(async move {
                barrier.wait().await;
                let response = post
                    .client
                    .post(&post.url)
                    .form(&post.form)
                    .send()
                    .await
                    .unwrap();
                let outcome = Outcome {
                    status: response.status(),
                    location: response
                        .headers()
                        .get("location")
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_owned),
                };
                let body = response.text().await.unwrap_or_default();
                assert!(
                    !outcome.status.is_server_error(),
                    "{} {}: {body}",
                    post.url,
                    outcome.status
                );
                outcome
            })
        })
        .collect();
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.push(task.await.expect("the request task"));
    }
    outcomes
}

/// `n` users who own the workspace "Acme Mail" together, each signed in
/// in their own browser.
async fn owners(app: &TestApp, n: usize) -> (Workspace, Vec<(User, TestApp)>) {
    let first = app.create_user("owner0@example.com", "Owner 0").await;
    let workspace = app.create_workspace(&first, "Acme Mail").await;
    let mut owners = Vec::new();
    for i in 0..n {
        let user = match i {
            0 => first.clone(),
            _ => {
                let user = app
                    .create_user(&format!("owner{i}@example.com"), &format!("Owner {i}"))
                    .await;
                app.add_member(&workspace, &user, Role::Owner).await;
                user
            }
        };
        let browser = app.new_visitor();
        browser
            .login(&user.email, PASSWORD)
            .await
            .assert_redirect_to("/");
        owners.push((user, browser));
    }
    (workspace, owners)
}

/// How many rows of the query's single count.
async fn count(app: &TestApp, sql: String) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    app.db
        .query(move |conn| {
            use diesel::RunQueryDsl;
            diesel::sql_query(sql).get_result::<Count>(conn)
        })
        .await
        .unwrap()
        .n
}

async fn count_owners(app: &TestApp) -> i64 {
    count(
        app,
        "SELECT COUNT(*) AS n FROM memberships WHERE role = 'owner'".into(),
    )
    .await
}

async fn count_audit(app: &TestApp, action: &str) -> i64 {
    count(
        app,
        format!("SELECT COUNT(*) AS n FROM audit_events WHERE action = '{action}'"),
    )
    .await
}

#[tokio::test]
async fn two_owners_demoting_each_other_at_once_leave_exactly_one_owner() {
    let app = spawn_racing_app().await;
    let (_, owners) = owners(&app, 2).await;
    let ((ada, ada_browser), (bob, bob_browser)) = (&owners[0], &owners[1]);
    // The same pair owns n workspaces; in each, both demote the other at once.
    let n = 8;
    let mut slugs = vec!["acme-mail".to_owned()];
    for _ in 1..n {
        let workspace = app.create_workspace(ada, "Acme Mail").await;
        app.add_member(&workspace, bob, Role::Owner).await;
        slugs.push(workspace.slug);
    }
    let mut posts = Vec::new();
    for slug in &slugs {
        let members = format!("/w/{slug}/settings/members");
        let demote = |target: &User| format!("{members}/{}/role", target.id);
        posts.push(ready(ada_browser, &demote(bob), &[("role", "admin")]).await);
        posts.push(ready(bob_browser, &demote(ada), &[("role", "admin")]).await);
    }
    let outcomes = all_at_once(posts).await;
    for (slug, pair) in slugs.iter().zip(outcomes.chunks(2)) {
        // The loser is refused as the last owner, or, demoted first, as an admin.
        let owners = count(
            &app,
            format!(
                "SELECT COUNT(*) AS n FROM memberships m JOIN workspaces w ON w.id = m.workspace_id \
                 WHERE w.slug = '{slug}' AND m.role = 'owner'"
            ),
        )
        .await;
        assert_eq!(owners, 1, "{slug}: {pair:?}");
    }
    assert_eq!(
        count_audit(&app, "member.role_changed").await,
        n as i64,
        "one demotion per workspace"
    );
}

#[tokio::test]
async fn the_last_owners_leaving_at_once_leave_exactly_one_owner() {
    let app = spawn_racing_app().await;
    let n = 8;
    let (_, owners) = owners(&app, n).await;
    let mut posts = Vec::new();
    for (_, browser) in &owners {
        posts.push(ready(browser, "/w/acme-mail/settings/leave", &[]).await);
    }
    let outcomes = all_at_once(posts).await;
    let left = outcomes
        .iter()
        .filter(|o| o.redirected_to("/workspaces"))
        .count();
    let refused = outcomes
        .iter()
        .filter(|o| o.redirected_to("/w/acme-mail/settings/general"))
        .count();
    assert_eq!((left, refused), (n - 1, 1), "{outcomes:?}");
    assert_eq!(app.count_rows("memberships").await, 1);
    assert_eq!(count_owners(&app).await, 1);
}

/// Adds `name` as a domain of the workspace; returns its id.
async fn add_domain(owner: &TestApp, name: &str) -> String {
    owner
        .post_form(DOMAINS, &[("name", name)])
        .await
        .assert_redirect_to(DOMAINS);
    let page = owner.get(DOMAINS).await;
    let href = page.attrs(&format!("a[aria-label='Remove {name}']"), "href");
    href[0]
        .trim_end_matches("/delete")
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned()
}

/// Scoped credentials left with no domain at all (every MAIL refused).
async fn credentials_without_domains(app: &TestApp) -> i64 {
    count(
        app,
        "SELECT COUNT(*) AS n FROM smtp_credentials c WHERE c.scope = 'scoped' AND NOT EXISTS \
         (SELECT 1 FROM smtp_credential_domains l WHERE l.credential_id = c.id)"
            .into(),
    )
    .await
}

#[tokio::test]
async fn removing_a_domain_while_a_credential_is_scoped_to_it_never_strands_the_credential() {
    let app = spawn_racing_app().await;
    let (_, owners) = owners(&app, 2).await;
    let (remover, creator) = (&owners[0].1, &owners[1].1);
    let n = 8;
    // n domains; for each, one request removes it while another creates a
    // credential scoped to it.
    let mut posts = Vec::new();
    for i in 0..n {
        let name = format!("d{i}.example.com");
        let id = add_domain(remover, &name).await;
        posts.push(ready(remover, &format!("{DOMAINS}/{id}/delete"), &[]).await);
        let create = [
            ("name", "Scoped"),
            ("mode", "production"),
            ("scope", "scoped"),
            ("domains", id.as_str()),
        ];
        posts.push(ready(creator, CREDENTIALS, &create).await);
    }
    let outcomes = all_at_once(posts).await;
    assert_eq!(credentials_without_domains(&app).await, 0);
    for (i, pair) in outcomes.chunks(2).enumerate() {
        let created = pair[1].status == StatusCode::OK;
        let still_there = count(
            &app,
            format!("SELECT COUNT(*) AS n FROM domains WHERE name = 'd{i}.example.com'"),
        )
        .await;
        // Exactly one wins: the credential (the domain stays, in use) or
        // the removal (the credential is refused).
        assert_eq!(created, still_there == 1, "domain {i}: {pair:?}");
    }
    let domains_left = app.count_rows("domains").await;
    assert_eq!(app.count_rows("smtp_credentials").await, domains_left);
}

#[tokio::test]
async fn moving_a_credential_onto_a_domain_being_removed_never_strands_it() {
    let app = spawn_racing_app().await;
    let (_, owners) = owners(&app, 2).await;
    let (remover, editor) = (&owners[0].1, &owners[1].1);
    let n = 8;
    let mut posts = Vec::new();
    for i in 0..n {
        let id = add_domain(remover, &format!("d{i}.example.com")).await;
        let name = format!("Global {i}");
        let create = [
            ("name", name.as_str()),
            ("mode", "production"),
            ("scope", "global"),
        ];
        assert_eq!(editor.post_form(CREDENTIALS, &create).await.status, 200);
        let credential = format!("{CREDENTIALS}/{}/edit", credential_id(&app, &name).await);
        posts.push(ready(remover, &format!("{DOMAINS}/{id}/delete"), &[]).await);
        let edit = [
            ("name", "Moved"),
            ("mode", "production"),
            ("scope", "scoped"),
            ("domains", id.as_str()),
        ];
        posts.push(ready(editor, &credential, &edit).await);
    }
    let outcomes = all_at_once(posts).await;
    assert_eq!(credentials_without_domains(&app).await, 0, "{outcomes:?}");
    let moved = count(
        &app,
        "SELECT COUNT(*) AS n FROM smtp_credentials WHERE scope = 'scoped'".into(),
    )
    .await;
    assert_eq!(moved, app.count_rows("domains").await, "{outcomes:?}");
}

/// The id of the credential named `name`.
async fn credential_id(app: &TestApp, name: &str) -> String {
    #[derive(diesel::QueryableByName)]
    struct Id {
        #[diesel(sql_type = diesel::sql_types::Text)]
        id: String,
    }
    let sql = format!("SELECT id FROM smtp_credentials WHERE name = '{name}'");
    app.db
        .query(move |conn| {
            use diesel::RunQueryDsl;
            diesel::sql_query(sql).get_result::<Id>(conn)
        })
        .await
        .unwrap()
        .id
}

#[tokio::test]
async fn simultaneous_first_run_setups_create_exactly_one_admin() {
    let app = spawn_racing_app().await;
    let n = 8;
    let mut posts = Vec::new();
    for i in 0..n {
        let visitor = app.new_visitor();
        let email = format!("admin{i}@example.com");
        let fields = [
            ("name", "Ada Admin"),
            ("email", email.as_str()),
            ("password", "a-long-enough-password"),
            ("password_confirm", "a-long-enough-password"),
            ("workspace", "Acme Mail"),
        ];
        posts.push(ready(&visitor, "/setup", &fields).await);
    }
    let outcomes = all_at_once(posts).await;
    let won = outcomes
        .iter()
        .filter(|o| o.redirected_to("/w/acme-mail/settings/smtp-credentials"))
        .count();
    let refused = outcomes
        .iter()
        .filter(|o| o.redirected_to("/login"))
        .count();
    assert_eq!((won, refused), (1, n - 1), "{outcomes:?}");
    assert_eq!(app.count_rows("users").await, 1);
    assert_eq!(app.count_rows("workspaces").await, 1);
    assert_eq!(app.count_rows("memberships").await, 1);
}

/// Invites `email` as a viewer; returns the link's path.
async fn invite(owner: &TestApp, email: &str) -> String {
    let page = owner
        .post_form(
            &format!("{MEMBERS}/invitations"),
            &[("email", email), ("role", "viewer")],
        )
        .await;
    assert_eq!(page.status, 201, "{}", page.body);
    let link = page.text_of("#invitation-link").expect("the link is shown");
    link[link.find("/invitations/").unwrap()..].to_owned()
}

#[tokio::test]
async fn one_email_invited_several_times_at_once_gets_one_invitation() {
    let app = spawn_racing_app().await;
    let (_, owners) = owners(&app, 2).await;
    let n = 8;
    let mut posts = Vec::new();
    for i in 0..n {
        let fields = [("email", "newbie@example.com"), ("role", "viewer")];
        let (_, browser) = &owners[i % 2];
        posts.push(ready(browser, &format!("{MEMBERS}/invitations"), &fields).await);
    }
    let outcomes = all_at_once(posts).await;
    let invited = outcomes
        .iter()
        .filter(|o| o.status == StatusCode::CREATED)
        .count();
    let refused = outcomes
        .iter()
        .filter(|o| o.status == StatusCode::UNPROCESSABLE_ENTITY)
        .count();
    assert_eq!((invited, refused), (1, n - 1), "{outcomes:?}");
    assert_eq!(app.count_rows("invitations").await, 1);
}

#[tokio::test]
async fn one_invitation_opened_in_several_browsers_at_once_admits_once() {
    let app = spawn_racing_app().await;
    let (_, owners) = owners(&app, 1).await;
    let link = invite(&owners[0].1, "newbie@example.com").await;
    let n = 8;
    let mut posts = Vec::new();
    for _ in 0..n {
        let newcomer = app.new_visitor();
        let fields = [
            ("name", "Nia New"),
            ("password", "a-long-enough-password"),
            ("password_confirm", "a-long-enough-password"),
        ];
        posts.push(ready(&newcomer, &link, &fields).await);
    }
    let outcomes = all_at_once(posts).await;
    let joined = outcomes
        .iter()
        .filter(|o| o.redirected_to("/w/acme-mail/settings/smtp-credentials"))
        .count();
    let used = outcomes
        .iter()
        .filter(|o| o.status == StatusCode::GONE)
        .count();
    assert_eq!((joined, used), (1, n - 1), "{outcomes:?}");
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) AS n FROM users WHERE email = 'newbie@example.com'".into()
        )
        .await,
        1
    );
    assert_eq!(app.count_rows("memberships").await, 2);
    assert_eq!(count_audit(&app, "member.joined").await, 1);
}

#[tokio::test]
async fn revoking_invitations_while_they_are_accepted_has_one_outcome_each() {
    let app = spawn_racing_app().await;
    let (_, owners) = owners(&app, 1).await;
    let owner = &owners[0].1;
    let n = 8;
    let mut posts = Vec::new();
    for i in 0..n {
        let email = format!("guest{i}@example.com");
        app.create_user(&email, &format!("Guest {i}")).await;
        let guest = app.new_visitor();
        guest.login(&email, PASSWORD).await.assert_redirect_to("/");
        let link = invite(owner, &email).await;
        let members = owner.get(MEMBERS).await;
        let revoke = members.attrs(&format!("tr[data-invitation='{email}'] a"), "href")[0].clone();
        posts.push(ready(owner, &revoke, &[]).await);
        posts.push(ready(&guest, &link, &[]).await);
    }
    let outcomes = all_at_once(posts).await;
    for i in 0..n {
        let email = format!("guest{i}@example.com");
        let member = count(
            &app,
            format!(
                "SELECT COUNT(*) AS n FROM memberships m JOIN users u ON u.id = m.user_id \
                 WHERE u.email = '{email}'"
            ),
        )
        .await;
        let revoked = count(
            &app,
            format!(
                "SELECT COUNT(*) AS n FROM audit_events \
                 WHERE action = 'invitation.revoked' AND target = '{email}'"
            ),
        )
        .await;
        // Either the guest joined and the invitation is kept as used, or it
        // was revoked and the guest's link no longer worked.
        assert_eq!(
            member + revoked,
            1,
            "{email}: {:?}",
            &outcomes[2 * i..2 * i + 2]
        );
    }
    assert_eq!(
        app.count_rows("invitations").await,
        count_audit(&app, "member.joined").await
    );
}

#[tokio::test]
async fn workspaces_created_with_one_name_at_once_each_get_their_own_address() {
    let app = spawn_racing_app().await;
    let (_, owners) = owners(&app, 1).await;
    let browser = &owners[0].1;
    let n = 8;
    let mut posts = Vec::new();
    for _ in 0..n {
        posts.push(ready(browser, "/workspaces", &[("name", "Acme Mail")]).await);
    }
    let outcomes = all_at_once(posts).await;
    let mut addresses: Vec<_> = outcomes
        .iter()
        .filter(|o| o.status == StatusCode::SEE_OTHER)
        .filter_map(|o| o.location.clone())
        .collect();
    addresses.sort();
    addresses.dedup();
    assert_eq!(addresses.len(), n, "{outcomes:?}");
    assert_eq!(app.count_rows("workspaces").await, n as i64 + 1);
}

#[tokio::test]
async fn renaming_a_workspace_while_it_is_deleted_gets_a_clear_answer() {
    let app = spawn_racing_app().await;
    let (ada, owners) = owners(&app, 2).await;
    let (renamer, deleter) = (&owners[0].1, &owners[1].1);
    let n = 8;
    let mut slugs = vec![ada.slug.clone()];
    for _ in 1..n {
        let workspace = app.create_workspace(&owners[0].0, "Acme Mail").await;
        app.add_member(&workspace, &owners[1].0, Role::Owner).await;
        slugs.push(workspace.slug);
    }
    let mut posts = Vec::new();
    for slug in &slugs {
        let settings = format!("/w/{slug}/settings");
        posts.push(
            ready(
                renamer,
                &format!("{settings}/general"),
                &[("name", "Renamed")],
            )
            .await,
        );
        let confirm = [("confirm_name", "Acme Mail")];
        posts.push(ready(deleter, &format!("{settings}/delete"), &confirm).await);
    }
    // Whichever comes first, the other gets a clear answer: a rename after
    // the deletion 404, a deletion after the rename asks for the new name.
    let outcomes = all_at_once(posts).await;
    for (slug, pair) in slugs.iter().zip(outcomes.chunks(2)) {
        let (rename, delete) = (&pair[0], &pair[1]);
        let renamed = rename.redirected_to(&format!("/w/{slug}/settings/general"));
        let kept = count(
            &app,
            format!(
                "SELECT COUNT(*) AS n FROM workspaces WHERE slug = '{slug}' AND name = 'Renamed'"
            ),
        )
        .await;
        if kept == 1 {
            assert!(renamed, "{slug}: {pair:?}");
            assert_eq!(delete.status, StatusCode::UNPROCESSABLE_ENTITY, "{slug}");
        } else {
            assert!(delete.redirected_to("/workspaces"), "{slug}: {pair:?}");
            assert!(
                renamed || rename.status == StatusCode::NOT_FOUND,
                "{slug}: {pair:?}"
            );
        }
    }
    let deleted = outcomes
        .chunks(2)
        .filter(|p| p[1].redirected_to("/workspaces"));
    assert_eq!(
        app.count_rows("workspaces").await,
        (n - deleted.count()) as i64
    );
}
