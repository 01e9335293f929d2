use super::helpers::Api;
use crate::helpers::{PASSWORD, spawn_app};
use postern::domain::Role;

const KEYS: &str = "/w/acme-mail/settings/api-keys";

#[tokio::test]
async fn an_admin_creates_a_key_sees_it_once_and_it_works_until_revoked() {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    let created = app
        .post_form(
            KEYS,
            &[
                ("label", "Terraform"),
                ("scopes", "smtp-credentials:read:all"),
                ("scopes", "smtp-credentials:write:all"),
            ],
        )
        .await;
    assert_eq!(created.status, 201);
    assert_eq!(
        created
            .headers
            .get("cache-control")
            .and_then(|v| v.to_str().ok()),
        Some("no-store")
    );
    created.assert_contains("You will not be able to see this key again");
    let secret = created.text_of("#shown-key").expect("the key is shown");
    assert!(secret.starts_with("postern_"));
    assert_eq!(
        created.text_of("#account-id").unwrap(),
        workspace.id.to_string()
    );

    let listed = app.get(KEYS).await;
    assert!(!listed.body.contains(&secret), "shown once only");
    let row = listed.text_of("tr[data-key='Terraform']").unwrap();
    assert!(
        row.contains(&secret[..16]),
        "the prefix identifies it: {row}"
    );
    assert!(row.contains("smtp-credentials:write:all"));
    assert!(row.contains("Never"));

    let api = Api::new(&app, &workspace, Some(secret)).await;
    assert_eq!(api.create("From Terraform").await.status, 201);
    assert_eq!(api.get(&api.collection()).await.status, 200);

    let confirm_href = listed.attrs("tr[data-key='Terraform'] a[hx-get]", "href")[0].clone();
    let confirm = app.get(&confirm_href).await;
    confirm.assert_contains("Revoke API key?");
    confirm.assert_contains("401");
    app.post_form(&confirm_href, &[])
        .await
        .assert_redirect_to(KEYS);
    assert_eq!(api.get(&api.collection()).await.status, 401);
    let after = app.get(KEYS).await;
    assert!(after.text_of("tr[data-key='Terraform']").is_none());
    after.assert_contains("Revoked Terraform.");
    let activity = app.get("/w/acme-mail/settings/activity").await;
    assert_eq!(
        activity.attrs("tr[data-action]", "data-action")[..2],
        ["api_key.revoked", "smtp_credential.created"]
    );
}

#[tokio::test]
async fn a_key_without_a_label_or_permissions_is_refused_beside_the_fields() {
    let app = spawn_app().await;
    app.signed_in_owner().await;
    let page = app.post_form(KEYS, &[("label", "  ")]).await;
    assert_eq!(page.status, 422);
    assert_eq!(
        page.text_of("#label-error").as_deref(),
        Some("Enter a label (up to 100 characters).")
    );
    assert_eq!(
        page.text_of("#scopes-error").as_deref(),
        Some("Choose at least one permission.")
    );
    let forged = app
        .post_form(
            KEYS,
            &[("label", "x"), ("scopes", "smtp-credentials:admin:all")],
        )
        .await;
    assert_eq!(forged.status, 422);
    assert_eq!(app.count_rows("api_keys").await, 0);
}

#[tokio::test]
async fn a_scope_for_a_domain_the_workspace_does_not_have_is_refused_beside_the_permissions() {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    super::helpers::add_domain(&app, &workspace, "mail.example").await;
    let page = app
        .post_form(
            KEYS,
            &[
                ("label", "deploy"),
                ("scopes", "smtp-credentials:write:mail.example"),
                ("scopes", "smtp-credentials:write:evil.example"),
            ],
        )
        .await;
    assert_eq!(page.status, 422);
    assert_eq!(
        page.text_of("#scopes-error").as_deref(),
        Some("evil.example is not a sending domain of this workspace.")
    );
    assert_eq!(app.count_rows("api_keys").await, 0);
    let page = app
        .post_form(
            KEYS,
            &[
                ("label", "deploy"),
                ("scopes", "smtp-credentials:write:mail.example"),
            ],
        )
        .await;
    assert_eq!(page.status, 201);
    assert_eq!(app.count_rows("api_keys").await, 1);
}

#[tokio::test]
async fn twenty_keys_created_while_their_domain_is_removed_get_201_or_422_never_an_error() {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    super::helpers::add_domain(&app, &workspace, "mail.example").await;
    let domains = app.get("/w/acme-mail/settings/domains").await;
    let remove = domains.attrs("a[href$='/delete']", "href");
    assert_eq!(remove.len(), 1, "{}", domains.body);
    let creates = (0..20).map(|i| {
        let app = app.clone();
        async move {
            let label = format!("key {i}");
            app.post_form(
                KEYS,
                &[
                    ("label", label.as_str()),
                    ("scopes", "smtp-credentials:write:mail.example"),
                ],
            )
            .await
            .status
            .as_u16()
        }
    });
    let removal = app.post_form(&remove[0], &[]);
    let (statuses, _) = tokio::join!(futures_util::future::join_all(creates), removal);
    for status in &statuses {
        assert!([201, 422].contains(status), "{statuses:?}");
    }
    let created = statuses.iter().filter(|s| **s == 201).count();
    assert_eq!(app.count_rows("api_keys").await, created as i64);
    assert_eq!(app.count_rows("domains").await, 0);
}

#[tokio::test]
async fn members_and_viewers_get_403_and_outsiders_404() {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    for (email, role) in [
        ("member@example.com", Role::Member),
        ("viewer@example.com", Role::Viewer),
    ] {
        let user = app.create_user(email, "Someone").await;
        app.add_member(&workspace, &user, role).await;
        let visitor = app.new_visitor();
        visitor.login(email, PASSWORD).await;
        assert_eq!(visitor.get(KEYS).await.status, 403, "{role:?}");
        let post = visitor
            .post_form(
                KEYS,
                &[("label", "x"), ("scopes", "smtp-credentials:read:all")],
            )
            .await;
        assert_eq!(post.status, 403, "{role:?}");
        let nav = visitor.get("/w/acme-mail/settings/smtp-credentials").await;
        assert!(!nav.body.contains(KEYS), "no API keys link for {role:?}");
    }
    app.create_user("outsider@example.com", "Out Sider").await;
    let outsider = app.new_visitor();
    outsider.login("outsider@example.com", PASSWORD).await;
    assert_eq!(outsider.get(KEYS).await.status, 404);
    assert_eq!(app.count_rows("api_keys").await, 0);
}

#[tokio::test]
async fn the_key_form_offers_sandbox_permissions_and_such_a_key_reads_the_sandbox() {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    let form = app.get(KEYS).await;
    let offered = form.attrs("input[name=scopes]", "value");
    for scope in [
        "sandbox:read",
        "sandbox:delete",
        "smtp-credentials:read:all",
    ] {
        assert!(offered.iter().any(|s| s == scope), "{scope} in {offered:?}");
    }
    let created = app
        .post_form(KEYS, &[("label", "E2E tests"), ("scopes", "sandbox:read")])
        .await;
    assert_eq!(created.status, 201);
    let secret = created.text_of("#shown-key").unwrap();
    let row = app
        .get(KEYS)
        .await
        .text_of("tr[data-key='E2E tests']")
        .unwrap();
    assert!(row.contains("sandbox:read"), "{row}");

    let api = Api::new(&app, &workspace, Some(secret)).await;
    let sandbox = format!("/v2/accounts/{}/sandbox/messages", workspace.id);
    assert_eq!(api.get(&sandbox).await.status, 200);
    assert_eq!(api.get(&api.collection()).await.status, 403);

    let refused = app
        .post_form(KEYS, &[("label", "Bad"), ("scopes", "sandbox:write")])
        .await;
    assert_eq!(refused.status, 422);
    refused.assert_contains("sandbox:read");
}
