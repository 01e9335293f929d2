//! A minimal SpamAssassin `spamd` client (the SPAMC/1.5 protocol's
//! `SYMBOLS` command): the score, the threshold and the rules that hit.
//! The whole exchange has one deadline, so a slow or silent spamd costs a
//! page fragment a few seconds at most, never the message page itself.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Messages larger than this are not sent (spamc's own default limit).
pub const MAX_CHECKED_BYTES: usize = 500 * 1024;
/// Most bytes of spamd's answer read.
const MAX_ANSWER_BYTES: u64 = 64 * 1024;

/// What spamd said about a message.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub is_spam: bool,
    pub score: f64,
    pub threshold: f64,
    /// The names of the rules that hit, as spamd lists them.
    pub rules: Vec<String>,
}

/// Why there is no verdict.
#[derive(Debug, thiserror::Error)]
pub enum SpamdError {
    #[error("the message is larger than {} KB, which spamd is not asked to check", MAX_CHECKED_BYTES / 1024)]
    TooLarge,
    #[error("spamd did not answer within {0} s")]
    Timeout(u64),
    #[error("spamd cannot be reached: {0}")]
    Unreachable(std::io::Error),
    #[error("spamd answered something unexpected: {0}")]
    Protocol(String),
}

/// Asks the spamd at `addr` (`host:port`) to score `message`.
pub async fn check(addr: &str, message: &[u8], limit: Duration) -> Result<Verdict, SpamdError> {
    if message.len() > MAX_CHECKED_BYTES {
        return Err(SpamdError::TooLarge);
    }
    match tokio::time::timeout(limit, exchange(addr, message)).await {
        Ok(result) => result,
        Err(_) => Err(SpamdError::Timeout(limit.as_secs())),
    }
}

async fn exchange(addr: &str, message: &[u8]) -> Result<Verdict, SpamdError> {
    let mut stream = TcpStream::connect(addr)
        .await
        .map_err(SpamdError::Unreachable)?;
    let mut request = format!(
        "SYMBOLS SPAMC/1.5\r\nContent-length: {}\r\n\r\n",
        message.len()
    )
    .into_bytes();
    request.extend_from_slice(message);
    stream
        .write_all(&request)
        .await
        .map_err(SpamdError::Unreachable)?;
    stream.shutdown().await.map_err(SpamdError::Unreachable)?;
    let mut answer = Vec::new();
    stream
        .take(MAX_ANSWER_BYTES)
        .read_to_end(&mut answer)
        .await
        .map_err(SpamdError::Unreachable)?;
    parse_answer(&String::from_utf8_lossy(&answer))
}

/// Reads `SPAMD/1.1 0 EX_OK`, a `Spam: True ; 7.1 / 5.0` header, and the
/// body: the rule names separated by commas.
pub fn parse_answer(answer: &str) -> Result<Verdict, SpamdError> {
    let protocol = |what: &str| SpamdError::Protocol(what.to_owned());
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((answer, ""));
    let mut lines = head.lines();
    let status = lines.next().unwrap_or_default();
    let mut words = status.split_whitespace();
    if !words.next().is_some_and(|w| w.starts_with("SPAMD/")) {
        return Err(protocol("no SPAMD status line"));
    }
    if words.next() != Some("0") {
        let text: String = status
            .chars()
            .filter(|c| !c.is_control())
            .take(100)
            .collect();
        return Err(SpamdError::Protocol(text));
    }
    let spam = lines
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.trim()
                .eq_ignore_ascii_case("Spam")
                .then(|| value.trim())
        })
        .ok_or_else(|| protocol("no Spam header"))?;
    let (flag, scores) = spam
        .split_once(';')
        .ok_or_else(|| protocol("Spam header"))?;
    let (score, threshold) = scores
        .split_once('/')
        .ok_or_else(|| protocol("Spam header"))?;
    let number = |s: &str| {
        s.trim()
            .parse::<f64>()
            .map_err(|_| protocol("Spam header score"))
    };
    let flag = flag.trim().to_ascii_lowercase();
    Ok(Verdict {
        is_spam: flag == "true" || flag == "yes",
        score: number(score)?,
        threshold: number(threshold)?,
        rules: body
            .split(',')
            .map(str::trim)
            .filter(|rule| {
                !rule.is_empty()
                    && rule.len() <= 64
                    && rule.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            })
            .map(str::to_owned)
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_gives_the_score_threshold_and_rules() {
        let verdict = parse_answer(
            "SPAMD/1.1 0 EX_OK\r\nContent-length: 27\r\nSpam: False ; 2.3 / 5.0\r\n\r\nMISSING_DATE,MISSING_MID\r\n",
        )
        .unwrap();
        assert_eq!(
            verdict,
            Verdict {
                is_spam: false,
                score: 2.3,
                threshold: 5.0,
                rules: vec!["MISSING_DATE".into(), "MISSING_MID".into()],
            }
        );
        let spam = parse_answer("SPAMD/1.1 0 EX_OK\r\nSpam: True ; 12.0 / 5.0\r\n\r\n").unwrap();
        assert!(spam.is_spam);
        assert!(spam.rules.is_empty());
    }

    #[test]
    fn errors_and_garbage_are_errors() {
        assert!(parse_answer("SPAMD/1.0 76 Bad header line: x\r\n\r\n").is_err());
        assert!(parse_answer("HTTP/1.1 200 OK\r\n\r\n").is_err());
        assert!(parse_answer("SPAMD/1.1 0 EX_OK\r\nSpam: maybe\r\n\r\n").is_err());
        assert!(parse_answer("").is_err());
    }

    #[test]
    fn rule_names_that_are_not_names_are_dropped() {
        let verdict = parse_answer(
            "SPAMD/1.1 0 EX_OK\r\nSpam: False ; 0.1 / 5.0\r\n\r\nOK_RULE,<script>,,\r\n",
        )
        .unwrap();
        assert_eq!(verdict.rules, ["OK_RULE"]);
    }
}
