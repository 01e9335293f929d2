use postern::domain::Role;

use crate::helpers::{PASSWORD, spawn_app};

const DOMAINS: &str = "/w/acme-mail/settings/domains";

#[tokio::test]
async fn an_admin_adds_a_domain_lowercased() {
    let app = spawn_app().await;
    app.signed_in_owner().await;
    app.post_form(DOMAINS, &[("name", " Mail.Example.COM ")])
        .await
        .assert_redirect_to(DOMAINS);
    let page = app.get(DOMAINS).await;
    assert_eq!(
        page.attrs("tr[data-domain]", "data-domain"),
        ["mail.example.com"]
    );
    page.assert_contains("Added mail.example.com.");
}

#[tokio::test]
async fn invalid_and_duplicate_domains_are_refused_with_a_message() {
    let app = spawn_app().await;
    app.signed_in_owner().await;
    for bad in ["localhost", "exa mple.com", "-bad.com", ""] {
        let page = app.post_form(DOMAINS, &[("name", bad)]).await;
        assert_eq!(page.status, 422, "{bad:?}");
        page.assert_contains("is not a domain name like mail.example.com");
    }
    app.post_form(DOMAINS, &[("name", "example.com")])
        .await
        .assert_redirect_to(DOMAINS);
    let page = app.post_form(DOMAINS, &[("name", "EXAMPLE.com")]).await;
    assert_eq!(page.status, 422);
    page.assert_contains("already in the list");
    assert_eq!(app.count_rows("domains").await, 1);
}

#[tokio::test]
async fn a_domain_used_by_a_scoped_credential_cannot_be_removed() {
    let app = spawn_app().await;
    app.signed_in_owner().await;
    app.post_form(DOMAINS, &[("name", "used.example.com")])
        .await;
    let id = app
        .get(DOMAINS)
        .await
        .attrs("a[aria-label^=Remove]", "href")[0]
        .trim_end_matches("/delete")
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    app.post_form(
        "/w/acme-mail/settings/smtp-credentials",
        &[
            ("name", "Scoped"),
            ("mode", "production"),
            ("scope", "scoped"),
            ("domains", &id),
        ],
    )
    .await;
    let confirm = app.get(&format!("{DOMAINS}/{id}/delete")).await;
    confirm.assert_contains("Remove domain?");
    app.post_form(&format!("{DOMAINS}/{id}/delete"), &[])
        .await
        .assert_redirect_to(DOMAINS);
    app.get(DOMAINS)
        .await
        .assert_contains("still used by 1 scoped credential");
    assert_eq!(app.count_rows("domains").await, 1);

    app.post_form(DOMAINS, &[("name", "unused.example.com")])
        .await;
    let page = app.get(DOMAINS).await;
    let hrefs = page.attrs("a[aria-label='Remove unused.example.com']", "href");
    app.post_form(&hrefs[0], &[])
        .await
        .assert_redirect_to(DOMAINS);
    assert_eq!(app.count_rows("domains").await, 1);
    app.get(DOMAINS)
        .await
        .assert_contains("Removed unused.example.com.");
}

#[tokio::test]
async fn members_see_domains_but_only_admins_change_them() {
    let app = spawn_app().await;
    let (_, workspace) = app.signed_in_owner().await;
    app.post_form(DOMAINS, &[("name", "example.com")]).await;
    let member = app.create_user("member@example.com", "Member").await;
    app.add_member(&workspace, &member, Role::Member).await;
    let visitor = app.new_visitor();
    visitor.login("member@example.com", PASSWORD).await;
    let page = visitor.get(DOMAINS).await;
    assert_eq!(page.status, 200);
    page.assert_contains("example.com");
    assert!(!page.body.contains("Add a domain"));
    assert_eq!(
        visitor
            .post_form(DOMAINS, &[("name", "other.com")])
            .await
            .status,
        403
    );
    let id = app
        .get(DOMAINS)
        .await
        .attrs("a[aria-label^=Remove]", "href")[0]
        .clone();
    assert_eq!(visitor.get(&id).await.status, 403);
    assert_eq!(visitor.post_form(&id, &[]).await.status, 403);
    assert_eq!(app.count_rows("domains").await, 1);
}
