//! One link, one admission; a revocation racing an acceptance has one outcome.

use reqwest::StatusCode;

use super::{MEMBERS, all_at_once, count, count_audit, owners, ready, spawn_racing_app};
use crate::helpers::{PASSWORD, TestApp};

/// Invites `email` as a viewer; returns the link's path.
async fn invite(owner: &TestApp, email: &str) -> String {
    let page = owner
        .post_form(
            &format!("{MEMBERS}/invitations"),
            &[("email", email), ("role", "viewer")],
        )
        .await;
    assert_eq!(page.status, 201, "{}", page.body);
    let link = page.text_of("#invitation-link").expect("the link is shown");
    link[link.find("/invitations/").unwrap()..].to_owned()
}

#[tokio::test]
async fn one_email_invited_several_times_at_once_gets_one_invitation() {
    let app = spawn_racing_app().await;
    let (_, owners) = owners(&app, 2).await;
    let n = 8;
    let mut posts = Vec::new();
    for i in 0..n {
        let fields = [("email", "newbie@example.com"), ("role", "viewer")];
        let (_, browser) = &owners[i % 2];
        posts.push(ready(browser, &format!("{MEMBERS}/invitations"), &fields).await);
    }
    let outcomes = all_at_once(posts).await;
    let invited = outcomes
        .iter()
        .filter(|o| o.status == StatusCode::CREATED)
        .count();
    let refused = outcomes
        .iter()
        .filter(|o| o.status == StatusCode::UNPROCESSABLE_ENTITY)
        .count();
    assert_eq!((invited, refused), (1, n - 1), "{outcomes:?}");
    assert_eq!(app.count_rows("invitations").await, 1);
}

#[tokio::test]
async fn one_invitation_opened_in_several_browsers_at_once_admits_once() {
    let app = spawn_racing_app().await;
    let (_, owners) = owners(&app, 1).await;
    let link = invite(&owners[0].1, "newbie@example.com").await;
    let n = 8;
    let mut posts = Vec::new();
    for _ in 0..n {
        let newcomer = app.new_visitor();
        let fields = [
            ("name", "Nia New"),
            ("password", "a-long-enough-password"),
            ("password_confirm", "a-long-enough-password"),
        ];
        posts.push(ready(&newcomer, &link, &fields).await);
    }
    let outcomes = all_at_once(posts).await;
    let joined = outcomes
        .iter()
        .filter(|o| o.redirected_to("/w/acme-mail/settings/smtp-credentials"))
        .count();
    let used = outcomes
        .iter()
        .filter(|o| o.status == StatusCode::GONE)
        .count();
    assert_eq!((joined, used), (1, n - 1), "{outcomes:?}");
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) AS n FROM users WHERE email = 'newbie@example.com'".into()
        )
        .await,
        1
    );
    assert_eq!(app.count_rows("memberships").await, 2);
    assert_eq!(count_audit(&app, "member.joined").await, 1);
}

#[tokio::test]
async fn revoking_invitations_while_they_are_accepted_has_one_outcome_each() {
    let app = spawn_racing_app().await;
    let (_, owners) = owners(&app, 1).await;
    let owner = &owners[0].1;
    let n = 8;
    let mut posts = Vec::new();
    for i in 0..n {
        let email = format!("guest{i}@example.com");
        app.create_user(&email, &format!("Guest {i}")).await;
        let guest = app.new_visitor();
        guest.login(&email, PASSWORD).await.assert_redirect_to("/");
        let link = invite(owner, &email).await;
        let members = owner.get(MEMBERS).await;
        let revoke = members.attrs(&format!("tr[data-invitation='{email}'] a"), "href")[0].clone();
        posts.push(ready(owner, &revoke, &[]).await);
        posts.push(ready(&guest, &link, &[]).await);
    }
    let outcomes = all_at_once(posts).await;
    for i in 0..n {
        let email = format!("guest{i}@example.com");
        let member = count(
            &app,
            format!(
                "SELECT COUNT(*) AS n FROM memberships m JOIN users u ON u.id = m.user_id \
                 WHERE u.email = '{email}'"
            ),
        )
        .await;
        let revoked = count(
            &app,
            format!(
                "SELECT COUNT(*) AS n FROM audit_events \
                 WHERE action = 'invitation.revoked' AND target = '{email}'"
            ),
        )
        .await;
        // Either the guest joined and the invitation is kept as used, or it
        // was revoked and the guest's link no longer worked.
        assert_eq!(
            member + revoked,
            1,
            "{email}: {:?}",
            &outcomes[2 * i..2 * i + 2]
        );
    }
    assert_eq!(
        app.count_rows("invitations").await,
        count_audit(&app, "member.joined").await
    );
}
