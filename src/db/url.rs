use std::fmt;
use std::path::PathBuf;

/// Where the database lives; the scheme picks the backend.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// `sqlite://relative/path.db` or `sqlite:///absolute/path.db`.
    Sqlite(PathBuf),
    /// `postgres://…` or `postgresql://…`, passed to libpq as is.
    Postgres(String),
}

impl DatabaseUrl {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            url::Url::parse(raw).map_err(|e| format!("not a valid PostgreSQL URL: {e}"))?;
            return Ok(Self::Postgres(raw.to_owned()));
        }
        if let Some(path) = raw
            .strip_prefix("sqlite://")
            .or(raw.strip_prefix("sqlite:"))
        {
            if path.is_empty() || path.starts_with(':') {
                return Err("needs a file path, e.g. sqlite://postern-data/postern.db".into());
            }
            return Ok(Self::Sqlite(PathBuf::from(path)));
        }
        let scheme = raw.split_once("://").map_or(raw, |(s, _)| s);
        Err(format!(
            "unknown database scheme {scheme:?} (use sqlite://PATH or postgres://USER@HOST/DB)"
        ))
    }

    pub fn backend_name(&self) -> &'static str {
        match self {
            Self::Sqlite(_) => "SQLite",
            Self::Postgres(_) => "PostgreSQL",
        }
    }
}

/// Shows the URL without its password, for logs and messages.
impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sqlite(path) => write!(f, "sqlite://{}", path.display()),
            Self::Postgres(raw) => match url::Url::parse(raw) {
                Ok(mut url) => {
                    if url.password().is_some() {
                        let _ = url.set_password(Some("***"));
                    }
                    write!(f, "{url}")
                }
                Err(_) => f.write_str("postgres://…"),
            },
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_relative_and_absolute_paths_are_accepted() {
        assert_eq!(
            DatabaseUrl::parse("sqlite://data/p.db").unwrap(),
            DatabaseUrl::Sqlite("data/p.db".into())
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:///var/p.db").unwrap(),
            DatabaseUrl::Sqlite("/var/p.db".into())
        );
    }

    #[test]
    fn unknown_scheme_is_named_in_the_error() {
        let err = DatabaseUrl::parse("mysql://root@localhost/db").unwrap_err();
        assert!(err.contains("\"mysql\""), "{err}");
    }

    #[test]
    fn in_memory_sqlite_is_refused() {
        assert!(DatabaseUrl::parse("sqlite::memory:").is_err());
    }

    #[test]
    fn display_hides_the_postgres_password() {
        let url = DatabaseUrl::parse("postgres://app:s3cret@db.internal/postern").unwrap();
        assert!(!url.to_string().contains("s3cret"));
    }
}
