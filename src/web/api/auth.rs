//! Every `/v2/` request passes here first: the bearer key is looked up (its
//! revocation counts from the very next request), the request is counted
//! against the key's rate limit, and every response gets the
//! `X-RateLimit-*` headers.

use std::future::{Ready, ready};

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};

use super::error::ApiError;
use super::rate_limit::{Caller, Decision};
use crate::auth::api_key;
use crate::domain::{ApiScopes, WorkspaceId};
use crate::service::api_keys;
use crate::service::api_keys::ApiKey;
use crate::service::audit::Actor;
use crate::startup::AppState;

/// The documented paths anyone may read without a key.
const PUBLIC: &[&str] = &["/v2/openapi.json"];

/// The API key a request was made with.
#[derive(Clone)]
pub struct ApiCaller {
    pub key: ApiKey,
    pub scopes: ApiScopes,
}

impl ApiCaller {
    /// The key as the activity log names it, with the caller's address.
    pub fn actor(&self, req: &HttpRequest) -> Actor {
        Actor {
            label: api_keys::actor_label(&self.key),
            user_id: None,
            ip: crate::web::client::ClientInfo::of(req).ip_string(),
        }
    }

    /// The workspace of `account_id`, which must be the key's own (any
    /// other answers 404, as for a non-member in the dashboard).
    pub fn account(&self, account_id: &str) -> Result<WorkspaceId, ApiError> {
        match WorkspaceId::parse(account_id) {
            Some(id) if id == self.key.workspace_id => Ok(id),
            _ => Err(ApiError::NotFound("No such account for this API key.")),
        }
    }
}

impl FromRequest for ApiCaller {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            req.extensions()
                .get::<ApiCaller>()
                .cloned()
                .ok_or(ApiError::Unauthorized),
        )
    }
}

pub async fn guard(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .cloned()
        .expect("AppState is registered");
    let public = PUBLIC.contains(&req.path());
    let secret = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(api_key::from_authorization)
        .map(str::to_owned);
    let found = match secret {
        Some(secret) if !public => api_keys::authenticate(&state.db, &secret)
            .await
            .map_err(ApiError::from),
        _ => Ok(None),
    };
    let caller = match &found {
        Ok(Some(key)) => Caller::Key(key.id.clone()),
        _ => Caller::Address(crate::web::client::ClientInfo::of(req.request()).ip),
    };
    let decision = state.api_limiter.check(&caller).await;
    let refusal = match (&found, decision.retry_after_secs) {
        (_, Some(retry_after_secs)) => Some(ApiError::TooManyRequests { retry_after_secs }),
        (Err(_), None) => found.err(),
        (Ok(None), None) if !public => Some(ApiError::Unauthorized),
        (Ok(Some(key)), None) => {
            let scopes = ApiScopes::from_stored(&key.scopes);
            req.extensions_mut().insert(ApiCaller {
                key: key.clone(),
                scopes,
            });
            None
        }
        (Ok(None), None) => None,
    };
    let mut response = match refusal {
        Some(error) => req.error_response(error).map_into_right_body(),
        None => next.call(req).await?.map_into_left_body(),
    };
    rate_limit_headers(response.headers_mut(), &decision);
    Ok(response)
}

fn rate_limit_headers(headers: &mut HeaderMap, decision: &Decision) {
    for (name, value) in [
        ("x-ratelimit-limit", decision.limit),
        ("x-ratelimit-remaining", decision.remaining),
    ] {
        headers.insert(HeaderName::from_static(name), HeaderValue::from(value));
    }
}
