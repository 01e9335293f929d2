//! A domain removed while a credential is scoped to it: one of them wins.

use reqwest::StatusCode;

use super::{CREDENTIALS, DOMAINS, all_at_once, count, owners, ready, spawn_racing_app};
use crate::helpers::TestApp;

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
