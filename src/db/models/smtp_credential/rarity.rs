//! Which parts of a filter are rare among credentials' names and usernames,
//! so that PostgreSQL's trigram indexes are asked for those parts only.
//!
//! A GIN scan reads every index entry of each trigram it is given: for
//! `user_00042` among a million `user_…` usernames, the entries of `use`,
//! `ser` and `er_` (a million each) cost ten times what the rare digits do.
//! So the index is given the [`PROBES`] rarest three-letter windows of the
//! text, and the whole text is checked on the few rows they find (see
//! `listing::contains`). How rare a window is comes from a sample of about
//! [`SAMPLE_ROWS`] rows, taken again after [`SAMPLE_AGE`]: a stale or empty
//! sample can only make a filter slower, never change what it finds.
//! SQLite's FTS5 index needs none of this (it skips through long lists).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use diesel::QueryableByName;
use diesel::prelude::*;
use diesel::sql_types::Text;

use crate::db::DbConn;

/// How many windows of a filter the index is asked for.
pub const PROBES: usize = 2;
/// A text found in more than one sampled credential in this many is
/// common: a walk of the list's order meets a page of it soon, where the
/// index would hand back much of the table first.
const COMMON_SHARE: usize = 50;
/// How many rows a sample reads at most.
const SAMPLE_ROWS: i64 = 5_000;
/// How long a sample is used before another is taken.
const SAMPLE_AGE: Duration = Duration::from_secs(600);

/// The process's current sample, shared by every request (a cloneable
/// handle; see [`crate::db::Db::rarity`]).
#[derive(Clone, Default)]
pub struct Rarity(Arc<Mutex<State>>);

#[derive(Default)]
struct State {
    sample: Option<Arc<Sample>>,
    /// A request is taking a new sample; the others use the old one.
    refreshing: bool,
}

/// In how many sampled credentials each window occurs, and the sampled
/// names and usernames themselves (lower-cased).
struct Sample {
    counts: HashMap<String, u32>,
    rows: Vec<(String, String)>,
    taken: Instant,
}

#[derive(QueryableByName)]
struct Sampled {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    username: String,
}

/// How PostgreSQL looks for a filter's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Probes {
    /// The whole pattern through the trigram indexes (a text with no three
    /// letters or digits in a row; and on SQLite, which has its own index).
    Whole,
    /// These windows through the trigram indexes, rarest first; the whole
    /// text is checked on the rows they find.
    Windows(Vec<String>),
    /// The text itself is common in the sample (`7 Mail`, one credential
    /// in ten, where every name ends in "Mail"): no index, each row checked
    /// in the list's order, which meets a page of matches soon. Through the
    /// index, a bitmap of most of the table was built before the first row
    /// came back.
    Common,
}

impl Rarity {
    /// How to look for `text` (see [`Probes`]): always [`Probes::Whole`]
    /// on SQLite.
    pub fn probes(&self, conn: &mut DbConn, text: &str) -> QueryResult<Probes> {
        if !matches!(conn, DbConn::Postgresql(_)) {
            return Ok(Probes::Whole);
        }
        let found = windows(text);
        if found.is_empty() {
            return Ok(Probes::Whole);
        }
        let sample = self.sample(conn)?;
        Ok(choose(text, found, &sample))
    }

    fn sample(&self, conn: &mut DbConn) -> QueryResult<Arc<Sample>> {
        {
            let mut state = self.0.lock().unwrap_or_else(|e| e.into_inner());
            let fresh = state
                .sample
                .as_ref()
                .filter(|s| s.taken.elapsed() < SAMPLE_AGE);
            match (fresh, &state.sample) {
                (Some(sample), _) => return Ok(sample.clone()),
                (None, Some(old)) if state.refreshing => return Ok(old.clone()),
                _ => state.refreshing = true,
            }
        }
        let taken = take_sample(conn);
        let mut state = self.0.lock().unwrap_or_else(|e| e.into_inner());
        state.refreshing = false;
        let sample = Arc::new(taken?);
        state.sample = Some(sample.clone());
        Ok(sample)
    }
}

/// About 1 % of the table's pages, at most [`SAMPLE_ROWS`] rows.
fn take_sample(conn: &mut DbConn) -> QueryResult<Sample> {
    let rows: Vec<Sampled> = diesel::sql_query(
        "SELECT lower(name) AS name, lower(username) AS username \
         FROM smtp_credentials TABLESAMPLE SYSTEM (1) LIMIT $1",
    )
    .bind::<diesel::sql_types::BigInt, _>(SAMPLE_ROWS)
    .load(conn)?;
    let mut counts: HashMap<String, u32> = HashMap::new();
    let mut sampled = Vec::with_capacity(rows.len());
    for row in rows {
        let mut seen = windows(&row.name);
        seen.extend(windows(&row.username));
        seen.sort();
        seen.dedup();
        for window in seen {
            *counts.entry(window).or_default() += 1;
        }
        sampled.push((row.name, row.username));
    }
    Ok(Sample {
        counts,
        rows: sampled,
        taken: Instant::now(),
    })
}

/// [`Probes::Common`] when `text` is in more than one sampled credential
/// in [`COMMON_SHARE`] (of a sample of at least that many), else the
/// rarest windows of `found`.
fn choose(text: &str, found: Vec<String>, sample: &Sample) -> Probes {
    let text = text.to_lowercase();
    let holding = sample
        .rows
        .iter()
        .filter(|(name, username)| name.contains(&text) || username.contains(&text))
        .count();
    if sample.rows.len() >= COMMON_SHARE && holding * COMMON_SHARE > sample.rows.len() {
        return Probes::Common;
    }
    Probes::Windows(rarest(found, &sample.counts))
}

/// The [`PROBES`] windows of `found` that occur in the fewest sampled
/// credentials; among equally rare ones, the text's order decides.
fn rarest(mut found: Vec<String>, counts: &HashMap<String, u32>) -> Vec<String> {
    found.sort_by_key(|w| counts.get(w).copied().unwrap_or(0));
    found.truncate(PROBES);
    found
}

/// Each distinct run of three ASCII letters or digits in `text`, lower-cased,
/// in the text's order: what `pg_trgm` indexes as one trigram when a LIKE
/// pattern is `%abc%`. Other characters end a window (they separate words
/// for `pg_trgm`).
pub fn windows(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.to_lowercase().chars().collect();
    let mut found: Vec<String> = Vec::new();
    for window in chars.windows(3) {
        if window.iter().all(char::is_ascii_alphanumeric) {
            let window: String = window.iter().collect();
            if !found.contains(&window) {
                found.push(window);
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rarest_windows_are_probed_and_unknown_ones_count_as_rarest() {
        let counts = HashMap::from([
            ("use".to_owned(), 900),
            ("ser".to_owned(), 900),
            ("000".to_owned(), 300),
            ("004".to_owned(), 20),
            ("042".to_owned(), 7),
        ]);
        let found = windows("user_00042");
        assert_eq!(rarest(found.clone(), &counts), ["042", "004"]);
        assert_eq!(rarest(found, &HashMap::new()), ["use", "ser"]);
    }

    #[test]
    fn a_text_common_in_the_sample_is_looked_for_row_by_row() {
        // 100 sampled credentials: every name ends in "mail", one in ten is
        // "… 7 mail"; half the usernames are user_00042, half user_00000.
        // Every window of user_00043 is counted as common too (as among
        // sequential usernames), though no sampled row holds the text.
        let rows: Vec<(String, String)> = (0..100)
            .map(|i| {
                let digit = if i % 10 == 0 { 7 } else { 8 };
                let user = if i % 2 == 0 { 42 } else { 0 };
                (format!("app {i} {digit} mail"), format!("user_{user:05}"))
            })
            .collect();
        let counts = ["use", "ser", "000", "004", "042", "043"].map(|w| (w.to_owned(), 50));
        let sample = Sample {
            counts: HashMap::from(counts),
            rows,
            taken: Instant::now(),
        };
        assert_eq!(choose("7 Mail", windows("7 Mail"), &sample), Probes::Common);
        assert_eq!(
            choose("USER_00042", windows("user_00042"), &sample),
            Probes::Common
        );
        // Every window common, the text itself in no sampled row: the index.
        assert!(matches!(
            choose("user_00043", windows("user_00043"), &sample),
            Probes::Windows(_)
        ));
        // Too small a sample to tell: the index, as before.
        let tiny = Sample {
            counts: HashMap::new(),
            rows: vec![("a mail".to_owned(), "u".to_owned())],
            taken: Instant::now(),
        };
        assert!(matches!(
            choose("mail", windows("mail"), &tiny),
            Probes::Windows(_)
        ));
    }

    #[test]
    fn windows_are_runs_of_three_letters_or_digits_lower_cased_once_each() {
        assert_eq!(windows("User_00042"), ["use", "ser", "000", "004", "042"]);
        assert_eq!(windows("aaaa"), ["aaa"]);
        assert_eq!(windows("7 Mail"), ["mai", "ail"]);
        assert!(windows("a.b-c").is_empty());
        assert!(windows("ab").is_empty());
    }
}
