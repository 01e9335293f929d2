//! Structured logs on stderr via `tracing` (coloured only on a terminal); each HTTP request gets a span
//! with its own `request_id` (tracing-actix-web).
//!
//! Levels: ERROR is for the operator (the database or Redis is down, a bug).
//! What a client got wrong — a 4xx answer, a malformed request, a dropped
//! connection — is INFO or DEBUG. A path that carries a secret is logged by
//! its route pattern (`/invitations/{token}`), never as sent.

use std::io::IsTerminal;

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::filter::filter_fn;
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;

/// Where actix-http reports the connections it gives up on.
const DISPATCHER: &str = "actix_http::h1::dispatcher";

/// Installs the global subscriber; `filter` is `RUST_LOG`-style (`info`,
/// `postern=debug,actix_web=info`). Calling it twice is harmless.
pub fn init(filter: &str) -> Result<(), String> {
    let filter = EnvFilter::try_new(filter).map_err(|e| format!("POSTERN_LOG: {e}"))?;
    let output = tracing_subscriber::fmt::layer()
        .with_target(false)
        // Colours for a terminal only: not in files, journald or `docker logs`.
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr)
        // actix-http's own ERROR lines are written again by `ClientErrors`
        // at the level they deserve.
        .with_filter(filter_fn(|meta| !is_dispatcher_error(meta)));
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(output)
        .with(ClientErrors)
        .try_init();
    Ok(())
}

fn is_dispatcher_error(meta: &tracing::Metadata<'_>) -> bool {
    *meta.level() == Level::ERROR && meta.module_path() == Some(DISPATCHER)
}

/// Re-logs actix-http's per-connection ERROR lines: a request that could
/// not be parsed (a malformed header, say) at INFO, a connection the client
/// dropped or let time out at DEBUG, anything else still at ERROR.
struct ClientErrors;

impl<S: Subscriber> Layer<S> for ClientErrors {
    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        if !is_dispatcher_error(event.metadata()) {
            return;
        }
        let mut message = Message(String::new());
        event.record(&mut message);
        let message = message.0;
        match message.strip_prefix("stream error: ") {
            Some(error) if error.starts_with("request parse error") => {
                tracing::info!(target: DISPATCHER, %error, "malformed HTTP request refused");
            }
            Some(error) => {
                tracing::debug!(target: DISPATCHER, %error, "HTTP connection closed");
            }
            None => tracing::error!(target: DISPATCHER, "{message}"),
        }
    }
}

struct Message(String);

impl Visit for Message {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.0 = format!("{value:?}");
        }
    }
}

/// The root span of each HTTP request: like tracing-actix-web's default
/// (method, route, target, status, `request_id`), except that a target
/// carrying a secret is logged as its route pattern
/// ([`crate::web::loggable_target`]).
pub struct RequestSpan;

impl tracing_actix_web::RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &actix_web::dev::ServiceRequest) -> tracing::Span {
        use actix_web::HttpMessage;
        use tracing::field::Empty;
        let target = crate::web::loggable_target(request.request());
        let route =
            crate::web::route_pattern(request.request()).unwrap_or_else(|| "default".into());
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

    /// Records the outcome on the span and logs a failed request: a 5xx at
    /// ERROR, a 4xx (the client's mistake) at DEBUG.
    fn on_request_end<B: actix_web::body::MessageBody>(
        span: tracing::Span,
        outcome: &Result<actix_web::dev::ServiceResponse<B>, actix_web::Error>,
    ) {
        let failure = match outcome {
            Ok(response) => response
                .response()
                .error()
                .map(|e| (response.status(), e.to_string())),
            Err(error) => Some((error.as_response_error().status_code(), error.to_string())),
        };
        tracing_actix_web::DefaultRootSpanBuilder::on_request_end(span.clone(), outcome);
        let _entered = span.enter();
        match failure {
            Some((status, error)) if status.is_server_error() => {
                tracing::error!(status = status.as_u16(), %error, "request failed");
            }
            Some((status, error)) => {
                tracing::debug!(status = status.as_u16(), %error, "request refused");
            }
            None => {}
        }
    }
}
