use postern::service::credentials::Scope;

use super::Team;
use crate::smtp::client::Client;
use crate::smtp::{credential, plain};

const GENERAL: &str = "/w/acme-mail/settings/general";

#[tokio::test]
async fn admins_rename_the_workspace_and_members_cannot() {
    let team = Team::new().await;
    assert_eq!(
        team.member
            .post_form(GENERAL, &[("name", "Nope")])
            .await
            .status,
        403
    );
    let empty = team.admin.post_form(GENERAL, &[("name", "")]).await;
    assert_eq!(empty.status, 422);
    assert!(empty.text_of("#name-error").is_some());
    team.admin
        .post_form(GENERAL, &[("name", "Acme Transactional")])
        .await
        .assert_redirect_to(GENERAL);
    let page = team.member.get(GENERAL).await;
    page.assert_contains("Acme Transactional");
    assert!(
        page.text_of("#workspace-name").is_none(),
        "no rename form for members"
    );
    let activity = team.owner.get("/w/acme-mail/settings/activity").await;
    assert!(
        activity
            .text_of("tr[data-action='workspace.renamed']")
            .unwrap()
            .contains("was Acme Mail")
    );
}

#[tokio::test]
async fn only_the_owner_deletes_the_workspace_by_typing_its_name_and_its_credentials_stop_at_once()
{
    let team = Team::new().await;
    let password = credential(
        &team.owner,
        &team.workspace,
        "doomed_app",
        true,
        Scope::Global,
    )
    .await;
    let auth = |password: String| {
        let app = team.owner.clone();
        async move {
            let mut client = Client::connect_tls(&app).await;
            client
                .cmd(&format!("AUTH PLAIN {}", plain("doomed_app", &password)))
                .await
                .code
        }
    };
    assert_eq!(auth(password.clone()).await, 235);
    let delete = "/w/acme-mail/settings/delete";
    assert_eq!(
        team.admin
            .post_form(delete, &[("confirm_name", "Acme Mail")])
            .await
            .status,
        403
    );
    assert!(
        team.admin
            .get(GENERAL)
            .await
            .text_of("[data-testid=delete-workspace]")
            .is_none()
    );
    let wrong = team
        .owner
        .post_form(delete, &[("confirm_name", "acme mail")])
        .await;
    assert_eq!(wrong.status, 422);
    assert!(wrong.text_of("#confirm_name-error").is_some());
    assert_eq!(team.owner.count_rows("workspaces").await, 1);

    team.owner
        .post_form(delete, &[("confirm_name", "Acme Mail")])
        .await
        .assert_redirect_to("/workspaces");
    team.owner
        .get("/workspaces")
        .await
        .assert_contains("Deleted Acme Mail");
    assert_eq!(auth(password).await, 535, "the credential is gone");
    assert_eq!(team.owner.count_rows("smtp_credentials").await, 0);
    assert_eq!(team.owner.count_rows("memberships").await, 0);
    assert_eq!(
        team.member
            .get("/w/acme-mail/settings/smtp-credentials")
            .await
            .status,
        404
    );
}
