//! Keyset pagination, for every list ordered by (time, id): the direction,
//! the cursor (a row's sort time and id) and its opaque URL-safe encoding,
//! the query that reads a page from an anchor on ([`keyset!`]), and the
//! cursors of the neighbouring pages ([`Page::from_scan`]). Credentials
//! (dashboard and API), the activity log and the sandbox page with it; the
//! sandbox retention walks its messages with it too.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::NaiveDateTime;

use crate::domain::{AuditEventId, CredentialId, MessageId};

/// Which way a list is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Asc,
    Desc,
}

impl Direction {
    /// `asc` or `desc`, as query strings carry it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Asc => "asc",
            Self::Desc => "desc",
        }
    }
}

/// An id a cursor can carry.
pub trait CursorId: Sized + Clone {
    fn as_key(&self) -> &str;
    fn from_key(raw: &str) -> Option<Self>;
}

macro_rules! cursor_ids {
    ($($id:ty),*) => {$(
        impl CursorId for $id {
            fn as_key(&self) -> &str {
                self.as_str()
            }

            fn from_key(raw: &str) -> Option<Self> {
                Self::parse(raw)
            }
        }
    )*};
}

cursor_ids!(CredentialId, AuditEventId, MessageId);

/// A position in a sorted list: the sort value and id of a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor<I> {
    pub at: NaiveDateTime,
    pub id: I,
}

impl<I: CursorId> Cursor<I> {
    /// An opaque, URL-safe form of the cursor.
    pub fn encode(&self) -> String {
        let text = format!(
            "{}.{}",
            self.at.and_utc().timestamp_micros(),
            self.id.as_key()
        );
        URL_SAFE_NO_PAD.encode(text)
    }

    /// `None` for anything [`Cursor::encode`] did not produce.
    pub fn decode(raw: &str) -> Option<Self> {
        let text = String::from_utf8(URL_SAFE_NO_PAD.decode(raw).ok()?).ok()?;
        let (micros, id) = text.split_once('.')?;
        let at = chrono::DateTime::from_timestamp_micros(micros.parse().ok()?)?.naive_utc();
        Some(Self {
            at,
            id: I::from_key(id)?,
        })
    }
}

/// Which page of a sorted list to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Anchor<I> {
    First,
    /// The rows that follow this one in display order.
    After(Cursor<I>),
    /// The rows that precede this one in display order.
    Before(Cursor<I>),
}

impl<I> Anchor<I> {
    /// Whether the rows are scanned in descending order, and from where.
    /// Reading backwards scans the other way; [`Page::from_scan`] reverses.
    pub fn scan(&self, dir: Direction) -> (bool, Option<&Cursor<I>>) {
        match self {
            Self::First => (dir == Direction::Desc, None),
            Self::After(c) => (dir == Direction::Desc, Some(c)),
            Self::Before(c) => (dir == Direction::Asc, Some(c)),
        }
    }
}

/// Reads up to `$limit` rows from `$anchor` on, in scan order, ordered by
/// `$key` then `$id` (a macro because each sort key is its own diesel
/// expression type). Ask one row more than a page to learn whether another
/// follows, and hand the rows to [`Page::from_scan`].
macro_rules! keyset {
    ($query:expr, $key:expr, $id:expr, $dir:expr, $anchor:expr, $limit:expr) => {{
        let mut query = $query;
        let (descending, cursor) = $anchor.scan($dir);
        if let Some(c) = cursor {
            query = if descending {
                query.filter($key.lt(c.at).or($key.eq(c.at).and($id.lt(c.id.clone()))))
            } else {
                query.filter($key.gt(c.at).or($key.eq(c.at).and($id.gt(c.id.clone()))))
            };
        }
        query = if descending {
            query.order(($key.desc(), $id.desc()))
        } else {
            query.order(($key.asc(), $id.asc()))
        };
        query.limit($limit)
    }};
}

pub(crate) use keyset;

/// A page of a sorted list and where the neighbouring pages start.
#[derive(Debug)]
pub struct Page<T, I> {
    pub items: Vec<T>,
    pub next: Option<Cursor<I>>,
    pub previous: Option<Cursor<I>>,
}

impl<T, I: Clone> Page<T, I> {
    /// The page among `rows`, read by [`keyset!`] in scan order with up to
    /// `limit + 1` rows: the extra row tells that another page exists in
    /// the reading direction.
    pub fn from_scan(
        mut rows: Vec<T>,
        anchor: &Anchor<I>,
        limit: i64,
        cursor: impl Fn(&T) -> Cursor<I>,
    ) -> Self {
        let more = rows.len() as i64 > limit;
        rows.truncate(limit.max(0) as usize);
        if matches!(anchor, Anchor::Before(_)) {
            rows.reverse();
        }
        let (last, first) = (rows.last().map(&cursor), rows.first().map(&cursor));
        let (next, previous) = match anchor {
            Anchor::First => (last.filter(|_| more), None),
            Anchor::After(_) => (last.filter(|_| more), first),
            Anchor::Before(_) => (last, first.filter(|_| more)),
        };
        Self {
            items: rows,
            next,
            previous,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::now;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let cursor = Cursor {
            at: now(),
            id: CredentialId::generate(),
        };
        assert_eq!(Cursor::decode(&cursor.encode()), Some(cursor));
        assert_eq!(Cursor::<CredentialId>::decode("not a cursor"), None);
        let not_a_uuid = URL_SAFE_NO_PAD.encode("0.not-a-uuid");
        assert_eq!(Cursor::<CredentialId>::decode(&not_a_uuid), None);
    }

    fn at(i: i64) -> Cursor<i64> {
        Cursor {
            at: chrono::DateTime::from_timestamp(i, 0).unwrap().naive_utc(),
            id: i,
        }
    }

    #[test]
    fn a_page_points_to_its_neighbours_only_where_rows_remain() {
        let first = Page::from_scan(vec![5, 4, 3], &Anchor::First, 2, |&i| at(i));
        assert_eq!(first.items, [5, 4]);
        assert_eq!((first.next, first.previous), (Some(at(4)), None));

        let after = Page::from_scan(vec![3, 2], &Anchor::After(at(4)), 2, |&i| at(i));
        assert_eq!((after.next, after.previous), (None, Some(at(3))));

        // Scanned upwards from 3: [4, 5, 6], of which 6 is the extra row.
        let before = Page::from_scan(vec![4, 5, 6], &Anchor::Before(at(3)), 2, |&i| at(i));
        assert_eq!(before.items, [5, 4]);
        assert_eq!((before.next, before.previous), (Some(at(4)), Some(at(5))));
    }
}
