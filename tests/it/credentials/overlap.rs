//! Rotation with an overlap window, as the credential's page shows it.

use postern::auth::password;

use super::{LIST, create, id_of, shown_password};
use crate::helpers::spawn_app;

#[tokio::test]
async fn regenerating_with_an_hour_of_overlap_keeps_both_passwords_until_revoked() {
    let app = spawn_app().await;
    app.signed_in_owner().await;
    let old = shown_password(&create(&app, "App", "overlap_app").await);
    let id = id_of(&app, "overlap_app").await;
    let page_url = format!("{LIST}/{id}");
    assert!(
        app.get(&page_url)
            .await
            .text_of("#previous-password")
            .is_none()
    );

    let regenerated = app
        .post_form(&format!("{LIST}/{id}/regenerate"), &[("overlap", "3600")])
        .await;
    assert_eq!(regenerated.status, 200);
    let new = shown_password(&regenerated);
    assert_eq!(app.count_rows("credential_secrets").await, 2);

    let page = app.get(&page_url).await;
    let previous = page
        .text_of("#previous-password")
        .expect("the overlap is shown");
    assert!(
        previous.starts_with("Previous password valid until"),
        "{previous}"
    );
    assert!(previous.contains("last used never"), "{previous}");
    assert!(page.text_of("#current-password").is_some());
    let logged = page.text_of("#activity tr[data-action='smtp_credential.regenerated']");
    assert!(logged.unwrap().contains("old password valid for 1 hour"));

    let confirm = app.get(&format!("{page_url}/revoke-previous")).await;
    assert_eq!(confirm.status, 200);
    confirm.assert_contains("Revoke the previous password?");
    assert_eq!(
        app.count_rows("credential_secrets").await,
        2,
        "asking changes nothing"
    );

    app.post_form(&format!("{page_url}/revoke-previous"), &[])
        .await
        .assert_redirect_to(&page_url);
    assert_eq!(app.count_rows("credential_secrets").await, 1);
    let page = app.get(&page_url).await;
    assert!(page.text_of("#previous-password").is_none());
    assert!(
        page.text_of("#activity tr[data-action='smtp_credential.previous_password_revoked']")
            .is_some()
    );
    let hash = super::stored_hash(&app, "overlap_app").await;
    assert!(password::verify(&new, &hash) && !password::verify(&old, &hash));
}

#[tokio::test]
async fn an_overlap_not_offered_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    app.signed_in_owner().await;
    create(&app, "App", "forged").await;
    let id = id_of(&app, "forged").await;
    let hash = super::stored_hash(&app, "forged").await;
    for overlap in ["604801", "-1", "soon"] {
        let page = app
            .post_form(&format!("{LIST}/{id}/regenerate"), &[("overlap", overlap)])
            .await;
        assert_eq!(page.status, 400, "{overlap}");
    }
    assert_eq!(super::stored_hash(&app, "forged").await, hash);
}

#[tokio::test]
async fn another_workspace_cannot_see_or_revoke_a_credential() {
    let app = spawn_app().await;
    app.signed_in_owner().await;
    create(&app, "App", "private_app").await;
    let id = id_of(&app, "private_app").await;
    let stranger = app.new_visitor();
    let user = app.create_user("stranger@example.com", "Stan").await;
    let theirs = app.create_workspace(&user, "Other").await;
    stranger
        .login("stranger@example.com", crate::helpers::PASSWORD)
        .await;
    let foreign = format!("/w/{}/settings/smtp-credentials/{id}", theirs.slug);
    assert_eq!(stranger.get(&foreign).await.status, 404);
    assert_eq!(stranger.get(&format!("{LIST}/{id}")).await.status, 404);
    let revoke = format!("{foreign}/revoke-previous");
    assert_eq!(stranger.post_form(&revoke, &[]).await.status, 404);
}
