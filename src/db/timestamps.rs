//! Timestamps as the credential list reads them on SQLite, without
//! chrono's format strings.
//!
//! diesel reads a SQLite `Timestamp` (stored as text, `2026-01-04
//! 11:19:30.123456`) with `parse_from_str`, which takes its strftime
//! format apart again for every value: with four timestamps a row, a
//! twentieth of the credentials page's CPU. [`Stamp`] parses the stored
//! layout with chrono's parser and a fixed list of items, and hands any
//! other layout (an offset, a `T`, a Julian day) to diesel as before.
//! PostgreSQL's binary timestamps go straight to diesel.
//!
//! Use them on a model's field with `#[diesel(deserialize_as = Stamp)]`
//! (`MaybeStamp` for a nullable column).

use chrono::NaiveDateTime;
use chrono::format::{Fixed, Item, Numeric, Pad, Parsed};
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::sql_types::{Nullable, Timestamp};
use diesel::sqlite::Sqlite;

use super::{MultiBackend, MultiRawValue};

/// `%Y-%m-%d %H:%M:%S%.f`, the layout diesel writes.
const STORED: &[Item<'static>] = &[
    Item::Numeric(Numeric::Year, Pad::Zero),
    Item::Literal("-"),
    Item::Numeric(Numeric::Month, Pad::Zero),
    Item::Literal("-"),
    Item::Numeric(Numeric::Day, Pad::Zero),
    Item::Literal(" "),
    Item::Numeric(Numeric::Hour, Pad::Zero),
    Item::Literal(":"),
    Item::Numeric(Numeric::Minute, Pad::Zero),
    Item::Literal(":"),
    Item::Numeric(Numeric::Second, Pad::Zero),
    Item::Fixed(Fixed::Nanosecond),
];

/// The stored layout, or `None` for any other.
fn parse_stored(text: &str) -> Option<NaiveDateTime> {
    let mut parsed = Parsed::new();
    chrono::format::parse(&mut parsed, text, STORED.iter()).ok()?;
    parsed.to_naive_datetime_with_offset(0).ok()
}

/// A `Timestamp` column read into a [`NaiveDateTime`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, FromSqlRow)]
pub struct Stamp(pub NaiveDateTime);

impl From<Stamp> for NaiveDateTime {
    fn from(stamp: Stamp) -> Self {
        stamp.0
    }
}

impl FromSql<Timestamp, MultiBackend> for Stamp {
    fn from_sql(value: MultiRawValue<'_>) -> deserialize::Result<Self> {
        match value {
            MultiRawValue::Sqlite(mut value) => match parse_stored(value.read_text()) {
                Some(at) => Ok(Self(at)),
                None => <NaiveDateTime as FromSql<Timestamp, Sqlite>>::from_sql(value).map(Self),
            },
            other => other.from_sql::<NaiveDateTime, Timestamp>().map(Self),
        }
    }
}

/// A `Nullable<Timestamp>` column read into an `Option<NaiveDateTime>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, FromSqlRow)]
pub struct MaybeStamp(pub Option<NaiveDateTime>);

impl From<MaybeStamp> for Option<NaiveDateTime> {
    fn from(stamp: MaybeStamp) -> Self {
        stamp.0
    }
}

impl FromSql<Nullable<Timestamp>, MultiBackend> for MaybeStamp {
    fn from_sql(value: MultiRawValue<'_>) -> deserialize::Result<Self> {
        Stamp::from_sql(value).map(|stamp| Self(Some(stamp.0)))
    }

    fn from_nullable_sql(value: Option<MultiRawValue<'_>>) -> deserialize::Result<Self> {
        value.map_or(Ok(Self(None)), Self::from_sql)
    }
}

#[cfg(test)]
mod tests {
    use diesel::prelude::*;
    use diesel::sql_types::{Nullable, Timestamp};

    use super::{MaybeStamp, Stamp, parse_stored};
    use crate::db::DbConn;

    #[test]
    fn the_stored_layout_is_read_to_the_nanosecond_and_others_are_left_to_diesel() {
        let at = |s: &str| chrono::NaiveDateTime::parse_from_str(s, "%F %T%.f").unwrap();
        for stored in [
            "2026-01-04 11:19:30",
            "2026-01-04 11:19:30.5",
            "2026-01-04 11:19:30.123456",
            "1970-01-01 00:00:00",
            "2026-12-31 23:59:59.999999999",
        ] {
            assert_eq!(parse_stored(stored), Some(at(stored)), "{stored}");
        }
        for other in [
            "2026-01-04T11:19:30",
            "2026-01-04 11:19:30+00:00",
            "2026-01-04 11:19",
            "2460000.5",
            "2026-02-30 00:00:00",
            "",
        ] {
            assert_eq!(parse_stored(other), None, "{other}");
        }
    }

    /// Through diesel, on SQLite: the stored layout and every other one
    /// diesel reads, NULL as `None`.
    #[test]
    fn sqlite_values_of_any_layout_read_as_diesel_reads_them() {
        let mut conn = DbConn::Sqlite(SqliteConnection::establish(":memory:").unwrap());
        let mut read = |sql: &str| {
            diesel::select(diesel::dsl::sql::<Timestamp>(sql))
                .get_result::<Stamp>(&mut conn)
                .unwrap()
                .0
        };
        let noon = chrono::NaiveDate::from_ymd_opt(2026, 1, 4)
            .unwrap()
            .and_hms_opt(12, 0, 0)
            .unwrap();
        assert_eq!(read("'2026-01-04 12:00:00'"), noon);
        assert_eq!(read("'2026-01-04T12:00:00'"), noon);
        assert_eq!(read("'2026-01-04 12:00'"), noon);
        assert_eq!(read("2461045.0"), noon, "a Julian day");
        let mut maybe = |sql: &str| {
            diesel::select(diesel::dsl::sql::<Nullable<Timestamp>>(sql))
                .get_result::<MaybeStamp>(&mut conn)
                .unwrap()
                .0
        };
        assert_eq!(maybe("NULL"), None);
        assert_eq!(maybe("'2026-01-04 12:00:00.000'"), Some(noon));
    }
}
