//! The rules for a credential's own fields, besides its [`Username`]:
//! [`CredentialName`], [`Description`], [`Mode`] and [`SendingScope`].
//! Each text is checked as given (the API documents exactly that) and kept
//! trimmed.
//!
//! [`Username`]: super::Username

use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::Text;

use super::text::{MULTI_LINE_MESSAGE, SINGLE_LINE_MESSAGE, is_multi_line, is_single_line};

/// A credential's name: 1 to [`CredentialName::MAX`] characters on one line,
/// not only spaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialName(String);

impl CredentialName {
    /// The most characters a name has.
    pub const MAX: usize = 100;

    /// Why a name of the wrong length was refused.
    pub fn length_message() -> String {
        format!("Enter a name (up to {} characters).", Self::MAX)
    }

    /// The name, trimmed; else the message for the form.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let length = raw.chars().count();
        if length == 0 || length > Self::MAX {
            Err(Self::length_message())
        } else if !is_single_line(raw) {
            Err(SINGLE_LINE_MESSAGE.to_owned())
        } else if raw.trim().is_empty() {
            Err(Self::length_message())
        } else {
            Ok(Self(raw.trim().to_owned()))
        }
    }

    /// The trimmed name.
    pub fn into_string(self) -> String {
        self.0
    }
}

/// What a credential is for: up to [`Description::MAX`] characters; line
/// breaks and tabs are the only control characters allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Description(String);

impl Description {
    /// The most characters a description has.
    pub const MAX: usize = 500;

    /// The description, trimmed; else the message for the form.
    pub fn parse(raw: &str) -> Result<Self, String> {
        if raw.chars().count() > Self::MAX {
            Err(format!("Keep the description to {} characters.", Self::MAX))
        } else if !is_multi_line(raw) {
            Err(MULTI_LINE_MESSAGE.to_owned())
        } else {
            Ok(Self(raw.trim().to_owned()))
        }
    }

    /// The trimmed description.
    pub fn into_string(self) -> String {
        self.0
    }
}

/// Where a credential's mail goes: delivered, or captured in the sandbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    #[default]
    Production,
    /// Mail is captured and shown in the dashboard, never relayed.
    Sandbox,
}

impl Mode {
    /// `production` or `sandbox`, as forms and the activity log name it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Production => "production",
            Self::Sandbox => "sandbox",
        }
    }

    /// The mode [`Mode::as_str`] names.
    pub fn parse(raw: &str) -> Option<Self> {
        [Self::Production, Self::Sandbox]
            .into_iter()
            .find(|m| m.as_str() == raw)
    }

    /// The mode stored as the `sandbox` column.
    pub fn from_sandbox(sandbox: bool) -> Self {
        if sandbox {
            Self::Sandbox
        } else {
            Self::Production
        }
    }

    /// Whether mail is captured rather than delivered.
    pub fn is_sandbox(self) -> bool {
        self == Self::Sandbox
    }
}

/// Which sender domains a credential may use; stored as the `scope` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, AsExpression, FromSqlRow)]
#[diesel(sql_type = Text)]
pub enum SendingScope {
    /// Any domain.
    #[default]
    Global,
    /// Only the credential's own domains.
    Scoped,
}

impl SendingScope {
    /// `global` or `scoped`: the column's value and the API's word.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Global => "global",
            Self::Scoped => "scoped",
        }
    }

    /// The scope [`SendingScope::as_str`] names.
    pub fn parse(raw: &str) -> Option<Self> {
        [Self::Global, Self::Scoped]
            .into_iter()
            .find(|s| s.as_str() == raw)
    }
}

impl<DB: diesel::backend::Backend> ToSql<Text, DB> for SendingScope
where
    str: ToSql<Text, DB>,
{
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
        self.as_str().to_sql(out)
    }
}

impl<DB: diesel::backend::Backend> FromSql<Text, DB> for SendingScope
where
    String: FromSql<Text, DB>,
{
    fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
        let raw = String::from_sql(bytes)?;
        Self::parse(&raw).ok_or_else(|| format!("unknown credential scope {raw:?}").into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_checked_as_given_and_kept_trimmed() {
        assert_eq!(CredentialName::parse(" App ").unwrap().into_string(), "App");
        let longest = "a".repeat(CredentialName::MAX);
        assert!(CredentialName::parse(&longest).is_ok());
        for bad in ["", "   ", &format!("{longest}a")] {
            assert_eq!(
                CredentialName::parse(bad),
                Err(CredentialName::length_message())
            );
        }
        assert_eq!(
            CredentialName::parse("App\n"),
            Err(SINGLE_LINE_MESSAGE.to_owned())
        );
    }

    #[test]
    fn a_description_keeps_line_breaks_and_its_bound() {
        assert!(Description::parse("one\ntwo\tthree").is_ok());
        assert!(Description::parse(&"a".repeat(Description::MAX)).is_ok());
        assert!(Description::parse(&"a".repeat(Description::MAX + 1)).is_err());
        assert_eq!(
            Description::parse("a\u{1b}b"),
            Err(MULTI_LINE_MESSAGE.to_owned())
        );
    }

    #[test]
    fn modes_and_scopes_read_back_what_they_write() {
        for mode in [Mode::Production, Mode::Sandbox] {
            assert_eq!(Mode::parse(mode.as_str()), Some(mode));
            assert_eq!(Mode::from_sandbox(mode.is_sandbox()), mode);
        }
        for scope in [SendingScope::Global, SendingScope::Scoped] {
            assert_eq!(SendingScope::parse(scope.as_str()), Some(scope));
        }
        assert_eq!(SendingScope::parse("sideways"), None);
    }
}
