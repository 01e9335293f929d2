use postern::domain::Role;

use super::{MEMBERS, Team, invite};
use crate::helpers::PASSWORD;

#[tokio::test]
async fn a_new_person_sets_a_password_through_the_link_and_joins_with_the_role() {
    let team = Team::new().await;
    let created = team
        .admin
        .post_form(
            &format!("{MEMBERS}/invitations"),
            &[("email", "Newbie@Example.com"), ("role", "viewer")],
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
    created.assert_contains("It works once, for 7 days");
    let link = super::invitation_path(&created);
    let token = link.trim_start_matches("/invitations/");
    let listed = team.admin.get(MEMBERS).await;
    assert!(!listed.body.contains(token), "the link is shown once");
    assert!(
        listed
            .text_of("tr[data-invitation='newbie@example.com']")
            .is_some()
    );

    let newcomer = team.owner.new_visitor();
    let page = newcomer.get(&link).await;
    assert_eq!(page.status, 200);
    page.assert_contains("Join Acme Mail");
    page.assert_contains("newbie@example.com");
    page.assert_contains("Create account and join");
    let short = newcomer
        .post_form(
            &link,
            &[
                ("name", "Nia New"),
                ("password", "short"),
                ("password_confirm", "short"),
            ],
        )
        .await;
    assert_eq!(short.status, 422);
    assert_eq!(
        short.text_of("#password-error").as_deref(),
        Some("Use at least 10 characters.")
    );
    let joined = newcomer
        .post_form(
            &link,
            &[
                ("name", "Nia New"),
                ("password", "a long new password"),
                ("password_confirm", "a long new password"),
            ],
        )
        .await;
    joined.assert_redirect_to("/w/acme-mail/settings/smtp-credentials");
    let home = newcomer.get("/w/acme-mail/settings/smtp-credentials").await;
    assert_eq!(home.status, 200);
    assert!(
        home.text_of("[data-testid=create-credential]").is_none(),
        "a viewer has no create button"
    );
    home.assert_contains("Welcome to Acme Mail.");

    let members = team.owner.get(MEMBERS).await;
    let row = members
        .text_of("tr[data-member='newbie@example.com']")
        .unwrap();
    assert!(row.contains("Nia New") && row.contains("Viewer"), "{row}");
    assert!(
        members
            .text_of("tr[data-invitation='newbie@example.com']")
            .is_none(),
        "no longer pending"
    );
    let activity = team.owner.get("/w/acme-mail/settings/activity").await;
    assert_eq!(
        activity.attrs("tr[data-action]", "data-action")[..2],
        ["member.joined", "member.invited"]
    );
    // Used once: the link now says so.
    let again = team.owner.new_visitor().get(&link).await;
    assert_eq!(again.status, 410);
    assert_eq!(
        again.text_of("[data-testid=invitation-problem]").as_deref(),
        Some("This invitation has already been used")
    );
}

#[tokio::test]
async fn someone_with_an_account_signs_in_through_the_link_to_join() {
    let team = Team::new().await;
    let link = invite(&team.admin, "outsider@example.com", "member").await;
    let visitor = team.owner.new_visitor();
    let page = visitor.get(&link).await;
    page.assert_contains("Sign in and join");
    let wrong = visitor
        .post_form(&link, &[("password", "wrong password")])
        .await;
    assert_eq!(wrong.status, 401);
    assert_eq!(
        wrong.text_of("#password-error").as_deref(),
        Some("The password is incorrect.")
    );
    assert_eq!(team.role_of(&team.outsider_user).await, None);
    visitor
        .post_form(&link, &[("password", PASSWORD)])
        .await
        .assert_redirect_to("/w/acme-mail/settings/smtp-credentials");
    assert_eq!(
        visitor
            .get("/w/acme-mail/settings/smtp-credentials")
            .await
            .status,
        200
    );
    assert_eq!(team.role_of(&team.outsider_user).await, Some(Role::Member));
}

#[tokio::test]
async fn a_signed_in_person_joins_with_one_button_and_another_account_is_refused() {
    let team = Team::new().await;
    let link = invite(&team.owner, "outsider@example.com", "admin").await;
    // The viewer opens the outsider's link: wrong account.
    let wrong = team.viewer.get(&link).await;
    wrong.assert_contains("This invitation is for");
    assert_eq!(team.viewer.post_form(&link, &[]).await.status, 403);
    let join = team.outsider.get(&link).await;
    join.assert_contains("Join as Admin");
    team.outsider
        .post_form(&link, &[])
        .await
        .assert_redirect_to("/w/acme-mail/settings/smtp-credentials");
    assert_eq!(team.role_of(&team.outsider_user).await, Some(Role::Admin));
}

#[tokio::test]
async fn expired_unknown_and_revoked_links_get_a_clear_page() {
    let team = Team::new().await;
    let expired = invite(&team.admin, "late@example.com", "viewer").await;
    team.owner
        .db
        .query(|conn| {
            use diesel::RunQueryDsl;
            diesel::sql_query("UPDATE invitations SET expires_at = created_at").execute(conn)
        })
        .await
        .unwrap();
    let visitor = team.owner.new_visitor();
    let page = visitor.get(&expired).await;
    assert_eq!(page.status, 410);
    assert_eq!(
        page.text_of("[data-testid=invitation-problem]").as_deref(),
        Some("This invitation has expired")
    );
    let post = visitor
        .post_form(
            &expired,
            &[
                ("name", "Late"),
                ("password", "a long new password"),
                ("password_confirm", "a long new password"),
            ],
        )
        .await;
    assert_eq!(post.status, 410);
    assert_eq!(
        team.owner.count_rows("users").await,
        5,
        "no account was made"
    );

    let unknown = visitor.get("/invitations/not-a-real-token").await;
    assert_eq!(unknown.status, 404);
    assert_eq!(
        unknown
            .text_of("[data-testid=invitation-problem]")
            .as_deref(),
        Some("This invitation link is not valid")
    );

    let revoked = invite(&team.admin, "changed-mind@example.com", "viewer").await;
    let members = team.admin.get(MEMBERS).await;
    let revoke =
        members.attrs("tr[data-invitation='changed-mind@example.com'] a", "href")[0].clone();
    team.admin
        .get(&revoke)
        .await
        .assert_contains("Revoke invitation?");
    team.admin
        .post_form(&revoke, &[])
        .await
        .assert_redirect_to(MEMBERS);
    assert_eq!(visitor.get(&revoked).await.status, 404);
}

#[tokio::test]
async fn admins_cannot_invite_owners_members_cannot_invite_and_duplicates_are_refused() {
    let team = Team::new().await;
    let path = format!("{MEMBERS}/invitations");
    let owner_by_admin = team
        .admin
        .post_form(&path, &[("email", "boss@example.com"), ("role", "owner")])
        .await;
    assert_eq!(owner_by_admin.status, 422);
    assert_eq!(
        owner_by_admin.text_of("#role-error").as_deref(),
        Some("Only owners can invite owners.")
    );
    assert_eq!(
        team.owner
            .post_form(&path, &[("email", "boss@example.com"), ("role", "owner")])
            .await
            .status,
        201
    );
    let twice = team
        .admin
        .post_form(&path, &[("email", "BOSS@example.com"), ("role", "viewer")])
        .await;
    assert_eq!(twice.status, 422);
    let member = team
        .admin
        .post_form(
            &path,
            &[("email", "member@example.com"), ("role", "viewer")],
        )
        .await;
    assert_eq!(
        member.text_of("#email-error").as_deref(),
        Some("This person is already a member.")
    );
    let bad = team
        .admin
        .post_form(&path, &[("email", "not an email"), ("role", "viewer")])
        .await;
    assert_eq!(
        bad.text_of("#email-error").as_deref(),
        Some("Enter a valid email address.")
    );
    assert_eq!(
        team.member
            .post_form(&path, &[("email", "x@example.com"), ("role", "viewer")])
            .await
            .status,
        403
    );
    assert_eq!(team.owner.count_rows("invitations").await, 1);
}
