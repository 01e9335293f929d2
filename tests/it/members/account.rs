use crate::helpers::{PASSWORD, spawn_app};

#[tokio::test]
async fn a_person_renames_themselves_and_sees_their_workspaces() {
    let app = spawn_app().await;
    let (owner, _) = app.signed_in_owner().await;
    app.create_workspace(&owner, "Side Project").await;
    let page = app.get("/account").await;
    assert_eq!(page.status, 200);
    assert!(
        page.text_of("li[data-workspace='acme-mail']")
            .unwrap()
            .contains("Owner")
    );
    assert!(page.text_of("li[data-workspace='side-project']").is_some());
    let empty = app.post_form("/account", &[("name", " ")]).await;
    assert_eq!(empty.status, 422);
    assert_eq!(
        empty.text_of("#name-error").as_deref(),
        Some("Enter your name (up to 100 characters).")
    );
    app.post_form("/account", &[("name", "Olivia Owner")])
        .await
        .assert_redirect_to("/account");
    let renamed = app.get("/account").await;
    renamed.assert_contains("Your name was saved.");
    assert!(
        renamed
            .text_of(".menu-user strong")
            .unwrap()
            .contains("Olivia Owner")
    );
}

#[tokio::test]
async fn changing_the_password_needs_the_current_one_and_signs_out_other_sessions() {
    let app = spawn_app().await;
    app.signed_in_owner().await;
    let laptop = app.new_visitor();
    laptop
        .login("owner@example.com", PASSWORD)
        .await
        .assert_redirect_to("/");
    assert_eq!(laptop.get("/account").await.status, 200);

    let wrong = app
        .post_form(
            "/account/password",
            &[
                ("current_password", "nope"),
                ("password", "a brand new password"),
                ("password_confirm", "a brand new password"),
            ],
        )
        .await;
    assert_eq!(wrong.status, 422);
    assert_eq!(
        wrong.text_of("#current_password-error").as_deref(),
        Some("The current password is incorrect.")
    );
    let mismatch = app
        .post_form(
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("password", "a brand new password"),
                ("password_confirm", "another one entirely"),
            ],
        )
        .await;
    assert_eq!(
        mismatch.text_of("#password_confirm-error").as_deref(),
        Some("The passwords do not match.")
    );

    app.post_form(
        "/account/password",
        &[
            ("current_password", PASSWORD),
            ("password", "a brand new password"),
            ("password_confirm", "a brand new password"),
        ],
    )
    .await
    .assert_redirect_to("/account");
    let here = app.get("/account").await;
    assert_eq!(here.status, 200, "this session stays signed in");
    here.assert_contains("Your other sessions were signed out.");
    laptop.get("/account").await.assert_redirect_to("/login");

    let fresh = app.new_visitor();
    assert_eq!(fresh.login("owner@example.com", PASSWORD).await.status, 401);
    fresh
        .login("owner@example.com", "a brand new password")
        .await
        .assert_redirect_to("/");
}

#[tokio::test]
async fn guessing_the_current_password_is_throttled_like_sign_in() {
    let app = spawn_app().await;
    app.signed_in_owner().await;
    let guess = |current: &'static str| {
        let app = app.clone();
        async move {
            app.post_form(
                "/account/password",
                &[
                    ("current_password", current),
                    ("password", "a brand new password"),
                    ("password_confirm", "a brand new password"),
                ],
            )
            .await
        }
    };
    for attempt in 1..=5 {
        assert_eq!(guess("wrong guess").await.status, 422, "attempt {attempt}");
    }
    // Now even the right password waits, and the message says why.
    let blocked = guess(PASSWORD).await;
    assert_eq!(blocked.status, 429);
    assert!(
        blocked
            .text_of("#current_password-error")
            .unwrap()
            .starts_with("Too many wrong passwords for this account."),
    );
    // The guesses counted against the account's sign-in too.
    assert_eq!(
        app.new_visitor()
            .login("owner@example.com", PASSWORD)
            .await
            .status,
        429
    );
}
