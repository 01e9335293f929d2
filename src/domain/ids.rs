use diesel_derive_newtype::DieselNewType;
use serde::{Deserialize, Serialize};

/// A string that is not a well-formed id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidId;

macro_rules! uuid_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(DieselNewType, Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// A new time-ordered (v7) UUID.
            pub fn generate() -> Self {
                Self(uuid::Uuid::now_v7().to_string())
            }

            /// Accepts only a well-formed UUID (so path segments never reach SQL unchecked).
            pub fn parse(raw: &str) -> Option<Self> {
                uuid::Uuid::parse_str(raw).ok().map(|u| Self(u.to_string()))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::str::FromStr for $name {
            type Err = InvalidId;

            fn from_str(raw: &str) -> Result<Self, InvalidId> {
                Self::parse(raw).ok_or(InvalidId)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

uuid_id!(
    /// Identifies a user.
    UserId
);
uuid_id!(
    /// Identifies a workspace; the API calls it `account_id`.
    WorkspaceId
);
uuid_id!(
    /// Identifies an SMTP credential.
    CredentialId
);
uuid_id!(
    /// Identifies a sending domain of a workspace.
    DomainId
);
uuid_id!(
    /// Identifies an entry of the activity log.
    AuditEventId
);
uuid_id!(
    /// Identifies a captured sandbox message.
    MessageId
);
uuid_id!(
    /// Identifies a REST API key.
    ApiKeyId
);
uuid_id!(
    /// Identifies an invitation to a workspace.
    InvitationId
);
uuid_id!(
    /// Identifies one password of an SMTP credential (a credential holds
    /// two during a rotation's overlap).
    SecretId
);
uuid_id!(
    /// Identifies a dashboard session (shown on the Account page; never its key).
    SessionId
);
