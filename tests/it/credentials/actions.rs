use postern::auth::password;

use super::{LIST, create, id_of, shown_password, stored_hash};
use crate::helpers::spawn_app;

#[tokio::test]
async fn regenerating_replaces_the_password_at_once() {
    let app = spawn_app().await;
    app.signed_in_owner().await;
    let first = shown_password(&create(&app, "App", "regen_app").await);
    let id = id_of(&app, "regen_app").await;

    let confirm = app.get(&format!("{LIST}/{id}/regenerate")).await;
    assert_eq!(confirm.status, 200);
    confirm.assert_contains("the current password stops working immediately");
    confirm.assert_contains("Keep the old password working for");
    assert_eq!(
        app.count_rows("audit_events").await,
        1,
        "asking to confirm changes nothing"
    );

    let page = app.post_form(&format!("{LIST}/{id}/regenerate"), &[]).await;
    assert_eq!(page.status, 200);
    assert_eq!(page.headers["cache-control"], "no-store");
    let second = shown_password(&page);
    assert_ne!(first, second);
    let hash = stored_hash(&app, "regen_app").await;
    assert!(password::verify(&second, &hash));
    assert!(
        !password::verify(&first, &hash),
        "the old password no longer verifies"
    );
    assert_eq!(
        app.count_rows("credential_secrets").await,
        1,
        "without an overlap the old password is gone"
    );
}

#[tokio::test]
async fn deactivating_updates_the_row_in_place_and_activating_restores_it() {
    let app = spawn_app().await;
    app.signed_in_owner().await;
    create(&app, "App", "toggle_app").await;
    let id = id_of(&app, "toggle_app").await;

    let row = app
        .htmx_post(&format!("{LIST}/{id}/deactivate"), "", &[])
        .await;
    assert_eq!(row.status, 200);
    assert!(
        row.body.trim_start().starts_with("<tr"),
        "htmx gets the row: {}",
        row.body
    );
    row.assert_contains("Inactive");
    // Its actions menu (filled from the table's one template) now offers
    // Activate: the browser keeps the part whose status matches the row's.
    row.assert_contains("data-active=\"false\"");

    let page = app
        .post_form(
            &format!("{LIST}/{id}/activate"),
            &[("back", "sort=created_at&dir=asc")],
        )
        .await;
    page.assert_redirect_to(&format!("{LIST}?sort=created_at&dir=asc"));
    let list = app.get(LIST).await;
    assert_eq!(
        list.text_of(&format!("#credential-{id} .status"))
            .as_deref(),
        Some("Active")
    );
    list.assert_contains("Activated App.");
}

#[tokio::test]
async fn editing_changes_name_mode_and_description_but_not_the_username() {
    let app = spawn_app().await;
    app.signed_in_owner().await;
    create(&app, "Old name", "edit_app").await;
    let id = id_of(&app, "edit_app").await;
    let form = app.get(&format!("{LIST}/{id}/edit")).await;
    form.assert_contains("value=\"Old name\"");
    let page = app
        .post_form(
            &format!("{LIST}/{id}/edit"),
            &[
                ("name", "New name"),
                ("description", "Nightly reports"),
                ("mode", "sandbox"),
                ("scope", "global"),
                ("username", "hijack"),
            ],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let list = app.get(LIST).await;
    let row = format!("#credential-{id}");
    assert_eq!(
        list.text_of(&format!("{row} .cell-name")).as_deref(),
        Some("New name")
    );
    assert_eq!(
        list.text_of(&format!("{row} .badge")).as_deref(),
        Some("Sandbox")
    );
    list.assert_contains("Nightly reports");
    list.assert_contains("edit_app");
    assert!(!list.body.contains("hijack"));

    let invalid = app
        .post_form(
            &format!("{LIST}/{id}/edit"),
            &[("name", ""), ("mode", "production"), ("scope", "global")],
        )
        .await;
    assert_eq!(invalid.status, 422);
    invalid.assert_contains("Enter a name");
}

#[tokio::test]
async fn deleting_asks_first_and_then_removes_the_credential() {
    let app = spawn_app().await;
    app.signed_in_owner().await;
    create(&app, "Doomed", "doomed_app").await;
    let id = id_of(&app, "doomed_app").await;
    let confirm = app.get(&format!("{LIST}/{id}/delete")).await;
    confirm.assert_contains("Doomed");
    confirm.assert_contains("doomed_app");
    confirm.assert_contains("will stop sending immediately");
    assert_eq!(app.count_rows("smtp_credentials").await, 1);

    app.post_form(&format!("{LIST}/{id}/delete"), &[])
        .await
        .assert_redirect_to(&format!("{LIST}?sort=created_at&dir=desc"));
    assert_eq!(app.count_rows("smtp_credentials").await, 0);
    let list = app.get(LIST).await;
    list.assert_contains("Deleted Doomed.");
    assert!(!list.body.contains("doomed_app"));

    let htmx = app
        .htmx_post(&format!("{LIST}/{id}/delete"), "modal-body", &[])
        .await;
    assert_eq!(htmx.status, 404, "deleting twice finds nothing");
}

#[tokio::test]
async fn a_deletion_through_htmx_closes_the_dialog_and_refreshes_the_table() {
    let app = spawn_app().await;
    app.signed_in_owner().await;
    create(&app, "Gone", "gone_app").await;
    let id = id_of(&app, "gone_app").await;
    let page = app
        .htmx_post(&format!("{LIST}/{id}/delete"), "modal-body", &[])
        .await;
    assert_eq!(page.status, 200);
    let trigger = page.headers["hx-trigger"].to_str().unwrap();
    assert!(
        trigger.contains("closeModal") && trigger.contains("credentialsChanged"),
        "{trigger}"
    );
}

#[tokio::test]
async fn every_change_is_on_the_activity_page_with_who_and_from_where() {
    let app = spawn_app().await;
    app.signed_in_owner().await;
    create(&app, "Audited", "audited_app").await;
    let id = id_of(&app, "audited_app").await;
    app.post_form(&format!("{LIST}/{id}/deactivate"), &[]).await;
    app.post_form(&format!("{LIST}/{id}/activate"), &[]).await;
    app.post_form(&format!("{LIST}/{id}/regenerate"), &[]).await;
    app.post_form(
        &format!("{LIST}/{id}/edit"),
        &[
            ("name", "Audited 2"),
            ("mode", "production"),
            ("scope", "global"),
        ],
    )
    .await;
    app.post_form(&format!("{LIST}/{id}/delete"), &[]).await;
    let page = app.get("/w/acme-mail/settings/activity").await;
    assert_eq!(page.status, 200);
    let actions: Vec<String> = page.attrs("tr[data-action]", "data-action");
    assert_eq!(
        actions,
        [
            "smtp_credential.deleted",
            "smtp_credential.updated",
            "smtp_credential.regenerated",
            "smtp_credential.activated",
            "smtp_credential.deactivated",
            "smtp_credential.created",
        ]
    );
    page.assert_contains("owner@example.com");
    page.assert_contains("127.0.0.1");
    page.assert_contains("Audited (audited_app)");
}

#[tokio::test]
async fn the_list_writes_the_actions_menu_once_and_each_row_names_its_credential_and_status() {
    let app = spawn_app().await;
    app.signed_in_owner().await;
    for (name, username) in [
        ("One", "one_app"),
        ("Two", "two_app"),
        ("Three", "three_app"),
    ] {
        create(&app, name, username).await;
    }
    let two = id_of(&app, "two_app").await;
    app.post_form(&format!("{LIST}/{two}/deactivate"), &[])
        .await
        .assert_redirect_to(&format!("{LIST}?sort=created_at&dir=desc"));

    let page = app.get(LIST).await;
    // One menu for the table, whichever the number of rows: each action
    // once, its addresses waiting for the row's id.
    for action in ["edit", "regenerate", "deactivate", "activate", "delete"] {
        let marker = format!("data-action=\"{action}\"");
        assert_eq!(page.body.matches(&marker).count(), 1, "{action}");
    }
    page.assert_contains(&format!("{LIST}/_ID_/deactivate"));
    assert_eq!(page.body.matches("<form role=\"none\"").count(), 2);
    // The rows carry what the menu is filled with.
    assert_eq!(
        page.attrs("tr[data-id]", "data-active"),
        vec!["true", "false", "true"]
    );
    assert_eq!(
        page.attrs(&format!("#credential-{two}"), "data-id"),
        vec![two.clone()]
    );
    // Without a script the menu still leads to the credential's page.
    assert_eq!(
        page.attrs(&format!("#credential-{two} .menu-panel a"), "href"),
        vec![format!("{LIST}/{two}")]
    );
}
