use actix_web::{HttpResponse, web};

use crate::error::AppResult;
use crate::service::{accounts, workspaces};
use crate::startup::AppState;
use crate::web::kit::{WorkspaceUrls, see_other};
use crate::web::{CurrentUser, TypedSession};

/// `/`: the last-used workspace's credentials when signed in; otherwise the
/// sign-in page, or first-run setup while no user exists.
pub async fn index(state: web::Data<AppState>, session: TypedSession) -> AppResult<HttpResponse> {
    let Some(user) = CurrentUser::load(&state.db, &session).await? else {
        let needs_setup = accounts::needs_setup(&state.db).await?;
        return Ok(see_other(if needs_setup { "/setup" } else { "/login" }));
    };
    let slug = workspaces::landing(&state.db, &user.id, session.last_workspace()).await?;
    Ok(match slug {
        Some(slug) => see_other(&WorkspaceUrls::new(&slug).credentials()),
        None => see_other("/workspaces"),
    })
}
