use postern::domain::Role;

use super::{LIST, create, id_of};
use crate::helpers::{PASSWORD, TestApp, spawn_app};

async fn member_with(app: &TestApp, role: Role) -> TestApp {
    let (_, workspace) = app.signed_in_owner().await;
    let email = format!("{}@example.com", role.as_str());
    let user = app.create_user(&email, role.label()).await;
    app.add_member(&workspace, &user, role).await;
    let visitor = app.new_visitor();
    visitor
        .login(&email, PASSWORD)
        .await
        .assert_redirect_to("/");
    visitor
}

#[tokio::test]
async fn a_viewer_sees_credentials_but_no_actions_and_is_refused_every_change() {
    let app = spawn_app().await;
    let viewer = member_with(&app, Role::Viewer).await;
    create(&app, "Owned", "owned_app").await;
    let id = id_of(&app, "owned_app").await;

    let page = viewer.get(LIST).await;
    assert_eq!(page.status, 200);
    page.assert_contains("owned_app");
    assert!(!page.body.contains("data-testid=\"create-credential\""));
    assert!(!page.body.contains("data-action="));

    for path in [
        format!("{LIST}/new"),
        format!("{LIST}/{id}/edit"),
        format!("{LIST}/{id}/regenerate"),
        format!("{LIST}/{id}/delete"),
    ] {
        assert_eq!(viewer.get(&path).await.status, 403, "GET {path}");
    }
    assert_eq!(
        viewer
            .post_form(
                LIST,
                &[
                    ("name", "Nope"),
                    ("mode", "production"),
                    ("scope", "global")
                ]
            )
            .await
            .status,
        403
    );
    for action in ["edit", "regenerate", "activate", "deactivate", "delete"] {
        let path = format!("{LIST}/{id}/{action}");
        assert_eq!(
            viewer.post_form(&path, &[("name", "X")]).await.status,
            403,
            "POST {path}"
        );
        assert_eq!(
            viewer
                .htmx_post(&path, "modal-body", &[("name", "X")])
                .await
                .status,
            403,
            "htmx POST {path}"
        );
    }
    assert_eq!(app.count_rows("smtp_credentials").await, 1);
    assert_eq!(app.count_rows("audit_events").await, 1);
}

#[tokio::test]
async fn a_member_can_manage_credentials() {
    let app = spawn_app().await;
    let member = member_with(&app, Role::Member).await;
    let page = create(&member, "Member made", "member_app").await;
    assert_eq!(page.status, 200);
    let id = id_of(&app, "member_app").await;
    assert_eq!(
        member
            .post_form(&format!("{LIST}/{id}/deactivate"), &[])
            .await
            .status,
        303
    );
    assert_eq!(
        member
            .post_form(&format!("{LIST}/{id}/delete"), &[])
            .await
            .status,
        303
    );
    assert_eq!(app.count_rows("smtp_credentials").await, 0);
}

#[tokio::test]
async fn a_credential_of_another_workspace_is_not_found_even_for_an_owner() {
    let app = spawn_app().await;
    let (owner, _) = app.signed_in_owner().await;
    let other = app.create_workspace(&owner, "Other Team").await;
    let other_list = format!("/w/{}/settings/smtp-credentials", other.slug);
    app.post_form(
        &other_list,
        &[
            ("name", "Theirs"),
            ("username", "theirs_app"),
            ("mode", "production"),
            ("scope", "global"),
        ],
    )
    .await;
    let id = id_of(&app, "theirs_app").await;
    for action in ["edit", "regenerate", "delete"] {
        assert_eq!(
            app.get(&format!("{LIST}/{id}/{action}")).await.status,
            404,
            "GET {action}"
        );
    }
    for action in ["edit", "regenerate", "activate", "deactivate", "delete"] {
        let page = app
            .post_form(
                &format!("{LIST}/{id}/{action}"),
                &[("name", "X"), ("mode", "production"), ("scope", "global")],
            )
            .await;
        assert_eq!(page.status, 404, "POST {action}");
    }
    assert_eq!(app.count_rows("smtp_credentials").await, 1);
    assert_eq!(
        app.get(&format!("{LIST}/not-a-uuid/edit")).await.status,
        404
    );
}

#[tokio::test]
async fn a_non_member_gets_404_for_the_page_its_fragments_and_its_actions() {
    let app = spawn_app().await;
    app.signed_in_owner().await;
    create(&app, "Private", "private_app").await;
    let id = id_of(&app, "private_app").await;
    let stranger = app.new_visitor();
    stranger
        .create_user("stranger@example.com", "Stranger")
        .await;
    stranger.login("stranger@example.com", PASSWORD).await;
    assert_eq!(stranger.get(LIST).await.status, 404);
    assert_eq!(
        stranger.htmx_get(LIST, "credentials-table").await.status,
        404
    );
    assert_eq!(stranger.get(&format!("{LIST}/new")).await.status, 404);
    assert_eq!(
        stranger
            .post_form(&format!("{LIST}/{id}/delete"), &[])
            .await
            .status,
        404
    );
    assert_eq!(app.count_rows("smtp_credentials").await, 1);
}
