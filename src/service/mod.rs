//! What Postern does, independent of how it was asked: the dashboard, the
//! REST API, the SMTP listener and the CLI all call these functions, and none
//! of them writes SQL of its own.

pub mod accounts;
pub mod api_keys;
pub mod audit;
pub mod credentials;
pub mod domains;
pub mod idempotency;
pub mod invitations;
pub mod last_used;
pub mod members;
pub mod sandbox;
pub mod send_usage;
pub mod sessions;
pub mod workspaces;

/// True when a diesel error is a unique-index violation.
pub(crate) fn is_unique_violation(error: &diesel::result::Error) -> bool {
    matches!(
        error,
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)
    )
}
