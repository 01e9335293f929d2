//! Tags: read from X-Tags at ingest, shown on the list and the message's
//! page, edited there by members and above; refused input is told beside
//! the field and kept.

use super::search::{ingest, listed, sandbox_login};
use crate::members::Team;

#[tokio::test]
async fn tags_from_x_tags_show_on_the_page_and_members_edit_them() {
    let team = Team::new().await;
    let workspace = &team.workspace;
    let login = sandbox_login(&team.owner, workspace, "Shop").await;
    let id = ingest(
        &team.owner,
        &login,
        "a@shop.example",
        &["b@customer.example"],
        "Subject: Tagged\nX-Tags:  Signup , welcome,SIGNUP,,\nX-Tags: second\n\nhi\n",
    )
    .await;
    let base = format!("/w/{}/sandbox", workspace.slug);
    let path = format!("{base}/{id}");

    // Trimmed, case kept, a duplicate in another case dropped; sorted.
    let page = team.viewer.get(&path).await;
    assert_eq!(
        page.attrs("#message-tags a.badge-tag", "data-tag"),
        ["second", "Signup", "welcome"]
    );
    assert!(
        page.attrs("#message-tags-field", "value").is_empty(),
        "viewers get no form"
    );
    let list = team.viewer.get(&base).await;
    assert_eq!(
        list.attrs("a.badge-tag", "data-tag"),
        ["second", "Signup", "welcome"]
    );

    // Viewers may not; a post without the CSRF token is refused.
    let refused = team
        .viewer
        .post_form(&format!("{path}/tags"), &[("tags", "x")])
        .await;
    assert_eq!(refused.status, 403);
    let forged = team
        .member
        .post_form_without_csrf(&format!("{path}/tags"), &[("tags", "x")])
        .await;
    assert_eq!(forged.status, 403);

    let form = team.member.get(&path).await;
    assert_eq!(
        form.attrs("#message-tags-field", "value"),
        ["second, Signup, welcome"]
    );
    team.member
        .post_form(
            &format!("{path}/tags"),
            &[("tags", " Billing, urgent ,billing ")],
        )
        .await
        .assert_redirect_to(&path);
    let saved = team.member.get(&path).await;
    saved.assert_contains("Saved the tags.");
    assert_eq!(
        saved.attrs("#message-tags a.badge-tag", "data-tag"),
        ["Billing", "urgent"]
    );
    assert_eq!(
        listed(&team.member, &format!("{base}?tag=BILLING")).await,
        ["Tagged"]
    );
    assert!(
        listed(&team.member, &format!("{base}?tag=signup"))
            .await
            .is_empty()
    );

    // Too long: told beside the field, what was typed kept, nothing saved.
    let long = format!("ok, {}", "x".repeat(41));
    let bad = team
        .member
        .post_form(&format!("{path}/tags"), &[("tags", &long)])
        .await;
    assert_eq!(bad.status, 422);
    assert!(
        bad.text_of("#tags-error")
            .unwrap()
            .contains("longer than 40 characters"),
        "{}",
        bad.body
    );
    assert_eq!(bad.attrs("#message-tags-field", "value"), [long]);
    assert_eq!(
        bad.attrs("#message-tags a.badge-tag", "data-tag"),
        ["Billing", "urgent"]
    );
    let many: String = (0..11).map(|i| format!("t{i},")).collect();
    let too_many = team
        .member
        .post_form(&format!("{path}/tags"), &[("tags", &many)])
        .await;
    assert_eq!(too_many.status, 422);
    too_many.assert_contains("at most 10 tags");

    // Emptied.
    team.member
        .post_form(&format!("{path}/tags"), &[("tags", "")])
        .await
        .assert_redirect_to(&path);
    team.member.get(&path).await.assert_contains("No tags.");
    let activity = team
        .owner
        .get(&format!("/w/{}/settings/activity", workspace.slug))
        .await;
    activity.assert_contains("Billing, urgent");

    // Another workspace's member gets 404.
    let outsider = team
        .outsider
        .post_form(&format!("{path}/tags"), &[("tags", "x")])
        .await;
    assert_eq!(outsider.status, 404);
}
