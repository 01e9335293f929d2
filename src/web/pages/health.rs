use actix_web::HttpResponse;
use actix_web::web;
use diesel::RunQueryDsl;

use crate::startup::AppState;

/// The process is up.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("ok\n")
}

/// The process can serve: the database answers.
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let ping = state
        .db
        .query(|conn| diesel::sql_query("SELECT 1").execute(conn))
        .await;
    match ping {
        Ok(_) => HttpResponse::Ok()
            .content_type("text/plain")
            .body("ready\n"),
        Err(error) => {
            tracing::warn!(%error, "not ready: database unreachable");
            HttpResponse::ServiceUnavailable()
                .content_type("text/plain")
                .body("database unreachable\n")
        }
    }
}
