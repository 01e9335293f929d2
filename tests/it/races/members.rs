//! Two owners demoting each other, the last owners leaving: one owner stays.

use postern::db::models::User;
use postern::domain::Role;

use super::{all_at_once, count, count_audit, count_owners, owners, ready, spawn_racing_app};

#[tokio::test]
async fn two_owners_demoting_each_other_at_once_leave_exactly_one_owner() {
    let app = spawn_racing_app().await;
    let (_, owners) = owners(&app, 2).await;
    let ((ada, ada_browser), (bob, bob_browser)) = (&owners[0], &owners[1]);
    // The same pair owns n workspaces; in each, both demote the other at once.
    let n = 8;
    let mut slugs = vec!["acme-mail".to_owned()];
    for _ in 1..n {
        let workspace = app.create_workspace(ada, "Acme Mail").await;
        app.add_member(&workspace, bob, Role::Owner).await;
        slugs.push(workspace.slug);
    }
    let mut posts = Vec::new();
    for slug in &slugs {
        let members = format!("/w/{slug}/settings/members");
        let demote = |target: &User| format!("{members}/{}/role", target.id);
        posts.push(ready(ada_browser, &demote(bob), &[("role", "admin")]).await);
        posts.push(ready(bob_browser, &demote(ada), &[("role", "admin")]).await);
    }
    let outcomes = all_at_once(posts).await;
    for (slug, pair) in slugs.iter().zip(outcomes.chunks(2)) {
        // The loser is refused as the last owner, or, demoted first, as an admin.
        let owners = count(
            &app,
            format!(
                "SELECT COUNT(*) AS n FROM memberships m JOIN workspaces w ON w.id = m.workspace_id \
                 WHERE w.slug = '{slug}' AND m.role = 'owner'"
            ),
        )
        .await;
        assert_eq!(owners, 1, "{slug}: {pair:?}");
    }
    assert_eq!(
        count_audit(&app, "member.role_changed").await,
        n as i64,
        "one demotion per workspace"
    );
}

#[tokio::test]
async fn the_last_owners_leaving_at_once_leave_exactly_one_owner() {
    let app = spawn_racing_app().await;
    let n = 8;
    let (_, owners) = owners(&app, n).await;
    let mut posts = Vec::new();
    for (_, browser) in &owners {
        posts.push(ready(browser, "/w/acme-mail/settings/leave", &[]).await);
    }
    let outcomes = all_at_once(posts).await;
    let left = outcomes
        .iter()
        .filter(|o| o.redirected_to("/workspaces"))
        .count();
    let refused = outcomes
        .iter()
        .filter(|o| o.redirected_to("/w/acme-mail/settings/general"))
        .count();
    assert_eq!((left, refused), (n - 1, 1), "{outcomes:?}");
    assert_eq!(app.count_rows("memberships").await, 1);
    assert_eq!(count_owners(&app).await, 1);
}
