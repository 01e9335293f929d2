use actix_web::{HttpResponse, web};
use diesel::OptionalExtension;

use crate::db::models::Membership;
use crate::error::AppResult;
use crate::service::accounts;
use crate::startup::AppState;
use crate::web::see_other;
use crate::web::{CurrentUser, TypedSession};

/// `/`: the last-used workspace's credentials when signed in; otherwise the
/// sign-in page, or first-run setup while no user exists.
pub async fn index(state: web::Data<AppState>, session: TypedSession) -> AppResult<HttpResponse> {
    let Some(user) = CurrentUser::load(&state.db, &session).await? else {
        let needs_setup = state.db.query(accounts::needs_setup).await?;
        return Ok(see_other(if needs_setup { "/setup" } else { "/login" }));
    };
    let last = session.last_workspace();
    let slug = state
        .db
        .query(move |conn| {
            if let Some(slug) = last
                && let Some(found) = Membership::find_by_slug(conn, &user.id, &slug)
                    .optional()?
                    .flatten()
            {
                return Ok(Some(found.workspace.slug));
            }
            Ok(Membership::workspaces_of(conn, &user.id)?
                .into_iter()
                .next()
                .map(|w| w.workspace.slug))
        })
        .await?;
    Ok(match slug {
        Some(slug) => see_other(&format!("/w/{slug}/settings/smtp-credentials")),
        None => see_other("/workspaces"),
    })
}
