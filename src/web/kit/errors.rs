//! How each service's refusals reach a page: the ones a page shows as a
//! message beside a field or in a toast it matches itself; every other one
//! becomes an [`AppError`] here, so `?` works in every handler.

use crate::error::AppError;
use crate::service::accounts::AccountError;
use crate::service::api_keys::ApiKeyError;
use crate::service::credentials::CredentialError;
use crate::service::domains::DomainError;
use crate::service::invitations::InvitationError;
use crate::service::members::MemberError;

impl From<CredentialError> for AppError {
    fn from(error: CredentialError) -> Self {
        match error {
            CredentialError::NotFound => Self::NotFound,
            CredentialError::Db(e) => e.into(),
            CredentialError::Busy(e) => e.into(),
            other => Self::unexpected(other),
        }
    }
}

impl From<DomainError> for AppError {
    fn from(error: DomainError) -> Self {
        match error {
            DomainError::NotFound => Self::NotFound,
            DomainError::Db(e) => e.into(),
            other => Self::unexpected(other),
        }
    }
}

impl From<ApiKeyError> for AppError {
    fn from(error: ApiKeyError) -> Self {
        match error {
            ApiKeyError::NotFound => Self::NotFound,
            ApiKeyError::UnknownDomain(name) => {
                Self::unexpected(format!("unchecked scope domain {name}"))
            }
            ApiKeyError::Db(e) => e.into(),
        }
    }
}

impl From<InvitationError> for AppError {
    fn from(error: InvitationError) -> Self {
        match error {
            InvitationError::NotFound => Self::NotFound,
            InvitationError::Db(e) => e.into(),
            InvitationError::Busy(e) => e.into(),
            other => Self::unexpected(other),
        }
    }
}

impl From<MemberError> for AppError {
    fn from(error: MemberError) -> Self {
        match error {
            MemberError::NotFound => Self::NotFound,
            MemberError::Forbidden => Self::Forbidden,
            MemberError::Db(e) => e.into(),
            other => Self::unexpected(other),
        }
    }
}

impl From<AccountError> for AppError {
    fn from(error: AccountError) -> Self {
        match error {
            AccountError::Db(e) => e.into(),
            AccountError::Busy(e) => e.into(),
            other => Self::unexpected(other),
        }
    }
}
