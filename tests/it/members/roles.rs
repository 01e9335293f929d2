use postern::domain::Role;

use super::{MEMBERS, Team};

fn role_path(team: &Team, role: Role) -> String {
    format!("{MEMBERS}/{}/role", team.user(role).id)
}

#[tokio::test]
async fn an_admin_changes_roles_and_the_activity_page_records_it() {
    let team = Team::new().await;
    let viewer = team.user(Role::Viewer).clone();
    team.admin
        .post_form(&role_path(&team, Role::Viewer), &[("role", "member")])
        .await
        .assert_redirect_to(MEMBERS);
    assert_eq!(team.role_of(&viewer).await, Some(Role::Member));
    team.admin
        .get(MEMBERS)
        .await
        .assert_contains("Vi Viewer is now Member.");
    let activity = team.owner.get("/w/acme-mail/settings/activity").await;
    let row = activity
        .text_of("tr[data-action='member.role_changed']")
        .unwrap();
    assert!(
        row.contains("admin@example.com") && row.contains("Viewer → Member"),
        "{row}"
    );
}

#[tokio::test]
async fn only_owners_grant_or_take_away_the_owner_role() {
    let team = Team::new().await;
    let member = team.user(Role::Member).clone();
    let owner = team.user(Role::Owner).clone();
    assert_eq!(
        team.admin
            .post_form(&role_path(&team, Role::Member), &[("role", "owner")])
            .await
            .status,
        403
    );
    assert_eq!(
        team.admin
            .post_form(&role_path(&team, Role::Owner), &[("role", "viewer")])
            .await
            .status,
        403
    );
    assert_eq!(
        team.admin
            .post_form(&format!("{MEMBERS}/{}/remove", owner.id), &[])
            .await
            .status,
        403
    );
    assert_eq!(
        team.member
            .post_form(&role_path(&team, Role::Viewer), &[("role", "admin")])
            .await
            .status,
        403
    );
    assert_eq!(team.role_of(&member).await, Some(Role::Member));
    assert_eq!(team.role_of(&owner).await, Some(Role::Owner));

    team.owner
        .post_form(&role_path(&team, Role::Member), &[("role", "owner")])
        .await
        .assert_redirect_to(MEMBERS);
    assert_eq!(team.role_of(&member).await, Some(Role::Owner));
}

#[tokio::test]
async fn the_last_owner_can_never_be_demoted_removed_or_leave() {
    let team = Team::new().await;
    let owner = team.user(Role::Owner).clone();
    let demote = team
        .owner
        .post_form(&role_path(&team, Role::Owner), &[("role", "admin")])
        .await;
    demote.assert_redirect_to(MEMBERS);
    team.owner
        .get(MEMBERS)
        .await
        .assert_contains("A workspace needs at least one owner.");
    assert_eq!(team.role_of(&owner).await, Some(Role::Owner));
    let leave = team
        .owner
        .post_form("/w/acme-mail/settings/leave", &[])
        .await;
    leave.assert_redirect_to("/w/acme-mail/settings/general");
    team.owner
        .get("/w/acme-mail/settings/general")
        .await
        .assert_contains("last owner");
    assert_eq!(team.role_of(&owner).await, Some(Role::Owner));

    // With a second owner, the first may step down.
    team.owner
        .post_form(&role_path(&team, Role::Admin), &[("role", "owner")])
        .await;
    team.owner
        .post_form(&role_path(&team, Role::Owner), &[("role", "admin")])
        .await;
    assert_eq!(team.role_of(&owner).await, Some(Role::Admin));
}

#[tokio::test]
async fn removing_a_member_takes_effect_on_their_very_next_request() {
    let team = Team::new().await;
    let member = team.user(Role::Member).clone();
    let list = "/w/acme-mail/settings/smtp-credentials";
    assert_eq!(
        team.member.get(list).await.status,
        200,
        "the member's open session"
    );
    let confirm = team
        .admin
        .get(&format!("{MEMBERS}/{}/remove", member.id))
        .await;
    confirm.assert_contains("Remove member?");
    team.admin
        .post_form(&format!("{MEMBERS}/{}/remove", member.id), &[])
        .await
        .assert_redirect_to(MEMBERS);
    assert_eq!(team.member.get(list).await.status, 404);
    assert_eq!(team.role_of(&member).await, None);
    let activity = team.owner.get("/w/acme-mail/settings/activity").await;
    assert!(
        activity
            .text_of("tr[data-action='member.removed']")
            .unwrap()
            .contains("member@example.com")
    );
}

#[tokio::test]
async fn lowering_a_role_takes_effect_on_the_open_session() {
    let team = Team::new().await;
    let list = "/w/acme-mail/settings/smtp-credentials";
    let create = [
        ("name", "Billing"),
        ("mode", "production"),
        ("scope", "global"),
    ];
    assert_eq!(
        team.member.post_form(list, &create).await.status,
        200,
        "a member creates"
    );
    team.admin
        .post_form(&role_path(&team, Role::Member), &[("role", "viewer")])
        .await;
    assert_eq!(
        team.member.post_form(list, &create).await.status,
        403,
        "now a viewer"
    );
    assert_eq!(team.owner.count_rows("smtp_credentials").await, 1);
}

#[tokio::test]
async fn a_member_leaves_and_loses_access() {
    let team = Team::new().await;
    // Their own row on the Members page leads to the confirmation; no other row does.
    let members = team.viewer.get(MEMBERS).await;
    assert_eq!(
        members.attrs("tr[data-member='viewer@example.com'] a", "href"),
        ["/w/acme-mail/settings/leave"]
    );
    assert!(
        members
            .attrs("tr[data-member='member@example.com'] a", "href")
            .is_empty()
    );
    let confirm = team.viewer.get("/w/acme-mail/settings/leave").await;
    confirm.assert_contains("Leave workspace?");
    team.viewer
        .post_form("/w/acme-mail/settings/leave", &[])
        .await
        .assert_redirect_to("/workspaces");
    team.viewer
        .get("/workspaces")
        .await
        .assert_contains("You left Acme Mail.");
    assert_eq!(
        team.viewer
            .get("/w/acme-mail/settings/smtp-credentials")
            .await
            .status,
        404
    );
    assert_eq!(team.role_of(team.user(Role::Viewer)).await, None);
}

#[tokio::test]
async fn everyone_sees_the_member_list_but_only_admins_get_the_controls() {
    let team = Team::new().await;
    let page = team.viewer.get(MEMBERS).await;
    assert_eq!(page.status, 200);
    for email in [
        "owner@example.com",
        "admin@example.com",
        "member@example.com",
        "viewer@example.com",
    ] {
        assert!(
            page.text_of(&format!("tr[data-member='{email}']"))
                .is_some(),
            "{email}"
        );
    }
    assert!(page.text_of("#invite-email").is_none());
    assert!(page.attrs("select[name=role]", "name").is_empty());
    let admin_page = team.admin.get(MEMBERS).await;
    assert!(admin_page.text_of("form[action$='/invitations']").is_some());
    // An admin gets no controls for the owner's row.
    let owner_row = "tr[data-member='owner@example.com']";
    assert!(
        admin_page
            .attrs(&format!("{owner_row} select"), "name")
            .is_empty()
    );
    assert!(
        admin_page
            .attrs(&format!("{owner_row} a"), "href")
            .is_empty()
    );
}
