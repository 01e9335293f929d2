use postern::domain::Role;

use crate::helpers::{PASSWORD, spawn_app};

#[tokio::test]
async fn creating_a_workspace_makes_the_creator_its_owner() {
    let app = spawn_app().await;
    app.signed_in_owner().await;
    let page = app
        .post_form("/workspaces", &[("name", "Second Team")])
        .await;
    page.assert_redirect_to("/w/second-team/settings/smtp-credentials");
    let page = app.get("/w/second-team/settings/smtp-credentials").await;
    assert_eq!(page.status, 200);
    page.assert_contains("Second Team");

    let list = app.get("/workspaces").await;
    list.assert_contains("Acme Mail");
    list.assert_contains("Second Team");
    list.assert_contains(">Owner</span>");
}

#[tokio::test]
async fn a_taken_name_gets_a_numbered_slug() {
    let app = spawn_app().await;
    app.signed_in_owner().await;
    app.post_form("/workspaces", &[("name", "Acme Mail")])
        .await
        .assert_redirect_to("/w/acme-mail-2/settings/smtp-credentials");
}

#[tokio::test]
async fn an_empty_workspace_name_is_refused_with_a_message() {
    let app = spawn_app().await;
    app.signed_in_owner().await;
    let page = app.post_form("/workspaces", &[("name", "   ")]).await;
    assert_eq!(page.status, 422);
    page.assert_contains("Name the workspace");
    assert_eq!(app.count_rows("workspaces").await, 1);
}

#[tokio::test]
async fn the_switcher_lists_every_workspace_of_the_user() {
    let app = spawn_app().await;
    let (owner, _) = app.signed_in_owner().await;
    app.create_workspace(&owner, "Billing").await;
    let page = app.get("/w/acme-mail/settings/smtp-credentials").await;
    page.assert_contains("href=\"/w/billing/settings/smtp-credentials\"");
    page.assert_contains("href=\"/w/acme-mail/settings/smtp-credentials\" aria-current=\"page\"");
}

#[tokio::test]
async fn the_root_opens_the_last_used_workspace() {
    let app = spawn_app().await;
    let (owner, _) = app.signed_in_owner().await;
    app.create_workspace(&owner, "Billing").await;
    assert_eq!(
        app.get("/w/billing/settings/smtp-credentials").await.status,
        200
    );
    app.get("/")
        .await
        .assert_redirect_to("/w/billing/settings/smtp-credentials");
    assert_eq!(
        app.get("/w/acme-mail/settings/smtp-credentials")
            .await
            .status,
        200
    );
    app.get("/")
        .await
        .assert_redirect_to("/w/acme-mail/settings/smtp-credentials");
}

#[tokio::test]
async fn a_non_member_gets_404_for_everything_in_a_workspace() {
    let app = spawn_app().await;
    let stranger = app.create_user("stranger@example.com", "Stranger").await;
    let other = app.create_workspace(&stranger, "Private Team").await;
    app.signed_in_owner().await;
    for path in [
        format!("/w/{}", other.slug),
        format!("/w/{}/settings", other.slug),
        format!("/w/{}/settings/smtp-credentials", other.slug),
        "/w/does-not-exist/settings/smtp-credentials".to_owned(),
    ] {
        let page = app.get(&path).await;
        assert_eq!(page.status, 404, "{path}");
        assert!(!page.body.contains("Private Team"), "{path} leaks the name");
    }
}

#[tokio::test]
async fn every_role_can_open_its_workspace() {
    let app = spawn_app().await;
    let owner = app.create_user("owner@example.com", "Owner").await;
    let workspace = app.create_workspace(&owner, "Team").await;
    for (i, role) in [Role::Admin, Role::Member, Role::Viewer]
        .into_iter()
        .enumerate()
    {
        let email = format!("user{i}@example.com");
        let user = app.create_user(&email, "Someone").await;
        app.add_member(&workspace, &user, role).await;
        let visitor = app.new_visitor();
        visitor
            .login(&email, PASSWORD)
            .await
            .assert_redirect_to("/");
        let page = visitor.get("/w/team/settings/smtp-credentials").await;
        assert_eq!(page.status, 200, "{role:?}");
        page.assert_contains(&format!(">{}</span>", role.label()));
    }
}
