//! Releasing sandbox mail to real addresses (members and above): the
//! recipients a member types, and the activity log's record of each
//! release. The sending itself is the SMTP relay's (`smtp::release`).

use crate::db::{Db, DbError};
use crate::domain::{EmailAddress, MessageId, WorkspaceId};
use crate::service::audit::{self, Actor};

/// Most recipients one release may name.
pub const MAX_RECIPIENTS: usize = 20;

/// The addresses typed into the release form: separated by commas,
/// semicolons or white space, each a valid address, at least one and at
/// most [`MAX_RECIPIENTS`], repeats dropped. The error names the first
/// address refused.
pub fn parse_recipients(raw: &str) -> Result<Vec<String>, String> {
    let mut recipients: Vec<String> = Vec::new();
    for word in raw
        .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
        .filter(|w| !w.is_empty())
    {
        let address = EmailAddress::parse(word)?;
        if !recipients.iter().any(|r| r == address.as_str()) {
            recipients.push(address.as_str().to_owned());
        }
    }
    match recipients.len() {
        0 => Err("Enter at least one address to send the message to.".into()),
        n if n > MAX_RECIPIENTS => Err(format!(
            "At most {MAX_RECIPIENTS} addresses per release ({n} given)."
        )),
        _ => Ok(recipients),
    }
}

/// Records in the activity log that `actor` released the message to
/// `recipients`.
pub async fn record_release(
    db: &Db,
    workspace: &WorkspaceId,
    id: &MessageId,
    recipients: &[String],
    actor: Actor,
) -> Result<(), DbError> {
    let (workspace, target) = (workspace.clone(), id.to_string());
    let details = format!("to {}", recipients.join(", "));
    db.query(move |conn| {
        audit::record(
            conn,
            &workspace,
            &actor,
            "sandbox.released",
            &target,
            &details,
        )
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recipients_are_split_on_commas_semicolons_and_spaces() {
        assert_eq!(
            parse_recipients(" a@example.com, b@example.net;c@example.org\nA@example.com ")
                .unwrap(),
            ["a@example.com", "b@example.net", "c@example.org"]
        );
    }

    #[test]
    fn no_address_or_a_bad_one_is_refused_with_a_reason() {
        assert!(
            parse_recipients(" , ")
                .unwrap_err()
                .contains("at least one")
        );
        let error = parse_recipients("a@example.com, not-an-address").unwrap_err();
        assert!(error.contains("not-an-address"), "{error}");
        assert!(parse_recipients("a@example.com\r\nBcc: eve@example.com").is_err());
    }

    #[test]
    fn more_than_the_maximum_is_refused() {
        let many: Vec<String> = (0..=MAX_RECIPIENTS)
            .map(|i| format!("u{i}@example.com"))
            .collect();
        assert!(
            parse_recipients(&many.join(","))
                .unwrap_err()
                .contains("At most")
        );
        assert!(parse_recipients(&many[1..].join(",")).is_ok());
    }
}
