use std::fmt;

/// A member's role in a workspace, weakest first (so `>=` compares power).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    Viewer,
    Member,
    Admin,
    Owner,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Owner, Role::Admin, Role::Member, Role::Viewer];

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "owner" => Some(Self::Owner),
            "admin" => Some(Self::Admin),
            "member" => Some(Self::Member),
            "viewer" => Some(Self::Viewer),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Owner => "owner",
            Self::Admin => "admin",
            Self::Member => "member",
            Self::Viewer => "viewer",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Owner => "Owner",
            Self::Admin => "Admin",
            Self::Member => "Member",
            Self::Viewer => "Viewer",
        }
    }

    /// Create, regenerate, (de)activate, edit and delete SMTP credentials.
    pub fn can_manage_credentials(self) -> bool {
        self >= Self::Member
    }

    /// Delete (and release) sandbox mail.
    pub fn can_manage_sandbox_mail(self) -> bool {
        self >= Self::Member
    }

    /// Manage API keys, sending domains, members and sandbox retention.
    pub fn can_administer(self) -> bool {
        self >= Self::Admin
    }

    /// Delete the workspace, transfer ownership.
    pub fn is_owner(self) -> bool {
        self == Self::Owner
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

#[cfg(test)]
mod tests {
    use super::Role;

    #[test]
    fn roles_round_trip_through_their_names() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("superuser"), None);
    }

    #[test]
    fn permissions_follow_the_design_table() {
        assert!(!Role::Viewer.can_manage_credentials());
        assert!(Role::Member.can_manage_credentials());
        assert!(!Role::Member.can_administer());
        assert!(Role::Admin.can_administer());
        assert!(!Role::Admin.is_owner());
        assert!(Role::Owner.is_owner());
    }
}
