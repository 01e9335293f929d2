//! Structured logs on stderr via `tracing` (coloured only on a terminal); each HTTP request gets a span
//! with its own `request_id` (tracing-actix-web).

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

/// Installs the global subscriber; `filter` is `RUST_LOG`-style (`info`,
/// `postern=debug,actix_web=info`). Calling it twice is harmless.
pub fn init(filter: &str) -> Result<(), String> {
    let filter = EnvFilter::try_new(filter).map_err(|e| format!("POSTERN_LOG: {e}"))?;
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        // Colours for a terminal only: not in files, journald or `docker logs`.
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr)
        .try_init();
    Ok(())
}

/// The root span of each HTTP request: like tracing-actix-web's default
/// (method, route, target, status, `request_id`), except that the target of
/// an invitation link is logged without its token.
pub struct RequestSpan;

impl tracing_actix_web::RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &actix_web::dev::ServiceRequest) -> tracing::Span {
        let target = match request.path().strip_prefix("/invitations/") {
            Some(_) => "/invitations/[token]",
            None => request
                .uri()
                .path_and_query()
                .map(|p| p.as_str())
                .unwrap_or(""),
        };
        use actix_web::HttpMessage;
        use tracing::field::Empty;
        let route = request.match_pattern().unwrap_or_else(|| "default".into());
        let request_id = request
            .extensions()
            .get::<tracing_actix_web::RequestId>()
            .map(ToString::to_string)
            .unwrap_or_default();
        tracing::info_span!(
            "HTTP request",
            http.method = %request.method(),
            http.route = %route,
            http.target = %target,
            http.status_code = Empty,
            otel.status_code = Empty,
            exception.message = Empty,
            exception.details = Empty,
            request_id = %request_id,
        )
    }

    fn on_request_end<B: actix_web::body::MessageBody>(
        span: tracing::Span,
        outcome: &Result<actix_web::dev::ServiceResponse<B>, actix_web::Error>,
    ) {
        tracing_actix_web::DefaultRootSpanBuilder::on_request_end(span, outcome);
    }
}
